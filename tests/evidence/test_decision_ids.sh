#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# decision_id is unique, always: ids containing ':' or '%' cannot collide,
# flowrec refuses ids that are not clean UTF-8 (exit 2, one line), ids stored
# as invalid UTF-8 (a hand-edited or old database) still export distinct, and
# flowq verify finds two runs that would export the same ids, in one database
# and across the --db set. One file given twice as --db is refused.
# Usage: test_decision_ids.sh FLOWREC FLOWQ
. "$(dirname "$0")/lib.sh"
FLOWREC=$1 FLOWQ=$2
DB=$TMP/ids.db
$FRAMES "$TMP/one.bin" "v1 t=1s"

# Cell "a:b" run "c" and cell "a" run "b:c": once "a:b:c:1" twice.
"$FLOWREC" --db "$DB" --cell a:b --run c --replay "$TMP/one.bin" --quiet
"$FLOWREC" --db "$DB" --cell a --run b:c --replay "$TMP/one.bin" --quiet
"$FLOWREC" --db "$DB" --cell 'a%3Ab' --run c --replay "$TMP/one.bin" --quiet
# (Sorted: each run measured its own clock offsets, so their order in time varies.)
check_eq "ids with ':' and '%' are encoded" "a%253Ab:c:1 a%3Ab:c:1 a:b%3Ac:1" \
	"$("$FLOWQ" export --db "$DB" --format ndjson | jq -r .decision_id | sort | paste -sd' ')"
check_eq "cell_id and run_id themselves are exported as given" "a%3Ab/c a/b:c a:b/c" \
	"$("$FLOWQ" export --db "$DB" --format ndjson | jq -r '.cell_id + "/" + .run_id' | sort | paste -sd' ')"
"$FLOWQ" verify --db "$DB" --format ndjson >"$TMP/v" || fail "verify of distinct runs: $(cat "$TMP/v")"
check_eq "verify checks decision_ids" ok "$(jq -r 'select(.check=="decision_ids") | .status' "$TMP/v")"

# flowrec refuses ids that are not valid UTF-8 or hold control characters.
for bad in $'x\xff' $'run\nline' $'esc\x1b[2J'; do
	"$FLOWREC" --db "$DB" --cell c --run "$bad" --replay "$TMP/one.bin" 2>"$TMP/err"
	check_eq "exit 2 for an unclean --run" 2 $?
	check_eq "one line of error" 1 "$(wc -l <"$TMP/err")"
	grep -q -- "--run: value must be valid UTF-8 without control characters" "$TMP/err" ||
		fail "message: $(cat "$TMP/err")"
done
"$FLOWREC" --db "$DB" --cell $'c\xfe' --run r --replay "$TMP/one.bin" 2>/dev/null
check_eq "exit 2 for a non-UTF-8 --cell" 2 $?
check_eq "nothing recorded by refused starts" 3 "$(q "$DB" 'SELECT count(*) FROM runs')"

# Ids stored as invalid UTF-8 (edited by hand, or by an older recorder): both
# would read "x\uFFFD" after replacement, the ids stay apart.
cp "$DB" "$TMP/bytes.db"
q "$TMP/bytes.db" "UPDATE runs SET cell_id = CAST(X'78FF' AS TEXT) WHERE run_pk = 1;
	UPDATE runs SET cell_id = CAST(X'78FE' AS TEXT), run_id = 'c' WHERE run_pk = 2;
	UPDATE runs SET cell_id = CAST(X'7800FF' AS TEXT) WHERE run_pk = 3;"
check_eq "invalid bytes are encoded one by one" "x%00%FF:c:1 x%FE:c:1 x%FF:c:1" \
	"$("$FLOWQ" export --db "$TMP/bytes.db" --format ndjson | jq -r .decision_id | sort | paste -sd' ')"
check_eq "the same ids in CBOR" "x%00%FF:c:1 x%FE:c:1 x%FF:c:1" \
	"$("$FLOWQ" export --db "$TMP/bytes.db" --format cbor-seq | /usr/bin/python3 -c '
import cbor2, io, sys
f = io.BytesIO(sys.stdin.buffer.read()); out = []
while f.tell() < len(f.getbuffer()): out.append(cbor2.load(f)["decision_id"])
print(" ".join(sorted(out)))')"
"$FLOWQ" verify --db "$TMP/bytes.db" >/dev/null || fail "verify of distinct byte ids"

# Two runs with the same bytes (one stored as TEXT, one as BLOB, which the
# UNIQUE constraint tells apart but the export does not): verify says so.
cp "$DB" "$TMP/twice.db"
q "$TMP/twice.db" "UPDATE runs SET cell_id = CAST('a:b' AS BLOB), run_id = CAST('c' AS BLOB) WHERE run_pk = 2"
check_eq "the edited database exports one id twice" "a%3Ab:c:1 a%3Ab:c:1" \
	"$("$FLOWQ" export --db "$TMP/twice.db" --format ndjson | jq -r .decision_id | grep -x 'a%3Ab:c:1' | paste -sd' ')"
"$FLOWQ" verify --db "$TMP/twice.db" --format ndjson >"$TMP/v"
check_eq "verify exit for repeated ids" 1 $?
check_eq "verify names the run" "problem|run a%3Ab:c is recorded twice in this database; its decision_ids repeat" \
	"$(jq -r 'select(.check=="decision_ids") | .status + "|" + .detail' "$TMP/v")"

# Across the --db set: a copy of a database repeats every id.
cp "$DB" "$TMP/copy.db"
"$FLOWQ" verify --db "$DB" --db "$TMP/copy.db" --format ndjson >"$TMP/v"
check_eq "verify exit for a copy in the set" 1 $?
check_eq "the first database is fine alone, the copy repeats its ids" "ok problem" \
	"$(jq -r 'select(.check=="decision_ids") | .status' "$TMP/v" | paste -sd' ')"
jq -r 'select(.check=="decision_ids" and .status=="problem") | .detail' "$TMP/v" | grep -q "is also in $DB" ||
	fail "the repeat names the other database: $(cat "$TMP/v")"

# The same file twice, however it is spelt: refused, one line, exit 2.
ln -s "$DB" "$TMP/link.db"
ln "$DB" "$TMP/hard.db"
for other in "$DB" "$TMP/./ids.db" "$TMP/link.db" "$TMP/hard.db"; do
	for cmd in export runs verify summary; do
		"$FLOWQ" $cmd --db "$DB" --db "$other" >"$TMP/out" 2>"$TMP/err"
		check_eq "$cmd --db DB --db $other: exit" 2 $?
		check_eq "$cmd --db DB --db $other: one line, nothing written" "1|0" \
			"$(wc -l <"$TMP/err")|$(wc -c <"$TMP/out")"
	done
done
grep -q "the same file as --db $DB" "$TMP/err" || fail "message: $(cat "$TMP/err")"
finish
