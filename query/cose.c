/* SPDX-License-Identifier: Apache-2.0 */
/*
 * COSE_Sign1 bytes; see cose.h. Heads are written with libcbor's shortest-form
 * encoders. Reading walks CBOR heads over a bounded cursor by hand: the input
 * may be a multi-gigabyte mapped file that must not be copied or built into a
 * tree, and every length it claims is checked against what is left.
 */
#include "cose.h"

#include <cbor.h>
#include <errno.h>
#include <inttypes.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

/* COSE header labels (RFC 9052 section 3.1). */
enum {
	LABEL_ALG = 1,
	LABEL_CRIT = 2,
	LABEL_CONTENT_TYPE = 3,
	LABEL_KID = 4,
};

/* CBOR major types. */
enum {
	MT_UINT = 0,
	MT_NEGINT = 1,
	MT_BYTES = 2,
	MT_TEXT = 3,
	MT_ARRAY = 4,
	MT_MAP = 5,
	MT_TAG = 6,
	MT_SIMPLE = 7,
};

static const char signature1[] = "Signature1";

const char *fq_cose_alg_name(enum fq_cose_alg alg)
{
	return alg == FQ_COSE_EDDSA ? "EdDSA" : "ES256";
}

size_t fq_cose_protected(enum fq_cose_alg alg, const void *kid, size_t kid_len, uint8_t *buf)
{
	size_t n = 0, cap = FQ_COSE_PROTECTED_MAX;
	n += cbor_encode_map_start(3, buf + n, cap - n);
	n += cbor_encode_uint(LABEL_ALG, buf + n, cap - n);
	n += cbor_encode_negint((uint64_t)(-1 - (int64_t)alg), buf + n, cap - n);
	n += cbor_encode_uint(LABEL_CONTENT_TYPE, buf + n, cap - n);
	n += cbor_encode_uint(FQ_COSE_CONTENT_TYPE_CBOR, buf + n, cap - n);
	n += cbor_encode_uint(LABEL_KID, buf + n, cap - n);
	n += cbor_encode_bytestring_start(kid_len, buf + n, cap - n);
	memcpy(buf + n, kid, kid_len);
	return n + kid_len;
}

static size_t put_bstr(const uint8_t *p, size_t len, uint8_t *buf, size_t cap)
{
	size_t n = cbor_encode_bytestring_start(len, buf, cap);
	memcpy(buf + n, p, len);
	return n + len;
}

size_t fq_cose_tbs_prefix(const uint8_t *protected_map, size_t protected_len, uint64_t payload_len,
			  uint8_t *buf)
{
	size_t n = 0, cap = FQ_COSE_PREFIX_ROOM(protected_len);
	n += cbor_encode_array_start(4, buf + n, cap - n);
	n += cbor_encode_string_start(strlen(signature1), buf + n, cap - n);
	memcpy(buf + n, signature1, strlen(signature1));
	n += strlen(signature1);
	n += put_bstr(protected_map, protected_len, buf + n, cap - n);
	n += cbor_encode_bytestring_start(0, buf + n, cap - n); /* external_aad */
	n += cbor_encode_bytestring_start((size_t)payload_len, buf + n, cap - n);
	return n;
}

size_t fq_cose_sign1_prefix(const uint8_t *protected_map, size_t protected_len,
			    uint64_t payload_len, uint8_t *buf)
{
	size_t n = 0, cap = FQ_COSE_PREFIX_ROOM(protected_len);
	n += cbor_encode_tag(FQ_COSE_TAG_SIGN1, buf + n, cap - n);
	n += cbor_encode_array_start(4, buf + n, cap - n);
	n += put_bstr(protected_map, protected_len, buf + n, cap - n);
	n += cbor_encode_map_start(0, buf + n, cap - n); /* unprotected */
	n += cbor_encode_bytestring_start((size_t)payload_len, buf + n, cap - n);
	return n;
}

size_t fq_cose_sign1_suffix(const uint8_t sig[FQ_COSE_SIG_LEN], uint8_t *buf)
{
	return put_bstr(sig, FQ_COSE_SIG_LEN, buf, FQ_COSE_SUFFIX_MAX);
}

