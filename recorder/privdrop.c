/* SPDX-License-Identifier: Apache-2.0 */
/* Privilege drop; see privdrop.h. */
#include "privdrop.h"

#include <errno.h>
#include <grp.h>
#include <linux/capability.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <unistd.h>

/* 1 when a capability is left, 0 when none, -errno when they cannot be read. */
static int capabilities_left(void)
{
	struct __user_cap_header_struct head = {.version = _LINUX_CAPABILITY_VERSION_3, .pid = 0};
	struct __user_cap_data_struct data[_LINUX_CAPABILITY_U32S_3];
	memset(data, 0, sizeof(data));
	if (syscall(SYS_capget, &head, data) != 0)
		return -errno;
	for (int i = 0; i < _LINUX_CAPABILITY_U32S_3; i++)
		if (data[i].effective || data[i].permitted || data[i].inheritable)
			return 1;
	return 0;
}

int privdrop_to_user(const char *user, char *err, size_t errlen)
{
	errno = 0;
	struct passwd *pw = getpwnam(user);
	if (!pw) {
		char *end = NULL;
		unsigned long uid = strtoul(user, &end, 10);
		if (user[0] >= '0' && user[0] <= '9' && *end == '\0')
			pw = getpwuid((uid_t)uid);
	}
	if (!pw) {
		snprintf(err, errlen, "--user %s: no such user", user);
		return -ENOENT;
	}
	if (pw->pw_uid == 0) {
		snprintf(err, errlen, "--user %s: refusing to 'drop' to uid 0", user);
		return -EINVAL;
	}
	if (setgroups(0, NULL) != 0 || setresgid(pw->pw_gid, pw->pw_gid, pw->pw_gid) != 0 ||
	    setresuid(pw->pw_uid, pw->pw_uid, pw->pw_uid) != 0) {
		int e = errno;
		snprintf(err, errlen, "--user %s: switching user failed: %s", user, strerror(e));
		return -e;
	}
	/* A root -> non-root setresuid clears the capability sets (no keep-caps);
	 * clear the ambient set and forbid any way back all the same. */
	prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_CLEAR_ALL, 0, 0, 0);
	if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0) {
		int e = errno;
		snprintf(err, errlen, "--user %s: PR_SET_NO_NEW_PRIVS failed: %s", user,
			 strerror(e));
		return -e;
	}
	if (setuid(0) == 0) {
		snprintf(err, errlen, "--user %s: could regain root after the switch", user);
		return -EPERM;
	}
	if (capabilities_left() != 0) {
		snprintf(err, errlen, "--user %s: capabilities remain after the switch", user);
		return -EPERM;
	}
	return 0;
}
