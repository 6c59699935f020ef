/* SPDX-License-Identifier: Apache-2.0 */
/*
 * NetworkFlowDecision translator and schema; see decision.h. The CBOR key
 * order below is the keys sorted bytewise by their encoded form: a text key's
 * encoding starts with its length, so shorter keys first, then bytewise.
 * test_decision.c re-derives it from the key names and compares.
 */
#include "decision.h"

#include "fa_version.h"

static const char *const decision_keys[FQ_DECISION_NFIELDS] = {
	"schema_version", "cell_id",	    "run_id",	    "decision_id",   "direction",
	"decision",	  "reason_code",    "nft_rule_ref", "dst_addr",	     "dst_port",
	"protocol",	  "packet_count",   "byte_count",   "policy_digest", "keyset_id",
	"issuer_kid",	  "correlation_id", "observed_at",
};

enum {
	K_SCHEMA_VERSION,
	K_CELL_ID,
	K_RUN_ID,
	K_DECISION_ID,
	K_DIRECTION,
	K_DECISION,
	K_REASON_CODE,
	K_NFT_RULE_REF,
	K_DST_ADDR,
	K_DST_PORT,
	K_PROTOCOL,
	K_PACKET_COUNT,
	K_BYTE_COUNT,
	K_POLICY_DIGEST,
	K_KEYSET_ID,
	K_ISSUER_KID,
	K_CORRELATION_ID,
	K_OBSERVED_AT,
};

static const uint8_t decision_cbor_order[FQ_DECISION_NFIELDS] = {
	K_RUN_ID, /* 6 */
	K_CELL_ID, /* 7 */
	K_DECISION, /* 8 */
	K_DST_ADDR, /* 8 */
	K_DST_PORT, /* 8 */
	K_PROTOCOL, /* 8 */
	K_DIRECTION, /* 9 */
	K_KEYSET_ID, /* 9 */
	K_BYTE_COUNT, /* 10 */
	K_ISSUER_KID, /* 10 */
	K_DECISION_ID, /* 11 */
	K_OBSERVED_AT, /* 11 */
	K_REASON_CODE, /* 11 */
	K_NFT_RULE_REF, /* 12 */
	K_PACKET_COUNT, /* 12 */
	K_POLICY_DIGEST, /* 13 */
	K_CORRELATION_ID, /* 14 */
	K_SCHEMA_VERSION, /* 14 */
};

/* What a terminal shows: enough to read, the full record is in the other formats. */
static const uint8_t decision_table_cols[] = {
	K_OBSERVED_AT, K_CELL_ID,  K_RUN_ID,   K_DECISION_ID, K_DIRECTION,    K_DECISION,
	K_REASON_CODE, K_DST_ADDR, K_DST_PORT, K_PROTOCOL,    K_PACKET_COUNT, K_BYTE_COUNT,
};

const struct fq_schema fq_decision_schema = {
	.n = FQ_DECISION_NFIELDS,
	.keys = decision_keys,
	.cbor_order = decision_cbor_order,
	.table_cols = decision_table_cols,
	.table_n = sizeof(decision_table_cols),
};

const char *fq_direction_text(enum fq_direction d)
{
	return d == FQ_DIR_INGRESS ? "ingress" : "egress";
}

const char *fq_outcome_text(enum fq_outcome o)
{
	return o == FQ_OUTCOME_DENY ? "deny" : "allow";
}

void fq_flow_event_to_decision(const struct fq_flow_event *ev, const char *cell_id,
			       const char *run_id, const char *decision_id,
			       const struct fq_metadata *meta, const char *observed_at,
			       struct fq_decision *out)
{
	static const struct fq_metadata none;
	if (!meta)
		meta = &none;
	*out = (struct fq_decision){
		.schema_version = FA_DECISION_SCHEMA_VERSION,
		.cell_id = cell_id,
		.run_id = run_id,
		.decision_id = decision_id,
		.direction = ev->direction,
		.decision = ev->decision,
		.reason_code = ev->reason_code,
		.nft_rule_ref = ev->nft_rule_ref,
		.dst_addr = ev->dst_addr,
		.has_dst_port = ev->has_dst_port,
		.dst_port = ev->dst_port,
		.protocol = ev->protocol,
		.has_packet_count = ev->has_packet_count,
		.packet_count = ev->packet_count,
		.has_byte_count = ev->has_byte_count,
		.byte_count = ev->byte_count,
		.policy_digest = meta->policy_digest,
		.keyset_id = meta->keyset_id,
		.issuer_kid = meta->issuer_kid,
		.correlation_id = meta->correlation_id,
		.observed_at = observed_at,
	};
}

void fq_decision_values(const struct fq_decision *d, struct fq_value vals[FQ_DECISION_NFIELDS])
{
	vals[K_SCHEMA_VERSION] = fq_v_text(d->schema_version);
	vals[K_CELL_ID] = fq_v_text(d->cell_id);
	vals[K_RUN_ID] = fq_v_text(d->run_id);
	vals[K_DECISION_ID] = fq_v_text(d->decision_id);
	vals[K_DIRECTION] = fq_v_text(fq_direction_text(d->direction));
	vals[K_DECISION] = fq_v_text(fq_outcome_text(d->decision));
	vals[K_REASON_CODE] = fq_v_text(d->reason_code);
	vals[K_NFT_RULE_REF] = fq_v_text(d->nft_rule_ref);
	vals[K_DST_ADDR] = fq_v_text(d->dst_addr);
	vals[K_DST_PORT] = d->has_dst_port ? fq_v_uint(d->dst_port) : fq_v_null();
	vals[K_PROTOCOL] = fq_v_text(d->protocol);
	vals[K_PACKET_COUNT] = d->has_packet_count ? fq_v_uint(d->packet_count) : fq_v_null();
	vals[K_BYTE_COUNT] = d->has_byte_count ? fq_v_uint(d->byte_count) : fq_v_null();
	vals[K_POLICY_DIGEST] = fq_v_text(d->policy_digest);
	vals[K_KEYSET_ID] = fq_v_text(d->keyset_id);
	vals[K_ISSUER_KID] = fq_v_text(d->issuer_kid);
	vals[K_CORRELATION_ID] = fq_v_text(d->correlation_id);
	vals[K_OBSERVED_AT] = fq_v_text(d->observed_at);
}
