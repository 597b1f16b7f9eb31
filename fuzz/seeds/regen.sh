#!/usr/bin/env bash
# Regenerates the committed seed corpora fuzz/seeds/<target>/: a suite run against the embedded
# reference server (secrets unredacted, so payloads are real), the published vectors, then
# `cargo fuzz cmin` per target so only inputs that add coverage stay. Existing seeds are kept as
# input to the minimisation.
set -euo pipefail
cd "$(dirname "$0")/../.."
raw=$(mktemp -d)
cargo run -q -p gatecheck --locked -- run --no-redact --report "json=$raw/report.json" >/dev/null
python3 fuzz/seeds/extract.py "$raw/report.json" --out "$raw/seeds"
cd fuzz
for dir in "$raw"/seeds/*/; do
  target=$(basename "$dir")
  mkdir -p "seeds/$target"
  cp "$dir"* "seeds/$target/"
  cargo fuzz cmin --sanitizer none "$target" "seeds/$target" -- -rss_limit_mb=2048 2>&1 | tail -n 1
done
