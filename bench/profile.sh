#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# Where flowrec's ingest time goes: bench/profile.sh N (environment from
# bench/run.sh; run by `bench/run.sh --profile` on the first size).
#
# perf record (DWARF call graphs, 250 Hz) of one flowrec --replay of
# $WORK/mix-N.bin into a fresh database, then three views into $NOTES:
#   profile-N-dso.txt       time per binary (flowrec, libsqlite3, libc, kernel)
#   profile-N-self.txt      the hottest functions, self time
#   profile-N-children.txt  each function with everything it calls (which
#                           store statement costs what)
# Debian's libsqlite3 is stripped; perf names most of SQLite's internal
# functions from its mini debug info, the rest show as addresses.
. "$(dirname "$0")/lib.sh"
N=${1:?usage: profile.sh N}
command -v perf >/dev/null || die "perf is not installed"
db=$WORK/profile.db data=$WORK/perf.data
rm -f "$db" "$db-wal" "$db-shm"
perf record -q -F 250 --call-graph dwarf,16384 -o "$data" -- \
	"$BIN_FLOWREC" --db "$db" --cell bench --run profile --replay "$WORK/mix-$N.bin" --quiet \
	>/dev/null 2>"$WORK/perf.err" || die "perf record failed: $(cat "$WORK/perf.err")"
report() { perf report -i "$data" --stdio --percent-limit 0.5 "$@" 2>/dev/null | grep -v '^$'; }
report --no-children --sort dso -g none >"$NOTES/profile-$N-dso.txt"
report --no-children --sort dso,symbol -g none >"$NOTES/profile-$N-self.txt"
report --children --sort symbol -g none --percent-limit 1 >"$NOTES/profile-$N-children.txt"
samples=$(perf script -i "$data" -F period 2>/dev/null | wc -l)
record profile "$N" flowrec 1 samples "$samples"
rm -f "$data" "$db" "$db-wal" "$db-shm"
exit 0
