/* SPDX-License-Identifier: Apache-2.0 */
/* UTF-8 cleaning; see utf8.h. The validator itself is common/fa_text.c. */
#include "utf8.h"

size_t fq_utf8_clean_len(const char *s, size_t n)
{
	const unsigned char *p = (const unsigned char *)s;
	size_t out = 0;
	for (size_t i = 0; i < n;) {
		size_t k = fa_utf8_seq_len(p + i, n - i);
		if (k == 0) {
			out += 3;
			i++;
		} else {
			out += k;
			i += k;
		}
	}
	return out;
}
