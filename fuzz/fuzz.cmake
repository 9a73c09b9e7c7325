# Fuzz targets (fuzz/fuzz_*.cpp), one executable each.
# - Default build: each target is linked with fuzz/replay_main.cpp, and ctest replays the
#   seeds we ship (fuzz/seeds/<name>/) plus, when present, the matching ../shared/corpus
#   folder, so every seed runs in every build, `make sanitize` included.
# - TRIAGE_FUZZ=ON (clang only; `make fuzz`): everything is built with libFuzzer's coverage
#   instrumentation and ASan, and each target is a libFuzzer binary. (Not UBSan: clang 14
#   cannot compile Asio's coroutines with it, "Cannot represent a difference across
#   sections"; `make sanitize` replays every seed under GCC's UBSan instead.)
option(TRIAGE_FUZZ "Build the fuzz targets as libFuzzer binaries (clang)" OFF)
if(TRIAGE_FUZZ AND NOT CMAKE_CXX_COMPILER_ID STREQUAL "Clang")
  message(FATAL_ERROR "TRIAGE_FUZZ needs clang: cmake -DCMAKE_CXX_COMPILER=clang++ -DTRIAGE_FUZZ=ON")
endif()

set(_triage_corpus ${PROJECT_SOURCE_DIR}/../shared/corpus)
# name -> library it needs; shared corpus folders it replays
set(_fuzz_email_libs triage_channels)
set(_fuzz_email_corpus email fax)
set(_fuzz_mime_text_libs triage_channels)
set(_fuzz_html_libs triage_channels)
set(_fuzz_cdr_libs triage_channels)
set(_fuzz_form_libs triage_channels)
set(_fuzz_api_json_libs triage_channels)
set(_fuzz_smtp_libs triage_channels)
set(_fuzz_import_line_libs triage_server)

file(GLOB _fuzz_srcs CONFIGURE_DEPENDS ${PROJECT_SOURCE_DIR}/fuzz/fuzz_*.cpp)
add_custom_target(fuzz_targets)  # `make fuzz` builds only these
foreach(src ${_fuzz_srcs})
  get_filename_component(target ${src} NAME_WE)
  string(REGEX REPLACE "^fuzz_" "" name ${target})
  if(TRIAGE_FUZZ)
    add_executable(${target} ${src} fuzz/invariant.cpp)
    target_link_options(${target} PRIVATE -fsanitize=fuzzer)
  else()
    add_executable(${target} ${src} fuzz/invariant.cpp fuzz/replay_main.cpp)
  endif()
  target_link_libraries(${target} PRIVATE ${_fuzz_${name}_libs})
  add_dependencies(fuzz_targets ${target})
  set(_inputs ${PROJECT_SOURCE_DIR}/fuzz/seeds/${name})
  foreach(dir ${_fuzz_${name}_corpus})
    list(APPEND _inputs ${_triage_corpus}/${dir})
  endforeach()
  if(NOT TRIAGE_FUZZ)
    add_test(NAME ${target}_replay COMMAND ${target} ${_inputs})
    set_tests_properties(${target}_replay PROPERTIES
      ENVIRONMENT "LSAN_OPTIONS=suppressions=${PROJECT_SOURCE_DIR}/fuzz/lsan.supp;ASAN_OPTIONS=detect_leaks=1:fast_unwind_on_malloc=0")
  endif()
endforeach()

if(TRIAGE_FUZZ)
  target_compile_options(triage_options INTERFACE -fsanitize=fuzzer-no-link,address -fno-omit-frame-pointer)
  target_link_options(triage_options INTERFACE -fsanitize=address)
endif()
