/* SPDX-License-Identifier: Apache-2.0 */
/*
 * tc attach and detach; see tc_attach.h.
 *
 * Invariant: each hook records exactly what this module created there (a
 * tcx link fd, or a tc filter's handle and priority), and created_qdisc
 * whether the clsact qdisc is ours; detach removes those and nothing else.
 */
#include "tc_attach.h"

#include "kernel_errno.h"
#include "monitor_error.h"
#include "netns.h"

#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <errno.h>
#include <net/if.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/*
 * tcx attach types (kernel 6.6). Debian 12's linux/bpf.h predates them, so
 * they are defined here with the kernel's values.
 */
#define FA_BPF_TCX_INGRESS 46
#define FA_BPF_TCX_EGRESS 47

enum hook {
	HOOK_INGRESS = 0,
	HOOK_EGRESS = 1,
	HOOK_COUNT = 2,
};

struct hook_attachment {
	int link_fd; /* tcx link, or -1 */
	bool tc; /* a tc filter (fallback) */
	__u32 handle; /* tc filter identity, for the detach */
	__u32 priority;
};

struct tc_attach {
	int netns_fd; /* the cell's namespace (for the tc detach), or -1 */
	int ifindex;
	char iface[IF_NAMESIZE];
	bool tcx_only;
	bool created_qdisc;
	struct hook_attachment hook[HOOK_COUNT];
};

static enum bpf_tc_attach_point tc_point(enum hook h)
{
	return h == HOOK_INGRESS ? BPF_TC_INGRESS : BPF_TC_EGRESS;
}

/* A tcx link on hook h, or -errno (EOPNOTSUPP when FLOWAUDIT_NO_TCX=1 says no). */
static int tcx_link(const struct tc_attach *tc, int prog_fd, enum hook h)
{
	LIBBPF_OPTS(bpf_link_create_opts, lopts);
	const char *no_tcx = getenv(TC_ATTACH_NO_TCX_ENV);
	if (no_tcx && strcmp(no_tcx, "1") == 0)
		return -EOPNOTSUPP;
	int fd = bpf_link_create(
		prog_fd, tc->ifindex,
		(enum bpf_attach_type)(h == HOOK_INGRESS ? FA_BPF_TCX_INGRESS : FA_BPF_TCX_EGRESS),
		&lopts);
	return fd >= 0 ? fd : -errno;
}

/* No tcx: a tc filter on a clsact qdisc; a clsact that exists is not ours to remove. */
static int tc_filter(struct tc_attach *tc, int prog_fd, enum hook h, char *err, size_t errlen)
{
	struct hook_attachment *a = &tc->hook[h];
	LIBBPF_OPTS(bpf_tc_hook, hook, .ifindex = tc->ifindex, .attach_point = tc_point(h));
	LIBBPF_OPTS(bpf_tc_opts, opts, .prog_fd = prog_fd);
	char msg[256];
	int ret = bpf_tc_hook_create(&hook);
	if (ret == 0) {
		tc->created_qdisc = true;
	} else if (ret != -EEXIST) {
		snprintf(msg, sizeof(msg), "clsact qdisc: %s", strerror(-ret));
		monitor_error_attach_failed(err, errlen, tc->iface, msg);
		return ret;
	}
	ret = bpf_tc_attach(&hook, &opts);
	if (ret < 0) {
		snprintf(msg, sizeof(msg), "tc filter: %s", strerror(-ret));
		monitor_error_attach_failed(err, errlen, tc->iface, msg);
		return ret;
	}
	a->tc = true;
	a->handle = opts.handle;
	a->priority = opts.priority;
	return 0;
}

/*
 * Attach prog_fd on one hook: a tcx link if the kernel has tcx, else a tc
 * filter on a clsact qdisc. Must run inside the cell's namespace.
 */
static int attach_hook(struct tc_attach *tc, int prog_fd, enum hook h, char *err, size_t errlen)
{
	char msg[256];
	int ret = tcx_link(tc, prog_fd, h);
	if (ret >= 0) {
		tc->hook[h].link_fd = ret;
		return 0;
	}
	if (!kernel_errno_unsupported(-ret)) {
		snprintf(msg, sizeof(msg), "tcx link: %s", strerror(-ret));
		monitor_error_attach_failed(err, errlen, tc->iface, msg);
		return ret;
	}
	if (tc->tcx_only) {
		snprintf(msg, sizeof(msg),
			 "tcx links are not available (kernel 6.6 or later), and with --user the "
			 "tc filters of the clsact fallback could not be removed after the "
			 "privilege drop; run without --user on this kernel");
		monitor_error_attach_failed(err, errlen, tc->iface, msg);
		return -EOPNOTSUPP;
	}
	return tc_filter(tc, prog_fd, h, err, errlen);
}

