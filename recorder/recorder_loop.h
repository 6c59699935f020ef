/* SPDX-License-Identifier: Apache-2.0 */
/*
 * flowrec's main loop: one thread, one epoll set over the sources' fds, a
 * signalfd (SIGTERM, SIGINT) and two timerfds (the batch deadline and a 1 s
 * tick for sweeps and health). Records flow source -> decode -> conntrack ->
 * store queue; the queue is committed every --batch-events events or
 * --batch-ms after its first event, whichever comes first.
 */
#ifndef FLOWAUDIT_RECORDER_LOOP_H
#define FLOWAUDIT_RECORDER_LOOP_H

#include "flow_store.h"
#include "recorder_options.h"
#include "source.h"

#define RECORDER_MAX_SOURCES 2

struct recorder_setup {
	const struct recorder_options *opts;
	struct source *sources[RECORDER_MAX_SOURCES];
	int nsources;
	struct flow_store *store; /* run already begun */
	struct replay_writer *tee; /* NULL: no --tee */
	bool replay; /* records carry another machine's clocks: no idle sweep */
};

/*
 * Run until a stop signal, the end of a pull source, or a fatal error. Closes
 * every remaining flow (run_end), writes the final health row, commits and
 * ends the run. Returns an fa_exit code; the summary goes to stderr unless
 * opts->quiet. The caller still owns (and destroys) sources, store and tee.
 */
int recorder_loop_run(const struct recorder_setup *setup);

#endif
