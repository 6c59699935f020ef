/* SPDX-License-Identifier: Apache-2.0 */
/* Representable values; see event_limits.h. */
#include "event_limits.h"

#include <errno.h>
#include <inttypes.h>
#include <stdbool.h>
#include <stdio.h>

static int check_time(const char *name, int64_t kns, int64_t offset, char *why, size_t len)
{
	int64_t utc;
	if (kns < 0) {
		snprintf(why, len, "%s %" PRIu64 " ns is beyond 2^63-1 ns: not a clock reading",
			 name, (uint64_t)kns);
		return -EINVAL;
	}
	if (__builtin_add_overflow(kns, offset, &utc)) {
		snprintf(why, len,
			 "%s %" PRId64 " ns plus the run's clock offset %" PRId64
			 " ns is not a UTC time in 64-bit ns",
			 name, kns, offset);
		return -EINVAL;
	}
	return 0;
}

static int check_counts(const char *name, uint64_t orig, uint64_t resp, char *why, size_t len)
{
	uint64_t sum;
	if (orig > INT64_MAX || resp > INT64_MAX || __builtin_add_overflow(orig, resp, &sum) ||
	    sum > INT64_MAX) {
		snprintf(why, len,
			 "%s count %" PRIu64 " + %" PRIu64
			 " exceeds 2^63-1, the largest count the database stores",
			 name, orig, resp);
		return -EINVAL;
	}
	return 0;
}

int event_check_storable(const struct fa_event *ev, int64_t utc_offset, char *why, size_t len)
{
	if (check_time("first_seen", ev->first_seen_kns, utc_offset, why, len) ||
	    check_time("last_seen", ev->last_seen_kns, utc_offset, why, len) ||
	    check_counts("packet", ev->orig_packets, ev->resp_packets, why, len) ||
	    check_counts("byte", ev->orig_bytes, ev->resp_bytes, why, len))
		return -EINVAL;
	return 0;
}
