#!/usr/bin/env bash
# Installs everything the tests need on a fresh Debian machine: Python packages;
# Debian's Chromium and CJK fonts for the browser tests and screenshots; LibreOffice
# (.doc/.wps/.odt/.rtf) and Tesseract with Simplified Chinese (scans and photos).
set -euo pipefail
cd "$(dirname "$0")/.."
need_apt=()
[ -x /usr/bin/chromium ] || need_apt+=(chromium)
fc-list 2>/dev/null | grep -qi "Noto Sans CJK" || need_apt+=(fonts-noto-cjk)
command -v soffice >/dev/null || need_apt+=(libreoffice-writer-nogui)
command -v tesseract >/dev/null || need_apt+=(tesseract-ocr)
tesseract --list-langs 2>/dev/null | grep -qx chi_sim || need_apt+=(tesseract-ocr-chi-sim)
if [ ${#need_apt[@]} -gt 0 ]; then
  if [ "$(id -u)" -ne 0 ]; then
    echo "需要以 root 安装：${need_apt[*]}（或先运行 sudo apt-get install ${need_apt[*]}）" >&2
    exit 1
  fi
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${need_apt[@]}" >/dev/null
fi
python3 -m pip install -q --disable-pip-version-check -r requirements-dev.txt
