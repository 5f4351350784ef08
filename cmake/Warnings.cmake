# One INTERFACE target carries the warning flags so every target opts in the same way.
add_library(dagrun_warnings INTERFACE)
target_compile_options(dagrun_warnings INTERFACE
  $<$<COMPILE_LANGUAGE:CXX>:-Wall -Wextra -Wpedantic -Wshadow -Wnon-virtual-dtor
    -Wold-style-cast -Wcast-align -Woverloaded-virtual -Wnull-dereference -Wformat=2>
  $<$<COMPILE_LANGUAGE:C>:-Wall -Wextra -Wpedantic -Wshadow -Wformat=2>)
if(DAGRUN_WERROR)
  target_compile_options(dagrun_warnings INTERFACE -Werror)
endif()
