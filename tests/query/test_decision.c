/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The seed's translator tests (flow_event_to_network_flow_decision) ported to
 * cmocka, plus the export schema's key orders and golden JSON and CBOR bytes
 * of two known decisions (the CBOR produced independently by python3-cbor2
 * with canonical=True).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "capture.h"
#include "cbor_writer.h"
#include "decision.h"
#include "fa_names.h"
#include "json_writer.h"

#include <string.h>

/* The seed's sample_event(); packet_count 3 shows the documented deviation. */
static struct fq_flow_event sample_event(void)
{
	return (struct fq_flow_event){
		.direction = FQ_DIR_EGRESS,
		.decision = FQ_OUTCOME_DENY,
		.reason_code = FA_REASON_EBPF_XDP_DROP,
		.dst_addr = "10.0.0.1",
		.has_dst_port = true,
		.dst_port = 443,
		.protocol = "tcp",
		.has_packet_count = true,
		.packet_count = 3,
		.has_byte_count = true,
		.byte_count = 74,
	};
}

static const struct fq_metadata full_meta = {"sha256:abc", "kid-1", "issuer-1", "corr-1"};

static void translator_preserves_direction_and_outcome(void **state)
{
	(void)state;
	struct fq_flow_event ev = sample_event();
	struct fq_decision d;
	fq_flow_event_to_decision(&ev, "cell-test", "run-test", "dec-test", NULL,
				  "2026-05-06T00:00:00Z", &d);
	assert_int_equal(d.direction, FQ_DIR_EGRESS);
	assert_int_equal(d.decision, FQ_OUTCOME_DENY);
	assert_string_equal(d.reason_code, FA_REASON_EBPF_XDP_DROP);
	assert_string_equal(d.schema_version, "1.0.0");
}

static void translator_stamps_caller_metadata(void **state)
{
	(void)state;
	struct fq_flow_event ev = sample_event();
	struct fq_decision d;
	fq_flow_event_to_decision(&ev, "cell-1", "run-1", "dec-1", &full_meta,
				  "2026-05-06T12:00:00Z", &d);
	assert_string_equal(d.cell_id, "cell-1");
	assert_string_equal(d.run_id, "run-1");
	assert_string_equal(d.decision_id, "dec-1");
	assert_string_equal(d.policy_digest, "sha256:abc");
	assert_string_equal(d.keyset_id, "kid-1");
	assert_string_equal(d.issuer_kid, "issuer-1");
	assert_string_equal(d.correlation_id, "corr-1");
	assert_string_equal(d.observed_at, "2026-05-06T12:00:00Z");
}

static void translator_omits_metadata_when_caller_passes_none(void **state)
{
	(void)state;
	struct fq_flow_event ev = sample_event();
	struct fq_decision d;
	const struct fq_metadata none = {NULL, NULL, NULL, NULL};
	for (int i = 0; i < 2; i++) {
		fq_flow_event_to_decision(&ev, "cell-1", "run-1", "dec-1", i ? &none : NULL,
					  "2026-05-06T12:00:00Z", &d);
		assert_null(d.policy_digest);
		assert_null(d.keyset_id);
		assert_null(d.issuer_kid);
		assert_null(d.correlation_id);
		assert_null(d.nft_rule_ref);
		struct fq_value v[FQ_DECISION_NFIELDS];
		fq_decision_values(&d, v);
		assert_int_equal(v[7].type, FQ_V_NULL); /* nft_rule_ref */
		assert_int_equal(v[13].type, FQ_V_NULL); /* policy_digest */
		assert_int_equal(v[16].type, FQ_V_NULL); /* correlation_id */
	}
}

static void translator_carries_l3_l4_fields(void **state)
{
	(void)state;
	struct fq_flow_event ev = sample_event();
	struct fq_decision d;
	fq_flow_event_to_decision(&ev, "cell-1", "run-1", "dec-1", NULL, "2026-05-06T12:00:00Z",
				  &d);
	assert_string_equal(d.dst_addr, "10.0.0.1");
	assert_true(d.has_dst_port);
	assert_int_equal(d.dst_port, 443);
	assert_string_equal(d.protocol, "tcp");
	assert_true(d.has_byte_count);
	assert_int_equal(d.byte_count, 74);
	/* Deviation from the seed (ARCHITECTURE.md): the real packet count, not 1. */
	assert_true(d.has_packet_count);
	assert_int_equal(d.packet_count, 3);
}

