/* SPDX-License-Identifier: Apache-2.0 */
/* Write-to-temporary, fsync, rename, fsync-directory; see atomic_output.h. */
#include "atomic_output.h"

#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static const char *kind_of(mode_t m)
{
	return S_ISFIFO(m)   ? "a FIFO"
	       : S_ISCHR(m)  ? "a character device"
	       : S_ISBLK(m)  ? "a block device"
	       : S_ISDIR(m)  ? "a directory"
	       : S_ISSOCK(m) ? "a socket"
	       : S_ISLNK(m)  ? "a symbolic link"
			     : "not a regular file";
}

int fq_atomic_check_target(const char *path, const char *const *inputs, size_t n, char *err,
			   size_t errlen)
{
	struct stat out, in;
	if (lstat(path, &out) != 0)
		return 0; /* nothing there yet: created by the rename */
	if (!S_ISREG(out.st_mode)) {
		snprintf(err, errlen,
			 "--output %s: is %s, not a regular file; refusing to replace it (to feed "
			 "a pipe or a device, write to standard output: leave out --output)",
			 path, kind_of(out.st_mode));
		return -EINVAL;
	}
	static const char *const suffixes[] = {"", "-wal", "-shm", "-journal"};
	for (size_t i = 0; i < n; i++) {
		for (size_t k = 0; k < sizeof(suffixes) / sizeof(suffixes[0]); k++) {
			char name[PATH_MAX];
			snprintf(name, sizeof(name), "%s%s", inputs[i], suffixes[k]);
			if (stat(name, &in) == 0 && in.st_dev == out.st_dev &&
			    in.st_ino == out.st_ino) {
				snprintf(err, errlen,
					 "--output %s: is the input %s; refusing to replace it "
					 "(choose another file)",
					 path, name);
				return -EINVAL;
			}
		}
	}
	return 0;
}

int fq_atomic_open(struct fq_atomic *a, const char *path, char *err, size_t errlen)
{
	a->fd = -1;
	a->path = strdup(path);
	size_t n = strlen(path) + sizeof(".tmp.XXXXXX");
	a->tmp_path = malloc(n);
	if (!a->path || !a->tmp_path) {
		snprintf(err, errlen, "%s: out of memory", path);
		fq_atomic_abort(a);
		return -ENOMEM;
	}
	snprintf(a->tmp_path, n, "%s.tmp.XXXXXX", path);
	a->fd = mkostemp(a->tmp_path, O_CLOEXEC);
	if (a->fd < 0) {
		int e = errno;
		snprintf(err, errlen, "%s: cannot create temporary file: %s", path, strerror(e));
		fq_atomic_abort(a);
		return -e;
	}
	/* mkostemp makes 0600; an export is an ordinary file. */
	mode_t mask = umask(0);
	umask(mask);
	fchmod(a->fd, 0644 & ~mask);
	return 0;
}

static int fsync_dir_of(const char *path)
{
	char *copy = strdup(path);
	if (!copy)
		return -ENOMEM;
	int fd = open(dirname(copy), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	free(copy);
	if (fd < 0)
		return -errno;
	int rc = fsync(fd) ? -errno : 0;
	close(fd);
	return rc;
}

int fq_atomic_commit(struct fq_atomic *a, char *err, size_t errlen)
{
	int rc = 0;
	if (fsync(a->fd)) {
		rc = -errno;
		snprintf(err, errlen, "%s: fsync failed: %s", a->tmp_path, strerror(-rc));
		goto fail;
	}
	if (close(a->fd)) {
		a->fd = -1;
		rc = -errno;
		snprintf(err, errlen, "%s: close failed: %s", a->tmp_path, strerror(-rc));
		goto fail;
	}
	a->fd = -1;
	if (rename(a->tmp_path, a->path)) {
		rc = -errno;
		snprintf(err, errlen, "%s: rename from %s failed: %s", a->path, a->tmp_path,
			 strerror(-rc));
		goto fail;
	}
	free(a->tmp_path);
	a->tmp_path = NULL;
	rc = fsync_dir_of(a->path);
	if (rc)
		snprintf(err, errlen, "%s: fsync of its directory failed: %s", a->path,
			 strerror(-rc));
	fq_atomic_abort(a);
	return rc;
fail:
	fq_atomic_abort(a);
	return rc;
}

void fq_atomic_abort(struct fq_atomic *a)
{
	if (a->fd >= 0)
		close(a->fd);
	a->fd = -1;
	if (a->tmp_path)
		unlink(a->tmp_path);
	free(a->tmp_path);
	free(a->path);
	a->tmp_path = NULL;
	a->path = NULL;
}
