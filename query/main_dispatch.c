/* SPDX-License-Identifier: Apache-2.0 */
/*
 * flowq's top level: --help, --version, and dispatch to a sub-command. In the
 * core library (not in main) so tests can drive whole commands in-process.
 * The one place, with the fq_cmd_* functions, that turns errors into exit
 * codes (with fq_exit_code, exit_code.h).
 */
#include "commands.h"

#include "fa_exit.h"
#include "fa_version.h"

#include <stdio.h>
#include <string.h>

int fq_main(int argc, char **argv)
{
	char names[160];
	if (argc < 2) {
		fq_help_command_list(names, sizeof(names), NULL);
		fprintf(stderr, "flowq: missing command (%s; see flowq --help)\n", names);
		return FA_EXIT_USAGE;
	}
	const char *name = argv[1];
	if (strcmp(name, "--help") == 0 || strcmp(name, "-h") == 0 || strcmp(name, "help") == 0) {
		fq_help_print_main(stdout);
		return fflush(stdout) == 0 ? FA_EXIT_OK : FA_EXIT_IO;
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
		if (rc)
			return fq_exit_code(rc, FA_EXIT_USAGE);
		if (cli.help) {
			fq_help_print(cmd, stdout);
			return fflush(stdout) == 0 ? FA_EXIT_OK : FA_EXIT_IO;
		}
		return cmd->run(&cli);
	}
	fq_help_command_list(names, sizeof(names), " or ");
	fprintf(stderr, "flowq: unknown command '%.64s' (expected %s; see flowq --help)\n", name,
		names);
	return FA_EXIT_USAGE;
}