/* Resolve the interface and attach both hooks; inside the cell's namespace. */
static int attach_inside(struct tc_attach *tc, const struct tc_attach_config *cfg, char *err,
			 size_t errlen)
{
	char msg[256];
	int ret;
	tc->ifindex = (int)if_nametoindex(cfg->iface);
	if (tc->ifindex == 0) {
		ret = -errno;
		snprintf(msg, sizeof(msg), "no such interface%s%s: %s",
			 cfg->netns ? " in netns " : "", cfg->netns ? cfg->netns : "",
			 strerror(-ret));
		monitor_error_attach_failed(err, errlen, cfg->iface, msg);
		return ret;
	}
	if (cfg->ingress_fd >= 0) {
		ret = attach_hook(tc, cfg->ingress_fd, HOOK_INGRESS, err, errlen);
		if (ret < 0)
			return ret;
	}
	if (cfg->egress_fd >= 0)
		return attach_hook(tc, cfg->egress_fd, HOOK_EGRESS, err, errlen);
	return 0;
}

struct tc_attach *tc_attach_new(const struct tc_attach_config *cfg, char *err, size_t errlen)
{
	struct netns_saved saved = {.orig_fd = -1};
	char rerr[512];
	int ret = 0;
	struct tc_attach *tc = calloc(1, sizeof(*tc));
	if (!tc) {
		snprintf(err, errlen, "out of memory");
		return NULL;
	}
	tc->netns_fd = -1;
	for (int h = 0; h < HOOK_COUNT; h++)
		tc->hook[h].link_fd = -1;
	tc->tcx_only = cfg->tcx_only;
	snprintf(tc->iface, sizeof(tc->iface), "%s", cfg->iface);

	if (cfg->netns && *cfg->netns) {
		ret = netns_open(cfg->netns, err, errlen);
		if (ret < 0)
			goto fail;
		tc->netns_fd = ret;
		ret = netns_enter_fd(tc->netns_fd, &saved, err, errlen);
		if (ret < 0)
			goto fail;
	}
	ret = attach_inside(tc, cfg, err, errlen);
	if (netns_restore(&saved, rerr, sizeof(rerr)) < 0) {
		snprintf(err, errlen, "%s", rerr);
		ret = ret < 0 ? ret : -EPERM;
	}
	if (ret == 0)
		return tc;
fail:
	tc_attach_free(tc);
	errno = -ret;
	return NULL;
}

/* Remove our tc filters (and the qdisc if we created it), inside the cell's namespace. */
static void detach_tc(struct tc_attach *tc)
{
	struct netns_saved saved = {.orig_fd = -1};
	char err[512];
	bool any = tc->created_qdisc;

	for (int h = 0; h < HOOK_COUNT; h++)
		any |= tc->hook[h].tc;
	if (!any)
		return;
	if (tc->netns_fd >= 0 && netns_enter_fd(tc->netns_fd, &saved, err, sizeof(err)) < 0) {
		fprintf(stderr, "flowrec: detach: %s\n", err);
		return;
	}
	for (int h = 0; h < HOOK_COUNT; h++) {
		struct hook_attachment *a = &tc->hook[h];
		LIBBPF_OPTS(bpf_tc_hook, hook, .ifindex = tc->ifindex, .attach_point = tc_point(h));
		LIBBPF_OPTS(bpf_tc_opts, opts, .handle = a->handle, .priority = a->priority);

		if (!a->tc)
			continue;
		if (bpf_tc_detach(&hook, &opts) < 0 && errno != ENOENT)
			fprintf(stderr, "flowrec: detaching the tc filter from %s failed: %s\n",
				tc->iface, strerror(errno));
		a->tc = false;
	}
	if (tc->created_qdisc) {
		LIBBPF_OPTS(bpf_tc_hook, hook, .ifindex = tc->ifindex,
			    .attach_point = BPF_TC_INGRESS | BPF_TC_EGRESS);

		if (bpf_tc_hook_destroy(&hook) < 0 && errno != ENOENT)
			fprintf(stderr, "flowrec: removing the clsact qdisc of %s failed: %s\n",
				tc->iface, strerror(errno));
		tc->created_qdisc = false;
	}
	if (netns_restore(&saved, err, sizeof(err)) < 0)
		fprintf(stderr, "flowrec: detach: %s\n", err);
}

void tc_attach_detach(struct tc_attach *tc)
{
	if (!tc)
		return;
	for (int h = 0; h < HOOK_COUNT; h++) {
		if (tc->hook[h].link_fd >= 0) {
			close(tc->hook[h].link_fd); /* the kernel detaches the tcx link */
			tc->hook[h].link_fd = -1;
		}
	}
	detach_tc(tc);
}

void tc_attach_free(struct tc_attach *tc)
{
	if (!tc)
		return;
	tc_attach_detach(tc);
	if (tc->netns_fd >= 0)
		close(tc->netns_fd);
	free(tc);
}
