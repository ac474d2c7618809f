#!/usr/bin/env bash
# Installs everything classboard needs on a fresh Debian 12 machine: the system
# packages the real drivers and the tests use, and a venv with the project in it.
# Safe to run twice: apt and pip are skipped when nothing is missing.
set -euo pipefail
cd "$(dirname "$0")/.."

SUDO=""
if [ "$(id -u)" -ne 0 ]; then SUDO="sudo"; fi

APT_PACKAGES=(
  python3 python3-venv python3-dev build-essential pkg-config
  portaudio19-dev libasound2-dev alsa-utils sox      # PyAudio over ALSA; sox measures sound
  espeak-ng espeak-ng-data                            # offline TTS (Mandarin voice "cmn")
  mosquitto                                           # MQTT push broker (tests start their own)
  postgresql                                          # district hub database (tests start their own)
  chromium fonts-noto-cjk fonts-noto-color-emoji      # kiosk screen and CJK text
  mtools dosfstools fdisk                             # boot-partition editing without root
  shellcheck systemd                                  # image recipe checks
  libgl1 libglib2.0-0                                 # OpenCV runtime libraries
)

missing=()
for p in "${APT_PACKAGES[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
  echo "setup: installing system packages: ${missing[*]}"
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}"
fi

VENV=.venv
if [ ! -x "$VENV/bin/python" ]; then
  /usr/bin/python3 -m venv "$VENV"
fi
stamp="$VENV/.installed-$(sha256sum pyproject.toml | cut -c1-16)"
if [ ! -f "$stamp" ]; then
  "$VENV/bin/python" -m pip install -q --upgrade pip
  "$VENV/bin/python" -m pip install -q -e '.[dev]'
  rm -f "$VENV"/.installed-*
  touch "$stamp"
fi
echo "setup: ready ($VENV)"
