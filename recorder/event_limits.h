/* SPDX-License-Identifier: Apache-2.0 */
/*
 * What the store can represent, checked on every decoded event before it
 * reaches connection tracking. SQLite integers are signed 64-bit, and every
 * kernel time becomes UTC ns with the run's offset, so an event is refused
 * (a reject, with its raw bytes and this reason) when:
 *   - a time is not a clock reading from 0 to 2^63-1 ns, or does not fit a
 *     UTC time (int64 ns) once the run's offset is added;
 *   - a packet or byte count exceeds 2^63-1, or the two directions' sum does.
 * Nothing is clamped or wrapped: a value is stored as it is, or refused.
 */
#ifndef FLOWAUDIT_EVENT_LIMITS_H
#define FLOWAUDIT_EVENT_LIMITS_H

#include "flow_event.h"

#include <stddef.h>
#include <stdint.h>

/* 0, or -EINVAL with a one-line reason in why. utc_offset: the run's offset for ev's clock. */
int event_check_storable(const struct fa_event *ev, int64_t utc_offset, char *why, size_t len);

#endif
