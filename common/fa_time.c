/* SPDX-License-Identifier: Apache-2.0 */
/* Clock offsets and RFC 3339 text; see fa_time.h. */
#include "fa_time.h"

#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define NS_PER_S 1000000000LL

int64_t fa_clock_ns(clockid_t clock)
{
	struct timespec ts;
	clock_gettime(clock, &ts);
	return (int64_t)ts.tv_sec * NS_PER_S + ts.tv_nsec;
}

int64_t fa_clock_utc_offset(clockid_t clock)
{
	int64_t best_width = INT64_MAX, best = 0;
	for (int i = 0; i < 5; i++) {
		int64_t a = fa_clock_ns(clock);
		int64_t r = fa_clock_ns(CLOCK_REALTIME);
		int64_t b = fa_clock_ns(clock);
		if (b - a < best_width) {
			best_width = b - a;
			best = r - (a + (b - a) / 2);
		}
	}
	return best;
}

char *fa_time_format_rfc3339(int64_t utc_ns, char *buf, size_t len)
{
	int64_t secs = utc_ns / NS_PER_S;
	int64_t frac = utc_ns % NS_PER_S;
	if (frac < 0) {
		frac += NS_PER_S;
		secs -= 1;
	}
	time_t t = (time_t)secs;
	struct tm tm;
	if (!gmtime_r(&t, &tm))
		return NULL;
	int n = snprintf(buf, len, "%04d-%02d-%02dT%02d:%02d:%02d.%09lldZ", tm.tm_year + 1900,
			 tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec,
			 (long long)frac);
	return n > 0 && (size_t)n < len ? buf : NULL;
}

const char *fa_time_format_rfc3339_cached(struct fa_rfc3339_cache *c, int64_t utc_ns)
{
	int64_t secs = utc_ns / NS_PER_S;
	int64_t frac = utc_ns % NS_PER_S;
	if (frac < 0) {
		frac += NS_PER_S;
		secs -= 1;
	}
	if (!c->valid || secs != c->secs) {
		c->valid = 0;
		if (!fa_time_format_rfc3339(utc_ns, c->text, sizeof(c->text)))
			return NULL;
		/* Only the usual four-digit years have the fraction at a fixed place. */
		c->valid = strlen(c->text) == FA_RFC3339_LEN - 1;
		c->secs = secs;
		return c->text;
	}
	/* "YYYY-MM-DDTHH:MM:SS." then nine digits and 'Z' */
	for (int i = 28; i >= 20; i--) {
		c->text[i] = (char)('0' + frac % 10);
		frac /= 10;
	}
	return c->text;
}

static int parse_digits(const char **p, int count, int *out)
{
	int v = 0;
	for (int i = 0; i < count; i++) {
		if (!isdigit((unsigned char)**p))
			return -1;
		v = v * 10 + (**p - '0');
		(*p)++;
	}
	*out = v;
	return 0;
}

static int parse_relative(const char *text, int64_t now_ns, int64_t *out_ns)
{
	char *end = NULL;
	errno = 0;
	if (!isdigit((unsigned char)text[0]))
		return -1;
	unsigned long long n = strtoull(text, &end, 10);
	if (errno)
		return -1;
	int64_t unit;
	if (strcmp(end, "ms") == 0)
		unit = 1000000LL;
	else if (strcmp(end, "s") == 0)
		unit = NS_PER_S;
	else if (strcmp(end, "m") == 0)
		unit = 60 * NS_PER_S;
	else if (strcmp(end, "h") == 0)
		unit = 3600 * NS_PER_S;
	else if (strcmp(end, "d") == 0)
		unit = 86400 * NS_PER_S;
	else
		return -1;
	if (n > (unsigned long long)(INT64_MAX / unit))
		return -1;
	*out_ns = now_ns - (int64_t)n * unit;
	return 0;
}

int fa_time_parse(const char *text, int64_t now_ns, int64_t *out_ns, char *err, size_t errlen)
{
	if (parse_relative(text, now_ns, out_ns) == 0)
		return 0;

	const char *p = text;
	int year, mon, day, hour, min, sec;
	if (parse_digits(&p, 4, &year) || *p++ != '-' || parse_digits(&p, 2, &mon) || *p++ != '-' ||
	    parse_digits(&p, 2, &day) || (*p != 'T' && *p != 't' && *p != ' '))
		goto bad;
	p++;
	if (parse_digits(&p, 2, &hour) || *p++ != ':' || parse_digits(&p, 2, &min) || *p++ != ':' ||
	    parse_digits(&p, 2, &sec))
		goto bad;
	if (mon < 1 || mon > 12 || day < 1 || day > 31 || hour > 23 || min > 59 || sec > 60)
		goto bad;
	int64_t frac = 0;
	if (*p == '.') {
		p++;
		int digits = 0;
		while (isdigit((unsigned char)*p)) {
			if (digits < 9) {
				frac = frac * 10 + (*p - '0');
				digits++;
			}
			p++;
		}
		if (digits == 0)
			goto bad;
		while (digits++ < 9)
			frac *= 10;
	}
	int64_t offset_s = 0;
	if (*p == 'Z' || *p == 'z') {
		p++;
	} else if (*p == '+' || *p == '-') {
		int sign = *p == '-' ? -1 : 1, oh, om;
		p++;
		if (parse_digits(&p, 2, &oh) || *p++ != ':' || parse_digits(&p, 2, &om) ||
		    oh > 23 || om > 59)
			goto bad;
		offset_s = sign * (oh * 3600 + om * 60);
	} else {
		goto bad;
	}
	if (*p != '\0')
		goto bad;

	struct tm tm = {0};
	tm.tm_year = year - 1900;
	tm.tm_mon = mon - 1;
	tm.tm_mday = day;
	tm.tm_hour = hour;
	tm.tm_min = min;
	tm.tm_sec = sec;
	time_t t = timegm(&tm);
	if (tm.tm_mday != day) /* normalised: Feb 30 and friends */
		goto bad;
	/* UTC ns in an int64 span 1677-09-21 to 2262-04-11; refuse what does not fit. */
	int64_t secs = (int64_t)t - offset_s;
	if (secs <= INT64_MIN / NS_PER_S || secs >= INT64_MAX / NS_PER_S)
		goto bad;
	*out_ns = secs * NS_PER_S + frac;
	return 0;
bad:
	snprintf(err, errlen,
		 "'%s' is not a time (expected RFC 3339 like 2026-05-06T12:00:00Z, or relative "
		 "like 15m, 2h, 7d)",
		 text);
	return -EINVAL;
}
