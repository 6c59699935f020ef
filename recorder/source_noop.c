/* SPDX-License-Identifier: Apache-2.0 */
/* The noop source (the seed's NoopFlowListener): yields nothing, ever. */
#include "source.h"

#include <stdlib.h>

static const char *noop_name(const struct source *src)
{
	(void)src;
	return "noop";
}

static int noop_fd(const struct source *src)
{
	(void)src;
	return -1;
}

static int noop_drain(struct source *src, struct record_buf *out, size_t max)
{
	(void)src;
	(void)out;
	(void)max;
	return SOURCE_MORE;
}

static void noop_destroy(struct source *src)
{
	free(src);
}

static const struct source_ops noop_ops = {
	.backend_name = noop_name,
	.poll_fd = noop_fd,
	.drain = noop_drain,
	.destroy = noop_destroy,
};

struct source *source_noop_new(void)
{
	struct source *src = calloc(1, sizeof(*src));
	if (src)
		src->ops = &noop_ops;
	return src;
}
