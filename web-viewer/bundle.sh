#!/usr/bin/env bash
# Makes the observers' own copy of the viewer: the static site with their trust policy built in,
# for them to publish on a host they control (spec/tlog.md §11.1). The copy never asks the log's
# operator what to trust: the page reads the `policy` file beside its index.html, and reads the
# log at the URL of the policy's `log` line (or ?log=<a mirror>).
#
#   web-viewer/bundle.sh observers.policy ./viewer-copy
#   (then serve ./viewer-copy as static files, e.g. python3 -m http.server -d ./viewer-copy)
#
# Add a `viewer <https://your.host/path/>` line to the policy you publish, so that the copy the
# log's operator serves links to yours.
set -euo pipefail
if [ $# -ne 2 ]; then
  echo "usage: web-viewer/bundle.sh POLICY OUTDIR" >&2
  exit 3
fi
policy=$1
out=$2
site="$(cd "$(dirname "$0")" && pwd)/site"
[ -f "$policy" ] || { echo "bundle.sh: no policy file at $policy" >&2; exit 3; }
grep -q '^log ' "$policy" || { echo "bundle.sh: $policy names no log (a 'log <vkey> <url>' line)" >&2; exit 3; }
if [ -e "$out" ] && [ -n "$(ls -A "$out" 2>/dev/null)" ]; then
  echo "bundle.sh: $out exists and is not empty; choose a new directory" >&2
  exit 3
fi
mkdir -p "$out/pkg"
cp "$site"/index.html "$site"/*.js "$site"/style.css "$out/"
cp "$site"/pkg/*.js "$site"/pkg/*.wasm "$out/pkg/"
cp "$policy" "$out/policy"
echo "the viewer with policy $(sha256sum "$out/policy" | cut -c1-16) (its fingerprint, as the page shows it) is in $out"
