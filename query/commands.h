/* SPDX-License-Identifier: Apache-2.0 */
/*
 * flowq's sub-commands. Each takes the parsed command line and returns an
 * fa_exit code; its --help text lives in help.c.
 */
#ifndef FLOWQ_COMMANDS_H
#define FLOWQ_COMMANDS_H

#include "cli.h"

int fq_cmd_runs(const struct fq_cli *cli);
int fq_cmd_export(const struct fq_cli *cli);
int fq_cmd_flows(const struct fq_cli *cli);
int fq_cmd_summary(const struct fq_cli *cli);
int fq_cmd_health(const struct fq_cli *cli);
int fq_cmd_verify(const struct fq_cli *cli);
int fq_cmd_verify_export(const struct fq_cli *cli);

/* The sub-command table, terminated by a NULL name. */
extern const struct fq_command fq_commands[];
/* Print the top-level --help. */
void fq_help_print_main(FILE *f);
/* Print cmd's --help. */
void fq_help_print(const struct fq_command *cmd, FILE *f);
/* flowq health --help's COUNTERS section, from the health counter list. */
void fq_help_health_counters(FILE *f);
/* Run flowq with argv (argv[0] is the program). Returns the process exit code. */
int fq_main(int argc, char **argv);

#endif