/* ------------------------------------------------------------------ reading */

struct cursor {
	const uint8_t *p;
	size_t n; /* bytes in p */
	size_t pos;
};

struct head {
	int major;
	uint64_t arg; /* the value, length or count */
	size_t at; /* offset of the head */
};

/* Read one head. Returns 0, or -EINVAL (truncated, reserved or indefinite). */
static int read_head(struct cursor *c, struct head *h)
{
	if (c->pos >= c->n)
		return -EINVAL;
	h->at = c->pos;
	uint8_t ib = c->p[c->pos++];
	h->major = ib >> 5;
	unsigned ai = ib & 31;
	if (ai < 24) {
		h->arg = ai;
		return 0;
	}
	if (ai > 27)
		return -EINVAL; /* 28-30 reserved, 31 indefinite */
	size_t len = (size_t)1 << (ai - 24);
	if (c->n - c->pos < len)
		return -EINVAL;
	h->arg = 0;
	for (size_t i = 0; i < len; i++)
		h->arg = h->arg << 8 | c->p[c->pos++];
	return 0;
}

/* The cursor is at a byte or text string's content of h->arg bytes: step over it. */
static int skip_content(struct cursor *c, const struct head *h)
{
	if (h->arg > c->n - c->pos)
		return -EINVAL;
	c->pos += (size_t)h->arg;
	return 0;
}

/*
 * Step over one whole data item, nested ones included, without recursion:
 * count the items still owed. Every item takes at least one byte, so a
 * count larger than the bytes left is refused before it can overflow.
 */
static int skip_item(struct cursor *c)
{
	uint64_t owed = 1;
	while (owed) {
		struct head h;
		if (read_head(c, &h))
			return -EINVAL;
		owed--;
		uint64_t left = c->n - c->pos;
		switch (h.major) {
		case MT_BYTES:
		case MT_TEXT:
			if (skip_content(c, &h))
				return -EINVAL;
			break;
		case MT_ARRAY:
			if (h.arg > left)
				return -EINVAL;
			owed += h.arg;
			break;
		case MT_MAP:
			if (h.arg > left / 2)
				return -EINVAL;
			owed += 2 * h.arg;
			break;
		case MT_TAG:
			owed++;
			break;
		default: /* integers and simple values: the head is the item */
			break;
		}
		if (owed > c->n - c->pos)
			return -EINVAL;
	}
	return 0;
}

/* Read an integer item (major 0 or 1) into *v. */
static int read_int(struct cursor *c, int64_t *v)
{
	struct head h;
	if (read_head(c, &h) || (h.major != MT_UINT && h.major != MT_NEGINT) || h.arg > INT64_MAX)
		return -EINVAL;
	*v = h.major == MT_UINT ? (int64_t)h.arg : -1 - (int64_t)h.arg;
	return 0;
}

/* Read a byte string item: its content's offset and length. */
static int read_bstr(struct cursor *c, size_t *off, uint64_t *len)
{
	struct head h;
	if (read_head(c, &h) || h.major != MT_BYTES)
		return -EINVAL;
	*off = c->pos;
	*len = h.arg;
	return skip_content(c, &h);
}

#define FAIL(...)                                                                                  \
	do {                                                                                       \
		snprintf(err, errlen, __VA_ARGS__);                                                \
		return -EINVAL;                                                                    \
	} while (0)

