#!/usr/bin/env bash
# Runs tlog's fuzz targets one after another, each for SECONDS (default 300), with
# libFuzzer under AddressSanitizer, debug assertions and overflow checks on.
#
#   tlog/fuzz/run.sh [SECONDS] [TARGET ...]
#
# Seeds come from spec/vectors; the growing corpus is kept in tlog/fuzz/corpus/<target>,
# each run's log in tlog/fuzz/logs/<target>.log, and any crash in tlog/fuzz/artifacts/.
set -euo pipefail
cd "$(dirname "$0")"
seconds=${1:-300}
shift || true
targets=("$@")
if [ ${#targets[@]} -eq 0 ]; then
  targets=(note checkpoint tile_path witness_request proof_bundle policy merkle_verify
    record entry_bundle witness_response keys tile_proof wasm_exports log_list)
fi
command -v cargo-fuzz >/dev/null || cargo install cargo-fuzz --locked
# cargo fuzz passes nightly-only flags (-Zsanitizer); this lets the stable toolchain take them.
export RUSTC_BOOTSTRAP=1
vectors=../../spec/vectors

seed() { # target: copy the spec's example files in as starting points
  local dir=corpus/$1
  mkdir -p "$dir"
  case $1 in
    note) cp "$vectors"/checkpoint*.txt "$dir"/ ;;
    checkpoint) head -n 3 "$vectors"/checkpoint.txt > "$dir"/checkpoint ;;
    log_list) printf 'logs/v0\n\nvkey a.example+5f4dcc3b+AVnO0hUFfbJSkWwkB1ndm8qOrYdgmEbXKTKFRKa7R7YI\nqpd 24\ncontact a@a.example\n' > "$dir"/list ;;
    tile_path) printf 'tile/0/x001/x234/067.p/17' > "$dir"/p1; printf 'tile/entries/000' > "$dir"/p2 ;;
    witness_request) cp "$vectors"/add-checkpoint.txt "$dir"/ ;;
    proof_bundle) cp "$vectors"/*.tlog-proof "$dir"/ ;;
    policy) cp "$vectors"/policy.txt "$dir"/ ;;
    merkle_verify) head -c 208 /dev/zero > "$dir"/zeros ;;
    record) python3 -c 'import json,sys; [open(f"'"$dir"'/r{i}","wb").write(bytes.fromhex(v["entry_hex"])) for i,v in enumerate(json.load(open(sys.argv[1]))["records"])]' "$vectors"/records.json 2>/dev/null || printf '\xa0' > "$dir"/empty ;;
    entry_bundle) printf '\x01\x00\x03abc' > "$dir"/one ;;
    witness_response) printf '\x00\xe2\x80\x94 w AAAA\n' > "$dir"/cosigned ;;
    keys) grep -o '[^ ]*+[0-9a-f]\{8\}+[A-Za-z0-9+/=]*' "$vectors"/policy.txt | head -n 3 | while read -r k; do printf '%s' "$k" > "$dir/$(echo "$k" | cut -c1-8)"; done
      python3 -c 'import json,sys; c=json.load(open(sys.argv[1]))["cosigners"][0]; open(sys.argv[2]+"/ml-dsa","w").write(c["vkey"]); open(sys.argv[2]+"/ml-dsa-private","w").write(c["private_key"])' "$vectors"/cosignature-ml-dsa-44.json "$dir" ;;
    tile_proof) head -c 300 /dev/urandom > "$dir"/random ;;
    wasm_exports) { printf '\x00'; cat "$vectors"/checkpoint-cosigned.txt; } > "$dir"/checkpoint ;;
  esac
}

mkdir -p logs
cargo fuzz build -O -a
printf '%-16s %12s %10s %s\n' target executions seconds result
for t in "${targets[@]}"; do
  seed "$t"
  result=ok
  cargo fuzz run -O -a "$t" "corpus/$t" -- -max_total_time="$seconds" -dict=tlog.dict \
    -print_final_stats=1 > "logs/$t.log" 2>&1 || result="FAILED (see tlog/fuzz/logs/$t.log)"
  execs=$(grep -o 'stat::number_of_executed_units: *[0-9]*' "logs/$t.log" | grep -o '[0-9]*$' || echo '?')
  printf '%-16s %12s %10s %s\n' "$t" "$execs" "$seconds" "$result"
  [ "$result" = ok ] || exit 1
done
