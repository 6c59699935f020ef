/* SPDX-License-Identifier: Apache-2.0 */
/*
 * COSE_Sign1 pieces: the protected header and the bytes around the payload
 * (golden bytes from RFC 9052 and RFC 8949 4.2.1), the parser on good,
 * malformed and truncated envelopes, the payload walker, signing and checking
 * with Ed25519 and P-256 keys made here with libcrypto (payload at several
 * file offsets, tampered payload and signature), and key loading: types,
 * encryption, passphrase files, public/private mix-ups.
 * The independent check (python3-cryptography) is test_signed_export.sh.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "cose.h"
#include "cose_key.h"
#include "cose_sig.h"

#include <errno.h>
#include <fcntl.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static char dir[] = "/tmp/test_cose.XXXXXX";

static int setup(void **state)
{
	(void)state;
	return mkdtemp(dir) ? 0 : -1;
}

static int teardown(void **state)
{
	(void)state;
	char cmd[64];
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
	return system(cmd) == 0 ? 0 : -1;
}

static const char *path_of(const char *name)
{
	static char buf[4][256];
	static int i;
	i = (i + 1) % 4;
	snprintf(buf[i], sizeof(buf[i]), "%s/%s", dir, name);
	return buf[i];
}

static void write_file(const char *name, const void *p, size_t n)
{
	FILE *f = fopen(path_of(name), "wb");
	assert_non_null(f);
	assert_int_equal(fwrite(p, 1, n, f), n);
	assert_int_equal(fclose(f), 0);
}

/* ------------------------------------------------------------ encoding */

static void protected_header_bytes(void **state)
{
	(void)state;
	uint8_t buf[FQ_COSE_PROTECTED_MAX];
	/* {1: -8, 3: 60, 4: h'6973737565722d31'} */
	size_t n = fq_cose_protected(FQ_COSE_EDDSA, "issuer-1", 8, buf);
	assert_int_equal(n, 16);
	assert_memory_equal(buf, "\xa3\x01\x27\x03\x18\x3c\x04\x48issuer-1", 16);
	n = fq_cose_protected(FQ_COSE_ES256, "k", 1, buf);
	assert_int_equal(n, 9);
	assert_memory_equal(buf, "\xa3\x01\x26\x03\x18\x3c\x04\x41k", 9);
	/* The kid's head at its width boundaries. */
	char kid[FQ_COSE_KID_MAX];
	memset(kid, 'x', sizeof(kid));
	n = fq_cose_protected(FQ_COSE_EDDSA, kid, 23, buf);
	assert_int_equal(buf[7], 0x57);
	assert_int_equal(n, 8 + 23);
	n = fq_cose_protected(FQ_COSE_EDDSA, kid, 24, buf);
	assert_memory_equal(buf + 7, "\x58\x18", 2);
	assert_int_equal(n, 9 + 24);
	n = fq_cose_protected(FQ_COSE_EDDSA, kid, FQ_COSE_KID_MAX, buf);
	assert_memory_equal(buf + 7, "\x59\x04\x00", 3);
	assert_int_equal(n, 10 + FQ_COSE_KID_MAX);
	assert_true(n <= FQ_COSE_PROTECTED_MAX);
}

