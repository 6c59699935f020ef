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
#include "tee_header.h"

#define RECORDER_MAX_SOURCES 2

struct recorder_setup {
	const struct recorder_options *opts;
	struct source *sources[RECORDER_MAX_SOURCES];
	int nsources;
	struct flow_store *store; /* run already begun */
	struct replay_writer *tee; /* NULL: no --tee */
	struct run_clock clock; /* the run's, as stored on it: the tee header's content */
	bool replay; /* records carry their own clock: idle flows close on record time */
};

/*
 * Run until a stop signal, the end of a pull source, or a fatal error. Closes
 * every remaining flow (run_end), writes the final health row, commits and
 * ends the run. Returns an fa_exit code; the summary goes to stderr unless
 * opts->quiet. The caller still owns (and destroys) sources, store and tee.
 *
 * The tee starts with a header frame (the run's clock), then every record
 * received. A replay whose first frame is a tee header takes that clock over
 * (the header is not counted as a record, and is the tee's header in turn).
 * A failed tee write is reported once, counted (health.tee_failures), and the
 * recording goes on; the run then ends with FA_EXIT_IO.
 */
int recorder_loop_run(const struct recorder_setup *setup);

#endif
