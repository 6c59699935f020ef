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

int fq_cmd_verify_export(const struct fq_cli *cli)
{
	struct fq_cose_key key = {0};
	struct fq_cose_sign1 s;
	uint8_t *map = NULL, *prefix = NULL;
	size_t size = 0;
	char err[1024], why[512];
	int fd = -1;
	int rc = fq_cose_key_load_public(cli->pubkey, &key, err, sizeof(err));
	if (rc)
		goto fail;

	rc = -FA_EXIT_NOT_COSE;
	struct stat sb;
	fd = open(cli->file, O_RDONLY | O_CLOEXEC);
	if (fd < 0 || fstat(fd, &sb)) {
		snprintf(err, sizeof(err), "%s: cannot read: %s", cli->file, strerror(errno));
		goto fail;
	}
	if (!S_ISREG(sb.st_mode) || sb.st_size == 0) {
		snprintf(err, sizeof(err), "%s: not a COSE_Sign1: %s", cli->file,
			 S_ISREG(sb.st_mode) ? "the file is empty" : "not a regular file");
		goto fail;
	}
	size = (size_t)sb.st_size;
	map = mmap(NULL, size, PROT_READ, MAP_PRIVATE, fd, 0);
	if (map == MAP_FAILED) {
		map = NULL;
		snprintf(err, sizeof(err), "%s: cannot map: %s", cli->file, strerror(errno));
		goto fail;
	}
	if (fq_cose_parse(map, size, &s, why, sizeof(why))) {
		snprintf(err, sizeof(err), "%s: not a COSE_Sign1: %s", cli->file, why);
		goto fail;
	}
	if (s.alg != key.alg) {
		snprintf(err, sizeof(err),
			 "%s: signed with %s, which needs an %s key; %s is not one", cli->file,
			 fq_cose_alg_name(s.alg), fq_cose_alg_key_type(s.alg), cli->pubkey);
		rc = -FA_EXIT_KEY_TYPE;
		goto fail;
	}

	prefix = malloc(FQ_COSE_PREFIX_ROOM(s.protected_len));
	if (!prefix) {
		snprintf(err, sizeof(err), "out of memory");
		rc = -FA_EXIT_INTERNAL;
		goto fail;
	}
	const struct fq_cose_msg msg = {
		.prefix = prefix,
		.prefix_len =
			fq_cose_tbs_prefix(s.protected_map, s.protected_len, s.payload_len, prefix),
		.fd = fd,
		.off = s.payload_off,
		.len = s.payload_len,
	};
	rc = fq_cose_verify(&key, &msg, s.sig, s.sig_len, why, sizeof(why));
	if (rc) {
		snprintf(err, sizeof(err), "%s: %s", cli->file, why);
		goto fail;
	}
	uint64_t records;
	if (fq_cose_payload_records(map + s.payload_off, (size_t)s.payload_len, &records, why,
				    sizeof(why))) {
		snprintf(err, sizeof(err),
			 "%s: the signature verifies, but the payload is not a flowq export: %s",
			 cli->file, why);
		rc = -FA_EXIT_NOT_COSE;
		goto fail;
	}
	printf("ok alg=%s kid=", fq_cose_alg_name(s.alg));
	print_kid(s.kid, s.kid_len);
	printf(" records=%" PRIu64 "\n", records);
	rc = fflush(stdout) == 0 ? FA_EXIT_OK : FA_EXIT_IO;
	goto done;
fail:
	fq_error(cli, "%s", err);
	rc = -rc;
done:
	free(prefix);
	if (map)
		munmap(map, size);
	if (fd >= 0)
		close(fd);
	fq_cose_key_free(&key);
	return rc;
}
