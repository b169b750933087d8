//! Unit tests of the JsonSchemaConverter's settings and schema mapping.

use serde_json::json;

use super::schema::{Documents, ENUM, ONE_OF, from_connect, to_connect};
use super::*;
use switchyard_data::{SchemaType, Value};

fn settings(pairs: &[(&str, &str)]) -> Vec<(String, String)> {
    pairs
        .iter()
        .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
        .collect()
}

fn read(schema: &Json) -> Schema {
    to_connect(&Documents {
        root: schema,
        references: &[],
    })
    .unwrap_or_else(|e| panic!("{schema}: {}", e.message()))
}

/// Every key and value schema of the shared Debezium fixtures (JsonConverter envelopes).
fn fixture_schemas() -> Vec<Arc<Schema>> {
    let path = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../../tests/fixtures/with-schema.jsonl"
    );
    let text = std::fs::read_to_string(path).expect("fixtures");
    let json = JsonConverter::new(JsonConverterConfig::default(), false);
    let mut schemas: Vec<Arc<Schema>> = Vec::new();
    for line in text.lines().filter(|l| !l.trim().is_empty()) {
        let record: Json = serde_json::from_str(line).expect("record line");
        for part in ["key", "value"] {
            let Some(envelope) = record.get(part).filter(|v| !v.is_null()) else {
                continue;
            };
            let data = json
                .to_connect("t", Some(envelope.to_string().as_bytes()))
                .expect("fixture decodes");
            if let Some(schema) = data.schema
                && !schemas.iter().any(|s| **s == *schema)
            {
                schemas.push(schema);
            }
        }
    }
    schemas
}

#[test]
fn every_fixture_schema_survives_the_round_trip_through_json_schema() {
    let schemas = fixture_schemas();
    assert!(schemas.len() >= 14, "{} schemas", schemas.len());
    for schema in schemas {
        let written = from_connect(&schema, true).expect("writes");
        let back = read(&written);
        assert_eq!(back, *schema, "{written}");
    }
}

#[test]
fn connect_types_are_written_as_json_schema_data_writes_them() {
    let mut decimal = Schema::new(SchemaType::Bytes).named(crate::json::DECIMAL_LOGICAL_NAME);
    decimal.version = Some(1);
    decimal.parameters = vec![("scale".into(), "2".into())];
    let schema = Schema::new(SchemaType::Struct)
        .named("shop.Product")
        .field("id", Schema::new(SchemaType::Int32))
        .field("name", Schema::new(SchemaType::String).optional())
        .field("price", decimal)
        .field("weight", Schema::new(SchemaType::Float32));
    assert_eq!(
        from_connect(&schema, false).expect("writes"),
        json!({
            "type": "object",
            "properties": {
                "id": {"type": "integer", "connect.type": "int32", "connect.index": 0},
                "name": {"oneOf": [{"type": "null"}, {"type": "string"}], "connect.index": 1},
                "price": {
                    "type": "number", "connect.type": "bytes",
                    "title": "org.apache.kafka.connect.data.Decimal", "connect.version": 1,
                    "connect.parameters": {"scale": "2"}, "connect.index": 2
                },
                "weight": {"type": "number", "connect.type": "float32", "connect.index": 3}
            },
            "additionalProperties": false,
            "title": "shop.Product"
        })
    );
}

