#!/usr/bin/env bash
# Release check of a built image (not run by CI: one boot under emulation takes minutes).
# Customises IMAGE with `classboard image customize` (hub URL 10.0.2.2:PORT as qemu's user network sees this
# machine, an enrollment token, a room, a host name), starts a hub on 127.0.0.1, boots the image in
# qemu-system-aarch64 (virt, TCG) with restrict=on networking whose only way out is a guestfwd to the hub,
# and checks enrollment, the board service and its watchdog, a usage record at the hub, the read-only root
# over a writable data partition, and a hard reset (power cut) with the store kept.
# Usage: images/smoke.sh IMAGE.img[.xz] [--work DIR] [--boot-timeout S]   (after images/setup.sh)
set -euo pipefail
HERE="$(cd "$(dirname "$0")" && pwd)"
PY="$HERE/../.venv/bin/python"
[ -x "$PY" ] || PY=python3
exec nice -n 19 "$PY" "$HERE/smoke.py" "$@"
