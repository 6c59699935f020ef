/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Writes records in the replay framing (bpf/replay_frame.h): the --tee file.
 * Buffered; flushed after every commit so the tee never lags the database by
 * more than one batch.
 */
#ifndef FLOWAUDIT_REPLAY_WRITER_H
#define FLOWAUDIT_REPLAY_WRITER_H

#include <stddef.h>
#include <stdint.h>

struct replay_writer;

/* Create or truncate path (mode 0640). NULL with a message in err. */
struct replay_writer *replay_writer_open(const char *path, char *err, size_t errlen);
/* Append one frame. 0 or -errno. */
int replay_writer_write(struct replay_writer *w, uint32_t kind, const void *data, uint32_t len);
/* Flush buffered frames to the kernel. 0 or -errno. */
int replay_writer_flush(struct replay_writer *w);
/* Flush and close; NULL-safe. 0 or -errno. */
int replay_writer_close(struct replay_writer *w);

#endif
