# Operations: the documentation kept in step with the tools, flowrec@'s start
# path as installed, the unit's capability set, and copying a live database
# off the host. Included by tests/CMakeLists.txt. The Debian package on a
# fresh root is tests/package.cmake.
set(_ops_dir ${CMAKE_CURRENT_SOURCE_DIR}/ops)

# man pages, bash completion, example.conf and README exit codes vs --help
# and the option parsers, both ways.
add_test(NAME ops_docs_in_step
         COMMAND python3 ${_ops_dir}/check_docs.py $<TARGET_FILE:flowrec>
                 $<TARGET_FILE:flowq> ${PROJECT_SOURCE_DIR})
# flowrec-instance as installed: config errors in one line, options reaching flowrec.
add_test(NAME ops_instance COMMAND bash ${_ops_dir}/test_instance.sh ${CMAKE_BINARY_DIR})
# sqlite3 .backup and VACUUM INTO of a database flowrec is writing, checked by flowq.
add_test(NAME ops_replicate
         COMMAND bash ${_ops_dir}/test_replicate.sh $<TARGET_FILE:flowrec> $<TARGET_FILE:flowq>
                 $<TARGET_FILE:make_replay>)
set_tests_properties(ops_docs_in_step ops_instance ops_replicate PROPERTIES LABELS integration
                                                                           TIMEOUT 300)

# The unit's CapabilityBoundingSet is exactly what attach, setns, NFLOG and
# --user need (real BPF in namespaces: privileged, as the e2e tests).
if(FLOWAUDIT_WITH_BPF)
  add_test(NAME ops_unit_capabilities
           COMMAND bash ${_ops_dir}/test_unit_capabilities.sh $<TARGET_FILE:flowrec>
                   ${PROJECT_SOURCE_DIR}/dist/flowrec@.service)
  set_tests_properties(ops_unit_capabilities PROPERTIES LABELS privileged SKIP_RETURN_CODE 77
                                                        RUN_SERIAL TRUE TIMEOUT 300)
endif()
