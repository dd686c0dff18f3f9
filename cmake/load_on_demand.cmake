# Libraries pier loads the first time it calls them instead of at start-up
# (base/shared_library.h). A module that uses one compiles against its headers, does not
# link it, and has a file of forwarding functions that dlopen it by its soname.
#
#   pier_load_on_demand(TARGET NAME LIBRARY_FILE PACKAGE [INCLUDE_DIRS...])
#
# defines PIER_<NAME>_SONAME (read from LIBRARY_FILE, the library the build would have
# linked) and PIER_<NAME>_PACKAGE (the Debian package that ships it) for TARGET, and
# records "soname package" in the global property PIER_ON_DEMAND_LIBRARIES: the .deb
# depends on those packages (cmake/packaging.cmake), the install test checks them.
function(pier_load_on_demand target name library_file package)
  execute_process(COMMAND ${CMAKE_OBJDUMP} -p ${library_file}
    OUTPUT_VARIABLE dump RESULT_VARIABLE rc ERROR_QUIET)
  string(REGEX MATCH "SONAME +([^\n]+)" match "${dump}")
  if(NOT rc EQUAL 0 OR NOT CMAKE_MATCH_1)
    message(FATAL_ERROR "no SONAME in ${library_file} (${name}), needed to load it on demand")
  endif()
  set(soname ${CMAKE_MATCH_1})
  target_compile_definitions(${target} PRIVATE
    PIER_${name}_SONAME="${soname}" PIER_${name}_PACKAGE="${package}")
  if(ARGN)
    target_include_directories(${target} PRIVATE ${ARGN})
  endif()
  set_property(GLOBAL APPEND PROPERTY PIER_ON_DEMAND_LIBRARIES "${soname} ${package}")
endfunction()
