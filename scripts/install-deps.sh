#!/usr/bin/env bash
# Installs what flowaudit needs to build, run and test on Debian 12, with
# apt-get. Idempotent; used by scripts/demo.sh and scripts/test.sh.
set -euo pipefail
PACKAGES=(
	build-essential cmake pkg-config clang llvm libclang-rt-14-dev clang-format
	libsqlite3-dev sqlite3 libbpf-dev libelf-dev zlib1g-dev bpftool libcbor-dev libmnl-dev
	libcmocka-dev linux-libc-dev libssl-dev
	iproute2 nftables kmod jq python3 python3-cbor2 time
	# bench/flow_rate.sh (timing with bc)
	bc
	# the conntrack oracle test (tests/e2e/test_conntrack_oracle.sh)
	conntrack ethtool iputils-ping
	# signed exports: keys made by the openssl CLI, checked by python3-cryptography
	openssl python3-cryptography
	# the Debian package (cpack: dpkg-shlibdeps), its fresh-root test, setpriv
	dpkg-dev debootstrap util-linux
)
missing=()
for p in "${PACKAGES[@]}"; do
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
	echo "installing: ${missing[*]}" >&2
	export DEBIAN_FRONTEND=noninteractive
	apt-get update -qq
	apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi
