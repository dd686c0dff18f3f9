#!/usr/bin/env bash
# Runs `nvidia-smi -L` in a pier container through CDI, on a host with an NVIDIA GPU and
# its driver: the check that pier's CDI path works on real hardware (docs/gpu.md).
#
#   sudo scripts/gpu-check.sh
#
# 1. A CDI spec for the GPUs goes into a temporary spec dir: `nvidia-ctk cdi generate`
#    when the NVIDIA Container Toolkit is installed, else one derived here from the
#    /dev/nvidia* nodes and the driver libraries `ldconfig -p` lists (no hooks: each
#    library is bound at the path the host's loader cache names, so no ldconfig is
#    needed in the container).
# 2. A Debian image (glibc, for nvidia-smi) is seeded into the pier root unless
#    GPU_CHECK_IMAGE names one already there.
# 3. `pier run` with `gpus: all` lists every GPU, and with `count: 1` exactly one.
#
# Environment: PIER (default build/src/cli/pier), PIER_ROOT (default: a temporary root),
# GPU_CHECK_IMAGE (an image in PIER_ROOT with glibc). Exit codes: 0 the GPUs were seen
# inside the container, 77 this host has no NVIDIA GPU or driver, anything else a failure.
set -euo pipefail
umask 022  # pier refuses a spec that group or others could write

here="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"

# The spec, derived without nvidia-ctk. $1: the directory holding the nvidia nodes.
derive_spec() {
  local dev="$1" node name libs lib target bin all=()
  echo "cdiVersion: 0.5.0"
  echo "kind: nvidia.com/gpu"
  echo "devices:"
  for node in "$dev"/nvidia[0-9]*; do
    [ -c "$node" ] || continue
    name="${node##*/nvidia}"
    all+=("$node")
    printf -- '- name: "%s"\n  containerEdits:\n    deviceNodes:\n    - path: /dev/nvidia%s\n      hostPath: %s\n' \
      "$name" "$name" "$node"
  done
  [ ${#all[@]} -gt 0 ] || { echo "gpu-check: no $dev/nvidia[0-9]* nodes" >&2; return 1; }
  printf -- '- name: all\n  containerEdits:\n    deviceNodes:\n'
  for node in "${all[@]}"; do printf '    - path: /dev/%s\n      hostPath: %s\n' "${node##*/}" "$node"; done
  echo "containerEdits:"
  echo "  env: [NVIDIA_VISIBLE_DEVICES=void]"
  echo "  deviceNodes:"
  for name in nvidiactl nvidia-uvm nvidia-uvm-tools nvidia-modeset; do
    [ -c "$dev/$name" ] && printf '  - path: /dev/%s\n    hostPath: %s\n' "$name" "$dev/$name"
  done
  echo "  mounts:"
  # `libcuda.so.1 (libc6,x86-64) => /lib/x86_64-linux-gnu/libcuda.so.1`: bind the real
  # file at the soname path, where the container's loader looks.
  libs=$(ldconfig -p | awk '/\(libc6,x86-64\)/ && $1 ~ /^lib(cuda|nvidia-[a-z0-9-]+|nvcuvid|nvoptix)\.so\.[0-9]+$/ {print $NF}' | sort -u)
  for lib in $libs; do
    target="$(readlink -f "$lib")"
    printf '  - {hostPath: %s, containerPath: %s, options: [ro, nosuid, nodev, bind]}\n' "$target" "$lib"
  done
  for bin in nvidia-smi nvidia-debugdump; do
    bin="$(command -v "$bin" || true)"
    [ -n "$bin" ] && printf '  - {hostPath: %s, containerPath: /usr/bin/%s, options: [ro, nosuid, nodev, bind]}\n' \
      "$(readlink -f "$bin")" "${bin##*/}"
  done
  if [ -S /run/nvidia-persistenced/socket ]; then
    echo "  - {hostPath: /run/nvidia-persistenced/socket, containerPath: /run/nvidia-persistenced/socket, options: [ro, nosuid, nodev, bind, noexec]}"
  fi
}

main() {
  [ "$(id -u)" -eq 0 ] || { echo "gpu-check: run as root" >&2; exit 1; }
  if ! command -v nvidia-smi >/dev/null || [ ! -c /dev/nvidiactl ]; then
    echo "gpu-check: no NVIDIA driver here (nvidia-smi, /dev/nvidiactl)" >&2
    exit 77
  fi
  echo "== host"
  nvidia-smi -L
  local pier="${PIER:-$here/build/src/cli/pier}" work
  work="$(mktemp -d /tmp/pier-gpu-check-XXXXXX)"
  local root="${PIER_ROOT:-$work/root}" project="pier-gpu-check"
  trap '"$pier" --root "$root" -p "$project" -f "$work/compose.yaml" down -t 1 >/dev/null 2>&1 || true; rm -rf "$work"' EXIT
  mkdir -p "$work/cdi"
  if command -v nvidia-ctk >/dev/null; then
    echo "== spec: nvidia-ctk cdi generate"
    nvidia-ctk cdi generate --output="$work/cdi/nvidia.yaml"
  else
    echo "== spec: derived from /dev/nvidia* and ldconfig -p (nvidia-ctk is not installed)"
    derive_spec /dev > "$work/cdi/nvidia.yaml"
    cat "$work/cdi/nvidia.yaml"
  fi
  local image="${GPU_CHECK_IMAGE:-pier-gpu-check/debian:local}"
  if ! "$pier" --root "$root" image inspect "$image" >/dev/null 2>&1; then
    PIER="$pier" "$here/scripts/seed-debian-image.sh" --root "$root" "$image" libc-bin
  fi
  cat > "$work/compose.yaml" <<YAML
services:
  all:
    image: $image
    command: [nvidia-smi, -L]
    gpus: all
  one:
    image: $image
    command: [nvidia-smi, -L]
    deploy:
      resources:
        reservations:
          devices: [{driver: nvidia, count: 1, capabilities: [gpu]}]
YAML
  local host_count all one
  host_count=$(nvidia-smi -L | grep -c '^GPU ')
  echo "== pier run all (gpus: all)"
  all=$(PIER_CDI_SPEC_DIRS="$work/cdi" "$pier" --root "$root" -p "$project" -f "$work/compose.yaml" run --rm -T all)
  echo "$all"
  echo "== pier run one (count: 1)"
  one=$(PIER_CDI_SPEC_DIRS="$work/cdi" "$pier" --root "$root" -p "$project" -f "$work/compose.yaml" run --rm -T one)
  echo "$one"
  [ "$(grep -c '^GPU ' <<<"$all")" -eq "$host_count" ] || { echo "gpu-check: FAIL: gpus: all saw another number of GPUs than the host ($host_count)" >&2; exit 1; }
  [ "$(grep -c '^GPU ' <<<"$one")" -eq 1 ] || { echo "gpu-check: FAIL: count: 1 did not see exactly one GPU" >&2; exit 1; }
  echo "gpu-check: OK ($host_count GPU(s) seen through CDI)"
}

if [ "${BASH_SOURCE[0]}" = "$0" ]; then main "$@"; fi
