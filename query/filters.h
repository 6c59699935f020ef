/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Command-line filters, parsed and checked once. A filter only ever reaches
 * SQL as a bound parameter (query_sql.h); here values are validated so a bad
 * one is a one-line usage error naming the option and the accepted form.
 */
#ifndef FLOWQ_FILTERS_H
#define FLOWQ_FILTERS_H

#include "fa_addr.h"

#include <stddef.h>
#include <stdint.h>

enum fq_filter_bit {
	FQ_F_CELL = 1u << 0,
	FQ_F_RUN = 1u << 1,
	FQ_F_SINCE = 1u << 2,
	FQ_F_UNTIL = 1u << 3,
	FQ_F_DST = 1u << 4,
	FQ_F_PORT = 1u << 5,
	FQ_F_PROTO = 1u << 6,
	FQ_F_DECISION = 1u << 7,
	FQ_F_DIRECTION = 1u << 8,
	FQ_F_REASON = 1u << 9,
	FQ_F_LIMIT = 1u << 10,
};

#define FQ_F_ALL 0x7ffu

struct fq_filters {
	unsigned set; /* fq_filter_bit of every filter given */
	const char *cell;
	const char *run;
	int64_t since; /* UTC ns, inclusive */
	int64_t until; /* UTC ns, exclusive */
	struct fa_addr dst_lo, dst_hi;
	int port;
	int proto;
	const char *decision; /* "allow" | "deny" */
	const char *direction; /* "egress" | "ingress" */
	const char *reason;
	int64_t limit;
};

/*
 * Set the filter named by option ("--port", ...) from value. Relative times
 * count back from now_ns. Returns 0; or -EINVAL with one line in err naming
 * the option and the accepted form; or -ENOENT when option is not a filter.
 * The strings are kept by pointer (argv lives long enough).
 */
int fq_filter_set(struct fq_filters *f, const char *option, const char *value, int64_t now_ns,
		  char *err, size_t errlen);
/* The option name ("--dst") of one fq_filter_bit. */
const char *fq_filter_option(unsigned bit);

#endif
