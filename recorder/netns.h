/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Entering a cell's network namespace for a moment (to resolve an interface
 * and attach to it) and returning. flowrec is single-threaded; setns() only
 * moves the calling thread, so callers must not hand work to other threads
 * while inside.
 */
#ifndef FLOWAUDIT_NETNS_H
#define FLOWAUDIT_NETNS_H

#include <stddef.h>

/* What netns_enter() saved: the namespace to go back to. */
struct netns_saved {
	int orig_fd; /* the caller's namespace; -1 when nothing was entered */
};

/*
 * Open the namespace spec names: a path if it contains a '/', else a name
 * under /run/netns. Returns an O_CLOEXEC fd, or -errno with the seed's setns
 * error (naming the path and the errno text) in err.
 */
int netns_open(const char *spec, char *err, size_t errlen);

/*
 * Enter the namespace of fd (from netns_open), saving the current one in
 * saved. 0, or -errno with the seed's setns error in err (and nothing
 * changed). saved->orig_fd is -1 after a failure.
 */
int netns_enter_fd(int fd, struct netns_saved *saved, char *err, size_t errlen);

/*
 * netns_open() + netns_enter_fd() in one step; spec NULL or "" enters
 * nothing and succeeds.
 */
int netns_enter(const char *spec, struct netns_saved *saved, char *err, size_t errlen);

/*
 * Return to the namespace saved by netns_enter*(). 0 (also when nothing was
 * entered), or -errno with a message in err. Closes the saved fd either way.
 */
int netns_restore(struct netns_saved *saved, char *err, size_t errlen);

#endif
