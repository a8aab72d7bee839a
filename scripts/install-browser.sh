#!/usr/bin/env bash
# The browser the web tests drive (playwright-core, no downloaded browser): Debian's chromium,
# with CJK fonts so that pages and screenshots show Chinese rather than boxes. Skips the
# install when both are present. Another install may hold the dpkg lock: wait for it.
set -euo pipefail
if command -v chromium >/dev/null 2>&1 && fc-list 2>/dev/null | grep -qi 'Noto Sans CJK'; then
  exit 0
fi
echo "install-browser: apt-get install chromium fonts-noto-cjk"
apt-get -o DPkg::Lock::Timeout=600 update -qq
DEBIAN_FRONTEND=noninteractive apt-get -o DPkg::Lock::Timeout=600 install -y -qq --no-install-recommends \
  chromium fonts-noto-cjk fontconfig >/dev/null