static void translator_handles_event_without_byte_count(void **state)
{
	(void)state;
	struct fq_flow_event ev = sample_event();
	ev.has_byte_count = false;
	struct fq_decision d;
	fq_flow_event_to_decision(&ev, "cell-1", "run-1", "dec-1", NULL, "2026-05-06T12:00:00Z",
				  &d);
	assert_false(d.has_byte_count);
	struct fq_value v[FQ_DECISION_NFIELDS];
	fq_decision_values(&d, v);
	assert_int_equal(v[12].type, FQ_V_NULL); /* byte_count */
	/* The seed also nulls packet_count here; ours is the event's own (deviation). */
	assert_int_equal(v[11].type, FQ_V_UINT);
	ev.has_packet_count = false;
	fq_flow_event_to_decision(&ev, "cell-1", "run-1", "dec-1", NULL, "2026-05-06T12:00:00Z",
				  &d);
	fq_decision_values(&d, v);
	assert_int_equal(v[11].type, FQ_V_NULL);
}

static void translator_handles_nflog_reason_code(void **state)
{
	(void)state;
	struct fq_flow_event ev = sample_event();
	ev.reason_code = FA_REASON_NFLOG_MATCH;
	ev.decision = FQ_OUTCOME_ALLOW;
	struct fq_decision d;
	fq_flow_event_to_decision(&ev, "cell-1", "run-1", "dec-1", NULL, "2026-05-06T12:00:00Z",
				  &d);
	assert_string_equal(d.reason_code, FA_REASON_NFLOG_MATCH);
	assert_int_equal(d.decision, FQ_OUTCOME_ALLOW);
}

/* Encode d with one writer (fq_json_object or fq_cbor_map) into c. */
static void encode(struct capture *c, const struct fq_decision *d,
		   void (*emit)(struct fq_out *, const struct fq_keys *, const struct fq_value *))
{
	struct fq_value v[FQ_DECISION_NFIELDS];
	struct fq_keys keys;
	assert_int_equal(fq_keys_init(&keys, &fq_decision_schema), 0);
	fq_decision_values(d, v);
	capture_start(c);
	emit(&c->out, &keys, v);
	capture_end(c);
}

/* The seed's sample event, stamped with every piece of metadata. */
static struct fq_decision stamped_sample(void)
{
	struct fq_flow_event ev = sample_event();
	struct fq_decision d;
	fq_flow_event_to_decision(&ev, "cell-1", "run-1", "dec-1", &full_meta,
				  "2026-05-06T12:00:00Z", &d);
	return d;
}

static const char golden_json_1[] =
	"{\"schema_version\":\"1.0.0\",\"cell_id\":\"cell-1\",\"run_id\":\"run-1\","
	"\"decision_id\":\"dec-1\",\"direction\":\"egress\",\"decision\":\"deny\","
	"\"reason_code\":\"ebpf_xdp_drop\",\"nft_rule_ref\":null,\"dst_addr\":\"10.0.0.1\","
	"\"dst_port\":443,\"protocol\":\"tcp\",\"packet_count\":3,\"byte_count\":74,"
	"\"policy_digest\":\"sha256:abc\",\"keyset_id\":\"kid-1\",\"issuer_kid\":\"issuer-1\","
	"\"correlation_id\":\"corr-1\",\"observed_at\":\"2026-05-06T12:00:00Z\"}";

/* The seed's round trip through serde_json: here the exact JSON text (and in
 * test_export_decoders.sh, jq parses flowq's JSON back and compares fields). */
static void translator_payload_round_trips_through_json(void **state)
{
	(void)state;
	struct fq_decision d = stamped_sample();
	struct capture c;
	encode(&c, &d, fq_json_object);
	assert_string_equal((const char *)c.bytes, golden_json_1);
	capture_free(&c);
}

