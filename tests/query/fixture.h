/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Test databases with known contents for flowq's tests: created through
 * fa_db_open_writer (so they carry the real schema and identity), then filled
 * with plain INSERTs of hand-picked rows. The values are listed in fixture.c;
 * tests compare flowq's output against them.
 */
#ifndef FLOWQ_TEST_FIXTURE_H
#define FLOWQ_TEST_FIXTURE_H

#include <stdint.h>

/* 2026-05-06T12:00:00Z in UTC ns: the fixtures' time origin. */
#define FX_T0 (1778068800LL * 1000000000LL)
#define FX_S 1000000000LL

/* cell-a: runs run-1 (ended, stamped) and run-2 (killed); 6 events, 5 flows. Returns 0 or -1. */
int fx_create_cell_a(const char *path);
/* cell-b: run run-b1; 3 events interleaving cell-a's in time. Returns 0 or -1. */
int fx_create_cell_b(const char *path);
/* One run "bulk" of cell "cell-bulk" with n events and n flows. Returns 0 or -1. */
int fx_create_bulk(const char *path, long n);

/*
 * Rewrite a fixture database the way flowrec stores decisions since migration
 * 006: each opening decision that has a flows row moves into it, and the row
 * takes the decision's key, (run_pk << 32) + seq, as flow_id. flowq must read
 * the same decisions from either layout. Returns 0 or -1.
 */
int fx_move_openings_to_flows(const char *path);

#endif
