#!/bin/bash
# SPDX-License-Identifier: Apache-2.0
# The Debian package on a fresh Debian 12: `cpack -G DEB` builds
# flowaudit_VERSION_amd64.deb (VERSION is CMake's project version) with
# dependencies from the shared libraries; debootstrap makes a minimal
# bookworm root from the mirror this machine's apt uses; the package is
# installed there with dpkg -i and apt-get -f install, and run there:
#
#   flowrec/flowq --version print VERSION; man -w finds flowrec(8), flowq(1);
#   systemd-analyze verify passes on flowrec@cell-42.service as installed;
#   flowrec@'s start path reports a missing /etc/flowaudit/cell-42.conf in
#   one line; a replay recorded there is read there by flowq (export, verify,
#   runs); the package purges cleanly and leaves the databases.
#
# Needs root (chroot, mount), debootstrap and the mirror. /proc is mounted in
# the root and unmounted on exit, with anything else mounted below it.
#
# usage: test_deb_fresh_root.sh BUILD_DIR PROJECT_VERSION MAKE_REPLAY
here=$(cd "$(dirname "$0")" && pwd)
. "$here/../e2e/lib.sh"
BUILD=$1 VERSION=$2 MAKE_REPLAY=$3
[ "$(id -u)" = 0 ] || skip "needs root (debootstrap, chroot, mount)"
for t in debootstrap cpack dpkg-deb dpkg-shlibdeps chroot mount; do
	command -v "$t" >/dev/null || skip "$t not installed (scripts/install-deps.sh installs it)"
done
T=$E2E_TMP
R=$T/root

# Unmount everything below the root, deepest first, before the temp dir goes.
unmount_root() {
	local m
	for m in $(awk -v r="$R" '$2 == r || index($2, r "/") == 1 {print $2}' /proc/mounts | sort -r); do
		umount "$m" 2>/dev/null || umount -l "$m"
	done
}
cleanup_all() {
	local rc=$?
	unmount_root
	(exit "$rc")
	e2e_cleanup
}
trap cleanup_all EXIT

# The Debian mirror apt uses here: deb822 .sources first, then sources.list.
mirror() {
	local f
	for f in /etc/apt/sources.list.d/*.sources; do
		[ -f "$f" ] || continue
		awk '
			/^[[:space:]]*$/ { if (uri != "" && suites ~ /(^| )bookworm( |$)/) { print uri; exit } uri = suites = "" }
			/^URIs:/ { uri = $2 }
			/^Suites:/ { $1 = ""; suites = $0 " " }
			END { if (uri != "" && suites ~ /(^| )bookworm( |$)/) print uri }' "$f"
	done
	if [ -f /etc/apt/sources.list ]; then
		awk '$1 == "deb" && $3 == "bookworm" { for (i = 2; i <= NF; i++) if ($i ~ /^[a-z]+:\/\//) { print $i; exit } }' \
			/etc/apt/sources.list
	fi
}
MIRROR=$(mirror | head -1)
[ -n "$MIRROR" ] || skip "no bookworm mirror in /etc/apt/sources.list{,.d}"
log "mirror: $MIRROR"

# ---- the package
(cd "$BUILD" && cpack -G DEB -B "$T/pkg" >"$T/cpack.log" 2>&1) || fail "cpack -G DEB: $(tail -5 "$T/cpack.log")"
DEB=$T/pkg/flowaudit_${VERSION}_amd64.deb
[ -f "$DEB" ] || fail "cpack made $(ls "$T/pkg"/*.deb 2>/dev/null), not $DEB"
pass "package $(basename "$DEB"), $(stat -c %s "$DEB") bytes"
check_eq "Version field" "$VERSION" "$(dpkg-deb -f "$DEB" Version)"
depends=$(dpkg-deb -f "$DEB" Depends)
for lib in libc6 libsqlite3-0 libbpf1 libcbor0.8; do
	grep -q "\b$lib\b" <<<"$depends" || fail "Depends lacks $lib (dpkg-shlibdeps): $depends"
done
pass "Depends from the shared libraries: $depends"
dpkg-deb -c "$DEB" | awk '{print $6}' | sed 's|^\./|/|' >"$T/contents"
for f in /usr/sbin/flowrec /usr/bin/flowq /usr/share/man/man8/flowrec.8.gz /usr/share/man/man1/flowq.1.gz \
	/usr/share/bash-completion/completions/flowrec /usr/share/bash-completion/completions/flowq \
	/lib/systemd/system/flowrec@.service /usr/libexec/flowaudit/flowrec-instance \
	/etc/flowaudit/example.conf /usr/share/doc/flowaudit/copyright /usr/share/doc/flowaudit/README.md \
	/usr/share/doc/flowaudit/network_flow_decision.md; do
	grep -qx -- "$f" "$T/contents" || fail "package lacks $f"
done
pass "package holds the binaries, man pages, completion, unit, example config and docs"

# ---- a fresh Debian 12
t0=$(date +%s)
debootstrap --variant=minbase bookworm "$R" "$MIRROR" >"$T/debootstrap.log" 2>&1 ||
	skip "debootstrap bookworm from $MIRROR failed: $(tail -3 "$T/debootstrap.log")"
t1=$(date +%s)
log "debootstrap --variant=minbase bookworm: $((t1 - t0)) s"
mount -t proc proc "$R/proc" || fail "mount proc in the root"
printf '#!/bin/sh\nexit 101\n' >"$R/usr/sbin/policy-rc.d" # start no service in the root
chmod 0755 "$R/usr/sbin/policy-rc.d"
in_root() { chroot "$R" env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin DEBIAN_FRONTEND=noninteractive "$@"; }

cp "$DEB" "$R/tmp/"
in_root dpkg -i "/tmp/${DEB##*/}" >"$T/dpkg.log" 2>&1 || log "dpkg -i left dependencies to apt-get -f install"
in_root apt-get update -qq >"$T/apt.log" 2>&1 || fail "apt-get update in the root: $(tail -3 "$T/apt.log")"
in_root apt-get -f install -y -qq --no-install-recommends >>"$T/apt.log" 2>&1 ||
	fail "apt-get -f install: $(tail -5 "$T/apt.log")"