/* Decode the protected header map: alg (required), kid; no crit, no label twice. */
static int parse_protected(struct fq_cose_sign1 *out, char *err, size_t errlen)
{
	struct cursor c = {out->protected_map, out->protected_len, 0};
	struct head h;
	if (out->protected_len == 0)
		FAIL("the protected header is empty (no alg)");
	if (read_head(&c, &h) || h.major != MT_MAP)
		FAIL("the protected header is not a CBOR map");
	bool have_alg = false, have_ct = false;
	for (uint64_t i = 0; i < h.arg; i++) {
		struct cursor key_at = c;
		int64_t label;
		if (read_int(&c, &label)) {
			/* A text label (private use): not one flowq acts on. */
			c = key_at;
			struct head k;
			if (read_head(&c, &k) || k.major != MT_TEXT || skip_content(&c, &k) ||
			    skip_item(&c))
				FAIL("the protected header map is malformed");
			continue;
		}
		size_t off;
		uint64_t len;
		int64_t alg;
		switch (label) {
		case LABEL_ALG:
			if (have_alg || read_int(&c, &alg))
				FAIL("the protected header's alg is repeated or not an integer");
			if (alg != FQ_COSE_EDDSA && alg != FQ_COSE_ES256)
				FAIL("alg %" PRId64 " is not supported (EdDSA -8 or ES256 -7)",
				     alg);
			out->alg = (enum fq_cose_alg)alg;
			have_alg = true;
			break;
		case LABEL_KID:
			if (out->kid || read_bstr(&c, &off, &len))
				FAIL("the protected header's kid is repeated or not a byte string");
			out->kid = out->protected_map + off;
			out->kid_len = (size_t)len;
			break;
		case LABEL_CRIT:
			FAIL("the protected header has crit, which flowq does not understand");
		case LABEL_CONTENT_TYPE:
			if (have_ct)
				FAIL("the protected header's content type is repeated");
			have_ct = true;
			/* fall through */
		default:
			if (skip_item(&c))
				FAIL("the protected header map is malformed");
		}
	}
	if (c.pos != c.n)
		FAIL("the protected header has bytes after its map");
	if (!have_alg)
		FAIL("the protected header has no alg");
	return 0;
}

int fq_cose_parse(const uint8_t *buf, size_t n, struct fq_cose_sign1 *out, char *err, size_t errlen)
{
	struct cursor c = {buf, n, 0};
	struct head h;
	memset(out, 0, sizeof(*out));
	if (read_head(&c, &h) || h.major != MT_TAG || h.arg != FQ_COSE_TAG_SIGN1)
		FAIL("does not start with CBOR tag 18 (COSE_Sign1)");
	if (read_head(&c, &h) || h.major != MT_ARRAY || h.arg != 4)
		FAIL("tag 18 does not hold an array of 4 items");
	size_t off;
	uint64_t len;
	if (read_bstr(&c, &off, &len))
		FAIL("the protected header is not a byte string");
	out->protected_map = buf + off;
	out->protected_len = (size_t)len;
	struct cursor unprotected = c;
	if (read_head(&unprotected, &h) || h.major != MT_MAP || skip_item(&c))
		FAIL("the unprotected header is not a CBOR map");
	if (read_head(&c, &h))
		FAIL("the payload is missing");
	if (h.major == MT_SIMPLE && h.arg == 22)
		FAIL("the payload is detached (nil); flowq checks attached payloads");
	if (h.major != MT_BYTES || skip_content(&c, &h))
		FAIL("the payload is not a byte string");
	out->payload_off = c.pos - h.arg;
	out->payload_len = h.arg;
	if (read_bstr(&c, &off, &len))
		FAIL("the signature is not a byte string");
	out->sig = buf + off;
	out->sig_len = (size_t)len;
	if (c.pos != n)
		FAIL("%zu bytes follow the COSE_Sign1", n - c.pos);
	return parse_protected(out, err, errlen);
}

int fq_cose_payload_records(const uint8_t *p, size_t n, uint64_t *records, char *err, size_t errlen)
{
	struct cursor c = {p, n, 0};
	struct head h;
	if (read_head(&c, &h) || h.major != MT_ARRAY)
		FAIL("the payload is not a CBOR array");
	for (uint64_t i = 0; i < h.arg; i++) {
		struct cursor at = c;
		struct head m;
		if (read_head(&at, &m) || m.major != MT_MAP || skip_item(&c))
			FAIL("the payload's element %" PRIu64 " is not a CBOR map", i);
	}
	if (c.pos != n)
		FAIL("the payload has %zu bytes after its array", n - c.pos);
	*records = h.arg;
	return 0;
}