static void bytes_around_the_payload(void **state)
{
	(void)state;
	const uint8_t prot[] = "\xa3\x01\x27\x03\x18\x3c\x04\x41k";
	uint8_t buf[FQ_COSE_PREFIX_MAX];
	/* Sig_structure: [ "Signature1", h'a3...', h'', bstr(5) */
	size_t n = fq_cose_tbs_prefix(prot, 9, 5, buf);
	assert_int_equal(n, 1 + 11 + 10 + 1 + 1);
	assert_memory_equal(buf, "\x84\x6aSignature1\x49\xa3\x01\x27\x03\x18\x3c\x04\x41k\x40\x45",
			    n);
	n = fq_cose_tbs_prefix(prot, 9, 24, buf);
	assert_memory_equal(buf + n - 2, "\x58\x18", 2);
	n = fq_cose_tbs_prefix(prot, 9, 65536, buf);
	assert_memory_equal(buf + n - 5, "\x5a\x00\x01\x00\x00", 5);
	n = fq_cose_tbs_prefix(prot, 9, 4294967296ULL, buf);
	assert_memory_equal(buf + n - 9, "\x5b\x00\x00\x00\x01\x00\x00\x00\x00", 9);
	/* Envelope: 18([ h'a3...', {}, bstr(5) */
	n = fq_cose_sign1_prefix(prot, 9, 5, buf);
	assert_int_equal(n, 1 + 1 + 10 + 1 + 1);
	assert_memory_equal(buf, "\xd2\x84\x49\xa3\x01\x27\x03\x18\x3c\x04\x41k\xa0\x45", n);
	uint8_t sig[FQ_COSE_SIG_LEN], suffix[FQ_COSE_SUFFIX_MAX];
	memset(sig, 0xab, sizeof(sig));
	n = fq_cose_sign1_suffix(sig, suffix);
	assert_int_equal(n, 66);
	assert_memory_equal(suffix, "\x58\x40", 2);
	assert_memory_equal(suffix + 2, sig, 64);
	/* The longest prefix fits its room. */
	uint8_t big[FQ_COSE_PROTECTED_MAX];
	char kid[FQ_COSE_KID_MAX];
	memset(kid, 'x', sizeof(kid));
	size_t plen = fq_cose_protected(FQ_COSE_EDDSA, kid, sizeof(kid), big);
	assert_true(fq_cose_tbs_prefix(big, plen, UINT64_MAX, buf) <= FQ_COSE_PREFIX_ROOM(plen));
	assert_true(fq_cose_sign1_prefix(big, plen, UINT64_MAX, buf) <= FQ_COSE_PREFIX_ROOM(plen));
}

/* A whole envelope around payload, with an all-0x11 signature, into out. */
static size_t envelope(enum fq_cose_alg alg, const char *kid, const uint8_t *payload, size_t plen,
		       uint8_t *out)
{
	uint8_t prot[FQ_COSE_PROTECTED_MAX], sig[FQ_COSE_SIG_LEN];
	memset(sig, 0x11, sizeof(sig));
	size_t protected_len = fq_cose_protected(alg, kid, strlen(kid), prot);
	size_t n = fq_cose_sign1_prefix(prot, protected_len, plen, out);
	memcpy(out + n, payload, plen);
	n += plen;
	return n + fq_cose_sign1_suffix(sig, out + n);
}

/* Two records: [{"a": 1}, {"b": [null]}]. */
static const uint8_t payload2[] = "\x82\xa1\x61\x61\x01\xa1\x61\x62\x81\xf6";
#define PAYLOAD2_LEN (sizeof(payload2) - 1)

static void parse_round_trip(void **state)
{
	(void)state;
	uint8_t buf[256];
	size_t n = envelope(FQ_COSE_ES256, "kid-9", payload2, PAYLOAD2_LEN, buf);
	struct fq_cose_sign1 s;
	char err[256];
	assert_int_equal(fq_cose_parse(buf, n, &s, err, sizeof(err)), 0);
	assert_int_equal(s.alg, FQ_COSE_ES256);
	assert_int_equal(s.kid_len, 5);
	assert_memory_equal(s.kid, "kid-9", 5);
	assert_int_equal(s.payload_len, PAYLOAD2_LEN);
	assert_memory_equal(buf + s.payload_off, payload2, PAYLOAD2_LEN);
	assert_int_equal(s.sig_len, 64);
	assert_int_equal(s.sig[0], 0x11);
	uint64_t records = 0;
	assert_int_equal(fq_cose_payload_records(buf + s.payload_off, (size_t)s.payload_len,
						 &records, err, sizeof(err)),
			 0);
	assert_int_equal(records, 2);
}

static void expect_parse_error(const uint8_t *p, size_t n, const char *why)
{
	struct fq_cose_sign1 s;
	char err[256] = "";
	assert_int_equal(fq_cose_parse(p, n, &s, err, sizeof(err)), -EINVAL);
	if (!strstr(err, why))
		fail_msg("error '%s' does not say '%s'", err, why);
}

