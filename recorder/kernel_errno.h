/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Error numbers the kernel returns that libc's errno.h does not name. A BPF
 * feature this kernel lacks can come back as any of EINVAL, EOPNOTSUPP or
 * the kernel-internal ENOTSUPP, depending on the kernel version.
 */
#ifndef FLOWAUDIT_KERNEL_ERRNO_H
#define FLOWAUDIT_KERNEL_ERRNO_H

#include <errno.h>
#include <stdbool.h>

/* The kernel's "operation not supported" (include/linux/errno.h). */
#define FA_ENOTSUPP 524

/* Whether err (positive) says "this kernel does not have that", not a failure. */
static inline bool kernel_errno_unsupported(int err)
{
	return err == EINVAL || err == EOPNOTSUPP || err == FA_ENOTSUPP;
}

#endif
