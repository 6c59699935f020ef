#!/bin/bash
# SPDX-License-Identifier: Apache-2.0
# Full disk: the database lives on a 16 MiB tmpfs and records arrive through a
# FIFO this script controls. Mid-run a filler file takes all free space, so
# commits fail (SQLITE_FULL). Case 1: flowrec stays alive, says so on stderr,
# keeps the failed batch and everything queued meanwhile in memory and retries;
# once the filler is gone everything fed is committed; SIGTERM gives exit 0, an
# intact file, every fed event stored (a prefix check of the whole input), and
# a final health row with no store failures. Case 2: space never returns:
# flowrec gives up after --store-retry-s with exit 3 and a clear message, and
# what it committed before is intact. Needs root (mount); the mount is removed
# by the EXIT trap.
#
# usage: test_disk_full.sh FLOWREC MAKE_REPLAY
set -u
here=$(cd "$(dirname "$0")" && pwd)
. "$here/lib.sh"
FLOWREC=$1 MAKE_REPLAY=$2
rel_need sqlite3 python3 mount umount dd
rel_need_root
rel_setup
T=$REL_TMP
REC=48 # bytes per v1 frame
"$MAKE_REPLAY" v1 200000 "$T/in.bin" || rel_fail make_replay

mount_small() { # DIR
	mkdir -p "$1"
	mount -t tmpfs -o size=16m,mode=0755 flowaudit-rel "$1" || rel_skip "cannot mount tmpfs (needs CAP_SYS_ADMIN)"
	REL_MOUNTS+=("$1")
}
fed=0
feed() { # N: the next N records of in.bin into fd 3
	dd if="$T/in.bin" bs=$REC skip=$fed count="$1" status=none >&3 || rel_fail "feeding the FIFO"
	fed=$((fed + $1))
}
fill() { # DIR: take every free block
	dd if=/dev/zero of="$1/filler" bs=64k status=none 2>/dev/null
	dd if=/dev/zero of="$1/filler2" bs=512 status=none 2>/dev/null
	sync
	[ "$(df --output=avail "$1" | tail -1 | tr -d ' ')" -le 4 ] || rel_fail "filler did not fill $1"
}
stderr_has() { grep -q -- "$2" "$1"; }

# ---- case 1: space comes back --------------------------------------------
M=$T/mnt1
mount_small "$M"
DB=$M/f.db
mkfifo "$T/fifo1"
"$FLOWREC" --db "$DB" --cell c1 --run full1 --replay "$T/fifo1" --batch-events 500 --batch-ms 100 \
	--store-retry-s 60 --stats-s 1 2>"$T/err1" &
pid=$!
REL_PIDS+=("$pid")
exec 3>"$T/fifo1"
feed 2000
rel_wait_until 20 rel_count_is "$DB" full1 2000 || rel_fail "the first 2000 events were not committed"
fill "$M"
rel_log "filesystem full ($(df -h --output=used,size "$M" | tail -1)); feeding until commits fail"
for ((i = 0; i < 60; i++)); do
	feed 1000
	rel_wait_until 1 stderr_has "$T/err1" "retrying" && break
done
stderr_has "$T/err1" "retrying" || rel_fail "no commit failed after filling the disk ($fed events fed): $(cat "$T/err1")"
grep -qi "full" "$T/err1" || rel_fail "the failure message does not say the disk is full: $(cat "$T/err1")"
rel_log "flowrec reports: $(grep retrying "$T/err1" | head -1)"
during=$(rel_count "$DB" full1)
feed 3000 # queued during the outage
sleep 2.5 # at least two retries while still full
kill -0 "$pid" 2>/dev/null || rel_fail "flowrec died while the disk was full: $(cat "$T/err1")"
outage_fed=$fed
rel_log "during the outage: $fed events fed, $during committed before it; flowrec alive"
rm -f "$M/filler" "$M/filler2"
feed 2000
rel_wait_until 30 rel_count_is "$DB" full1 $fed ||
	rel_fail "after space returned only $(rel_count "$DB" full1) of $fed events were committed"
