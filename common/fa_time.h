/* SPDX-License-Identifier: Apache-2.0 */
/* Time helpers: clock offsets, RFC 3339 formatting and parsing. */
#ifndef FLOWAUDIT_FA_TIME_H
#define FLOWAUDIT_FA_TIME_H

#include <stddef.h>
#include <stdint.h>
#include <time.h>

/* "2026-05-06T12:00:00.000000000Z" plus NUL. */
#define FA_RFC3339_LEN 31

/* Current time of clock in ns (CLOCK_REALTIME gives UTC ns since the epoch). */
int64_t fa_clock_ns(clockid_t clock);
/*
 * The offset that turns readings of clock (CLOCK_MONOTONIC, CLOCK_BOOTTIME)
 * into UTC ns: the realtime reading minus the clock's, sampled with the
 * narrowest of a few bracketing reads so a preemption does not skew it.
 */
int64_t fa_clock_utc_offset(clockid_t clock);
/* Format UTC ns as RFC 3339 with exactly 9 fractional digits and 'Z'. buf >= FA_RFC3339_LEN. */
char *fa_time_format_rfc3339(int64_t utc_ns, char *buf, size_t len);
/*
 * The same text for a stream of times: the date and time of day are kept
 * from the previous call and only the fraction is rewritten while the second
 * stays the same (an export formats one time per record, mostly in order).
 */
struct fa_rfc3339_cache {
	int64_t secs; /* the second text[] holds, when valid */
	int valid; /* text holds the standard 30-character form of secs */
	char text[FA_RFC3339_LEN];
};
/* fa_time_format_rfc3339(utc_ns) into c->text, or NULL where that fails. Zero c first. */
const char *fa_time_format_rfc3339_cached(struct fa_rfc3339_cache *c, int64_t utc_ns);
/*
 * Parse an absolute RFC 3339 time ("2026-05-06T12:00:00Z", fraction and
 * numeric offset allowed) or a relative one before now_ns ("15m", "2h", "30s",
 * "7d", "500ms") into UTC ns. Returns 0 or -EINVAL with a reason in err.
 */
int fa_time_parse(const char *text, int64_t now_ns, int64_t *out_ns, char *err, size_t errlen);

#endif
