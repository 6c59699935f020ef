/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The run's clock identity: the offsets that turn its kernel clock readings
 * into UTC, and the host and kernel boot they were measured on. Stored on the
 * run, written as the first frame of a --tee file, and taken over by a replay
 * of that file (layout: bpf/replay_frame.h, struct replay_tee_header).
 */
#ifndef FLOWAUDIT_TEE_HEADER_H
#define FLOWAUDIT_TEE_HEADER_H

#include "replay_frame.h"

#include <stddef.h>
#include <stdint.h>

#define TEE_BOOT_ID_TEXT_LEN 37 /* "xxxxxxxx-xxxx-xxxx-xxxx-xxxxxxxxxxxx" + NUL */

struct run_clock {
	int64_t mono_offset_ns; /* UTC ns = CLOCK_MONOTONIC ns + this */
	int64_t boot_offset_ns; /* UTC ns = CLOCK_BOOTTIME ns + this */
	uint8_t boot_id[16]; /* all zero: unknown */
	char host[REPLAY_TEE_HOST_LEN + 1];
};

/*
 * This host's: offsets measured now, the kernel's boot id (zero when
 * /proc/sys/kernel/random/boot_id cannot be read) and the host name.
 */
void run_clock_measure(struct run_clock *c);
/* The boot id as lower-case UUID text, or "" when unknown. buf >= TEE_BOOT_ID_TEXT_LEN. */
char *run_clock_boot_id_text(const struct run_clock *c, char *buf);
/* The header frame's payload for c. */
void tee_header_encode(const struct run_clock *c, uint8_t out[REPLAY_TEE_HEADER_SIZE]);
/*
 * Decode a header payload: exactly REPLAY_TEE_HEADER_SIZE bytes, version 1,
 * a host of clean UTF-8. 0, or -EINVAL with a one-line reason in why.
 */
int tee_header_decode(const void *buf, size_t len, struct run_clock *c, char *why, size_t whylen);

#endif
