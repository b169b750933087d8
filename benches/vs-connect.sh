#!/usr/bin/env bash
# Kafka Connect and Switchyard on the same records, in one run, as a table.
#
#   benches/vs-connect.sh [SECONDS]
#
# Kafka Connect: the real Kafka 3.9.0 and Debezium classes through `connect-ref bench` (a
# runnable reference kept beside this repository, path in CONNECT_REF; Debezium 3.0.8, the
# version the fixtures' `source.version` names). Switchyard: the criterion ids of
# `cargo bench -p switchyard --bench chain`. Both hold the 139 records of
# tests/fixtures/with-schema.jsonl as bytes in memory and run bytes → converter → chain →
# converter → bytes on one thread.
set -euo pipefail
cd "$(dirname "$0")/.."
seconds=${1:-5}
ref=${CONNECT_REF:-../shared/connect-reference/connect-ref}
input=tests/fixtures/with-schema.jsonl

kc() {
    DEBEZIUM=${DEBEZIUM:-3.0.8.Final} "$ref" bench --config "$1" --input "$input" --seconds "$seconds" |
        sed -n 's/^records\/s \([0-9]*\).*/\1/p'
}
sy() {
    cargo bench -q -p switchyard --bench chain -- "^$1\$" --warm-up-time 2 --measurement-time "$seconds" 2>/dev/null |
        awk '/thrpt:/ { v = $4; u = $5; if (u ~ /^K/) v *= 1e3; if (u ~ /^M/) v *= 1e6; printf "%d\n", v; exit }'
}

printf '| chain | Kafka Connect, records/s | Switchyard, records/s | Switchyard ÷ Kafka Connect |\n|---|---:|---:|---:|\n'
for row in "seed chain|tests/fixtures/postgres-product-connector.json|seed-chain/wasm" \
           "unwrap + route|benches/chains/unwrap-route.json|catalogue-chains/unwrap-route" \
           "unwrap + flatten + cast|benches/chains/unwrap-flatten-cast.json|catalogue-chains/unwrap-flatten-cast"; do
    IFS='|' read -r name config id <<<"$row"
    k=$(kc "$config"); s=$(sy "$id")
    printf '| %s | %s | %s | %s× |\n' "$name" "$k" "$s" "$(awk -v s="$s" -v k="$k" 'BEGIN { printf "%.2f", s / k }')"
done
