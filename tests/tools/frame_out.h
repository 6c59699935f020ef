/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Writing one replay frame (bpf/replay_frame.h): little-endian kind and
 * length, then the payload. Shared by the test and benchmark generators so
 * the framing is written in one place.
 */
#ifndef FLOWAUDIT_TOOLS_FRAME_OUT_H
#define FLOWAUDIT_TOOLS_FRAME_OUT_H

#include "replay_frame.h"

#include <stdint.h>
#include <stdio.h>

/* Append one frame to f. Write errors show at fclose (the callers check it). */
static inline void put_frame(FILE *f, uint32_t kind, const void *data, uint32_t len)
{
	uint8_t head[REPLAY_FRAME_HEADER_SIZE];
	for (int i = 0; i < 4; i++) {
		head[i] = (uint8_t)(kind >> (8 * i));
		head[4 + i] = (uint8_t)(len >> (8 * i));
	}
	fwrite(head, 1, sizeof(head), f);
	fwrite(data, 1, len, f);
}

#endif