#define BAD(lit, why) expect_parse_error((const uint8_t *)(lit), sizeof(lit) - 1, why)

/* 64 bytes of signature, as bstr. */
#define SIG64                                                                                      \
	"\x58\x40"                                                                                 \
	"0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef"

static void parse_refuses(void **state)
{
	(void)state;
	BAD("", "tag 18");
	BAD("\x84\x43\xa1\x01\x27\xa0\x41\x80" SIG64, "tag 18");
	BAD("\xd1\x84\x43\xa1\x01\x27\xa0\x41\x80" SIG64, "tag 18");
	BAD("\xd2\x83\x43\xa1\x01\x27\xa0\x41\x80", "array of 4");
	BAD("\xd2\x9f\x43\xa1\x01\x27\xa0\x41\x80" SIG64 "\xff", "array of 4");
	BAD("\xd2\x84\xa1\x01\x27\xa0\x41\x80" SIG64, "protected header is not a byte string");
	BAD("\xd2\x84\x40\xa0\x41\x80" SIG64, "empty");
	BAD("\xd2\x84\x41\x80\xa0\x41\x80" SIG64, "not a CBOR map");
	BAD("\xd2\x84\x43\xa1\x01\x27\x80\x41\x80" SIG64, "unprotected header is not a CBOR map");
	BAD("\xd2\x84\x43\xa1\x01\x27\xa0\xf6" SIG64, "detached");
	BAD("\xd2\x84\x43\xa1\x01\x27\xa0\x61\x80" SIG64, "payload is not a byte string");
	BAD("\xd2\x84\x43\xa1\x01\x27\xa0\x41\x80", "signature is not a byte string");
	BAD("\xd2\x84\x43\xa1\x01\x27\xa0\x41\x80" SIG64 "\x00", "1 bytes follow");
	BAD("\xd2\x84\x44\xa1\x01\x38\x24\xa0\x41\x80" SIG64, "alg -37 is not supported");
	BAD("\xd2\x84\x45\xa2\x01\x27\x01\x27\xa0\x41\x80" SIG64, "alg is repeated");
	BAD("\xd2\x84\x44\xa1\x01\x61\x78\xa0\x41\x80" SIG64, "not an integer");
	BAD("\xd2\x84\x46\xa2\x01\x27\x02\x81\x01\xa0\x41\x80" SIG64, "crit");
	BAD("\xd2\x84\x45\xa2\x01\x27\x04\x01\xa0\x41\x80" SIG64, "kid is repeated or not");
	BAD("\xd2\x84\x43\xa1\x03\x00\xa0\x41\x80" SIG64, "no alg");
	BAD("\xd2\x84\x44\xa1\x01\x27\x00\xa0\x41\x80" SIG64, "bytes after its map");
	BAD("\xd2\x84\x47\xa3\x01\x27\x03\x00\x03\x00\xa0\x41\x80" SIG64,
	    "content type is repeated");
	/* Lengths that claim more than there is. */
	BAD("\xd2\x84\x5b\xff\xff\xff\xff\xff\xff\xff\xff",
	    "protected header is not a byte string");
	BAD("\xd2\x84\x43\xa1\x01\x27\xbb\xff\xff\xff\xff\xff\xff\xff\xff",
	    "unprotected header is not a CBOR map");
	BAD("\xd2\x84\x43\xa1\x01\x27\xa0\x5b\x00\x00\x00\x00\x7f\xff\xff\xff",
	    "payload is not a byte string");
	/* Reserved additional information (28) in a head. */
	BAD("\xd2\x84\x43\xa1\x01\x27\xa0\x5c", "payload");
}

static void parse_accepts_what_it_ignores(void **state)
{
	(void)state;
	/* Text label, an IV label and a nested unprotected map: skipped. */
	const char ok[] = "\xd2\x84\x4c\xa3\x01\x26\x61\x78\x82\x01\x02\x05\x42\x00\x01"
			  "\xa1\x01\xa1\x02\x80\x41\x80" SIG64;
	struct fq_cose_sign1 s;
	char err[256];
	assert_int_equal(fq_cose_parse((const uint8_t *)ok, sizeof(ok) - 1, &s, err, sizeof(err)),
			 0);
	assert_int_equal(s.alg, FQ_COSE_ES256);
	assert_null(s.kid);
	assert_int_equal(s.payload_len, 1);
}