#[test]
fn schemas_of_other_producers_map_as_json_schema_data_reads_them() {
    let schema = read(&json!({
        "title": "Order",
        "type": "object",
        "description": "an order",
        "properties": {
            "total": {"type": "number"},
            "id": {"type": "integer", "connect.index": 0},
            "note": {"type": ["null", "string"]},
            "status": {"enum": ["NEW", "PAID"]},
            "tags": {"type": "array", "items": {"type": "string"}},
            "attributes": {
                "type": "object", "connect.type": "map",
                "additionalProperties": {"type": "integer", "connect.type": "int32"}
            },
            "code": {"oneOf": [{"type": "string"}, {"type": "integer"}]},
            "owner": {"$ref": "#/definitions/Person"}
        },
        "definitions": {
            "Person": {"type": "object", "title": "Person", "properties": {"name": {"type": "string"}}}
        }
    }));
    assert_eq!(schema.name.as_deref(), Some("Order"));
    assert_eq!(schema.doc.as_deref(), Some("an order"));
    let names: Vec<&str> = schema.fields.iter().map(|f| f.name.as_str()).collect();
    // `connect.index` 0 puts `id` first; the others take the count so far (`total` had taken
    // 0 and is replaced, as the TreeMap of JsonSchemaData replaces it).
    assert_eq!(
        names,
        [
            "id",
            "note",
            "status",
            "tags",
            "attributes",
            "code",
            "owner"
        ]
    );
    let field = |name: &str| &schema.fields[schema.field_index(name).expect(name)].schema;
    assert_eq!(field("id").kind, SchemaType::Int64);
    assert!(field("note").optional && field("note").kind == SchemaType::String);
    assert_eq!(field("status").parameter(ENUM), Some(""));
    assert_eq!(
        field("status").parameter(&format!("{ENUM}.PAID")),
        Some("PAID")
    );
    assert_eq!(
        field("tags").value_schema.as_deref().map(|s| s.kind),
        Some(SchemaType::String)
    );
    assert_eq!(field("attributes").kind, SchemaType::Map);
    assert_eq!(
        field("attributes").value_schema.as_deref().map(|s| s.kind),
        Some(SchemaType::Int32)
    );
    assert_eq!(field("code").name.as_deref(), Some(ONE_OF));
    assert_eq!(field("code").fields.len(), 2);
    assert_eq!(field("owner").name.as_deref(), Some("Person"));
}

#[test]
fn defaults_are_read_with_their_schema_and_refused_when_they_do_not_fit() {
    let schema = read(&json!({"type": "integer", "connect.type": "int16", "default": 7}));
    assert_eq!(schema.default, Some(Value::Int16(7)));
    let error = to_connect(&Documents {
        root: &json!({"type": "object", "properties": {"a": {"type": "string", "default": [1]}}}),
        references: &[],
    })
    .expect_err("an array default for a string");
    assert!(
        error.message().contains("invalid default"),
        "{}",
        error.message()
    );
    let error = to_connect(&Documents {
        root: &json!({"$ref": "#/definitions/missing"}),
        references: &[],
    })
    .expect_err("dangling $ref");
    assert!(
        error.message().contains("cannot resolve"),
        "{}",
        error.message()
    );
    let looping = json!({"$ref": "#"});
    let error = to_connect(&Documents {
        root: &looping,
        references: &[],
    })
    .expect_err("a $ref cycle");
    assert!(error.message().contains("too deep"), "{}", error.message());
}

#[test]
fn settings_are_confluents_and_unknown_keys_are_refused() {
    let config = JsonSchemaConverterConfig::parse(
        &settings(&[
            ("schema.registry.url", "http://registry:8081"),
            ("json.fail.invalid.schema", "true"),
            ("decimal.format", "numeric"),
            ("auto.register.schemas", "false"),
        ]),
        false,
    )
    .expect("valid");
    assert!(config.fail_invalid_schema);
    assert_eq!(config.decimal_format, DecimalFormat::Numeric);
    assert!(!config.shared.auto_register_schemas);
    assert!(config.additional_properties);

    let error = JsonSchemaConverterConfig::parse(
        &settings(&[
            ("schema.registry.url", "http://registry:8081"),
            ("json.fail.unknown.properties", "true"),
        ]),
        false,
    )
    .expect_err("unsupported key");
    assert_eq!(error.key, "json.fail.unknown.properties");
    assert!(
        error.message.contains("JsonSchemaConverter"),
        "{}",
        error.message
    );

    let error = JsonSchemaConverterConfig::parse(
        &settings(&[
            ("schema.registry.url", "http://registry:8081"),
            ("decimal.format", "HEX"),
        ]),
        false,
    )
    .expect_err("bad decimal format");
    assert_eq!(error.key, "decimal.format");
    assert!(JsonSchemaConverterConfig::parse(&[], false).is_err());
}

