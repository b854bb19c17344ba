#!/bin/sh
# Run each libFuzzer harness for a fixed number of runs, starting from the
# checked-in corpus and past crash inputs (which are not modified: new
# inputs go to a temporary directory). Stops at the first finding, which
# libFuzzer saves as BUILD_DIR/fuzz_NAME-crash-...
#   fuzz_short.sh SRC_DIR BUILD_DIR RUNS NAME...
set -eu
src=$1 build=$2 runs=$3
shift 3
scratch=$(mktemp -d)
trap 'rm -rf "$scratch"' EXIT
for name in "$@"; do
  mkdir -p "$scratch/$name"
  log="$scratch/$name.log"
  if ! "$build/fuzz_$name" -runs="$runs" -seed=1 -timeout=10 -print_final_stats=1 \
      -artifact_prefix="$build/fuzz_$name-" \
      "$scratch/$name" "$src/corpus/$name" "$src/regressions/$name" >"$log" 2>&1; then
    cat "$log"
    echo "fuzz_$name: FINDING (input saved as $build/fuzz_$name-*)"
    exit 1
  fi
  execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log")
  cov=$(grep -o 'cov: [0-9]*' "$log" | tail -n 1)
  echo "fuzz_$name: $execs runs, $cov, no finding"
done
echo "fuzz-short: every harness ran $runs runs without a finding"
