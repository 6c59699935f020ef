/* SPDX-License-Identifier: Apache-2.0 */
/* Buffered, hashing byte sink; see out.h. */
#include "out.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

void fq_out_init(struct fq_out *o, int fd, bool hashing)
{
	o->fd = fd;
	o->hashing = hashing;
	o->err = 0;
	o->bytes = 0;
	o->len = 0;
	o->sha = (struct fa_sha256){0};
	if (hashing && fa_sha256_init(&o->sha))
		o->err = -ENOMEM;
}

/* Hash and write out the buffer. After an error the bytes are dropped (errors are sticky). */
static void drain(struct fq_out *o)
{
	if (o->hashing && !o->err)
		fa_sha256_update(&o->sha, o->buf, o->len);
	o->bytes += o->len;
	size_t done = 0;
	while (done < o->len && !o->err) {
		ssize_t n = write(o->fd, o->buf + done, o->len - done);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			o->err = n < 0 ? -errno : -EIO;
		else
			done += (size_t)n;
	}
	o->len = 0;
}

void fq_out_write_drain(struct fq_out *o, const void *p, size_t n)
{
	const unsigned char *in = p;
	drain(o);
	while (n) {
		if (o->len == FQ_OUT_BUF)
			drain(o);
		size_t take = FQ_OUT_BUF - o->len < n ? FQ_OUT_BUF - o->len : n;
		memcpy(o->buf + o->len, in, take);
		o->len += take;
		in += take;
		n -= take;
	}
}

void fq_out_printf(struct fq_out *o, const char *fmt, ...)
{
	char tmp[256];
	va_list ap;
	va_start(ap, fmt);
	int n = vsnprintf(tmp, sizeof(tmp), fmt, ap);
	va_end(ap);
	if (n > 0)
		fq_out_write(o, tmp, (size_t)n < sizeof(tmp) ? (size_t)n : sizeof(tmp) - 1);
}

int fq_out_flush(struct fq_out *o)
{
	if (o->len)
		drain(o);
	return o->err;
}

int fq_out_digest(struct fq_out *o, char buf[FA_SHA256_TEXT_LEN])
{
	uint8_t d[FA_SHA256_LEN];
	int rc = fa_sha256_final(&o->sha, d);
	if (rc == 0)
		fa_sha256_text(d, buf);
	return rc;
}

void fq_out_release(struct fq_out *o)
{
	fa_sha256_free(&o->sha);
}
