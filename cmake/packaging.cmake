# Installing pier without the build tree (README "Install").
#
#   cmake --install build [--prefix DIR] [--strip]   DIR/bin/pier, DIR = /usr/local
#   cd build && cpack -G DEB                          pier_<version>_<arch>.deb
#
# Only the binaries are installed: pier needs no data files, and `sudo pier` finds it in
# /usr/local/bin or /usr/bin, both on Debian's sudo secure_path. pier-supervisor goes
# beside it, where pier looks for it (app/supervisor_connect.cpp).
include(GNUInstallDirs)
install(TARGETS pier pier-supervisor RUNTIME DESTINATION ${CMAKE_INSTALL_BINDIR})

# `cmake --install` and cpack install what is built; they do not build `all` (the test
# suite and the benchmarks) first. `./dev.sh deb` builds the binary, then packages it.
set(CMAKE_SKIP_INSTALL_ALL_DEPENDENCY ON)

set(CPACK_PACKAGE_NAME pier)
set(CPACK_PACKAGE_VERSION ${PROJECT_VERSION})
set(CPACK_PACKAGE_DESCRIPTION_SUMMARY
  "Compose-compatible container orchestrator without a daemon")
set(CPACK_PACKAGE_DESCRIPTION
  "pier runs compose.yaml and docker-compose.yml files on one Linux host without Docker: it starts each container itself with clone(2), namespaces, overlayfs, cgroups and netlink, with one small supervisor process per project.")
set(CPACK_PACKAGE_CONTACT "pier developers <pier@localhost>")
set(CPACK_GENERATOR DEB)
set(CPACK_PACKAGING_INSTALL_PREFIX /usr)
set(CPACK_STRIP_FILES ON)
set(CPACK_DEBIAN_FILE_NAME DEB-DEFAULT)
set(CPACK_DEBIAN_PACKAGE_SECTION admin)
# The libraries pier links come from dpkg-shlibdeps (run on the packaged binary). Those
# it loads on demand (cmake/load_on_demand.cmake) are not in its DT_NEEDED, so their
# packages are named here; tini provides /usr/bin/tini-static, the init that
# `init: true` runs as PID 1.
set(CPACK_DEBIAN_PACKAGE_SHLIBDEPS ON)
get_property(on_demand GLOBAL PROPERTY PIER_ON_DEMAND_LIBRARIES)
set(depends tini)
foreach(entry ${on_demand})
  string(REGEX REPLACE "^[^ ]+ " "" package "${entry}")
  list(APPEND depends ${package})
endforeach()
list(REMOVE_DUPLICATES depends)
string(REPLACE ";" ", " CPACK_DEBIAN_PACKAGE_DEPENDS "${depends}")
include(CPack)
