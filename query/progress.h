/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Progress on stderr for long exports: only when stderr is a terminal and the
 * data does not go to that terminal too (it goes to --output FILE or a pipe),
 * so a progress line can never land between rows or inside a record; only
 * after the first second, and at most four updates a second. The clock is
 * read every 1024 records, so the cost per record is one compare. At the end
 * the line is cleared and replaced by the total ("flowq: N records -> FILE"),
 * written once the output is complete, so the last number shown is exact.
 */
#ifndef FLOWQ_PROGRESS_H
#define FLOWQ_PROGRESS_H

#include <stdbool.h>
#include <stdint.h>

struct fq_progress {
	bool enabled; /* progress lines and the total */
	bool stderr_tty; /* "no ... match" on an empty result */
	bool shown;
	int64_t start_ns, last_ns;
	uint64_t count;
};

/* Start counting; output is --output FILE or NULL for standard output. */
void fq_progress_init(struct fq_progress *p, const char *output);
/* One more record. */
void fq_progress_tick(struct fq_progress *p);
/* Clear the progress line if one was shown. */
void fq_progress_done(struct fq_progress *p);
/*
 * After the output is complete: the one-line total when progress is enabled;
 * for an empty result, "flowq: no WHAT match" when stderr is a terminal.
 */
void fq_progress_total(const struct fq_progress *p, uint64_t records, const char *what,
		       const char *output);

#endif
