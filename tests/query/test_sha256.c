/* SPDX-License-Identifier: Apache-2.0 */
/* SHA-256 against the FIPS 180-2 appendix B vectors, one-shot and in pieces. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "sha256.h"

#include <stdlib.h>
#include <string.h>

static void hash_text(const void *p, size_t n, char out[FQ_SHA256_TEXT_LEN])
{
	struct fq_sha256 s;
	uint8_t d[FQ_SHA256_LEN];
	fq_sha256_init(&s);
	fq_sha256_update(&s, p, n);
	fq_sha256_final(&s, d);
	fq_sha256_text(d, out);
}

static void fips_vectors(void **state)
{
	(void)state;
	char t[FQ_SHA256_TEXT_LEN];
	hash_text("", 0, t);
	assert_string_equal(
		t, "sha256:e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
	hash_text("abc", 3, t);
	assert_string_equal(
		t, "sha256:ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
	const char *m448 = "abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq";
	hash_text(m448, strlen(m448), t);
	assert_string_equal(
		t, "sha256:248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1");
	const char *m896 =
		"abcdefghbcdefghicdefghijdefghijkefghijklfghijklmghijklmnhijklmnoijklmnop"
		"jklmnopqklmnopqrlmnopqrsmnopqrstnopqrstu";
	hash_text(m896, strlen(m896), t);
	assert_string_equal(
		t, "sha256:cf5b16a778af8380036ce59e7b0492370b249b11e8f07a51afac45037afee9d1");
}

static void million_a_in_uneven_pieces(void **state)
{
	(void)state;
	char *a = malloc(1000000);
	memset(a, 'a', 1000000);
	char t[FQ_SHA256_TEXT_LEN];
	hash_text(a, 1000000, t);
	assert_string_equal(
		t, "sha256:cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0");
	struct fq_sha256 s;
	uint8_t d[FQ_SHA256_LEN];
	fq_sha256_init(&s);
	size_t done = 0, step = 1;
	while (done < 1000000) {
		size_t n = step < 1000000 - done ? step : 1000000 - done;
		fq_sha256_update(&s, a + done, n);
		done += n;
		step = step * 7 % 131 + 1; /* 1..131: crosses block edges every way */
	}
	fq_sha256_final(&s, d);
	fq_sha256_text(d, t);
	assert_string_equal(
		t, "sha256:cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0");
	free(a);
}

/* Lengths around the padding edge (55, 56, 63, 64 bytes) agree piecewise and whole. */
static void padding_edges(void **state)
{
	(void)state;
	unsigned char buf[130];
	for (size_t i = 0; i < sizeof(buf); i++)
		buf[i] = (unsigned char)i;
	for (size_t n = 50; n <= 130; n++) {
		char whole[FQ_SHA256_TEXT_LEN], parts[FQ_SHA256_TEXT_LEN];
		hash_text(buf, n, whole);
		struct fq_sha256 s;
		uint8_t d[FQ_SHA256_LEN];
		fq_sha256_init(&s);
		for (size_t i = 0; i < n; i++)
			fq_sha256_update(&s, buf + i, 1);
		fq_sha256_final(&s, d);
		fq_sha256_text(d, parts);
		assert_string_equal(whole, parts);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(fips_vectors),
		cmocka_unit_test(million_a_in_uneven_pieces),
		cmocka_unit_test(padding_edges),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