static void reason_codes_are_distinct_from_phase1_codes(void **state)
{
	(void)state;
	const char *codes[] = {FA_REASON_EBPF_XDP_DROP, FA_REASON_NFLOG_MATCH,
			       FA_REASON_EBPF_TC_OBSERVED};
	for (size_t i = 0; i < sizeof(codes) / sizeof(codes[0]); i++)
		assert_true(strncmp(codes[i], "nft_", 4) != 0);
}

/* The static CBOR key order equals the keys sorted by (length, bytes) of their encodings. */
static void cbor_key_order_is_sorted_by_encoding(void **state)
{
	(void)state;
	const struct fq_schema *s = &fq_decision_schema;
	assert_int_equal(s->n, FQ_DECISION_NFIELDS);
	bool seen[FQ_DECISION_NFIELDS] = {false};
	for (size_t j = 0; j < s->n; j++) {
		assert_true(s->cbor_order[j] < s->n);
		assert_false(seen[s->cbor_order[j]]);
		seen[s->cbor_order[j]] = true;
		if (j == 0)
			continue;
		const char *a = s->keys[s->cbor_order[j - 1]], *b = s->keys[s->cbor_order[j]];
		/* All keys are shorter than 24 bytes: the head is one byte, 0x60 + length. */
		assert_true(strlen(a) < 24 && strlen(b) < 24);
		assert_true(strlen(a) < strlen(b) || (strlen(a) == strlen(b) && strcmp(a, b) < 0));
	}
}

static void json_key_order_is_the_contract(void **state)
{
	(void)state;
	const char *contract[] = {"schema_version", "cell_id",	     "run_id",	    "decision_id",
				  "direction",	    "decision",	     "reason_code", "nft_rule_ref",
				  "dst_addr",	    "dst_port",	     "protocol",    "packet_count",
				  "byte_count",	    "policy_digest", "keyset_id",   "issuer_kid",
				  "correlation_id", "observed_at"};
	for (size_t i = 0; i < FQ_DECISION_NFIELDS; i++)
		assert_string_equal(fq_decision_schema.keys[i], contract[i]);
}

static const unsigned char golden_cbor_1[] =
	"\xb2\x66\x72\x75\x6e\x5f\x69\x64\x65\x72\x75\x6e\x2d\x31\x67\x63"
	"\x65\x6c\x6c\x5f\x69\x64\x66\x63\x65\x6c\x6c\x2d\x31\x68\x64\x65"
	"\x63\x69\x73\x69\x6f\x6e\x64\x64\x65\x6e\x79\x68\x64\x73\x74\x5f"
	"\x61\x64\x64\x72\x68\x31\x30\x2e\x30\x2e\x30\x2e\x31\x68\x64\x73"
	"\x74\x5f\x70\x6f\x72\x74\x19\x01\xbb\x68\x70\x72\x6f\x74\x6f\x63"
	"\x6f\x6c\x63\x74\x63\x70\x69\x64\x69\x72\x65\x63\x74\x69\x6f\x6e"
	"\x66\x65\x67\x72\x65\x73\x73\x69\x6b\x65\x79\x73\x65\x74\x5f\x69"
	"\x64\x65\x6b\x69\x64\x2d\x31\x6a\x62\x79\x74\x65\x5f\x63\x6f\x75"
	"\x6e\x74\x18\x4a\x6a\x69\x73\x73\x75\x65\x72\x5f\x6b\x69\x64\x68"
	"\x69\x73\x73\x75\x65\x72\x2d\x31\x6b\x64\x65\x63\x69\x73\x69\x6f"
	"\x6e\x5f\x69\x64\x65\x64\x65\x63\x2d\x31\x6b\x6f\x62\x73\x65\x72"
	"\x76\x65\x64\x5f\x61\x74\x74\x32\x30\x32\x36\x2d\x30\x35\x2d\x30"
	"\x36\x54\x31\x32\x3a\x30\x30\x3a\x30\x30\x5a\x6b\x72\x65\x61\x73"
	"\x6f\x6e\x5f\x63\x6f\x64\x65\x6d\x65\x62\x70\x66\x5f\x78\x64\x70"
	"\x5f\x64\x72\x6f\x70\x6c\x6e\x66\x74\x5f\x72\x75\x6c\x65\x5f\x72"
	"\x65\x66\xf6\x6c\x70\x61\x63\x6b\x65\x74\x5f\x63\x6f\x75\x6e\x74"
	"\x03\x6d\x70\x6f\x6c\x69\x63\x79\x5f\x64\x69\x67\x65\x73\x74\x6a"
	"\x73\x68\x61\x32\x35\x36\x3a\x61\x62\x63\x6e\x63\x6f\x72\x72\x65"
	"\x6c\x61\x74\x69\x6f\x6e\x5f\x69\x64\x66\x63\x6f\x72\x72\x2d\x31"
	"\x6e\x73\x63\x68\x65\x6d\x61\x5f\x76\x65\x72\x73\x69\x6f\x6e\x65"
	"\x31\x2e\x30\x2e\x30";