#[test]
fn maps_with_other_keys_and_unions_are_written_and_read_as_json_schema_data_does() {
    let json = JsonConverter::new(JsonConverterConfig::default(), false);
    let mut map = Schema::new(SchemaType::Map);
    map.key_schema = Some(Arc::new(Schema::new(SchemaType::Int32)));
    map.value_schema = Some(Arc::new(Schema::new(SchemaType::String)));
    let union = read(&json!({"oneOf": [{"type": "string"}, {"type": "integer"}], "title": "x"}));
    let schema = Arc::new(
        Schema::new(SchemaType::Struct)
            .field("m", map)
            .field("code", union.clone())
            .field("n", Schema::new(SchemaType::Int64)),
    );
    assert!(value::walked(&schema));
    assert!(!value::walked(&fixture_schemas()[0]));
    let data = Value::Struct(vec![
        Value::Map(vec![(Value::Int32(7), Value::String("seven".into()))]),
        Value::Struct(vec![Value::Null, Value::Int64(42)]),
        Value::Int64(1),
    ]);
    let text = value::write(&schema, &data, &json).expect("writes");
    assert_eq!(text, r#"{"m":[{"key":7,"value":"seven"}],"code":42,"n":1}"#);
    assert_eq!(value::read(&schema, &text, &json).expect("reads"), data);
    // The first member whose type fits the value: a string here.
    let text = r#"{"m":[],"code":"A7","n":2}"#;
    assert_eq!(
        value::read(&schema, text, &json).expect("reads"),
        Value::Struct(vec![
            Value::Map(vec![]),
            Value::Struct(vec![Value::String("A7".into()), Value::Null]),
            Value::Int64(2),
        ])
    );
    for (bad, expected) in [
        (r#"{"m":[{"key":1}],"code":1,"n":1}"#, "expected length 2"),
        (r#"{"m":{},"code":1,"n":1}"#, "array of objects"),
        (
            r#"{"m":[],"code":true,"n":1}"#,
            "Did not find matching oneof",
        ),
        (
            r#"{"m":[],"code":1}"#,
            "Invalid null value for required INT64",
        ),
    ] {
        let error = value::read(&schema, bad, &json).expect_err(bad);
        assert!(
            error.message().contains(expected),
            "{bad}: {}",
            error.message()
        );
    }
}

mod arbitrary_text {
    //! JSON a producer may write for a schema with the walked shapes: it reads or fails, and
    //! never panics.

    use super::*;
    use proptest::prelude::*;

    fn fragment() -> impl Strategy<Value = String> {
        prop::sample::select(vec![
            "{",
            "}",
            "[",
            "]",
            ",",
            ":",
            "\"key\"",
            "\"value\"",
            "\"m\"",
            "\"code\"",
            "\"n\"",
            "1",
            "-7",
            "2.5",
            "1e400",
            "\"s\"",
            "true",
            "null",
            " ",
        ])
        .prop_map(str::to_owned)
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(1000))]

        #[test]
        fn arbitrary_text_reads_or_fails_without_panicking(
            parts in proptest::collection::vec(fragment(), 0..40),
        ) {
            let json = JsonConverter::new(JsonConverterConfig::default(), false);
            let mut map = Schema::new(SchemaType::Map);
            map.key_schema = Some(Arc::new(Schema::new(SchemaType::Int32)));
            map.value_schema = Some(Arc::new(Schema::new(SchemaType::String).optional()));
            let union = read(&json!({"oneOf": [{"type": "string"}, {"type": "integer"}]}));
            let schema = Arc::new(
                Schema::new(SchemaType::Struct)
                    .field("m", map)
                    .field("code", union)
                    .field("n", Schema::new(SchemaType::Int64).optional()),
            );
            let text = parts.concat();
            if let Ok(value) = value::read(&schema, &text, &json) {
                // What is read writes again.
                prop_assert!(value::write(&schema, &value, &json).is_ok());
            }
        }
    }
}

#[test]
fn a_null_default_is_no_default() {
    let schema = read(&json!({"type": ["null", "string"], "default": null}));
    assert!(schema.optional);
    assert_eq!(schema.default, None);
}
