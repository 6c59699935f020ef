/* SPDX-License-Identifier: Apache-2.0 */
/* The cose-sign1 export format; see cose_writer.h. */
#include "cose_writer.h"

#include "cbor_writer.h"
#include "cose.h"
#include "cose_sig.h"
#include "utf8.h"

#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define COPY_CHUNK 65536

enum kid_seen {
	KID_NONE, /* no record yet */
	KID_ONE, /* every record so far had the issuer_kid in kid */
	KID_MIXED, /* a null, or two different ones */
};

struct cose_state {
	int fd; /* the payload's temporary file */
	uint64_t count; /* records announced by begin */
	size_t kid_col; /* index of issuer_kid in the schema, or SIZE_MAX */
	enum kid_seen kid_seen;
	char *kid;
	size_t kid_len;
	struct fq_out payload;
};

int fq_cose_signer_init(struct fq_cose_signer *s, const char *key_path, const char *pass_file,
			const char *kid, const char *output, char *err, size_t errlen)
{
	memset(s, 0, sizeof(*s));
	s->kid = kid;
	if (output) {
		char *copy = strdup(output);
		s->scratch_dir = copy ? strdup(dirname(copy)) : NULL;
		free(copy);
	} else {
		const char *tmp = getenv("TMPDIR");
		s->scratch_dir = strdup(tmp && tmp[0] ? tmp : "/tmp");
	}
	if (!s->scratch_dir) {
		snprintf(err, errlen, "out of memory");
		return -ENOMEM;
	}
	int rc = fq_cose_key_load_private(key_path, pass_file, &s->key, err, errlen);
	if (rc)
		fq_cose_signer_free(s);
	return rc;
}

void fq_cose_signer_free(struct fq_cose_signer *s)
{
	fq_cose_key_free(&s->key);
	free(s->scratch_dir);
	s->scratch_dir = NULL;
}

/* An unnamed file in dir: O_TMPFILE, or mkstemp and unlink where that is unsupported. */
static int open_scratch(const char *dir)
{
	int fd = open(dir, O_TMPFILE | O_RDWR | O_EXCL | O_CLOEXEC, 0600);
	if (fd >= 0 || (errno != EOPNOTSUPP && errno != EISDIR && errno != EINVAL))
		return fd;
	size_t n = strlen(dir) + sizeof("/.flowq-payload.XXXXXX");
	char *path = malloc(n);
	if (!path) {
		errno = ENOMEM;
		return -1;
	}
	snprintf(path, n, "%s/.flowq-payload.XXXXXX", dir);
	fd = mkostemp(path, O_CLOEXEC);
	if (fd >= 0)
		unlink(path);
	int e = errno;
	free(path);
	errno = e;
	return fd;
}

static int cose_begin(struct fq_writer *w, uint64_t count)
{
	if (!w->signer) {
		snprintf(w->err, sizeof(w->err), "cose-sign1: no key");
		return -EFAULT;
	}
	struct cose_state *st = calloc(1, sizeof(*st));
	if (!st)
		return -ENOMEM;
	w->priv = st;
	st->count = count;
	st->kid_col = SIZE_MAX;
	for (size_t i = 0; i < w->schema->n; i++)
		if (strcmp(w->schema->keys[i], "issuer_kid") == 0)
			st->kid_col = i;
	st->fd = open_scratch(w->signer->scratch_dir);
	if (st->fd < 0) {
		snprintf(w->err, sizeof(w->err),
			 "%s: cannot create the temporary file for the payload: %s",
			 w->signer->scratch_dir, strerror(errno));
		return -EIO;
	}
	fq_out_init(&st->payload, st->fd, false);
	fq_cbor_array_start(&st->payload, count);
	return 0;
}

/* Follow whether every record so far has one and the same issuer_kid. */
static int track_kid(struct cose_state *st, const struct fq_value *v)
{
	if (st->kid_seen == KID_MIXED)
		return 0;
	if (v->type != FQ_V_TEXT) {
		st->kid_seen = KID_MIXED;
		return 0;
	}
	if (st->kid_seen == KID_ONE) {
		if (v->len != st->kid_len || memcmp(v->s, st->kid, v->len) != 0)
			st->kid_seen = KID_MIXED;
		return 0;
	}
	st->kid = malloc(v->len ? v->len : 1);
	if (!st->kid)
		return -ENOMEM;
	memcpy(st->kid, v->s, v->len);
	st->kid_len = v->len;
	st->kid_seen = KID_ONE;
	return 0;
}

