/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The error convention of flowq's modules: a function returns 0 or -errno
 * (or NULL with errno set), with a one-line message written where the
 * error is found. Only the fq_cmd_* functions (and fq_stream_run, the body
 * they share) and fq_main turn an error into an exit code, with
 * fq_exit_code. Beyond the usual meanings, these errnos say:
 *
 *   EINVAL          a bad option, value or combination    FA_EXIT_USAGE
 *   EMEDIUMTYPE     not a flowaudit database, or a newer  FA_EXIT_NOT_FLOWAUDIT
 *                   schema (fa_db.h)
 *   EUCLEAN         a stored value outside its enum       FA_EXIT_DB
 *   EPROTO          not a COSE_Sign1 flowq can check      FA_EXIT_NOT_COSE
 *   EBADMSG         the signature does not verify         FA_EXIT_BAD_SIGNATURE
 *   EKEYREJECTED    a key of the wrong type               FA_EXIT_KEY_TYPE
 *   ENOKEY          a key that cannot be read or used     FA_EXIT_KEY_UNREADABLE
 *   ENOMEM, EFAULT  out of memory; a library or internal  FA_EXIT_INTERNAL
 *                   failure
 *
 * Any other error (EIO, ENOSPC, ...) means the step that failed: the
 * database (FA_EXIT_DB) or the output (FA_EXIT_IO), which the caller says.
 */
#ifndef FLOWQ_EXIT_CODE_H
#define FLOWQ_EXIT_CODE_H

#include "fa_exit.h"

/* The exit code of err (0 or -errno): the table above, else otherwise. */
int fq_exit_code(int err, int otherwise);

#endif
