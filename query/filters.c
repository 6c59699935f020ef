/* SPDX-License-Identifier: Apache-2.0 */
/* Filter parsing and validation; see filters.h. */
#include "filters.h"

#include "fa_names.h"
#include "fa_time.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const struct {
	unsigned bit;
	const char *option;
} options[] = {
	{FQ_F_CELL, "--cell"},	   {FQ_F_RUN, "--run"},		  {FQ_F_SINCE, "--since"},
	{FQ_F_UNTIL, "--until"},   {FQ_F_DST, "--dst"},		  {FQ_F_PORT, "--port"},
	{FQ_F_PROTO, "--proto"},   {FQ_F_DECISION, "--decision"}, {FQ_F_DIRECTION, "--direction"},
	{FQ_F_REASON, "--reason"}, {FQ_F_LIMIT, "--limit"},
};

const char *fq_filter_option(unsigned bit)
{
	for (size_t i = 0; i < sizeof(options) / sizeof(options[0]); i++)
		if (options[i].bit == bit)
			return options[i].option;
	return "?";
}

/* A decimal number in [0, max], digits only. */
static int parse_uint(const char *s, long long max, long long *out)
{
	if (s[0] < '0' || s[0] > '9')
		return -1;
	errno = 0;
	char *end = NULL;
	long long v = strtoll(s, &end, 10);
	if (errno || *end != '\0' || v < 0 || v > max)
		return -1;
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

int fq_filter_set(struct fq_filters *f, const char *option, const char *value, int64_t now_ns,
		  char *err, size_t errlen)
{
	unsigned bit = 0;
	for (size_t i = 0; i < sizeof(options) / sizeof(options[0]); i++)
		if (strcmp(options[i].option, option) == 0)
			bit = options[i].bit;
	if (!bit)
		return -ENOENT;
	char why[256], shown[72];
	long long n;
	switch (bit) {
	case FQ_F_CELL:
	case FQ_F_RUN:
	case FQ_F_REASON:
		if (value[0] == '\0') {
			snprintf(err, errlen, "%s: empty value (expected a non-empty string)",
				 option);
			return -EINVAL;
		}
		if (bit == FQ_F_CELL)
			f->cell = value;
		else if (bit == FQ_F_RUN)
			f->run = value;
		else
			f->reason = value;
		break;
	case FQ_F_SINCE:
	case FQ_F_UNTIL:
		if (fa_time_parse(value, now_ns, bit == FQ_F_SINCE ? &f->since : &f->until, why,
				  sizeof(why))) {
			snprintf(err, errlen,
				 "%s: '%s' is not a time (expected RFC 3339 like "
				 "2026-05-06T12:00:00Z, or relative like 15m, 2h, 7d)",
				 option, clip(value, shown, sizeof(shown)));
			return -EINVAL;
		}
		break;
	case FQ_F_DST:
		if (fa_cidr_parse(value, &f->dst_lo, &f->dst_hi, why, sizeof(why))) {
			snprintf(err, errlen,
				 "%s: '%s' is not an address or CIDR (expected e.g. 10.0.0.0/8, "
				 "192.0.2.5, 2001:db8::/32)",
				 option, clip(value, shown, sizeof(shown)));
			return -EINVAL;
		}
		break;
	case FQ_F_PORT:
		if (parse_uint(value, 65535, &n)) {
			snprintf(err, errlen, "%s: '%s' is not a port (expected 0-65535)", option,
				 clip(value, shown, sizeof(shown)));
			return -EINVAL;
		}
		f->port = (int)n;
		break;
	case FQ_F_PROTO:
		f->proto = fa_protocol_parse(value);
		if (f->proto < 0) {
			snprintf(err, errlen,
				 "%s: '%s' is not a protocol (expected tcp, udp, icmp, icmpv6 or "
				 "a number 0-255)",
				 option, clip(value, shown, sizeof(shown)));
			return -EINVAL;
		}
		break;
	case FQ_F_DECISION:
		if (strcmp(value, "allow") && strcmp(value, "deny")) {
			snprintf(err, errlen, "%s: '%s' is not a decision (expected allow or deny)",
				 option, clip(value, shown, sizeof(shown)));
			return -EINVAL;
		}
		f->decision = value;
		break;
	case FQ_F_DIRECTION:
		if (strcmp(value, "egress") && strcmp(value, "ingress")) {
			snprintf(err, errlen,
				 "%s: '%s' is not a direction (expected egress or ingress)", option,
				 clip(value, shown, sizeof(shown)));
			return -EINVAL;
		}
		f->direction = value;
		break;
	case FQ_F_LIMIT:
		if (parse_uint(value, INT64_MAX, &n)) {
			snprintf(err, errlen,
				 "%s: '%s' is not a count (expected a whole number >= 0)", option,
				 clip(value, shown, sizeof(shown)));
			return -EINVAL;
		}
		f->limit = n;
		break;
	default:
		return -ENOENT;
	}
	f->set |= bit;
	return 0;
}
