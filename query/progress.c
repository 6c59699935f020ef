/* SPDX-License-Identifier: Apache-2.0 */
/* Rate-limited progress on a terminal; see progress.h. */
#include "progress.h"

#include "fa_time.h"

#include <stdio.h>
#include <time.h>
#include <unistd.h>

#define NS_PER_S 1000000000LL

void fq_progress_init(struct fq_progress *p, const char *output)
{
	p->stderr_tty = isatty(STDERR_FILENO);
	p->enabled = p->stderr_tty && (output || !isatty(STDOUT_FILENO));
	p->shown = false;
	p->count = 0;
	p->start_ns = p->last_ns = p->enabled ? fa_clock_ns(CLOCK_MONOTONIC) : 0;
}

void fq_progress_tick(struct fq_progress *p)
{
	if (!p->enabled || (++p->count & 1023))
		return;
	int64_t now = fa_clock_ns(CLOCK_MONOTONIC);
	if (now - p->start_ns < NS_PER_S || now - p->last_ns < NS_PER_S / 4)
		return;
	p->last_ns = now;
	p->shown = true;
	double secs = (double)(now - p->start_ns) / NS_PER_S;
	fprintf(stderr, "\rflowq: %llu records, %.0f records/s ", (unsigned long long)p->count,
		(double)p->count / secs);
}

void fq_progress_done(struct fq_progress *p)
{
	if (p->shown)
		fputs("\r\033[K", stderr); /* back to the start, erase to the end of the line */
	p->shown = false;
}

void fq_progress_total(const struct fq_progress *p, uint64_t records, const char *what,
		       const char *output)
{
	if (records == 0 && p->stderr_tty)
		fprintf(stderr, "flowq: no %s match\n", what);
	else if (records && p->enabled)
		fprintf(stderr, "flowq: %llu records \u2192 %s\n", (unsigned long long)records,
			output ? output : "standard output");
}
