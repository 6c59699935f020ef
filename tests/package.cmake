# The Debian package (cpack -G DEB) installed and run on a fresh Debian 12
# root made by debootstrap: versions, man pages, systemd-analyze verify of the
# unit as installed, a replay read by flowq, purge. Root, mounts and the
# mirror: label privileged, exits 77 (skip) when it cannot run, and fails
# instead under FLOWAUDIT_REQUIRE_BPF=1. Included by tests/CMakeLists.txt.
add_test(NAME package_deb_fresh_root
         COMMAND bash ${CMAKE_CURRENT_SOURCE_DIR}/ops/test_deb_fresh_root.sh ${CMAKE_BINARY_DIR}
                 ${PROJECT_VERSION} $<TARGET_FILE:make_replay>)
# The package is built from the installed tree: every target first.
set_tests_properties(package_deb_fresh_root PROPERTIES LABELS privileged SKIP_RETURN_CODE 77
                                                       RUN_SERIAL TRUE TIMEOUT 900)
