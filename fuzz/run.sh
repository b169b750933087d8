#!/usr/bin/env bash
# Runs the fuzz targets, each for a given time, from seed corpora made from the repository's
# fixtures, and prints each target's executions, coverage and crashes (FUZZING.md).
#
#   fuzz/run.sh [SECONDS] [TARGET...]      default: 60 s, every target
#
# Needs cargo-fuzz (`cargo install cargo-fuzz`); builds on stable Rust with `-s none` (no
# sanitizer: the targets check that decoding never panics and never allocates more than the
# bytes justify, which needs no sanitizer). A crash is written to artifacts/TARGET/ and fails
# the script; keep it as a regression test.
set -euo pipefail
cd "$(dirname "$0")"
seconds=${1:-60}
shift || true
targets=("$@")
[ ${#targets[@]} -gt 0 ] || targets=(jsonl_line json_converter avro_converter config)

# Seeds: each fixture line (JSONL), each key and value of the fixtures (JSON converter), each
# connector and pipeline file (config). The Avro target starts from nothing: its datums are
# built by coverage alone.
mkdir -p corpus/jsonl_line corpus/json_converter corpus/avro_converter corpus/config
python3 - <<'PY'
import glob, json, os
n = 0
for path in sorted(glob.glob("../tests/fixtures/*.jsonl")):
    for line in open(path, encoding="utf-8").read().splitlines():
        open(f"corpus/jsonl_line/seed-{n:04d}", "w").write(line)
        record = json.loads(line)
        for part in ("key", "value"):
            if record.get(part) is not None:
                text = json.dumps(record[part], separators=(",", ":"))
                open(f"corpus/json_converter/seed-{n:04d}-{part}", "w").write(text)
        n += 1
files = glob.glob("../tests/fixtures/*.json") + glob.glob("../tests/fixtures/*.toml")
files += glob.glob("../benches/chains/*.json") + glob.glob("../tests/conformance/*/connector.json")
for i, path in enumerate(sorted(files)):
    open(f"corpus/config/seed-{i:04d}", "w").write(open(path, encoding="utf-8").read())
PY

cargo fuzz build -s none >/dev/null 2>&1
printf '| target | seconds | executions | exec/s | coverage (edges) | crashes |\n|---|---:|---:|---:|---:|---:|\n'
status=0
for target in "${targets[@]}"; do
    mkdir -p "artifacts/$target"
    log=$(mktemp)
    if cargo fuzz run -s none "$target" "corpus/$target" -- \
        -max_total_time="$seconds" -rss_limit_mb=1024 -print_final_stats=1 \
        -artifact_prefix="artifacts/$target/" >"$log" 2>&1; then
        crashes=0
    else
        crashes=1
        status=1
    fi
    runs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -1)
    rate=$(sed -n 's/^stat::average_exec_per_sec: *//p' "$log" | tail -1)
    cov=$(grep -oE 'cov: [0-9]+' "$log" | tail -1 | cut -d' ' -f2)
    printf '| %s | %s | %s | %s | %s | %s |\n' "$target" "$seconds" "${runs:-?}" "${rate:-?}" "${cov:-?}" "$crashes"
    [ "$crashes" -eq 0 ] || tail -30 "$log" >&2
    rm -f "$log"
done
exit $status