stderr_has "$T/err1" "writable again" || rel_fail "no recovery message: $(cat "$T/err1")"
kill -TERM "$pid"
rel_wait_exit "$pid" 30
rc=$REL_RC
exec 3>&-
[ "$rc" = 0 ] || rel_fail "flowrec exit $rc after SIGTERM: $(cat "$T/err1")"
rel_integrity "$DB"
python3 "$here/check_prefix.py" "$DB" full1 "$T/in.bin" --expect $fed >/dev/null || rel_fail "events lost or changed"
read -r recv written fails status < <(rel_sql -separator ' ' "$DB" "SELECT h.received, h.events_written, h.store_failures, r.end_status FROM health h JOIN runs r USING (run_pk) WHERE r.run_id = 'full1' AND h.is_final = 1;")
[ "$recv" = $fed ] && [ "$written" = $fed ] && [ "$fails" = 0 ] && [ "$status" = clean ] ||
	rel_fail "final health: received $recv written $written store_failures $fails status $status (fed $fed)"
rel_log "case 1: $fed fed ($((outage_fed - during)) while full), $written stored, 0 lost; exit 0; integrity ok"

# ---- case 2: space never returns ------------------------------------------
M=$T/mnt2
mount_small "$M"
DB=$M/f.db
fed=0
mkfifo "$T/fifo2"
"$FLOWREC" --db "$DB" --cell c1 --run full2 --replay "$T/fifo2" --batch-events 500 --batch-ms 100 \
	--store-retry-s 3 2>"$T/err2" &
pid=$!
REL_PIDS+=("$pid")
exec 3>"$T/fifo2"
feed 2000
rel_wait_until 20 rel_count_is "$DB" full2 2000 || rel_fail "case 2: the first 2000 events were not committed"
fill "$M"
for ((i = 0; i < 60; i++)); do
	feed 1000
	rel_wait_until 1 stderr_has "$T/err2" "retrying" && break
done
stderr_has "$T/err2" "retrying" || rel_fail "case 2: no commit failed after filling the disk"
rel_wait_exit "$pid" 30
rc=$REL_RC
exec 3>&-
[ "$rc" = 3 ] || rel_fail "case 2: exit $rc, expected 3 after --store-retry-s 3: $(cat "$T/err2")"
stderr_has "$T/err2" "giving up after 3 s" || rel_fail "case 2: no clear give-up message: $(cat "$T/err2")"
rel_log "case 2: exit 3: $(grep -m1 'giving up' "$T/err2")"
# The summary's "store N" counts at least every operation the final commit left unstored.
lost_ops=$(sed -n 's/.*final commit failed: .*(\([0-9]*\) operations not stored).*/\1/p' "$T/err2")
summary_store=$(sed -n 's/.*, store \([0-9]*\)$/\1/p' "$T/err2")
[ -n "$lost_ops" ] && [ "$lost_ops" -gt 0 ] && [ -n "$summary_store" ] && [ "$summary_store" -ge "$lost_ops" ] ||
	rel_fail "case 2: summary says store ${summary_store:-?} next to ${lost_ops:-?} operations not stored: $(cat "$T/err2")"
rel_integrity "$DB"
kept=$(python3 "$here/check_prefix.py" "$DB" full2 "$T/in.bin" --min 2000) || rel_fail "case 2: committed data damaged"
rm -f "$M/filler" "$M/filler2"
"$MAKE_REPLAY" v1 100 "$T/small.bin"
"$FLOWREC" --db "$DB" --cell c1 --run after --replay "$T/small.bin" --quiet || rel_fail "case 2: the file is unusable afterwards"
python3 "$here/check_prefix.py" "$DB" after "$T/small.bin" --expect 100 >/dev/null || rel_fail "case 2: run after"
rel_log "case 2: $fed fed, $kept committed before the disk filled are intact; $((fed - kept)) never acknowledged (reported as not stored)"
echo "PASS: disk full: nothing acknowledged lost; recovery stores everything; give-up is exit 3 with data intact"
