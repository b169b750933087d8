#!/usr/bin/env bash
# Instructions per record of `switchyard apply`, counted by Valgrind (cachegrind, no cache
# simulation): a count that does not move with the machine's load, for telling apart changes
# smaller than the run-to-run noise of a timed benchmark.
#
#   benches/instructions.sh [CONFIG...]      default: the two catalogue chains
#
# Runs the release binary over the 139 fixture records once and twenty times and prints
# (instructions of 20× − instructions of 1×) / (19 × 139): the cost of one more record, start-up
# (compiling or loading the components) taken out. JSONL parsing and writing are included.
# Needs `valgrind` (Debian: apt-get install valgrind) and `cargo build --release`.
set -euo pipefail
cd "$(dirname "$0")/.."
bin=${SWITCHYARD:-target/release/switchyard}
[ $# -gt 0 ] || set -- benches/chains/unwrap-route.json benches/chains/unwrap-flatten-cast.json
dir=$(mktemp -d)
trap 'rm -rf "$dir"' EXIT
cp tests/fixtures/with-schema.jsonl "$dir/x1.jsonl"
for _ in $(seq 20); do cat tests/fixtures/with-schema.jsonl; done >"$dir/x20.jsonl"
count() {
    valgrind --tool=cachegrind --cache-sim=no --cachegrind-out-file=/dev/null \
        "$bin" apply --config "$1" --input "$2" --output /dev/null 2>&1 |
        sed -n 's/.*I *refs: *//p' | tr -d ,
}
printf '| chain | instructions per record |\n|---|---:|\n'
for config in "$@"; do
    # A first run compiles the components into the cache, so both counts load them from it.
    "$bin" apply --config "$config" --input "$dir/x1.jsonl" --output /dev/null 2>/dev/null
    one=$(count "$config" "$dir/x1.jsonl")
    twenty=$(count "$config" "$dir/x20.jsonl")
    printf '| %s | %d |\n' "$(basename "$config" .json)" $(((twenty - one) / (19 * 139)))
done
