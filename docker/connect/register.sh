#!/bin/sh
# Registers the raw Debezium connector (no SMTs: switchyard runs the chain) once Connect is up.
# 201 is created, 409 already there.
set -eu
until curl -fsS http://connect:8083/connectors >/dev/null; do sleep 2; done
code=$(curl -s -o /dev/stderr -w '%{http_code}' -X POST -H 'Content-Type: application/json' \
    --data @/config/product-connector-raw.json http://connect:8083/connectors)
case "$code" in 201|409) echo "connector registered ($code)" ;; *) echo "registration failed: $code"; exit 1 ;; esac
