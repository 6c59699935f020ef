/* SPDX-License-Identifier: Apache-2.0 */
/*
 * flowrec's main loop: the scheduler around the record pipeline
 * (record_pipeline.h). One thread, one epoll set over the sources' fds, a
 * signalfd (SIGTERM, SIGINT) and two timerfds (the batch deadline and a 1 s
 * tick for sweeps and health). The loop decides when things happen: it
 * drains sources into the pipeline, commits the store's queue every
 * --batch-events events or --batch-ms after its first event (whichever comes
 * first), retries failed commits, sweeps on the wall clock, writes the tee
 * and the health rows. The pipeline decides what each record means.
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

/* The part of a run that failed, for main to turn into an exit status. */
enum recorder_fault {
	RECORDER_FAULT_NONE = 0,
	RECORDER_FAULT_LOOP, /* setting up or waiting in the event loop */
	RECORDER_FAULT_SOURCE, /* a source could not be read */
	RECORDER_FAULT_STORE, /* commits failed past --store-retry-s, or the run's end */
	RECORDER_FAULT_TEE, /* the run is recorded in full; the --tee file is not */
};

/*
 * Run until a stop signal, the end of a pull source, or a fatal error. Closes
 * every remaining flow (run_end), writes the final health row, commits and
 * ends the run (end_status clean, or error after a failure). Returns 0, or the
 * -errno of the failure that decides the run's outcome, with its part in
 * *fault (the message is already on stderr). The summary goes to stderr
 * unless opts->quiet. The caller still owns (and destroys) sources, store and
 * tee.
 *
 * The tee starts with a header frame (the run's clock), then every record
 * received. A replay whose first frame is a tee header takes that clock over
 * (the header is not counted as a record, and is the tee's header in turn).
 * A failed tee write is reported once, counted (health.tee_failures), and the
 * recording goes on; the run then ends with RECORDER_FAULT_TEE.
 */
int recorder_loop_run(const struct recorder_setup *setup, enum recorder_fault *fault);

#endif
