/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The replay source: framed records (bpf/replay_frame.h) from a file or stdin.
 * Frames pass through unchanged; a truncated last frame is delivered as
 * RAW_KIND_TRUNCATED so it becomes a reject, never silently dropped. A frame
 * longer than REPLAY_MAX_PAYLOAD is skipped by its declared length and
 * delivered (first REPLAY_MAX_PAYLOAD bytes) as RAW_KIND_OVERSIZE.
 *
 * A pipe, FIFO or socket is a poll source: its fd is made non-blocking and
 * polled (epoll), and only complete frames leave the buffer, so a quiet
 * producer never blocks the loop (signals, batch deadlines and commits are
 * served while it waits) and a frame split across reads is reassembled.
 * Anything else (a regular file, a device such as /dev/null, which epoll
 * refuses) is a pull source, read with stdio when the loop is idle.
 */
#include "source.h"

#include "replay_frame.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/* Stream mode input buffer: room for many frames, and at least one full one. */
#define STREAM_BUF (1u << 20)
_Static_assert(STREAM_BUF >= REPLAY_FRAME_HEADER_SIZE + REPLAY_MAX_PAYLOAD, "stream buffer");

struct replay_source {
	struct source base;
	FILE *f;
	bool is_stdin;
	bool eof;
	uint8_t *payload;
	/* Stream mode only: fd >= 0, input bytes in[off..len), an oversize frame's rest to skip. */
	int fd;
	int fd_flags; /* restored on destroy (stdin's description is shared) */
	uint8_t *in;
	size_t in_off, in_len;
	uint64_t skip;
	uint32_t skip_kept;
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

static int replay_stream_fd(const struct source *src)
{
	return ((const struct replay_source *)src)->fd;
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

/* Move complete frames (at most max) from the stream buffer to out. */
static int stream_frames(struct replay_source *rs, struct record_buf *out, size_t max, size_t *n)
{
	while (*n < max) {
		size_t avail = rs->in_len - rs->in_off;
		uint8_t *p = rs->in + rs->in_off;
		if (rs->skip) {
			size_t k = avail < rs->skip ? avail : (size_t)rs->skip;
			rs->in_off += k;
			rs->skip -= k;
			if (rs->skip)
				return 0; /* need more input */
			if (record_buf_push(out, RAW_KIND_OVERSIZE, rs->payload, rs->skip_kept))
				return -ENOMEM;
			(*n)++;
			continue;
		}
		if (avail < REPLAY_FRAME_HEADER_SIZE)
			return 0;
		uint32_t kind = get_le32(p), len = get_le32(p + 4);
		uint32_t keep = len > REPLAY_MAX_PAYLOAD ? REPLAY_MAX_PAYLOAD : len;
		if (avail < REPLAY_FRAME_HEADER_SIZE + (size_t)keep)
			return 0;
		if (len > keep) {
			memcpy(rs->payload, p + REPLAY_FRAME_HEADER_SIZE, keep);
			rs->skip = len - keep;
			rs->skip_kept = keep;
			rs->in_off += REPLAY_FRAME_HEADER_SIZE + keep;
			continue;
		}
		if (record_buf_push(out, kind, p + REPLAY_FRAME_HEADER_SIZE, len))
			return -ENOMEM;
		rs->in_off += REPLAY_FRAME_HEADER_SIZE + len;
		(*n)++;
	}
	return 0;
}

/* End of a stream: what is left in the buffer is a truncated last frame. */
static int stream_eof(struct replay_source *rs, struct record_buf *out)
{
	size_t avail = rs->in_len - rs->in_off;
	const uint8_t *p = rs->in + rs->in_off;
	rs->eof = true;
	if (rs->skip)
		return record_buf_push(out, RAW_KIND_TRUNCATED, rs->payload, rs->skip_kept);
	if (avail == 0)
		return 0;
	if (avail < REPLAY_FRAME_HEADER_SIZE)
		return record_buf_push(out, RAW_KIND_TRUNCATED, p, avail);
	return record_buf_push(out, RAW_KIND_TRUNCATED, p + REPLAY_FRAME_HEADER_SIZE,
			       avail - REPLAY_FRAME_HEADER_SIZE);
}

static int replay_stream_drain(struct source *base, struct record_buf *out, size_t max)
{
	struct replay_source *rs = (struct replay_source *)base;
	size_t n = 0;
	while (!rs->eof) {
		if (stream_frames(rs, out, max, &n))
			return -ENOMEM;
		if (n >= max)
			return SOURCE_MORE;
		if (rs->in_off) {
			memmove(rs->in, rs->in + rs->in_off, rs->in_len - rs->in_off);
			rs->in_len -= rs->in_off;
			rs->in_off = 0;
		}
		ssize_t got = read(rs->fd, rs->in + rs->in_len, STREAM_BUF - rs->in_len);
		if (got > 0) {
			rs->in_len += (size_t)got;
		} else if (got == 0) {
			if (stream_eof(rs, out))
				return -ENOMEM;
		} else if (errno == EAGAIN || errno == EWOULDBLOCK) {
			return SOURCE_MORE;
		} else if (errno != EINTR) {
			fprintf(stderr, "flowrec: replay: read error: %s\n", strerror(errno));
			return -EIO;
		}
	}
	return SOURCE_EOF;
}

static void replay_destroy(struct source *base)
{
	struct replay_source *rs = (struct replay_source *)base;
	if (!rs)
		return;
	if (rs->f && !rs->is_stdin)
		fclose(rs->f);
	if (rs->fd >= 0) {
		fcntl(rs->fd, F_SETFL, rs->fd_flags);
		if (!rs->is_stdin)
			close(rs->fd);
	}
	free(rs->in);
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

static const struct source_ops replay_stream_ops = {
	.pull = false,
	.backend_name = replay_name,
	.poll_fd = replay_stream_fd,
	.drain = replay_stream_drain,
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
	rs->fd = -1;
	int fd = 0;
	if (strcmp(path, "-") == 0) {
		rs->is_stdin = true;
	} else {
		/* Blocking open: a FIFO waits here for its writer, as before. */
		fd = open(path, O_RDONLY | O_CLOEXEC);
		if (fd < 0) {
			int e = errno;
			snprintf(err, errlen, "--replay %s: cannot open: %s", path, strerror(e));
			replay_destroy(&rs->base);
			errno = e;
			return NULL;
		}
	}
	struct stat sb;
	int flags = fcntl(fd, F_GETFL);
	if (fstat(fd, &sb) == 0 && (S_ISFIFO(sb.st_mode) || S_ISSOCK(sb.st_mode)) && flags >= 0) {
		rs->in = malloc(STREAM_BUF);
		if (!rs->in || fcntl(fd, F_SETFL, flags | O_NONBLOCK) < 0) {
			int e = rs->in ? errno : ENOMEM;
			snprintf(err, errlen, "--replay %s: %s", path, strerror(e));
			if (!rs->is_stdin)
				close(fd);
			replay_destroy(&rs->base);
			errno = e;
			return NULL;
		}
		rs->fd = fd;
		rs->fd_flags = flags;
		rs->base.ops = &replay_stream_ops;
		return &rs->base;
	}
	rs->f = rs->is_stdin ? stdin : fdopen(fd, "rb");
	if (!rs->f) {
		int e = errno;
		snprintf(err, errlen, "--replay %s: cannot open: %s", path, strerror(e));
		close(fd);
		replay_destroy(&rs->base);
		errno = e;
		return NULL;
	}
	/* Large reads: a replay is a bulk copy. */
	setvbuf(rs->f, NULL, _IOFBF, 1 << 20);
	return &rs->base;
}
