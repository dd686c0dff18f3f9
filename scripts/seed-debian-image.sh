#!/usr/bin/env bash
# Builds a Debian image offline-able from the host's apt mirror and imports it into a
# pier store: `debootstrap --variant=minbase --include=PKGS`, tarred and cached outside
# the repository, keyed by its inputs, so a warm run only imports the cached tarball.
#
#   scripts/seed-debian-image.sh [--root ROOT] [--change 'CMD ...']... TAG PKG[,PKG...]
#
#   TAG      the image reference to create (e.g. pier-examples/x11-apps:bookworm)
#   PKG      packages to --include (comma-separated)
#   --change Dockerfile instructions for `pier image import` (CMD, ENV, USER, WORKDIR...)
#
# Building the tarball (debootstrap) needs root; importing a cached one does not, so a user
# imports into their own rootless store once root has run this for the same TAG and PKG.
#
# Environment: PIER (default build/src/cli/pier), PIER_ROOT (default: pier's own store),
# PIER_FIXTURE_CACHE (default /var/cache/pier-fixtures), DEBIAN_SUITE (default: the
# host's, from /etc/os-release), DEBIAN_MIRROR (default: the host's first deb.debian.org-
# style mirror in /etc/apt/sources.list*).
#
# Exit codes: 0 done (or already there), 77 the mirror cannot be reached (callers skip),
# anything else a real failure.
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
root="${PIER_ROOT:-}"
changes=() positional=()
# Options may come before or after TAG and PKG.
while [ $# -gt 0 ]; do
  case "$1" in
    --root) root="$2"; shift 2 ;;
    --change) changes+=("$2"); shift 2 ;;
    --) shift; positional+=("$@"); break ;;
    -*) echo "seed-debian-image: unknown option $1" >&2; exit 2 ;;
    *) positional+=("$1"); shift ;;
  esac
done
[ ${#positional[@]} -eq 2 ] || { sed -n '2,21p' "$0" | sed 's/^# \{0,1\}//' >&2; exit 2; }
tag="${positional[0]}" packages="${positional[1]}"
pier="${PIER:-$here/build/src/cli/pier}"
[ -x "$pier" ] || { echo "seed-debian-image: no pier binary at $pier (build first or set PIER)" >&2; exit 1; }
store=() where="pier's store"
[ -z "$root" ] || store=(--root "$root") where="$root"

if "$pier" ${store[@]+"${store[@]}"} image inspect "$tag" >/dev/null 2>&1; then
  echo "$tag already in $where"
  exit 0
fi

suite="${DEBIAN_SUITE:-$(. /etc/os-release && echo "${VERSION_CODENAME:-bookworm}")}"
mirror_of_host() {
  # deb822 (.sources: URIs:) and one-line (.list: deb URI suite) formats; the first
  # mirror that carries the main archive (not -security) wins.
  cat /etc/apt/sources.list /etc/apt/sources.list.d/*.list /etc/apt/sources.list.d/*.sources 2>/dev/null |
    awk '/^URIs:/ {for (i = 2; i <= NF; i++) print $i} /^deb / {for (i = 2; i <= NF; i++) if ($i ~ /^[a-z]+:\/\//) {print $i; break}}' |
    grep -v -- '-security' | grep -i debian | head -n 1 || true
}
mirror="${DEBIAN_MIRROR:-$(mirror_of_host)}"
[ -n "$mirror" ] || { echo "seed-debian-image: no Debian mirror in /etc/apt/sources.list*; set DEBIAN_MIRROR" >&2; exit 77; }

cache="${PIER_FIXTURE_CACHE:-/var/cache/pier-fixtures}"
# The key: everything that changes the tarball. Bump `recipe` when the steps below change.
recipe=1
key="$(printf '%s\n' "$recipe" "$suite" "$mirror" "$packages" "$(uname -m)" | sha256sum | cut -c1-16)"
tarball="$cache/$key.tar"

if [ ! -f "$tarball" ]; then
  [ "$(id -u)" -eq 0 ] || { echo "seed-debian-image: debootstrap needs root (no cached $tarball yet): run it once with sudo" >&2; exit 1; }
  command -v debootstrap >/dev/null || { echo "seed-debian-image: debootstrap missing (apt-get install debootstrap)" >&2; exit 1; }
  mkdir -p "$cache/debs"
  start=$(date +%s)
  work="$(mktemp -d "$cache/build.XXXXXX")"
  trap 'rm -rf "$work"' EXIT
  echo "seed-debian-image: debootstrap $suite ($packages) from $mirror (cold: a few minutes)"
  if ! debootstrap --variant=minbase --include="$packages" --cache-dir="$cache/debs" \
      "$suite" "$work/rootfs" "$mirror" >"$work/debootstrap.log" 2>&1; then
    if grep -qiE "Failed getting release file|Couldn't download|Temporary failure resolving|Could not resolve|Connection (refused|timed out)|Network is unreachable" "$work/debootstrap.log"; then
      tail -n 3 "$work/debootstrap.log" >&2
      echo "seed-debian-image: cannot reach the mirror $mirror" >&2
      exit 77
    fi
    tail -n 20 "$work/debootstrap.log" >&2
    echo "seed-debian-image: debootstrap failed (log above)" >&2
    exit 1
  fi
  # Nothing a container needs from the build: package caches, lists, the build's own
  # /dev nodes (pier makes /dev per container).
  rm -rf "$work"/rootfs/var/cache/apt/archives/*.deb "$work"/rootfs/var/lib/apt/lists/* \
         "$work"/rootfs/dev/* "$work"/rootfs/proc/* "$work"/rootfs/sys/* "$work"/rootfs/run/*
  tar --numeric-owner -C "$work/rootfs" -cf "$work/rootfs.tar" .
  mv "$work/rootfs.tar" "$tarball"
  echo "seed-debian-image: cached $tarball ($(du -m "$tarball" | cut -f1) MiB, $(( $(date +%s) - start )) s)"
fi

args=()
for c in ${changes[@]+"${changes[@]}"}; do args+=(--change "$c"); done
"$pier" ${store[@]+"${store[@]}"} image import ${args[@]+"${args[@]}"} \
  -m "debootstrap $suite --variant=minbase --include=$packages" "$tarball" "$tag" >/dev/null
echo "imported $tag into $where"
