# Reliability tests (tests/reliability/): crash consistency under SIGKILL,
# durability, full disk, floods, hostile databases, least privilege, readers
# under load. Label reliability; the ones that need root, mounts, namespaces
# or BPF are also labelled privileged and exit 77 (skip) when they cannot run,
# except under FLOWAUDIT_REQUIRE_BPF=1 where that is a failure.
add_library(sync_probe MODULE reliability/sync_probe.c)
target_link_libraries(sync_probe PRIVATE PkgConfig::SQLITE3 ${CMAKE_DL_LIBS})
set_target_properties(sync_probe PROPERTIES PREFIX "")

set(REL_FLOWQ $<TARGET_FILE:flowq>)
set(REL_DIR ${CMAKE_CURRENT_SOURCE_DIR}/reliability)

add_test(NAME reliability_crash_sigkill
         COMMAND bash ${REL_DIR}/test_crash_sigkill.sh $<TARGET_FILE:flowrec>
                 $<TARGET_FILE:make_replay> $<TARGET_FILE:sync_probe> ${REL_FLOWQ})
set_tests_properties(reliability_crash_sigkill PROPERTIES TIMEOUT 400)
add_test(NAME reliability_disk_full
         COMMAND bash ${REL_DIR}/test_disk_full.sh $<TARGET_FILE:flowrec>
                 $<TARGET_FILE:make_replay>)
add_test(NAME reliability_bad_databases
         COMMAND bash ${REL_DIR}/test_bad_databases.sh $<TARGET_FILE:flowrec>
                 $<TARGET_FILE:make_replay> ${REL_FLOWQ})
add_test(NAME reliability_concurrent_read
         COMMAND bash ${REL_DIR}/test_concurrent_read.sh $<TARGET_FILE:flowrec>
                 $<TARGET_FILE:make_replay> ${REL_FLOWQ})
add_test(NAME reliability_deferred_indexes
         COMMAND bash ${REL_DIR}/test_deferred_indexes.sh $<TARGET_FILE:flowrec>
                 $<TARGET_FILE:make_replay> $<TARGET_FILE:flowq>)
set(REL_TESTS crash_sigkill disk_full bad_databases concurrent_read deferred_indexes)
set(REL_PRIVILEGED disk_full)
if(FLOWAUDIT_WITH_BPF)
  add_test(NAME reliability_flood
           COMMAND bash ${REL_DIR}/test_flood.sh $<TARGET_FILE:flowrec> ${REL_FLOWQ})
  add_test(NAME reliability_privdrop
           COMMAND bash ${REL_DIR}/test_privdrop.sh $<TARGET_FILE:flowrec>)
  # The attack: a 30 s flood of new flows at the generator's full rate while
  # 25 TCP probes must be recorded exactly; default options, then fail-closed.
  add_test(NAME reliability_flood_probe
           COMMAND bash ${REL_DIR}/test_flood_probe.sh $<TARGET_FILE:flowrec>
                   $<TARGET_FILE:flow_flood> ${REL_FLOWQ})
  add_test(NAME reliability_flood_probe_fail_closed
           COMMAND ${CMAKE_COMMAND} -E env FAIL_CLOSED=1
                   bash ${REL_DIR}/test_flood_probe.sh $<TARGET_FILE:flowrec>
                   $<TARGET_FILE:flow_flood> ${REL_FLOWQ})
  set_tests_properties(reliability_flood_probe reliability_flood_probe_fail_closed
                       PROPERTIES TIMEOUT 300)
  list(APPEND REL_TESTS flood privdrop flood_probe flood_probe_fail_closed)
  list(APPEND REL_PRIVILEGED flood privdrop flood_probe flood_probe_fail_closed)
endif()
foreach(t ${REL_TESTS})
  set_tests_properties(reliability_${t} PROPERTIES LABELS reliability SKIP_RETURN_CODE 77
                       RUN_SERIAL TRUE)
endforeach()
foreach(t ${REL_PRIVILEGED})
  set_tests_properties(reliability_${t} PROPERTIES LABELS "reliability;privileged")
endforeach()