/* Every cut of a valid envelope is refused (and read within bounds: ASan). */
static void parse_every_truncation(void **state)
{
	(void)state;
	uint8_t buf[256];
	size_t n = envelope(FQ_COSE_EDDSA, "issuer-1", payload2, PAYLOAD2_LEN, buf);
	for (size_t cut = 0; cut < n; cut++) {
		uint8_t *copy = malloc(cut ? cut : 1);
		memcpy(copy, buf, cut);
		struct fq_cose_sign1 s;
		char err[256];
		assert_int_equal(fq_cose_parse(copy, cut, &s, err, sizeof(err)), -EINVAL);
		free(copy);
	}
}

static void expect_records_error(const char *p, size_t n, const char *why)
{
	uint64_t records = 99;
	char err[256] = "";
	assert_int_equal(fq_cose_payload_records((const uint8_t *)p, n, &records, err, sizeof(err)),
			 -EINVAL);
	assert_int_equal(records, 99);
	if (!strstr(err, why))
		fail_msg("error '%s' does not say '%s'", err, why);
}

static void payload_walk(void **state)
{
	(void)state;
	uint64_t records = 99;
	char err[256];
	assert_int_equal(
		fq_cose_payload_records((const uint8_t *)"\x80", 1, &records, err, sizeof(err)), 0);
	assert_int_equal(records, 0);
	expect_records_error("\xa0", 1, "not a CBOR array");
	expect_records_error("\x81\x01", 2, "element 0 is not a CBOR map");
	expect_records_error("\x82\xa0\x80", 3, "element 1 is not a CBOR map");
	expect_records_error("\x81\xa0\x00", 3, "1 bytes after");
	expect_records_error("\x81\xa1\x01", 3, "element 0");
	/* Counts far beyond the bytes present end at once. */
	expect_records_error("\x9b\x7f\xff\xff\xff\xff\xff\xff\xff\xa0", 10, "element 1");
	expect_records_error("\x81\xbb\x7f\xff\xff\xff\xff\xff\xff\xff\x00", 11, "element 0");
	expect_records_error("\x81\xa1\xd8\x18\xd8\x18\xd8\x18", 8, "element 0");
	/* Deep nesting is walked without recursion. */
	size_t depth = 100000;
	char *deep = malloc(depth + 4);
	deep[0] = (char)0x81;
	deep[1] = (char)0xa1;
	deep[2] = 0x00;
	memset(deep + 3, 0x81, depth);
	deep[depth + 3] = 0x00;
	assert_int_equal(fq_cose_payload_records((const uint8_t *)deep, depth + 4, &records, err,
						 sizeof(err)),
			 0);
	assert_int_equal(records, 1);
	free(deep);
}

/* -------------------------------------------------------------- keys */

enum {
	KEY_ED25519,
	KEY_P256,
	KEY_P384,
	KEY_RSA,
	KEY_ED448
};

static EVP_PKEY *make_key(int type)
{
	switch (type) {
	case KEY_ED25519:
		return EVP_PKEY_Q_keygen(NULL, NULL, "ED25519");
	case KEY_P256:
		return EVP_PKEY_Q_keygen(NULL, NULL, "EC", "P-256");
	case KEY_P384:
		return EVP_PKEY_Q_keygen(NULL, NULL, "EC", "P-384");
	case KEY_RSA:
		return EVP_PKEY_Q_keygen(NULL, NULL, "RSA", (size_t)1024);
	default:
		return EVP_PKEY_Q_keygen(NULL, NULL, "ED448");
	}
}

