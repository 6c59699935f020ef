/* SPDX-License-Identifier: Apache-2.0 */
/*
 * flowq verify-export --pubkey PUB.pem FILE: check a signed export (a
 * COSE_Sign1 written by flowq export --format cose-sign1). The file is
 * mapped read-only, its structure parsed in place (cose.h), the key's type
 * matched with the protected alg, the signature checked over the rebuilt
 * Sig_structure (cose_sig.h), and the payload walked to count its records.
 * Prints "ok alg=ALG kid=KID records=N" on success; see flowq verify-export
 * --help for the exit codes of each failure.
 */
#include "commands.h"

#include "cose.h"
#include "cose_key.h"
#include "cose_sig.h"
#include "fa_exit.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

/*
 * The kid as printed: its bytes when they are printable ASCII without
 * spaces (and could not be read as the other forms), else h'HEX' as in CBOR
 * diagnostic notation; "(none)" when the header has no kid.
 */
static void print_kid(const uint8_t *kid, size_t len)
{
	if (!kid) {
		fputs("(none)", stdout);
		return;
	}
	bool plain = len > 0 && !(len >= 2 && kid[0] == 'h' && kid[1] == '\'') &&
		     !(len == 6 && memcmp(kid, "(none)", 6) == 0);
	for (size_t i = 0; i < len && plain; i++)
		plain = kid[i] > 0x20 && kid[i] < 0x7f;
	if (plain) {
		fwrite(kid, 1, len, stdout);
		return;
	}
	fputs("h'", stdout);
	for (size_t i = 0; i < len; i++)
		printf("%02x", kid[i]);
	fputc('\'', stdout);
}

/* The file to check, mapped read-only. */
struct mapped_file {
	int fd;
	uint8_t *map;
	size_t size;
};

/* Map cli->file and parse it as a COSE_Sign1 into *s. Returns 0 or -EPROTO (err set). */
static int map_sign1(const struct fq_cli *cli, struct mapped_file *f, struct fq_cose_sign1 *s,
		     char *err, size_t errlen)
{
	char why[512];
	struct stat sb;
	f->fd = open(cli->file, O_RDONLY | O_CLOEXEC);
	if (f->fd < 0 || fstat(f->fd, &sb)) {
		snprintf(err, errlen, "%s: cannot read: %s", cli->file, strerror(errno));
		return -EPROTO;
	}
	if (!S_ISREG(sb.st_mode) || sb.st_size == 0) {
		snprintf(err, errlen, "%s: not a COSE_Sign1: %s", cli->file,
			 S_ISREG(sb.st_mode) ? "the file is empty" : "not a regular file");
		return -EPROTO;
	}
	f->size = (size_t)sb.st_size;
	f->map = mmap(NULL, f->size, PROT_READ, MAP_PRIVATE, f->fd, 0);
	if (f->map == MAP_FAILED) {
		f->map = NULL;
		snprintf(err, errlen, "%s: cannot map: %s", cli->file, strerror(errno));
		return -EPROTO;
	}
	if (fq_cose_parse(f->map, f->size, s, why, sizeof(why))) {
		snprintf(err, errlen, "%s: not a COSE_Sign1: %s", cli->file, why);
		return -EPROTO;
	}
	return 0;
}

/*
 * Check s's signature with key over the Sig_structure rebuilt around the
 * file's payload, then count the payload's records. Returns 0 or -errno
 * (exit_code.h; err set).
 */
static int check_sign1(const struct fq_cli *cli, const struct fq_cose_key *key,
		       const struct mapped_file *f, const struct fq_cose_sign1 *s,
		       uint64_t *records, char *err, size_t errlen)
{
	char why[512];
	if (s->alg != key->alg) {
		snprintf(err, errlen, "%s: signed with %s, which needs an %s key; %s is not one",
			 cli->file, fq_cose_alg_name(s->alg), fq_cose_alg_key_type(s->alg),
			 cli->pubkey);
		return -EKEYREJECTED;
	}
	uint8_t *prefix = malloc(FQ_COSE_PREFIX_ROOM(s->protected_len));
	if (!prefix) {
		snprintf(err, errlen, "out of memory");
		return -ENOMEM;
	}
	const struct fq_cose_msg msg = {
		.prefix = prefix,
		.prefix_len = fq_cose_tbs_prefix(s->protected_map, s->protected_len, s->payload_len,
						 prefix),
		.fd = f->fd,
		.off = s->payload_off,
		.len = s->payload_len,
	};
	int rc = fq_cose_verify(key, &msg, s->sig, s->sig_len, why, sizeof(why));
	free(prefix);
	if (rc) {
		snprintf(err, errlen, "%s: %s", cli->file, why);
		return rc;
	}
	if (fq_cose_payload_records(f->map + s->payload_off, (size_t)s->payload_len, records, why,
				    sizeof(why))) {
		snprintf(err, errlen,
			 "%s: the signature verifies, but the payload is not a flowq export: %s",
			 cli->file, why);
		return -EPROTO;
	}
	return 0;
}

int fq_cmd_verify_export(const struct fq_cli *cli)
{
	struct fq_cose_key key = {0};
	struct fq_cose_sign1 s;
	struct mapped_file f = {.fd = -1};
	uint64_t records;
	char err[1024];
	int rc = fq_cose_key_load_public(cli->pubkey, &key, err, sizeof(err));
	if (!rc)
		rc = map_sign1(cli, &f, &s, err, sizeof(err));
	if (!rc)
		rc = check_sign1(cli, &key, &f, &s, &records, err, sizeof(err));
	if (rc) {
		fq_error(cli, "%s", err);
		rc = fq_exit_code(rc, FA_EXIT_NOT_COSE);
	} else {
		printf("ok alg=%s kid=", fq_cose_alg_name(s.alg));
		print_kid(s.kid, s.kid_len);
		printf(" records=%" PRIu64 "\n", records);
		rc = fflush(stdout) == 0 ? FA_EXIT_OK : FA_EXIT_IO;
	}
	if (f.map)
		munmap(f.map, f.size);
	if (f.fd >= 0)
		close(f.fd);
	fq_cose_key_free(&key);
	return rc;
}
