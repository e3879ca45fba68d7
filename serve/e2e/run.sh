#!/usr/bin/env bash
# The playground's browser test: installs what it needs (Debian's chromium,
# the npm packages of package-lock.json) and runs e2e.mjs, which builds the
# CLI, starts `backprop serve` on a free port of 127.0.0.1 and drives
# headless Chromium. Exits non-zero on failure. Screenshots go to $E2E_OUT
# (default $TMPDIR/backprop-playground-e2e).
set -euo pipefail
cd "$(dirname "$0")"

if [ ! -x "${CHROMIUM:-/usr/bin/chromium}" ]; then
  echo "--- installing chromium (apt-get)"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq chromium >/dev/null
fi
if ! command -v node >/dev/null || ! command -v npm >/dev/null; then
  echo "--- installing node and npm (apt-get)"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq nodejs npm >/dev/null
fi

echo "--- the page's engine links no plotting library (explain/raster draws PNG apart)"
if (cd ../.. && GOOS=js GOARCH=wasm go list -deps ./serve/wasm) | grep -E 'gonum.org/v1/plot|go-fonts|go-latex'; then
  echo "serve/wasm links the packages above: keep them out of what it imports"; exit 1
fi

echo "--- npm ci (playwright-core; no browser download)"
PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD=1 npm ci --no-audit --no-fund --loglevel=error

echo "--- the playground in headless chromium"
node e2e.mjs