/* Write pkey as name (private, encrypted with pass when given) and name.pub. */
static void save_key(EVP_PKEY *pkey, const char *name, const char *pass)
{
	FILE *f = fopen(path_of(name), "w");
	assert_non_null(f);
	assert_int_equal(PEM_write_PrivateKey(f, pkey, pass ? EVP_aes_256_cbc() : NULL, NULL, 0,
					      NULL, (void *)pass),
			 1);
	fclose(f);
	char pub[128];
	snprintf(pub, sizeof(pub), "%s.pub", name);
	f = fopen(path_of(pub), "w");
	assert_non_null(f);
	assert_int_equal(PEM_write_PUBKEY(f, pkey), 1);
	fclose(f);
}

static void expect_load(bool private_key, const char *name, const char *pass_file, int rc,
			const char *why)
{
	struct fq_cose_key k = {0};
	char err[512] = "";
	char pf[256] = "";
	if (pass_file)
		snprintf(pf, sizeof(pf), "%s", path_of(pass_file));
	int got = private_key ? fq_cose_key_load_private(path_of(name), pass_file ? pf : NULL, &k,
							 err, sizeof(err))
			      : fq_cose_key_load_public(path_of(name), &k, err, sizeof(err));
	if (got != rc)
		fail_msg("%s: got %d (%s), expected %d", name, got, err, rc);
	if (rc == 0)
		assert_non_null(k.pkey);
	else
		assert_null(k.pkey);
	if (why && !strstr(err, why))
		fail_msg("%s: error '%s' does not say '%s'", name, err, why);
	fq_cose_key_free(&k);
}

static void key_loading(void **state)
{
	(void)state;
	const char *names[] = {"ed25519.pem", "p256.pem", "p384.pem", "rsa.pem", "ed448.pem"};
	for (int t = KEY_ED25519; t <= KEY_ED448; t++) {
		EVP_PKEY *k = make_key(t);
		assert_non_null(k);
		save_key(k, names[t], NULL);
		if (t == KEY_ED25519)
			save_key(k, "enc.pem", "s3cret");
		EVP_PKEY_free(k);
	}
	struct fq_cose_key k = {0};
	char err[512];
	assert_int_equal(
		fq_cose_key_load_private(path_of("ed25519.pem"), NULL, &k, err, sizeof(err)), 0);
	assert_int_equal(k.alg, FQ_COSE_EDDSA);
	fq_cose_key_free(&k);
	assert_int_equal(fq_cose_key_load_public(path_of("p256.pem.pub"), &k, err, sizeof(err)), 0);
	assert_int_equal(k.alg, FQ_COSE_ES256);
	fq_cose_key_free(&k);
	fq_cose_key_free(&k); /* twice: safe */

	expect_load(true, "p384.pem", NULL, -EKEYREJECTED, "curve secp384r1");
	expect_load(true, "rsa.pem", NULL, -EKEYREJECTED, "type RSA");
	expect_load(true, "ed448.pem", NULL, -EKEYREJECTED, "type ED448");
	expect_load(false, "rsa.pem.pub", NULL, -EKEYREJECTED, "type RSA");
	expect_load(false, "p384.pem.pub", NULL, -EKEYREJECTED, "secp384r1");

	expect_load(true, "enc.pem", NULL, -ENOKEY, "encrypted; give its passphrase");
	write_file("pass", "s3cret\n", 7);
	write_file("pass-crlf", "s3cret\r\nignored\n", 16);
	write_file("pass-bare", "s3cret", 6);
	write_file("pass-wrong", "secret\n", 7);
	write_file("pass-empty", "\ns3cret\n", 8);
	expect_load(true, "enc.pem", "pass", 0, NULL);
	expect_load(true, "enc.pem", "pass-crlf", 0, NULL);
	expect_load(true, "enc.pem", "pass-bare", 0, NULL);
	expect_load(true, "enc.pem", "pass-wrong", -ENOKEY, "wrong passphrase");
	expect_load(true, "enc.pem", "pass-empty", -ENOKEY, "no passphrase");
	expect_load(true, "enc.pem", "no-such-pass", -ENOKEY, "--key-pass-file");
	/* A passphrase for a key that needs none is not used. */
	expect_load(true, "ed25519.pem", "pass", 0, NULL);

	expect_load(true, "ed25519.pem.pub", NULL, -ENOKEY, "a public key");
	expect_load(false, "ed25519.pem", NULL, -ENOKEY, "a private key");
	expect_load(false, "enc.pem", NULL, -ENOKEY, "a private key");
	expect_load(true, "missing.pem", NULL, -ENOKEY, "cannot read");
	write_file("junk.pem", "-----BEGIN PRIVATE KEY-----\nAAAA\n-----END PRIVATE KEY-----\n",
		   56);
	expect_load(true, "junk.pem", NULL, -ENOKEY, "not a PEM private key");
	expect_load(false, "junk.pem", NULL, -ENOKEY, "not a PEM public key");
	char *big = calloc(1, 70000);
	write_file("big.pem", big, 70000);
	free(big);
	expect_load(true, "big.pem", NULL, -ENOKEY, "larger than");
}

