/* SPDX-License-Identifier: Apache-2.0 */
/*
 * libFuzzer harness: NFLOG frames (recorder/nflog_frame.h). Their packet
 * bytes come from the untrusted cell, so the decoder must refuse anything
 * malformed with a reason and never read outside the frame: the input is
 * copied into a buffer of exactly its size so ASan catches any over-read.
 * The whole input also goes through the prefix parser. Invariants checked on
 * an accepted frame: family 4 or 6, one packet counted as a delta, reason
 * nflog_match, NUL-terminated rule ref and prefix.
 */
#include "nflog_frame.h"

#include "fa_names.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	uint8_t *copy = malloc(size ? size : 1);
	if (!copy)
		return 0;
	memcpy(copy, data, size);
	char err[256];
	struct fa_event ev;
	err[0] = '\0';
	if (nflog_frame_decode(copy, size, &ev, err, sizeof(err)) == 0) {
		if (ev.family != 4 && ev.family != 6)
			abort();
		if (!ev.counts_are_deltas || ev.orig_packets != 1 || ev.direction > 1)
			abort();
		if (!ev.reason_code || strcmp(ev.reason_code, FA_REASON_NFLOG_MATCH) != 0)
			abort();
		if (!memchr(ev.nft_rule_ref, '\0', sizeof(ev.nft_rule_ref)) ||
		    !memchr(ev.nflog_prefix, '\0', sizeof(ev.nflog_prefix)))
			abort();
	} else if (err[0] == '\0') {
		abort(); /* a refusal always says why */
	}
	struct nflog_prefix_info info;
	if (nflog_prefix_parse((const char *)copy, size, &info) == 0 &&
	    (info.rule_ref[0] == '\0' || !memchr(info.rule_ref, '\0', sizeof(info.rule_ref))))
		abort();
	free(copy);
	return 0;
}
