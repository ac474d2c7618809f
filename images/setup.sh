#!/usr/bin/env bash
# What building and smoke-booting the SD-card image needs on a Debian 12 build machine (as root).
# Kept apart from scripts/setup.sh on purpose: CI and the demo never build images.
set -euo pipefail
[ "$(id -u)" -eq 0 ] || { echo "images/setup.sh needs root (apt-get, binfmt_misc)" >&2; exit 1; }
export DEBIAN_FRONTEND=noninteractive
pkgs="mmdebstrap qemu-user-static binfmt-support qemu-system-arm qemu-utils mtools dosfstools e2fsprogs
      parted xz-utils ipxe-qemu arch-test socat"
missing=$(for p in $pkgs; do dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "ok installed" || echo "$p"; done)
if [ -n "$missing" ]; then
  apt-get -o DPkg::Lock::Timeout=600 update -qq
  # shellcheck disable=SC2086  # a word list on purpose
  apt-get -o DPkg::Lock::Timeout=600 install -y -qq --no-install-recommends $missing >/dev/null
fi
# Containers often start without binfmt_misc mounted; arm64 binaries then fail with "Exec format error".
[ -e /proc/sys/fs/binfmt_misc/register ] || mount -t binfmt_misc binfmt_misc /proc/sys/fs/binfmt_misc
update-binfmts --enable qemu-aarch64 >/dev/null 2>&1 || true
arch-test arm64 >/dev/null || { echo "arm64 binaries cannot run here (binfmt/qemu-user-static)" >&2; exit 1; }
echo "image build tools ready: $(mmdebstrap --version), $(qemu-system-aarch64 --version | head -1)"