/* ------------------------------------------------------- sign and check */

/* A file holding lead filler bytes then the payload; returns its fd. */
static int payload_file(const char *name, size_t lead, const uint8_t *p, size_t n)
{
	uint8_t *buf = malloc(lead + n + 1);
	memset(buf, 0x5a, lead);
	memcpy(buf + lead, p, n);
	write_file(name, buf, lead + n);
	free(buf);
	int fd = open(path_of(name), O_RDWR);
	assert_true(fd >= 0);
	return fd;
}

static void flip(int fd, uint64_t off)
{
	uint8_t b;
	assert_int_equal(pread(fd, &b, 1, (off_t)off), 1);
	b ^= 0x01;
	assert_int_equal(pwrite(fd, &b, 1, (off_t)off), 1);
}

static void sign_and_check(int type)
{
	EVP_PKEY *pk = make_key(type), *other = make_key(type);
	save_key(pk, "signer.pem", NULL);
	save_key(other, "other.pem", NULL);
	EVP_PKEY_free(pk);
	EVP_PKEY_free(other);
	struct fq_cose_key priv = {0}, pub = {0}, wrong = {0};
	char err[512];
	assert_int_equal(
		fq_cose_key_load_private(path_of("signer.pem"), NULL, &priv, err, sizeof(err)), 0);
	assert_int_equal(fq_cose_key_load_public(path_of("signer.pem.pub"), &pub, err, sizeof(err)),
			 0);
	assert_int_equal(
		fq_cose_key_load_public(path_of("other.pem.pub"), &wrong, err, sizeof(err)), 0);

	/* A payload big enough to span pages, signed where it starts the file. */
	size_t n = 3 * 4096 + 123;
	uint8_t *payload = malloc(n);
	for (size_t i = 0; i < n; i++)
		payload[i] = (uint8_t)(i * 7 + 3);
	uint8_t prot[FQ_COSE_PROTECTED_MAX], prefix[FQ_COSE_PREFIX_MAX], sig[FQ_COSE_SIG_LEN];
	size_t plen = fq_cose_protected(priv.alg, "kid", 3, prot);
	size_t pre = fq_cose_tbs_prefix(prot, plen, n, prefix);
	int fd = payload_file("payload", 0, payload, n);
	struct fq_cose_msg m = {prefix, pre, fd, 0, n};
	assert_int_equal(fq_cose_sign(&priv, &m, sig, err, sizeof(err)), 0);
	assert_int_equal(fq_cose_verify(&pub, &m, sig, sizeof(sig), err, sizeof(err)), 0);

	/* The same message at other offsets of other files: short and long leads. */
	size_t leads[] = {3, 4096, 5000};
	for (size_t i = 0; i < sizeof(leads) / sizeof(leads[0]); i++) {
		int fd2 = payload_file("moved", leads[i], payload, n);
		struct fq_cose_msg m2 = {prefix, pre, fd2, leads[i], n};
		assert_int_equal(fq_cose_verify(&pub, &m2, sig, sizeof(sig), err, sizeof(err)), 0);
		close(fd2);
	}
	/* The file is never written through the mapping. */
	uint8_t *back = malloc(n);
	assert_int_equal(pread(fd, back, n, 0), (ssize_t)n);
	assert_memory_equal(back, payload, n);
	free(back);

	/* Not by another key, nor with any byte changed. */
	assert_int_equal(fq_cose_verify(&wrong, &m, sig, sizeof(sig), err, sizeof(err)), -EBADMSG);
	uint64_t spots[] = {0, 1, 4095, 4096, n / 2, n - 1};
	for (size_t i = 0; i < sizeof(spots) / sizeof(spots[0]); i++) {
		flip(fd, spots[i]);
		assert_int_equal(fq_cose_verify(&pub, &m, sig, sizeof(sig), err, sizeof(err)),
				 -EBADMSG);
		flip(fd, spots[i]);
	}
	for (size_t i = 0; i < FQ_COSE_SIG_LEN; i++) {
		sig[i] ^= 0x80;
		assert_int_equal(fq_cose_verify(&pub, &m, sig, sizeof(sig), err, sizeof(err)),
				 -EBADMSG);
		sig[i] ^= 0x80;
	}
	prefix[pre - 1] ^= 0x01; /* the Sig_structure's payload length */
	assert_int_equal(fq_cose_verify(&pub, &m, sig, sizeof(sig), err, sizeof(err)), -EBADMSG);
	prefix[pre - 1] ^= 0x01;
	assert_int_equal(fq_cose_verify(&pub, &m, sig, 63, err, sizeof(err)), -EBADMSG);
	assert_non_null(strstr(err, "63 bytes"));
	assert_int_equal(fq_cose_verify(&pub, &m, sig, sizeof(sig), err, sizeof(err)), 0);

	/* A file shorter than the message is a read error, not a signature. */
	assert_int_equal(ftruncate(fd, (off_t)(n / 2)), 0);
	if (priv.alg == FQ_COSE_ES256) {
		assert_int_equal(fq_cose_sign(&priv, &m, sig, err, sizeof(err)), -EIO);
		assert_int_equal(fq_cose_verify(&pub, &m, sig, sizeof(sig), err, sizeof(err)),
				 -EPROTO);
	}
	close(fd);
	free(payload);
	fq_cose_key_free(&priv);
	fq_cose_key_free(&pub);
	fq_cose_key_free(&wrong);
}

