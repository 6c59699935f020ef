/* SPDX-License-Identifier: Apache-2.0 */
/*
 * libFuzzer harness: the strict record decoders and their mapping to events.
 * The whole input goes to decode_flow_v1, decode_conn_v2 and decode_conn_v3 (any length must
 * be refused or accepted without a crash, and refused with a reason); the
 * first 40 / 96 / 112 bytes go through again so the accepted paths and the
 * mapping are reached too. Invariants checked: a decoder accepts only its
 * exact size; a mapped event has a known kind, family, direction and a reason
 * code; only a summary counts flows or names a prefix, and it counts at least
 * one flow behind a prefix of whole bytes; an untracked flow's counts are
 * deltas.
 */
#include "decode.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void check_event(const struct fa_event *ev)
{
	if (ev->kind != FA_EVENT_OPENED && ev->kind != FA_EVENT_CLOSED &&
	    ev->kind != FA_EVENT_UNTRACKED && ev->kind != FA_EVENT_SUMMARY)
		abort();
	/* a summary stands for at least one flow, behind a prefix of whole bytes */
	if (ev->kind == FA_EVENT_SUMMARY &&
	    (ev->flow_count == 0 || ev->prefix_len > 128 || ev->prefix_len % 8))
		abort();
	if (ev->kind != FA_EVENT_SUMMARY && (ev->flow_count || ev->prefix_len || ev->any_port))
		abort();
	if (ev->kind == FA_EVENT_UNTRACKED && !ev->counts_are_deltas)
		abort();
	if (ev->family != 4 && ev->family != 6)
		abort();
	if (ev->direction > 1 || !ev->reason_code || !ev->source)
		abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char err[DECODE_ERR_MAX];
	struct flow_record_v1 v1;
	struct conn_record_v2 v2;
	struct conn_record_v3 v3;
	struct fa_event ev;

	err[0] = '\0';
	if (decode_flow_v1(data, size, &v1, err, sizeof(err)) == 0) {
		if (size != sizeof(v1))
			abort();
		flow_v1_to_event(&v1, &ev);
		check_event(&ev);
	} else if (err[0] == '\0' || strnlen(err, sizeof(err)) == sizeof(err)) {
		abort(); /* a refusal always carries a terminated reason */
	}
	err[0] = '\0';
	if (decode_conn_v2(data, size, &v2, err, sizeof(err)) == 0) {
		if (size != sizeof(v2))
			abort();
		conn_v2_to_event(&v2, &ev);
		check_event(&ev);
	} else if (err[0] == '\0' || strnlen(err, sizeof(err)) == sizeof(err)) {
		abort();
	}
	err[0] = '\0';
	if (decode_conn_v3(data, size, &v3, err, sizeof(err)) == 0) {
		if (size != sizeof(v3))
			abort();
		conn_v3_to_event(&v3, &ev);
		check_event(&ev);
	} else if (err[0] == '\0' || strnlen(err, sizeof(err)) == sizeof(err)) {
		abort();
	}
	if (size >= sizeof(v1) && decode_flow_v1(data, sizeof(v1), &v1, err, sizeof(err)) == 0) {
		flow_v1_to_event(&v1, &ev);
		check_event(&ev);
	}
	if (size >= sizeof(v2) && decode_conn_v2(data, sizeof(v2), &v2, err, sizeof(err)) == 0) {
		conn_v2_to_event(&v2, &ev);
		check_event(&ev);
	}
	if (size >= sizeof(v3) && decode_conn_v3(data, sizeof(v3), &v3, err, sizeof(err)) == 0) {
		conn_v3_to_event(&v3, &ev);
		check_event(&ev);
	}
	return 0;
}
