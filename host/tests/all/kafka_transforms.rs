//! The Kafka Connect transforms of `org.apache.kafka.connect.transforms`, on the cases of their
//! upstream test classes (`CastTest`, `DropHeadersTest`, `ExtractFieldTest`, `FlattenTest`,
//! `HeaderFromTest`, `HoistFieldTest`, `InsertFieldTest`, `InsertHeaderTest`, `MaskFieldTest`,
//! `SetSchemaMetadataTest`, `TimestampConverterTest`, `TimestampRouterTest`, `ValueToKeyTest`),
//! run as WebAssembly components through the real engine, with and without schemas, tombstones
//! and nulls included. Outputs are compared as the bytes the pipeline's JsonConverter writes.

use bytes::Bytes;
use switchyard::chain::Chain;
use switchyard::engine::StepError;
use switchyard::record::{Header, Record};

use crate::common::{chain, encoded, record};

// ---------------------------------------------------------------------------------------------
// Harness

const T: &str = "org.apache.kafka.connect.transforms.";

/// A pipeline with one step of `class` (relative to `org.apache.kafka.connect.transforms.`),
/// JsonConverter for key and value with or without schemas, and the converters'
/// `replace.null.with.default` (set to false to see what a transform did with nulls).
fn pipeline(class: &str, config: &[(&str, &str)], schemas: bool, replace_null: bool) -> String {
    let entries: Vec<String> = config
        .iter()
        .map(|(k, v)| format!("{} = {}", toml_str(k), toml_str(v)))
        .collect();
    let converter = format!(
        r#"class = "org.apache.kafka.connect.json.JsonConverter"
        config = {{ "schemas.enable" = {schemas}, "replace.null.with.default" = {replace_null} }}"#
    );
    format!(
        r#"
        [converters.key]
        {converter}
        [converters.value]
        {converter}
        [[transforms]]
        alias = "t"
        class = "{T}{class}"
        config = {{ {} }}
        "#,
        entries.join(", ")
    )
}

fn toml_str(s: &str) -> String {
    serde_json::Value::from(s).to_string()
}

/// `pipeline` with schemas and the converters' defaults.
fn with_schema(class: &str, config: &[(&str, &str)]) -> String {
    pipeline(class, config, true, true)
}

/// `pipeline` without schemas.
fn schemaless(class: &str, config: &[(&str, &str)]) -> String {
    pipeline(class, config, false, true)
}

