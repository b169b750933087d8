//! The Debezium transforms of `io.debezium.transforms`, on the cases of their upstream test
//! classes (`ExtractNewRecordStateTest`, `ByLogicalTableRouterTest`, `ToLogicalTopicRouterTest`,
//! `EventRouterTest`, `HeaderToValueTest`, `PartitionRoutingTest`, `TimezoneConverterTest`), run
//! as WebAssembly components through the real engine, with and without schemas, and over the
//! shared Debezium fixtures.

use bytes::Bytes;
use serde_json::{Value, json};
use switchyard::engine::StepError;
use switchyard::record::{Header, Record};

use crate::common::{chain, encoded, fixtures, json as parse, record, switchyard, temp_file};

// ---------------------------------------------------------------------------------------------
// Harness: one-step pipelines, records in JsonConverter form, outputs as JSON trees.

/// A pipeline TOML with one step of `class`, JsonConverter for key and value with or without
/// schemas.
fn pipeline(class: &str, config: &[(&str, &str)], schemas: bool) -> String {
    let entries: Vec<String> = config
        .iter()
        .map(|(k, v)| format!("{} = {}", Value::from(*k), Value::from(*v)))
        .collect();
    format!(
        r#"
        [converters.key]
        class = "org.apache.kafka.connect.json.JsonConverter"
        config = {{ "schemas.enable" = {schemas} }}
        [converters.value]
        class = "org.apache.kafka.connect.json.JsonConverter"
        config = {{ "schemas.enable" = {schemas} }}
        [[transforms]]
        alias = "t"
        class = "{class}"
        config = {{ {} }}
        "#,
        entries.join(", ")
    )
}

/// A record leaving the chain, decoded for assertions.
#[derive(Debug)]
struct Out {
    topic: String,
    partition: Option<i32>,
    timestamp: Option<i64>,
    headers: Vec<(String, Option<String>)>,
    key: Option<Value>,
    value: Option<Value>,
}

impl Out {
    /// The value's payload (schema'd) or the value (schemaless).
    fn payload(&self) -> &Value {
        let v = self.value.as_ref().expect("a value");
        if v.get("schema").is_some() && v.get("payload").is_some() {
            &v["payload"]
        } else {
            v
        }
    }

    fn value_schema(&self) -> &Value {
        &self.value.as_ref().expect("a value")["schema"]
    }

    fn header(&self, key: &str) -> Option<Option<&str>> {
        self.headers
            .iter()
            .rev()
            .find(|(k, _)| k == key)
            .map(|(_, v)| v.as_deref())
    }
}

/// Runs one record through the pipeline.
fn run(toml: &str, r: Record) -> Result<Vec<Out>, StepError> {
    let mut c = chain(toml).unwrap_or_else(|e| panic!("{e}"));
    let records = c.apply(r).map_err(|e| e.error)?;
    Ok(records
        .iter()
        .map(|r| {
            let (key, value) = encoded(&c, r);
            Out {
                topic: r.topic.clone(),
                partition: r.partition,
                timestamp: r.timestamp,
                headers: r
                    .headers
                    .iter()
                    .map(|h| {
                        (
                            h.key.clone(),
                            h.value
                                .as_ref()
                                .map(|v| String::from_utf8_lossy(v).into_owned()),
                        )
                    })
                    .collect(),
                key: key.map(|k| parse(&k)),
                value: value.map(|v| parse(&v)),
            }
        })
        .collect())
}

/// Runs one record and expects exactly one record out.
fn one(toml: &str, r: Record) -> Out {
    let mut out = run(toml, r).unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(out.len(), 1, "one record out: {out:?}");
    out.remove(0)
}

/// Runs one record and expects it dropped.
fn dropped(toml: &str, r: Record) {
    let out = run(toml, r).unwrap_or_else(|e| panic!("{e}"));
    assert!(out.is_empty(), "dropped: {out:?}");
}

/// Runs one record and expects a bad-record failure whose message contains `expected`.
fn bad_record(toml: &str, r: Record, expected: &str) {
    match run(toml, r) {
        Err(StepError::BadRecord(m)) => assert!(m.contains(expected), "{m}"),
        other => panic!("expected a bad record with `{expected}`, got {other:?}"),
    }
}

/// The configuration error of a pipeline, as text.
fn config_error(toml: &str) -> String {
    match chain(toml) {
        Ok(_) => panic!("expected a configuration error"),
        Err(e) => e.to_string(),
    }
}

/// Adds headers to a record.
fn with_headers(mut r: Record, headers: &[(&str, &str)]) -> Record {
    for (k, v) in headers {
        r.headers.push(Header {
            key: (*k).to_owned(),
            value: Some(Bytes::copy_from_slice(v.as_bytes())),
        });
    }
    r
}

/// A Connect field schema in JsonConverter's form.
fn field(name: &str, schema: Value) -> Value {
    let mut s = schema;
    s["field"] = Value::from(name);
    s
}

fn prim(kind: &str, optional: bool) -> Value {
    json!({"type": kind, "optional": optional})
}

fn named(kind: &str, optional: bool, name: &str) -> Value {
    json!({"type": kind, "optional": optional, "name": name, "version": 1})
}

fn strukt(name: Option<&str>, optional: bool, fields: Vec<Value>) -> Value {
    let mut s = json!({"type": "struct", "fields": fields, "optional": optional});
    if let Some(n) = name {
        s["name"] = Value::from(n);
    }
    s
}

/// `{"schema":…,"payload":…}` or the bare payload, as text.
fn data(schema: &Value, payload: &Value, schemas: bool) -> String {
    if schemas {
        json!({"schema": schema, "payload": payload}).to_string()
    } else {
        payload.to_string()
    }
}

/// A Debezium envelope schema named `<prefix>.Envelope` around `row`, with the `source` and
/// `transaction` blocks of `AbstractExtractStateTest` (source: `lsn`, `ts_*`, `db`, `table`).
fn envelope_schema(prefix: &str, row: &Value, source: &Value) -> Value {
    strukt(
        Some(&format!("{prefix}.Envelope")),
        false,
        vec![
            field("before", row.clone()),
            field("after", row.clone()),
            field("source", source.clone()),
            field(
                "transaction",
                json!({"type":"struct","fields":[
                    {"type":"string","optional":false,"field":"id"},
                    {"type":"int64","optional":false,"field":"total_order"},
                    {"type":"int64","optional":false,"field":"data_collection_order"}],
                    "optional":true,"name":"event.block","version":1}),
            ),
            field("op", prim("string", false)),
            field("ts_ms", prim("int64", true)),
            field("ts_us", prim("int64", true)),
            field("ts_ns", prim("int64", true)),
        ],
    )
}

// ---------------------------------------------------------------------------------------------
// ExtractNewRecordState (`ExtractNewRecordStateTest`, `AbstractExtractStateTest` fixtures).

const UNWRAP: &str = "io.debezium.transforms.ExtractNewRecordState";

fn row_schema() -> Value {
    strukt(
        Some("dummy.Value"),
        true,
        vec![
            field("id", prim("int8", false)),
            field("name", prim("string", true)),
        ],
    )
}

fn source_schema() -> Value {
    strukt(
        Some("source"),
        false,
        vec![
            field("lsn", prim("int32", false)),
            field("ts_ms", prim("int64", true)),
            field("ts_us", prim("int64", true)),
            field("ts_ns", prim("int64", true)),
            field("db", prim("string", true)),
            field("table", prim("string", true)),
        ],
    )
}

fn source() -> Value {
    json!({"lsn": 1234, "ts_ms": 1588252618953i64, "ts_us": 1588252618953000i64,
           "ts_ns": 1588252618953000000i64, "db": "test_db", "table": "test_table"})
}

fn transaction() -> Value {
    json!({"id": "571", "total_order": 42, "data_collection_order": 42})
}

/// An envelope record on topic `dummy` (`createCreateRecord` and friends).
fn change(op: &str, before: Value, after: Value, transaction: Value, schemas: bool) -> Record {
    change_with(op, &row_schema(), before, after, transaction, schemas)
}

fn change_with(
    op: &str,
    row: &Value,
    before: Value,
    after: Value,
    transaction: Value,
    schemas: bool,
) -> Record {
    let schema = envelope_schema("dummy", row, &source_schema());
    let payload = json!({"before": before, "after": after, "source": source(),
        "transaction": transaction, "op": op, "ts_ms": 1710032523000i64,
        "ts_us": 1710032523000123i64, "ts_ns": 1710032523000123456i64});
    record("dummy", None, Some(&data(&schema, &payload, schemas)))
}

fn create(schemas: bool) -> Record {
    change(
        "c",
        Value::Null,
        json!({"id": 1, "name": "myRecord"}),
        Value::Null,
        schemas,
    )
}

fn update(schemas: bool) -> Record {
    change(
        "u",
        json!({"id": 1, "name": "myRecord"}),
        json!({"id": 1, "name": "updatedRecord"}),
        transaction(),
        schemas,
    )
}

fn delete(schemas: bool) -> Record {
    change(
        "d",
        json!({"id": 1, "name": "myRecord"}),
        Value::Null,
        Value::Null,
        schemas,
    )
}

fn truncate() -> Record {
    change("t", Value::Null, Value::Null, Value::Null, true)
}

