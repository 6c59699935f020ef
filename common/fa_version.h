/* SPDX-License-Identifier: Apache-2.0 */
#ifndef FLOWAUDIT_FA_VERSION_H
#define FLOWAUDIT_FA_VERSION_H

#include "fa_project_version.h" /* FLOWAUDIT_VERSION, from CMake */

#define FLOWAUDIT_VERSION_STRING "flowaudit " FLOWAUDIT_VERSION
/* PRAGMA application_id of every flowaudit database: ASCII "FLAU". */
#define FA_APPLICATION_ID 0x464C4155
/* NetworkFlowDecision schema_version exported by flowq. */
#define FA_DECISION_SCHEMA_VERSION "1.0.0"

#endif
