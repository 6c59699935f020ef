/* SPDX-License-Identifier: Apache-2.0 */
/*
 * pipeline_bench: flowrec's record pipeline stage by stage on a replay file
 * (bench/ingest.sh), linking the recorder's own code (flowrec_core), so a
 * profile of the ingest can be read against it.
 *
 *   pipeline_bench FILE DB
 *
 * Stages, each timed on its own over the whole file, in chunks of 4096
 * records as flowrec's replay drains them:
 *   read      the replay source (source_replay_new, drain) into a record_buf
 *   decode    the pipeline's decoding step alone (record_pipeline_decode)
 *   pipeline  the whole pipeline as flowrec runs it (record_pipeline_push:
 *             decode, limits, connection tracking with the record-time idle
 *             sweep, the store's queue), with flowrec's default options
 * The queue is committed into DB (created; flowrec's schema and pragmas)
 * whenever the pipeline says the batch is full, as flowrec does, but the
 * commits are timed apart (commit_seconds): the pipeline figure holds no
 * SQLite. Prints one line: "records=N read_seconds=R decode_seconds=D
 * pipeline_seconds=P commit_seconds=C opened=O closed=X orphans=Y
 * duplicates=U open_at_end=E".
 */
#include "fa_db.h"
#include "record_buf.h"
#include "record_pipeline.h"
#include "recorder_options.h"
#include "source.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define CHUNK 4096
#define NS_PER_S 1000000000LL

struct bench {
	struct flow_store *st;
	struct record_pipeline *pipe;
	double t_commit;
};

static double now_s(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* Commit, timed apart from the pipeline. */
static void commit(struct bench *b)
{
	double t0 = now_s();
	if (flow_store_commit(b->st) != 0) {
		fprintf(stderr, "pipeline_bench: %s\n", flow_store_errmsg(b->st));
		exit(1);
	}
	b->t_commit += now_s() - t0;
}

/* As flowrec's loop does: commit every full batch, through any pause. */
static void settle(struct bench *b, enum rp_status s)
{
	while (s == RP_PAUSED) {
		commit(b);
		s = record_pipeline_resume(b->pipe).status;
	}
	if (s == RP_BATCH_FULL)
		commit(b);
}

/* flowrec's defaults for a replay of path into db, from its own option table. */
static void default_options(const char *path, const char *db, struct recorder_options *o)
{
	char err[256], prog[] = "flowrec", o_db[] = "--db", o_cell[] = "--cell", cell[] = "bench",
		       o_run[] = "--run", run[] = "pipeline", o_replay[] = "--replay";
	char *argv[] = {prog,  o_db, (char *)db, o_cell,       cell,
			o_run, run,  o_replay,	 (char *)path, NULL};
	if (recorder_options_parse(9, argv, o, err, sizeof(err)) != 0) {
		fprintf(stderr, "pipeline_bench: %s\n", err);
		exit(2);
	}
}

/* A fresh database with a run begun, as flowrec opens it. */
static struct flow_store *open_store(const char *path, sqlite3 **db)
{
	char err[512];
	struct store_run_info run = {
		.cell_id = "bench", .run_id = "pipeline", .source = "replay", .started_at = 1};
	struct flow_store *st = NULL;
	if (fa_db_open_writer(path, FA_DB_DURABILITY_NORMAL, db, err, sizeof(err)) == 0 &&
	    (st = flow_store_open(*db, path, err, sizeof(err))) != NULL &&
	    flow_store_begin_run(st, &run, err, sizeof(err)) == 0)
		return st;
	fprintf(stderr, "pipeline_bench: %s\n", err);
	exit(1);
}

int main(int argc, char **argv)
{
	if (argc != 3) {
		fputs("usage: pipeline_bench FILE DB\n", stderr);
		return 2;
	}
	char err[256], why[256];
	struct recorder_options o;
	default_options(argv[1], argv[2], &o);
	struct source *src = source_replay_new(argv[1], err, sizeof(err));
	if (!src) {
		fprintf(stderr, "pipeline_bench: %s\n", err);
		return 1;
	}
	sqlite3 *db = NULL;
	struct store_health h = {0};
	struct bench b = {.st = open_store(argv[2], &db)};
	struct record_pipeline_config cfg = {
		.batch_events = o.batch_events,
		.tcp_idle_ns = (int64_t)o.tcp_idle_s * NS_PER_S,
		.other_idle_ns = (int64_t)o.udp_idle_s * NS_PER_S,
		.replay = true,
	};
	b.pipe = record_pipeline_new(&cfg, b.st, &h);
	if (!b.pipe) {
		fprintf(stderr, "pipeline_bench: %s\n", strerror(errno));
		return 1;
	}
	struct record_buf buf = {0};
	struct fa_event ev;
	double t_read = 0, t_decode = 0, t_pipeline = 0;
	unsigned long long records = 0;
	int rc = SOURCE_MORE;
	while (rc == SOURCE_MORE) {
		double t0 = now_s();
		record_buf_clear(&buf);
		rc = src->ops->drain(src, &buf, CHUNK);
		double t1 = now_s();
		for (size_t i = 0; i < buf.count; i++) {
			struct rp_frame f = {.kind = buf.recs[i].kind,
					     .data = record_buf_data(&buf, i),
					     .len = buf.recs[i].len};
			record_pipeline_decode(&f, &ev, why, sizeof(why));
		}
		double t2 = now_s(), commits_before = b.t_commit;
		for (size_t i = 0; i < buf.count; i++) {
			struct rp_frame f = {.kind = buf.recs[i].kind,
					     .data = record_buf_data(&buf, i),
					     .len = buf.recs[i].len,
					     .source = "replay"};
			settle(&b, record_pipeline_push(b.pipe, &f).status);
		}
		t_read += t1 - t0;
		t_decode += t2 - t1;
		t_pipeline += now_s() - t2 - (b.t_commit - commits_before);
		records += buf.count;
	}
	if (rc < 0)
		return 1;
	commit(&b);
	printf("records=%llu read_seconds=%.6f decode_seconds=%.6f pipeline_seconds=%.6f "
	       "commit_seconds=%.6f opened=%llu closed=%llu orphans=%llu duplicates=%llu "
	       "open_at_end=%zu\n",
	       records, t_read, t_decode, t_pipeline, b.t_commit,
	       (unsigned long long)h.flows_opened, (unsigned long long)h.flows_closed,
	       (unsigned long long)h.orphan_closes, (unsigned long long)h.duplicate_opens,
	       record_pipeline_open_flows(b.pipe));
	record_buf_free(&buf);
	record_pipeline_free(b.pipe);
	flow_store_close(b.st);
	sqlite3_close(db);
	src->ops->destroy(src);
	return 0;
}
