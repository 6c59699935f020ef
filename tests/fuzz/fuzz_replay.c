/* SPDX-License-Identifier: Apache-2.0 */
/*
 * libFuzzer harness: a hostile replay stream through the replay source and
 * the recorder's decode path. The input is read twice, as a regular file (a
 * memfd: the stdio pull path) and as a pipe (the non-blocking stream path);
 * both must yield the same frames (kind, length, bytes), each no longer than
 * REPLAY_MAX_PAYLOAD. Every frame is then decoded as the main loop does and
 * fed to connection tracking.
 */
#include "conntrack.h"
#include "decode.h"
#include "replay_frame.h"
#include "source.h"

#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#define MAX_INPUT (1 << 20)

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static int write_all(int fd, const uint8_t *p, size_t n)
{
	while (n) {
		ssize_t w = write(fd, p, n);
		if (w <= 0)
			return -1;
		p += w;
		n -= (size_t)w;
	}
	return 0;
}

/* Drain src into out in small steps (bounded by the input size), then destroy it. */
static void drain_all(struct source *src, struct record_buf *out)
{
	if (!src)
		abort();
	for (int i = 0; i < 4 * MAX_INPUT; i++) {
		int rc = src->ops->drain(src, out, 7);
		if (rc == SOURCE_EOF)
			break;
		if (rc < 0)
			abort();
	}
	src->ops->destroy(src);
}

static void decode_all(const struct record_buf *b, struct conntrack *ct)
{
	char why[DECODE_ERR_MAX];
	for (size_t i = 0; i < b->count; i++) {
		const uint8_t *p = record_buf_data(b, i);
		uint32_t len = b->recs[i].len;
		struct fa_event ev;
		struct flow_record_v1 v1;
		struct conn_record_v2 v2;
		struct conn_record_v3 v3;
		if (len > REPLAY_MAX_PAYLOAD)
			abort();
		if (b->recs[i].kind == REPLAY_KIND_FLOW_V1 &&
		    decode_flow_v1(p, len, &v1, why, sizeof(why)) == 0)
			flow_v1_to_event(&v1, &ev);
		else if (b->recs[i].kind == REPLAY_KIND_CONN_V2 &&
			 decode_conn_v2(p, len, &v2, why, sizeof(why)) == 0)
			conn_v2_to_event(&v2, &ev);
		else if (b->recs[i].kind == REPLAY_KIND_CONN_V3 &&
			 decode_conn_v3(p, len, &v3, why, sizeof(why)) == 0)
			conn_v3_to_event(&v3, &ev);
		else
			continue;
		enum ct_outcome outcome = 0;
		struct ct_flow *flow = conntrack_record(ct, &ev, &outcome);
		if (outcome == CT_CLOSE)
			conntrack_remove(ct, flow);
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char path[64], err[256];
	struct record_buf file_recs = {0}, pipe_recs = {0};
	if (size > MAX_INPUT)
		return 0;

	int mfd = memfd_create("fuzz_replay", MFD_CLOEXEC);
	if (mfd < 0 || write_all(mfd, data, size) != 0)
		abort();
	snprintf(path, sizeof(path), "/proc/self/fd/%d", mfd);
	drain_all(source_replay_new(path, err, sizeof(err)), &file_recs);
	close(mfd);

	int p[2];
	if (pipe2(p, O_CLOEXEC) != 0)
		abort();
	fcntl(p[1], F_SETPIPE_SZ, MAX_INPUT);
	if (write_all(p[1], data, size) != 0)
		abort();
	/* Opening a pipe through /proc waits for a writer: open first, then close ours. */
	snprintf(path, sizeof(path), "/proc/self/fd/%d", p[0]);
	struct source *src = source_replay_new(path, err, sizeof(err));
	close(p[1]);
	drain_all(src, &pipe_recs);
	close(p[0]);

	if (file_recs.count != pipe_recs.count)
		abort();
	for (size_t i = 0; i < file_recs.count; i++)
		if (file_recs.recs[i].kind != pipe_recs.recs[i].kind ||
		    file_recs.recs[i].len != pipe_recs.recs[i].len ||
		    memcmp(record_buf_data(&file_recs, i), record_buf_data(&pipe_recs, i),
			   file_recs.recs[i].len) != 0)
			abort();

	struct conntrack *ct = conntrack_new();
	if (!ct)
		abort();
	decode_all(&file_recs, ct);
	conntrack_free(ct);
	record_buf_free(&file_recs);
	record_buf_free(&pipe_recs);
	return 0;
}
