# What pier's binaries link statically, and why.
#
# A supervisor lives as long as its project's containers, and every command starts
# through the dynamic loader: both pay for each shared library by the whole library
# (its relocations, its data pages, the code pages the kernel maps around every page
# touched), not by the part pier calls. Linked from its static archive, a library adds
# only the object files pier uses, packed with pier's own code.
#
# - libstdc++ and libgcc (-static-libstdc++ -static-libgcc) for pier and pier-supervisor,
#   and so every C++ library they use: yaml-cpp from Debian's archive, fmt and spdlog
#   header-only (src/base/CMakeLists.txt). A shared C++ library would bring the shared
#   libstdc++ back as a second copy.
# - The C libraries every command or supervisor loads (libuv, libnl, libseccomp, libcap,
#   libyaml) from Debian's archives, which the -dev packages ship.
#
# Libraries loaded on demand (cmake/load_on_demand.cmake) stay shared: they are loaded by
# the few commands that need them, and their packages are the .deb's dependencies.

# pier_static_package(PREFIX MODULE...): pkg_check_modules(PREFIX MODULE...), and the
# target pier::PREFIX: its include directories, and for each library pkg-config names to
# link it statically, the library's archive (libNAME.a, or libuv's libuv_a.a). glibc's
# own libraries (pthread, dl, rt, m) stay shared.
function(pier_static_package prefix)
  pkg_check_modules(${prefix} REQUIRED ${ARGN})
  set(libraries)
  foreach(name IN LISTS ${prefix}_STATIC_LIBRARIES)
    if(name MATCHES "^(pthread|dl|rt|m|c)$")
      list(APPEND libraries ${name})
      continue()
    endif()
    find_library(PIER_ARCHIVE_${name} NAMES lib${name}.a lib${name}_a.a
                 HINTS ${${prefix}_STATIC_LIBRARY_DIRS} NO_CACHE)
    if(NOT PIER_ARCHIVE_${name})
      message(FATAL_ERROR "no static archive lib${name}.a for ${ARGN}: install its Debian -dev package (./dev.sh build installs them all)")
    endif()
    list(APPEND libraries ${PIER_ARCHIVE_${name}})
  endforeach()
  add_library(pier::${prefix} INTERFACE IMPORTED GLOBAL)
  set_target_properties(pier::${prefix} PROPERTIES
    INTERFACE_INCLUDE_DIRECTORIES "${${prefix}_INCLUDE_DIRS}"
    INTERFACE_LINK_LIBRARIES "${libraries}")
endfunction()

pier_static_package(LIBUV libuv)
pier_static_package(LIBNL libnl-3.0 libnl-route-3.0)
pier_static_package(LIBSECCOMP libseccomp)
pier_static_package(LIBCAP libcap)
pier_static_package(LIBYAML yaml-0.1)
pier_static_package(YAML_CPP yaml-cpp)

# pier_static_cxx(TARGET): TARGET links the C++ runtime statically; with --gc-sections
# the linker drops the archive members' sections nothing calls.
function(pier_static_cxx target)
  target_link_options(${target} PRIVATE -static-libstdc++ -static-libgcc -Wl,--gc-sections -Wl,--as-needed)
endfunction()