static void sign_and_check_ed25519(void **state)
{
	(void)state;
	sign_and_check(KEY_ED25519);
}

static void sign_and_check_p256(void **state)
{
	(void)state;
	sign_and_check(KEY_P256);
}

/* Ed25519 is deterministic: the same message gives the same signature. */
static void ed25519_deterministic(void **state)
{
	(void)state;
	EVP_PKEY *pk = make_key(KEY_ED25519);
	save_key(pk, "det.pem", NULL);
	EVP_PKEY_free(pk);
	struct fq_cose_key k = {0};
	char err[512];
	assert_int_equal(fq_cose_key_load_private(path_of("det.pem"), NULL, &k, err, sizeof(err)),
			 0);
	int fd = payload_file("det", 0, payload2, PAYLOAD2_LEN);
	const uint8_t prefix[] = "prefix";
	struct fq_cose_msg m = {prefix, 6, fd, 0, PAYLOAD2_LEN};
	uint8_t a[FQ_COSE_SIG_LEN], b[FQ_COSE_SIG_LEN];
	assert_int_equal(fq_cose_sign(&k, &m, a, err, sizeof(err)), 0);
	assert_int_equal(fq_cose_sign(&k, &m, b, err, sizeof(err)), 0);
	assert_memory_equal(a, b, sizeof(a));
	close(fd);
	fq_cose_key_free(&k);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(protected_header_bytes),
		cmocka_unit_test(bytes_around_the_payload),
		cmocka_unit_test(parse_round_trip),
		cmocka_unit_test(parse_refuses),
		cmocka_unit_test(parse_accepts_what_it_ignores),
		cmocka_unit_test(parse_every_truncation),
		cmocka_unit_test(payload_walk),
		cmocka_unit_test(key_loading),
		cmocka_unit_test(sign_and_check_ed25519),
		cmocka_unit_test(sign_and_check_p256),
		cmocka_unit_test(ed25519_deterministic),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
