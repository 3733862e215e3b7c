#!/usr/bin/env bash
# Regenerates site/pkg/: the tlog and election verification code compiled to WebAssembly, with
# wasm-bindgen's JavaScript glue. Needs the wasm32-unknown-unknown target and wasm-bindgen-cli
# at exactly the version of the wasm-bindgen crate in Cargo.lock:
#   cargo install --locked wasm-bindgen-cli --version "$(web-viewer/build.sh --wasm-bindgen-version)"
# (without --locked if a registry lacks one of the versions its lock file names).
# The output is committed, so that `ledger` embeds the site and a fresh machine needs no wasm
# toolchain to run the demo.
set -euo pipefail
cd "$(dirname "$0")/.."
version=$(awk '/^name = "wasm-bindgen"$/ { getline; gsub(/version = |"/, ""); print; exit }' Cargo.lock)
if [ "${1:-}" = --wasm-bindgen-version ]; then echo "$version"; exit 0; fi
target=${CARGO_TARGET_DIR:-target}
have=$(wasm-bindgen --version 2>/dev/null | awk '{print $2}' || true)
if [ "$have" != "$version" ]; then
  echo "build.sh: wasm-bindgen $version is needed (found: ${have:-none}):" >&2
  echo "  cargo install --locked wasm-bindgen-cli --version $version" >&2
  echo "  (without --locked if your registry lacks a version its lock file names)" >&2
  exit 1
fi
out=${1:-web-viewer/site/pkg}
mkdir -p "$out"
# Two modules from the one crate: `web_viewer` (everything, the auditor included: the tally's
# workers and the precinct page load it) and `web_viewer_core` (without the auditor: what a
# first visit needs — the trust root, checkpoints, inclusion proofs, records — 38 KB smaller).
for module in web_viewer web_viewer_core; do
  features=--features=auditor
  [ "$module" = web_viewer_core ] && features=--no-default-features
  cargo build -p web-viewer --target wasm32-unknown-unknown --profile wasm-release --locked "$features"
  wasm-bindgen --target web --no-typescript --remove-name-section --remove-producers-section --out-dir "$out" \
    --out-name "$module" "$target/wasm32-unknown-unknown/wasm-release/web_viewer.wasm"
  # wasm-opt, when present (npm's binaryen), shrinks the module further; the build is
  # reproducible only with the same wasm-opt, so it is used only when asked for.
  if [ -n "${WASM_OPT:-}" ]; then "$WASM_OPT" -Os --enable-bulk-memory --enable-nontrapping-float-to-int -o "$out/${module}_bg.wasm" "$out/${module}_bg.wasm"; fi
  # The wasm is fetched by a URL naming its contents (the first 16 hex digits of its SHA-256), so
  # that a server may let browsers keep it for a year: a new build is a new URL.
  wasm_version=$(sha256sum "$out/${module}_bg.wasm" | cut -c1-16)
  sed -i "s|new URL('${module}_bg.wasm', import.meta.url)|new URL('${module}_bg.wasm?v=$wasm_version', import.meta.url)|" "$out/$module.js"
  grep -q "${module}_bg.wasm?v=$wasm_version" "$out/$module.js" || { echo "build.sh: the glue's wasm URL was not found in $module.js" >&2; exit 1; }
done
rm -f "$out/.gitignore" "$out/package.json"
ls -l "$out"
