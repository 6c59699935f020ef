/* SPDX-License-Identifier: Apache-2.0 */
/* The filter table, and parsing and validation by it; see filters.h. */
#include "filters.h"

#include "fa_names.h"
#include "fa_time.h"

#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define FIELD(name) offsetof(struct fq_filters, name)
#define TIME_EXPECTED "RFC 3339 like 2026-05-06T12:00:00Z, or relative like 15m, 2h, 7d"

const struct fq_filter_def fq_filter_defs[FQ_FILTER_COUNT] = {
	{"--cell",
	 "ID",
	 "ID",
	 FQ_FK_TEXT,
	 FIELD(cell),
	 0,
	 {NULL},
	 NULL,
	 NULL,
	 "only this cell",
	 NULL},
	{"--run",
	 "ID",
	 "ID",
	 FQ_FK_TEXT,
	 FIELD(run),
	 0,
	 {NULL},
	 NULL,
	 NULL,
	 "only this run id",
	 NULL},
	{"--since",
	 "T",
	 "T",
	 FQ_FK_TIME,
	 FIELD(since),
	 0,
	 {NULL},
	 "a time",
	 TIME_EXPECTED,
	 "at or after T",
	 NULL},
	{"--until",
	 "T",
	 "T",
	 FQ_FK_TIME,
	 FIELD(until),
	 0,
	 {NULL},
	 "a time",
	 TIME_EXPECTED,
	 "before T",
	 "T is RFC 3339 (2026-05-06T12:00:00Z, fraction and offset allowed) or relative to now: "
	 "500ms, 30s, 15m, 2h, 7d."},
	{"--dst",
	 "CIDR",
	 "CIDR",
	 FQ_FK_CIDR,
	 FIELD(dst_lo),
	 0,
	 {NULL},
	 "an address or CIDR",
	 "e.g. 10.0.0.0/8, 192.0.2.5, 2001:db8::/32",
	 "destination in 10.0.0.0/8, 192.0.2.5, 2001:db8::/32 ...",
	 NULL},
	{"--port",
	 "N",
	 "N",
	 FQ_FK_UINT,
	 FIELD(port),
	 65535,
	 {NULL},
	 "a port",
	 "0-65535",
	 "destination port 0-65535",
	 NULL},
	{"--proto",
	 "P",
	 "NAME|NUM",
	 FQ_FK_PROTO,
	 FIELD(proto),
	 0,
	 {NULL},
	 "a protocol",
	 "tcp, udp, icmp, icmpv6 or a number 0-255",
	 "tcp, udp, icmp, icmpv6 or a number 0-255",
	 NULL},
	{"--decision",
	 "D",
	 "allow|deny",
	 FQ_FK_WORD,
	 FIELD(decision),
	 0,
	 {"allow", "deny", NULL},
	 "a decision",
	 "allow or deny",
	 "allow or deny",
	 NULL},
	{"--direction",
	 "D",
	 "egress|ingress",
	 FQ_FK_WORD,
	 FIELD(direction),
	 0,
	 {"egress", "ingress", NULL},
	 "a direction",
	 "egress or ingress",
	 "egress or ingress (from the cell's point of view)",
	 NULL},
	{"--reason",
	 "CODE",
	 "CODE",
	 FQ_FK_TEXT,
	 FIELD(reason),
	 0,
	 {NULL},
	 NULL,
	 NULL,
	 "reason_code, e.g. ebpf_tc_observed, ebpf_xdp_drop, nflog_match, ebpf_tc_untracked, "
	 "ebpf_flow_summary",
	 NULL},
	{"--limit",
	 "N",
	 "N",
	 FQ_FK_UINT,
	 FIELD(limit),
	 INT64_MAX,
	 {NULL},
	 "a count",
	 "a whole number >= 0",
	 "at most N records",
	 NULL},
};

/* A decimal number in [0, max], digits only: 0 or -EINVAL. */
static int parse_uint(const char *s, long long max, long long *out)
{
	if (s[0] < '0' || s[0] > '9')
		return -EINVAL;
	errno = 0;
	char *end = NULL;
	long long v = strtoll(s, &end, 10);
	if (errno || *end != '\0' || v < 0 || v > max)
		return -EINVAL;
	*out = v;
	return 0;
}

/* Quote at most 64 bytes of a bad value so a huge argument stays one short line. */
static const char *clip(const char *value, char *buf, size_t len)
{
	snprintf(buf, len, "%.64s%s", value, strlen(value) > 64 ? "..." : "");
	for (char *p = buf; *p; p++)
		if ((unsigned char)*p < 0x20 || (unsigned char)*p == 0x7f)
			*p = '?';
	return buf;
}

static bool is_word(const struct fq_filter_def *d, const char *value)
{
	for (int i = 0; d->words[i]; i++)
		if (strcmp(d->words[i], value) == 0)
			return true;
	return false;
}

/* Store value into f by d's kind. Returns 0, or -EINVAL when the value is not of its form. */
static int store(const struct fq_filter_def *d, struct fq_filters *f, const char *value,
		 int64_t now_ns)
{
	char *field = (char *)f + d->field;
	char why[256];
	long long n;
	switch (d->kind) {
	case FQ_FK_TEXT:
	case FQ_FK_WORD:
		if (d->kind == FQ_FK_WORD ? !is_word(d, value) : value[0] == '\0')
			return -EINVAL;
		memcpy(field, &value, sizeof(value));
		return 0;
	case FQ_FK_TIME:
		return fa_time_parse(value, now_ns, (int64_t *)(void *)field, why, sizeof(why));
	case FQ_FK_CIDR:
		return fa_cidr_parse(value, &f->dst_lo, &f->dst_hi, why, sizeof(why));
	case FQ_FK_UINT:
		if (parse_uint(value, d->max, &n))
			return -EINVAL;
		*(int64_t *)(void *)field = n;
		return 0;
	case FQ_FK_PROTO:
		n = fa_protocol_parse(value);
		if (n < 0)
			return -EINVAL;
		*(int64_t *)(void *)field = n;
		return 0;
	}
	return -EINVAL;
}

int fq_filter_set(struct fq_filters *f, const char *option, const char *value, int64_t now_ns,
		  char *err, size_t errlen)
{
	for (unsigned i = 0; i < FQ_FILTER_COUNT; i++) {
		const struct fq_filter_def *d = &fq_filter_defs[i];
		if (strcmp(d->option, option) != 0)
			continue;
		if (store(d, f, value, now_ns)) {
			char shown[72];
			if (d->kind == FQ_FK_TEXT)
				snprintf(err, errlen,
					 "%s: empty value (expected a non-empty string)", option);
			else
				snprintf(err, errlen, "%s: '%s' is not %s (expected %s)", option,
					 clip(value, shown, sizeof(shown)), d->what, d->expected);
			return -EINVAL;
		}
		f->set |= 1u << i;
		return 0;
	}
	return -ENOENT;
}
