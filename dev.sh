#!/usr/bin/env bash
# pier's developer entry point: the two commands of the README's quick start.
#
#   ./dev.sh demo    install what is missing, build the pier binary only, seed
#                    busybox:latest, bring up compose.example.yml in the foreground
#                    (Ctrl-C stops it)
#   ./dev.sh test    install what is missing, build everything (tests, benchmarks),
#                    run the whole test suite
#   ./dev.sh build [TARGET...]
#                    install what is missing and build the targets named, everything
#                    when none (`./dev.sh build pier` is the demo's build)
#   ./dev.sh deb     build the pier binary and package it: build/pier_<version>_<arch>.deb
#                    (install it with `apt-get install ./build/pier_*.deb`)
#
# Run as root on Debian 12 (apt-get installs the build dependencies). All are
# idempotent: a second run installs nothing and rebuilds only what changed.
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
build_dir="${PIER_BUILD_DIR:-$here/build}"

# Debian 12 packages pier builds and tests with. Keep in sync with README.md.
packages=(
  build-essential cmake ninja-build pkg-config git
  libyaml-dev libyaml-cpp-dev libuv1-dev libspdlog-dev libfmt-dev libcli11-dev catch2
  nlohmann-json3-dev libssl-dev
  libnl-3-dev libnl-route-3-dev libnftables-dev
  libarchive-dev libcurl4-openssl-dev zlib1g-dev
  libseccomp-dev libcap-dev tini
  busybox-static docker-registry skopeo openssl
  python3 python3-yaml python3-jsonschema
  clang libclang-rt-14-dev
  ccache
  debootstrap xvfb x11-utils xdotool x11-apps xauth
  uidmap passt slirp4netns
)

# `pier convert`'s schema test installs the Kubernetes schemas with npm (into a cache
# outside the clone). A machine with npm from elsewhere (NodeSource's nodejs) keeps it.
command -v npm >/dev/null 2>&1 || packages+=(nodejs npm)

install_missing() {
  local missing=()
  for p in "${packages[@]}"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
  done
  [ ${#missing[@]} -eq 0 ] && return 0
  if [ "$(id -u)" -ne 0 ]; then
    echo "dev.sh: missing packages: ${missing[*]}" >&2
    echo "dev.sh: run as root (or: sudo apt-get install ${missing[*]})" >&2
    exit 1
  fi
  echo "dev.sh: installing ${missing[*]}"
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}"
}

# build [TARGET...]: configure once, then build the targets named (all when none).
build() {
  install_missing
  if [ ! -f "$build_dir/build.ninja" ]; then
    # ccache keeps compiled objects outside the clone (~/.cache/ccache), so a fresh clone
    # of an unchanged tree rebuilds in seconds.
    cmake -S "$here" -B "$build_dir" -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo \
      -DCMAKE_C_COMPILER_LAUNCHER=ccache -DCMAKE_CXX_COMPILER_LAUNCHER=ccache
  fi
  local targets=()
  [ $# -gt 0 ] && targets=(--target "$@")
  cmake --build "$build_dir" "${targets[@]}" -- -j"$(nproc)"
}

demo() {
  # The demo runs only the binary: the test suite and the benchmarks are most of the
  # build (a cold build of everything took ~11 min on 2 cores), and `./dev.sh test`
  # builds them.
  build pier
  # `image: busybox` must work offline: import the host's busybox-static once.
  PIER="$build_dir/src/cli/pier" "$here/scripts/seed-busybox.sh" "${PIER_ROOT:-/var/lib/pier}"
  echo
  echo "\$ pier -f compose.example.yml config --services"
  "$build_dir/src/cli/pier" -f "$here/compose.example.yml" config --services
  echo
  echo "\$ pier -f compose.example.yml up      # logs stream here; Ctrl-C stops everything"
  echo "# in another terminal: curl http://127.0.0.1:8080/"
  cd "$here"
  "$build_dir/src/cli/pier" -f "$here/compose.example.yml" up
}

deb() {
  build pier
  (cd "$build_dir" && cpack -G DEB)
}

run_tests() {
  build
  cd "$build_dir"
  ctest --output-on-failure -j"$(nproc)" "$@"
}

case "${1:-}" in
  demo) demo ;;
  test) shift; run_tests "$@" ;;
  build) shift; build "$@" ;;
  deb) deb ;;
  *)
    sed -n '2,16p' "$0" | sed 's/^# \{0,1\}//'
    exit 2
    ;;
esac
