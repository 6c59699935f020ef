/* SPDX-License-Identifier: Apache-2.0 */
/*
 * flowq's top level: --help, --version, and dispatch to a sub-command. In the
 * core library (not in main) so tests can drive whole commands in-process.
 */
#include "commands.h"

#include "fa_exit.h"
#include "fa_version.h"

#include <stdio.h>
#include <string.h>

int fq_main(int argc, char **argv)
{
	if (argc < 2) {
		fputs("flowq: missing command (runs, export, flows, summary, health, verify, "
		      "verify-export; see flowq --help)\n",
		      stderr);
		return FA_EXIT_USAGE;
	}
	const char *name = argv[1];
	if (strcmp(name, "--help") == 0 || strcmp(name, "-h") == 0 || strcmp(name, "help") == 0) {
		fq_help_print_main(stdout);
		return FA_EXIT_OK;
	}
	if (strcmp(name, "--version") == 0) {
		printf("flowq %s (schema %s)\n", FLOWAUDIT_VERSION, FA_DECISION_SCHEMA_VERSION);
		return FA_EXIT_OK;
	}
	for (const struct fq_command *cmd = fq_commands; cmd->name; cmd++) {
		if (strcmp(cmd->name, name) != 0)
			continue;
		struct fq_cli cli;
		int rc = fq_cli_parse(cmd, argc - 1, argv + 1, &cli);
		if (rc < 0)
			return fflush(stdout) == 0 ? FA_EXIT_OK : FA_EXIT_IO;
		if (rc)
			return rc;
		return cmd->run(&cli);
	}
	fprintf(stderr,
		"flowq: unknown command '%.64s' (expected runs, export, flows, summary, "
		"health, verify or verify-export; see flowq --help)\n",
		name);
	return FA_EXIT_USAGE;
}