fn tombstone() -> Record {
    record("dummy", Some(r#"{"schema":null,"payload":1}"#), None)
}

fn unwrap(config: &[(&str, &str)]) -> String {
    pipeline(UNWRAP, config, true)
}

/// One chain over records of two tables: unwrap is replayed for records that answer alike,
/// and the schema-only reads a replay skips for the schema it saw are run again for another
/// schema. Here the second table's row already has `__op`, which `add.fields=op` must then
/// refuse, while the first table's records before and after it unwrap as before.
#[test]
fn replayed_unwrap_reads_again_what_another_schema_answers() {
    let mut c = chain(&unwrap(&[("add.fields", "op")])).unwrap_or_else(|e| panic!("{e}"));
    let mut apply = |r: Record| {
        c.apply(r)
            .map(|out| encoded(&c, &out[0]).1)
            .map_err(|e| e.error)
    };
    let first = apply(create(true)).expect("unwrapped");
    assert_eq!(apply(create(true)).expect("replayed"), first);
    let clashing = strukt(
        Some("dummy.Value"),
        true,
        vec![
            field("id", prim("int8", false)),
            field("__op", prim("string", true)),
        ],
    );
    let other = change_with(
        "c",
        &clashing,
        Value::Null,
        json!({"id": 2, "__op": "x"}),
        Value::Null,
        true,
    );
    match apply(other) {
        Err(StepError::BadRecord(message)) => assert_eq!(
            message,
            "Cannot create field because of field name duplication __op"
        ),
        other => panic!("expected a bad record, got {other:?}"),
    }
    assert_eq!(apply(create(true)).expect("replayed again"), first);
}

#[test]
fn unwrap_tombstones_deletes_and_truncates_per_mode() {
    // (mode, tombstone kept, what a delete becomes, truncate kept)
    for (mode, tombstone_kept, delete_is, truncate_kept) in [
        ("drop", false, "dropped", false),
        ("tombstone", false, "null value", false),
        ("rewrite", false, "rewritten", false),
        ("rewrite-with-tombstone", true, "rewritten", false),
        ("delete-to-tombstone", false, "tombstone", false),
    ] {
        let toml = unwrap(&[("delete.tombstone.handling.mode", mode)]);
        let out = run(&toml, tombstone()).unwrap();
        assert_eq!(out.len(), usize::from(tombstone_kept), "{mode}: tombstone");
        if tombstone_kept {
            assert_eq!(out[0].value, None);
        }
        let out = run(&toml, truncate()).unwrap();
        assert_eq!(out.len(), usize::from(truncate_kept), "{mode}: truncate");
        let out = run(&toml, delete(true)).unwrap();
        match delete_is {
            "dropped" => assert!(out.is_empty(), "{mode}"),
            "null value" => {
                // A flattened delete: the row schema, a null payload.
                let v = out[0].value.as_ref().unwrap();
                assert_eq!(v["payload"], Value::Null, "{mode}");
                assert_eq!(v["schema"]["name"], "dummy.Value", "{mode}");
            }
            "tombstone" => assert_eq!(out[0].value, None, "{mode}"),
            _ => {
                assert_eq!(out[0].payload()["__deleted"], "true", "{mode}");
                assert_eq!(out[0].payload()["id"], 1);
                assert_eq!(out[0].payload()["name"], "myRecord");
            }
        }
    }
}

#[test]
fn unwrap_defaults_follow_debezium_3_2_and_legacy_keys_their_2x_meaning() {
    // 3.2+: no option keeps a delete as a null value and drops the tombstone.
    let toml = unwrap(&[]);
    assert_eq!(one(&toml, delete(true)).payload(), &Value::Null);
    dropped(&toml, tombstone());
    dropped(&toml, truncate());
    // 2.x keys: `drop.tombstones` defaults to true and `delete.handling.mode` to drop.
    for (config, tombstone_kept, delete_is_null, truncate_kept) in [
        (vec![("drop.tombstones", "true")], false, None, false),
        (vec![("drop.tombstones", "false")], true, None, true),
        (
            vec![("delete.handling.mode", "none")],
            false,
            Some(true),
            false,
        ),
        (
            vec![
                ("delete.handling.mode", "rewrite"),
                ("drop.tombstones", "false"),
            ],
            true,
            Some(false),
            true,
        ),
    ] {
        let toml = unwrap(&config);
        assert_eq!(
            run(&toml, tombstone()).unwrap().len(),
            usize::from(tombstone_kept),
            "{config:?}"
        );
        let out = run(&toml, truncate()).unwrap();
        assert_eq!(out.len(), usize::from(truncate_kept), "{config:?}");
        if truncate_kept {
            assert_eq!(out[0].payload()["op"], "t", "passed unchanged");
        }
        let out = run(&toml, delete(true)).unwrap();
        match delete_is_null {
            None => assert!(out.is_empty(), "{config:?}"),
            Some(true) => assert_eq!(out[0].payload(), &Value::Null),
            Some(false) => assert_eq!(out[0].payload()["__deleted"], "true"),
        }
    }
}

/// `testUnwrapCreateRecord`, `testHandleCreateRewrite`, with and without schemas.
#[test]
fn unwrap_create_and_update() {
    let out = one(&unwrap(&[]), create(true));
    assert_eq!(out.payload(), &json!({"id": 1, "name": "myRecord"}));
    // `addFields` always rebuilds the schema with `copySchemaBasics`: required, same name.
    assert_eq!(
        out.value_schema(),
        &strukt(
            Some("dummy.Value"),
            false,
            vec![
                field("id", prim("int8", false)),
                field("name", prim("string", true))
            ]
        )
    );
    assert_eq!(out.topic, "dummy");
    let out = one(&unwrap(&[]), update(true));
    assert_eq!(out.payload(), &json!({"id": 1, "name": "updatedRecord"}));

    let toml = unwrap(&[
        ("delete.tombstone.handling.mode", "rewrite"),
        ("add.headers", "op"),
    ]);
    let out = one(&toml, create(true));
    assert_eq!(out.payload()["__deleted"], "false");
    assert_eq!(
        out.value_schema()["fields"][2],
        json!({"type":"string","optional":true,"field":"__deleted"})
    );
    assert_eq!(out.headers, vec![("__op".to_owned(), Some("c".to_owned()))]);

    // Schemaless data is not an envelope: passed unchanged.
    let toml = pipeline(UNWRAP, &[("add.headers", "op")], false);
    let out = one(&toml, create(false));
    assert_eq!(out.payload()["after"]["name"], "myRecord");
    assert!(out.headers.is_empty());
}

/// `testUnwrapCreateRecordWithOptionalDefaultValue` and the rewrite variants.
#[test]
fn unwrap_replace_null_with_default() {
    let row = strukt(
        Some("dummy.Value"),
        true,
        vec![
            field("id", prim("int8", false)),
            field(
                "name",
                json!({"type":"string","optional":true,"default":"default_str"}),
            ),
        ],
    );
    let r = || {
        change_with(
            "c",
            &row,
            Value::Null,
            json!({"id": 1, "name": null}),
            Value::Null,
            true,
        )
    };
    // Read with a converter that keeps nulls, to see what the transform wrote.
    let keep_nulls = |config: &[(&str, &str)]| {
        pipeline(UNWRAP, config, true).replace(
            "[converters.value]\n        class = \"org.apache.kafka.connect.json.JsonConverter\"\n        config = { \"schemas.enable\" = true }",
            "[converters.value]\n        class = \"org.apache.kafka.connect.json.JsonConverter\"\n        config = { \"schemas.enable\" = true, \"replace.null.with.default\" = false }",
        )
    };
    for (config, expected) in [
        (
            vec![("delete.tombstone.handling.mode", "tombstone")],
            Value::Null,
        ),
        (
            vec![
                ("delete.tombstone.handling.mode", "rewrite"),
                ("replace.null.with.default", "false"),
            ],
            Value::Null,
        ),
        (
            vec![("delete.tombstone.handling.mode", "rewrite")],
            Value::from("default_str"),
        ),
    ] {
        let out = one(&keep_nulls(&config), r());
        assert_eq!(out.payload()["name"], expected, "{config:?}");
    }
}

#[test]
fn unwrap_ignores_what_is_not_an_envelope() {
    // `testIgnoreUnknownRecord`, `testAddHeadersForNonEnvelopeRecord` (a heartbeat).
    let unknown = record(
        "dummy",
        None,
        Some(
            r#"{"schema":{"type":"struct","fields":[{"type":"int8","optional":false,"field":"id"}],"optional":false,"name":"unknown"},"payload":{"id":1}}"#,
        ),
    );
    let heartbeat = record(
        "__debezium-heartbeat.dummy",
        None,
        Some(
            r#"{"schema":{"type":"struct","fields":[{"type":"int64","optional":false,"field":"ts_ms"}],"optional":false,"name":"io.debezium.connector.common.Heartbeat"},"payload":{"ts_ms":12345}}"#,
        ),
    );
    let unnamed = record(
        "dummy",
        None,
        Some(r#"{"schema":{"type":"int32","optional":false},"payload":5}"#),
    );
    let toml = unwrap(&[("add.headers", "op,source.lsn"), ("add.fields", "op")]);
    for r in [unknown, heartbeat, unnamed] {
        let before = r.value.original_bytes().cloned();
        let mut c = chain(&toml).unwrap();
        let out = c.apply(r).unwrap();
        assert_eq!(out.len(), 1);
        assert!(out[0].headers.is_empty());
        assert_eq!(
            out[0].value.original_bytes(),
            before.as_ref(),
            "passed byte for byte"
        );
    }
}

#[test]
fn unwrap_fails_a_value_the_converter_cannot_decode_at_value_converter() {
    // One batch of reads decides a record's fate: a conversion failure in it must fail the
    // record as the field-by-field reads did, never pass its bytes through.
    for config in [&[][..], &[("add.fields", "op,table")][..]] {
        let error = run(
            &unwrap(config),
            record(
                "dummy",
                None,
                Some(r#"{"schema":{"type":"struct","fields":[]},"payload":"#),
            ),
        )
        .expect_err("a malformed value fails");
        assert!(
            matches!(error, StepError::Conversion { key: false, .. }),
            "{config:?}: {error:?}"
        );
    }
}

#[test]
fn unwrap_propagates_record_headers() {
    let r = with_headers(
        create(true),
        &[(
            "application/debezium-test-header",
            "shouldPropagatePreviousRecordHeaders",
        )],
    );
    let out = one(&unwrap(&[]), r);
    assert_eq!(out.payload()["id"], 1);
    assert_eq!(
        out.headers,
        vec![(
            "application/debezium-test-header".to_owned(),
            Some("shouldPropagatePreviousRecordHeaders".to_owned())
        )]
    );
}

/// A configuration, an input, the fields it adds.
type AddFieldsCase = (Vec<(&'static str, &'static str)>, Record, Value);

/// `testAddField`, `testAddFields`, `testNewFieldAndHeaderMapping`, `testAddFieldsSpecifyStruct`,
/// `testAddFieldsForMissingOptionalField`, `testAddTimestamp`,
/// `testEnvelopeTimestampFieldsHandledCorrectly`.
#[test]
fn unwrap_add_fields() {
    let cases: Vec<AddFieldsCase> = vec![
        (
            vec![("add.fields", "op")],
            create(true),
            json!({"__op": "c"}),
        ),
        (
            vec![
                ("add.fields", "op , lsn,id"),
                ("add.fields.prefix", "prefix."),
            ],
            update(true),
            json!({"prefix.op": "u", "prefix.lsn": 1234, "prefix.id": "571"}),
        ),
        (
            vec![
                (
                    "add.fields",
                    "op:OP, lsn:LSN, id:ID, source.lsn:source_lsn, transaction.total_order:TOTAL_ORDER",
                ),
                ("add.fields.prefix", ""),
            ],
            update(true),
            json!({"OP": "u", "LSN": 1234, "ID": "571", "source_lsn": 1234, "TOTAL_ORDER": 42}),
        ),
        (
            vec![(
                "add.fields",
                "op,source.lsn,transaction.id,transaction.total_order",
            )],
            update(true),
            json!({"__op": "u", "__source_lsn": 1234, "__transaction_id": "571", "__transaction_total_order": 42}),
        ),
        (
            vec![("add.fields", "op,lsn,id")],
            create(true),
            json!({"__op": "c", "__lsn": 1234, "__id": null}),
        ),
        (
            vec![("add.fields", "ts_ms,source.ts_ms")],
            create(true),
            json!({"__ts_ms": 1710032523000i64, "__source_ts_ms": 1588252618953i64}),
        ),
        (
            vec![
                ("delete.tombstone.handling.mode", "rewrite"),
                (
                    "add.fields",
                    "source.table:META_SRC_TABLENAME,source.ts_ms:META_SRC_TS_MS,source.ts_us:META_SRC_TS_US,source.ts_ns:META_SRC_TS_NS,ts_ms:META_TS_MS,ts_us:META_TS_US,ts_ns:META_TS_NS,op:META_SRC_OP,source.scn:META_SRC_SCN,source.snapshot:META_SRC_SNAPSHOT,source.user_name:META_SRC_USER,changes:META_SRC_CHANGES",
                ),
            ],
            create(true),
            json!({"__deleted": "false", "__META_SRC_TABLENAME": "test_table",
                "__META_SRC_TS_MS": 1588252618953i64, "__META_SRC_TS_US": 1588252618953000i64,
                "__META_SRC_TS_NS": 1588252618953000000i64, "__META_TS_MS": 1710032523000i64,
                "__META_TS_US": 1710032523000123i64, "__META_TS_NS": 1710032523000123456i64,
                "__META_SRC_OP": "c"}),
        ),
    ];
    for (config, r, expected) in cases {
        let out = one(&unwrap(&config), r);
        let payload = out.payload().as_object().unwrap();
        let added: serde_json::Map<String, Value> = payload
            .iter()
            .filter(|(k, _)| *k != "id" && *k != "name")
            .map(|(k, v)| (k.clone(), v.clone()))
            .collect();
        assert_eq!(Value::Object(added), expected, "{config:?}");
    }
    // The added fields copy the source schema, made optional.
    let out = one(&unwrap(&[("add.fields", "op,source.lsn,id")]), create(true));
    let fields = out.value_schema()["fields"].as_array().unwrap();
    assert_eq!(
        fields[2],
        json!({"type":"string","optional":true,"field":"__op"})
    );
    assert_eq!(
        fields[3],
        json!({"type":"int32","optional":true,"field":"__source_lsn"})
    );
    assert_eq!(
        fields[4],
        json!({"type":"string","optional":true,"field":"__id"})
    );
}

/// `testAddHeader`, `testAddHeaders`, `testAddHeadersForMissingOptionalField`,
/// `testAddHeadersSpecifyStruct`, `testNewFieldAndHeaderMapping`.
#[test]
fn unwrap_add_headers() {
    let h = |k: &str, v: Option<&str>| (k.to_owned(), v.map(str::to_owned));
    for (config, r, expected) in [
        (
            vec![("add.headers", "op")],
            create(true),
            vec![h("__op", Some("c"))],
        ),
        (
            vec![("add.headers", "op , lsn,id")],
            update(true),
            vec![
                h("__op", Some("u")),
                h("__lsn", Some("1234")),
                h("__id", Some("571")),
            ],
        ),
        (
            vec![("add.headers", "op,lsn,id")],
            create(true),
            vec![
                h("__op", Some("c")),
                h("__lsn", Some("1234")),
                h("__id", None),
            ],
        ),
        (
            vec![
                (
                    "add.headers",
                    "op,source.lsn,transaction.id,transaction.total_order",
                ),
                ("add.headers.prefix", "prefix."),
            ],
            update(true),
            vec![
                h("prefix.op", Some("u")),
                h("prefix.source_lsn", Some("1234")),
                h("prefix.transaction_id", Some("571")),
                h("prefix.transaction_total_order", Some("42")),
            ],
        ),
        (
            vec![
                ("add.fields", "op:OP"),
                ("add.fields.prefix", ""),
                (
                    "add.headers",
                    "op, source.lsn:source_lsn, transaction.id:TXN_ID, transaction.total_order:TOTAL_ORDER",
                ),
                ("add.headers.prefix", "prefix."),
            ],
            update(true),
            vec![
                h("prefix.op", Some("u")),
                h("prefix.source_lsn", Some("1234")),
                h("prefix.TXN_ID", Some("571")),
                h("prefix.TOTAL_ORDER", Some("42")),
            ],
        ),
    ] {
        assert_eq!(one(&unwrap(&config), r).headers, expected, "{config:?}");
    }
}

/// `testAddTopicRoutingField`, `testUpdateTopicRoutingField`, `testDeleteTopicRoutingField`.
#[test]
fn unwrap_route_by_field() {
    let toml = unwrap(&[("route.by.field", "name")]);
    assert_eq!(one(&toml, create(true)).topic, "myRecord");
    assert_eq!(one(&toml, update(true)).topic, "updatedRecord");
    assert_eq!(one(&toml, delete(true)).topic, "myRecord");
    // A null value leaves the topic alone; a missing column fails like `Struct.getString`.
    let r = change(
        "c",
        Value::Null,
        json!({"id": 1, "name": null}),
        Value::Null,
        true,
    );
    assert_eq!(one(&toml, r).topic, "dummy");
    bad_record(
        &unwrap(&[("route.by.field", "nope")]),
        create(true),
        "nope is not a valid field name",
    );
}

/// `testAddHeadersHandleDeleteRewriteAndTombstone`, `testAddFieldHandleDeleteRewrite`,
/// `testAddFieldsHandleDeleteRewrite`, `testAddFieldsHandleDeleteRewriteAndTombstone`,
/// `testDeleteRewriteToTombstoneAndDropActualTombstone`.
#[test]
fn unwrap_rewritten_deletes_with_fields_and_headers() {
    let toml = unwrap(&[
        ("delete.tombstone.handling.mode", "rewrite-with-tombstone"),
        ("add.headers", "op,source.lsn"),
        ("add.fields", "op,lsn"),
    ]);
    let out = one(&toml, delete(true));
    assert_eq!(
        out.payload(),
        &json!({"id": 1, "name": "myRecord", "__deleted": "true", "__op": "d", "__lsn": 1234})
    );
    assert_eq!(out.header("__op"), Some(Some("d")));
    assert_eq!(out.header("__source_lsn"), Some(Some("1234")));
    let out = one(&toml, tombstone());
    assert_eq!(out.value, None);
    assert_eq!(out.headers, vec![("__op".to_owned(), Some("d".to_owned()))]);

    let toml = unwrap(&[("delete.tombstone.handling.mode", "delete-to-tombstone")]);
    let out = one(&toml, delete(true));
    assert_eq!(out.value, None, "a real tombstone");
    assert!(out.key.is_none());
    dropped(&toml, tombstone());
}

/// `dropFieldsFromValueWithSchemaCompatibility`, `dropFieldsFromValueWithoutSchemaCompatibility`.
#[test]
fn unwrap_drop_fields_from_header() {
    let drop_header = |r: Record| with_headers(r, &[("drop-fields", r#"["id","name"]"#)]);
    let toml = unwrap(&[
        ("delete.tombstone.handling.mode", "drop"),
        ("drop.fields.header.name", "drop-fields"),
    ]);
    let out = one(&toml, drop_header(create(true)));
    assert_eq!(
        out.payload(),
        &json!({"id": 1}),
        "only the optional field goes"
    );
    dropped(&toml, drop_header(delete(true)));
    dropped(&toml, drop_header(tombstone()));

    let toml = unwrap(&[
        ("delete.tombstone.handling.mode", "drop"),
        ("drop.fields.header.name", "drop-fields"),
        ("drop.fields.keep.schema.compatible", "false"),
    ]);
    let out = one(&toml, drop_header(create(true)));
    assert_eq!(out.payload(), &json!({}));
    assert_eq!(out.value_schema()["fields"], json!([]));

    // From the key too, when asked.
    let keyed = |r: Record| {
        let mut r = drop_header(r);
        r.key = switchyard::record::Part::from_bytes(Some(Bytes::from_static(
            br#"{"schema":{"type":"struct","fields":[{"type":"int8","optional":false,"field":"id"},{"type":"string","optional":true,"field":"name"}],"optional":false,"name":"dummy.Key"},"payload":{"id":1,"name":"k"}}"#,
        )));
        r
    };
    let toml = unwrap(&[
        ("drop.fields.header.name", "drop-fields"),
        ("drop.fields.from.key", "true"),
    ]);
    let out = one(&toml, keyed(create(true)));
    assert_eq!(out.key.unwrap()["payload"], json!({"id": 1}));
}

#[test]
fn unwrap_config_errors() {
    let err = config_error(&unwrap(&[("delete.tombstone.handling.mode", "jbsdfkjsd")]));
    assert!(
        err.contains("transforms.t.delete.tombstone.handling.mode"),
        "{err}"
    );
    assert!(err.contains("Value must be one of drop, tombstone, rewrite, rewrite-with-tombstone, delete-to-tombstone"), "{err}");
    let err = config_error(&unwrap(&[("add.fields", "op:a:b")]));
    assert!(err.contains("transforms.t.add.fields"), "{err}");
    assert!(err.contains("Unexpected field name: op:a:b"), "{err}");
    let err = config_error(&unwrap(&[("drop.tombstones", "maybe")]));
    assert!(err.contains("transforms.t.drop.tombstones"), "{err}");
}

// ---------------------------------------------------------------------------------------------
// ByLogicalTableRouter / ToLogicalTopicRouter (`ByLogicalTableRouterTest`,
// `ToLogicalTopicRouterTest`).

const BY_TABLE: &str = "io.debezium.transforms.ByLogicalTableRouter";
const TO_TOPIC: &str = "io.debezium.transforms.ToLogicalTopicRouter";

fn shard_key(topic_prefix: &str, id: i64) -> String {
    json!({"schema": strukt(Some(&format!("{topic_prefix}.Key")), false, vec![field("id", prim("int64", false))]),
           "payload": {"id": id}})
    .to_string()
}

fn shard_config(mode: &str) -> Vec<(&str, &str)> {
    vec![
        ("topic.regex", "(.*)customers_shard(.*)"),
        ("topic.replacement", "$1customers_all_shards"),
        ("key.field.name", "shard_id"),
        ("key.field.regex", "(.*)customers_shard_(.*)"),
        ("key.field.replacement", "$2"),
        ("schema.name.adjustment.mode", mode),
    ]
}

/// `testKeyReplacementWorkingConfiguration`, in `none` and `avro` modes, for both classes.
#[test]
fn router_key_replacement() {
    for class in [BY_TABLE, TO_TOPIC] {
        for (mode, key_name) in [
            ("none", "mysql-server-1.inventory.customers_all_shards.Key"),
            ("avro", "mysql_server_1.inventory.customers_all_shards.Key"),
        ] {
            let toml = pipeline(class, &shard_config(mode), true);
            for shard in ["1", "2"] {
                let topic = format!("mysql-server-1.inventory.customers_shard_{shard}");
                let key = shard_key(&topic, 123);
                let out = one(&toml, record(&topic, Some(&key), None));
                assert_eq!(out.topic, "mysql-server-1.inventory.customers_all_shards");
                let key = out.key.unwrap();
                assert_eq!(key["schema"]["name"], key_name, "{class} {mode}");
                assert_eq!(
                    key["schema"]["fields"],
                    json!([{"type":"int64","optional":false,"field":"id"},
                           {"type":"string","optional":false,"field":"shard_id"}])
                );
                assert_eq!(key["payload"], json!({"id": 123, "shard_id": shard}));
                assert_eq!(out.value, None);
            }
        }
    }
}

/// `testHeartbeatMessageTopicReplacementTopic`, `testKeyNullValue`,
/// `testNamespaceReplacementWithoutKeyChange`,
/// `shouldUseDefaultKeyFieldNameWhenNotExplicitlySet`.
#[test]
fn router_heartbeats_null_keys_and_defaults() {
    let toml = pipeline(
        BY_TABLE,
        &[
            ("topic.regex", "__debezium-heartbeat(.*)"),
            ("topic.replacement", "debezium_heartbeat_central"),
            ("key.field.name", "originalTopic"),
        ],
        true,
    );
    let key = json!({"schema": strukt(Some("io.debezium.connector.mysql.ServerNameKey"), false,
        vec![field("serverName", prim("string", false))]), "payload": {"serverName": "test_server_name_db"}});
    let heartbeat = json!({"schema": strukt(Some("io.debezium.connector.common.Heartbeat"), false,
        vec![field("ts_ms", prim("int64", false))]), "payload": {"ts_ms": 1}});
    let out = one(
        &toml,
        record(
            "__debezium-heartbeat.test_server_name_db",
            Some(&key.to_string()),
            Some(&heartbeat.to_string()),
        ),
    );
    assert_eq!(out.topic, "debezium_heartbeat_central");
    let key = out.key.unwrap();
    assert_eq!(key["schema"]["name"], "debezium_heartbeat_central.Key");
    assert_eq!(
        key["payload"],
        json!({"serverName": "test_server_name_db", "originalTopic": "__debezium-heartbeat.test_server_name_db"})
    );
    assert_eq!(out.value, Some(heartbeat), "a heartbeat keeps its value");

    let toml = pipeline(BY_TABLE, &shard_config("none"), true);
    let out = one(
        &toml,
        record("mysql-server-1.inventory.customers_shard_1", None, None),
    );
    assert_eq!(out.topic, "mysql-server-1.inventory.customers_all_shards");
    assert_eq!(out.key, None);

    let toml = pipeline(
        BY_TABLE,
        &[
            ("topic.regex", r"(.*).dbz_shard_\d+.(.*)"),
            ("topic.replacement", "dbz_core.$2"),
            ("key.enforce.uniqueness", "false"),
        ],
        true,
    );
    let out = one(
        &toml,
        record(
            "s21.dbz_shard_21.address",
            Some(&shard_key("s21.dbz_shard_21.address", 123)),
            None,
        ),
    );
    assert_eq!(out.topic, "dbz_core.address");
    let key = out.key.unwrap();
    assert_eq!(key["schema"]["name"], "dbz_core.address.Key");
    assert_eq!(key["payload"], json!({"id": 123}));

    for (class, name) in [
        (TO_TOPIC, "__dbz__sourceIdentifier"),
        (BY_TABLE, "__dbz__physicalTableIdentifier"),
    ] {
        let toml = pipeline(
            class,
            &[
                ("topic.regex", "(.*)customers_shard(.*)"),
                ("topic.replacement", "$1customers_all_shards"),
            ],
            true,
        );
        let topic = "server1.inventory.customers_shard_1";
        let out = one(&toml, record(topic, Some(&shard_key(topic, 1)), None));
        assert_eq!(out.key.unwrap()["payload"][name], topic, "{class}");
    }
    // No match: the record passes as it is.
    let out = one(&toml, record("other", Some(&shard_key("other", 1)), None));
    assert_eq!(out.topic, "other");
    assert_eq!(out.key.unwrap()["schema"]["name"], "other.Key");
}

/// The envelope and its row schemas are renamed for the logical topic; the data is kept.
#[test]
fn router_renames_envelopes() {
    let toml = pipeline(
        TO_TOPIC,
        &[
            ("topic.regex", "dummy"),
            ("topic.replacement", "logical.customers"),
        ],
        true,
    );
    let mut r = update(true);
    r.key = switchyard::record::Part::from_bytes(Some(Bytes::from(shard_key("dummy", 1))));
    let out = one(&toml, r);
    assert_eq!(out.topic, "logical.customers");
    let schema = out.value_schema();
    assert_eq!(schema["name"], "logical.customers.Envelope");
    assert_eq!(schema["fields"][0]["name"], "logical.customers.Value");
    assert_eq!(schema["fields"][0]["optional"], true);
    assert_eq!(schema["fields"][1]["name"], "logical.customers.Value");
    assert_eq!(schema["fields"][2]["name"], "source");
    assert_eq!(
        out.payload()["after"],
        json!({"id": 1, "name": "updatedRecord"})
    );
    assert_eq!(out.payload()["transaction"]["id"], "571");
    assert_eq!(
        out.key.unwrap()["payload"],
        json!({"id": 1, "__dbz__sourceIdentifier": "dummy"})
    );

    // Schemaless keys cannot be extended.
    let toml = pipeline(
        TO_TOPIC,
        &[("topic.regex", "dummy"), ("topic.replacement", "x")],
        false,
    );
    bad_record(
        &toml,
        record("dummy", Some(r#"{"id":1}"#), None),
        "Only Struct objects supported for [Updating schema], found: java.util.HashMap",
    );
}

#[test]
fn router_config_errors() {
    for (config, key, message) in [
        (
            vec![("topic.regex", "(.*)")],
            "topic.replacement",
            "A value is required",
        ),
        (
            vec![("topic.regex", "(.*)"), ("topic.replacement", "")],
            "topic.replacement",
            "A value is required",
        ),
        (
            vec![
                ("topic.regex", "(.*)"),
                ("topic.replacement", "x"),
                ("key.field.regex", "(.*)"),
            ],
            "key.field.replacement",
            "key.field.replacement must be non-empty if key.field.regex is set.",
        ),
        (
            vec![
                ("topic.regex", "(.*)"),
                ("topic.replacement", "x"),
                ("key.field.regex", "(.*)"),
                ("key.field.replacement", ""),
            ],
            "key.field.replacement",
            "key.field.replacement must be non-empty if key.field.regex is set.",
        ),
        (
            vec![("topic.regex", "("), ("topic.replacement", "x")],
            "topic.regex",
            "Invalid regex",
        ),
    ] {
        let err = config_error(&pipeline(BY_TABLE, &config, true));
        assert!(err.contains(&format!("transforms.t.{key}")), "{err}");
        assert!(err.contains(message), "{err}");
    }
}

// ---------------------------------------------------------------------------------------------
// outbox.EventRouter (`EventRouterTest`, `AbstractEventRouterTest`).

const OUTBOX: &str = "io.debezium.transforms.outbox.EventRouter";

/// `createEventRecord`: an outbox row on `db.outbox`, envelope `event.Envelope`, with extra
/// columns `(name, schema, value)`.
fn outbox_event(op: &str, payload: Value, extra: &[(&str, Value, Value)], schemas: bool) -> Record {
    let mut fields = vec![
        field("id", prim("string", false)),
        field("aggregatetype", prim("string", false)),
        field("aggregateid", prim("string", false)),
        field("type", prim("string", false)),
        field("payload", prim("string", true)),
        field("is_deleted", prim("boolean", true)),
    ];
    let mut row = json!({"id": "da8d6de6-3b77-45ff-8f44-57db55a7a06c", "aggregatetype": "User",
        "aggregateid": "10711fa5", "type": "UserCreated", "payload": payload, "is_deleted": true});
    for (name, schema, value) in extra {
        fields.push(field(name, schema.clone()));
        row[*name] = value.clone();
    }
    let row_schema = strukt(Some("event.Value"), true, fields);
    let schema = envelope_schema("event", &row_schema, &source_schema());
    let (before, after) = if op == "d" {
        (row, Value::Null)
    } else {
        (Value::Null, row)
    };
    let payload = json!({"before": before, "after": after, "source": source(), "transaction": null,
        "op": op, "ts_ms": 1588252618953i64, "ts_us": null, "ts_ns": null});
    record(
        "db.outbox",
        Some(r#"{"schema":{"type":"string","optional":false},"payload":"123123"}"#),
        Some(&data(&schema, &payload, schemas)),
    )
}

fn event(op: &str) -> Record {
    outbox_event(op, Value::from("{}"), &[], true)
}

fn outbox(config: &[(&str, &str)]) -> String {
    pipeline(OUTBOX, config, true)
}

/// `canSkipTombstone`, `canSkipDeletion`, `canSkipUpdates`, `canFailOnUpdates`,
/// `canExtractTableFields`, `canSetDefaultMessageKey`, `canSetMessageKey`,
/// `failsOnInvalidSetMessageKey`, `canSetTimestampFromDebeziumEnvelopeByDefault`.
#[test]
fn outbox_defaults() {
    let toml = outbox(&[]);
    dropped(
        &toml,
        record(
            "db.outbox",
            Some(r#"{"schema":null,"payload":"123123"}"#),
            None,
        ),
    );
    dropped(&toml, event("d"));
    dropped(&toml, event("u"));
    bad_record(
        &outbox(&[("table.op.invalid.behavior", "fatal")]),
        event("u"),
        "Unexpected update message received",
    );

    let out = one(&toml, event("c"));
    assert_eq!(out.topic, "outbox.event.User");
    assert_eq!(
        out.value,
        Some(json!({"schema": {"type":"string","optional":true}, "payload": "{}"}))
    );
    assert_eq!(
        out.key,
        Some(json!({"schema": {"type":"string","optional":false}, "payload": "10711fa5"}))
    );
    assert_eq!(
        out.headers,
        vec![(
            "id".to_owned(),
            Some("da8d6de6-3b77-45ff-8f44-57db55a7a06c".to_owned())
        )]
    );
    assert_eq!(out.timestamp, Some(1588252618953));
    assert_eq!(out.partition, None);

    let out = one(&outbox(&[("table.field.event.key", "type")]), event("c"));
    assert_eq!(out.key.unwrap()["payload"], "UserCreated");
    bad_record(
        &outbox(&[("table.field.event.key", "fakefield")]),
        event("c"),
        "fakefield is not a valid field name",
    );
    // Reads are routed like creates; other records pass.
    assert_eq!(one(&toml, event("r")).topic, "outbox.event.User");
    let out = one(
        &pipeline(OUTBOX, &[], false),
        outbox_event("c", Value::from("{}"), &[], false),
    );
    assert_eq!(out.topic, "db.outbox", "schemaless data is not an envelope");
}

/// `canSetTimestampByUserDefinedConfiguration`, `canRouteBasedOnField`,
/// `canConfigureEveryTableField`, `canSetPartitionWithAdditionalFields`.
#[test]
fn outbox_fields_routing_and_partition() {
    let ts = (
        "event_timestamp",
        named("int64", false, "io.debezium.time.Timestamp"),
        Value::from(14222264625338i64),
    );
    let r = outbox_event("c", Value::from("{}"), &[ts], true);
    let out = one(
        &outbox(&[("table.field.event.timestamp", "event_timestamp")]),
        r,
    );
    assert_eq!(out.timestamp, Some(14222264625338));
    let micros = (
        "t",
        named("int64", true, "io.debezium.time.MicroTimestamp"),
        Value::from(1_500_000i64),
    );
    let out = one(
        &outbox(&[("table.field.event.timestamp", "t")]),
        outbox_event("c", Value::from("{}"), &[micros], true),
    );
    assert_eq!(out.timestamp, Some(1_500));

    let toml = outbox(&[("route.by.field", "aggregatetype")]);
    assert_eq!(one(&toml, event("c")).topic, "outbox.event.User");
    let address = outbox_event("c", Value::from("{}"), &[], true);
    let mut address_text = String::from_utf8(
        address
            .value
            .original_bytes()
            .unwrap()
            .clone()
            .unwrap()
            .to_vec(),
    )
    .unwrap();
    address_text = address_text.replace(
        "\"aggregatetype\":\"User\"",
        "\"aggregatetype\":\"Address\"",
    );
    assert_eq!(
        one(&toml, record("db.outbox", None, Some(&address_text))).topic,
        "outbox.event.Address"
    );

    let extra = [
        (
            "event_id",
            prim("string", false),
            Value::from("da8d6de6-3b77-45ff-8f44-57db55a7a06c"),
        ),
        ("payload_id", prim("string", false), Value::from("10711fa5")),
        (
            "event_type",
            prim("string", false),
            Value::from("UserCreated"),
        ),
        ("payload_body", prim("string", false), Value::from("{}")),
    ];
    let toml = outbox(&[
        ("table.field.event.id", "event_id"),
        ("table.field.event.key", "payload_id"),
        ("table.field.event.type", "event_type"),
        ("table.field.event.payload", "payload_body"),
        ("route.by.field", "payload_id"),
    ]);
    let out = one(
        &toml,
        outbox_event("c", Value::from("ignored"), &extra, true),
    );
    assert_eq!(out.payload(), "{}");
    assert_eq!(out.topic, "outbox.event.10711fa5");
    assert_eq!(
        out.headers,
        vec![(
            "id".to_owned(),
            Some("da8d6de6-3b77-45ff-8f44-57db55a7a06c".to_owned())
        )]
    );

    let p = ("p", prim("int32", false), Value::from(123));
    let out = one(
        &outbox(&[("table.fields.additional.placement", "p:partition")]),
        outbox_event("c", Value::from("{}"), &[p], true),
    );
    assert_eq!(out.partition, Some(123));
}

/// `canSetPayloadTypeIntoTheEnvelope`, `canSetMultipleFieldsIntoTheEnvelope`,
/// `canMarkAnEventAsDeleted`, `noTombstoneIfNotConfigured`.
#[test]
fn outbox_envelope_placement_and_tombstones() {
    let out = one(
        &outbox(&[("table.fields.additional.placement", "type:envelope")]),
        event("c"),
    );
    assert_eq!(
        out.payload(),
        &json!({"payload": "{}", "type": "UserCreated"})
    );
    assert_eq!(out.value_schema()["name"], "event.User.Value");
    assert_eq!(out.value_schema()["optional"], false);
    let out = one(
        &outbox(&[(
            "table.fields.additional.placement",
            "type:envelope:aggregateType",
        )]),
        event("c"),
    );
    assert_eq!(out.payload()["aggregateType"], "UserCreated");

    let out = one(
        &outbox(&[(
            "table.fields.additional.placement",
            "type:envelope:payloadType,aggregateid:envelope:payloadId,type:header:payloadType",
        )]),
        event("c"),
    );
    assert_eq!(
        out.payload(),
        &json!({"payload": "{}", "payloadType": "UserCreated", "payloadId": "10711fa5"})
    );
    assert_eq!(out.header("payloadType"), Some(Some("UserCreated")));

    let deleted_config = [
        (
            "table.fields.additional.placement",
            "is_deleted:envelope:deleted",
        ),
        ("route.tombstone.on.empty.payload", "true"),
    ];
    let out = one(&outbox(&deleted_config), event("c"));
    assert_eq!(out.payload()["deleted"], true);
    let out = one(
        &outbox(&deleted_config),
        outbox_event("c", Value::from(""), &[], true),
    );
    assert_eq!(out.value, None, "a valid tombstone");
    assert!(out.key.is_some());
    let out = one(
        &outbox(&[(
            "table.fields.additional.placement",
            "is_deleted:envelope:deleted",
        )]),
        outbox_event("c", Value::from(""), &[], true),
    );
    assert!(out.key.is_some());
    assert_eq!(out.payload()["deleted"], true);
    assert!(out.value_schema().is_object());

    // Missing columns: an error by default, skipped with `ignore`.
    bad_record(
        &outbox(&[("table.fields.additional.placement", "nope:envelope")]),
        event("c"),
        "Unable to find field nope in event",
    );
    let out = one(
        &outbox(&[
            (
                "table.fields.additional.placement",
                "nope:envelope,type:header",
            ),
            ("table.field.additional.missing", "ignore"),
        ]),
        event("c"),
    );
    assert_eq!(out.payload(), &json!({"payload": "{}"}));
    assert_eq!(out.header("type"), Some(Some("UserCreated")));
}

#[test]
fn outbox_expands_json_payloads() {
    let toml = outbox(&[("table.expand.json.payload", "true")]);
    let r = outbox_event(
        "c",
        Value::from(
            r#"{"fullName":"John Doe","age":42,"tags":["a"],"address":{"city":"X"},"none":null}"#,
        ),
        &[],
        true,
    );
    let out = one(&toml, r);
    assert_eq!(
        out.payload(),
        &json!({"fullName": "John Doe", "age": 42, "tags": ["a"], "address": {"city": "X"}})
    );
    assert_eq!(out.value_schema()["name"], "payload");
    assert_eq!(out.value_schema()["fields"][3]["name"], "payload.address");
    // Not JSON: kept as a string.
    let out = one(
        &toml,
        outbox_event("c", Value::from("plain text"), &[], true),
    );
    assert_eq!(out.payload(), "plain text");
    // With an envelope field, the payload field is expanded inside the struct.
    let toml = outbox(&[
        ("table.expand.json.payload", "true"),
        ("table.fields.additional.placement", "type:envelope"),
        ("table.json.payload.null.behavior", "optional_bytes"),
    ]);
    let out = one(
        &toml,
        outbox_event("c", Value::from(r#"{"a":1,"b":null}"#), &[], true),
    );
    assert_eq!(
        out.payload(),
        &json!({"payload": {"a": 1, "b": null}, "type": "UserCreated"})
    );
    assert_eq!(
        out.value_schema()["fields"][0]["fields"][1],
        json!({"type":"bytes","optional":true,"field":"b"})
    );
    assert_eq!(out.value_schema()["name"], "event.User.Value");
}

#[test]
fn outbox_config_errors() {
    for (config, key) in [
        (vec![("route.topic.regex", " [[a-z]")], "route.topic.regex"),
        (
            vec![("table.fields.additional.placement", "type")],
            "table.fields.additional.placement",
        ),
        (
            vec![("table.fields.additional.placement", "")],
            "table.fields.additional.placement",
        ),
        (
            vec![("table.op.invalid.behavior", "invalidOption")],
            "table.op.invalid.behavior",
        ),
    ] {
        let err = config_error(&outbox(&config));
        assert!(err.contains(&format!("transforms.t.{key}")), "{err}");
    }
}

/// The shared outbox fixtures: every create becomes one `outbox.event.product` event keyed by
/// the aggregate id, deletes and tombstones disappear; schemaless events pass unchanged.
#[test]
fn outbox_over_the_fixtures() {
    let input = std::fs::read_to_string(fixtures().join("outbox-with-schema.jsonl")).unwrap();
    let (_dir, config) = temp_file(
        "outbox.json",
        r#"{"transforms":"outbox","transforms.outbox.type":"io.debezium.transforms.outbox.EventRouter",
            "transforms.outbox.table.fields.additional.placement":"type:header:eventType",
            "transforms.outbox.table.expand.json.payload":"true"}"#,
    );
    let out = switchyard(&[
        "apply",
        "--config",
        config.to_str().unwrap(),
        "--input",
        fixtures()
            .join("outbox-with-schema.jsonl")
            .to_str()
            .unwrap(),
    ]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let creates: Vec<Value> = input
        .lines()
        .map(parse)
        .filter(|r| !r["value"].is_null() && r["value"]["payload"]["op"] == "c")
        .collect();
    let lines: Vec<Value> = String::from_utf8(out.stdout)
        .unwrap()
        .lines()
        .map(parse)
        .collect();
    assert_eq!(lines.len(), creates.len());
    assert_eq!(lines.len(), 30);
    for (line, input) in lines.iter().zip(&creates) {
        let after = &input["value"]["payload"]["after"];
        assert_eq!(line["topic"], "outbox.event.product");
        assert_eq!(line["key"]["payload"], after["aggregateid"]);
        assert_eq!(line["timestamp"], input["value"]["payload"]["ts_ms"]);
        let payload: Value = parse(after["payload"].as_str().unwrap());
        assert_eq!(line["value"]["payload"], payload, "expanded");
        assert_eq!(line["value"]["schema"]["name"], "payload");
        let headers = line["headers"].as_array().unwrap();
        assert_eq!(headers[0], json!({"key": "id", "value": after["id"]}));
        assert_eq!(
            headers[1],
            json!({"key": "eventType", "value": after["type"]})
        );
    }

    let (_dir, schemaless_config) = temp_file(
        "outbox-schemaless.json",
        r#"{"key.converter":"org.apache.kafka.connect.json.JsonConverter","key.converter.schemas.enable":"false",
            "value.converter":"org.apache.kafka.connect.json.JsonConverter","value.converter.schemas.enable":"false",
            "transforms":"outbox","transforms.outbox.type":"io.debezium.transforms.outbox.EventRouter"}"#,
    );
    let out = switchyard(&[
        "apply",
        "--config",
        schemaless_config.to_str().unwrap(),
        "--input",
        fixtures().join("outbox-schemaless.jsonl").to_str().unwrap(),
    ]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let schemaless = std::fs::read_to_string(fixtures().join("outbox-schemaless.jsonl")).unwrap();
    let kept = schemaless
        .lines()
        .filter(|l| !l.ends_with("\"value\":null}"))
        .count();
    assert_eq!(
        String::from_utf8(out.stdout).unwrap().lines().count(),
        kept,
        "tombstones dropped, the rest unchanged"
    );
}

// ---------------------------------------------------------------------------------------------
// HeaderToValue (`HeaderToValueTest`).

const HEADER_TO_VALUE: &str = "io.debezium.transforms.HeaderToValue";

/// The products envelope of `HeaderToValueTest` and `PartitionRoutingTest`: rows
/// `S{id:INT64, price:FLOAT32, product:STRING?}` named `server1.inventory.products.Value`.
fn products_row_schema(with_product: bool) -> Value {
    let mut fields = vec![
        field("id", prim("int64", false)),
        field("price", prim("float", false)),
    ];
    if with_product {
        fields.push(field("product", prim("string", true)));
    }
    strukt(Some("server1.inventory.products.Value"), true, fields)
}

fn products_change(op: &str, row: Value, with_product: bool) -> Record {
    let schema = envelope_schema(
        "server1.inventory.products",
        &products_row_schema(with_product),
        &source_schema(),
    );
    let (before, after) = match op {
        "d" => (row, Value::Null),
        "t" => (Value::Null, Value::Null),
        _ => (Value::Null, row),
    };
    let payload = json!({"before": before, "after": after, "source": source(), "transaction": null,
        "op": op, "ts_ms": 1, "ts_us": null, "ts_ns": null});
    record(
        "server1.inventory.products",
        None,
        Some(&data(&schema, &payload, true)),
    )
}

fn apple(op: &str) -> Record {
    products_change(op, json!({"id": 1, "price": 1.0, "product": "APPLE"}), true)
}

/// `whenARecordThatContainsADefinedHeaderItWillBeCopiedInTheDefinedField`, and `move`.
#[test]
fn header_to_value_copies_and_moves() {
    let headers = [
        ("h1", "this is a value from h1 header"),
        ("h2", "this is a value from h2 header"),
    ];
    let toml = pipeline(
        HEADER_TO_VALUE,
        &[
            ("headers", "h1,h2"),
            ("fields", "f1, f2"),
            ("operation", "copy"),
        ],
        true,
    );
    let out = one(&toml, with_headers(apple("c"), &headers));
    assert_eq!(out.payload()["f1"], "this is a value from h1 header");
    assert_eq!(out.payload()["f2"], "this is a value from h2 header");
    assert_eq!(out.payload()["after"]["product"], "APPLE");
    let fields = out.value_schema()["fields"].as_array().unwrap();
    assert_eq!(
        fields[fields.len() - 2],
        json!({"type":"string","optional":false,"field":"f1"})
    );
    assert_eq!(
        out.value_schema()["name"],
        "server1.inventory.products.Envelope"
    );
    assert_eq!(out.value_schema()["optional"], false);
    assert_eq!(out.headers.len(), 2, "copy keeps the headers");

    let toml = pipeline(
        HEADER_TO_VALUE,
        &[
            ("headers", "h1,h2"),
            ("fields", "f1,after.f2"),
            ("operation", "move"),
        ],
        true,
    );
    let out = one(
        &toml,
        with_headers(apple("c"), &[("h1", "42"), ("h2", "true"), ("other", "x")]),
    );
    assert_eq!(out.payload()["f1"], 42);
    assert_eq!(
        out.value_schema()["fields"]
            .as_array()
            .unwrap()
            .last()
            .unwrap(),
        &json!({"type":"int8","optional":false,"field":"f1"})
    );
    assert_eq!(out.payload()["after"]["f2"], true);
    assert_eq!(
        out.headers,
        vec![("other".to_owned(), Some("x".to_owned()))],
        "move removes them"
    );

    // No listed header, or a tombstone: unchanged.
    let out = one(&toml, with_headers(apple("c"), &[("other", "x")]));
    assert_eq!(out.headers.len(), 1);
    assert!(out.payload()["f1"].is_null());
    assert_eq!(one(&toml, with_headers(tombstone(), &headers)).value, None);
    // A nested field into a struct that does not exist.
    let toml = pipeline(
        HEADER_TO_VALUE,
        &[
            ("headers", "h1"),
            ("fields", "nope.f"),
            ("operation", "copy"),
        ],
        true,
    );
    bad_record(
        &toml,
        with_headers(apple("c"), &headers),
        "Field 'nope' does not exist in the schema",
    );
    // Schemaless values are not structs.
    let toml = pipeline(
        HEADER_TO_VALUE,
        &[("headers", "h1"), ("fields", "f1"), ("operation", "copy")],
        false,
    );
    bad_record(
        &toml,
        with_headers(record("t", None, Some(r#"{"a":1}"#)), &headers),
        "Only Struct objects supported for [Header field insertion], found: java.util.HashMap",
    );
}

#[test]
fn header_to_value_config_errors() {
    for (config, key, message) in [
        (
            vec![
                ("headers", "h1,h2"),
                ("fields", "f1,f2"),
                ("operation", "invalidOp"),
            ],
            "operation",
            "Invalid value invalidOp for configuration operation: The 'operation' value is invalid: Value must be one of move, copy",
        ),
        (
            vec![("headers", "h1,h2"), ("operation", "copy")],
            "fields",
            "A value is required",
        ),
        (
            vec![
                ("headers", "h1,h2"),
                ("fields", "f1"),
                ("operation", "copy"),
            ],
            "fields",
            "'fields' config must have the same number of elements as 'headers' config.",
        ),
        (
            vec![
                ("headers", "h1,h2"),
                ("fields", ",f2"),
                ("operation", "copy"),
            ],
            "fields",
            "Empty string element(s) not permitted",
        ),
        (
            vec![
                ("headers", "header one"),
                ("fields", "f1"),
                ("operation", "copy"),
            ],
            "headers",
            "Element(s) containing space not permitted",
        ),
    ] {
        let err = config_error(&pipeline(HEADER_TO_VALUE, &config, true));
        assert!(err.contains(&format!("transforms.t.{key}")), "{err}");
        assert!(err.contains(message), "{err}");
    }
    chain(&pipeline(
        HEADER_TO_VALUE,
        &[
            ("headers", " h1 , h2"),
            ("fields", " f1, f2 "),
            ("operation", "copy"),
        ],
        true,
    ))
    .unwrap_or_else(|e| panic!("{e}"));
}

// ---------------------------------------------------------------------------------------------
// partitions.PartitionRouting (`PartitionRoutingTest`).

const PARTITION_ROUTING: &str = "io.debezium.transforms.partitions.PartitionRouting";

fn partitioned(fields: &str, num: &str, hash: Option<&str>) -> String {
    let mut config = vec![
        ("partition.payload.fields", fields),
        ("partition.topic.num", num),
    ];
    if let Some(h) = hash {
        config.push(("partition.hash.function", h));
    }
    pipeline(PARTITION_ROUTING, &config, true)
}

#[test]
fn partition_routing_cases_from_debezium() {
    for (fields, num, hash, r, expected) in [
        ("after.product", "2", None, apple("c"), Some(0)),
        ("change.product", "2", None, apple("c"), Some(0)),
        ("change . product", "2", None, apple("c"), Some(0)),
        ("change.product", "2", None, apple("d"), Some(0)),
        ("after.not_existing", "2", None, apple("c"), None),
        (
            "change.product",
            "2",
            None,
            products_change("c", json!({"id": 1, "price": 1.0}), false),
            None,
        ),
        (
            "after.not_existing,change.product",
            "3",
            None,
            products_change(
                "c",
                json!({"id": 1, "price": 1.0, "product": "orange"}),
                true,
            ),
            Some(1),
        ),
        ("change.product", "2", None, apple("t"), None),
        (
            "change.id,change.product",
            "100",
            None,
            products_change(
                "c",
                json!({"id": 1, "price": 1.0, "product": "orange"}),
                true,
            ),
            Some(39),
        ),
        (
            "change.id,change.product",
            "100",
            Some("murmur"),
            products_change(
                "c",
                json!({"id": 1, "price": 1.0, "product": "orange"}),
                true,
            ),
            Some(65),
        ),
    ] {
        let out = one(&partitioned(fields, num, hash), r);
        assert_eq!(out.partition, expected, "{fields} {num} {hash:?}");
    }
    // Tombstones and schemaless values pass.
    assert_eq!(
        one(&partitioned("after.product", "2", None), tombstone()).partition,
        None
    );
    let toml = pipeline(
        PARTITION_ROUTING,
        &[
            ("partition.payload.fields", "after.product"),
            ("partition.topic.num", "2"),
        ],
        false,
    );
    assert_eq!(
        one(
            &toml,
            record("t", None, Some(r#"{"after":{"product":"x"},"op":"c"}"#))
        )
        .partition,
        None
    );
}

#[test]
fn partition_routing_config_errors() {
    let err = config_error(&pipeline(
        PARTITION_ROUTING,
        &[("partition.topic.num", "2")],
        true,
    ));
    assert!(
        err.contains("Invalid value null for configuration partition.payload.fields: The 'partition.payload.fields' value is invalid: A value is required"),
        "{err}"
    );
    let err = config_error(&partitioned(",source.table", "2", None));
    assert!(
        err.contains("Empty string element(s) not permitted"),
        "{err}"
    );
    let err = config_error(&partitioned("after.id", "0", None));
    assert!(err.contains("transforms.t.partition.topic.num"), "{err}");
}

// ---------------------------------------------------------------------------------------------
// TimezoneConverter (`TimezoneConverterTest`).

const TIMEZONE: &str = "io.debezium.transforms.TimezoneConverter";

fn orders_change() -> Record {
    let row = strukt(
        Some("server1.inventory.orders.Value"),
        true,
        vec![
            field("id", prim("int64", false)),
            field(
                "order_date_micros",
                named("int64", true, "io.debezium.time.MicroTimestamp"),
            ),
            field(
                "order_date_nanos",
                named("int64", true, "io.debezium.time.NanoTimestamp"),
            ),
            field(
                "order_date_timestamp",
                named("int64", true, "io.debezium.time.Timestamp"),
            ),
            field(
                "order_date_zoned_timestamp",
                named("string", true, "io.debezium.time.ZonedTimestamp"),
            ),
            field(
                "order_date_zoned_time",
                named("string", true, "io.debezium.time.ZonedTime"),
            ),
            field("order_date", named("int32", true, "io.debezium.time.Date")),
        ],
    );
    let source_schema = strukt(
        Some("source"),
        false,
        vec![
            field("table", prim("string", true)),
            field("ts_ms", prim("int64", true)),
        ],
    );
    let schema = envelope_schema("server1.inventory.orders", &row, &source_schema);
    let payload = json!({"before": null, "after": {"id": 1,
        "order_date_micros": 1529507596945104i64, "order_date_nanos": 1531481025340000104i64,
        "order_date_timestamp": 1514908810123i64,
        "order_date_zoned_timestamp": "2018-01-02T11:15:30.123456789+00:00",
        "order_date_zoned_time": "11:15:30.123456789+00:00", "order_date": 17000},
        "source": {"table": "orders", "ts_ms": 123456789}, "transaction": null, "op": "c",
        "ts_ms": 1, "ts_us": null, "ts_ns": null});
    record(
        "server1.inventory.orders",
        None,
        Some(&data(&schema, &payload, true)),
    )
}

/// `testMultipleDebeziumTimestamps`, then rules and `source.ts_ms`.
#[test]
fn timezone_converter_converts_debezium_timestamps() {
    let out = one(
        &pipeline(TIMEZONE, &[("converted.timezone", "+05:30")], true),
        orders_change(),
    );
    assert_eq!(
        out.payload()["after"],
        json!({"id": 1, "order_date_micros": 1529487796945104i64,
            "order_date_nanos": 1531461225340000104i64, "order_date_timestamp": 1514889010123i64,
            "order_date_zoned_timestamp": "2018-01-02T16:45:30.123456789+05:30",
            "order_date_zoned_time": "16:45:30.123456789+05:30", "order_date": 17000})
    );
    assert_eq!(
        out.payload()["source"],
        json!({"table": "orders", "ts_ms": 123456789})
    );

    // Only the listed field, and `source.ts_ms` when listed.
    let toml = pipeline(
        TIMEZONE,
        &[
            ("converted.timezone", "+05:30"),
            ("include.list", "source:orders:order_date_micros"),
        ],
        true,
    );
    let out = one(&toml, orders_change());
    assert_eq!(
        out.payload()["after"]["order_date_micros"],
        1529487796945104i64
    );
    assert_eq!(
        out.payload()["after"]["order_date_nanos"],
        1531481025340000104i64
    );
    let toml = pipeline(
        TIMEZONE,
        &[
            ("converted.timezone", "+05:30"),
            ("include.list", "orders:source.ts_ms"),
        ],
        true,
    );
    let out = one(&toml, orders_change());
    assert_eq!(out.payload()["source"]["ts_ms"], 123456789 + 19_800_000);
    assert_eq!(
        out.payload()["after"]["order_date_micros"],
        1529507596945104i64
    );
    // Excluded table: nothing changes; other tables: everything.
    let toml = pipeline(
        TIMEZONE,
        &[
            ("converted.timezone", "+05:30"),
            ("exclude.list", "source:orders"),
        ],
        true,
    );
    assert_eq!(
        one(&toml, orders_change()).payload()["after"]["order_date_micros"],
        1529507596945104i64
    );
    let toml = pipeline(
        TIMEZONE,
        &[
            ("converted.timezone", "+05:30"),
            ("exclude.list", "source:customers"),
        ],
        true,
    );
    assert_eq!(
        one(&toml, orders_change()).payload()["after"]["order_date_micros"],
        1529487796945104i64
    );
}

/// `testSingleDebeziumTimestamp`, `testKafkaConnectTimestamp`.
#[test]
fn timezone_converter_named_zones() {
    let zoned = |value: &str| {
        let row = strukt(
            Some("r.Value"),
            true,
            vec![field(
                "t",
                named("string", true, "io.debezium.time.ZonedTimestamp"),
            )],
        );
        let schema = envelope_schema("r", &row, &source_schema());
        let payload = json!({"before": null, "after": {"t": value}, "source": source(),
            "transaction": null, "op": "c", "ts_ms": 1, "ts_us": null, "ts_ns": null});
        record("r", None, Some(&data(&schema, &payload, true)))
    };
    let toml = pipeline(TIMEZONE, &[("converted.timezone", "Pacific/Easter")], true);
    for (input, expected) in [
        (
            "2011-01-11T16:40:30.123456789+00:00",
            "2011-01-11T11:40:30.123456789-05:00",
        ),
        (
            "2011-02-02T11:04:30.123456789+00:00",
            "2011-02-02T06:04:30.123456789-05:00",
        ),
    ] {
        assert_eq!(one(&toml, zoned(input)).payload()["after"]["t"], expected);
    }
    let row = strukt(
        Some("r.Value"),
        true,
        vec![field(
            "t",
            named("int64", true, "org.apache.kafka.connect.data.Timestamp"),
        )],
    );
    let schema = envelope_schema("r", &row, &source_schema());
    let payload = json!({"before": null, "after": {"t": 1522116000000i64}, "source": source(),
        "transaction": null, "op": "c", "ts_ms": 1, "ts_us": null, "ts_ns": null});
    let toml = pipeline(TIMEZONE, &[("converted.timezone", "Africa/Cairo")], true);
    let out = one(
        &toml,
        record("r", None, Some(&data(&schema, &payload, true))),
    );
    assert_eq!(
        out.payload()["after"]["t"],
        1522108800000i64,
        "2018-03-27T02:00Z → 00:00Z"
    );
    // Not an envelope: unchanged.
    let toml = pipeline(TIMEZONE, &[("converted.timezone", "Africa/Cairo")], false);
    assert_eq!(
        one(&toml, create(false)).payload()["after"]["name"],
        "myRecord"
    );
}

#[test]
fn timezone_converter_config_errors() {
    for (config, key, message) in [
        (vec![], "converted.timezone", "A value is required"),
        (
            vec![("converted.timezone", "Mars/Olympus")],
            "converted.timezone",
            "Invalid timezone format",
        ),
        (
            vec![
                ("converted.timezone", "UTC"),
                ("include.list", "source:a"),
                ("exclude.list", "source:b"),
            ],
            "exclude.list",
            "Both include and exclude lists are specified",
        ),
    ] {
        let err = config_error(&pipeline(TIMEZONE, &config, true));
        assert!(err.contains(&format!("transforms.t.{key}")), "{err}");
        assert!(err.contains(message), "{err}");
    }
}

// ---------------------------------------------------------------------------------------------
// The seed's CQRS read model, end to end: `switchyard apply` with
// `tests/fixtures/product-documents-connector.json` (ExtractNewRecordState with
// `add.fields=op,table,lsn` and the 2.x `delete.handling.mode=rewrite`, then the seed's
// `ReplaceField$Key` and `RegexRouter`) over the Debezium events of `with-schema.jsonl`.

#[test]
fn product_documents_for_the_search_index() {
    let config = fixtures().join("product-documents-connector.json");
    let input_path = fixtures().join("with-schema.jsonl");
    let out = switchyard(&[
        "apply",
        "--config",
        config.to_str().unwrap(),
        "--input",
        input_path.to_str().unwrap(),
    ]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let input = std::fs::read_to_string(&input_path).unwrap();
    let inputs: Vec<Value> = input.lines().map(parse).collect();
    let events: Vec<&Value> = inputs.iter().filter(|r| !r["value"].is_null()).collect();
    let outputs: Vec<Value> = String::from_utf8(out.stdout)
        .unwrap()
        .lines()
        .map(parse)
        .collect();
    // 2.x `drop.tombstones` defaults to true: Kafka's tombstones are dropped, every change
    // event becomes one document.
    assert_eq!(outputs.len(), events.len());
    assert_eq!(inputs.len() - events.len(), 19);
    let summary = String::from_utf8_lossy(&out.stderr);
    assert!(summary.contains("filtered: 19"), "{summary}");

    let mut deletes = 0;
    for (event, doc) in events.iter().zip(&outputs) {
        let envelope = &event["value"]["payload"];
        let op = envelope["op"].as_str().unwrap();
        let topic = event["topic"].as_str().unwrap();
        let (row, row_schema) = if op == "d" {
            deletes += 1;
            (&envelope["before"], &event["value"]["schema"]["fields"][0])
        } else {
            (&envelope["after"], &event["value"]["schema"]["fields"][1])
        };
        assert_eq!(doc["topic"], "product-events");
        // A flat document: the row's columns, then the metadata.
        let mut expected = row.as_object().unwrap().clone();
        expected.insert(
            "__deleted".into(),
            Value::from(if op == "d" { "true" } else { "false" }),
        );
        expected.insert("__op".into(), envelope["op"].clone());
        expected.insert("__table".into(), envelope["source"]["table"].clone());
        expected.insert("__lsn".into(), envelope["source"]["lsn"].clone());
        assert_eq!(
            doc["value"]["payload"],
            Value::Object(expected),
            "{topic} {op}"
        );
        // Its schema: the row schema, required, with the four metadata fields.
        let schema = &doc["value"]["schema"];
        assert_eq!(schema["name"], row_schema["name"]);
        assert_eq!(schema["optional"], false);
        let fields = schema["fields"].as_array().unwrap();
        let n = fields.len();
        assert_eq!(
            &fields[..n - 4],
            row_schema["fields"].as_array().unwrap().as_slice()
        );
        assert_eq!(
            &fields[n - 4..],
            &[
                json!({"type":"string","optional":true,"field":"__deleted"}),
                json!({"type":"string","optional":true,"field":"__op"}),
                json!({"type":"string","optional":true,"field":"__table"}),
                json!({"type":"int64","optional":true,"field":"__lsn"}),
            ]
        );
        // Keys keep their bytes, except the products' `id`, renamed for the index.
        if topic.ends_with("products") {
            assert_eq!(doc["key"]["schema"]["fields"][0]["field"], "product_id");
            assert_eq!(
                doc["key"]["payload"]["product_id"],
                event["key"]["payload"]["id"]
            );
        } else {
            assert_eq!(doc["key"], event["key"]);
        }
        assert_eq!(doc["timestamp"], event["timestamp"]);
    }
    assert!(deletes > 10, "the fixtures hold deletes ({deletes})");
}
