/* SPDX-License-Identifier: Apache-2.0 */
/* What each error means as an exit code; see exit_code.h. */
#include "exit_code.h"

#include <errno.h>

int fq_exit_code(int err, int otherwise)
{
	switch (-err) {
	case 0:
		return FA_EXIT_OK;
	case EINVAL:
		return FA_EXIT_USAGE;
	case EMEDIUMTYPE:
		return FA_EXIT_NOT_FLOWAUDIT;
	case EUCLEAN:
		return FA_EXIT_DB;
	case EPROTO:
		return FA_EXIT_NOT_COSE;
	case EBADMSG:
		return FA_EXIT_BAD_SIGNATURE;
	case EKEYREJECTED:
		return FA_EXIT_KEY_TYPE;
	case ENOKEY:
		return FA_EXIT_KEY_UNREADABLE;
	case ENOMEM:
	case EFAULT:
		return FA_EXIT_INTERNAL;
	default:
		return otherwise;
	}
}
