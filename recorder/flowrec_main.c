/* SPDX-License-Identifier: Apache-2.0 */
/*
 * flowrec: records a cell's network flows into a SQLite database.
 *
 * Order of work, privileged first (as pflogd): parse options, open and check
 * the database, start the sources (load and attach BPF inside the cell's
 * namespace, bind netlink), record the run, drop privileges if asked, then run
 * the loop until a signal or the end of a replay.
 */
#include "fa_db.h"
#include "fa_exit.h"
#include "fa_time.h"
#include "privdrop.h"
#include "recorder_loop.h"
#include "recorder_options.h"
#include "replay_writer.h"
#include "source_select.h"

#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
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

int main(int argc, char **argv)
{
	char err[ERR_LEN] = "";
	struct recorder_options o;
	struct recorder_setup setup = {.opts = &o};
	sqlite3 *db = NULL;
	int exit_code = FA_EXIT_OK;

	signal(SIGPIPE, SIG_IGN);
	int rc = recorder_options_parse(argc, argv, &o, err, sizeof(err));
	if (rc == OPTIONS_EXIT)
		return FA_EXIT_OK;
	if (rc < 0) {
		fprintf(stderr, "flowrec: %s\n", err);
		return -rc;
	}
	setup.replay = o.replay != NULL;

	rc = fa_db_open_writer(o.db,
			       o.durability_full ? FA_DB_DURABILITY_FULL : FA_DB_DURABILITY_NORMAL,
			       &db, err, sizeof(err));
	if (rc < 0) {
		exit_code = -rc;
		goto fail;
	}
	setup.store = flow_store_open(db, o.db, err, sizeof(err));
	if (!setup.store) {
		exit_code = FA_EXIT_DB;
		goto fail;
	}
	exit_code = source_select_start(&o, setup.sources, &setup.nsources, err, sizeof(err));
	if (exit_code)
		goto fail;
	if (o.tee && !(setup.tee = replay_writer_open(o.tee, err, sizeof(err)))) {
		exit_code = FA_EXIT_IO;
		goto fail;
	}

	char sources[64], host[256] = "";
	source_names(&setup, sources, sizeof(sources));
	gethostname(host, sizeof(host) - 1);
	struct store_run_info run = {
		.cell_id = o.cell,
		.run_id = o.run,
		.policy_digest = o.policy_digest,
		.keyset_id = o.keyset_id,
		.issuer_kid = o.issuer_kid,
		.correlation_id = o.correlation_id,
		.source = sources,
		.iface = o.iface,
		.iface_side = o.iface ? (o.iface_side_host ? "host" : "cell") : NULL,
		.netns = o.netns,
		.host = host,
		.started_at = fa_clock_ns(CLOCK_REALTIME),
		.mono_offset_ns = fa_clock_utc_offset(CLOCK_MONOTONIC),
		.boot_offset_ns = fa_clock_utc_offset(CLOCK_BOOTTIME),
	};
	rc = flow_store_begin_run(setup.store, &run, err, sizeof(err));
	if (rc < 0) {
		exit_code = -rc;
		goto fail;
	}
	if (o.user && privdrop_to_user(o.user, err, sizeof(err)) != 0) {
		/* Nothing recorded yet: end the run as failed so it does not look killed. */
		flow_store_end_run(setup.store, "error", fa_clock_ns(CLOCK_REALTIME));
		exit_code = FA_EXIT_PRIVS;
		goto fail;
	}
	exit_code = recorder_loop_run(&setup);
	goto out;
fail:
	fprintf(stderr, "flowrec: %s\n", err);
out:
	if (replay_writer_close(setup.tee) != 0)
		fprintf(stderr, "flowrec: --tee %s: closing failed\n", o.tee);
	for (int i = 0; i < setup.nsources; i++)
		setup.sources[i]->ops->destroy(setup.sources[i]);
	flow_store_close(setup.store);
	if (db && sqlite3_close(db) != SQLITE_OK)
		fprintf(stderr, "flowrec: %s: closing: %s\n", o.db, sqlite3_errmsg(db));
	return exit_code;
}
