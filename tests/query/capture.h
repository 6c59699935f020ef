/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Test helper: an fq_out writing into an anonymous temporary file, and a way
 * to read back exactly the bytes written, for golden byte comparisons.
 */
#ifndef FLOWQ_TEST_CAPTURE_H
#define FLOWQ_TEST_CAPTURE_H

#include "out.h"

#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

struct capture {
	FILE *f;
	struct fq_out out;
	unsigned char *bytes;
	size_t len;
};

static inline void capture_start(struct capture *c)
{
	c->f = tmpfile();
	c->bytes = NULL;
	c->len = 0;
	fq_out_init(&c->out, fileno(c->f), true);
}

/* Flush and read back; c->bytes is NUL-terminated for string comparisons. */
static inline void capture_end(struct capture *c)
{
	fq_out_flush(&c->out);
	fq_out_release(&c->out);
	long n = lseek(fileno(c->f), 0, SEEK_END);
	c->bytes = malloc((size_t)n + 1);
	c->len = (size_t)pread(fileno(c->f), c->bytes, (size_t)n, 0);
	c->bytes[c->len] = '\0';
	fclose(c->f);
}

static inline void capture_free(struct capture *c)
{
	free(c->bytes);
	c->bytes = NULL;
}

#endif
