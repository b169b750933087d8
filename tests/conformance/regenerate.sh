#!/usr/bin/env bash
# Records what Kafka Connect writes for every case of the conformance corpus.
#
#   tests/conformance/regenerate.sh CONNECT_REF [CASE...]
#
# CONNECT_REF is a runner that takes `apply --config C --input I` and writes record JSONL as
# `switchyard apply` does, running the connector JSON with Apache Kafka Connect's own classes
# (see README.md, "Conformance with Kafka Connect", for how one is built from Apache Kafka's and
# Debezium's sources). Each case is a directory holding:
#   connector.json | connector.path   the connector JSON (or its path from the repository root)
#   input.jsonl    | input.path       the records (or their path from the repository root)
#   debezium                          optional: the Debezium version to run (default 3.2.7.Final)
# and receives expected.jsonl (the runner's standard output) and expected.exit (its exit code).
set -euo pipefail
ref=${1:?usage: regenerate.sh CONNECT_REF [CASE...]}
ref=$(cd "$(dirname "$ref")" && pwd)/$(basename "$ref")
cd "$(dirname "$0")"
root=$(cd ../.. && pwd)
shift
[ $# -gt 0 ] || set -- */
for case in "$@"; do
    case=${case%/}
    if [ -f "$case/connector.path" ]; then config=$root/$(cat "$case/connector.path"); else config=$case/connector.json; fi
    if [ -f "$case/input.path" ]; then input=$root/$(cat "$case/input.path"); else input=$case/input.jsonl; fi
    debezium=3.2.7.Final
    [ -f "$case/debezium" ] && debezium=$(cat "$case/debezium")
    status=0
    DEBEZIUM=$debezium "$ref" apply --config "$config" --input "$input" >"$case/expected.jsonl" 2>/dev/null || status=$?
    echo "$status" >"$case/expected.exit"
    printf '%-48s exit %s, %s records\n' "$case" "$status" "$(wc -l <"$case/expected.jsonl")"
done
