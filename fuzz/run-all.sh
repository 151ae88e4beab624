#!/usr/bin/env bash
# Run every fuzz target for SECONDS each (default 600) from the committed seeds, two at a time;
# output in fuzz/logs/<target>.log, crashes in fuzz/artifacts/<target>/. Build first with
# `cargo +nightly fuzz build -s none -a` (the binaries are run directly: `cargo fuzz run`
# rebuilds with other debug settings).
set -u
cd "$(dirname "$0")"
secs=${1:-600}
bin=target/x86_64-unknown-linux-gnu/release
mkdir -p logs
run() {
  mkdir -p "corpus/$1" "artifacts/$1"
  "$bin/$1" "corpus/$1" "seeds/$1" -artifact_prefix="artifacts/$1/" \
    -max_total_time="$secs" -rss_limit_mb=4096 -timeout=30 > "logs/$1.log" 2>&1
  echo "$1 exit $?"
}
run load & run import & wait
run export & run verify & wait
