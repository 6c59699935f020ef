# NFLOG (denied traffic through netfilter): the frame decoder's unit tests and
# an end-to-end run with nftables drop rules in a cell namespace. Included by
# tests/CMakeLists.txt when present.
flowaudit_unit_test(test_nflog_frame test_nflog_frame.c)

# Real nftables rules and NFLOG in network namespaces (root), alone and next
# to the eBPF source. Skips (77) when it cannot run, fails instead under
# FLOWAUDIT_REQUIRE_BPF=1. flowq checks the export.
set(_nflog_flowq $<TARGET_FILE:flowq>)
add_test(NAME e2e_nflog
         COMMAND bash ${CMAKE_CURRENT_SOURCE_DIR}/e2e/test_nflog.sh $<TARGET_FILE:flowrec>
                 "${_nflog_flowq}")
set_tests_properties(e2e_nflog PROPERTIES LABELS privileged SKIP_RETURN_CODE 77 RUN_SERIAL TRUE
                                          TIMEOUT 180)
# Netlink overruns (ENOBUFS) while the reader is stopped: counted, and the
# lost packets (sequence gaps) plus those stored add up to every one sent.
add_test(NAME e2e_nflog_overrun
         COMMAND bash ${CMAKE_CURRENT_SOURCE_DIR}/e2e/test_nflog_overrun.sh $<TARGET_FILE:flowrec>
                 "${_nflog_flowq}")
set_tests_properties(e2e_nflog_overrun PROPERTIES LABELS privileged SKIP_RETURN_CODE 77
                                                  RUN_SERIAL TRUE TIMEOUT 180)
