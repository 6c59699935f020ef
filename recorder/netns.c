/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Network namespace enter/restore; see netns.h. The attach must happen inside
 * the cell's namespace (the seed restored its namespace first and resolved the
 * interface in the wrong one), so the caller enters, works, and restores.
 */
#include "netns.h"

#include "monitor_error.h"

#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#define NETNS_RUN_DIR "/run/netns"

int netns_open(const char *spec, char *err, size_t errlen)
{
	char path[4096];
	char detail[4096 + 64];
	int fd;

	if (strchr(spec, '/'))
		snprintf(path, sizeof(path), "%s", spec);
	else
		snprintf(path, sizeof(path), "%s/%s", NETNS_RUN_DIR, spec);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		int e = errno;

		snprintf(detail, sizeof(detail), "open %s: %s", path, strerror(e));
		monitor_error_setns(err, errlen, detail);
		return -e;
	}
	return fd;
}

int netns_enter_fd(int fd, struct netns_saved *saved, char *err, size_t errlen)
{
	char detail[256];
	int orig, e;

	saved->orig_fd = -1;
	orig = open("/proc/self/ns/net", O_RDONLY | O_CLOEXEC);
	if (orig < 0) {
		e = errno;
		snprintf(detail, sizeof(detail), "open /proc/self/ns/net: %s", strerror(e));
		monitor_error_setns(err, errlen, detail);
		return -e;
	}
	if (setns(fd, CLONE_NEWNET) < 0) {
		e = errno;
		close(orig);
		monitor_error_setns(err, errlen, strerror(e));
		return -e;
	}
	saved->orig_fd = orig;
	return 0;
}

int netns_enter(const char *spec, struct netns_saved *saved, char *err, size_t errlen)
{
	int fd, ret;

	saved->orig_fd = -1;
	if (!spec || !*spec)
		return 0;
	fd = netns_open(spec, err, errlen);
	if (fd < 0)
		return fd;
	ret = netns_enter_fd(fd, saved, err, errlen);
	close(fd);
	return ret;
}

int netns_restore(struct netns_saved *saved, char *err, size_t errlen)
{
	char detail[256];
	int ret = 0;

	if (saved->orig_fd < 0)
		return 0;
	if (setns(saved->orig_fd, CLONE_NEWNET) < 0) {
		ret = -errno;
		snprintf(detail, sizeof(detail), "returning to the original namespace: %s",
			 strerror(-ret));
		monitor_error_setns(err, errlen, detail);
	}
	close(saved->orig_fd);
	saved->orig_fd = -1;
	return ret;
}
