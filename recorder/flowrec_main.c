/* SPDX-License-Identifier: Apache-2.0 */
/*
 * flowrec: records a cell's network flows into a SQLite database.
 *
 * Order of work, privileged first (as pflogd): parse options, make sure
 * --tee is none of the inputs, open and check the database, start the sources
 * (load and attach BPF inside the cell's namespace, bind netlink), record the
 * run, drop privileges if asked, then run the loop until a signal or the end
 * of a replay.
 */
#include "fa_db.h"
#include "fa_exit.h"
#include "fa_time.h"
#include "fa_version.h"
#include "privdrop.h"
#include "recorder_loop.h"
#include "recorder_options.h"
#include "replay_writer.h"
#include "source_select.h"
#include "tee_header.h"

#include <errno.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define ERR_LEN 1024

static void source_names(const struct recorder_setup *s, char *buf, size_t len)
{
	buf[0] = '\0';
	for (int i = 0; i < s->nsources; i++) {
		size_t used = strlen(buf);
		snprintf(buf + used, len - used, "%s%s", i ? "+" : "",
			 s->sources[i]->ops->backend_name(s->sources[i]));
	}
}

/*
 * --tee must never be one of the run's inputs: opening it for writing
 * truncates it. st is the tee file (stat'ed before anything is opened, then
 * fstat'ed once it is open and not yet truncated): refuse it when it is the
 * database (or its -wal, -shm, -journal) or the --replay input (a file, or
 * standard input for "-"), by device and inode, however the path is spelt.
 * 0, or -EINVAL (a bad command line) with the reason in err.
 */
static int tee_is_an_input(const struct stat *st, const struct recorder_options *o, char *err,
			   size_t errlen)
{
	static const char *const suffixes[] = {"", "-wal", "-shm", "-journal"};
	struct stat in;
	for (size_t k = 0; k < sizeof(suffixes) / sizeof(suffixes[0]); k++) {
		char name[PATH_MAX];
		snprintf(name, sizeof(name), "%s%s", o->db, suffixes[k]);
		if (stat(name, &in) == 0 && in.st_dev == st->st_dev && in.st_ino == st->st_ino) {
			snprintf(err, errlen,
				 "--tee %s: is the database %s; refusing to overwrite it (choose "
				 "another file)",
				 o->tee, name);
			return -EINVAL;
		}
	}
	if (o->replay) {
		bool is_stdin = strcmp(o->replay, "-") == 0;
		int rc = is_stdin ? fstat(STDIN_FILENO, &in) : stat(o->replay, &in);
		if (rc == 0 && in.st_dev == st->st_dev && in.st_ino == st->st_ino) {
			snprintf(err, errlen,
				 "--tee %s: is the --replay input%s; refusing to overwrite it "
				 "(choose another file)",
				 o->tee, is_stdin ? " (standard input)" : "");
			return -EINVAL;
		}
	}
	return 0;
}

/* --tee names an existing file that is an input (checked before anything is opened). */
static int tee_path_is_an_input(const struct recorder_options *o, char *err, size_t errlen)
{
	struct stat st;
	if (!o->tee || stat(o->tee, &st) != 0)
		return 0;
	return tee_is_an_input(&st, o, err, errlen);
}

/* replay_writer_open's check: remembers a refusal, so main exits with its code. */
struct tee_check {
	const struct recorder_options *o;
	int refused; /* 0 or tee_is_an_input's -errno */
};

static int tee_refuse(const struct stat *st, void *ctx, char *err, size_t errlen)
{
	struct tee_check *c = ctx;
	c->refused = tee_is_an_input(st, c->o, err, errlen);
	return c->refused;
}

/*
 * Open --tee, checked again on the open file before it is truncated (no race
 * with the path check). 0, or -errno with the reason in err; *usage says
 * whether it was the command line's fault (the file is an input).
 */
static int open_tee(const struct recorder_options *o, struct recorder_setup *setup, bool *usage,
		    char *err, size_t errlen)
{
	struct tee_check check = {.o = o};
	*usage = false;
	if (!o->tee)
		return 0;
	setup->tee = replay_writer_open(o->tee, tee_refuse, &check, err, errlen);
	*usage = check.refused != 0;
	return setup->tee ? 0 : -errno;
}

/*
 * Start the sources. 0, or -errno with the reason in err; *usage says whether
 * it was the command line's fault (--source auto chose ebpf without --iface)
 * rather than a source failing.
 */
static int start_sources(const struct recorder_options *o, struct recorder_setup *setup,
			 bool *usage, char *err, size_t errlen)
{
	*usage = source_select_check(o, err, errlen) < 0;
	if (*usage)
		return -EINVAL;
	return source_select_start(o, setup->sources, &setup->nsources, err, errlen);
}

/*
 * The run's row: its ids, stamps, sources and the clock measured now. 0, or
 * flow_store_begin_run's -errno (-EEXIST: the run id exists) with err.
 */
static int begin_run(const struct recorder_options *o, struct recorder_setup *setup, char *err,
		     size_t errlen)
{
	char sources[64], boot_id[TEE_BOOT_ID_TEXT_LEN];
	source_names(setup, sources, sizeof(sources));
	run_clock_measure(&setup->clock);
	struct store_run_info run = {
		.cell_id = o->cell,
		.run_id = o->run,
		.policy_digest = o->policy_digest,
		.keyset_id = o->keyset_id,
		.issuer_kid = o->issuer_kid,
		.correlation_id = o->correlation_id,
		.source = sources,
		.iface = o->iface,
		.iface_side = o->iface ? (o->iface_side_host ? "host" : "cell") : NULL,
		.netns = o->netns,
		.host = setup->clock.host,
		.boot_id = run_clock_boot_id_text(&setup->clock, boot_id),
		.started_at = fa_clock_ns(CLOCK_REALTIME),
		.mono_offset_ns = setup->clock.mono_offset_ns,
		.boot_offset_ns = setup->clock.boot_offset_ns,
	};
	return flow_store_begin_run(setup->store, &run, err, errlen);
}

