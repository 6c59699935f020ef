#!/bin/bash
# SPDX-License-Identifier: Apache-2.0
# flowrec@INSTANCE's start path, as installed (cmake --install into a staging
# root, the files the package ships): /usr/libexec/flowaudit/flowrec-instance
# reads INSTANCE.conf and starts flowrec with --db $STATE_DIRECTORY/INSTANCE.db,
# --cell INSTANCE and --run $INVOCATION_ID, as systemd runs it.
#
#  * a missing file, a bad instance name, an unknown key, a key set twice, an
#    empty value or a key the unit owns: exit 2 and exactly one line on
#    stderr naming the file (and line);
#  * a bad value is flowrec's own one-line error (exit 2);
#  * a good file: the options reach flowrec (values with spaces kept as they
#    are), SIGTERM ends the run cleanly (exit 0), and flowq shows the run
#    with the instance's cell id and the invocation id as run id.
#
# usage: test_instance.sh BUILD_DIR
here=$(cd "$(dirname "$0")" && pwd)
. "$here/../integration/lib.sh"
BUILD=$1
ROOT=$TMP/root
DESTDIR=$ROOT cmake --install "$BUILD" --prefix /usr >/dev/null || { echo "FAIL: cmake --install"; exit 1; }
WRAPPER=$ROOT/usr/libexec/flowaudit/flowrec-instance
FLOWQ=$ROOT/usr/bin/flowq
export FLOWREC=$ROOT/usr/sbin/flowrec FLOWAUDIT_CONF_DIR=$TMP/etc STATE_DIRECTORY=$TMP/state
mkdir -p "$FLOWAUDIT_CONF_DIR" "$STATE_DIRECTORY"
[ -x "$WRAPPER" ] || { echo "FAIL: $WRAPPER not installed executable"; exit 1; }

# refused INSTANCE EXPECTED_TEXT [CONF_LINES]: the wrapper exits 2 with one line.
refused() {
	local inst=$1 text=$2
	if [ $# -ge 3 ]; then printf '%s\n' "$3" >"$FLOWAUDIT_CONF_DIR/$inst.conf"; fi
	"$WRAPPER" "$inst" >"$TMP/out" 2>"$TMP/err" </dev/null
	local rc=$?
	check_eq "$inst: exit status" 2 "$rc"
	check_eq "$inst: one line on stderr" 1 "$(wc -l <"$TMP/err")"
	check_eq "$inst: nothing on stdout" "" "$(cat "$TMP/out")"
	grep -qF -- "$text" "$TMP/err" || fail "$inst: expected '$text' in: $(cat "$TMP/err")"
	echo "   $(cat "$TMP/err")"
}

refused cell-42 "flowrec-instance: $FLOWAUDIT_CONF_DIR/cell-42.conf: no such file"
refused ../etc "'../etc' is not a cell id"
refused ".hidden" "'.hidden' is not a cell id"
refused typo "typo.conf:2: 'ifac' is not a flowrec option" $'# cell\nifac = eth0'
refused twice "twice.conf:3: 'source' is set twice" $'source = noop\n\nsource = noop'
refused empty "empty.conf:1: 'tee' has an empty value" 'tee ='
refused owndb "owndb.conf:1: 'db' is set by the unit" 'db = /tmp/x.db'
refused ownrun "ownrun.conf:1: 'run' is set by the unit" 'run = r1'
refused replay "replay.conf:1: 'replay' has no place" 'replay = /tmp/x'
refused shout "shout.conf:1: 'IFACE' is not an option name" 'IFACE = eth0'
refused badvalue "flowrec: --batch-ms: 'soon' is not a whole number" $'source = noop\nbatch-ms = soon'
mkdir "$FLOWAUDIT_CONF_DIR/adir.conf"
refused adir "adir.conf: not a readable regular file"

# A good file: comments, blanks, a switch, values with spaces and '='.
cat >"$FLOWAUDIT_CONF_DIR/cell-7.conf" <<'EOF'
# a noop recorder: a run row and health only
   source = noop

stats-s=1
policy-digest = sha256:abc
correlation-id =  deploy 7, job=a b
quiet
EOF
INVOCATION_ID=0123456789abcdef0123456789abcdef "$WRAPPER" cell-7 >"$TMP/out" 2>"$TMP/err" &
pid=$!
CHILD_PIDS+=("$pid")
DB=$STATE_DIRECTORY/cell-7.db
has_run() { [ "$(q "$DB" "SELECT count(*) FROM runs" 2>/dev/null)" = 1 ]; }
wait_for 20 has_run || fail "no run in $DB: $(cat "$TMP/err")"
kill -TERM "$pid"
wait "$pid"
check_eq "SIGTERM: exit status" 0 "$?"
check_eq "stderr (quiet)" "" "$(cat "$TMP/err")"
"$FLOWQ" runs --db "$DB" --format ndjson >"$TMP/runs" || fail "flowq runs"
check_eq "run as flowq shows it" \
	'["cell-7","0123456789abcdef0123456789abcdef","clean","sha256:abc","deploy 7, job=a b","noop"]' \
	"$(jq -c '[.cell_id, .run_id, .end_status, .policy_digest, .correlation_id, .source]' "$TMP/runs")"
check_eq "database mode" 640 "$(stat -c %a "$DB")"
finish
