/* SPDX-License-Identifier: Apache-2.0 */
/*
 * flowq's sub-commands: the table of them (commands.c), the function of
 * each, which takes the parsed command line and returns an fa_exit code,
 * and their --help texts, generated from the tables (help.c).
 */
#ifndef FLOWQ_COMMANDS_H
#define FLOWQ_COMMANDS_H

#include "cli.h"
#include "exit_code.h"

#include <stdio.h>

/* flowq summary's ranking size without --limit. */
#define FQ_SUMMARY_TOP 10

int fq_cmd_runs(const struct fq_cli *cli);
int fq_cmd_export(const struct fq_cli *cli);
int fq_cmd_flows(const struct fq_cli *cli);
int fq_cmd_summary(const struct fq_cli *cli);
int fq_cmd_health(const struct fq_cli *cli);
int fq_cmd_verify(const struct fq_cli *cli);
int fq_cmd_verify_export(const struct fq_cli *cli);

/* The sub-command table, terminated by a NULL name. */
extern const struct fq_command fq_commands[];

/* Print flowq --help. */
void fq_help_print_main(FILE *f);
/* Print flowq CMD --help. */
void fq_help_print(const struct fq_command *cmd, FILE *f);
/* Write the command names, "a, b, c" (last_sep "or": "a, b or c"), into buf. */
void fq_help_command_list(char *buf, size_t len, const char *last_sep);
/* flowq health --help's COUNTERS section, from the health counter list. */
void fq_help_health_counters(FILE *f);

/* Run flowq with argv (argv[0] is the program). Returns the process exit code. */
int fq_main(int argc, char **argv);

#endif
