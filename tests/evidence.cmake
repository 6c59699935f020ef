# SPDX-License-Identifier: Apache-2.0
# Evidence tests (tests/evidence/): the record says exactly what happened,
# ids are unambiguous, the same bytes give the same rows, and neither tool
# damages an input. Real binaries on real files; label integration, and
# privileged where a test needs root (mounts, other users), which then fails
# rather than skips under FLOWAUDIT_REQUIRE_BPF=1.
set(EV_DIR ${CMAKE_CURRENT_SOURCE_DIR}/evidence)

function(flowaudit_evidence_test name)
  add_test(NAME evidence_${name}
           COMMAND bash ${EV_DIR}/test_${name}.sh $<TARGET_FILE:flowrec> $<TARGET_FILE:flowq>
                   ${ARGN})
  set_tests_properties(evidence_${name} PROPERTIES LABELS integration SKIP_RETURN_CODE 77
                                                   TIMEOUT 300)
endfunction()

flowaudit_evidence_test(decision_ids)
flowaudit_evidence_test(decision_per_record)
flowaudit_evidence_test(replay_clock)
flowaudit_evidence_test(extreme_values)
flowaudit_evidence_test(enums_fail_closed)
flowaudit_evidence_test(read_only_media)
set_tests_properties(evidence_read_only_media PROPERTIES LABELS "integration;privileged")
flowaudit_evidence_test(output_safety)
flowaudit_evidence_test(tee_safety)
flowaudit_evidence_test(tee_header)
flowaudit_evidence_test(concurrent_start)
# Old and new storage of decisions (migration 006) read alike; needs make_replay.
flowaudit_evidence_test(layout_migration $<TARGET_FILE:make_replay>)
