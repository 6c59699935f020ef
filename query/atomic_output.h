/* SPDX-License-Identifier: Apache-2.0 */
/*
 * --output FILE without a half-written FILE: write into FILE.tmp.XXXXXX in
 * the same directory, fsync it, rename it over FILE, fsync the directory.
 * A reader of FILE sees either the old content or the complete new one.
 */
#ifndef FLOWQ_ATOMIC_OUTPUT_H
#define FLOWQ_ATOMIC_OUTPUT_H

#include <stddef.h>

struct fq_atomic {
	int fd; /* the temporary file, -1 when none */
	char *path; /* the final name */
	char *tmp_path; /* the temporary name */
};

/*
 * Refuse an output path that must not be replaced, before anything is
 * opened for writing: one that exists and is not a regular file (a FIFO, a
 * device, a directory, a socket, or a symlink: the rename would put a file in
 * its place), or one of the n inputs (same device and inode as a database or
 * its -wal, -shm or -journal file, however the path is spelt). Returns 0, or
 * -EINVAL with one line in err.
 */
int fq_atomic_check_target(const char *path, const char *const *inputs, size_t n, char *err,
			   size_t errlen);
/*
 * Create the temporary file for path (mode 0644 minus umask). Returns 0 and
 * fills *a, or -errno with a one-line reason in err.
 */
int fq_atomic_open(struct fq_atomic *a, const char *path, char *err, size_t errlen);
/* fsync, rename over the final name, fsync the directory. 0 or -errno (err set). */
int fq_atomic_commit(struct fq_atomic *a, char *err, size_t errlen);
/* Drop the temporary file (after an error); safe after commit and on a zeroed struct. */
void fq_atomic_abort(struct fq_atomic *a);

#endif
