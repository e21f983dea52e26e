# The libFuzzer harnesses of tests/fuzz/ (fuzz_NAME.c, one program each,
# linked with -fsanitize=fuzzer) and, as tests (label fuzz), the replay of
# every seed corpus file through every harness: each harness runs once
# over all of tests/fuzz/corpus/*/ (libFuzzer's -runs=0: execute the
# corpus, no fuzzing). Included from CMakeLists.txt when
# CHAINSIM_SANITIZE=fuzz. scripts/fuzz.sh does the fuzzing itself.
file(GLOB FUZZ_SOURCES CONFIGURE_DEPENDS ${CMAKE_SOURCE_DIR}/tests/fuzz/fuzz_*.c)
file(GLOB FUZZ_CORPORA LIST_DIRECTORIES true CONFIGURE_DEPENDS ${CMAKE_SOURCE_DIR}/tests/fuzz/corpus/*)
enable_testing()
foreach(src ${FUZZ_SOURCES})
  get_filename_component(name ${src} NAME_WE)
  add_executable(${name} ${src})
  target_include_directories(${name} PRIVATE ${CMAKE_SOURCE_DIR}/tests/fuzz)
  target_compile_definitions(${name} PRIVATE FUZZ_SOURCE_DIR="${CMAKE_SOURCE_DIR}")
  target_link_libraries(${name} PRIVATE chainsimlib)
  target_link_options(${name} PRIVATE -fsanitize=fuzzer)
  add_test(NAME replay_${name}
           COMMAND ${name} -runs=0 -timeout=120 -rss_limit_mb=4096 ${FUZZ_CORPORA})
  set_tests_properties(replay_${name} PROPERTIES LABELS fuzz TIMEOUT 900
    ENVIRONMENT "ASAN_OPTIONS=abort_on_error=1:detect_leaks=1;UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1")
endforeach()
