#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# Kept for old command lines: the export part of bench/run.sh (flowq export
# ndjson and cbor-seq beside sqlite3 -json on the same rows) on one size.
#   bench/export_bench.sh [BUILD_DIR] [EVENTS]
# The report goes to stdout and ${TMPDIR:-/tmp}/flowaudit-export-bench.md,
# never to bench/RESULTS.md.
exec bash "$(dirname "$0")/run.sh" --build-dir "${1:-build}" --no-build --only export \
	--sizes "${2:-1000000}" --out "${TMPDIR:-/tmp}/flowaudit-export-bench.md"
