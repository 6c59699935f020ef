/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Progress on stderr for long exports: only when stderr is a terminal, only
 * after the first second, and at most four updates a second. The clock is
 * read every 1024 records, so the cost per record is one compare.
 */
#ifndef FLOWQ_PROGRESS_H
#define FLOWQ_PROGRESS_H

#include <stdbool.h>
#include <stdint.h>

struct fq_progress {
	bool enabled;
	bool shown;
	int64_t start_ns, last_ns;
	uint64_t count;
};

/* Start counting; enabled when stderr is a terminal. */
void fq_progress_init(struct fq_progress *p);
/* One more record. */
void fq_progress_tick(struct fq_progress *p);
/* End the progress line if one was shown. */
void fq_progress_done(struct fq_progress *p);

#endif
