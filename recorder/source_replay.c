/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The replay source: framed records (bpf/replay_frame.h) from a file or stdin.
 * Frames pass through unchanged; a truncated last frame is delivered as
 * RAW_KIND_TRUNCATED so it becomes a reject, never silently dropped. A frame
 * longer than REPLAY_MAX_PAYLOAD is skipped by its declared length and
 * delivered (first REPLAY_MAX_PAYLOAD bytes) as RAW_KIND_OVERSIZE.
 */
#include "source.h"

#include "replay_frame.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct replay_source {
	struct source base;
	FILE *f;
	bool is_stdin;
	bool eof;
	uint8_t *payload;
};

static const char *replay_name(const struct source *src)
{
	(void)src;
	return "replay";
}

static int replay_fd(const struct source *src)
{
	(void)src;
	return -1; /* regular files cannot be polled: the loop pulls */
}

static uint32_t get_le32(const uint8_t *p)
{
	return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

static int replay_drain(struct source *base, struct record_buf *out, size_t max)
{
	struct replay_source *rs = (struct replay_source *)base;
	for (size_t i = 0; i < max && !rs->eof; i++) {
		uint8_t head[REPLAY_FRAME_HEADER_SIZE];
		size_t got = fread(head, 1, sizeof(head), rs->f);
		if (got == 0) {
			rs->eof = true;
			break;
		}
		if (got < sizeof(head)) {
			rs->eof = true;
			if (record_buf_push(out, RAW_KIND_TRUNCATED, head, got))
				return -ENOMEM;
			break;
		}
		uint32_t kind = get_le32(head), len = get_le32(head + 4);
		uint32_t keep = len > REPLAY_MAX_PAYLOAD ? REPLAY_MAX_PAYLOAD : len;
		got = fread(rs->payload, 1, keep, rs->f);
		if (got == keep && len > keep) {
			/* Skip the rest of an oversize frame so the next one lines up. */
			uint64_t skip = len - keep;
			char sink[4096];
			while (skip) {
				size_t n = fread(sink, 1, skip > sizeof(sink) ? sizeof(sink) : skip,
						 rs->f);
				if (n == 0)
					break;
				skip -= n;
			}
			if (skip) {
				rs->eof = true;
				if (record_buf_push(out, RAW_KIND_TRUNCATED, rs->payload, got))
					return -ENOMEM;
				break;
			}
			if (record_buf_push(out, RAW_KIND_OVERSIZE, rs->payload, got))
				return -ENOMEM;
			continue;
		}
		if (got < keep) {
			rs->eof = true;
			if (record_buf_push(out, RAW_KIND_TRUNCATED, rs->payload, got))
				return -ENOMEM;
			break;
		}
		if (record_buf_push(out, kind, rs->payload, len))
			return -ENOMEM;
	}
	if (rs->eof && ferror(rs->f)) {
		fprintf(stderr, "flowrec: replay: read error: %s\n", strerror(errno));
		return -EIO;
	}
	return rs->eof ? SOURCE_EOF : SOURCE_MORE;
}

static void replay_destroy(struct source *base)
{
	struct replay_source *rs = (struct replay_source *)base;
	if (!rs)
		return;
	if (rs->f && !rs->is_stdin)
		fclose(rs->f);
	free(rs->payload);
	free(rs);
}

static const struct source_ops replay_ops = {
	.pull = true,
	.backend_name = replay_name,
	.poll_fd = replay_fd,
	.drain = replay_drain,
	.destroy = replay_destroy,
};

struct source *source_replay_new(const char *path, char *err, size_t errlen)
{
	struct replay_source *rs = calloc(1, sizeof(*rs));
	if (!rs || !(rs->payload = malloc(REPLAY_MAX_PAYLOAD))) {
		free(rs);
		snprintf(err, errlen, "replay: out of memory");
		errno = ENOMEM;
		return NULL;
	}
	rs->base.ops = &replay_ops;
	if (strcmp(path, "-") == 0) {
		rs->f = stdin;
		rs->is_stdin = true;
	} else {
		rs->f = fopen(path, "rbe");
		if (!rs->f) {
			int e = errno;
			snprintf(err, errlen, "--replay %s: cannot open: %s", path, strerror(e));
			replay_destroy(&rs->base);
			errno = e;
			return NULL;
		}
	}
	/* Large reads: a replay is a bulk copy. */
	setvbuf(rs->f, NULL, _IOFBF, 1 << 20);
	return &rs->base;
}
