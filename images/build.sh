#!/usr/bin/env bash
# shellcheck disable=SC2016  # $1 in mmdebstrap hooks and ${Package} in dpkg-query formats are not ours to expand
# Build the generic classboard SD-card image (arm64, Raspberry Pi 4/5; the same image boots on qemu's
# virt machine) from Debian trixie packages, without loop mounts:
#   1. base root file system: mmdebstrap with images/rootfs/packages.txt; the initramfs is made once,
#      small (MODULES=list). Cached in --cache by a hash of its inputs: later runs skip it.
#   2. classboard layer: the project's wheel into /opt/classboard/venv (--system-site-packages, so the
#      compiled modules are Debian's), units, files, users.
#   3. partitions as files: FAT boot (mkfs.vfat + mcopy), ext4 root and data (mkfs.ext4 -d), an MBR
#      table (parted), dd into place; then xz, sha256, package manifest and the Imager JSON.
# Usage (as root, after images/setup.sh):  nice -n 19 images/build.sh [--out DIR] [--cache DIR]
# Raspberry Pi OS instead of Debian (IT staff supply the base image): images/build-raspios.sh.
set -euo pipefail

HERE="$(cd "$(dirname "$0")" && pwd)"
REPO="$(cd "$HERE/.." && pwd)"
OUT="$REPO/images/out"
CACHE="/var/cache/classboard-image"
SUITE="trixie"
MIRROR="http://deb.debian.org/debian"
SECURITY="http://deb.debian.org/debian-security"
BOOT_MB=256
DATA_MB=512
XZ_LEVEL=6
URL=""
HEADLESS=no

usage() {
  echo "usage: $0 [--out DIR] [--cache DIR] [--data-mb N] [--xz-level 0-9] [--url IMAGE_URL_FOR_IMAGER] [--headless]" >&2
  exit 2
}
while [ $# -gt 0 ]; do
  case "$1" in
    --out) OUT="$2"; shift 2 ;;
    --cache) CACHE="$2"; shift 2 ;;
    --data-mb) DATA_MB="$2"; shift 2 ;;
    --xz-level) XZ_LEVEL="$2"; shift 2 ;;
    --url) URL="$2"; shift 2 ;;
    --headless) HEADLESS=yes; shift ;;   # without rootfs/packages-screen.txt (no Chromium, no OpenCV)
    *) usage ;;
  esac
done
[ "$(id -u)" -eq 0 ] || { echo "build.sh needs root (mmdebstrap --mode=root, chroot, file ownership)" >&2; exit 1; }
for tool in mmdebstrap mkfs.ext4 mkfs.vfat mcopy parted xz; do
  command -v "$tool" >/dev/null || { echo "$tool missing: run images/setup.sh first" >&2; exit 1; }
done

mkdir -p "$OUT" "$CACHE"
started=$(date +%s)
stamp() { echo "== $(( $(date +%s) - started )) s: $*"; }
VERSION=$(sed -n 's/^version = "\(.*\)"/\1/p' "$REPO/pyproject.toml" | head -1)
NAME="classboard-$VERSION-$SUITE-arm64"
LISTS=("$HERE/rootfs/packages.txt")
if [ "$HEADLESS" = yes ]; then NAME="$NAME-headless"; else LISTS+=("$HERE/rootfs/packages-screen.txt"); fi