/// A JsonConverter envelope.
fn env(schema: &str, payload: &str) -> String {
    format!(r#"{{"schema":{schema},"payload":{payload}}}"#)
}

/// A record on topic `test`.
fn rec(key: Option<&str>, value: Option<&str>) -> Record {
    record("test", key, value)
}

/// A record with headers (`None` is a null header value).
fn with_headers(mut r: Record, headers: &[(&str, Option<&str>)]) -> Record {
    r.headers = headers
        .iter()
        .map(|(k, v)| Header {
            key: (*k).to_owned(),
            value: v.map(|v| Bytes::copy_from_slice(v.as_bytes())),
        })
        .collect();
    r
}

/// A record leaving the chain: its key and value as the converters wrote them.
#[derive(Debug, PartialEq)]
struct Out {
    topic: String,
    headers: Vec<(String, Option<String>)>,
    key: Option<String>,
    value: Option<String>,
}

fn run(toml: &str, r: Record) -> Result<Vec<Out>, StepError> {
    let mut c = chain(toml).unwrap_or_else(|e| panic!("{e}"));
    let out = c.apply(r).map_err(|e| e.error)?;
    Ok(out
        .iter()
        .map(|r| {
            let (key, value) = encoded(&c, r);
            Out {
                topic: r.topic.clone(),
                headers: r
                    .headers
                    .iter()
                    .map(|h| {
                        let v = h.value.as_ref();
                        (
                            h.key.clone(),
                            v.map(|v| String::from_utf8_lossy(v).into_owned()),
                        )
                    })
                    .collect(),
                key,
                value,
            }
        })
        .collect())
}

/// The one record a step passes on.
fn one(toml: &str, r: Record) -> Out {
    let mut out = run(toml, r).unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(out.len(), 1, "{out:?}");
    out.remove(0)
}

/// The value the step passes on.
fn value(toml: &str, r: Record) -> Option<String> {
    one(toml, r).value
}

/// The key the step passes on.
fn key(toml: &str, r: Record) -> Option<String> {
    one(toml, r).key
}

/// The bad-record message of a step that fails.
fn fails(toml: &str, r: Record) -> String {
    match run(toml, r) {
        Err(StepError::BadRecord(message)) => message,
        other => panic!("expected a bad record, got {other:?}"),
    }
}

// ---------------------------------------------------------------------------------------------
// ExtractField (`ExtractFieldTest`)

#[test]
fn extract_field_schemaless() {
    let v2 = [("field", "magic.foo"), ("field.syntax.version", "V2")];
    for (config, input, expected) in [
        // schemaless
        (
            &[("field", "magic")][..],
            Some(r#"{"magic":42}"#),
            Some("42"),
        ),
        // schemalessAndNestedPath
        (&v2[..], Some(r#"{"magic":{"foo":42}}"#), Some("42")),
        // nullSchemaless
        (&[("field", "magic")][..], None, None),
        // nonExistentFieldSchemalessShouldReturnNull
        (
            &[("field", "nonexistent")][..],
            Some(r#"{"magic":42}"#),
            None,
        ),
        // nonExistentNestedFieldSchemalessShouldReturnNull
        (
            &[
                ("field", "magic.nonexistent"),
                ("field.syntax.version", "v2"),
            ][..],
            Some(r#"{"magic":{"foo":42}}"#),
            None,
        ),
        // V1 takes dots literally.
        (
            &[("field", "magic.foo")][..],
            Some(r#"{"magic.foo":"x"}"#),
            Some(r#""x""#),
        ),
        // A missing map on the way gives null.
        (&v2[..], Some(r#"{"other":1}"#), None),
        (&v2[..], Some(r#"{"magic":null}"#), None),
        // Structures come out whole.
        (
            &[("field", "magic")][..],
            Some(r#"{"magic":{"a":[1,2]}}"#),
            Some(r#"{"a":[1,2]}"#),
        ),
    ] {
        let toml = schemaless("ExtractField$Key", config);
        assert_eq!(
            key(&toml, rec(input, Some("1"))).as_deref(),
            expected,
            "{config:?} {input:?}"
        );
    }
}

#[test]
fn extract_field_schemaless_failures() {
    let toml = schemaless("ExtractField$Key", &[("field", "magic")]);
    assert_eq!(
        fails(&toml, rec(Some("42"), None)),
        "Only Map objects supported in absence of schema for [field extraction], found: java.lang.Long"
    );
    let toml = schemaless(
        "ExtractField$Value",
        &[("field", "magic.foo"), ("field.syntax.version", "V2")],
    );
    assert_eq!(
        fails(&toml, rec(None, Some(r#"{"magic":"str"}"#))),
        "Only Map objects supported in absence of schema for [nested field access], found: java.lang.String"
    );
}

const MAGIC_INT32: &str = r#"{"type":"struct","fields":[{"type":"int32","optional":false,"field":"magic"}],"optional":false}"#;
const MAGIC_FOO: &str = r#"{"type":"struct","fields":[{"type":"struct","fields":[{"type":"int32","optional":true,"field":"foo"}],"optional":true,"name":"Foo","field":"magic"}],"optional":true}"#;

const OPTIONAL_INT32: &str = r#"{"type":"int32","optional":true}"#;

#[test]
fn extract_field_with_schema() {
    let int32 = env(r#"{"type":"int32","optional":false}"#, "42");
    let v2 = [("field", "magic.foo"), ("field.syntax.version", "V2")];
    for (config, input, expected) in [
        // withSchema
        (
            &[("field", "magic")][..],
            env(MAGIC_INT32, r#"{"magic":42}"#),
            int32.clone(),
        ),
        // withSchemaAndNestedPath
        (
            &v2[..],
            env(MAGIC_FOO, r#"{"magic":{"foo":42}}"#),
            env(OPTIONAL_INT32, "42"),
        ),
        // The whole nested struct, with its schema.
        (
            &[("field", "magic")][..],
            env(MAGIC_FOO, r#"{"magic":{"foo":42}}"#),
            env(
                r#"{"type":"struct","fields":[{"type":"int32","optional":true,"field":"foo"}],"optional":true,"name":"Foo"}"#,
                r#"{"foo":42}"#,
            ),
        ),
        // A null struct on the way gives null, with the field's schema.
        (
            &v2[..],
            env(MAGIC_FOO, r#"{"magic":null}"#),
            env(OPTIONAL_INT32, "null"),
        ),
    ] {
        let toml = with_schema("ExtractField$Key", config);
        assert_eq!(
            key(&toml, rec(Some(&input), None)),
            Some(expected),
            "{input}"
        );
    }
}

#[test]
fn extract_field_null_with_schema_keeps_the_field_schema() {
    // testNullWithSchema, with an optional field so that the result can be written.
    let schema = r#"{"type":"struct","fields":[{"type":"int32","optional":true,"field":"magic"}],"optional":true}"#;
    let toml = with_schema("ExtractField$Key", &[("field", "magic")]);
    assert_eq!(
        key(&toml, rec(Some(&env(schema, "null")), None)).as_deref(),
        Some(r#"{"schema":{"type":"int32","optional":true},"payload":null}"#)
    );
}

#[test]
fn extract_field_unknown_fields_fail_with_schema() {
    let toml = with_schema("ExtractField$Key", &[("field", "nonexistent")]);
    assert_eq!(
        fails(&toml, rec(Some(&env(MAGIC_INT32, r#"{"magic":42}"#)), None)),
        "Unknown field: nonexistent"
    );
    let toml = with_schema(
        "ExtractField$Key",
        &[
            ("field", "magic.nonexistent"),
            ("field.syntax.version", "V2"),
        ],
    );
    assert_eq!(
        fails(
            &toml,
            rec(Some(&env(MAGIC_FOO, r#"{"magic":{"foo":42}}"#)), None)
        ),
        "Unknown field: magic.nonexistent"
    );
    // Even when the struct is null.
    assert_eq!(
        fails(&toml, rec(Some(&env(MAGIC_FOO, "null")), None)),
        "Unknown field: magic.nonexistent"
    );
    let toml = with_schema("ExtractField$Value", &[("field", "magic")]);
    assert_eq!(
        fails(
            &toml,
            rec(
                None,
                Some(&env(r#"{"type":"int32","optional":false}"#, "42"))
            )
        ),
        "Only Struct objects supported for [field extraction], found: java.lang.Integer"
    );
}

#[test]
fn extract_field_replace_null_with_default() {
    // testUnsetOptionalKey / testUnsetOptionalField
    let schema = r#"{"type":"struct","fields":[{"type":"int32","optional":true,"default":42,"field":"optional_with_default"}],"optional":false}"#;
    for (flag, expected) in [("true", "42"), ("false", "null")] {
        let toml = pipeline(
            "ExtractField$Value",
            &[
                ("field", "optional_with_default"),
                ("replace.null.with.default", flag),
            ],
            true,
            false,
        );
        let out = value(
            &toml,
            rec(
                None,
                Some(&env(schema, r#"{"optional_with_default":null}"#)),
            ),
        );
        assert_eq!(
            out,
            Some(env(
                r#"{"type":"int32","optional":true,"default":42}"#,
                expected
            )),
            "{flag}"
        );
    }
}

// ---------------------------------------------------------------------------------------------
// HoistField (`HoistFieldTest`)

#[test]
fn hoist_field() {
    // schemaless
    let toml = schemaless("HoistField$Key", &[("field", "magic")]);
    assert_eq!(
        key(&toml, rec(Some("42"), None)).as_deref(),
        Some(r#"{"magic":42}"#)
    );
    // A schemaless tombstone is wrapped too.
    let toml = schemaless("HoistField$Value", &[("field", "magic")]);
    assert_eq!(
        value(&toml, rec(None, None)).as_deref(),
        Some(r#"{"magic":null}"#)
    );
    // withSchema
    let toml = with_schema("HoistField$Key", &[("field", "magic")]);
    let input = env(r#"{"type":"int32","optional":false}"#, "42");
    assert_eq!(
        key(&toml, rec(Some(&input), None)),
        Some(env(
            r#"{"type":"struct","fields":[{"type":"int32","optional":false,"field":"magic"}],"optional":false}"#,
            r#"{"magic":42}"#
        ))
    );
    // A null with an optional schema becomes a struct holding null.
    let toml = with_schema("HoistField$Value", &[("field", "f")]);
    let input = env(r#"{"type":"string","optional":true}"#, "null");
    assert_eq!(
        value(&toml, rec(None, Some(&input))),
        Some(env(
            r#"{"type":"struct","fields":[{"type":"string","optional":true,"field":"f"}],"optional":false}"#,
            r#"{"f":null}"#
        ))
    );
}

// ---------------------------------------------------------------------------------------------
// InsertField (`InsertFieldTest`)

const INSERT_P: [(&str, &str); 5] = [
    ("topic.field", "topic_field!"),
    ("partition.field", "partition_field"),
    ("timestamp.field", "timestamp_field?"),
    ("static.field", "instance_id"),
    ("static.value", "my-instance-id"),
];

fn at(mut r: Record, partition: Option<i32>, timestamp: Option<i64>) -> Record {
    r.partition = partition;
    r.timestamp = timestamp;
    r
}

#[test]
fn insert_field_with_schema() {
    // copySchemaAndInsertConfiguredFields
    let toml = with_schema("InsertField$Value", &INSERT_P);
    let input = env(
        r#"{"type":"struct","fields":[{"type":"int64","optional":true,"field":"magic"}],"optional":false,"name":"name","version":1,"doc":"doc"}"#,
        r#"{"magic":42}"#,
    );
    assert_eq!(
        value(&toml, at(rec(None, Some(&input)), Some(0), Some(789))),
        Some(env(
            r#"{"type":"struct","fields":[{"type":"int64","optional":true,"field":"magic"},{"type":"string","optional":false,"field":"topic_field"},{"type":"int32","optional":true,"field":"partition_field"},{"type":"int64","optional":true,"name":"org.apache.kafka.connect.data.Timestamp","version":1,"field":"timestamp_field"},{"type":"string","optional":true,"field":"instance_id"}],"optional":false,"name":"name","version":1,"doc":"doc"}"#,
            r#"{"magic":42,"topic_field":"test","partition_field":0,"timestamp_field":789,"instance_id":"my-instance-id"}"#
        ))
    );
    // topLevelStructRequired
    let toml = with_schema("InsertField$Value", &[("topic.field", "topic_field")]);
    assert_eq!(
        fails(
            &toml,
            rec(
                None,
                Some(&env(r#"{"type":"int32","optional":false}"#, "42"))
            )
        ),
        "Only Struct objects supported for [field insertion], found: java.lang.Integer"
    );
    // An existing field of the same name.
    let toml = with_schema("InsertField$Value", &[("topic.field", "magic")]);
    assert_eq!(
        fails(&toml, rec(None, Some(&input))),
        "Cannot create field because of field name duplication magic"
    );
    // The new struct schema loses the old one's optionality (`copySchemaBasics`); a missing
    // partition or timestamp leaves its (optional) field null.
    let toml = with_schema(
        "InsertField$Value",
        &[("partition.field", "p"), ("timestamp.field", "ts")],
    );
    let optional = env(
        r#"{"type":"struct","fields":[{"type":"int64","optional":true,"field":"magic"}],"optional":true}"#,
        r#"{"magic":1}"#,
    );
    assert_eq!(
        value(&toml, rec(None, Some(&optional))),
        Some(env(
            r#"{"type":"struct","fields":[{"type":"int64","optional":true,"field":"magic"},{"type":"int32","optional":true,"field":"p"},{"type":"int64","optional":true,"name":"org.apache.kafka.connect.data.Timestamp","version":1,"field":"ts"}],"optional":false}"#,
            r#"{"magic":1,"p":null,"ts":null}"#
        ))
    );
}

#[test]
fn insert_field_schemaless() {
    // schemalessInsertConfiguredFields
    let toml = schemaless("InsertField$Value", &INSERT_P);
    assert_eq!(
        value(
            &toml,
            at(rec(None, Some(r#"{"magic":42}"#)), Some(0), Some(123))
        )
        .as_deref(),
        Some(
            r#"{"magic":42,"topic_field":"test","partition_field":0,"timestamp_field":123,"instance_id":"my-instance-id"}"#
        )
    );
    // insertKeyFieldsIntoTombstoneEvent: no timestamp, no timestamp field.
    let toml = schemaless("InsertField$Key", &INSERT_P);
    let out = one(&toml, at(rec(Some(r#"{"magic":42}"#), None), Some(0), None));
    assert_eq!(
        out.key.as_deref(),
        Some(
            r#"{"magic":42,"topic_field":"test","partition_field":0,"instance_id":"my-instance-id"}"#
        )
    );
    assert_eq!(out.value, None);
    // An existing key is replaced in place.
    let toml = schemaless("InsertField$Value", &[("topic.field", "t")]);
    assert_eq!(
        value(&toml, rec(None, Some(r#"{"t":1,"u":2}"#))).as_deref(),
        Some(r#"{"t":"test","u":2}"#)
    );
}

#[test]
fn insert_field_leaves_nulls_alone() {
    for (class, schemas, input) in [
        // insertConfiguredFieldsIntoTombstoneEventWithoutSchemaLeavesValueUnchanged
        ("InsertField$Value", false, None),
        // insertConfiguredFieldsIntoTombstoneEventWithSchemaLeavesValueUnchanged
        (
            "InsertField$Value",
            true,
            Some(env(
                r#"{"type":"struct","fields":[{"type":"int64","optional":true,"field":"magic"}],"optional":true}"#,
                "null",
            )),
        ),
        // insertIntoNullKeyLeavesRecordUnchanged
        ("InsertField$Key", false, None),
    ] {
        let toml = pipeline(class, &INSERT_P, schemas, true);
        // The other part, as its converter reads it.
        let other = if schemas {
            env(r#"{"type":"int32","optional":false}"#, "1")
        } else {
            "1".to_owned()
        };
        let r = if class.ends_with("Key") {
            rec(input.as_deref(), Some(&other))
        } else {
            rec(Some(&other), input.as_deref())
        };
        let out = one(&toml, at(r, Some(0), Some(1)));
        let part = if class.ends_with("Key") {
            out.key
        } else {
            out.value
        };
        assert_eq!(part, input, "{class} {schemas}");
    }
}

#[test]
fn insert_field_replace_null_with_default_and_offsets() {
    // testUnsetOptionalField
    let schema = r#"{"type":"struct","fields":[{"type":"int64","optional":true,"default":42,"field":"magic_with_default"}],"optional":false}"#;
    for (flag, expected) in [("true", "42"), ("false", "null")] {
        let mut config = INSERT_P.to_vec();
        config.push(("replace.null.with.default", flag));
        let toml = pipeline("InsertField$Value", &config, true, false);
        let out = value(
            &toml,
            at(
                rec(None, Some(&env(schema, r#"{"magic_with_default":null}"#))),
                Some(0),
                Some(1),
            ),
        );
        let out: serde_json::Value =
            serde_json::from_str(&out.unwrap_or_default()).unwrap_or_default();
        assert_eq!(
            out["payload"]["magic_with_default"].to_string(),
            expected,
            "{flag}"
        );
    }
    // The offset of a source record: Kafka fails every record.
    let toml = schemaless("InsertField$Value", &[("offset.field", "o")]);
    assert_eq!(
        fails(&toml, rec(None, Some("{}"))),
        "Only SinkRecord supported for [field insertion], found: org.apache.kafka.connect.source.SourceRecord"
    );
}

// ---------------------------------------------------------------------------------------------
// ValueToKey (`ValueToKeyTest`)

#[test]
fn value_to_key() {
    // schemaless
    let toml = schemaless("ValueToKey", &[("fields", "a,b")]);
    let out = one(&toml, rec(None, Some(r#"{"a":1,"b":2,"c":3}"#)));
    assert_eq!(out.key.as_deref(), Some(r#"{"a":1,"b":2}"#));
    assert_eq!(out.value.as_deref(), Some(r#"{"a":1,"b":2,"c":3}"#));
    // A missing field maps to null; structures are copied whole.
    let toml = schemaless("ValueToKey", &[("fields", "b,missing,a")]);
    assert_eq!(
        key(&toml, rec(None, Some(r#"{"a":{"x":[1]},"b":2}"#))).as_deref(),
        Some(r#"{"b":2,"missing":null,"a":{"x":[1]}}"#)
    );
    // withSchema
    let schema = r#"{"type":"struct","fields":[{"type":"int32","optional":false,"field":"a"},{"type":"int32","optional":false,"field":"b"},{"type":"int32","optional":false,"field":"c"}],"optional":false,"name":"v"}"#;
    let toml = with_schema("ValueToKey", &[("fields", "a,b")]);
    assert_eq!(
        key(
            &toml,
            rec(None, Some(&env(schema, r#"{"a":1,"b":2,"c":3}"#)))
        ),
        Some(env(
            r#"{"type":"struct","fields":[{"type":"int32","optional":false,"field":"a"},{"type":"int32","optional":false,"field":"b"}],"optional":false}"#,
            r#"{"a":1,"b":2}"#
        ))
    );
    // Config order, not schema order.
    let toml = with_schema("ValueToKey", &[("fields", "c,a")]);
    assert_eq!(
        key(
            &toml,
            rec(None, Some(&env(schema, r#"{"a":1,"b":2,"c":3}"#)))
        ),
        Some(env(
            r#"{"type":"struct","fields":[{"type":"int32","optional":false,"field":"c"},{"type":"int32","optional":false,"field":"a"}],"optional":false}"#,
            r#"{"c":3,"a":1}"#
        ))
    );
    // nonExistingField
    let toml = with_schema("ValueToKey", &[("fields", "not_exist")]);
    assert_eq!(
        fails(
            &toml,
            rec(None, Some(&env(schema, r#"{"a":1,"b":2,"c":3}"#)))
        ),
        "Field does not exist: not_exist"
    );
}

#[test]
fn value_to_key_struct_fields_and_tombstones() {
    let schema = r#"{"type":"struct","fields":[{"type":"int32","optional":false,"field":"id"},{"type":"struct","fields":[{"type":"string","optional":true,"field":"name"}],"optional":true,"name":"Row","field":"after"}],"optional":false}"#;
    let toml = with_schema("ValueToKey", &[("fields", "after,id")]);
    assert_eq!(
        key(
            &toml,
            rec(None, Some(&env(schema, r#"{"id":6,"after":{"name":"x"}}"#)))
        ),
        Some(env(
            r#"{"type":"struct","fields":[{"type":"struct","fields":[{"type":"string","optional":true,"field":"name"}],"optional":true,"name":"Row","field":"after"},{"type":"int32","optional":false,"field":"id"}],"optional":false}"#,
            r#"{"after":{"name":"x"},"id":6}"#
        ))
    );
    // No special case for tombstones.
    let toml = schemaless("ValueToKey", &[("fields", "a")]);
    assert_eq!(
        fails(&toml, rec(Some("1"), None)),
        "Only Map objects supported in absence of schema for [copying fields from value to key], found: null"
    );
    let toml = with_schema("ValueToKey", &[("fields", "id")]);
    assert_eq!(
        fails(
            &toml,
            rec(
                None,
                Some(&env(
                    &schema.replace(r#""optional":false}"#, r#""optional":true}"#),
                    "null"
                ))
            )
        ),
        "Only Struct objects supported for [copying fields from value to key], found: null"
    );
}

#[test]
fn value_to_key_replace_null_with_default() {
    // testReplaceNullWithDefaultConfig
    let schema = r#"{"type":"struct","fields":[{"type":"int32","optional":true,"default":42,"field":"optional_with_default"},{"type":"struct","fields":[{"type":"int32","optional":true,"default":7,"field":"n"}],"optional":true,"field":"s"}],"optional":false}"#;
    let input = env(schema, r#"{"optional_with_default":null,"s":{"n":null}}"#);
    for (fields, flag, expected) in [
        (
            "optional_with_default",
            "true",
            r#"{"optional_with_default":42}"#,
        ),
        (
            "optional_with_default",
            "false",
            r#"{"optional_with_default":null}"#,
        ),
        // Nulls inside a struct field stay null either way (`Struct.get` of the field).
        (
            "optional_with_default,s",
            "true",
            r#"{"optional_with_default":42,"s":{"n":null}}"#,
        ),
        (
            "optional_with_default,s",
            "false",
            r#"{"optional_with_default":null,"s":{"n":null}}"#,
        ),
    ] {
        let toml = pipeline(
            "ValueToKey",
            &[("fields", fields), ("replace.null.with.default", flag)],
            true,
            false,
        );
        let out = key(&toml, rec(None, Some(&input))).unwrap_or_default();
        let out: serde_json::Value = serde_json::from_str(&out).unwrap_or_default();
        assert_eq!(out["payload"].to_string(), expected, "{fields} {flag}");
    }
}

// ---------------------------------------------------------------------------------------------
// Flatten (`FlattenTest`)

const NINE: &str = r#"{"type":"struct","fields":[{"type":"int8","optional":false,"field":"int8"},{"type":"int16","optional":false,"field":"int16"},{"type":"int32","optional":false,"field":"int32"},{"type":"int64","optional":false,"field":"int64"},{"type":"float","optional":false,"field":"float32"},{"type":"double","optional":false,"field":"float64"},{"type":"boolean","optional":false,"field":"boolean"},{"type":"string","optional":false,"field":"string"},{"type":"bytes","optional":false,"field":"bytes"}],"optional":false"#;
const NINE_VALUES: &str = r#"{"int8":8,"int16":16,"int32":32,"int64":64,"float32":32.0,"float64":64.0,"boolean":true,"string":"stringy","bytes":"Ynl0ZXM="}"#;

#[test]
fn flatten_nested_struct() {
    // testNestedStruct
    let schema = format!(
        r#"{{"type":"struct","fields":[{{"type":"struct","fields":[{NINE},"field":"B"}}],"optional":false,"field":"A"}}],"optional":false}}"#
    );
    let payload = format!(r#"{{"A":{{"B":{NINE_VALUES}}}}}"#);
    let toml = with_schema("Flatten$Value", &[]);
    let flat_fields = NINE
        .replace(r#""field":""#, r#""field":"A.B."#)
        .replacen(r#"{"type":"struct","fields":["#, "", 1)
        .replace(r#"],"optional":false"#, "");
    let expected = env(
        &format!(r#"{{"type":"struct","fields":[{flat_fields}],"optional":false}}"#),
        &NINE_VALUES
            .replace(r#"{""#, r#"{"A.B."#)
            .replace(r#",""#, r#","A.B."#),
    );
    assert_eq!(
        value(&toml, rec(None, Some(&env(&schema, &payload)))),
        Some(expected)
    );
}

#[test]
fn flatten_schemaless() {
    for (config, input, expected) in [
        // testNestedMapWithDelimiter
        (
            &[("delimiter", "#")][..],
            r#"{"A":{"B":{"int8":8,"int16":16,"float64":64.0,"boolean":true,"string":"stringy","bytes":"Ynl0ZXM="}}}"#,
            r#"{"A#B#int8":8,"A#B#int16":16,"A#B#float64":64.0,"A#B#boolean":true,"A#B#string":"stringy","A#B#bytes":"Ynl0ZXM="}"#,
        ),
        // testSchemalessArray: arrays are not descended into.
        (
            &[][..],
            r#"{"foo":["bar",{"baz":{"lfg":"lfg"}}]}"#,
            r#"{"foo":["bar",{"baz":{"lfg":"lfg"}}]}"#,
        ),
        // testMapWithNullFields: nulls kept, order kept.
        (
            &[][..],
            r#"{"firstNull":null,"firstNonNull":"nonNull","secondNull":null,"secondNonNull":"alsoNonNull","thirdNonNull":null}"#,
            r#"{"firstNull":null,"firstNonNull":"nonNull","secondNull":null,"secondNonNull":"alsoNonNull","thirdNonNull":null}"#,
        ),
        // An empty nested map adds nothing.
        (&[][..], r#"{"a":{},"b":{"c":{}},"d":1}"#, r#"{"d":1}"#),
    ] {
        let toml = schemaless("Flatten$Value", config);
        assert_eq!(
            value(&toml, rec(None, Some(input))).as_deref(),
            Some(expected),
            "{input}"
        );
    }
    // testKey
    let toml = schemaless("Flatten$Key", &[]);
    assert_eq!(
        key(&toml, rec(Some(r#"{"A":{"B":12}}"#), None)).as_deref(),
        Some(r#"{"A.B":12}"#)
    );
}

#[test]
fn flatten_optional_structs() {
    let toml = with_schema("Flatten$Value", &[]);
    let inner = r#"{"type":"struct","fields":[{"type":"int32","optional":true,"field":"opt_int32"}],"optional":false,"field":"B"}"#;
    let flat = r#"{"type":"struct","fields":[{"type":"int32","optional":true,"field":"B.opt_int32"}],"optional":false}"#;
    for (schema, payload) in [
        // testOptionalFieldStruct
        (
            format!(r#"{{"type":"struct","fields":[{inner}],"optional":false}}"#),
            r#"{"B":{"opt_int32":null}}"#,
        ),
        // testOptionalNestedStruct: a null nested struct leaves its fields null.
        (
            format!(
                r#"{{"type":"struct","fields":[{}],"optional":false}}"#,
                inner.replace(
                    r#""optional":false,"field":"B""#,
                    r#""optional":true,"field":"B""#
                )
            ),
            r#"{"B":null}"#,
        ),
    ] {
        assert_eq!(
            value(&toml, rec(None, Some(&env(&schema, payload)))),
            Some(env(flat, r#"{"B.opt_int32":null}"#)),
            "{schema}"
        );
    }
    // testOptionalStruct and the tombstone tests: a null passes unchanged.
    let optional = env(
        r#"{"type":"struct","fields":[{"type":"int32","optional":true,"field":"opt_int32"}],"optional":true}"#,
        "null",
    );
    assert_eq!(value(&toml, rec(None, Some(&optional))), Some(optional));
    assert_eq!(value(&toml, rec(None, None)), None);
    assert_eq!(
        value(&schemaless("Flatten$Value", &[]), rec(None, None)),
        None
    );
}

#[test]
fn flatten_defaults_arrays_and_maps() {
    let toml = with_schema("Flatten$Value", &[]);
    // testOptionalAndDefaultValuesNested
    let schema = r#"{"type":"struct","fields":[{"type":"struct","fields":[{"type":"string","optional":false,"field":"req_field"},{"type":"string","optional":true,"default":"child_default","field":"opt_field"}],"optional":true,"default":{"req_field":"req_default","opt_field":null},"field":"s"}],"optional":false,"name":"Outer","version":3}"#;
    assert_eq!(
        value(
            &toml,
            rec(
                None,
                Some(&env(schema, r#"{"s":{"req_field":"x","opt_field":null}}"#))
            )
        ),
        Some(env(
            r#"{"type":"struct","fields":[{"type":"string","optional":true,"default":"req_default","field":"s.req_field"},{"type":"string","optional":true,"default":"child_default","field":"s.opt_field"}],"optional":false,"name":"Outer","version":3}"#,
            r#"{"s.req_field":"x","s.opt_field":"child_default"}"#
        ))
    );
    // testArrayWithSchema: arrays are kept.
    let schema = r#"{"type":"struct","fields":[{"type":"array","items":{"type":"struct","fields":[{"type":"struct","fields":[{"type":"string","optional":false,"field":"lfg"}],"optional":false,"field":"baz"}],"optional":false},"optional":false,"field":"foo"}],"optional":false}"#;
    let input = env(schema, r#"{"foo":[{"baz":{"lfg":"lfg"}}]}"#);
    assert_eq!(value(&toml, rec(None, Some(&input))), Some(input));
    // Maps cannot be flattened with a schema.
    let schema = r#"{"type":"struct","fields":[{"type":"struct","fields":[{"type":"map","keys":{"type":"string","optional":false},"values":{"type":"string","optional":false},"optional":false,"field":"m"}],"optional":false,"field":"a"}],"optional":false}"#;
    assert_eq!(
        fails(&toml, rec(None, Some(&env(schema, r#"{"a":{"m":{}}}"#)))),
        "Flatten transformation does not support MAP for record with schemas (for field a.m)."
    );
    // topLevelStructRequired / topLevelMapRequired
    assert_eq!(
        fails(
            &toml,
            rec(
                None,
                Some(&env(r#"{"type":"int32","optional":false}"#, "42"))
            )
        ),
        "Only Struct objects supported for [flattening], found: java.lang.Integer"
    );
    assert_eq!(
        fails(&schemaless("Flatten$Value", &[]), rec(None, Some("42"))),
        "Only Map objects supported in absence of schema for [flattening], found: java.lang.Long"
    );
}

/// The value `c` writes for a record of value `value` (JSON text), or the step's error.
fn flattened(c: &mut Chain, value: &str) -> Result<Option<String>, StepError> {
    let out = c.apply(rec(None, Some(value))).map_err(|e| e.error)?;
    Ok(encoded(c, &out[0]).1)
}

/// `Flatten` declares it depends only on what the record answers, so its host-side flatten is
/// replayed on records after the first: one that the replay cannot flatten goes back to the
/// guest as it was, which fails it with Kafka's message, and the next record is replayed again.
#[test]
fn flatten_replayed_over_a_value_it_cannot_flatten_fails_as_kafka_does() {
    let toml = schemaless("Flatten$Value", &[]);
    let mut c = chain(&toml).unwrap_or_else(|e| panic!("{e}"));
    let mut flat = |value: &str| flattened(&mut c, value);
    for i in 0..3 {
        assert_eq!(
            flat(&format!(r#"{{"a":{{"b":{i}}}}}"#)).expect("flattened"),
            Some(format!(r#"{{"a.b":{i}}}"#))
        );
    }
    match flat("42") {
        Err(StepError::BadRecord(message)) => assert_eq!(
            message,
            "Only Map objects supported in absence of schema for [flattening], found: java.lang.Long"
        ),
        other => panic!("expected a bad record, got {other:?}"),
    }
    assert_eq!(
        flat(r#"{"a":{"b":7},"c":[1]}"#).expect("flattened"),
        Some(r#"{"a.b":7,"c":[1]}"#.to_owned())
    );
}

/// With schemas, the replayed flatten of a record whose schema the trace was not recorded
/// with is made on the record itself only when its schema flattens: a schema that does not
/// (a MAP field) leaves the record to the guest as it was, which fails it with Kafka's
/// message; a record of a flattening schema with nulls in
/// it is flattened in place; and the next record is replayed again.
#[test]
fn flatten_replayed_with_schemas_over_records_of_other_schemas() {
    let toml = with_schema("Flatten$Value", &[]);
    let mut c = chain(&toml).unwrap_or_else(|e| panic!("{e}"));
    let mut flat = |value: &str| flattened(&mut c, value);
    let nested = |inner: &str| {
        format!(
            r#"{{"type":"struct","fields":[{{"type":"struct","fields":[{inner}],"optional":true,"field":"a"}}],"optional":false}}"#
        )
    };
    let b = nested(r#"{"type":"int32","optional":false,"field":"b"}"#);
    let flat_b = r#"{"type":"struct","fields":[{"type":"int32","optional":true,"field":"a.b"}],"optional":false}"#;
    for i in 0..3 {
        assert_eq!(
            flat(&env(&b, &format!(r#"{{"a":{{"b":{i}}}}}"#))).expect("flattened"),
            Some(env(flat_b, &format!(r#"{{"a.b":{i}}}"#)))
        );
    }
    let map = nested(
        r#"{"type":"map","keys":{"type":"string","optional":false},"values":{"type":"string","optional":false},"optional":false,"field":"m"}"#,
    );
    match flat(&env(&map, r#"{"a":{"m":{}}}"#)) {
        Err(StepError::BadRecord(message)) => assert_eq!(
            message,
            "Flatten transformation does not support MAP for record with schemas (for field a.m)."
        ),
        other => panic!("expected a bad record, got {other:?}"),
    }
    let c_schema = nested(r#"{"type":"string","optional":true,"field":"c"}"#);
    let flat_c = r#"{"type":"struct","fields":[{"type":"string","optional":true,"field":"a.c"}],"optional":false}"#;
    assert_eq!(
        flat(&env(&c_schema, r#"{"a":null}"#)).expect("flattened"),
        Some(env(flat_c, r#"{"a.c":null}"#))
    );
    assert_eq!(
        flat(&env(&b, r#"{"a":{"b":9}}"#)).expect("flattened"),
        Some(env(flat_b, r#"{"a.b":9}"#))
    );
}

#[test]
fn flatten_struct_with_null_fields_is_unchanged() {
    // testStructWithNullFields
    let schema = r#"{"type":"struct","fields":[{"type":"string","optional":true,"field":"firstNull"},{"type":"string","optional":true,"field":"firstNonNull"},{"type":"string","optional":true,"field":"secondNull"},{"type":"string","optional":true,"field":"secondNonNull"},{"type":"string","optional":true,"field":"thirdNonNull"}],"optional":false}"#;
    let input = env(
        schema,
        r#"{"firstNull":null,"firstNonNull":"nonNull","secondNull":null,"secondNonNull":"alsoNonNull","thirdNonNull":null}"#,
    );
    assert_eq!(
        value(&with_schema("Flatten$Value", &[]), rec(None, Some(&input))),
        Some(input)
    );
}

// ---------------------------------------------------------------------------------------------
// Cast (`CastTest`)

#[test]
fn cast_whole_values() {
    let int32_42 = env(r#"{"type":"int32","optional":false}"#, "42");
    for (class, spec, schemas, input, expected) in [
        // castWholeRecordKeyWithSchema
        (
            "Cast$Key",
            "int8",
            true,
            int32_42.clone(),
            env(r#"{"type":"int8","optional":false}"#, "42"),
        ),
        // castWholeRecordValueWithSchemaString
        (
            "Cast$Value",
            "string",
            true,
            int32_42.clone(),
            env(r#"{"type":"string","optional":false}"#, r#""42""#),
        ),
        // castWholeBigDecimalRecordValueWithSchemaString: the schema's name and parameters stay.
        (
            "Cast$Value",
            "string",
            true,
            env(
                r#"{"type":"bytes","optional":false,"name":"org.apache.kafka.connect.data.Decimal","version":1,"parameters":{"scale":"0"}}"#,
                r#""Kg==""#,
            ),
            env(
                r#"{"type":"string","optional":false,"name":"org.apache.kafka.connect.data.Decimal","version":1,"parameters":{"scale":"0"}}"#,
                r#""42""#,
            ),
        ),
        // castWholeRecordDefaultValue
        (
            "Cast$Value",
            "int32",
            true,
            env(
                r#"{"type":"float","optional":false,"default":-42.125}"#,
                "42.125",
            ),
            env(r#"{"type":"int32","optional":false,"default":-42}"#, "42"),
        ),
        (
            "Cast$Value",
            "boolean",
            true,
            env(r#"{"type":"string","optional":true}"#, r#""TRUE""#),
            env(r#"{"type":"boolean","optional":true}"#, "true"),
        ),
        // castWholeRecordKeySchemaless / castWholeRecordValueSchemalessString
        ("Cast$Key", "int8", false, "42".into(), "42".into()),
        ("Cast$Value", "string", false, "42".into(), r#""42""#.into()),
        (
            "Cast$Value",
            "float64",
            false,
            r#""1e3""#.into(),
            "1000.0".into(),
        ),
        ("Cast$Value", "int16", false, "70000".into(), "4464".into()),
    ] {
        let toml = pipeline(class, &[("spec", spec)], schemas, true);
        let out = if class.ends_with("Key") {
            key(&toml, rec(Some(&input), None))
        } else {
            value(&toml, rec(None, Some(&input)))
        };
        assert_eq!(out, Some(expected), "{class} {spec} {input}");
    }
}

#[test]
fn cast_failures_and_nulls() {
    // castWholeRecordValueSchemalessUnsupportedType
    assert_eq!(
        fails(
            &schemaless("Cast$Value", &[("spec", "int8")]),
            rec(None, Some(r#"["foo"]"#))
        ),
        "Cast transformation does not support casting from ARRAY; supported types are [INT8, INT16, INT32, INT64, FLOAT32, FLOAT64, BOOLEAN, STRING, BYTES]"
    );
    assert_eq!(
        fails(
            &schemaless("Cast$Value", &[("spec", "int32")]),
            rec(None, Some(r#""x""#))
        ),
        "Value (x) was out of range for requested data type"
    );
    assert_eq!(
        fails(
            &schemaless("Cast$Value", &[("spec", "a:int32")]),
            rec(None, Some("1"))
        ),
        "Only Map objects supported in absence of schema for [cast types], found: java.lang.Long"
    );
    // castNullValueRecordWithSchema / castNullValueRecordSchemaless / castNullKeyRecord*
    let null = env(r#"{"type":"string","optional":true}"#, "null");
    assert_eq!(
        value(
            &with_schema("Cast$Value", &[("spec", "foo:int64")]),
            rec(None, Some(&null))
        ),
        Some(null.clone())
    );
    assert_eq!(
        value(
            &schemaless("Cast$Value", &[("spec", "foo:int64")]),
            rec(None, None)
        ),
        None
    );
    assert_eq!(
        key(
            &with_schema("Cast$Key", &[("spec", "int64")]),
            rec(Some(&null), None)
        ),
        Some(null)
    );
}

#[test]
fn cast_fields_schemaless() {
    // castFieldsSchemaless; a cast field missing from the map is added as null.
    let toml = schemaless(
        "Cast$Value",
        &[(
            "spec",
            "int8:int16,int16:int32,int32:int64,int64:boolean,float32:float64,float64:boolean,boolean:int8,string:int32,missing:string",
        )],
    );
    assert_eq!(
        value(
            &toml,
            rec(None, Some(r#"{"int8":8,"int16":16,"int32":32,"int64":64,"float32":32.0,"float64":-64.0,"boolean":true,"string":"42","other":"x"}"#))
        )
        .as_deref(),
        Some(r#"{"int8":8,"int16":16,"int32":32,"int64":true,"float32":32.0,"float64":true,"boolean":1,"string":42,"other":"x","missing":null}"#)
    );
}

#[test]
fn cast_fields_with_schema() {
    // castFieldsWithSchema
    let schema = r#"{"type":"struct","fields":[{"type":"int8","optional":false,"field":"int8"},{"type":"int32","optional":false,"default":2,"field":"int32"},{"type":"double","optional":false,"default":-1.125,"field":"float64"},{"type":"bytes","optional":false,"name":"org.apache.kafka.connect.data.Decimal","version":1,"parameters":{"scale":"0"},"field":"bigdecimal"},{"type":"bytes","optional":false,"field":"bytes"},{"type":"float","optional":true,"field":"optional"},{"type":"int64","optional":false,"name":"org.apache.kafka.connect.data.Timestamp","version":1,"field":"timestamp"}],"optional":true,"name":"Row","version":2}"#;
    let payload = r#"{"int8":8,"int32":32,"float64":-64.0,"bigdecimal":"Kg==","bytes":"/ty6mHZUMhA=","optional":null,"timestamp":0}"#;
    let toml = with_schema(
        "Cast$Value",
        &[(
            "spec",
            "int8:int16,int32:int64,float64:boolean,bigdecimal:string,bytes:string,optional:int32",
        )],
    );
    assert_eq!(
        value(&toml, rec(None, Some(&env(schema, payload)))),
        Some(env(
            r#"{"type":"struct","fields":[{"type":"int16","optional":false,"field":"int8"},{"type":"int64","optional":false,"default":2,"field":"int32"},{"type":"boolean","optional":false,"default":true,"field":"float64"},{"type":"string","optional":false,"field":"bigdecimal"},{"type":"string","optional":false,"field":"bytes"},{"type":"int32","optional":true,"field":"optional"},{"type":"int64","optional":false,"name":"org.apache.kafka.connect.data.Timestamp","version":1,"field":"timestamp"}],"optional":true,"name":"Row","version":2}"#,
            r#"{"int8":8,"int32":32,"float64":true,"bigdecimal":"42","bytes":"/ty6mHZUMhA=","optional":null,"timestamp":0}"#
        ))
    );
}

#[test]
fn cast_logical_types() {
    // castLogicalToPrimitive / castLogicalToString
    let schema = r#"{"type":"struct","fields":[{"type":"int32","optional":false,"name":"org.apache.kafka.connect.data.Date","version":1,"field":"date_to_int32"},{"type":"int64","optional":false,"name":"org.apache.kafka.connect.data.Timestamp","version":1,"field":"timestamp_to_int64"},{"type":"int32","optional":false,"name":"org.apache.kafka.connect.data.Time","version":1,"field":"time_to_int64"},{"type":"bytes","optional":false,"name":"org.apache.kafka.connect.data.Decimal","version":1,"parameters":{"scale":"0"},"field":"decimal_to_int32"},{"type":"int64","optional":false,"name":"org.apache.kafka.connect.data.Timestamp","version":1,"field":"timestamp_to_float64"},{"type":"int64","optional":true,"name":"org.apache.kafka.connect.data.Timestamp","version":1,"field":"null_timestamp_to_int32"},{"type":"int32","optional":false,"name":"org.apache.kafka.connect.data.Date","version":1,"field":"date_to_string"},{"type":"int64","optional":false,"name":"org.apache.kafka.connect.data.Timestamp","version":1,"field":"timestamp_to_string"}],"optional":false}"#;
    // 2147483648 as a Decimal of scale 0 is 0x0080000000.
    let payload = r#"{"date_to_int32":1,"timestamp_to_int64":0,"time_to_int64":1,"decimal_to_int32":"AIAAAAA=","timestamp_to_float64":9223372036854775807,"null_timestamp_to_int32":null,"date_to_string":1,"timestamp_to_string":86401234}"#;
    let toml = with_schema(
        "Cast$Value",
        &[(
            "spec",
            "date_to_int32:int32,timestamp_to_int64:int64,time_to_int64:int64,decimal_to_int32:int32,timestamp_to_float64:float64,null_timestamp_to_int32:int32,date_to_string:string,timestamp_to_string:string",
        )],
    );
    let out = value(&toml, rec(None, Some(&env(schema, payload)))).unwrap_or_default();
    let out: serde_json::Value = serde_json::from_str(&out).unwrap_or_default();
    assert_eq!(
        out["payload"].to_string(),
        r#"{"date_to_int32":1,"timestamp_to_int64":0,"time_to_int64":1,"decimal_to_int32":-2147483648,"timestamp_to_float64":9.223372036854776e+18,"null_timestamp_to_int32":null,"date_to_string":"1970-01-02","timestamp_to_string":"1970-01-02T00:00:01.234Z"}"#
    );
    assert_eq!(
        out["schema"]["fields"][0].to_string(),
        r#"{"type":"int32","optional":false,"field":"date_to_int32"}"#
    );
    assert_eq!(
        out["schema"]["fields"][5].to_string(),
        r#"{"type":"int32","optional":true,"field":"null_timestamp_to_int32"}"#
    );
}

#[test]
fn cast_replace_null_with_default() {
    let schema = r#"{"type":"struct","fields":[{"type":"int32","optional":true,"default":7,"field":"a"},{"type":"string","optional":true,"default":"d","field":"b"}],"optional":false}"#;
    for (flag, expected) in [
        ("true", r#"{"a":"7","b":"d"}"#),
        ("false", r#"{"a":null,"b":null}"#),
    ] {
        let toml = pipeline(
            "Cast$Value",
            &[("spec", "a:string"), ("replace.null.with.default", flag)],
            true,
            false,
        );
        let out = value(
            &toml,
            rec(None, Some(&env(schema, r#"{"a":null,"b":null}"#))),
        )
        .unwrap_or_default();
        let out: serde_json::Value = serde_json::from_str(&out).unwrap_or_default();
        assert_eq!(out["payload"].to_string(), expected, "{flag}");
        assert_eq!(out["schema"]["fields"][0]["default"], "7");
    }
}

// ---------------------------------------------------------------------------------------------
// MaskField (`MaskFieldTest`)

#[test]
fn mask_field_schemaless() {
    // testSchemaless: every field but `magic`.
    let input = r#"{"magic":42,"bool":true,"byte":42,"short":42,"int":42,"long":42,"float":42.0,"double":42.0,"string":"55.121.20.20","bigint":42,"bigdec":42.0,"list":[42],"map":{"key":"value"},"null":null}"#;
    let fields = "bool,byte,short,int,long,float,double,string,bigint,bigdec,list,map,null,absent";
    let toml = schemaless(
        "MaskField$Value",
        &[("fields", fields), ("replace.null.with.default", "false")],
    );
    assert_eq!(
        value(&toml, rec(None, Some(input))).as_deref(),
        Some(
            r#"{"magic":42,"bool":false,"byte":0,"short":0,"int":0,"long":0,"float":0.0,"double":0.0,"string":"","bigint":0,"bigdec":0.0,"list":[],"map":{},"null":null,"absent":null}"#
        )
    );
    // testSchemalessWithReplacement
    let toml = schemaless(
        "MaskField$Value",
        &[
            ("fields", "short,int,float,string,bigdec"),
            ("replacement", "123"),
        ],
    );
    assert_eq!(
        value(&toml, rec(None, Some(input))).as_deref(),
        Some(
            r#"{"magic":42,"bool":true,"byte":42,"short":123,"int":123,"long":42,"float":123.0,"double":42.0,"string":"123","bigint":42,"bigdec":123.0,"list":[42],"map":{"key":"value"},"null":null}"#
        )
    );
    // testSchemalessUnsupportedReplacementType
    for (field, class) in [
        ("bool", "class java.lang.Boolean"),
        ("list", "class java.util.ArrayList"),
        ("map", "class java.util.HashMap"),
    ] {
        let toml = schemaless(
            "MaskField$Value",
            &[("fields", field), ("replacement", "123")],
        );
        assert_eq!(
            fails(&toml, rec(None, Some(input))),
            format!("Cannot mask value of type {class} with custom replacement.")
        );
    }
    // testReplacementTypeMismatch
    let toml = schemaless(
        "MaskField$Value",
        &[("fields", "int"), ("replacement", "foo")],
    );
    assert_eq!(
        fails(&toml, rec(None, Some(input))),
        "Unable to convert foo (class java.lang.String) to a number"
    );
}

#[test]
fn mask_field_with_schema() {
    // testWithSchema (replace.null.with.default=false)
    let schema = r#"{"type":"struct","fields":[{"type":"int32","optional":false,"field":"magic"},{"type":"boolean","optional":false,"field":"bool"},{"type":"int8","optional":false,"field":"byte"},{"type":"int16","optional":false,"field":"short"},{"type":"int32","optional":false,"field":"int"},{"type":"int64","optional":false,"field":"long"},{"type":"float","optional":false,"field":"float"},{"type":"double","optional":false,"field":"double"},{"type":"string","optional":false,"field":"string"},{"type":"int32","optional":false,"name":"org.apache.kafka.connect.data.Date","version":1,"field":"date"},{"type":"int32","optional":false,"name":"org.apache.kafka.connect.data.Time","version":1,"field":"time"},{"type":"int64","optional":false,"name":"org.apache.kafka.connect.data.Timestamp","version":1,"field":"timestamp"},{"type":"bytes","optional":false,"name":"org.apache.kafka.connect.data.Decimal","version":1,"parameters":{"scale":"0"},"field":"decimal"},{"type":"array","items":{"type":"int32","optional":false},"optional":false,"field":"array"},{"type":"map","keys":{"type":"string","optional":false},"values":{"type":"string","optional":false},"optional":false,"field":"map"},{"type":"string","optional":true,"default":"default","field":"withDefault"}],"optional":false,"name":"Row"}"#;
    let payload = r#"{"magic":42,"bool":true,"byte":42,"short":42,"int":42,"long":42,"float":42.0,"double":42.0,"string":"hmm","date":19000,"time":1234,"timestamp":1705314600123,"decimal":"Kg==","array":[1,2,3],"map":{"what":"what"},"withDefault":null}"#;
    let fields = "bool,byte,short,int,long,float,double,string,date,time,timestamp,decimal,array,map,withDefault";
    let toml = pipeline(
        "MaskField$Value",
        &[("fields", fields), ("replace.null.with.default", "false")],
        true,
        false,
    );
    assert_eq!(
        value(&toml, rec(None, Some(&env(schema, payload)))),
        Some(env(
            schema,
            r#"{"magic":42,"bool":false,"byte":0,"short":0,"int":0,"long":0,"float":0.0,"double":0.0,"string":"","date":0,"time":0,"timestamp":0,"decimal":"AA==","array":[],"map":{},"withDefault":null}"#
        ))
    );
    // With replace.null.with.default, the null field is read as its default, then masked.
    let toml = pipeline("MaskField$Value", &[("fields", "withDefault")], true, false);
    let out = value(&toml, rec(None, Some(&env(schema, payload)))).unwrap_or_default();
    assert!(out.ends_with(r#""withDefault":""}}"#), "{out}");
    // Bytes and structs cannot be masked.
    let toml = with_schema("MaskField$Value", &[("fields", "bytes")]);
    let bytes = env(
        r#"{"type":"struct","fields":[{"type":"bytes","optional":false,"field":"bytes"}],"optional":false}"#,
        r#"{"bytes":"AA=="}"#,
    );
    assert_eq!(
        fails(&toml, rec(None, Some(&bytes))),
        "Cannot mask value of type: class [B"
    );
}

#[test]
fn mask_field_has_no_null_guard() {
    let toml = schemaless("MaskField$Value", &[("fields", "a")]);
    assert_eq!(
        fails(&toml, rec(None, None)),
        "Only Map objects supported in absence of schema for [mask fields], found: null"
    );
    let toml = with_schema("MaskField$Value", &[("fields", "a")]);
    let null = env(
        r#"{"type":"struct","fields":[{"type":"int32","optional":true,"field":"a"}],"optional":true}"#,
        "null",
    );
    assert_eq!(
        fails(&toml, rec(None, Some(&null))),
        "Only Struct objects supported for [mask fields], found: null"
    );
}

// ---------------------------------------------------------------------------------------------
// HeaderFrom (`HeaderFromTest`)

const TWO_STRINGS: &str = r#"{"type":"struct","fields":[{"type":"string","optional":false,"field":"field1"},{"type":"string","optional":false,"field":"field2"}],"optional":false}"#;

#[test]
fn header_from_cases() {
    let existing = ("header1", Some("existing-value"));
    type Headers<'a> = &'a [(&'a str, Option<&'a str>)];
    let cases: &[(&str, &str, &str, Headers, bool, Headers)] = &[
        // basic copy
        (
            "field1",
            "inserted1",
            "copy",
            &[existing],
            false,
            &[existing, ("inserted1", Some("field1-value"))],
        ),
        // basic move
        (
            "field1",
            "inserted1",
            "move",
            &[existing],
            true,
            &[existing, ("inserted1", Some("field1-value"))],
        ),
        // copy with preexisting header
        (
            "field1",
            "inserted1",
            "copy",
            &[("inserted1", Some("existing-value"))],
            false,
            &[
                ("inserted1", Some("existing-value")),
                ("inserted1", Some("field1-value")),
            ],
        ),
        // two headers from same field
        (
            "field1,field1",
            "inserted1,inserted2",
            "move",
            &[existing],
            true,
            &[
                existing,
                ("inserted1", Some("field1-value")),
                ("inserted2", Some("field1-value")),
            ],
        ),
        // two fields to same header
        (
            "field1,field2",
            "inserted1,inserted1",
            "move",
            &[existing],
            true,
            &[
                existing,
                ("inserted1", Some("field1-value")),
                ("inserted1", Some("field2-value")),
            ],
        ),
    ];
    for (fields, headers, operation, before, moves, after) in cases {
        for class in ["HeaderFrom$Key", "HeaderFrom$Value"] {
            for schemas in [false, true] {
                let toml = pipeline(
                    class,
                    &[
                        ("fields", fields),
                        ("headers", headers),
                        ("operation", operation),
                    ],
                    schemas,
                    true,
                );
                let payload = r#"{"field1":"field1-value","field2":"field2-value"}"#;
                let input = if schemas {
                    env(TWO_STRINGS, payload)
                } else {
                    payload.to_owned()
                };
                let r = if class.ends_with("Key") {
                    rec(Some(&input), None)
                } else {
                    rec(None, Some(&input))
                };
                let out = one(&toml, with_headers(r, before));
                let expected_headers: Vec<(String, Option<String>)> = after
                    .iter()
                    .map(|(k, v)| ((*k).to_owned(), v.map(str::to_owned)))
                    .collect();
                assert_eq!(
                    out.headers, expected_headers,
                    "{fields} {operation} {class} {schemas}"
                );
                let kept = match (*moves, fields.contains("field2")) {
                    (false, _) => payload,
                    (true, false) => r#"{"field2":"field2-value"}"#,
                    (true, true) => "{}",
                };
                let expected = if !schemas {
                    kept.to_owned()
                } else if !moves {
                    input.clone()
                } else if kept == "{}" {
                    env(r#"{"type":"struct","fields":[],"optional":false}"#, kept)
                } else {
                    env(
                        r#"{"type":"struct","fields":[{"type":"string","optional":false,"field":"field2"}],"optional":false}"#,
                        kept,
                    )
                };
                let part = if class.ends_with("Key") {
                    out.key
                } else {
                    out.value
                };
                assert_eq!(
                    part,
                    Some(expected),
                    "{fields} {operation} {class} {schemas}"
                );
            }
        }
    }
}

#[test]
fn header_from_nulls_defaults_and_types() {
    // Copy null field without default (and with it).
    let schema = r#"{"type":"struct","fields":[{"type":"string","optional":false,"field":"field1"},{"type":"string","optional":true,"default":"default","field":"field2"}],"optional":false}"#;
    for (flag, header) in [("false", None), ("true", Some("default"))] {
        // The converter keeps the null (with its default it would read the default).
        let toml = pipeline(
            "HeaderFrom$Value",
            &[
                ("fields", "field2"),
                ("headers", "inserted2"),
                ("operation", "copy"),
                ("replace.null.with.default", flag),
            ],
            true,
            false,
        );
        let out = one(
            &toml,
            rec(None, Some(&env(schema, r#"{"field1":"x","field2":null}"#))),
        );
        assert_eq!(
            out.headers,
            vec![("inserted2".to_owned(), header.map(str::to_owned))],
            "{flag}"
        );
    }
    // Header text as the default header converter writes it.
    let schema = r#"{"type":"struct","fields":[{"type":"int32","optional":false,"field":"i"},{"type":"double","optional":false,"field":"d"},{"type":"bytes","optional":false,"field":"b"},{"type":"int32","optional":false,"name":"org.apache.kafka.connect.data.Date","version":1,"field":"date"},{"type":"struct","fields":[{"type":"string","optional":false,"field":"s"},{"type":"array","items":{"type":"int8","optional":false},"optional":false,"field":"a"}],"optional":false,"field":"st"}],"optional":false}"#;
    let toml = with_schema(
        "HeaderFrom$Value",
        &[
            ("fields", "i,d,b,date,st"),
            ("headers", "i,d,b,date,st"),
            ("operation", "copy"),
        ],
    );
    let out = one(
        &toml,
        rec(
            None,
            Some(&env(
                schema,
                r#"{"i":42,"d":1.0E20,"b":"AQI=","date":1,"st":{"s":"x\"y","a":[1,2]}}"#,
            )),
        ),
    );
    let h = |k: &str, v: &str| (k.to_owned(), Some(v.to_owned()));
    assert_eq!(
        out.headers,
        vec![
            h("i", "42"),
            h("d", "1.0E20"),
            h("b", "AQI="),
            h("date", "1970-01-02"),
            h("st", r#"{"s":"x\"y","a":[1,2]}"#)
        ]
    );
    // Schemaless: a missing field is a null header; structures are rendered.
    let toml = schemaless(
        "HeaderFrom$Value",
        &[
            ("fields", "missing,m"),
            ("headers", "h1,h2"),
            ("operation", "move"),
        ],
    );
    let out = one(&toml, rec(None, Some(r#"{"m":{"k":[1,"v"]},"z":0}"#)));
    assert_eq!(
        out.headers,
        vec![("h1".to_owned(), None), h("h2", r#"{"k":[1,"v"]}"#)]
    );
    assert_eq!(out.value.as_deref(), Some(r#"{"z":0}"#));
    // A field the schema lacks; no null guard.
    let toml = with_schema(
        "HeaderFrom$Value",
        &[("fields", "nope"), ("headers", "h"), ("operation", "copy")],
    );
    assert_eq!(
        fails(
            &toml,
            rec(
                None,
                Some(&env(TWO_STRINGS, r#"{"field1":"a","field2":"b"}"#))
            )
        ),
        "nope is not a valid field name"
    );
    let toml = schemaless(
        "HeaderFrom$Value",
        &[("fields", "a"), ("headers", "h"), ("operation", "move")],
    );
    assert_eq!(
        fails(&toml, rec(None, None)),
        "Only Map objects supported in absence of schema for [header move], found: null"
    );
}

// ---------------------------------------------------------------------------------------------
// DropHeaders, InsertHeader (`DropHeadersTest`, `InsertHeaderTest`)

#[test]
fn drop_headers() {
    let toml = schemaless("DropHeaders", &[("headers", "to-drop")]);
    let h = |k: &str, v: &str| (k.to_owned(), Some(v.to_owned()));
    // dropExistingHeaderWithMultipleValues
    let r = with_headers(
        rec(None, Some("1")),
        &[
            ("existing", Some("existing-value")),
            ("to-drop", Some("existing-value")),
            ("to-drop", Some("existing-other-value")),
        ],
    );
    assert_eq!(one(&toml, r).headers, vec![h("existing", "existing-value")]);
    // dropNonExistingHeader
    let r = with_headers(
        rec(None, Some("1")),
        &[("existing", Some("existing-value")), ("TO-DROP", None)],
    );
    assert_eq!(
        one(&toml, r).headers,
        vec![
            h("existing", "existing-value"),
            ("TO-DROP".to_owned(), None)
        ]
    );
}

#[test]
fn insert_header() {
    let h = |k: &str, v: Option<&str>| (k.to_owned(), v.map(str::to_owned));
    for (header, literal, expected) in [
        // insertionWithExistingSameHeader
        (
            "existing",
            "inserted-value",
            vec![
                h("existing", Some("preexisting-value")),
                h("existing", Some("inserted-value")),
            ],
        ),
        // insertionWithByteHeader
        (
            "inserted",
            "1",
            vec![
                h("existing", Some("preexisting-value")),
                h("inserted", Some("1")),
            ],
        ),
        (
            "inserted",
            "1.0",
            vec![
                h("existing", Some("preexisting-value")),
                h("inserted", Some("1")),
            ],
        ),
        (
            "inserted",
            "null",
            vec![
                h("existing", Some("preexisting-value")),
                h("inserted", None),
            ],
        ),
    ] {
        let toml = schemaless(
            "InsertHeader",
            &[("header", header), ("value.literal", literal)],
        );
        let r = with_headers(rec(None, None), &[("existing", Some("preexisting-value"))]);
        assert_eq!(one(&toml, r).headers, expected, "{literal}");
    }
}

// ---------------------------------------------------------------------------------------------
// SetSchemaMetadata (`SetSchemaMetadataTest`)

#[test]
fn set_schema_metadata() {
    let empty = env(r#"{"type":"struct","fields":[],"optional":true}"#, "null");
    for (config, expected) in [
        // schemaNameUpdate
        (
            &[("schema.name", "foo")][..],
            r#"{"type":"struct","fields":[],"optional":true,"name":"foo"}"#,
        ),
        // schemaVersionUpdate
        (
            &[("schema.version", "42")][..],
            r#"{"type":"struct","fields":[],"optional":true,"version":42}"#,
        ),
        (
            &[("schema.name", "foo"), ("schema.version", "42")][..],
            r#"{"type":"struct","fields":[],"optional":true,"name":"foo","version":42}"#,
        ),
    ] {
        let toml = with_schema("SetSchemaMetadata$Value", config);
        assert_eq!(
            value(&toml, rec(None, Some(&empty))),
            Some(env(expected, "null")),
            "{config:?}"
        );
    }
    // Key variant, on a scalar.
    let toml = with_schema("SetSchemaMetadata$Key", &[("schema.name", "k")]);
    assert_eq!(
        key(
            &toml,
            rec(
                Some(&env(
                    r#"{"type":"int64","optional":false,"name":"old","version":1}"#,
                    "7"
                )),
                None
            )
        ),
        Some(env(
            r#"{"type":"int64","optional":false,"name":"k","version":1}"#,
            "7"
        ))
    );
    // valueSchemaRequired / ignoreRecordWithNullValue
    let toml = schemaless("SetSchemaMetadata$Value", &[("schema.name", "foo")]);
    assert_eq!(
        fails(&toml, rec(None, Some("42"))),
        "Schema required for [updating schema metadata]"
    );
    assert_eq!(value(&toml, rec(None, None)), None);
}

#[test]
fn set_schema_metadata_replace_null_with_default() {
    // schemaNameAndVersionUpdateWithStructAndNullField
    let schema = r#"{"type":"struct","fields":[{"type":"string","optional":true,"default":"default","field":"f1"},{"type":"int32","optional":false,"field":"f2"}],"optional":false,"name":"my.orig.SchemaDefn"}"#;
    for (flag, expected) in [
        ("true", r#"{"f1":"default","f2":1}"#),
        ("false", r#"{"f1":null,"f2":1}"#),
    ] {
        let toml = pipeline(
            "SetSchemaMetadata$Value",
            &[
                ("schema.name", "foo"),
                ("schema.version", "42"),
                ("replace.null.with.default", flag),
            ],
            true,
            false,
        );
        assert_eq!(
            value(
                &toml,
                rec(None, Some(&env(schema, r#"{"f1":null,"f2":1}"#)))
            ),
            Some(env(
                &schema.replace("my.orig.SchemaDefn\"", "foo\",\"version\":42"),
                expected
            )),
            "{flag}"
        );
    }
}

// ---------------------------------------------------------------------------------------------
// TimestampConverter (`TimestampConverterTest`)

const DATE_PLUS_TIME: &str = "86401234";
const STRING_DATE_FMT: &str = "yyyy MM dd HH mm ss SSS z";
const DATE_PLUS_TIME_STRING: &str = r#""1970 01 02 00 00 01 234 UTC""#;
const TIMESTAMP_SCHEMA: &str = r#"{"type":"int64","optional":false,"name":"org.apache.kafka.connect.data.Timestamp","version":1}"#;
const DATE_SCHEMA: &str =
    r#"{"type":"int32","optional":false,"name":"org.apache.kafka.connect.data.Date","version":1}"#;
const TIME_SCHEMA: &str =
    r#"{"type":"int32","optional":false,"name":"org.apache.kafka.connect.data.Time","version":1}"#;

#[test]
fn timestamp_converter_with_schema_whole_value() {
    let ts = env(TIMESTAMP_SCHEMA, DATE_PLUS_TIME);
    for (target, input, expected) in [
        ("Timestamp", ts.clone(), ts.clone()),
        ("Date", ts.clone(), env(DATE_SCHEMA, "1")),
        ("Time", ts.clone(), env(TIME_SCHEMA, "1234")),
        (
            "unix",
            ts.clone(),
            env(r#"{"type":"int64","optional":false}"#, DATE_PLUS_TIME),
        ),
        (
            "string",
            ts.clone(),
            env(
                r#"{"type":"string","optional":false}"#,
                DATE_PLUS_TIME_STRING,
            ),
        ),
        (
            "Timestamp",
            env(DATE_SCHEMA, "1"),
            env(TIMESTAMP_SCHEMA, "86400000"),
        ),
        (
            "Timestamp",
            env(TIME_SCHEMA, "1234"),
            env(TIMESTAMP_SCHEMA, "1234"),
        ),
        (
            "Timestamp",
            env(r#"{"type":"int64","optional":false}"#, DATE_PLUS_TIME),
            ts.clone(),
        ),
        (
            "Timestamp",
            env(
                r#"{"type":"string","optional":false}"#,
                DATE_PLUS_TIME_STRING,
            ),
            ts.clone(),
        ),
        // Optionality is kept; a null stays null.
        (
            "Date",
            env(
                r#"{"type":"int64","optional":true,"name":"org.apache.kafka.connect.data.Timestamp","version":1}"#,
                "null",
            ),
            env(
                r#"{"type":"int32","optional":true,"name":"org.apache.kafka.connect.data.Date","version":1}"#,
                "null",
            ),
        ),
    ] {
        let toml = with_schema(
            "TimestampConverter$Value",
            &[("target.type", target), ("format", STRING_DATE_FMT)],
        );
        assert_eq!(
            value(&toml, rec(None, Some(&input))),
            Some(expected),
            "{target} {input}"
        );
    }
    let toml = with_schema("TimestampConverter$Value", &[("target.type", "Timestamp")]);
    assert_eq!(
        fails(
            &toml,
            rec(
                None,
                Some(&env(r#"{"type":"int32","optional":false}"#, "1"))
            )
        ),
        "Schema Schema{INT32} does not correspond to a known timestamp type format"
    );
}

#[test]
fn timestamp_converter_schemaless() {
    for (config, input, expected) in [
        (
            &[("target.type", "string"), ("format", STRING_DATE_FMT)][..],
            DATE_PLUS_TIME,
            DATE_PLUS_TIME_STRING,
        ),
        (
            &[("target.type", "unix"), ("format", STRING_DATE_FMT)][..],
            DATE_PLUS_TIME_STRING,
            DATE_PLUS_TIME,
        ),
        // testSchemalessStringToUnix_Micros / _Nanos / _Seconds
        (
            &[
                ("target.type", "unix"),
                ("format", STRING_DATE_FMT),
                ("unix.precision", "microseconds"),
            ][..],
            DATE_PLUS_TIME_STRING,
            "86401234000",
        ),
        (
            &[
                ("target.type", "unix"),
                ("format", STRING_DATE_FMT),
                ("unix.precision", "nanoseconds"),
            ][..],
            DATE_PLUS_TIME_STRING,
            "86401234000000",
        ),
        (
            &[
                ("target.type", "unix"),
                ("format", STRING_DATE_FMT),
                ("unix.precision", "seconds"),
            ][..],
            DATE_PLUS_TIME_STRING,
            "86401",
        ),
        // A missing field is added as null (testSchemalessFieldConversion).
        (
            &[("target.type", "Date"), ("field", "ts")][..],
            r#"{"o":1}"#,
            r#"{"o":1,"ts":null}"#,
        ),
    ] {
        let toml = schemaless("TimestampConverter$Value", config);
        assert_eq!(
            value(&toml, rec(None, Some(input))).as_deref(),
            Some(expected),
            "{config:?} {input}"
        );
    }
    // Date, Time and Timestamp results are java.util.Dates, which Kafka's JsonConverter
    // cannot write schemaless: the record fails (testSchemalessUnixToTimestamp etc. check the
    // Date the transform returns, which no converter here can hold).
    for (config, input) in [
        (&[("target.type", "Timestamp")][..], DATE_PLUS_TIME),
        (&[("target.type", "Date")][..], DATE_PLUS_TIME),
        (&[("target.type", "Time")][..], DATE_PLUS_TIME),
        (
            &[("target.type", "Date"), ("field", "ts")][..],
            r#"{"ts":86401234,"o":1}"#,
        ),
    ] {
        let toml = schemaless("TimestampConverter$Value", config);
        assert_eq!(
            fails(&toml, rec(None, Some(input))),
            "Java class class java.util.Date does not have corresponding schema type.",
            "{config:?}"
        );
    }
    // A null passes; a double is not a timestamp; a string needs a format.
    let toml = schemaless("TimestampConverter$Value", &[("target.type", "unix")]);
    assert_eq!(value(&toml, rec(None, None)), None);
    assert_eq!(
        fails(&toml, rec(None, Some("1.5"))),
        "TimestampConverter does not support class java.lang.Double objects as timestamps"
    );
    let toml = schemaless(
        "TimestampConverter$Value",
        &[("target.type", "Timestamp"), ("format", "yyyy")],
    );
    assert_eq!(
        fails(&toml, rec(None, Some(r#""x""#))),
        "Could not parse timestamp: value (x) does not match pattern (yyyy)"
    );
}

#[test]
fn timestamp_converter_with_schema_fields() {
    let schema = r#"{"type":"struct","fields":[{"type":"int64","optional":false,"field":"ts"},{"type":"string","optional":false,"field":"other"}],"optional":false,"name":"R"}"#;
    let converted = r#"{"type":"struct","fields":[{"type":"int64","optional":false,"name":"org.apache.kafka.connect.data.Timestamp","version":1,"field":"ts"},{"type":"string","optional":false,"field":"other"}],"optional":false,"name":"R"}"#;
    for (precision, ts) in [
        // testWithSchemaFieldConversion and its _Micros, _Nanos, _Seconds variants
        ("milliseconds", "86401234"),
        ("microseconds", "86401234123"),
        ("nanoseconds", "86401234123456"),
        ("seconds", "86401"),
    ] {
        let toml = with_schema(
            "TimestampConverter$Value",
            &[
                ("target.type", "Timestamp"),
                ("field", "ts"),
                ("unix.precision", precision),
            ],
        );
        let expected = if precision == "seconds" {
            "86401000"
        } else {
            DATE_PLUS_TIME
        };
        assert_eq!(
            value(
                &toml,
                rec(
                    None,
                    Some(&env(schema, &format!(r#"{{"ts":{ts},"other":"test"}}"#)))
                )
            ),
            Some(env(
                converted,
                &format!(r#"{{"ts":{expected},"other":"test"}}"#)
            )),
            "{precision}"
        );
    }
    // A null struct: the schema changes, the value stays null.
    let optional = schema.replace(
        r#""optional":false,"name":"R""#,
        r#""optional":true,"name":"R""#,
    );
    let toml = with_schema(
        "TimestampConverter$Value",
        &[("target.type", "Timestamp"), ("field", "ts")],
    );
    assert_eq!(
        value(&toml, rec(None, Some(&env(&optional, "null")))),
        Some(env(
            &converted.replace(
                r#""optional":false,"name":"R""#,
                r#""optional":true,"name":"R""#
            ),
            "null"
        ))
    );
}

#[test]
fn timestamp_converter_null_field_with_default() {
    // testWithSchemaNullFieldWithDefaultConversion
    let schema = r#"{"type":"struct","fields":[{"type":"int64","optional":true,"default":0,"field":"ts"},{"type":"string","optional":false,"field":"other"}],"optional":false}"#;
    for (flag, expected) in [("false", "null"), ("true", "0")] {
        let toml = pipeline(
            "TimestampConverter$Value",
            &[
                ("target.type", "Timestamp"),
                ("field", "ts"),
                ("replace.null.with.default", flag),
            ],
            true,
            false,
        );
        assert_eq!(
            value(
                &toml,
                rec(None, Some(&env(schema, r#"{"ts":null,"other":"test"}"#)))
            ),
            Some(env(
                r#"{"type":"struct","fields":[{"type":"int64","optional":true,"name":"org.apache.kafka.connect.data.Timestamp","version":1,"field":"ts"},{"type":"string","optional":false,"field":"other"}],"optional":false}"#,
                &format!(r#"{{"ts":{expected},"other":"test"}}"#)
            )),
            "{flag}"
        );
    }
}

// ---------------------------------------------------------------------------------------------
// TimestampRouter (`TimestampRouterTest`), Filter

#[test]
fn timestamp_router() {
    // defaultConfiguration
    let toml = schemaless("TimestampRouter", &[]);
    let out = one(&toml, at(rec(None, None), None, Some(1_483_425_001_864)));
    assert_eq!(out.topic, "test-20170103");
    let toml = schemaless(
        "TimestampRouter",
        &[
            ("topic.format", "${timestamp}.${topic}"),
            ("timestamp.format", "yyyy-MM-dd'T'HH"),
        ],
    );
    let out = one(&toml, at(rec(None, None), None, Some(1_483_425_001_864)));
    assert_eq!(out.topic, "2017-01-03T06.test");
    assert!(
        fails(&toml, rec(None, None))
            .starts_with("Timestamp missing on record: ConnectRecord{topic='test'")
    );
}

/// `Filter` guarded by `RecordIsTombstone`: tombstones are dropped.
fn drop_tombstones() -> String {
    format!(
        r#"
        [converters.key]
        class = "org.apache.kafka.connect.json.JsonConverter"
        config = {{ "schemas.enable" = false }}
        [[transforms]]
        alias = "dropTombstones"
        class = "{T}Filter"
        predicate = "isTombstone"
        [[predicates]]
        alias = "isTombstone"
        class = "{T}predicates.RecordIsTombstone"
        "#
    )
}

#[test]
fn filter_drops_what_its_predicate_selects() {
    let toml = drop_tombstones();
    assert!(
        run(&toml, rec(Some("1"), None))
            .unwrap_or_else(|e| panic!("{e}"))
            .is_empty()
    );
    let two = env(r#"{"type":"int32","optional":false}"#, "2");
    assert_eq!(
        run(&toml, rec(Some("1"), Some(&two))).map(|o| o.len()),
        Ok(1)
    );
    let toml = schemaless("Filter", &[]);
    assert!(
        run(&toml, rec(Some("1"), Some("2")))
            .unwrap_or_else(|e| panic!("{e}"))
            .is_empty()
    );
}

/// A null payload is a tombstone however its envelope is written: payload first, a space
/// before the closing brace, pretty-printed (`JsonConverter.toConnectData` parses the
/// structure; the text once had to end in `null}`).
#[test]
fn record_is_tombstone_reads_the_structure_not_the_text() {
    let toml = drop_tombstones();
    let schema = r#"{"type":"struct","fields":[{"type":"int64","optional":false,"field":"id"}],"optional":true}"#;
    for value in [
        format!(r#"{{"schema":{schema},"payload":null}}"#),
        format!(r#"{{"payload":null,"schema":{schema}}}"#),
        format!(r#"{{"schema":{schema},"payload":null }}"#),
        format!("{{\n  \"schema\": {schema},\n  \"payload\": null\n}}\n"),
    ] {
        let out = run(&toml, rec(Some("1"), Some(&value))).unwrap_or_else(|e| panic!("{e}"));
        assert!(out.is_empty(), "not a tombstone: {value}");
    }
    let kept = format!(r#"{{"payload":{{"id":1}},"schema":{schema}}}"#);
    assert_eq!(
        run(&toml, rec(Some("1"), Some(&kept))).map(|o| o.len()),
        Ok(1)
    );
    // Schemaless: `null` with spaces around it is null; anything else is not.
    let toml = format!(
        r#"
        [converters.value]
        class = "org.apache.kafka.connect.json.JsonConverter"
        config = {{ "schemas.enable" = false }}
        {toml}"#
    );
    assert!(
        run(&toml, rec(Some("1"), Some(" null\n")))
            .unwrap_or_else(|e| panic!("{e}"))
            .is_empty()
    );
    assert_eq!(
        run(&toml, rec(Some("1"), Some("{\"payload\":null}"))).map(|o| o.len()),
        Ok(1)
    );
}

// ---------------------------------------------------------------------------------------------
// A chain over the Debezium fixture

/// Kafka's transforms chained over the recorded Debezium change events of `products`: the row
/// taken out of the envelope, a timestamp string parsed, the key rebuilt from the row, a header
/// copied, a field masked and the key cast; deletes and tombstones skipped by a negated
/// `RecordIsTombstone` where Kafka's transforms would fail on them.
#[test]
fn a_chain_over_debezium_change_events() {
    let toml = format!(
        r#"
        [[transforms]]
        alias = "row"
        class = "{T}ExtractField$Value"
        config = {{ field = "after" }}
        [[transforms]]
        alias = "created"
        class = "{T}TimestampConverter$Value"
        config = {{ field = "created_at", "target.type" = "Timestamp", format = "yyyy-MM-dd'T'HH:mm:ss.SSSX" }}
        [[transforms]]
        alias = "key"
        class = "{T}ValueToKey"
        predicate = "isTombstone"
        negate = true
        config = {{ fields = "id" }}
        [[transforms]]
        alias = "status"
        class = "{T}HeaderFrom$Value"
        predicate = "isTombstone"
        negate = true
        config = {{ fields = "status", headers = "status", operation = "copy" }}
        [[transforms]]
        alias = "mask"
        class = "{T}MaskField$Value"
        predicate = "isTombstone"
        negate = true
        config = {{ fields = "name" }}
        [[transforms]]
        alias = "castKey"
        class = "{T}Cast$Key"
        config = {{ spec = "id:string" }}
        [[predicates]]
        alias = "isTombstone"
        class = "{T}predicates.RecordIsTombstone"
        config = {{}}
        "#
    );
    let text = std::fs::read_to_string(crate::common::fixtures().join("with-schema.jsonl"))
        .unwrap_or_else(|e| panic!("{e}"));
    let mut rows = 0;
    for (n, line) in text.lines().enumerate() {
        let input: serde_json::Value = serde_json::from_str(line).unwrap_or_default();
        // The other tables have other columns (Kafka's transforms would fail on them).
        if input["topic"] != "product.public.products" {
            continue;
        }
        let part = |name: &str| (!input[name].is_null()).then(|| input[name].to_string());
        let mut r = rec(part("key").as_deref(), part("value").as_deref());
        r.topic = input["topic"].as_str().unwrap_or_default().to_owned();
        r.timestamp = input["timestamp"].as_i64();
        let out = one(&toml, r);
        let parse = |s: &Option<String>| -> serde_json::Value {
            s.as_deref().map_or(serde_json::Value::Null, |s| {
                serde_json::from_str(s).unwrap_or_default()
            })
        };
        let (key, value) = (parse(&out.key), parse(&out.value));
        let id = input["key"]["payload"]["id"].as_i64().unwrap_or_default();
        assert_eq!(key["payload"]["id"], id.to_string(), "line {n}");
        assert_eq!(key["schema"]["fields"][0]["type"], "string", "line {n}");
        let after = &input["value"]["payload"]["after"];
        if after.is_null() {
            assert!(value["payload"].is_null(), "line {n}");
            assert_eq!(
                key["schema"]["name"], "product.public.products.Key",
                "line {n}"
            );
            continue;
        }
        rows += 1;
        let payload = &value["payload"];
        assert_eq!(payload["id"], after["id"], "line {n}");
        assert_eq!(payload["name"], "", "line {n}");
        assert!(payload["created_at"].is_i64(), "line {n}");
        assert_eq!(
            value["schema"]["fields"][5]["name"], "org.apache.kafka.connect.data.Timestamp",
            "line {n}"
        );
        assert_eq!(key["schema"].get("name"), None, "line {n}");
        assert_eq!(
            out.headers.last(),
            Some(&(
                "status".to_owned(),
                after["status"].as_str().map(str::to_owned)
            )),
            "line {n}"
        );
        if n == 0 {
            assert_eq!(after["created_at"], "2026-11-05T00:00:00.078Z");
            assert_eq!(payload["created_at"], 1_793_836_800_078_i64);
        }
    }
    assert_eq!(rows, 15);
}
