/* SPDX-License-Identifier: Apache-2.0 */
/*
 * fq_fixture: create a test database for flowq's script tests and bench.
 *   fq_fixture PATH cell-a | cell-b | bulk N | flow-rows
 * flow-rows rewrites the database at PATH (made by one of the others) with
 * its opening decisions in their flows rows (fx_move_openings_to_flows).
 */
#include "fixture.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int main(int argc, char **argv)
{
	if (argc >= 3 && strcmp(argv[2], "cell-a") == 0)
		return fx_create_cell_a(argv[1]) ? 1 : 0;
	if (argc >= 3 && strcmp(argv[2], "cell-b") == 0)
		return fx_create_cell_b(argv[1]) ? 1 : 0;
	if (argc >= 4 && strcmp(argv[2], "bulk") == 0)
		return fx_create_bulk(argv[1], strtol(argv[3], NULL, 10)) ? 1 : 0;
	if (argc >= 3 && strcmp(argv[2], "flow-rows") == 0)
		return fx_move_openings_to_flows(argv[1]) ? 1 : 0;
	fprintf(stderr, "usage: fq_fixture PATH cell-a | cell-b | bulk N | flow-rows\n");
	return 2;
}
