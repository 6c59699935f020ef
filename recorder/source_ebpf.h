/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The eBPF capture source. With no external object it loads flowaudit's own
 * tc program (embedded through a bpftool skeleton, CONN_EVENTS v3 records);
 * with one (--bpf-object / CELLOS_EBPF_OBJECT_PATH) it loads that object and
 * reads FLOW_EVENTS v1 records, trying the seed's program and map names.
 *
 * Attachment happens inside the cell's network namespace (tc_attach.h): enter
 * it with setns, resolve the interface, attach on ingress and egress, return.
 */
#ifndef FLOWAUDIT_SOURCE_EBPF_H
#define FLOWAUDIT_SOURCE_EBPF_H

#include "source.h"

#include <stdbool.h>
#include <stdint.h>

#define EBPF_DEFAULT_OBJECT_PATH "/usr/local/lib/cellos/cellos-supervisor-ebpf.o"

struct ebpf_source_config {
	const char *iface; /* required */
	const char *netns; /* NULL: current; a name under /run/netns, or a path */
	bool iface_side_host; /* true: host end of a veth/tap; ingress there is the cell's egress */
	const char *bpf_object; /* NULL: built-in v2 program; else an external v1 object */
	uint32_t ringbuf_bytes; /* 0: default; a power of two >= page size */
	uint32_t flow_table_entries; /* 0: default */
	/* new flows reported at their first packet, per second (0: the default);
	 * beyond it they are deferred (bpf/flow_pressure.h) */
	uint32_t flow_rate;
	/* drop the packets of a new flow that cannot be recorded (TC_ACT_SHOT) */
	bool fail_closed;
	/*
	 * The recorder drops its privileges after the start (--user): only tcx
	 * links are acceptable then, since they go away with their fd; tc filters
	 * on a clsact qdisc could not be removed without CAP_NET_ADMIN.
	 */
	bool tcx_only;
};

/*
 * Load, open the ring buffer and attach. On failure returns NULL with errno
 * set (ENOSYS: this build has no BPF support) and the seed's error text
 * (with interface, path or errno) in err.
 */
struct source *source_ebpf_new(const struct ebpf_source_config *cfg, char *err, size_t errlen);

#endif
