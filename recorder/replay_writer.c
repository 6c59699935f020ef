/* SPDX-License-Identifier: Apache-2.0 */
/* Framed record writer for --tee; see replay_writer.h. */
#include "replay_writer.h"

#include "replay_frame.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

struct replay_writer {
	FILE *f;
};

struct replay_writer *replay_writer_open(const char *path, char *err, size_t errlen)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0640);
	if (fd < 0) {
		snprintf(err, errlen, "--tee %s: cannot create: %s", path, strerror(errno));
		return NULL;
	}
	struct replay_writer *w = calloc(1, sizeof(*w));
	if (w)
		w->f = fdopen(fd, "wb");
	if (!w || !w->f) {
		snprintf(err, errlen, "--tee %s: out of memory", path);
		close(fd);
		free(w);
		return NULL;
	}
	return w;
}

static void put_le32(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)v;
	p[1] = (uint8_t)(v >> 8);
	p[2] = (uint8_t)(v >> 16);
	p[3] = (uint8_t)(v >> 24);
}

int replay_writer_write(struct replay_writer *w, uint32_t kind, const void *data, uint32_t len)
{
	uint8_t head[REPLAY_FRAME_HEADER_SIZE];
	put_le32(head, kind);
	put_le32(head + 4, len);
	if (fwrite(head, sizeof(head), 1, w->f) != 1 || (len && fwrite(data, len, 1, w->f) != 1))
		return -errno;
	return 0;
}

int replay_writer_flush(struct replay_writer *w)
{
	return fflush(w->f) == 0 ? 0 : -errno;
}

int replay_writer_close(struct replay_writer *w)
{
	if (!w)
		return 0;
	int rc = fclose(w->f) == 0 ? 0 : -errno;
	free(w);
	return rc;
}
