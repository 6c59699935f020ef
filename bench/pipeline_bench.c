/* SPDX-License-Identifier: Apache-2.0 */
/*
 * pipeline_bench: flowrec's record pipeline without SQLite, stage by stage,
 * on a replay file (bench/ingest.sh), linking the recorder's own code
 * (flowrec_core), so a profile of the ingest can be read against it.
 *
 *   pipeline_bench FILE
 *
 * Stages, each timed on its own over the whole file, in chunks of 4096
 * records as flowrec's replay drains them:
 *   read     the replay source (source_replay_new, drain) into a record_buf
 *   decode   the strict decoders and the mapping to struct fa_event
 *   track    connection tracking (conntrack_record, conntrack_remove on a
 *            close), plus an idle sweep every 30 s of record time with
 *            flowrec's default timeouts (a replay sweeps on the records'
 *            clock); no store queue, no SQLite
 * Prints one line: "records=N read_seconds=R decode_seconds=D
 * track_seconds=T opened=O closed=C orphans=X duplicates=U open_at_end=E".
 */
#include "conntrack.h"
#include "decode.h"
#include "record_buf.h"
#include "recorder_options.h"
#include "replay_frame.h"
#include "source.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define CHUNK 4096
#define NS_PER_S 1000000000LL
#define SWEEP_EVERY_NS (30 * NS_PER_S)
#define TCP_IDLE_NS ((int64_t)TCP_IDLE_DEFAULT_S * NS_PER_S)
#define UDP_IDLE_NS (60 * NS_PER_S) /* flowrec's default --udp-idle-s */

struct counts {
	unsigned long long opened, closed, orphans, duplicates;
};

/* The flows a sweep closes, collected first (the table must not change while iterated). */
struct victims {
	struct ct_flow **v;
	size_t cap;
};

static double now_s(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* Decode one framed record as flowrec does; 0, or -1 for anything it would reject. */
static int decode_record(uint32_t kind, const uint8_t *data, uint32_t len, struct fa_event *ev)
{
	char why[DECODE_ERR_MAX];
	switch (kind) {
	case REPLAY_KIND_FLOW_V1: {
		struct flow_record_v1 rec;
		if (decode_flow_v1(data, len, &rec, why, sizeof(why)))
			return -1;
		flow_v1_to_event(&rec, ev);
		return 0;
	}
	case REPLAY_KIND_CONN_V2: {
		struct conn_record_v2 rec;
		if (decode_conn_v2(data, len, &rec, why, sizeof(why)))
			return -1;
		conn_v2_to_event(&rec, ev);
		return 0;
	}
	case REPLAY_KIND_CONN_V3: {
		struct conn_record_v3 rec;
		if (decode_conn_v3(data, len, &rec, why, sizeof(why)))
			return -1;
		conn_v3_to_event(&rec, ev);
		return 0;
	}
	default:
		return -1;
	}
}

/* Close every flow idle at now (record time), as flowrec's sweep of a replay does. */
static void sweep(struct conntrack *ct, int64_t now, struct victims *vs, struct counts *c)
{
	size_t cursor = 0, n = 0;
	struct ct_flow *f;
	while ((f = conntrack_next(ct, &cursor))) {
		int64_t idle = f->protocol == 6 ? TCP_IDLE_NS : UDP_IDLE_NS;
		if (now - f->last_seen_kns < idle)
			continue;
		if (n == vs->cap) {
			vs->cap = vs->cap ? 2 * vs->cap : 4096;
			vs->v = realloc(vs->v, vs->cap * sizeof(*vs->v));
			if (!vs->v) {
				fprintf(stderr, "pipeline_bench: out of memory\n");
				exit(1);
			}
		}
		vs->v[n++] = f;
	}
	for (size_t i = 0; i < n; i++)
		conntrack_remove(ct, vs->v[i]);
	c->closed += n;
}

int main(int argc, char **argv)
{
	if (argc != 2) {
		fputs("usage: pipeline_bench FILE\n", stderr);
		return 2;
	}
	char err[256];
	struct source *src = source_replay_new(argv[1], err, sizeof(err));
	struct conntrack *ct = conntrack_new();
	struct fa_event *evs = calloc(CHUNK, sizeof(*evs));
	if (!src || !ct || !evs) {
		fprintf(stderr, "pipeline_bench: %s\n", src ? "out of memory" : err);
		return 1;
	}
	struct record_buf buf = {0};
	struct counts c = {0};
	struct victims vs = {0};
	double t_read = 0, t_decode = 0, t_track = 0;
	unsigned long long records = 0;
	int64_t now = 0, next_sweep = 0;
	int rc = SOURCE_MORE;
	while (rc == SOURCE_MORE) {
		double t0 = now_s();
		record_buf_clear(&buf);
		rc = src->ops->drain(src, &buf, CHUNK);
		double t1 = now_s();
		size_t n = 0;
		for (size_t i = 0; i < buf.count; i++)
			if (decode_record(buf.recs[i].kind, record_buf_data(&buf, i),
					  buf.recs[i].len, &evs[n]) == 0)
				n++;
		double t2 = now_s();
		for (size_t i = 0; i < n; i++) {
			enum ct_outcome outcome = 0;
			struct ct_flow *flow = conntrack_record(ct, &evs[i], &outcome);
			if (outcome == CT_NEW_FLOW)
				c.opened++;
			else if (outcome == CT_DUPLICATE_OPEN)
				c.duplicates++;
			else if (outcome == CT_ORPHAN_CLOSE)
				c.orphans++;
			else if (outcome == CT_CLOSE) {
				c.closed++;
				conntrack_remove(ct, flow);
			}
			if (evs[i].last_seen_kns > now)
				now = evs[i].last_seen_kns;
			if (next_sweep == 0)
				next_sweep = now + SWEEP_EVERY_NS;
			if (now >= next_sweep) {
				sweep(ct, now, &vs, &c);
				next_sweep = now + SWEEP_EVERY_NS;
			}
		}
		double t3 = now_s();
		t_read += t1 - t0;
		t_decode += t2 - t1;
		t_track += t3 - t2;
		records += buf.count;
	}
	if (rc < 0)
		return 1;
	printf("records=%llu read_seconds=%.6f decode_seconds=%.6f track_seconds=%.6f opened=%llu "
	       "closed=%llu orphans=%llu duplicates=%llu open_at_end=%zu\n",
	       records, t_read, t_decode, t_track, c.opened, c.closed, c.orphans, c.duplicates,
	       conntrack_count(ct));
	record_buf_free(&buf);
	free(vs.v);
	free(evs);
	conntrack_free(ct);
	src->ops->destroy(src);
	return 0;
}
