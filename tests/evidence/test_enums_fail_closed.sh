#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# Stored values fail closed: a database edited to hold decision='maybe' or
# direction='sideways' exported allow/egress and verify said ok. Now export
# fails (exit 3, one line naming the value, no --output file left) and verify
# reports the rows (check "enums", exit 1). summary, which counts denials,
# fails as export does rather than count 'maybe' as allowed.
# Usage: test_enums_fail_closed.sh FLOWREC FLOWQ
. "$(dirname "$0")/lib.sh"
FLOWREC=$1 FLOWQ=$2
# Decisions 1 and 2 open flows (their flows rows hold them); 3, a v1 record
# repeating 1, is a later decision: a flow_events row.
$FRAMES "$TMP/in.bin" "v1 t=1s" "v2 src=10.0.0.1:50000 t=2s verdict=2" "v1 t=3s"
"$FLOWREC" --db "$TMP/good.db" --cell c --run r --replay "$TMP/in.bin" --quiet
"$FLOWQ" verify --db "$TMP/good.db" --format ndjson >"$TMP/v" || fail "verify of a good database: $(cat "$TMP/v")"
check_eq "verify has the enums check" ok "$(jq -r 'select(.check=="enums") | .status' "$TMP/v")"

edit() { # NAME SQL: a copy of the good database with SQL applied past the CHECK constraints
	cp "$TMP/good.db" "$TMP/$1.db"
	q "$TMP/$1.db" "PRAGMA ignore_check_constraints = ON; $2"
}
edit maybe "UPDATE flows SET decision = 'maybe' WHERE flow_id % 4294967296 = 2"
edit sideways "UPDATE flows SET direction = 'sideways' WHERE flow_id % 4294967296 = 1"
edit blob "UPDATE flows SET decision = CAST('deny' AS BLOB) WHERE flow_id % 4294967296 = 2"
edit family "UPDATE flows SET family = 5 WHERE flow_id % 4294967296 = 1"
edit later "UPDATE flow_events SET decision = 'maybe' WHERE seq = 3"
edit flowstate "UPDATE flows SET state = 'half-open', close_reason = 'bored' WHERE flow_id % 4294967296 = 1"

for case in maybe:decision:"'maybe'" sideways:direction:"'sideways'" blob:decision:"'deny'" family:family:"'5'" later:decision:"'maybe'"; do
	IFS=: read -r name column shown <<<"$case"
	for fmt in ndjson cbor; do
		"$FLOWQ" export --db "$TMP/$name.db" --format $fmt --output "$TMP/$name.$fmt" 2>"$TMP/err"
		check_eq "$name: export --format $fmt fails" 3 $?
		check_eq "$name: one line" 1 "$(wc -l <"$TMP/err")"
		grep -q "holds $column $shown, not .*refusing to export a value outside its enum" "$TMP/err" ||
			fail "$name: message: $(cat "$TMP/err")"
		[ -e "$TMP/$name.$fmt" ] && fail "$name: an --output file was left"
	done
	"$FLOWQ" export --db "$TMP/$name.db" --format ndjson >"$TMP/out" 2>/dev/null
	check_eq "$name: export to stdout fails too" 3 $?
	grep -q '"decision":"allow".*"direction":"egress".*c:r:2\|"c:r:2".*"decision":"allow"' "$TMP/out" &&
		fail "$name: a defaulted value was exported"
	"$FLOWQ" verify --db "$TMP/$name.db" --format ndjson >"$TMP/v"
	check_eq "$name: verify exit" 1 $?
	check_eq "$name: verify names the check" "problem" "$(jq -r 'select(.check=="enums") | .status' "$TMP/v")"
done
for case in maybe:"'maybe'" blob:"'deny'"; do
	IFS=: read -r name shown <<<"$case"
	"$FLOWQ" summary --db "$TMP/$name.db" --format ndjson >"$TMP/out" 2>"$TMP/err"
	check_eq "$name: summary fails" 3 $?
	check_eq "$name: summary says it in one line" 1 "$(wc -l <"$TMP/err")"
	grep -q "holds decision $shown, not allow or deny; refusing to count a value outside its enum" "$TMP/err" ||
		fail "$name: summary message: $(cat "$TMP/err")"
	check_eq "$name: summary writes no report" 0 "$(wc -c <"$TMP/out")"
	# The row filtered out, the rest summarises.
	"$FLOWQ" summary --db "$TMP/$name.db" --decision allow --format ndjson >/dev/null ||
		fail "$name: summary of the other rows"
done
check_eq "verify names the flow_events row of a later decision" \
	"1 rows hold a value outside its enum; first: flow_events event_id 4294967299: direction 'egress', decision 'maybe', family 4" \
	"$(jq -r 'select(.check=="enums") | .detail' "$TMP/v")"
"$FLOWQ" verify --db "$TMP/maybe.db" --format ndjson >"$TMP/v"
check_eq "verify names the flows row of an opening decision" \
	"1 rows hold a value outside its enum; first: flows flow_id 4294967298: direction 'egress', decision 'maybe', state 'closed', close_reason 'run_end', family 4" \
	"$(jq -r 'select(.check=="enums") | .detail' "$TMP/v")"
"$FLOWQ" verify --db "$TMP/flowstate.db" --format ndjson >"$TMP/v"
check_eq "flows state/close_reason: verify exit" 1 $?
check_eq "flows state/close_reason: the row is named" "problem|1 rows hold a value outside its enum; first: flows flow_id 4294967297: direction 'egress', decision 'allow', state 'half-open', close_reason 'bored', family 4" \
	"$(jq -r 'select(.check=="enums") | .status + "|" + .detail' "$TMP/v")"
finish
