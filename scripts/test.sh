#!/usr/bin/env bash
# The whole test suite, as CI runs it (.ci/run): installs the packages, then
#   1. checks the formatting of every C file (.clang-format),
#   2. builds everything into build/ and runs every test there: unit (cmocka),
#      integration (real binaries on real files), reliability (crashes, full
#      disk, floods, privilege drop) and privileged end-to-end tests (real BPF
#      in real network namespaces, NFLOG with nftables),
#   3. rebuilds the unit tests under AddressSanitizer+UndefinedBehaviorSanitizer
#      (build-asan/, also the build without BPF support) and runs them,
#   4. builds the libFuzzer harnesses with clang (build-fuzz/) and runs each for
#      a bounded time on its seed corpus.
# Privileged tests need root; they skip when they cannot run, except with
# FLOWAUDIT_REQUIRE_BPF=1 (set by CI), where they fail instead.
set -uo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
if [ "$(id -u)" != 0 ] && command -v sudo >/dev/null; then
	exec sudo -E bash "$0" "$@"
fi
bash "$top/scripts/install-deps.sh" || exit 1
cd "$top"
jobs=$(nproc)
passed=0 failed=0
tally() { # tally LOGFILE: add a ctest run's counts
	local line total nfail
	line=$(grep -E "tests passed, [0-9]+ tests? failed out of [0-9]+" "$1" | tail -1)
	if [ -z "$line" ]; then
		failed=$((failed + 1))
		return
	fi
	total=$(sed -E 's/.*out of ([0-9]+).*/\1/' <<<"$line")
	nfail=$(sed -E 's/.*passed, ([0-9]+) tests? failed.*/\1/' <<<"$line")
	passed=$((passed + total - nfail))
	failed=$((failed + nfail))
}
step() { printf '\n==== %s\n' "$*"; }

step "format check (clang-format)"
fmt_bad=$(git ls-files '*.c' '*.h' | xargs clang-format --dry-run --Werror 2>&1 | grep -c "error:")
if [ "$fmt_bad" -eq 0 ]; then
	echo "every C file is formatted"; passed=$((passed + 1))
else
	git ls-files '*.c' '*.h' | xargs clang-format --dry-run --Werror 2>&1 | grep "error:" | head
	failed=$((failed + 1))
fi

step "build (build/)"
if cmake -S . -B build -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null && cmake --build build -j"$jobs"; then
	step "all tests of the full build"
	(cd build && ctest --output-on-failure -j"$jobs" --timeout 900 -LE fuzz) 2>&1 | tee build/ctest.log
	tally build/ctest.log
else
	echo "build failed"; failed=$((failed + 1))
fi

step "unit tests under ASan+UBSan, built without BPF support (build-asan/)"
if cmake -S . -B build-asan -DCMAKE_BUILD_TYPE=Debug -DFLOWAUDIT_SANITIZE=ON \
	-DFLOWAUDIT_WITH_BPF=OFF >/dev/null &&
	cmake --build build-asan -j"$jobs"; then
	(cd build-asan && ASAN_OPTIONS=detect_leaks=1 UBSAN_OPTIONS=print_stacktrace=1 \
		ctest --output-on-failure -j"$jobs" -L unit) 2>&1 | tee build-asan/ctest.log
	tally build-asan/ctest.log
else
	echo "sanitizer build failed"; failed=$((failed + 1))
fi

step "libFuzzer harnesses, bounded runs (build-fuzz/)"
if CC=clang cmake -S . -B build-fuzz -DCMAKE_BUILD_TYPE=Debug -DFLOWAUDIT_FUZZ=ON \
	-DFLOWAUDIT_WITH_BPF=OFF >/dev/null && cmake --build build-fuzz -j"$jobs"; then
	(cd build-fuzz && ctest --output-on-failure -L fuzz) 2>&1 | tee build-fuzz/ctest.log
	tally build-fuzz/ctest.log
else
	echo "fuzz build failed"; failed=$((failed + 1))
fi

echo
echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
