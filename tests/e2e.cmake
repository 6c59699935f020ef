# End-to-end tests: real BPF programs in real network namespaces (root).
# Included from tests/CMakeLists.txt. Label "privileged"; each test exits 77
# (skip) when it cannot run here, or fails under FLOWAUDIT_REQUIRE_BPF=1.
# RUN_SERIAL: they share the host's BPF and namespace machinery; their checks
# concern only the programs their own recorder held (by id), so other
# recorders running on the machine do not disturb them.

set(_e2e_dir ${CMAKE_CURRENT_SOURCE_DIR}/e2e)
set(_e2e_flowq $<TARGET_FILE:flowq>)

function(flowaudit_e2e_test name)
  add_test(NAME ${name} COMMAND ${ARGN})
  set_tests_properties(${name} PROPERTIES LABELS privileged SKIP_RETURN_CODE 77 RUN_SERIAL TRUE
                                          TIMEOUT 300)
endfunction()

if(FLOWAUDIT_WITH_BPF)
  # The tc program on hand-built frames (BPF_PROG_TEST_RUN): parsing, GSO, TCP close.
  add_executable(test_bpf_prog e2e/test_bpf_prog.c)
  target_include_directories(test_bpf_prog PRIVATE ${PROJECT_SOURCE_DIR}/bpf)
  target_link_libraries(test_bpf_prog PRIVATE flowaudit_skel PkgConfig::LIBBPF PkgConfig::LIBELF
                                              PkgConfig::CMOCKA)
  flowaudit_e2e_test(bpf_prog_packets test_bpf_prog)
  # The same program under pressure: budgets, eviction, summaries, fail-closed.
  add_executable(test_bpf_pressure e2e/test_bpf_pressure.c)
  target_include_directories(test_bpf_pressure PRIVATE ${PROJECT_SOURCE_DIR}/bpf)
  target_link_libraries(test_bpf_pressure PRIVATE flowaudit_skel PkgConfig::LIBBPF PkgConfig::LIBELF
                                                  PkgConfig::CMOCKA)
  flowaudit_e2e_test(bpf_prog_pressure test_bpf_pressure)

  flowaudit_e2e_test(e2e_ebpf_capture_cell
    bash ${_e2e_dir}/test_ebpf_capture.sh $<TARGET_FILE:flowrec> "${_e2e_flowq}" cell)
  flowaudit_e2e_test(e2e_ebpf_capture_host
    bash ${_e2e_dir}/test_ebpf_capture.sh $<TARGET_FILE:flowrec> "${_e2e_flowq}" host)
  # The clsact fallback of kernels without tcx, next to a clsact that must survive.
  flowaudit_e2e_test(e2e_ebpf_capture_clsact
    ${CMAKE_COMMAND} -E env E2E_NO_TCX=1 E2E_PRECREATE_CLSACT=1
    bash ${_e2e_dir}/test_ebpf_capture.sh $<TARGET_FILE:flowrec> "${_e2e_flowq}" host)
  # UDP flows closed by the recorder's flow-table sweep (reason idle).
  flowaudit_e2e_test(e2e_ebpf_capture_idle
    ${CMAKE_COMMAND} -E env E2E_UDP_IDLE_S=1
    bash ${_e2e_dir}/test_ebpf_capture.sh $<TARGET_FILE:flowrec> "${_e2e_flowq}" cell)
  flowaudit_e2e_test(e2e_ebpf_v1_object
    bash ${_e2e_dir}/test_ebpf_v1_object.sh $<TARGET_FILE:flowrec> "${_e2e_flowq}"
         ${FLOWAUDIT_TEST_V1_OBJECT})
  # flowrec against the kernel's own connection tracker, flow by flow.
  flowaudit_e2e_test(e2e_conntrack_oracle
    bash ${_e2e_dir}/test_conntrack_oracle.sh $<TARGET_FILE:flowrec> "${_e2e_flowq}")
  flowaudit_e2e_test(e2e_ebpf_errors
    bash ${_e2e_dir}/test_ebpf_errors.sh $<TARGET_FILE:flowrec>)
else()
  flowaudit_e2e_test(e2e_ebpf_capture_cell
    bash -c "echo 'built with FLOWAUDIT_WITH_BPF=OFF'; [ \"$FLOWAUDIT_REQUIRE_BPF\" = 1 ] && exit 1; exit 77")
endif()
