/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Run flowq's main in this process with its standard output captured: the
 * unit tests of a whole command (argv as typed) read what it printed.
 */
#ifndef FLOWQ_TEST_RUN_CAPTURED_H
#define FLOWQ_TEST_RUN_CAPTURED_H

#include <stddef.h>

/*
 * fq_main(argc, argv) with stdout sent to scratch_path (created or
 * truncated), then read back into out (len bytes, NUL-terminated, cut at
 * len - 1). Returns fq_main's exit code, or -1 when scratch_path cannot be
 * opened.
 */
int fq_run_captured(int argc, char **argv, const char *scratch_path, char *out, size_t len);

#endif
