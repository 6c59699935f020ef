/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Command-line filters, one table entry each (fq_filter_defs): the option,
 * its value's form, where the value goes in struct fq_filters, its bounds,
 * and the words of its usage and errors. The parser, the SQL binds
 * (query_sql.c) and the --help texts (help.c) all walk the table. A filter
 * only ever reaches SQL as a bound parameter named after its option (:port,
 * :dst_lo and :dst_hi for --dst); here values are validated so a bad one is
 * a one-line usage error naming the option and the accepted form.
 */
#ifndef FLOWQ_FILTERS_H
#define FLOWQ_FILTERS_H

#include "fa_addr.h"

#include <stddef.h>
#include <stdint.h>

/* One bit per filter: bit i is fq_filter_defs[i]. */
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

#define FQ_FILTER_COUNT 11
#define FQ_F_ALL ((1u << FQ_FILTER_COUNT) - 1)

struct fq_filters {
	unsigned set; /* fq_filter_bit of every filter given */
	const char *cell;
	const char *run;
	int64_t since; /* UTC ns, inclusive */
	int64_t until; /* UTC ns, exclusive */
	struct fa_addr dst_lo, dst_hi;
	int64_t port;
	int64_t proto;
	const char *decision; /* "allow" | "deny" */
	const char *direction; /* "egress" | "ingress" */
	const char *reason;
	int64_t limit;
};

/* How a filter's value is read, and the type of its field in struct fq_filters. */
enum fq_filter_kind {
	FQ_FK_TEXT, /* a non-empty string (const char *) */
	FQ_FK_WORD, /* one of words[] (const char *) */
	FQ_FK_TIME, /* RFC 3339 or relative to now, UTC ns (int64_t) */
	FQ_FK_CIDR, /* an address or CIDR: dst_lo and dst_hi */
	FQ_FK_UINT, /* a decimal number in [0, max] (int64_t) */
	FQ_FK_PROTO, /* a protocol name or number 0-255 (int64_t) */
};

struct fq_filter_def {
	const char *option; /* "--port" */
	const char *metavar; /* its value in OPTIONS: "N" */
	const char *synopsis; /* its value in SYNOPSIS and the filter list: "NAME|NUM" */
	enum fq_filter_kind kind;
	size_t field; /* offsetof(struct fq_filters, ...) */
	long long max; /* FQ_FK_UINT: the largest value */
	const char *words[3]; /* FQ_FK_WORD: the accepted values, NULL-terminated */
	const char *what; /* the error's noun: "'x' is not a port" */
	const char *expected; /* the error's accepted form: "(expected 0-65535)" */
	const char *help; /* its OPTIONS line, where the query does not word it */
	const char *note; /* a paragraph after it in OPTIONS, or NULL */
};

/* Indexed by the bit's position: fq_filter_defs[i] is the filter of bit 1 << i. */
extern const struct fq_filter_def fq_filter_defs[FQ_FILTER_COUNT];

/*
 * Set the filter named by option ("--port", ...) from value. Relative times
 * count back from now_ns. Returns 0; or -EINVAL with one line in err naming
 * the option and the accepted form; or -ENOENT when option is not a filter.
 * The strings are kept by pointer (argv lives long enough).
 */
int fq_filter_set(struct fq_filters *f, const char *option, const char *value, int64_t now_ns,
		  char *err, size_t errlen);

#endif
