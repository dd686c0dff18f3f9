#!/usr/bin/env bash
# Seeds `busybox:latest` into a pier store from the host's busybox-static, so
# `image: busybox` works offline. Idempotent: exits at once when already seeded.
#
#   scripts/seed-busybox.sh [ROOT]     ROOT defaults to $PIER_ROOT or /var/lib/pier
#
# Uses $PIER (default: build/src/cli/pier).
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
root="${1:-${PIER_ROOT:-/var/lib/pier}}"
busybox="${BUSYBOX:-/bin/busybox}"
pier="${PIER:-}"
if [ -z "$pier" ]; then
  for candidate in "$here/build/src/cli/pier"; do
    if [ -x "$candidate" ] && "$candidate" image --help >/dev/null 2>&1; then pier="$candidate"; break; fi
  done
fi
[ -n "$pier" ] || { echo "seed-busybox: no pier binary with 'image' commands; build first or set PIER" >&2; exit 1; }
[ -x "$busybox" ] || { echo "seed-busybox: $busybox missing (apt-get install busybox-static)" >&2; exit 1; }
{ ldd "$busybox" 2>&1 || true; } | grep -q "not a dynamic executable" || \
  { echo "seed-busybox: $busybox is not static (install busybox-static)" >&2; exit 1; }

if "$pier" --root "$root" image inspect busybox:latest >/dev/null 2>&1; then
  echo "busybox:latest already in $root"
  exit 0
fi

work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
rootfs="$work/rootfs"
mkdir -p "$rootfs"/{bin,sbin,usr/bin,usr/sbin,etc,root,home,tmp,var/spool/mail,var/www,proc,sys,dev}
chmod 1777 "$rootfs/tmp"
chmod 700 "$rootfs/root"
cp "$busybox" "$rootfs/bin/busybox"
# One symlink per applet, at the path busybox itself reports (/bin/sh, /usr/bin/env...).
# Made by one perl (Essential on Debian): an `ln` per applet was 270 processes, a second
# of every seeding, and the e2e tests seed often.
"$busybox" --list-full | ROOTFS="$rootfs" perl -ne 'chomp; next if $_ eq "bin/busybox";
  symlink("/bin/busybox", "$ENV{ROOTFS}/$_") or die "seed-busybox: $_: $!\n"'
printf 'root:x:0:0:root:/root:/bin/sh\ndaemon:x:1:1:daemon:/usr/sbin:/bin/false\nnobody:x:65534:65534:nobody:/home:/bin/false\n' > "$rootfs/etc/passwd"
printf 'root:x:0:\ndaemon:x:1:\ntty:x:5:\nnogroup:x:65534:\n' > "$rootfs/etc/group"
printf 'hosts: files dns\n' > "$rootfs/etc/nsswitch.conf"
tar --numeric-owner --owner=0 --group=0 -C "$rootfs" -cf "$work/rootfs.tar" .

"$pier" --root "$root" image import \
  --change 'ENV PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin' \
  --change 'CMD ["sh"]' \
  -m "seeded from $busybox" \
  "$work/rootfs.tar" busybox:latest >/dev/null
echo "seeded busybox:latest into $root"
