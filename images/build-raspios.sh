#!/usr/bin/env bash
# Build the classboard SD-card image from a Raspberry Pi OS Lite (arm64) image that IT staff supply.
# Not run here (no machine here can download Raspberry Pi OS): the Debian image (images/build.sh) is the one
# built, booted and measured; this path stays for schools that must use Raspberry Pi OS (e.g. the Pi 5).
# Run on a Debian or Ubuntu PC as root:
#   sudo images/build.sh --base 2025-xx-xx-raspios-bookworm-arm64-lite.img.xz --out classboard.img
# Needs: qemu-user-static binfmt-support parted e2fsprogs dosfstools xz-utils rsync (installed below).
# The result: classboard in its own venv under /opt/classboard, the board, kiosk and
# first-boot units enabled, a small volatile journal, time sync, a read-only root
# (overlay) and a writable ext4 data partition (label CBDATA) mounted at /var/lib/classboard.
set -euo pipefail

BASE=""
OUT="classboard.img"
DATA_MB=1024
HERE="$(cd "$(dirname "$0")" && pwd)"
REPO="$(cd "$HERE/.." && pwd)"

usage() { echo "usage: $0 --base RASPIOS_LITE.img[.xz] [--out FILE] [--data-mb N]" >&2; exit 2; }
while [ $# -gt 0 ]; do
  case "$1" in
    --base) BASE="$2"; shift 2 ;;
    --out) OUT="$2"; shift 2 ;;
    --data-mb) DATA_MB="$2"; shift 2 ;;
    *) usage ;;
  esac
done
[ -n "$BASE" ] || usage
[ "$(id -u)" -eq 0 ] || { echo "build.sh needs root (loop devices, chroot)" >&2; exit 1; }

started=$(date +%s)
apt-get install -y -qq qemu-user-static binfmt-support parted e2fsprogs dosfstools xz-utils rsync python3-venv >/dev/null

echo "== base image"
case "$BASE" in
  *.xz) xz -dc "$BASE" > "$OUT" ;;
  *) cp --sparse=always "$BASE" "$OUT" ;;
esac

echo "== data partition (${DATA_MB} MB)"
truncate -s "+$((DATA_MB + 1024))M" "$OUT"   # room for the venv on root, and the data partition
root_end=$(parted -sm "$OUT" unit MiB print | awk -F: '$1=="2"{print $3}' | tr -d MiB)
root_new_end=$((${root_end%.*} + 1024))
parted -s "$OUT" resizepart 2 "${root_new_end}MiB"
parted -s "$OUT" mkpart primary ext4 "${root_new_end}MiB" 100%

LOOP=$(losetup -Pf --show "$OUT")
MNT=$(mktemp -d)
cleanup() {
  set +e
  for m in dev/pts dev proc sys boot/firmware ""; do umount "$MNT/$m" 2>/dev/null; done
  losetup -d "$LOOP" 2>/dev/null
  rmdir "$MNT" 2>/dev/null
}
trap cleanup EXIT

e2fsck -fy "${LOOP}p2" >/dev/null || true
resize2fs "${LOOP}p2" >/dev/null
mkfs.ext4 -q -L CBDATA "${LOOP}p3"
mount "${LOOP}p2" "$MNT"
mount "${LOOP}p1" "$MNT/boot/firmware"
for m in dev dev/pts proc sys; do mount --bind "/$m" "$MNT/$m"; done

echo "== classboard source and units"
mkdir -p "$MNT/opt/classboard/src"
rsync -a --exclude .git --exclude .venv --exclude tests/artifacts "$REPO/" "$MNT/opt/classboard/src/"
install -m 0644 "$HERE"/systemd/*.service "$HERE"/systemd/*.timer "$MNT/etc/systemd/system/"
rsync -a --exclude etc/fstab "$HERE/files/" "$MNT/"   # Raspberry Pi OS keeps its own fstab (PARTUUIDs)
cp "$REPO/docs/board.example.toml" "$MNT/boot/firmware/classboard.toml.example"

echo "== packages and venv (in the arm64 chroot)"
chroot "$MNT" /bin/bash -euo pipefail <<'CHROOT'
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
apt-get install -y -qq --no-install-recommends chromium cage python3-venv python3-dev build-essential \
  portaudio19-dev espeak-ng fonts-noto-cjk mtools systemd-timesyncd cec-utils wlr-randr libgl1 >/dev/null
id classboard >/dev/null 2>&1 || useradd --system --home /var/lib/classboard --shell /usr/sbin/nologin classboard
id kiosk >/dev/null 2>&1 || useradd --create-home --uid 1001 --shell /bin/bash kiosk
for g in audio video gpio i2c dialout input; do getent group "$g" >/dev/null && usermod -aG "$g" classboard; done
python3 -m venv /opt/classboard/venv
/opt/classboard/venv/bin/pip install -q --upgrade pip
/opt/classboard/venv/bin/pip install -q "/opt/classboard/src[hardware]"
mkdir -p /var/lib/classboard
echo "LABEL=CBDATA /var/lib/classboard ext4 defaults,noatime,commit=60 0 2" >> /etc/fstab
systemctl enable classboard-firstboot.service classboard-board.service classboard-kiosk.service classboard-update.timer classboard-boot-report.service classboard-update-now.service systemd-timesyncd.service
systemctl set-default graphical.target
# Raspberry Pi OS's venv holds every dependency (pip), so an update brings them all (a full wheelhouse).
mkdir -p /etc/systemd/system/classboard-update.service.d
printf '[Service]\nExecStart=\nExecStart=/usr/lib/classboard/classboard board update --root /var/lib/classboard/software\n' \
  > /etc/systemd/system/classboard-update.service.d/raspios.conf
# Read-only root: classboard's own initramfs overlay (images/files/etc/initramfs-tools/scripts/init-bottom),
# not raspi-config's do_overlayfs, which leaves extra partitions read-only or boots into emergency mode
# (RPi-Distro/raspi-config#288, raspberrypi/linux#6968). The data partition is mounted over it, writable.
update-initramfs -u -k all
apt-get clean
CHROOT

cleanup
trap - EXIT
size=$(du -h --apparent-size "$OUT" | cut -f1)
echo "== done: $OUT ($size) in $(( $(date +%s) - started )) s"
