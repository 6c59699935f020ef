/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The fragment rule of bpf/packet_rules.h for packets that reach the recorder
 * one by one (NFLOG): a first fragment's transport identity (ports, or ICMP
 * type, code and identifier) is remembered under its datagram's identity
 * (struct frag_key: family, protocol, source, destination, fragment id) for
 * PKT_FRAG_TRACK_NS of packet time, and a later fragment of the same datagram
 * takes it over, so it joins the same flow as in the tc program's FRAG_TABLE.
 *
 * A fixed table of FRAG_MATCH_SLOTS entries, one per hash slot (a newer first
 * fragment replaces an older one in its slot): memory is bounded whatever the
 * cell sends. Pure (no I/O, no clock): times come from the events, so a
 * replay matches exactly as the live run did.
 */
#ifndef FLOWAUDIT_FRAG_MATCH_H
#define FLOWAUDIT_FRAG_MATCH_H

#include "flow_event.h"

#include <stdbool.h>

#define FRAG_MATCH_SLOTS 4096

struct frag_match;

/* An empty table, or NULL (errno ENOMEM). */
struct frag_match *frag_match_new(void);
/* NULL-safe. */
void frag_match_free(struct frag_match *fm);
/*
 * Apply the rule to ev: a first fragment is remembered; a later fragment gets
 * its first fragment's ports and ICMP fields. Returns false only for a later
 * fragment with no (or too old a) first fragment: ev is left as decoded
 * (ports 0) and the caller counts it as unmatched.
 */
bool frag_match_apply(struct frag_match *fm, struct fa_event *ev);

#endif
