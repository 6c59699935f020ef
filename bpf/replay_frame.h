/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Framing of replay and --tee files: a sequence of frames, each
 *
 *   offset size field
 *   0      4    kind    little-endian u32: REPLAY_KIND_* below
 *   4      4    length  little-endian u32: payload bytes that follow
 *   8      len  payload the kernel record, unchanged (or the tee header)
 *
 * A payload of the wrong length for its kind, an unknown kind and a truncated
 * last frame are rejects (stored, counted); none of them stops a replay.
 *
 * The tee header. A --tee file starts with one frame of kind
 * REPLAY_KIND_TEE_HEADER describing the run that wrote it, so a replay turns
 * the records' kernel times into the same UTC times as that run did (its
 * export equals the original's), on any host. Payload, REPLAY_TEE_HEADER_SIZE
 * (104) bytes, integers little-endian whatever the host:
 *
 *   offset size field
 *   0      4    version         u32: REPLAY_TEE_HEADER_VERSION (1)
 *   4      4    reserved        zero; readers ignore it
 *   8      8    mono_offset_ns  s64: UTC ns = CLOCK_MONOTONIC ns + this (v1 records)
 *   16     8    boot_offset_ns  s64: UTC ns = CLOCK_BOOTTIME ns + this (v2, v3, NFLOG)
 *   24     16   boot_id         the capturing kernel's boot id
 *                               (/proc/sys/kernel/random/boot_id) as 16 bytes,
 *                               in the order of its text; all zero: unknown
 *   40     64   host            the capturing host's name, UTF-8, NUL-padded
 *                               (no NUL when it is 64 bytes long)
 *
 * Only a header that is the first frame of a replay is used (its run takes the
 * offsets, host and boot id); a header of another version or length, one that
 * is not first, or one in a live source is a reject. Files without a header
 * (older tees, hand-made replays) replay with the replaying run's own offsets.
 */
#ifndef FLOWAUDIT_REPLAY_FRAME_H
#define FLOWAUDIT_REPLAY_FRAME_H

#define REPLAY_FRAME_HEADER_SIZE 8
#define REPLAY_KIND_FLOW_V1 1u /* struct flow_record_v1 */
#define REPLAY_KIND_CONN_V2 2u /* struct conn_record_v2 (written by earlier versions) */
#define REPLAY_KIND_NFLOG 3u /* struct nflog_frame header + packet (recorder/nflog_frame.h) */
#define REPLAY_KIND_CONN_V3 4u /* struct conn_record_v3 */
#define REPLAY_KIND_TEE_HEADER 5u /* struct replay_tee_header, first frame of a --tee file */
/* Largest payload a reader accepts before calling the frame corrupt. */
#define REPLAY_MAX_PAYLOAD 65536u

#define REPLAY_TEE_HEADER_VERSION 1u
#define REPLAY_TEE_HEADER_SIZE 104
#define REPLAY_TEE_HOST_LEN 64

/* Byte arrays only: the layout is the same on every host (little-endian fields). */
struct replay_tee_header {
	unsigned char version[4];
	unsigned char reserved[4];
	unsigned char mono_offset_ns[8];
	unsigned char boot_offset_ns[8];
	unsigned char boot_id[16];
	char host[REPLAY_TEE_HOST_LEN];
};

_Static_assert(sizeof(struct replay_tee_header) == REPLAY_TEE_HEADER_SIZE,
	       "tee header is 104 bytes");
_Static_assert(__builtin_offsetof(struct replay_tee_header, version) == 0, "version at 0");
_Static_assert(__builtin_offsetof(struct replay_tee_header, reserved) == 4, "reserved at 4");
_Static_assert(__builtin_offsetof(struct replay_tee_header, mono_offset_ns) == 8,
	       "mono_offset_ns at 8");
_Static_assert(__builtin_offsetof(struct replay_tee_header, boot_offset_ns) == 16,
	       "boot_offset_ns at 16");
_Static_assert(__builtin_offsetof(struct replay_tee_header, boot_id) == 24, "boot_id at 24");
_Static_assert(__builtin_offsetof(struct replay_tee_header, host) == 40, "host at 40");

#endif /* FLOWAUDIT_REPLAY_FRAME_H */
