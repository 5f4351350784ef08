# What plugin authors build against once dagrun is installed: a CMake package
# (find_package(dagrun) -> dagrun::plugin, dagrun_add_plugin) and a pkg-config
# file (dagrun-plugin.pc). Both are relocatable: paths are found relative to
# the installed file, so `cmake --install --prefix ANYWHERE` works.
# See docs/plugins.md "Building".
include(CMakePackageConfigHelpers)

# The package's version is the plugin ABI's, read from the header, not dagrun's
# release: what a plugin's source depends on is the header, and the ABI rules
# (docs/plugins.md "ABI versioning") are SameMajorVersion's. find_package(dagrun
# 1.1) finds a dagrun whose ABI is 1.x with x >= 1, and refuses 2.0.
file(STRINGS ${PROJECT_SOURCE_DIR}/engine/include/dagrun/plugin.h _dagrun_abi
     REGEX "^#define DAGRUN_PLUGIN_ABI_(MAJOR|MINOR) [0-9]+$")
string(REGEX REPLACE ".*ABI_MAJOR ([0-9]+).*" "\\1" _dagrun_abi_major "${_dagrun_abi}")
string(REGEX REPLACE ".*ABI_MINOR ([0-9]+).*" "\\1" _dagrun_abi_minor "${_dagrun_abi}")
set(DAGRUN_PLUGIN_ABI_VERSION ${_dagrun_abi_major}.${_dagrun_abi_minor})
if(NOT DAGRUN_PLUGIN_ABI_VERSION MATCHES "^[0-9]+\\.[0-9]+$")
  message(FATAL_ERROR "no DAGRUN_PLUGIN_ABI_MAJOR/MINOR in engine/include/dagrun/plugin.h")
endif()

set(DAGRUN_CMAKE_INSTALL_DIR "${CMAKE_INSTALL_LIBDIR}/cmake/dagrun")
set(DAGRUN_DATA_INSTALL_DIR "${CMAKE_INSTALL_DATADIR}/dagrun")

# The linker version script that leaves the entry point the only exported
# symbol. -fvisibility=hidden alone is not enough for C++: libstdc++ declares
# namespace std with default visibility, so every std:: template a plugin
# instantiates (std::string's members, std::vector<T>) would be exported and
# could bind to another in_process plugin's copy.
install(FILES cmake/plugin-exports.map DESTINATION ${DAGRUN_DATA_INSTALL_DIR})

configure_package_config_file(cmake/dagrunConfig.cmake.in
  ${PROJECT_BINARY_DIR}/package/dagrunConfig.cmake
  INSTALL_DESTINATION ${DAGRUN_CMAKE_INSTALL_DIR}
  PATH_VARS CMAKE_INSTALL_INCLUDEDIR DAGRUN_PLUGIN_INSTALL_DIR DAGRUN_DATA_INSTALL_DIR)
# Not ARCH_INDEPENDENT: a 32-bit plugin cannot load into a 64-bit dagrun.
write_basic_package_version_file(${PROJECT_BINARY_DIR}/package/dagrunConfigVersion.cmake
  VERSION ${DAGRUN_PLUGIN_ABI_VERSION} COMPATIBILITY SameMajorVersion)
install(FILES ${PROJECT_BINARY_DIR}/package/dagrunConfig.cmake
              ${PROJECT_BINARY_DIR}/package/dagrunConfigVersion.cmake
        DESTINATION ${DAGRUN_CMAKE_INSTALL_DIR})

# pkg-config: ${pcfiledir} is the directory of the .pc file, so the prefix is
# found from there rather than baked in.
file(RELATIVE_PATH _dagrun_pc_to_prefix "${CMAKE_INSTALL_FULL_LIBDIR}/pkgconfig" "${CMAKE_INSTALL_PREFIX}")
string(REGEX REPLACE "/$" "" _dagrun_pc_to_prefix "${_dagrun_pc_to_prefix}")
foreach(dir CMAKE_INSTALL_INCLUDEDIR DAGRUN_PLUGIN_INSTALL_DIR DAGRUN_DATA_INSTALL_DIR)
  if(IS_ABSOLUTE "${${dir}}")
    set(PC_${dir} "${${dir}}")
  else()
    set(PC_${dir} "\${prefix}/${${dir}}")
  endif()
endforeach()
configure_file(cmake/dagrun-plugin.pc.in ${PROJECT_BINARY_DIR}/package/dagrun-plugin.pc @ONLY)
install(FILES ${PROJECT_BINARY_DIR}/package/dagrun-plugin.pc DESTINATION ${CMAKE_INSTALL_LIBDIR}/pkgconfig)
