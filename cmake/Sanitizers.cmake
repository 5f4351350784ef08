# Sanitizer builds, for tools/test's CI path (docs/testing.md):
#   -DDAGRUN_SANITIZE=address,undefined   ASan and UBSan, every target
#   -DDAGRUN_SANITIZE=thread              TSan (cannot be combined with ASan)
# Any finding stops the program: -fno-sanitize-recover makes UBSan fatal too,
# and tools/test sets ASAN_/UBSAN_/TSAN_OPTIONS with an exit code.
set(DAGRUN_SANITIZE "" CACHE STRING "comma-separated sanitizers: address, undefined, leak, thread (empty: none)")

if(DAGRUN_SANITIZE)
  string(REPLACE ";" "," dagrun_sanitize "${DAGRUN_SANITIZE}")
  string(REPLACE "," ";" dagrun_sanitize_list "${dagrun_sanitize}")
  foreach(s IN LISTS dagrun_sanitize_list)
    if(NOT s MATCHES "^(address|undefined|leak|thread)$")
      message(FATAL_ERROR "DAGRUN_SANITIZE: unknown sanitizer '${s}'; use address, undefined, leak or thread")
    endif()
  endforeach()
  if("thread" IN_LIST dagrun_sanitize_list AND ("address" IN_LIST dagrun_sanitize_list OR
                                                "leak" IN_LIST dagrun_sanitize_list))
    message(FATAL_ERROR "DAGRUN_SANITIZE: thread cannot be combined with address or leak")
  endif()
  # Frame pointers keep the reports' stacks whole at -O1 without debug info.
  add_compile_options(-fsanitize=${dagrun_sanitize} -fno-sanitize-recover=all -fno-omit-frame-pointer)
  add_link_options(-fsanitize=${dagrun_sanitize})
  message(STATUS "dagrun: building with -fsanitize=${dagrun_sanitize}")
endif()
