/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Attaching BPF programs to an interface's tc ingress and egress hooks,
 * inside the cell's network namespace, and removing exactly what was
 * attached (libbpf-bootstrap's tc.c: destroy only the qdisc you created).
 *
 * tcx links first (kernel 6.6+, through bpf_link_create; Debian 12's libbpf
 * 1.1 has no helper). The kernel removes a link when its fd closes, even when
 * flowrec is killed, so nothing is left behind, and no privilege is needed to
 * detach. Without tcx: a clsact qdisc (created only if absent, and then
 * destroyed on detach) with one tc filter per hook; detaching those needs
 * CAP_NET_ADMIN in the namespace, so a caller about to drop its privileges
 * asks for tcx only. The environment variable FLOWAUDIT_NO_TCX=1 forces the
 * fallback (tests).
 */
#ifndef FLOWAUDIT_TC_ATTACH_H
#define FLOWAUDIT_TC_ATTACH_H

#include <stdbool.h>
#include <stddef.h>

#define TC_ATTACH_NO_TCX_ENV "FLOWAUDIT_NO_TCX"

struct tc_attach_config {
	const char *iface; /* resolved inside netns */
	const char *netns; /* NULL or "": the current one; a name under /run/netns, or a path */
	int ingress_fd; /* the program for the ingress hook, or -1 */
	int egress_fd; /* the program for the egress hook, or -1 */
	bool tcx_only; /* refuse the clsact fallback (privileges will be dropped) */
};

struct tc_attach;

/*
 * Enter the namespace, resolve the interface, attach each program given, and
 * return to the caller's namespace. NULL with errno set and the seed's error
 * text (interface, namespace or hook, and why) in err; whatever was attached
 * before the failure is removed again.
 */
struct tc_attach *tc_attach_new(const struct tc_attach_config *cfg, char *err, size_t errlen);
/*
 * Remove what was attached (closing the tcx links; tc filters and a qdisc we
 * created are removed inside the namespace). Failures are reported on stderr
 * and do not stop the rest. Idempotent.
 */
void tc_attach_detach(struct tc_attach *tc);
/* tc_attach_detach() and free. NULL-safe. */
void tc_attach_free(struct tc_attach *tc);

#endif
