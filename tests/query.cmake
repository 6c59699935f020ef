# flowq's tests, included from tests/CMakeLists.txt. cmocka unit tests
# (label "unit") link flowq_core; script tests (label "integration") drive the
# real flowq binary against fixture databases made by fq_fixture.
set(FQ_TEST_SRC ${CMAKE_CURRENT_LIST_DIR}/query)

add_library(flowq_fixture STATIC ${FQ_TEST_SRC}/fixture.c)
target_include_directories(flowq_fixture PUBLIC ${FQ_TEST_SRC})
target_link_libraries(flowq_fixture PUBLIC flowaudit_common)

# flowq's main run in-process with stdout captured, for whole-command unit tests.
add_library(flowq_run_captured STATIC ${FQ_TEST_SRC}/run_captured.c)
target_include_directories(flowq_run_captured PUBLIC ${FQ_TEST_SRC})
target_link_libraries(flowq_run_captured PUBLIC flowq_core)

add_executable(fq_fixture ${FQ_TEST_SRC}/fq_fixture.c)
target_link_libraries(fq_fixture PRIVATE flowq_fixture)

foreach(t decision json_writer cbor_writer cose filters query_sql merge commands health_cmd help)
  add_executable(test_q_${t} ${FQ_TEST_SRC}/test_${t}.c)
  target_link_libraries(test_q_${t} PRIVATE flowq_core flowq_fixture flowq_run_captured
                        PkgConfig::CMOCKA)
  add_test(NAME query_${t} COMMAND test_q_${t})
  set_tests_properties(query_${t} PROPERTIES LABELS "unit")
endforeach()

foreach(s export_decoders filters_cli robustness progress signed_export)
  add_test(NAME query_${s}
           COMMAND bash ${FQ_TEST_SRC}/test_${s}.sh $<TARGET_FILE:flowq> $<TARGET_FILE:fq_fixture>)
  set_tests_properties(query_${s} PROPERTIES LABELS "integration")
endforeach()

# End to end through the recorder.
foreach(s replay_e2e summaries)
  add_test(NAME query_${s}
           COMMAND bash ${FQ_TEST_SRC}/test_${s}.sh $<TARGET_FILE:flowq> $<TARGET_FILE:flowrec>)
  set_tests_properties(query_${s} PROPERTIES LABELS "integration")
endforeach()