static int cose_record(struct fq_writer *w, const struct fq_value *vals)
{
	struct cose_state *st = w->priv;
	fq_cbor_map(&st->payload, &w->keys, vals);
	if (w->signer->kid || st->kid_col == SIZE_MAX)
		return 0;
	return track_kid(st, &vals[st->kid_col]);
}

/* The kid to sign with: --kid, or the records' common issuer_kid. */
static int choose_kid(struct fq_writer *w, const char **kid, size_t *len)
{
	struct cose_state *st = w->priv;
	if (w->signer->kid) {
		*kid = w->signer->kid;
		*len = strlen(w->signer->kid);
		return 0;
	}
	const char *why = NULL;
	if (st->kid_seen == KID_NONE)
		why = "no record was selected";
	else if (st->kid_seen == KID_MIXED)
		why = "the selected records do not share one issuer_kid";
	else if (st->kid_len == 0 || st->kid_len > FQ_COSE_KID_MAX)
		why = "their issuer_kid is empty or longer than 1024 bytes";
	else if (fq_utf8_clean_len(st->kid, st->kid_len) != st->kid_len)
		why = "their issuer_kid is not valid UTF-8";
	if (why) {
		snprintf(w->err, sizeof(w->err),
			 "--kid: needed, %s to take the kid from (give --kid ID)", why);
		return -EINVAL;
	}
	*kid = st->kid;
	*len = st->kid_len;
	return 0;
}

/* Copy the payload's len bytes from the temporary file into the output. */
static int copy_payload(struct fq_writer *w, uint64_t len)
{
	struct cose_state *st = w->priv;
	unsigned char *buf = malloc(COPY_CHUNK);
	if (!buf)
		return -ENOMEM;
	int rc = 0;
	for (uint64_t done = 0; done < len && !w->out->err;) {
		size_t want = len - done < COPY_CHUNK ? (size_t)(len - done) : COPY_CHUNK;
		ssize_t r = pread(st->fd, buf, want, (off_t)done);
		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0) {
			rc = r < 0 ? -errno : -EIO;
			break;
		}
		fq_out_write(w->out, buf, (size_t)r);
		done += (uint64_t)r;
	}
	free(buf);
	return rc;
}

static int cose_end(struct fq_writer *w)
{
	struct cose_state *st = w->priv;
	int rc = fq_out_flush(&st->payload);
	if (rc) {
		snprintf(w->err, sizeof(w->err),
			 "%s: writing the payload's temporary file failed: %s",
			 w->signer->scratch_dir, strerror(-rc));
		return -EIO;
	}
	if (w->records != st->count) {
		snprintf(w->err, sizeof(w->err),
			 "internal error: counted %llu records, wrote %llu; nothing signed",
			 (unsigned long long)st->count, (unsigned long long)w->records);
		return -EFAULT;
	}
	const char *kid;
	size_t kid_len;
	rc = choose_kid(w, &kid, &kid_len);
	if (rc)
		return rc;

	uint8_t protected_map[FQ_COSE_PROTECTED_MAX], prefix[FQ_COSE_PREFIX_MAX];
	uint8_t sig[FQ_COSE_SIG_LEN], suffix[FQ_COSE_SUFFIX_MAX];
	const struct fq_cose_key *key = &w->signer->key;
	size_t protected_len = fq_cose_protected(key->alg, kid, kid_len, protected_map);
	uint64_t payload_len = st->payload.bytes;
	const struct fq_cose_msg msg = {
		.prefix = prefix,
		.prefix_len = fq_cose_tbs_prefix(protected_map, protected_len, payload_len, prefix),
		.fd = st->fd,
		.off = 0,
		.len = payload_len,
	};
	rc = fq_cose_sign(key, &msg, sig, w->err, sizeof(w->err));
	if (rc)
		return rc;

	size_t n = fq_cose_sign1_prefix(protected_map, protected_len, payload_len, prefix);
	fq_out_write(w->out, prefix, n);
	rc = copy_payload(w, payload_len);
	if (rc) {
		snprintf(w->err, sizeof(w->err),
			 "%s: reading the payload's temporary file failed: %s",
			 w->signer->scratch_dir, strerror(-rc));
		return -EIO;
	}
	fq_out_write(w->out, suffix, fq_cose_sign1_suffix(sig, suffix));
	return 0;
}

static void cose_destroy(struct fq_writer *w)
{
	struct cose_state *st = w->priv;
	if (!st)
		return;
	if (st->fd >= 0)
		close(st->fd);
	free(st->kid);
	free(st);
}

const struct fq_writer_ops fq_cose_sign1_ops = {cose_begin, cose_record, cose_end, cose_destroy};
