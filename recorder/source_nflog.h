/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The nflog source: packets that netfilter rules of the cell log to an NFLOG
 * group (nftables `log group N prefix "<rule_ref> deny "`), received over a
 * NETLINK_NETFILTER socket and handed to the loop as REPLAY_KIND_NFLOG frames
 * (recorder/nflog_frame.h). It runs alone (--nflog-group only) or next to the
 * ebpf source.
 *
 * The socket is created inside the cell's network namespace (NFLOG groups are
 * per namespace) and stays there after the recorder returns to its own. A
 * netlink overrun (ENOBUFS: the kernel could not queue a batch because the
 * socket buffer was full) is counted in nflog_overruns, never ignored; the
 * per-group sequence numbers give the number of packets it cost, reported at
 * exit.
 */
#ifndef FLOWAUDIT_SOURCE_NFLOG_H
#define FLOWAUDIT_SOURCE_NFLOG_H

#include "source.h"

#include <stddef.h>

/*
 * Bind NFLOG group (0..65535) in the namespace netns (a name under /run/netns
 * or a path; NULL or "" for the recorder's own). Returns the source, or NULL
 * with errno set (ENOSYS when the kernel has no nfnetlink_log) and a
 * one-line reason in err.
 */
struct source *source_nflog_new(int group, const char *netns, char *err, size_t errlen);

#endif
