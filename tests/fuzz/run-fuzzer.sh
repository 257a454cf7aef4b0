#!/bin/sh
# Runs one libFuzzer target briefly over its committed corpus.
# usage: run-fuzzer.sh FUZZER SOURCE_CORPUS WORK_DIR SECONDS
# New inputs go to WORK_DIR/corpus (never into the source tree); a crash input is
# written to WORK_DIR/ and must be added to the source corpus as a regression.
set -eu
fuzzer=$1 corpus=$2 work=$3 seconds=$4
mkdir -p "$work/corpus"
exec "$fuzzer" -max_total_time="$seconds" -timeout=10 -rss_limit_mb=2048 \
  -artifact_prefix="$work/" -print_final_stats=1 "$work/corpus" "$corpus"