static void golden_cbor_of_seed_sample(void **state)
{
	(void)state;
	struct fq_decision d = stamped_sample();
	struct capture c;
	encode(&c, &d, fq_cbor_map);
	assert_int_equal(c.len, sizeof(golden_cbor_1) - 1);
	assert_memory_equal(c.bytes, golden_cbor_1, c.len);
	capture_free(&c);
}

/* IPv6, nulls, counters >= 2^32, escapes, a control char, non-ASCII and invalid UTF-8. */
static struct fq_decision hard_decision(void)
{
	struct fq_flow_event ev = {
		.direction = FQ_DIR_INGRESS,
		.decision = FQ_OUTCOME_ALLOW,
		.reason_code = FA_REASON_NFLOG_MATCH,
		.nft_rule_ref = "rule\t\x01\x1f",
		.dst_addr = "2001:db8::1:0:0:1",
		.protocol = "icmpv6",
		.has_packet_count = true,
		.packet_count = 4294967296ULL,
		.has_byte_count = true,
		.byte_count = UINT64_MAX,
	};
	static const struct fq_metadata meta = {NULL, "caf\xc3\xa9 \xe2\x9c\x93", "bad\xff", NULL};
	struct fq_decision d;
	fq_flow_event_to_decision(&ev, "cell-\"x\"", "run\\2", "d:\n", &meta,
				  "2026-05-06T12:00:00.123456789Z", &d);
	return d;
}

static const char golden_json_2[] =
	"{\"schema_version\":\"1.0.0\",\"cell_id\":\"cell-\\\"x\\\"\",\"run_id\":\"run\\\\2\","
	"\"decision_id\":\"d:\\n\",\"direction\":\"ingress\",\"decision\":\"allow\","
	"\"reason_code\":\"nflog_match\",\"nft_rule_ref\":\"rule\\t\\u0001\\u001f\","
	"\"dst_addr\":\"2001:db8::1:0:0:1\",\"dst_port\":null,\"protocol\":\"icmpv6\","
	"\"packet_count\":4294967296,\"byte_count\":18446744073709551615,"
	"\"policy_digest\":null,\"keyset_id\":\"caf\xc3\xa9 \xe2\x9c\x93\","
	"\"issuer_kid\":\"bad\xef\xbf\xbd\",\"correlation_id\":null,"
	"\"observed_at\":\"2026-05-06T12:00:00.123456789Z\"}";

