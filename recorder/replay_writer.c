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
	int err; /* the first -errno, sticky */
	uint64_t buffered; /* frames written since the last successful flush */
	uint64_t lost;
};

struct replay_writer *replay_writer_open(const char *path,
					 int (*refuse)(const struct stat *st, void *ctx, char *err,
						       size_t errlen),
					 void *ctx, char *err, size_t errlen)
{
	struct replay_writer *w = NULL;
	struct stat st;
	int e;
	/* No O_TRUNC: the file is checked before a byte of it changes. */
	int fd = open(path, O_WRONLY | O_CREAT | O_CLOEXEC, 0640);
	if (fd < 0) {
		e = errno;
		snprintf(err, errlen, "--tee %s: cannot create: %s", path, strerror(e));
		goto fail;
	}
	if (fstat(fd, &st) != 0) {
		e = errno;
		snprintf(err, errlen, "--tee %s: %s", path, strerror(e));
		goto fail;
	}
	if (refuse && (e = -refuse(&st, ctx, err, errlen)) != 0)
		goto fail;
	/* Regular files start empty; a FIFO or a device cannot be truncated. */
	if (S_ISREG(st.st_mode) && ftruncate(fd, 0) != 0) {
		e = errno;
		snprintf(err, errlen, "--tee %s: cannot truncate: %s", path, strerror(e));
		goto fail;
	}
	w = calloc(1, sizeof(*w));
	if (w)
		w->f = fdopen(fd, "wb");
	if (!w || !w->f) {
		e = ENOMEM;
		snprintf(err, errlen, "--tee %s: out of memory", path);
		goto fail;
	}
	return w;
fail:
	if (fd >= 0)
		close(fd);
	free(w);
	errno = e;
	return NULL;
}

static void put_le32(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)v;
	p[1] = (uint8_t)(v >> 8);
	p[2] = (uint8_t)(v >> 16);
	p[3] = (uint8_t)(v >> 24);
}

/* Everything buffered may be gone: count it, and everything after it. */
static int failed(struct replay_writer *w, int e)
{
	if (!w->err)
		w->err = e ? -e : -EIO;
	w->lost += w->buffered;
	w->buffered = 0;
	return w->err;
}

int replay_writer_write(struct replay_writer *w, uint32_t kind, const void *data, uint32_t len)
{
	uint8_t head[REPLAY_FRAME_HEADER_SIZE];
	if (w->err) {
		w->lost++;
		return w->err;
	}
	put_le32(head, kind);
	put_le32(head + 4, len);
	w->buffered++;
	if (fwrite(head, sizeof(head), 1, w->f) != 1 || (len && fwrite(data, len, 1, w->f) != 1))
		return failed(w, errno);
	return 0;
}

int replay_writer_flush(struct replay_writer *w)
{
	if (w->err)
		return w->err;
	if (fflush(w->f) != 0)
		return failed(w, errno);
	w->buffered = 0;
	return 0;
}

int replay_writer_error(const struct replay_writer *w)
{
	return w->err;
}

uint64_t replay_writer_lost(const struct replay_writer *w)
{
	return w->lost;
}

int replay_writer_close(struct replay_writer *w)
{
	if (!w)
		return 0;
	int rc = w->err;
	if (fclose(w->f) != 0 && !rc)
		rc = -errno;
	free(w);
	return rc;
}
