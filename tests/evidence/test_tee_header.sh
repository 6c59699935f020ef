#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# A tee reproduces the run. Replaying a --tee file gave other observed_at
# values than the run that wrote it (the clock offsets were measured anew).
# The tee now starts with a header frame (kind 5: version, the run's clock
# offsets, host, boot id); a replay of it takes them over, so its export
# equals the original's byte for byte (same --cell/--run), and its run row
# names the capturing host and boot. A replay of a tee writes the same tee.
# Old tees without a header still replay; a misplaced or unknown header is a
# reject.
# Usage: test_tee_header.sh FLOWREC FLOWQ
. "$(dirname "$0")/lib.sh"
FLOWREC=$1 FLOWQ=$2
$FRAMES "$TMP/in.bin" "v1 t=1s pkts=3" "v1 src=10.0.0.1:2 t=2s verdict=2" \
	"v2 src=10.0.0.3:3 t=3s" "v2 kind=closed src=10.0.0.3:3 t=3s last=4s opkts=5 rpkts=4 rbytes=900" \
	"raw kind=9 hex=616263"
run() { # DB INPUT [TEE]
	"$FLOWREC" --db "$1" --cell c --run r --replay "$2" ${3:+--tee "$3"} --quiet \
		--policy-digest sha256:pd --keyset-id ks
}
run "$TMP/a.db" "$TMP/in.bin" "$TMP/a.tee"
check_eq "the capture run: exit" 0 $?

# The header, byte by byte.
read -r kind len version mono boot host < <(python3 - "$TMP/a.tee" <<'PY'
import struct, sys
d = open(sys.argv[1], "rb").read()
kind, length = struct.unpack_from("<II", d, 0)
version, _, mono, boot = struct.unpack_from("<IIqq", d, 8)
host = d[8 + 40:8 + 104].rstrip(b"\0").decode()
print(kind, length, version, mono, boot, host)
PY
)
check_eq "the tee's first frame is a header: kind 5, 104 bytes, version 1" "5|104|1" "$kind|$len|$version"
check_eq "the header holds the run's offsets and host" \
	"$(q "$TMP/a.db" 'SELECT mono_offset_ns, boot_offset_ns, host FROM runs' | tr '|' ' ')" "$mono $boot $host"
boot_id=$(python3 -c 'import sys, uuid; print(uuid.UUID(bytes=open(sys.argv[1], "rb").read()[32:48]))' "$TMP/a.tee")
check_eq "the header's boot id is the run's, this kernel's" \
	"$(cat /proc/sys/kernel/random/boot_id)|$(cat /proc/sys/kernel/random/boot_id)" \
	"$boot_id|$(q "$TMP/a.db" 'SELECT boot_id FROM runs')"
check_eq "after the header, the input's frames as received" \
	"$(sha256sum <"$TMP/in.bin")" "$(tail -c +$((8 + 104 + 1)) "$TMP/a.tee" | sha256sum)"

# Replaying the tee (later, here: another measurement of the offsets) gives the same export.
sleep 0.2
run "$TMP/b.db" "$TMP/a.tee" "$TMP/b.tee"
check_eq "the replay of the tee: exit" 0 $?
for fmt in ndjson cbor; do
	"$FLOWQ" export --db "$TMP/a.db" --format $fmt >"$TMP/a.$fmt"
	"$FLOWQ" export --db "$TMP/b.db" --format $fmt >"$TMP/b.$fmt"
	cmp -s "$TMP/a.$fmt" "$TMP/b.$fmt" || fail "$fmt exports differ: $(diff <(cat "$TMP/a.$fmt") <(cat "$TMP/b.$fmt") | head -4)"
done
check_eq "the export has every decision" 3 "$(wc -l <"$TMP/a.ndjson")"
check_eq "the replay's run row names the capture's clock, host and boot" \
	"$(q "$TMP/a.db" 'SELECT mono_offset_ns, boot_offset_ns, host, boot_id FROM runs')" \
	"$(q "$TMP/b.db" 'SELECT mono_offset_ns, boot_offset_ns, host, boot_id FROM runs')"
check_eq "the header is not a record: the same health counts" \
	"$(q "$TMP/a.db" 'SELECT received, decoded, rejected, events_written FROM health WHERE is_final = 1')" \
	"$(q "$TMP/b.db" 'SELECT received, decoded, rejected, events_written FROM health WHERE is_final = 1')"
cmp -s "$TMP/a.tee" "$TMP/b.tee" || fail "the replay's tee differs from the tee it replayed"

# The same bytes through a pipe: the same export.
cat "$TMP/a.tee" | "$FLOWREC" --db "$TMP/p.db" --cell c --run r --replay - --quiet \
	--policy-digest sha256:pd --keyset-id ks
"$FLOWQ" export --db "$TMP/p.db" --format ndjson | cmp -s - "$TMP/a.ndjson" || fail "a piped tee exports differently"

# Without a header (an old tee): it replays, with this run's own offsets.
run "$TMP/old.db" "$TMP/in.bin"
check_eq "an old tee replays" "0|3" "$?|$(q "$TMP/old.db" 'SELECT count(*) FROM flow_events_all')"
# A header that is not first, or of an unknown version: rejects; the replay goes on.
head -c $((8 + 104)) "$TMP/a.tee" >"$TMP/hdr.bin"
{ head -c $((8 + 40)) "$TMP/in.bin"; cat "$TMP/hdr.bin"; tail -c +$((8 + 40 + 1)) "$TMP/in.bin"; } >"$TMP/late.bin"
run "$TMP/late.db" "$TMP/late.bin"
check_eq "a header after the first frame is a reject" \
	"tee header after the first frame (ignored: times keep this run's clock)|104" \
	"$(q "$TMP/late.db" "SELECT reason, length(raw) FROM rejects WHERE reason LIKE 'tee%'")"
python3 -c 'import sys; d = bytearray(open(sys.argv[1], "rb").read()); d[8] = 2; open(sys.argv[2], "wb").write(d)' \
	"$TMP/a.tee" "$TMP/v2.tee"
run "$TMP/v2.db" "$TMP/v2.tee"
check_eq "a header of another version is a reject, the records still replay" \
	"tee header version 2 is not 1, the one this build reads|3" \
	"$(q "$TMP/v2.db" "SELECT reason, (SELECT count(*) FROM flow_events_all) FROM rejects WHERE reason LIKE 'tee%'")"
finish
