/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Writes records in the replay framing (bpf/replay_frame.h): the --tee file.
 * Buffered; flushed after every commit so the tee never lags the database by
 * more than one batch.
 *
 * A tee is meant to make the capture replayable, so a failed write is not
 * shrugged off: the first error sticks (later writes are not attempted), and
 * every record that may not have reached the file is counted (lost).
 */
#ifndef FLOWAUDIT_REPLAY_WRITER_H
#define FLOWAUDIT_REPLAY_WRITER_H

#include <stddef.h>
#include <stdint.h>
#include <sys/stat.h>

struct replay_writer;

/*
 * Open path for writing (created mode 0640), without truncating it first:
 * refuse(&st_of_the_open_file, ctx) decides whether it may be written (it is
 * not one of the run's inputs): 0 accepts it, a -errno refuses it, with its
 * one line in err, and nothing has been written. Then the file is truncated.
 * NULL with errno set (the refusal's, or the failing call's) and a message in
 * err.
 */
struct replay_writer *replay_writer_open(const char *path,
					 int (*refuse)(const struct stat *st, void *ctx, char *err,
						       size_t errlen),
					 void *ctx, char *err, size_t errlen);
/* Append one frame. 0 or the sticky -errno. */
int replay_writer_write(struct replay_writer *w, uint32_t kind, const void *data, uint32_t len);
/* Flush buffered frames to the kernel. 0 or the sticky -errno. */
int replay_writer_flush(struct replay_writer *w);
/* The first error (-errno), 0 while every write succeeded. */
int replay_writer_error(const struct replay_writer *w);
/* Frames that may not have reached the file (since the first error). */
uint64_t replay_writer_lost(const struct replay_writer *w);
/* Flush and close; NULL-safe. 0 or -errno. */
int replay_writer_close(struct replay_writer *w);

#endif
