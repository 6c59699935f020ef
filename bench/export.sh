#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# Export, one input size: bench/export.sh N (environment from bench/run.sh).
#
# On the database the ingest part left ($WORK/db-N.db; made here by one
# replay if that part did not run), with the file in the page cache:
#   ndjson, cbor-seq   flowq export --format ndjson / cbor-seq, every record
#   sqlite3-json       sqlite3 -readonly -json running the very statement
#                      flowq runs (bench/export_sql --sql), so the same rows
#   filtered-ndjson, filtered-sqlite3-json
#                      the same with one /24 destination (198.51.100.0/24,
#                      the generator's most popular) and the capture's first
#                      hour
# Timed runs write to /dev/null (what is measured is producing the bytes);
# the record counts are checked in a separate, untimed pass of each command.
# The query plans (EXPLAIN QUERY PLAN of the statement flowq prepares) go to
# $NOTES/plan-N-all.txt and plan-N-filtered.txt.
. "$(dirname "$0")/lib.sh"
N=${1:?usage: export.sh N}
DB=$WORK/db-$N.db
DST=198.51.100.0/24

if [ ! -f "$DB" ]; then
	"$BIN_FLOWREC" --db "$DB" --cell bench --run export --replay "$WORK/mix-$N.bin" --quiet ||
		die "flowrec --replay failed"
fi
t_min=$(sql "$DB" "SELECT min(observed_at) / 1000000000 FROM flow_events_all")
[ -n "$t_min" ] || die "$DB has no decisions"
SINCE=$(date -u -d "@$t_min" +%Y-%m-%dT%H:%M:%SZ)
UNTIL=$(date -u -d "@$((t_min + 3600))" +%Y-%m-%dT%H:%M:%SZ)
FILTER=(--dst "$DST" --since "$SINCE" --until "$UNTIL")
printf 'filter: --dst %s --since %s --until %s\n' "$DST" "$SINCE" "$UNTIL" >"$NOTES/filter-$N.txt"

"$BIN_EXPORT_SQL" --db "$DB" --sql >"$WORK/all.sql" || die "export_sql failed"
"$BIN_EXPORT_SQL" --db "$DB" --sql "${FILTER[@]}" >"$WORK/filtered.sql" || die "export_sql failed"
"$BIN_EXPORT_SQL" --db "$DB" --plan >"$NOTES/plan-$N-all.txt" || die "export_sql --plan failed"
"$BIN_EXPORT_SQL" --db "$DB" --plan "${FILTER[@]}" >"$NOTES/plan-$N-filtered.txt" ||
	die "export_sql --plan failed"
ALL_SQL=$(cat "$WORK/all.sql")
FILTERED_SQL=$(cat "$WORK/filtered.sql")

# subject_cmd NAME: the command of one subject, in CMD (an array).
subject_cmd() {
	case $1 in
	ndjson) CMD=("$BIN_FLOWQ" export --db "$DB" --format ndjson) ;;
	cbor-seq) CMD=("$BIN_FLOWQ" export --db "$DB" --format cbor-seq) ;;
	sqlite3-json) CMD=(sqlite3 -readonly -json "$DB" "$ALL_SQL") ;;
	filtered-ndjson) CMD=("$BIN_FLOWQ" export --db "$DB" --format ndjson "${FILTER[@]}") ;;
	filtered-sqlite3-json) CMD=(sqlite3 -readonly -json "$DB" "$FILTERED_SQL") ;;
	*) die "unknown export subject $1" ;;
	esac
}
SUBJECTS=(ndjson cbor-seq sqlite3-json filtered-ndjson filtered-sqlite3-json)

# The counts, untimed: every ndjson and sqlite3 -json line is one record.
record export "$N" table 0 records "$(sql "$DB" "SELECT count(*) FROM flow_events_all")"
# The filter's rows counted independently of flowq's SQL: the stored address
# range of the CIDR (IPv4 mapped into IPv6) and the hour in UTC ns.
read -r lo hi <<<"$(python3 -c 'import ipaddress, sys
n = ipaddress.ip_network(sys.argv[1])
v6 = lambda a: ipaddress.IPv6Address("::ffff:" + str(a)) if a.version == 4 else a
print(v6(n.network_address).packed.hex(), v6(n.broadcast_address).packed.hex())' "$DST")"
record export "$N" table 0 filtered_records "$(sql "$DB" "SELECT count(*) FROM flow_events_all
	WHERE dst_addr BETWEEN x'$lo' AND x'$hi' AND observed_at >= $t_min * 1000000000
	AND observed_at < ($t_min + 3600) * 1000000000")"
for s in "${SUBJECTS[@]}"; do
	subject_cmd "$s"
	if [ "$s" = cbor-seq ]; then
		"${CMD[@]}" >"$WORK/out.cbor" || die "$s failed"
		n=$("$BIN_CBOR_COUNT" "$WORK/out.cbor") || die "cbor-seq output is not a CBOR sequence"
		record export "$N" "$s" 0 bytes "$(stat -c %s "$WORK/out.cbor")"
		rm -f "$WORK/out.cbor"
	else
		n=$("${CMD[@]}" | wc -l) || die "$s failed"
	fi
	record export "$N" "$s" 0 records "$n"
done

cat "$DB" >/dev/null # every reader starts from a warm page cache
for ((r = 1; r <= ROUNDS; r++)); do
	printf '  export %s events, round %d of %d\n' "$N" "$r" "$ROUNDS" >&2
	order=("${SUBJECTS[@]}")
	if ((r % 2 == 0)); then # reversed every other round
		order=()
		for ((i = ${#SUBJECTS[@]} - 1; i >= 0; i--)); do order+=("${SUBJECTS[i]}"); done
	fi
	for s in "${order[@]}"; do
		subject_cmd "$s"
		measure /dev/null "${CMD[@]}"
		record export "$N" "$s" "$r" seconds "$SECS"
		record export "$N" "$s" "$r" rss_kb "$RSS_KB"
	done
done
exit 0
