/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Framing of replay and --tee files: no file header; each frame is
 *
 *   offset size field
 *   0      4    kind    little-endian u32: REPLAY_KIND_* below
 *   4      4    length  little-endian u32: payload bytes that follow
 *   8      len  payload the kernel record, unchanged
 *
 * A payload of the wrong length for its kind, an unknown kind and a truncated
 * last frame are rejects (stored, counted); none of them stops a replay.
 */
#ifndef FLOWAUDIT_REPLAY_FRAME_H
#define FLOWAUDIT_REPLAY_FRAME_H

#define REPLAY_FRAME_HEADER_SIZE 8
#define REPLAY_KIND_FLOW_V1 1u /* struct flow_record_v1 */
#define REPLAY_KIND_CONN_V2 2u /* struct conn_record_v2 (written by earlier versions) */
#define REPLAY_KIND_NFLOG 3u /* struct nflog_frame header + packet (recorder/nflog_frame.h) */
#define REPLAY_KIND_CONN_V3 4u /* struct conn_record_v3 */
/* Largest payload a reader accepts before calling the frame corrupt. */
#define REPLAY_MAX_PAYLOAD 65536u

#endif /* FLOWAUDIT_REPLAY_FRAME_H */
