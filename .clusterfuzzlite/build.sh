#!/bin/bash -eu
# ClusterFuzzLite / OSS-Fuzz build: every cargo-fuzz target (`cargo fuzz list`, per-parser and
# whole-session) into $OUT, each with its committed seeds as $OUT/<target>_seed_corpus.zip.
# -O with debug assertions: optimised, but integer overflow still panics (as in the CI smoke runs).
cd "$SRC/gatecheck/fuzz"
cargo fuzz build -O --debug-assertions
release=target/x86_64-unknown-linux-gnu/release
for target in $(cargo fuzz list); do
  cp "$release/$target" "$OUT/"
  if [ -d "seeds/$target" ] && [ -n "$(ls -A "seeds/$target")" ]; then
    (cd "seeds/$target" && zip -q -j "$OUT/${target}_seed_corpus.zip" ./*)
  fi
done