static const unsigned char golden_cbor_2[] =
	"\xb2\x66\x72\x75\x6e\x5f\x69\x64\x65\x72\x75\x6e\x5c\x32\x67\x63"
	"\x65\x6c\x6c\x5f\x69\x64\x68\x63\x65\x6c\x6c\x2d\x22\x78\x22\x68"
	"\x64\x65\x63\x69\x73\x69\x6f\x6e\x65\x61\x6c\x6c\x6f\x77\x68\x64"
	"\x73\x74\x5f\x61\x64\x64\x72\x71\x32\x30\x30\x31\x3a\x64\x62\x38"
	"\x3a\x3a\x31\x3a\x30\x3a\x30\x3a\x31\x68\x64\x73\x74\x5f\x70\x6f"
	"\x72\x74\xf6\x68\x70\x72\x6f\x74\x6f\x63\x6f\x6c\x66\x69\x63\x6d"
	"\x70\x76\x36\x69\x64\x69\x72\x65\x63\x74\x69\x6f\x6e\x67\x69\x6e"
	"\x67\x72\x65\x73\x73\x69\x6b\x65\x79\x73\x65\x74\x5f\x69\x64\x69"
	"\x63\x61\x66\xc3\xa9\x20\xe2\x9c\x93\x6a\x62\x79\x74\x65\x5f\x63"
	"\x6f\x75\x6e\x74\x1b\xff\xff\xff\xff\xff\xff\xff\xff\x6a\x69\x73"
	"\x73\x75\x65\x72\x5f\x6b\x69\x64\x66\x62\x61\x64\xef\xbf\xbd\x6b"
	"\x64\x65\x63\x69\x73\x69\x6f\x6e\x5f\x69\x64\x63\x64\x3a\x0a\x6b"
	"\x6f\x62\x73\x65\x72\x76\x65\x64\x5f\x61\x74\x78\x1e\x32\x30\x32"
	"\x36\x2d\x30\x35\x2d\x30\x36\x54\x31\x32\x3a\x30\x30\x3a\x30\x30"
	"\x2e\x31\x32\x33\x34\x35\x36\x37\x38\x39\x5a\x6b\x72\x65\x61\x73"
	"\x6f\x6e\x5f\x63\x6f\x64\x65\x6b\x6e\x66\x6c\x6f\x67\x5f\x6d\x61"
	"\x74\x63\x68\x6c\x6e\x66\x74\x5f\x72\x75\x6c\x65\x5f\x72\x65\x66"
	"\x67\x72\x75\x6c\x65\x09\x01\x1f\x6c\x70\x61\x63\x6b\x65\x74\x5f"
	"\x63\x6f\x75\x6e\x74\x1b\x00\x00\x00\x01\x00\x00\x00\x00\x6d\x70"
	"\x6f\x6c\x69\x63\x79\x5f\x64\x69\x67\x65\x73\x74\xf6\x6e\x63\x6f"
	"\x72\x72\x65\x6c\x61\x74\x69\x6f\x6e\x5f\x69\x64\xf6\x6e\x73\x63"
	"\x68\x65\x6d\x61\x5f\x76\x65\x72\x73\x69\x6f\x6e\x65\x31\x2e\x30"
	"\x2e\x30";

static void golden_json_and_cbor_of_hard_record(void **state)
{
	(void)state;
	struct fq_decision d = hard_decision();
	struct capture c;
	encode(&c, &d, fq_json_object);
	assert_string_equal((const char *)c.bytes, golden_json_2);
	capture_free(&c);

	encode(&c, &d, fq_cbor_map);
	assert_int_equal(c.len, sizeof(golden_cbor_2) - 1);
	assert_memory_equal(c.bytes, golden_cbor_2, c.len);
	capture_free(&c);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(translator_preserves_direction_and_outcome),
		cmocka_unit_test(translator_stamps_caller_metadata),
		cmocka_unit_test(translator_omits_metadata_when_caller_passes_none),
		cmocka_unit_test(translator_carries_l3_l4_fields),
		cmocka_unit_test(translator_handles_event_without_byte_count),
		cmocka_unit_test(translator_handles_nflog_reason_code),
		cmocka_unit_test(translator_payload_round_trips_through_json),
		cmocka_unit_test(reason_codes_are_distinct_from_phase1_codes),
		cmocka_unit_test(cbor_key_order_is_sorted_by_encoding),
		cmocka_unit_test(json_key_order_is_the_contract),
		cmocka_unit_test(golden_cbor_of_seed_sample),
		cmocka_unit_test(golden_json_and_cbor_of_hard_record),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
