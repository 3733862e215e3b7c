#!/usr/bin/env bash
# Installs what the browser tests need: Debian's chromium (if /usr/bin/chromium is missing)
# and playwright-core from npm (package-lock.json). Never a browser download of Playwright's own.
set -euo pipefail
cd "$(dirname "$0")"
if [ ! -x /usr/bin/chromium ]; then
  apt-get update
  DEBIAN_FRONTEND=noninteractive apt-get install -y chromium
fi
export PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD=1
npm ci --no-audit --no-fund
