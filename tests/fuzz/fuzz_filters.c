/* SPDX-License-Identifier: Apache-2.0 */
/*
 * libFuzzer harness: flowq's filter parsing. The first byte picks a filter
 * option; the rest (NUL-terminated copy) is its value, given to
 * fq_filter_set and to the common parsers (fa_cidr_parse, fa_time_parse,
 * fa_protocol_parse). Invariants checked: a refusal carries a reason; an
 * accepted CIDR has lo <= hi; a protocol is -1 or 0..255.
 */
#include "fa_addr.h"
#include "fa_names.h"
#include "fa_time.h"
#include "filters.h"

#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const char *const options[] = {
	"--cell",  "--run",	 "--since",	"--until",  "--dst",   "--port",
	"--proto", "--decision", "--direction", "--reason", "--limit", "--bogus",
};

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char err[256];
	if (size == 0 || size > 4096)
		return 0;
	char *text = malloc(size);
	if (!text)
		abort();
	memcpy(text, data + 1, size - 1);
	text[size - 1] = '\0';
	const char *option = options[data[0] % (sizeof(options) / sizeof(options[0]))];

	struct fq_filters f;
	memset(&f, 0, sizeof(f));
	err[0] = '\0';
	int rc = fq_filter_set(&f, option, text, 1800000000000000000LL, err, sizeof(err));
	if (rc == -EINVAL && err[0] == '\0')
		abort();

	struct fa_addr lo, hi;
	err[0] = '\0';
	if (fa_cidr_parse(text, &lo, &hi, err, sizeof(err)) == 0) {
		if (memcmp(lo.b, hi.b, sizeof(lo.b)) > 0)
			abort();
	} else if (err[0] == '\0') {
		abort();
	}
	int64_t t;
	err[0] = '\0';
	if (fa_time_parse(text, 1800000000000000000LL, &t, err, sizeof(err)) != 0 && err[0] == '\0')
		abort();
	int proto = fa_protocol_parse(text);
	if ((proto < 0 && proto != -EINVAL) || proto > 255)
		abort();
	free(text);
	return 0;
}
