/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Dropping privileges once the privileged work (BPF load and attach, netlink
 * bind, opening the database) is done: switch to a user, drop supplementary
 * groups, forbid regaining privileges, and verify no capability is left.
 */
#ifndef FLOWAUDIT_PRIVDROP_H
#define FLOWAUDIT_PRIVDROP_H

#include <stddef.h>

/*
 * Become user (name or numeric uid) with that user's primary group, no
 * supplementary groups, PR_SET_NO_NEW_PRIVS, and an empty capability set
 * (checked after the switch). 0, or -errno with a one-line reason in err
 * (-ENOENT: no such user; -EINVAL: uid 0; -EPERM: privileges remain).
 */
int privdrop_to_user(const char *user, char *err, size_t errlen);

#endif
