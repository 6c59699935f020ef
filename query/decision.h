/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The NetworkFlowDecision model (schema/network_flow_decision.md) and the
 * translator from a flow event to it, mirroring the seed's
 * flow_event_to_network_flow_decision: the event gives direction, outcome,
 * reason and L3/L4 fields; the caller gives the ids, the stamping metadata
 * (any of it may be NULL: exported as null) and observed_at.
 *
 * Deviation from the seed (ARCHITECTURE.md): packet_count is the event's
 * real packet count, not 1 whenever a byte count exists, and it is
 * independent of byte_count.
 *
 * All strings are borrowed from the caller; a decision lives no longer than
 * the event and strings it was made from.
 */
#ifndef FLOWQ_DECISION_H
#define FLOWQ_DECISION_H

#include "record.h"

#include <stdbool.h>
#include <stdint.h>

enum fq_direction {
	FQ_DIR_EGRESS = 0,
	FQ_DIR_INGRESS = 1,
};

enum fq_outcome {
	FQ_OUTCOME_ALLOW = 0,
	FQ_OUTCOME_DENY = 1,
};

/* One flow event as the translator needs it (the seed's FlowEvent). */
struct fq_flow_event {
	enum fq_direction direction;
	enum fq_outcome decision;
	const char *reason_code;
	const char *nft_rule_ref; /* NULL: none */
	const char *dst_addr; /* text form; NULL: unknown */
	bool has_dst_port;
	uint16_t dst_port;
	const char *protocol; /* "tcp" ... or NULL */
	bool has_packet_count;
	uint64_t packet_count;
	bool has_byte_count;
	uint64_t byte_count;
};

/* The run's stamping metadata; each member may be NULL. */
struct fq_metadata {
	const char *policy_digest;
	const char *keyset_id;
	const char *issuer_kid;
	const char *correlation_id;
};

/* A NetworkFlowDecision, fields in contract order. NULL / !has_*: null. */
struct fq_decision {
	const char *schema_version;
	const char *cell_id;
	const char *run_id;
	const char *decision_id;
	enum fq_direction direction;
	enum fq_outcome decision;
	const char *reason_code;
	const char *nft_rule_ref;
	const char *dst_addr;
	bool has_dst_port;
	uint16_t dst_port;
	const char *protocol;
	bool has_packet_count;
	uint64_t packet_count;
	bool has_byte_count;
	uint64_t byte_count;
	const char *policy_digest;
	const char *keyset_id;
	const char *issuer_kid;
	const char *correlation_id;
	const char *observed_at;
};

#define FQ_DECISION_NFIELDS 18

/* The export schema: 18 keys in contract order, with the CBOR key order. */
extern const struct fq_schema fq_decision_schema;

/*
 * Build the decision for ev. meta may be NULL (all metadata null). Every
 * string argument is stored by pointer, not copied.
 */
void fq_flow_event_to_decision(const struct fq_flow_event *ev, const char *cell_id,
			       const char *run_id, const char *decision_id,
			       const struct fq_metadata *meta, const char *observed_at,
			       struct fq_decision *out);
/* Lay d out as FQ_DECISION_NFIELDS values in fq_decision_schema order. */
void fq_decision_values(const struct fq_decision *d, struct fq_value vals[FQ_DECISION_NFIELDS]);
/* "egress" / "ingress". */
const char *fq_direction_text(enum fq_direction d);
/* "allow" / "deny". */
const char *fq_outcome_text(enum fq_outcome o);

#endif
