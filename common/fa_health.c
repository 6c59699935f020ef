/* SPDX-License-Identifier: Apache-2.0 */
/* The health counter list as data; see fa_health.h. */
#include "fa_health.h"

const struct fa_health_info fa_health_list[FA_HEALTH_COUNT] = {
#define FA_HEALTH_ENTRY(name, migration, verdict, filled_by, kernel, table, help)                  \
	[FA_HC_##name] = {#name, migration, FA_HEALTH_##verdict, FA_HEALTH_##filled_by,            \
			  table, help},
	FA_HEALTH_COUNTERS(FA_HEALTH_ENTRY)
#undef FA_HEALTH_ENTRY
};