check_eq "package state" "install ok installed" "$(in_root dpkg-query -W -f='${Status}' flowaudit)"
in_root dpkg-query -W -f='${Conffiles}\n' flowaudit | grep -q "/etc/flowaudit/example.conf" ||
	fail "example.conf is not a conffile"
# What the checks below use: man (man -w), systemd (systemd-analyze).
in_root apt-get install -y -qq --no-install-recommends man-db systemd >>"$T/apt.log" 2>&1 ||
	fail "apt-get install man-db systemd: $(tail -5 "$T/apt.log")"
t2=$(date +%s)
log "install with dependencies, man-db and systemd: $((t2 - t1)) s"

check_eq "flowq --version" "flowq $VERSION (schema 1.0.0)" "$(in_root flowq --version)"
check_eq "flowrec --version" "flowrec $VERSION" "$(in_root flowrec --version)"
check_eq "man -w flowrec" /usr/share/man/man8/flowrec.8.gz "$(in_root man -w flowrec)"
check_eq "man -w flowq" /usr/share/man/man1/flowq.1.gz "$(in_root man -w flowq)"
in_root man -P cat flowrec 2>/dev/null | grep -q "flowaudit $VERSION" || fail "flowrec(8) does not show flowaudit $VERSION"

out=$(in_root systemd-analyze verify flowrec@cell-42.service 2>&1)
rc=$?
[ "$rc" = 0 ] && [ -z "$out" ] || fail "systemd-analyze verify flowrec@cell-42.service: rc $rc: $out"
pass "systemd-analyze verify flowrec@cell-42.service: clean"
exec_start=$(sed -n 's/^ExecStart=//p' "$R/lib/systemd/system/flowrec@.service")
exec_start=${exec_start//%i/cell-42}
# shellcheck disable=SC2086 # the unit's command line, split as systemd does here
err=$(in_root $exec_start 2>&1 >/dev/null)
rc=$?
check_eq "missing config: exit status" 2 "$rc"
check_eq "missing config: the message" \
	"flowrec-instance: /etc/flowaudit/cell-42.conf: no such file (each flowrec@cell-42 reads /etc/flowaudit/cell-42.conf; start from /etc/flowaudit/example.conf)" \
	"$err"

"$MAKE_REPLAY" v2pairs 500 "$R/tmp/r.bin" || fail "make_replay"
mkdir -p "$R/var/lib/flowaudit"
in_root flowrec --db /var/lib/flowaudit/cell-42.db --cell cell-42 --run r1 --replay /tmp/r.bin --quiet ||
	fail "flowrec --replay in the root"
check_eq "flowq export in the root" 500 "$(in_root flowq export --db /var/lib/flowaudit/cell-42.db --format ndjson | wc -l)"
in_root flowq verify --db /var/lib/flowaudit/cell-42.db >/dev/null || fail "flowq verify in the root"
check_eq "recorder_version of the run" "flowaudit $VERSION" \
	"$(in_root flowq runs --db /var/lib/flowaudit/cell-42.db --format ndjson | sed -n 's/.*"recorder_version":"\([^"]*\)".*/\1/p')"

in_root dpkg --purge flowaudit >>"$T/dpkg.log" 2>&1 || fail "dpkg --purge flowaudit: $(tail -3 "$T/dpkg.log")"
[ ! -e "$R/usr/sbin/flowrec" ] && [ ! -e "$R/etc/flowaudit/example.conf" ] || fail "files left after purge"
[ -f "$R/var/lib/flowaudit/cell-42.db" ] || fail "purge removed the database (evidence stays)"
pass "purged; /var/lib/flowaudit/cell-42.db stays"
log "whole test: $(($(date +%s) - t0)) s after cpack"
exit 0
