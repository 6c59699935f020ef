/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Process exit codes of flowrec and flowq. Documented in both tools' --help
 * and in README.md; scripts depend on them, so values never change meaning.
 */
#ifndef FLOWAUDIT_FA_EXIT_H
#define FLOWAUDIT_FA_EXIT_H

enum fa_exit {
	FA_EXIT_OK = 0,
	FA_EXIT_VERIFY_FAILED = 1, /* flowq verify found problems in a database */
	FA_EXIT_USAGE = 2, /* bad command line: option or value */
	FA_EXIT_DB = 3, /* database could not be opened, created or written */
	FA_EXIT_SOURCE = 4, /* capture source failed (BPF load/attach, netns, replay file) */
	FA_EXIT_UNSUPPORTED = 5, /* feature not built in or not supported by this host */
	FA_EXIT_NOT_FLOWAUDIT = 6, /* file is not a flowaudit database, or a newer schema */
	FA_EXIT_IO = 7, /* output could not be written (flowq --output or stdout; flowrec --tee) */
	FA_EXIT_PRIVS = 8, /* privilege drop failed */
	FA_EXIT_BAD_SIGNATURE = 9, /* flowq verify-export: the signature does not verify */
	FA_EXIT_NOT_COSE = 10, /* file to check unreadable, or not a COSE_Sign1 flowq can check */
	FA_EXIT_KEY_TYPE = 11, /* key is not Ed25519 or ECDSA P-256, or not the file's alg */
	FA_EXIT_KEY_UNREADABLE = 12, /* key file unreadable, not a PEM key of the right kind,
					encrypted without (or with a wrong) passphrase */
	FA_EXIT_INTERNAL = 70,
};

#endif
