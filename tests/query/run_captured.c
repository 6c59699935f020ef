/* SPDX-License-Identifier: Apache-2.0 */
/* flowq's main with stdout captured; see run_captured.h. */
#include "run_captured.h"

#include "commands.h"

#include <stdio.h>
#include <unistd.h>

int fq_run_captured(int argc, char **argv, const char *scratch_path, char *out, size_t len)
{
	fflush(stdout);
	FILE *f = fopen(scratch_path, "w+");
	if (!f)
		return -1;
	int saved = dup(STDOUT_FILENO);
	dup2(fileno(f), STDOUT_FILENO);
	int rc = fq_main(argc, argv);
	fflush(stdout);
	dup2(saved, STDOUT_FILENO);
	close(saved);
	rewind(f);
	size_t n = fread(out, 1, len - 1, f);
	out[n] = '\0';
	fclose(f);
	return rc;
}
