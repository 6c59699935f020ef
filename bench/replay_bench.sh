#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# Kept for old command lines: the ingest part of bench/run.sh (flowrec
# --replay beside the schema's ceiling and the raw row rate) on one size.
#   bench/replay_bench.sh BUILD_DIR [N] [ROUNDS]
# The report goes to stdout and ${TMPDIR:-/tmp}/flowaudit-replay-bench.md,
# never to bench/RESULTS.md.
exec bash "$(dirname "$0")/run.sh" --build-dir "${1:?usage: replay_bench.sh BUILD_DIR [N] [ROUNDS]}" \
	--no-build --only ingest --sizes "${2:-1000000}" --rounds "${3:-2}" \
	--out "${TMPDIR:-/tmp}/flowaudit-replay-bench.md"
