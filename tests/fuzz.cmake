# libFuzzer harnesses (tests/fuzz/), built only with -DFLOWAUDIT_FUZZ=ON in a
# separate clang build:
#   CC=clang cmake -S . -B build-fuzz -DFLOWAUDIT_FUZZ=ON -DFLOWAUDIT_WITH_BPF=OFF
# The libraries they reach are instrumented for coverage and ASan+UBSan here;
# each harness runs for 20 s on a copy of its seed corpus (label fuzz).
if(NOT FLOWAUDIT_FUZZ)
  return()
endif()
if(NOT CMAKE_C_COMPILER_ID MATCHES "Clang")
  message(FATAL_ERROR "FLOWAUDIT_FUZZ=ON needs clang (CC=clang)")
endif()

set(FUZZ_SAN -fsanitize=address,undefined -fno-sanitize-recover=all -fno-omit-frame-pointer)
set(FUZZ_LIBS flowaudit_common flowrec_core flowq_core)
foreach(lib ${FUZZ_LIBS})
  target_compile_options(${lib} PRIVATE -fsanitize=fuzzer-no-link ${FUZZ_SAN})
  target_link_options(${lib} INTERFACE ${FUZZ_SAN})
endforeach()

set(FUZZ_TARGETS decode replay nflog filters cose)
foreach(t ${FUZZ_TARGETS})
  add_executable(fuzz_${t} fuzz/fuzz_${t}.c)
  target_compile_options(fuzz_${t} PRIVATE -fsanitize=fuzzer ${FUZZ_SAN})
  target_link_options(fuzz_${t} PRIVATE -fsanitize=fuzzer ${FUZZ_SAN})
  target_link_libraries(fuzz_${t} PRIVATE flowrec_core)
  if(t STREQUAL filters OR t STREQUAL cose)
    target_link_libraries(fuzz_${t} PRIVATE flowq_core)
  endif()
  # Fuzz a scratch copy so new inputs never land in the source tree.
  add_test(NAME fuzz_${t}
           COMMAND sh -c "rm -rf \"$1\" && mkdir -p \"$1\" && cp \"$2\"/* \"$1\"/ && \"$0\" -max_total_time=20 -timeout=10 -rss_limit_mb=2048 -print_final_stats=1 \"$1\""
                   $<TARGET_FILE:fuzz_${t}> ${CMAKE_CURRENT_BINARY_DIR}/fuzz-corpus-${t}
                   ${CMAKE_CURRENT_SOURCE_DIR}/fuzz/corpus/${t})
  set_tests_properties(fuzz_${t} PROPERTIES LABELS fuzz TIMEOUT 120)
endforeach()