# ---- 1. base root file system (cached) -------------------------------------------------------------
packages=$(cat "${LISTS[@]}" | grep -v '^\s*#' | xargs | tr ' ' ',')
# The key: suite, packages, initramfs settings and this stage's recipe. The overlay script is left out: when
# only it changes, stage 2 remakes the (small) initramfs instead of the whole base.
base_key=$( (echo "$SUITE"; cat "${LISTS[@]}" "$HERE"/rootfs/initramfs/*; \
  sed -n '/^# ---- 1/,/^# ---- 2/p' "$0") | sha256sum | cut -c1-16)
BASE="$CACHE/base-$SUITE-$base_key.tar"
if [ -f "$BASE" ]; then
  stamp "base root file system from cache: $BASE"
else
  stamp "base root file system: mmdebstrap $SUITE arm64 (takes minutes under emulation)"
  overlay_script="$HERE/files/etc/initramfs-tools/scripts/init-bottom/classboard-overlay"
  # The initramfs config is in place before initramfs-tools is unpacked (force-confold keeps it), and
  # update_initramfs=no stops the dpkg trigger from making it a second time after the kernel's postinst.
  # Clearing apt's Pre-Install-Pkgs hook skips dpkg-preconfigure (apt-extracttemplates over every .deb
  # under emulation, ~9 min in the first attempt; nothing to ask with the noninteractive frontend).
  mmdebstrap --mode=root --variant=apt --architectures=arm64 --format=tar \
    --components="main non-free-firmware" --include="$packages" \
    --dpkgopt='force-confold' --dpkgopt='force-confdef' \
    --dpkgopt='path-exclude=/usr/share/man/*' --dpkgopt='path-exclude=/usr/share/doc/*' \
    --dpkgopt='path-include=/usr/share/doc/*/copyright' \
    --dpkgopt='path-exclude=/usr/share/locale/*' --dpkgopt='path-include=/usr/share/locale/zh_CN/*' \
    --aptopt='#clear DPkg::Pre-Install-Pkgs' \
    --essential-hook='mkdir -p "$1/boot/firmware" "$1/etc/initramfs-tools/conf.d" "$1/etc/initramfs-tools/scripts/init-bottom"' \
    --essential-hook="install -m 0644 '$HERE/rootfs/initramfs/classboard.conf' \"\$1/etc/initramfs-tools/conf.d/\"" \
    --essential-hook="install -m 0644 '$HERE/rootfs/initramfs/modules' \"\$1/etc/initramfs-tools/modules\"" \
    --essential-hook="install -m 0755 '$overlay_script' \"\$1/etc/initramfs-tools/scripts/init-bottom/\"" \
    --essential-hook='printf "update_initramfs=no\nbackup_initramfs=no\n" > "$1/etc/initramfs-tools/update-initramfs.conf"' \
    --customize-hook='printf "update_initramfs=yes\nbackup_initramfs=no\n" > "$1/etc/initramfs-tools/update-initramfs.conf"' \
    --customize-hook='ls "$1"/boot/initrd.img-* >/dev/null' \
    "$SUITE" "$BASE.partial" \
    "deb $MIRROR $SUITE main non-free-firmware" \
    "deb $MIRROR $SUITE-updates main non-free-firmware" \
    "deb $SECURITY $SUITE-security main non-free-firmware"
  mv "$BASE.partial" "$BASE"
  stamp "base done: $(du -m "$BASE" | cut -f1) MB tar"
fi

# ---- 2. classboard layer ---------------------------------------------------------------------------
WORK="$CACHE/work"
rm -rf "$WORK"
mkdir -p "$WORK/root" "$WORK/data" "$WORK/wheel"
stamp "unpack base"
tar -C "$WORK/root" --xattrs --xattrs-include='*' --numeric-owner -xpf "$BASE"
R="$WORK/root"
overlay_script=etc/initramfs-tools/scripts/init-bottom/classboard-overlay
if ! cmp -s "$HERE/files/$overlay_script" "$R/$overlay_script"; then
  stamp "overlay script changed since the cached base: initramfs remade"
  install -m 0755 "$HERE/files/$overlay_script" "$R/$overlay_script"
  chroot "$R" update-initramfs -u -k all
fi

stamp "classboard wheel (built natively, pure Python, from the files git tracks)"
mkdir -p "$WORK/src"
git -C "$REPO" ls-files -z | tar -C "$REPO" --null -T - -cf - | tar -C "$WORK/src" -xf -
PIP_PY="$REPO/.venv/bin/python"
[ -x "$PIP_PY" ] || PIP_PY=python3
"$PIP_PY" -m pip wheel -q --no-deps -w "$WORK/wheel" "$WORK/src"
wheel=$(ls "$WORK"/wheel/classboard-*.whl)
mkdir -p "$R/opt/classboard"
cp "$wheel" "$R/opt/classboard/"

stamp "venv with Debian's packages (--system-site-packages; nothing compiles)"
chroot "$R" /usr/bin/python3 -m venv --system-site-packages /opt/classboard/venv
chroot "$R" /opt/classboard/venv/bin/python -m pip install -q --no-index --no-deps \
  "/opt/classboard/$(basename "$wheel")"
# Declared ranges Debian's versions miss are listed in the manifest, not hidden.
chroot "$R" /opt/classboard/venv/bin/python -m pip check > "$WORK/pip-check.txt" 2>&1 || true
rm -f "$R/opt/classboard/$(basename "$wheel")"

stamp "units, files, users"
install -m 0644 "$HERE"/systemd/*.service "$HERE"/systemd/*.timer "$R/etc/systemd/system/"
cp -a "$HERE/files/." "$R/"
chroot "$R" /bin/sh -eu <<'CHROOT'
for g in gpio i2c spi; do getent group "$g" >/dev/null || groupadd --system "$g"; done
id classboard >/dev/null 2>&1 || useradd --system --home-dir /var/lib/classboard --shell /usr/sbin/nologin classboard
id kiosk >/dev/null 2>&1 || useradd --create-home --uid 1001 --shell /bin/sh kiosk
usermod -aG audio,video,gpio,i2c,spi,dialout,input classboard
usermod -aG audio,video,input,render kiosk 2>/dev/null || usermod -aG audio,video,input kiosk
ln -sf /opt/classboard/venv/bin/classboard /usr/local/bin/classboard
echo classboard > /etc/hostname
printf '127.0.0.1\tlocalhost\n127.0.1.1\tclassboard\n' > /etc/hosts
: > /etc/machine-id
mkdir -p /var/lib/classboard
CHROOT
kiosk=classboard-kiosk.service
[ "$HEADLESS" = yes ] && kiosk=""
# shellcheck disable=SC2086  # $kiosk is one unit or nothing
systemctl --root="$R" enable classboard-grow-data.service classboard-firstboot.service classboard-board.service $kiosk \
  classboard-update.timer classboard-boot-report.service classboard-update-now.service systemd-timesyncd.service NetworkManager.service >/dev/null 2>&1
systemctl --root="$R" set-default graphical.target >/dev/null 2>&1
classboard_uid=$(chroot "$R" id -u classboard)
classboard_gid=$(chroot "$R" id -g classboard)

stamp "boot partition content"
BOOTDIR="$WORK/boot"
mkdir -p "$BOOTDIR"
cp -a "$R/boot/firmware/." "$BOOTDIR/"
KVER=$(basename "$(ls -d "$R"/lib/modules/*)")
for f in vmlinuz initrd.img; do
  [ -f "$BOOTDIR/$f" ] || cp "$R/boot/$f-$KVER" "$BOOTDIR/$f"
done
install -m 0644 "$HERE/rootfs/config.txt" "$BOOTDIR/config.txt"
install -m 0644 "$HERE/rootfs/cmdline.txt" "$BOOTDIR/cmdline.txt"
cp "$REPO/docs/board.example.toml" "$BOOTDIR/classboard.toml.example"
rm -rf "${R:?}/boot/firmware/"*

stamp "manifest"
MANIFEST="$OUT/$NAME.manifest.txt"
{
  echo "# $NAME: Debian packages (dpkg), then the classboard wheel, then pip check"
  chroot "$R" dpkg-query -W -f '${Package}\t${Version}\n'
  echo "# classboard: $(basename "$wheel")"
  echo "# kernel: $KVER"
  echo "# pip check (declared ranges Debian's versions do not meet; the code runs on them):"
  sed 's/^/#   /' "$WORK/pip-check.txt"
} > "$MANIFEST"
package_count=$(chroot "$R" dpkg-query -W -f '${Package}\n' | wc -l)
rm -rf "$R/var/cache/apt/archives/"*.deb "$R/var/lib/apt/lists/"*_Packages* 2>/dev/null || true

# ---- 3. partitions as files, then the image --------------------------------------------------------
stamp "file systems"
root_mb=$(( $(du -sm "$R" | cut -f1) * 115 / 100 + 128 ))
rm -f "$WORK"/*.fs
mkfs.vfat -C -F 32 -n CBBOOT "$WORK/boot.fs" $((BOOT_MB * 1024)) >/dev/null
MTOOLS_SKIP_CHECK=1 mcopy -s -i "$WORK/boot.fs" "$BOOTDIR"/* ::/
mkfs.ext4 -q -L CBROOT -d "$R" "$WORK/root.fs" "${root_mb}M"
mkfs.ext4 -q -L CBDATA -E root_owner="$classboard_uid:$classboard_gid" -d "$WORK/data" "$WORK/data.fs" "${DATA_MB}M"

stamp "image"
IMG="$OUT/$NAME.img"
start=4
total=$((start + BOOT_MB + root_mb + DATA_MB + 1))
rm -f "$IMG"
truncate -s "${total}M" "$IMG"
parted -s "$IMG" mklabel msdos \
  mkpart primary fat32 "${start}MiB" "$((start + BOOT_MB))MiB" \
  mkpart primary ext4 "$((start + BOOT_MB))MiB" "$((start + BOOT_MB + root_mb))MiB" \
  mkpart primary ext4 "$((start + BOOT_MB + root_mb))MiB" "$((start + BOOT_MB + root_mb + DATA_MB))MiB"
dd if="$WORK/boot.fs" of="$IMG" bs=1M seek=$start conv=notrunc,sparse status=none
dd if="$WORK/root.fs" of="$IMG" bs=1M seek=$((start + BOOT_MB)) conv=notrunc,sparse status=none
dd if="$WORK/data.fs" of="$IMG" bs=1M seek=$((start + BOOT_MB + root_mb)) conv=notrunc,sparse status=none
rm -f "$WORK"/*.fs
built=$(date +%s)

stamp "xz -$XZ_LEVEL"
rm -f "$IMG.xz"
xz -T0 "-$XZ_LEVEL" -k "$IMG"
(cd "$OUT" && sha256sum "$NAME.img.xz" > "$NAME.img.xz.sha256")
if [ -n "$URL" ]; then
  PYTHONPATH="$REPO" python3 -m classboard image imager-json "$IMG.xz" --url "$URL" --out "$OUT/$NAME.imager.json" \
    || "$REPO/.venv/bin/classboard" image imager-json "$IMG.xz" --url "$URL" --out "$OUT/$NAME.imager.json"
fi
finished=$(date +%s)
raw_mb=$(( $(stat -c %s "$IMG") / 1048576 ))
xz_mb=$(( $(stat -c %s "$IMG.xz") / 1048576 ))
stamp "done"
printf '{"image": "%s", "build_s": %d, "xz_s": %d, "raw_mib": %d, "xz_mib": %d, "root_mib": %d, "packages": %d, "kernel": "%s"}\n' \
  "$IMG.xz" $((built - started)) $((finished - built)) "$raw_mb" "$xz_mb" "$root_mb" "$package_count" "$KVER" \
  | tee "$OUT/$NAME.build.json"
