/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The byte sink every flowq writer writes into: a buffered file descriptor
 * that can also hash (SHA-256) and count exactly the bytes that reach it.
 * Errors are sticky: after the first failed write nothing more reaches the
 * file descriptor or the hash, and fq_out_flush() reports the error, so
 * writers need not check each call.
 */
#ifndef FLOWQ_OUT_H
#define FLOWQ_OUT_H

#include "fa_hash.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#define FQ_OUT_BUF 65536

/*
 * The buffer is hashed and written out when it is full and on flush, so
 * appending a piece is a copy: writers append many small pieces per record.
 */
struct fq_out {
	int fd;
	bool hashing;
	int err; /* 0 or the first -errno */
	uint64_t bytes; /* bytes accepted so far, those in buf included once drained */
	struct fa_sha256 sha;
	size_t len;
	unsigned char buf[FQ_OUT_BUF];
};

/*
 * Prepare o to write to fd (not owned); hash the bytes when hashing is true.
 * If the hash cannot be set up, o starts in the sticky error -ENOMEM.
 * fq_out_release frees what hashing holds.
 */
void fq_out_init(struct fq_out *o, int fd, bool hashing);
/* Append n bytes when they do not fit in the buffer (fq_out_write's slow path). */
void fq_out_write_drain(struct fq_out *o, const void *p, size_t n);

/* Append n bytes. */
static inline void fq_out_write(struct fq_out *o, const void *p, size_t n)
{
	if (n <= FQ_OUT_BUF - o->len) {
		memcpy(o->buf + o->len, p, n);
		o->len += n;
		return;
	}
	fq_out_write_drain(o, p, n);
}

/* Append a NUL-terminated string. */
static inline void fq_out_puts(struct fq_out *o, const char *s)
{
	fq_out_write(o, s, strlen(s));
}

/* Append one byte. */
static inline void fq_out_byte(struct fq_out *o, unsigned char c)
{
	if (o->len < FQ_OUT_BUF) {
		o->buf[o->len++] = c;
		return;
	}
	fq_out_write_drain(o, &c, 1);
}

/*
 * Room for n more bytes at the end of the buffer (draining it first when
 * needed); n <= FQ_OUT_BUF. The caller writes at most n bytes there and
 * then calls fq_out_commit with the count.
 */
static inline unsigned char *fq_out_reserve(struct fq_out *o, size_t n)
{
	if (n > FQ_OUT_BUF - o->len)
		fq_out_write_drain(o, NULL, 0);
	return o->buf + o->len;
}

/* Keep n bytes written at fq_out_reserve's pointer. */
static inline void fq_out_commit(struct fq_out *o, size_t n)
{
	o->len += n;
}
/* Append printf-formatted text (short pieces: at most 255 bytes). */
void fq_out_printf(struct fq_out *o, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* Write out the buffer. Returns 0 or the sticky -errno. */
int fq_out_flush(struct fq_out *o);
/*
 * After a successful flush: the digest of every byte written, as
 * "sha256:<hex>". Returns 0, or -EIO when libcrypto failed (buf unset).
 */
int fq_out_digest(struct fq_out *o, char buf[FA_SHA256_TEXT_LEN]);
/* Free the hash state; safe after fq_out_digest and when not hashing. */
void fq_out_release(struct fq_out *o);

#endif
