#!/bin/sh
# Builds the libFuzzer targets with clang in build/fuzz (reused when present) and
# fuzzes the compose loader for the given number of seconds.
#
#   tests/fuzz/run_fuzz.sh [SECONDS] [extra libFuzzer flags...]
#
# Corpus: build/fuzz/corpus/compose_loader (grows across runs), seeded from the
# golden fixtures and ../shared/corpus. Crashes, leaks and timeouts land in
# build/fuzz/artifacts/ (see docs/fuzzing.md). Override the build dir with
# PIER_FUZZ_BUILD_DIR.
set -eu

seconds=${1:-60}
[ $# -gt 0 ] && shift

root=$(cd "$(dirname "$0")/../.." && pwd)
build=${PIER_FUZZ_BUILD_DIR:-$root/build/fuzz}
target=compose_loader_fuzz

# Exit code 77 tells ctest the test was skipped (SKIP_RETURN_CODE).
for tool in clang clang++ cmake; do
  if ! command -v "$tool" >/dev/null 2>&1; then
    echo "run_fuzz.sh: $tool is not installed; skipping" >&2
    exit 77
  fi
done

if [ ! -f "$build/CMakeCache.txt" ]; then
  generator=
  command -v ninja >/dev/null 2>&1 && generator="-G Ninja"
  mkdir -p "$build"
  # shellcheck disable=SC2086
  CC=clang CXX=clang++ cmake -S "$root" -B "$build" $generator \
    -DCMAKE_BUILD_TYPE=RelWithDebInfo -DPIER_FUZZ=ON >"$build/configure.log" 2>&1 || {
      cat "$build/configure.log" >&2
      rm -f "$build/CMakeCache.txt"  # configure again next time
      exit 1
    }
fi
cmake --build "$build" --target "$target" -j2

corpus=$build/corpus/compose_loader
seeds=$build/seeds/compose_loader
artifacts=$build/artifacts
mkdir -p "$corpus" "$seeds" "$artifacts"

# Seeds: every compose file of the golden fixtures and of the shared corpus,
# named by content hash so reseeding is idempotent.
seed() {
  for f in "$@"; do
    [ -f "$f" ] || continue
    cp "$f" "$seeds/$(sha1sum "$f" | cut -c1-40)"
  done
}
seed "$root"/tests/fixtures/config/*/compose*.yaml "$root"/tests/fixtures/config/*/compose*.yml
seed "$root"/tests/schema/cases/*/*.yaml
# Inputs that once crashed pier: replayed first, so a regression fails at once.
seed "$root"/tests/fuzz/regressions/*
shared=$root/../shared/corpus
if [ -d "$shared" ]; then
  find "$shared" -type f \( -name '*.yaml' -o -name '*.yml' \) | while read -r f; do seed "$f"; done
else
  echo "run_fuzz.sh: $shared is absent; seeding from the fixtures only"
fi

# The target's scratch directories go under the build dir: a crash leaves its
# directory behind (libFuzzer exits without atexit), and the next run clears them.
export TMPDIR="$build/tmp"
rm -rf "$TMPDIR"
mkdir -p "$TMPDIR"

# -timeout: one input taking over 10 s is a hang; -rss_limit_mb: a blow-up (e.g.
# alias expansion) is reported rather than swapping the machine.
cd "$build"
exec "./tests/fuzz/$target" \
  -max_total_time="$seconds" -timeout=10 -rss_limit_mb=2048 -max_len=65536 \
  -dict="$root/tests/fuzz/compose.dict" \
  -artifact_prefix="$artifacts/" -print_final_stats=1 \
  "$@" "$corpus" "$seeds"