/*
 * Drop privileges if --user asks. On failure nothing is recorded yet: the
 * run is ended as failed so it does not look killed.
 */
static int drop_privileges(const struct recorder_options *o, struct recorder_setup *setup,
			   char *err, size_t errlen)
{
	if (!o->user)
		return 0;
	int rc = privdrop_to_user(o->user, err, errlen);
	if (rc < 0)
		flow_store_end_run(setup->store, "error", fa_clock_ns(CLOCK_REALTIME));
	return rc;
}

/* The exit status of a run that ended with fault. */
static int fault_exit_code(enum recorder_fault fault)
{
	switch (fault) {
	case RECORDER_FAULT_NONE:
		return FA_EXIT_OK;
	case RECORDER_FAULT_SOURCE:
		return FA_EXIT_SOURCE;
	case RECORDER_FAULT_STORE:
		return FA_EXIT_DB;
	case RECORDER_FAULT_TEE:
		return FA_EXIT_IO;
	case RECORDER_FAULT_LOOP:
	default:
		return FA_EXIT_INTERNAL;
	}
}

/*
 * Close the tee, the sources, the store and the database. A tee write error
 * was reported (and counted) when it happened; a close that fails only now
 * still leaves the tee incomplete: exit 7 unless an earlier failure decided.
 */
static int cleanup(const struct recorder_options *o, struct recorder_setup *setup, sqlite3 *db,
		   int exit_code)
{
	bool tee_failed = setup->tee && replay_writer_error(setup->tee) != 0;
	int rc = replay_writer_close(setup->tee);
	if (rc && !tee_failed) {
		fprintf(stderr, "flowrec: --tee %s: closing failed: %s\n", o->tee, strerror(-rc));
		if (exit_code == FA_EXIT_OK)
			exit_code = FA_EXIT_IO;
	}
	for (int i = 0; i < setup->nsources; i++)
		setup->sources[i]->ops->destroy(setup->sources[i]);
	flow_store_close(setup->store);
	if (db && sqlite3_close(db) != SQLITE_OK)
		fprintf(stderr, "flowrec: %s: closing: %s\n", o->db, sqlite3_errmsg(db));
	return exit_code;
}

/*
 * Each step returns 0 or -errno with its message in err; the exit status is
 * chosen here, from the step that failed and its error (fa_exit.h).
 */
int main(int argc, char **argv)
{
	char err[ERR_LEN] = "";
	struct recorder_options o;
	struct recorder_setup setup = {.opts = &o};
	enum recorder_fault fault;
	sqlite3 *db = NULL;
	int exit_code = FA_EXIT_OK;
	bool usage;

	signal(SIGPIPE, SIG_IGN);
	int rc = recorder_options_parse(argc, argv, &o, err, sizeof(err));
	if (rc == OPTIONS_OK && (o.help || o.version)) {
		if (o.help)
			recorder_options_usage(stdout);
		else
			printf("flowrec %s\n", FLOWAUDIT_VERSION);
		return fflush(stdout) ? FA_EXIT_IO : FA_EXIT_OK;
	}
	if (rc < 0 || tee_path_is_an_input(&o, err, sizeof(err)) < 0) {
		fprintf(stderr, "flowrec: %s\n", err);
		return FA_EXIT_USAGE;
	}
	setup.replay = o.replay != NULL;

	rc = fa_db_open_writer(o.db,
			       o.durability_full ? FA_DB_DURABILITY_FULL : FA_DB_DURABILITY_NORMAL,
			       &db, err, sizeof(err));
	if (rc < 0) {
		exit_code = rc == -EMEDIUMTYPE ? FA_EXIT_NOT_FLOWAUDIT : FA_EXIT_DB;
		goto fail;
	}
	setup.store = flow_store_open(db, o.db, err, sizeof(err));
	if (!setup.store) {
		exit_code = FA_EXIT_DB;
		goto fail;
	}
	rc = start_sources(&o, &setup, &usage, err, sizeof(err));
	if (rc < 0) {
		exit_code = usage	    ? FA_EXIT_USAGE
			    : rc == -ENOSYS ? FA_EXIT_UNSUPPORTED /* not in this build or kernel */
					    : FA_EXIT_SOURCE;
		goto fail;
	}
	if (open_tee(&o, &setup, &usage, err, sizeof(err)) < 0) {
		exit_code = usage ? FA_EXIT_USAGE : FA_EXIT_IO;
		goto fail;
	}
	rc = begin_run(&o, &setup, err, sizeof(err));
	if (rc < 0) {
		exit_code = rc == -EEXIST ? FA_EXIT_USAGE : FA_EXIT_DB; /* a run id that exists */
		goto fail;
	}
	if (drop_privileges(&o, &setup, err, sizeof(err)) < 0) {
		exit_code = FA_EXIT_PRIVS;
		goto fail;
	}

	recorder_loop_run(&setup, &fault);
	exit_code = fault_exit_code(fault);
	goto out;
fail:
	fprintf(stderr, "flowrec: %s\n", err);
out:
	return cleanup(&o, &setup, db, exit_code);
}
