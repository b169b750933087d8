use std::collections::BTreeMap;
use std::sync::Arc;

use proptest::prelude::*;
use serde_json::value::RawValue;

use super::*;
use switchyard_data::{Field, SchemaType};

// ---------------------------------------------------------------------------------------------
// Helpers

fn converter(settings: &[(&str, &str)]) -> JsonConverter {
    let settings: Vec<(String, String)> = settings
        .iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect();
    JsonConverter::configure(&settings, false).unwrap()
}

fn with_schemas() -> JsonConverter {
    converter(&[])
}

fn schemaless() -> JsonConverter {
    converter(&[("schemas.enable", "false")])
}

fn decode(c: &JsonConverter, json: &str) -> Result<ConnectData, ConvertError> {
    c.to_connect("topic", Some(json.as_bytes()))
}

fn encode(c: &JsonConverter, data: &ConnectData) -> String {
    String::from_utf8(c.from_connect("topic", data).unwrap().unwrap()).unwrap()
}

fn decode_err(c: &JsonConverter, json: &str) -> String {
    match decode(c, json) {
        Ok(data) => panic!("{json} decoded to {data:?}"),
        Err(e) => e.into_message(),
    }
}

fn s(text: &str) -> Value {
    Value::String(text.into())
}

fn array_of(element: Schema) -> Schema {
    Schema {
        value_schema: Some(Arc::new(element)),
        ..Schema::new(SchemaType::Array)
    }
}

fn map_of(key: Schema, value: Schema) -> Schema {
    Schema {
        key_schema: Some(Arc::new(key)),
        value_schema: Some(Arc::new(value)),
        ..Schema::new(SchemaType::Map)
    }
}

fn decimal_schema(scale: i32) -> Schema {
    let mut schema = Schema::new(SchemaType::Bytes).named(DECIMAL_LOGICAL_NAME);
    schema.version = Some(1);
    schema.parameters = vec![
        ("scale".into(), scale.to_string()),
        ("connect.decimal.precision".into(), "10".into()),
    ];
    schema
}

/// The fixture lines' `key` and `value` as their exact bytes (`None` for JSON null).
fn fixture(name: &str) -> Vec<(String, Option<String>, Option<String>)> {
    let path = format!("{}/../../tests/fixtures/{name}", env!("CARGO_MANIFEST_DIR"));
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{path}: {e}"));
    let raw = |v: Option<&&RawValue>| {
        v.map(|v| v.get())
            .filter(|v| *v != "null")
            .map(str::to_string)
    };
    text.lines()
        .map(|line| {
            let fields: BTreeMap<&str, &RawValue> = serde_json::from_str(line).unwrap();
            let topic: String = serde_json::from_str(fields["topic"].get()).unwrap();
            (topic, raw(fields.get("key")), raw(fields.get("value")))
        })
        .collect()
}

fn assert_round_trips(c: &JsonConverter, bytes: Option<&str>) -> ConnectData {
    let data = c
        .to_connect("t", bytes.map(str::as_bytes))
        .unwrap_or_else(|e| panic!("{bytes:?}: {e}"));
    let again = c.from_connect("t", &data).unwrap();
    assert_eq!(
        again.as_deref().map(|b| std::str::from_utf8(b).unwrap()),
        bytes,
        "re-encoding changed the bytes"
    );
    data
}

// ---------------------------------------------------------------------------------------------
// Fixtures: every key and value decodes and re-encodes to the same bytes

#[test]
fn with_schema_fixtures_round_trip_byte_for_byte() {
    for file in ["with-schema.jsonl", "outbox-with-schema.jsonl"] {
        let (key_conv, value_conv) = (
            JsonConverter::configure(&[], true).unwrap(),
            JsonConverter::configure(&[], false).unwrap(),
        );
        let lines = fixture(file);
        assert!(lines.len() > 50, "{file}");
        let mut tombstones = 0;
        for (_, key, value) in &lines {
            let key = assert_round_trips(&key_conv, key.as_deref());
            assert!(key.schema.is_some(), "{file}: keys carry schemas");
            let value = assert_round_trips(&value_conv, value.as_deref());
            match &value.schema {
                None => {
                    assert_eq!(value, ConnectData::NULL);
                    tombstones += 1;
                }
                Some(schema) => {
                    assert_eq!(schema.kind, SchemaType::Struct);
                    assert!(
                        schema.name.as_deref().unwrap().ends_with(".Envelope"),
                        "{schema:?}"
                    );
                    assert_eq!(schema.version, Some(2));
                }
            }
        }
        assert!(tombstones > 0, "{file} has tombstones");
    }
}

#[test]
fn schemaless_fixtures_round_trip_byte_for_byte() {
    for file in ["schemaless.jsonl", "outbox-schemaless.jsonl"] {
        let c = schemaless();
        for (_, key, value) in fixture(file) {
            let key = assert_round_trips(&c, key.as_deref());
            assert!(key.schema.is_none());
            assert!(matches!(key.value, Value::Map(_)), "{key:?}");
            assert_round_trips(&c, value.as_deref());
        }
    }
}

/// The schemaless fixtures hold the same events as the schema'd ones: decoding with the
/// schema and encoding without it must give exactly Kafka's schemaless bytes.
#[test]
fn schema_fixtures_encode_to_the_schemaless_fixtures() {
    for (with, without) in [
        ("with-schema.jsonl", "schemaless.jsonl"),
        ("outbox-with-schema.jsonl", "outbox-schemaless.jsonl"),
    ] {
        let (reader, writer) = (with_schemas(), schemaless());
        let (a, b) = (fixture(with), fixture(without));
        assert_eq!(a.len(), b.len());
        for ((topic_a, key_a, value_a), (topic_b, key_b, value_b)) in a.iter().zip(&b) {
            assert_eq!(topic_a, topic_b);
            for (schema_bytes, plain_bytes) in [(key_a, key_b), (value_a, value_b)] {
                let data = reader
                    .to_connect("t", schema_bytes.as_deref().map(str::as_bytes))
                    .unwrap();
                let out = writer.from_connect("t", &data).unwrap();
                assert_eq!(
                    out.as_deref().map(|b| std::str::from_utf8(b).unwrap()),
                    plain_bytes.as_deref()
                );
            }
        }
    }
}

#[test]
fn fixture_values_decode_to_the_expected_data() {
    let lines = fixture("with-schema.jsonl");
    let (_, key, value) = &lines[0];
    let c = with_schemas();
    let key = decode(&c, key.as_deref().unwrap()).unwrap();
    assert_eq!(
        key.schema.as_ref().unwrap().name.as_deref(),
        Some("product.public.products.Key")
    );
    assert_eq!(key.value, Value::Struct(vec![Value::Int64(6)]));
    let value = decode(&c, value.as_deref().unwrap()).unwrap();
    let schema = value.schema.unwrap();
    let Value::Struct(fields) = &value.value else {
        panic!("{:?}", value.value)
    };
    let op = schema.field_index("op").unwrap();
    assert_eq!(fields[op], s("r"));
    let source = schema.field_index("source").unwrap();
    let source_schema = &schema.fields[source].schema;
    let snapshot = source_schema.field_index("snapshot").unwrap();
    assert_eq!(
        source_schema.fields[snapshot].schema.default,
        Some(s("false"))
    );
    assert_eq!(
        source_schema.fields[snapshot].schema.parameter("allowed"),
        Some("true,first,first_in_data_collection,last_in_data_collection,last,false,incremental")
    );
    // The price decimal of product_prices.
    let (_, _, prices) = lines
        .iter()
        .find(|(t, _, v)| t.ends_with("product_prices") && v.is_some())
        .unwrap();
    let prices = decode(&c, prices.as_deref().unwrap()).unwrap();
    let Value::Struct(envelope) = &prices.value else {
        panic!()
    };
    let Value::Struct(after) = &envelope[1] else {
        panic!("{:?}", envelope[1])
    };
    let price_schema = &prices.schema.as_ref().unwrap().fields[1].schema.fields[2].schema;
    assert_eq!(price_schema.name.as_deref(), Some(DECIMAL_LOGICAL_NAME));
    assert!(
        matches!(&after[2], Value::Bytes(b) if !b.is_empty()),
        "{:?}",
        after[2]
    );
}

#[test]
fn schemas_are_cached_and_shared() {
    let c = with_schemas();
    let lines = fixture("with-schema.jsonl");
    let values: Vec<_> = lines
        .iter()
        .filter(|(t, _, v)| t == "product.public.products" && v.is_some())
        .map(|(_, _, v)| decode(&c, v.as_deref().unwrap()).unwrap())
        .collect();
    assert!(values.len() > 2);
    assert!(Arc::ptr_eq(
        values[0].schema.as_ref().unwrap(),
        values[1].schema.as_ref().unwrap()
    ));
    // Re-encoding through the schema-JSON cache gives the same bytes.
    let first = encode(&c, &values[0]);
    assert_eq!(encode(&c, &values[0]), first);
    // Other converters (another cache) agree.
    assert_eq!(encode(&with_schemas(), &values[0]), first);
    // A cache of size 0 caches nothing and still works.
    let uncached = converter(&[("schemas.cache.size", "0")]);
    let data = decode(&uncached, lines[0].2.as_deref().unwrap()).unwrap();
    assert_eq!(encode(&uncached, &data), lines[0].2.as_deref().unwrap());
}

#[test]
fn a_cache_of_one_keeps_working_when_schemas_alternate() {
    let c = converter(&[("schemas.cache.size", "1")]);
    let a = r#"{"schema":{"type":"int32","optional":false},"payload":1}"#;
    let b = r#"{"schema":{"type":"string","optional":false},"payload":"x"}"#;
    for _ in 0..3 {
        assert_eq!(decode(&c, a).unwrap().value, Value::Int32(1));
        assert_eq!(decode(&c, b).unwrap().value, s("x"));
    }
}

// ---------------------------------------------------------------------------------------------
// Schema JSON

fn every_attribute_schema() -> Schema {
    let mut named = Schema::new(SchemaType::Int32).named("com.example.Count");
    named.version = Some(3);
    named.doc = Some("a \"documented\" count\n".into());
    named.parameters = vec![("b".into(), "2".into()), ("a".into(), "1".into())];
    named.default = Some(Value::Int32(42));
    let mut with_default_struct = Schema::new(SchemaType::Struct)
        .field("x", Schema::new(SchemaType::Int64))
        .field("y", Schema::new(SchemaType::String).optional())
        .optional();
    with_default_struct.default = Some(Value::Struct(vec![Value::Int64(1), Value::Null]));
    let mut decimal = decimal_schema(2);
    decimal.default = Some(Value::Bytes(vec![0x07, 0xCF]));
    let mut floats = Schema::new(SchemaType::Float64).optional();
    floats.default = Some(Value::Float64(1e-7));
    Schema::new(SchemaType::Struct)
        .named("com.example.Everything")
        .field("boolean", Schema::new(SchemaType::Boolean))
        .field("int8", Schema::new(SchemaType::Int8).optional())
        .field("int16", Schema::new(SchemaType::Int16))
        .field("int32", named)
        .field("int64", Schema::new(SchemaType::Int64))
        .field("float32", Schema::new(SchemaType::Float32))
        .field("float64", floats)
        .field("string", Schema::new(SchemaType::String))
        .field("bytes", Schema::new(SchemaType::Bytes).optional())
        .field("decimal", decimal)
        .field(
            "date",
            Schema::new(SchemaType::Int32).named("org.apache.kafka.connect.data.Date"),
        )
        .field("array", array_of(Schema::new(SchemaType::String)))
        .field(
            "string_map",
            map_of(
                Schema::new(SchemaType::String),
                Schema::new(SchemaType::Int64).optional(),
            ),
        )
        .field(
            "int_map",
            map_of(
                Schema::new(SchemaType::Int32),
                array_of(Schema::new(SchemaType::Boolean)),
            ),
        )
        .field("nested", with_default_struct)
}

fn every_attribute_value() -> Value {
    Value::Struct(vec![
        Value::Boolean(true),
        Value::Null,
        Value::Int16(-300),
        Value::Int32(7),
        Value::Int64(i64::MIN),
        Value::Float32(0.1),
        Value::Float64(1e21),
        s("tab\there \u{1} / \u{7f} é ☃ 𝄞"),
        Value::Bytes(vec![0, 1, 2, 0xFF]),
        Value::Bytes(vec![0xF8, 0x31]),
        Value::Int32(19737),
        Value::Array(vec![s("a"), s("b")]),
        Value::Map(vec![(s("k1"), Value::Int64(1)), (s("k2"), Value::Null)]),
        Value::Map(vec![(
            Value::Int32(5),
            Value::Array(vec![Value::Boolean(false)]),
        )]),
        Value::Struct(vec![Value::Int64(9), s("y")]),
    ])
}

#[test]
fn schema_json_snapshot_with_every_type_and_attribute() {
    let schema = every_attribute_schema();
    let json = schema_to_json(&schema);
    insta::with_settings!({prepend_module_to_snapshot => false}, {
        insta::assert_snapshot!("schema_every_attribute", json);
    });
    // The key order is Kafka's, field entries end with "field".
    assert!(
        json.starts_with(
            r#"{"type":"struct","fields":[{"type":"boolean","optional":false,"field":"boolean"}"#
        ),
        "{json}"
    );
    assert!(
        json.ends_with(r#""optional":false,"name":"com.example.Everything"}"#),
        "{json}"
    );
    assert!(json.contains(r#"{"type":"int32","optional":false,"name":"com.example.Count","version":3,"doc":"a \"documented\" count\n","parameters":{"b":"2","a":"1"},"default":42,"field":"int32"}"#), "{json}");
    assert!(json.contains(r#"{"type":"map","keys":{"type":"int32","optional":false},"values":{"type":"array","items":{"type":"boolean","optional":false},"optional":false},"optional":false,"field":"int_map"}"#), "{json}");
    // And it reads back to the same schema.
    assert_eq!(*schema_from_json(&json).unwrap(), schema);
}

#[test]
fn full_record_snapshot_in_both_decimal_formats() {
    let schema = Arc::new(every_attribute_schema());
    let data = ConnectData {
        schema: Some(schema.clone()),
        value: every_attribute_value(),
    };
    let base64 = encode(&with_schemas(), &data);
    let numeric = encode(&converter(&[("decimal.format", "numeric")]), &data);
    insta::with_settings!({prepend_module_to_snapshot => false}, {
        insta::assert_snapshot!("record_every_attribute_base64", base64);
        insta::assert_snapshot!("record_every_attribute_numeric", numeric);
    });
    assert!(base64.contains(r#""decimal":"+DE=""#), "{base64}");
    assert!(
        base64.contains(r#""default":"B88=","field":"decimal""#),
        "{base64}"
    );
    assert!(numeric.contains(r#""decimal":-19.99"#), "{numeric}");
    assert!(
        numeric.contains(r#""default":19.99,"field":"decimal""#),
        "{numeric}"
    );
    for (conv, bytes) in [
        (with_schemas(), &base64),
        (converter(&[("decimal.format", "NUMERIC")]), &numeric),
    ] {
        let back = decode(&conv, bytes).unwrap();
        assert_eq!(back, data);
        assert_eq!(encode(&conv, &back), *bytes);
    }
}

#[test]
fn decimals_read_in_either_format_and_normalise() {
    let c = with_schemas();
    let schema = r#"{"type":"bytes","optional":false,"name":"org.apache.kafka.connect.data.Decimal","version":1,"parameters":{"scale":"2"}}"#;
    let read = |payload: &str| {
        decode(&c, &format!(r#"{{"schema":{schema},"payload":{payload}}}"#)).map(|d| d.value)
    };
    assert_eq!(read(r#""B88=""#).unwrap(), Value::Bytes(vec![0x07, 0xCF]));
    assert_eq!(read("19.99").unwrap(), Value::Bytes(vec![0x07, 0xCF]));
    assert_eq!(read("19.9").unwrap(), Value::Bytes(vec![0x07, 0xC6]));
    assert_eq!(read("1999e-2").unwrap(), Value::Bytes(vec![0x07, 0xCF]));
    assert_eq!(read("-0.01").unwrap(), Value::Bytes(vec![0xFF]));
    assert_eq!(read("0").unwrap(), Value::Bytes(vec![0x00]));
    assert_eq!(read("1.2300").unwrap(), Value::Bytes(vec![0x7B]));
    // Non-minimal two's complement is normalised as BigInteger.toByteArray() would.
    assert_eq!(read(r#""AAfP""#).unwrap(), Value::Bytes(vec![0x07, 0xCF]));
    assert_eq!(read(r#""//8=""#).unwrap(), Value::Bytes(vec![0xFF]));
    let big = "123456789012345678901234567890123456789012345678901234567890.12";
    let bytes = read(big).unwrap();
    let numeric = converter(&[("decimal.format", "NUMERIC")]);
    let data = ConnectData {
        schema: Some(schema_from_json(schema).unwrap()),
        value: bytes,
    };
    assert!(encode(&numeric, &data).ends_with(&format!(r#""payload":{big}}}"#)));
    let err = read("19.999").unwrap_err().into_message();
    assert!(
        err.contains("more fractional digits than the schema's scale 2"),
        "{err}"
    );
    let err = read(r#""""#).unwrap_err().into_message();
    assert!(err.contains("Invalid bytes for Decimal field"), "{err}");
    let err = read("true").unwrap_err().into_message();
    assert!(err.contains("Invalid type for Decimal, underlying representation should be numeric or bytes but was BOOLEAN"), "{err}");
}

#[test]
fn big_decimal_to_string_matches_java() {
    let cases: &[(&[u8], i32, &str)] = &[
        (&[0x07, 0xCF], 2, "19.99"),
        (&[0xF8, 0x31], 2, "-19.99"),
        (&[0x01], 0, "1"),
        (&[0x00], 2, "0.00"),
        (&[0x00], 8, "0E-8"),
        (&[0x00], -2, "0E+2"),
        (&[0x01], 6, "0.000001"),
        (&[0x01], 7, "1E-7"),
        (&[0x0F], -2, "1.5E+3"),
        (&[0x7B], 10, "1.23E-8"),
        (&[0x80], 0, "-128"),
        (&[0xFF, 0x7F], 1, "-12.9"),
        (
            &[
                0x7F, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF,
                0xFF, 0xFF, 0xFF,
            ],
            0,
            "43556142965880123323311949751266331066367",
        ),
        (
            &[0x80, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0],
            3,
            "-43556142965880123323311949751266331066.368",
        ),
    ];
    for &(bytes, scale, expected) in cases {
        assert_eq!(
            decimal_to_string(bytes, scale),
            expected,
            "{bytes:?} scale {scale}"
        );
    }
}

#[test]
fn schema_reading_follows_as_connect_schema() {
    // "optional" absent or not a boolean: required; unknown keys ignored; non-text names,
    // non-integral versions ignored; parameters kept in order.
    let schema = schema_from_json(
        r#"{"type":"string","optional":"yes","name":5,"version":"1","x":[1,2],"parameters":{"z":"1","a":"2"}}"#,
    )
    .unwrap();
    assert!(!schema.optional);
    assert_eq!(schema.name, None);
    assert_eq!(schema.version, None);
    assert_eq!(
        schema.parameters,
        vec![("z".into(), "1".into()), ("a".into(), "2".into())]
    );
    // Empty parameters are not written back (Kafka's builder keeps none).
    assert_eq!(
        schema_to_json(&schema_from_json(r#"{"type":"int8","parameters":{}}"#).unwrap()),
        r#"{"type":"int8","optional":false}"#
    );
    // A default of null on an optional schema means no default; on a required one it fails.
    assert_eq!(
        schema_from_json(r#"{"type":"int8","optional":true,"default":null}"#)
            .unwrap()
            .default,
        None
    );
    let err = schema_from_json(r#"{"type":"int8","default":null}"#)
        .unwrap_err()
        .into_message();
    assert!(
        err.contains("Invalid null value for required INT8 field (at schema.default)"),
        "{err}"
    );
    let errors = [
        (
            r#"{"optional":true}"#,
            "Schema must contain 'type' field (at schema)",
        ),
        (
            r#"{"type":"varchar"}"#,
            "Unknown schema type: varchar (at schema)",
        ),
        (
            r#"{"type":"array"}"#,
            "Array schema did not specify the element type",
        ),
        (
            r#"{"type":"map","values":{"type":"int8"}}"#,
            "Map schema did not specify the key type",
        ),
        (
            r#"{"type":"map","keys":{"type":"int8"}}"#,
            "Map schema did not specify the value type",
        ),
        (
            r#"{"type":"struct"}"#,
            "Struct schema's \"fields\" argument is not an array.",
        ),
        (
            r#"{"type":"struct","fields":[{"type":"int8"}]}"#,
            "Struct schema's field name not specified properly (at schema.fields[0])",
        ),
        (
            r#"{"type":"struct","fields":[{"type":"int8","field":"a"},{"type":"int8","field":"a"}]}"#,
            "Cannot create field because of field name duplication a (at schema.fields[1])",
        ),
        (
            r#"{"type":"struct","fields":[{"type":"int9","field":"a"}]}"#,
            "Unknown schema type: int9 (at schema.fields[0])",
        ),
        (
            r#"{"type":"string","parameters":{"a":1}}"#,
            "Schema parameters must have string values.",
        ),
        (
            r#"{"type":"int8","default":"x"}"#,
            "expected a JSON integer for INT8 but found STRING (at schema.default)",
        ),
        (
            r#"{"type":"int8","version":4294967297}"#,
            "schema version 4294967297 does not fit an int",
        ),
    ];
    for (json, expected) in errors {
        let err = schema_from_json(json).unwrap_err().into_message();
        assert!(err.contains(expected), "{json}: {err}");
    }
}

// ---------------------------------------------------------------------------------------------
// Numbers and strings as Java and Jackson write them

#[test]
fn java_double_formatting_table() {
    let cases: &[(f64, &str)] = &[
        (0.0, "0.0"),
        (-0.0, "-0.0"),
        (1.0, "1.0"),
        (-1.5, "-1.5"),
        (0.1, "0.1"),
        (0.3, "0.3"),
        (2.0 / 3.0, "0.6666666666666666"),
        (100.0, "100.0"),
        (1234567.0, "1234567.0"),
        (9999999.0, "9999999.0"),
        (1e7, "1.0E7"),
        (12345678.0, "1.2345678E7"),
        (0.001, "0.001"),
        (0.0012, "0.0012"),
        (0.000999, "9.99E-4"),
        (1e-4, "1.0E-4"),
        (1e21, "1.0E21"),
        (1e23, "1.0E23"),
        (123456789.125, "1.23456789125E8"),
        (9007199254740993.0, "9.007199254740992E15"),
        (9.223372036854776E18, "9.223372036854776E18"),
        (f64::MAX, "1.7976931348623157E308"),
        (f64::MIN_POSITIVE, "2.2250738585072014E-308"),
        (5e-324, "4.9E-324"),
        (1e-323, "9.9E-324"),
        (f64::NAN, "NaN"),
        (f64::INFINITY, "Infinity"),
        (f64::NEG_INFINITY, "-Infinity"),
    ];
    let mut table = String::new();
    for &(v, expected) in cases {
        let got = java_double_to_string(v);
        assert_eq!(got, expected, "{v:e}");
        table.push_str(&format!("{v:e} => {got}\n"));
    }
    let float_cases: &[(f32, &str)] = &[
        (0.0, "0.0"),
        (0.1, "0.1"),
        (1.0, "1.0"),
        (1.2345, "1.2345"),
        (1e10, "1.0E10"),
        (1e-5, "1.0E-5"),
        (16777216.0, "1.6777216E7"),
        (f32::MAX, "3.4028235E38"),
        // Java 19+ (JDK-4511638); older JDKs printed "1.17549435E-38".
        (f32::MIN_POSITIVE, "1.1754944E-38"),
        (1.4e-45, "1.4E-45"),
        (f32::NAN, "NaN"),
    ];
    for &(v, expected) in float_cases {
        let got = java_float_to_string(v);
        assert_eq!(got, expected, "{v:e}f");
        table.push_str(&format!("{v:e}f => {got}\n"));
    }
    insta::with_settings!({prepend_module_to_snapshot => false}, {
        insta::assert_snapshot!("java_double_formatting", table);
    });
}

#[test]
fn non_finite_doubles_are_written_as_strings_and_read_back() {
    let c = schemaless();
    let data = ConnectData {
        schema: None,
        value: Value::Array(vec![
            Value::Float64(f64::NAN),
            Value::Float64(f64::INFINITY),
            Value::Float32(f32::NEG_INFINITY),
            Value::Float64(1.0),
        ]),
    };
    assert_eq!(encode(&c, &data), r#"["NaN","Infinity","-Infinity",1.0]"#);
    let schema = Arc::new(array_of(Schema::new(SchemaType::Float64)));
    let v = c
        .payload_from_json(Some(&schema), r#"["NaN","Infinity","-Infinity",1]"#)
        .unwrap();
    let Value::Array(items) = v else { panic!() };
    assert!(matches!(items[0], Value::Float64(f) if f.is_nan()));
    assert_eq!(
        items[1..],
        [
            Value::Float64(f64::INFINITY),
            Value::Float64(f64::NEG_INFINITY),
            Value::Float64(1.0)
        ]
    );
    let err = c
        .payload_from_json(Some(&schema), r#"["nan"]"#)
        .unwrap_err()
        .into_message();
    assert!(
        err.contains("expected a JSON number for FLOAT64 but found STRING \"nan\" (at payload[0])"),
        "{err}"
    );
}

#[test]
fn strings_are_escaped_as_jackson_does() {
    let c = schemaless();
    let text: String = (0u8..0x20)
        .map(char::from)
        .chain("\"\\/\u{7f}é\u{2028}𝄞".chars())
        .collect();
    let out = encode(
        &c,
        &ConnectData {
            schema: None,
            value: Value::String(text.as_str().into()),
        },
    );
    assert_eq!(
        out,
        "\"\\u0000\\u0001\\u0002\\u0003\\u0004\\u0005\\u0006\\u0007\\b\\t\\n\\u000B\\f\\r\\u000E\\u000F\\u0010\\u0011\\u0012\\u0013\\u0014\\u0015\\u0016\\u0017\\u0018\\u0019\\u001A\\u001B\\u001C\\u001D\\u001E\\u001F\\\"\\\\/\u{7f}é\u{2028}𝄞\""
    );
    assert_eq!(decode(&c, &out).unwrap().value, Value::String(text.into()));
    // Escapes Jackson reads: \/ and surrogate pairs.
    assert_eq!(
        decode(&c, r#""a\/b\u00e9\ud834\udd1e""#).unwrap().value,
        s("a/bé𝄞")
    );
}

// ---------------------------------------------------------------------------------------------
// Kafka's reading and writing rules

#[test]
fn schemaless_reading_follows_convert_to_connect() {
    let c = schemaless();
    let v = decode(&c, r#" {"i":1,"neg":-0,"f":1.0,"e":1e2,"big":18446744073709551617,"s":"x","b":true,"n":null,"a":[1,"y"],"o":{"z":{}}} "#)
        .unwrap()
        .value;
    assert_eq!(
        v,
        Value::Map(vec![
            (s("i"), Value::Int64(1)),
            (s("neg"), Value::Int64(0)),
            (s("f"), Value::Float64(1.0)),
            (s("e"), Value::Float64(100.0)),
            // BigInteger.longValue(): the low 64 bits.
            (s("big"), Value::Int64(1)),
            (s("s"), s("x")),
            (s("b"), Value::Boolean(true)),
            (s("n"), Value::Null),
            (s("a"), Value::Array(vec![Value::Int64(1), s("y")])),
            (s("o"), Value::Map(vec![(s("z"), Value::Map(vec![]))])),
        ])
    );
    assert_eq!(
        decode(&c, "-9223372036854775809").unwrap().value,
        Value::Int64(i64::MAX)
    );
    // Leading zeros are accepted (ALLOW_LEADING_ZEROS_FOR_NUMBERS); a repeated key keeps its
    // last value at its first place.
    assert_eq!(
        decode(&c, r#"{"a":007,"b":2,"a":-0012.50}"#).unwrap().value,
        Value::Map(vec![
            (s("a"), Value::Float64(-12.5)),
            (s("b"), Value::Int64(2))
        ])
    );
    // Empty input is a null value without a schema (Jackson's MissingNode); null too.
    assert_eq!(decode(&c, "  ").unwrap(), ConnectData::NULL);
    assert_eq!(decode(&c, "null").unwrap(), ConnectData::NULL);
    assert_eq!(c.to_connect("t", None).unwrap(), ConnectData::NULL);
    assert_eq!(c.from_connect("t", &ConnectData::NULL).unwrap(), None);
}

#[test]
fn envelope_rules() {
    let c = with_schemas();
    // A null schema in the envelope: schemaless payload.
    let data = decode(&c, r#"{"payload":{"a":1},"schema":null}"#).unwrap();
    assert_eq!(
        data,
        ConnectData {
            schema: None,
            value: Value::Map(vec![(s("a"), Value::Int64(1))])
        }
    );
    assert_eq!(encode(&c, &data), r#"{"schema":null,"payload":{"a":1}}"#);
    // Payload before schema, whitespace, a repeated schema key: the last one counts.
    let data = decode(&c, "{ \"payload\" : 5 ,\n \"schema\":{\"type\":\"string\"}, \"schema\": {\"type\":\"int64\"} }").unwrap();
    assert_eq!(data.value, Value::Int64(5));
    // A schema with a null payload is kept; without the envelope it is written as null.
    let data = decode(
        &c,
        r#"{"schema":{"type":"int32","optional":true},"payload":null}"#,
    )
    .unwrap();
    assert_eq!(data.value, Value::Null);
    assert!(data.schema.is_some());
    assert_eq!(
        encode(&c, &data),
        r#"{"schema":{"type":"int32","optional":true},"payload":null}"#
    );
    assert_eq!(encode(&schemaless(), &data), "null");
    // Null bytes are a tombstone both ways.
    assert_eq!(c.to_connect("t", None).unwrap(), ConnectData::NULL);
    assert_eq!(c.from_connect("t", &ConnectData::NULL).unwrap(), None);
}

#[test]
fn defaults_replace_nulls_when_configured() {
    let schema = r#"{"type":"struct","fields":[{"type":"string","optional":true,"default":"false","field":"snapshot"},{"type":"int32","optional":true,"field":"n"}],"optional":false}"#;
    let json = |payload: &str| format!(r#"{{"schema":{schema},"payload":{payload}}}"#);
    let replacing = with_schemas();
    let keeping = converter(&[("replace.null.with.default", "FALSE")]);
    // Reading: a null or missing field gives the default.
    assert_eq!(
        decode(&replacing, &json(r#"{"snapshot":null}"#))
            .unwrap()
            .value,
        Value::Struct(vec![s("false"), Value::Null])
    );
    assert_eq!(
        decode(&replacing, &json("{}")).unwrap().value,
        Value::Struct(vec![s("false"), Value::Null])
    );
    assert_eq!(
        decode(&keeping, &json(r#"{"snapshot":null}"#))
            .unwrap()
            .value,
        Value::Struct(vec![Value::Null, Value::Null])
    );
    // Writing: a null with a default is written as the default.
    let data = decode(&keeping, &json(r#"{"snapshot":null,"n":null}"#)).unwrap();
    assert!(encode(&replacing, &data).ends_with(r#""payload":{"snapshot":"false","n":null}}"#));
    assert!(encode(&keeping, &data).ends_with(r#""payload":{"snapshot":null,"n":null}}"#));
}

#[test]
fn maps_with_non_string_keys_are_arrays_of_pairs() {
    let c = with_schemas();
    let schema = Arc::new(map_of(
        Schema::new(SchemaType::Int32),
        Schema::new(SchemaType::String),
    ));
    let data = ConnectData {
        schema: Some(schema.clone()),
        value: Value::Map(vec![(Value::Int32(1), s("a")), (Value::Int32(2), s("b"))]),
    };
    let json = encode(&c, &data);
    assert_eq!(
        json,
        r#"{"schema":{"type":"map","keys":{"type":"int32","optional":false},"values":{"type":"string","optional":false},"optional":false},"payload":[[1,"a"],[2,"b"]]}"#
    );
    assert_eq!(decode(&c, &json).unwrap(), data);
    let errors = [
        (
            "{}",
            "Maps with non-string fields should be encoded as JSON array of tuples, but found OBJECT (at payload)",
        ),
        (
            "[1]",
            "Found invalid map entry instead of array tuple: NUMBER (at payload[0])",
        ),
        (
            "[[1,\"a\",3]]",
            "Found invalid map entry, expected length 2 but found :3 (at payload[0])",
        ),
        (
            "[[1]]",
            "Found invalid map entry, expected length 2 but found :1 (at payload[0])",
        ),
    ];
    for (payload, expected) in errors {
        let err = c
            .payload_from_json(Some(&schema), payload)
            .unwrap_err()
            .into_message();
        assert_eq!(err, expected);
    }
    // Schemaless maps with non-string keys too.
    let data = ConnectData {
        schema: None,
        value: Value::Map(vec![(Value::Int64(1), Value::Boolean(true))]),
    };
    assert_eq!(encode(&schemaless(), &data), "[[1,true]]");
}

// ---------------------------------------------------------------------------------------------
// Errors: clear messages, never a panic

#[test]
fn invalid_json_is_a_serialization_error() {
    let c = with_schemas();
    for (json, expected) in [
        (
            r#"{"schema":null,"payload":}"#,
            "unexpected character '}', expected a JSON value at line 1, column 26",
        ),
        (
            "{\"schema\":null,\n\"payload\":[1 2]}",
            "unexpected character '2', expected ',' or ']' at line 2, column 14",
        ),
        (
            r#"{"schema":null,"payload":"abc}"#,
            "unexpected end of input, expected '\"' closing a string",
        ),
        (
            r#"{"schema":null,"payload":tru}"#,
            "invalid literal, expected \"true\"",
        ),
        (
            r#"{"schema":null,"payload":1.}"#,
            "expected a digit after the decimal point",
        ),
        (
            r#"{"schema":null,"payload":"\x"}"#,
            "unrecognized character escape 'x'",
        ),
        (
            r#"{"schema":null,"payload":"\ud800"}"#,
            "lone UTF-16 surrogate",
        ),
        (
            "{\"schema\":null,\"payload\":\"a\u{1}\"}",
            "illegal unquoted control character (code 1)",
        ),
        (
            r#"{"schema":null,"payload":1} x"#,
            "unexpected character 'x', expected end of input",
        ),
        (r#"{"schema":null,"payload":NaN}"#, "expected a JSON value"),
    ] {
        let err = decode_err(&c, json);
        assert!(
            err.starts_with(
                "Converting byte[] to Kafka Connect data failed due to serialization error: "
            ),
            "{err}"
        );
        assert!(err.contains(expected), "{json}: {err}");
    }
    let err = c
        .to_connect("t", Some(b"{\"a\":\"\xFF\"}"))
        .unwrap_err()
        .into_message();
    assert!(err.contains("invalid UTF-8 at byte 6"), "{err}");
}

#[test]
fn envelope_violations_give_kafkas_message() {
    let c = with_schemas();
    for json in [
        r#"{"schema":null,"payload":1,"extra":2}"#,
        r#"{"payload":1}"#,
        r#"{"schema":{"type":"int8"}}"#,
        r#"[1,2]"#,
        r#""text""#,
        "",
        r#"{"a":1}"#,
    ] {
        let err = decode_err(&c, json);
        assert!(err.starts_with("JsonConverter with schemas.enable requires \"schema\" and \"payload\" fields and may not contain additional fields."), "{json}: {err}");
        assert!(err.contains("set schemas.enable=false"), "{err}");
    }
    // The envelope check comes before the schema and payload are interpreted.
    let err = decode_err(&c, r#"{"schema":{"type":"nope"},"payload":1,"x":0}"#);
    assert!(
        err.starts_with("JsonConverter with schemas.enable requires"),
        "{err}"
    );
}

#[test]
fn payloads_that_do_not_match_the_schema_are_errors_naming_the_path() {
    let c = with_schemas();
    let schema = r#"{"type":"struct","fields":[{"type":"int64","optional":false,"field":"id"},{"type":"struct","fields":[{"type":"string","optional":false,"field":"name"},{"type":"array","items":{"type":"int16","optional":false},"optional":true,"field":"tags"}],"optional":true,"field":"after"}],"optional":false}"#;
    let cases = [
        (
            r#""a string""#,
            "Structs should be encoded as JSON objects, but found STRING (at payload)",
        ),
        (
            r#"{"after":null}"#,
            "Invalid null value for required INT64 field (at payload.id, which is missing)",
        ),
        (
            r#"{"id":null}"#,
            "Invalid null value for required INT64 field (at payload.id)",
        ),
        (
            r#"{"id":"12"}"#,
            "expected a JSON integer for INT64 but found STRING (at payload.id)",
        ),
        (
            r#"{"id":1.5}"#,
            "expected a JSON integer for INT64 but found the non-integral number 1.5 (at payload.id)",
        ),
        (
            r#"{"id":9223372036854775808}"#,
            "JSON integer 9223372036854775808 is out of range for INT64 (at payload.id)",
        ),
        (
            r#"{"id":1,"after":[]}"#,
            "Structs should be encoded as JSON objects, but found ARRAY (at payload.after)",
        ),
        (
            r#"{"id":1,"after":{"name":7}}"#,
            "expected a JSON string for STRING but found NUMBER (at payload.after.name)",
        ),
        (
            r#"{"id":1,"after":{"name":"n","tags":[1,40000]}}"#,
            "JSON integer 40000 is out of range for INT16 (at payload.after.tags[1])",
        ),
        (
            r#"{"id":1,"after":{"name":"n","tags":{}}}"#,
            "expected a JSON array for ARRAY but found OBJECT (at payload.after.tags)",
        ),
    ];
    for (payload, expected) in cases {
        let err = decode_err(&c, &format!(r#"{{"schema":{schema},"payload":{payload}}}"#));
        assert_eq!(err, expected, "{payload}");
    }
    // Extra payload fields are ignored, as Kafka ignores them.
    let ok = decode(
        &c,
        &format!(r#"{{"schema":{schema},"payload":{{"id":1,"unknown":{{"x":[1]}}}}}}"#),
    )
    .unwrap();
    assert_eq!(ok.value, Value::Struct(vec![Value::Int64(1), Value::Null]));
    // Logical types keep Kafka's words.
    let date = r#"{"schema":{"type":"int32","name":"org.apache.kafka.connect.data.Date"},"payload":"2024-01-01"}"#;
    assert_eq!(
        decode_err(&c, date),
        "Invalid type for Date, underlying representation should be integer but was STRING (at payload)"
    );
    let bytes = r#"{"schema":{"type":"bytes"},"payload":"not base64!"}"#;
    assert_eq!(
        decode_err(&c, bytes),
        "Invalid bytes field: not Base64 (at payload)"
    );
    let boolean = r#"{"schema":{"type":"boolean"},"payload":1}"#;
    assert_eq!(
        decode_err(&c, boolean),
        "expected true or false for BOOLEAN but found NUMBER (at payload)"
    );
}

#[test]
fn unknown_schema_types_are_errors() {
    let c = with_schemas();
    let err = decode_err(
        &c,
        r#"{"schema":{"type":"uuid","optional":false},"payload":"x"}"#,
    );
    assert_eq!(err, "Unknown schema type: uuid (at schema)");
    let err = decode_err(
        &c,
        r#"{"schema":{"type":"struct","fields":[{"type":"date","field":"d"}]},"payload":{}}"#,
    );
    assert_eq!(err, "Unknown schema type: date (at schema.fields[0])");
    let err = decode_err(&c, r#"{"schema":"int32","payload":1}"#);
    assert_eq!(err, "Schema must contain 'type' field (at schema)");
}

#[test]
fn deep_nesting_is_an_error_not_a_stack_overflow() {
    let c = schemaless();
    let deep = "[".repeat(100_000);
    let err = decode_err(&c, &deep);
    assert!(err.contains("nesting deeper than 1000 levels"), "{err}");
    let ok = format!("{}{}", "[".repeat(900), "]".repeat(900));
    assert!(decode(&c, &ok).is_ok());
}

#[test]
fn writing_values_that_do_not_fit_the_schema_fails() {
    let c = with_schemas();
    let schema =
        Arc::new(Schema::new(SchemaType::Struct).field("id", Schema::new(SchemaType::Int32)));
    let cases = [
        (
            Value::Struct(vec![Value::Int64(1)]),
            "Invalid type for INT32: class java.lang.Long (at payload.id)",
        ),
        (
            Value::Struct(vec![Value::Null]),
            "Conversion error: null value for field that is required and has no default value (at payload.id)",
        ),
        (
            Value::Struct(vec![]),
            "Mismatching schema. (a struct of 0 values for a schema of 1 fields) (at payload)",
        ),
        (
            s("x"),
            "Mismatching schema. (class java.lang.String for a STRUCT schema) (at payload)",
        ),
    ];
    for (value, expected) in cases {
        let err = c
            .from_connect(
                "t",
                &ConnectData {
                    schema: Some(schema.clone()),
                    value,
                },
            )
            .unwrap_err();
        assert_eq!(err.message(), expected);
    }
    let err = c
        .from_connect(
            "t",
            &ConnectData {
                schema: None,
                value: Value::Struct(vec![]),
            },
        )
        .unwrap_err();
    assert_eq!(
        err.message(),
        "Mismatching schema. (a struct without a schema) (at payload)"
    );
}

#[test]
fn configuration_is_parsed_as_kafka_does() {
    let c = converter(&[
        ("schemas.enable", " False "),
        ("schemas.cache.size", "5"),
        ("decimal.format", "numeric"),
        ("replace.null.with.default", "TRUE"),
        ("unknown.key", "whatever"),
    ]);
    assert_eq!(
        *c.config(),
        JsonConverterConfig {
            schemas_enable: false,
            schemas_cache_size: 5,
            decimal_format: DecimalFormat::Numeric,
            replace_null_with_default: true,
        }
    );
    let bad =
        |k: &str, v: &str| JsonConverter::configure(&[(k.into(), v.into())], true).unwrap_err();
    let err = bad("schemas.enable", "yes");
    assert_eq!(err.key, "schemas.enable");
    assert!(
        err.message
            .contains("Expected value to be either true or false"),
        "{err}"
    );
    let err = bad("replace.null.with.default", "1");
    assert!(
        err.message
            .contains("Expected value to be either true or false"),
        "{err}"
    );
    let err = bad("schemas.cache.size", "many");
    assert!(err.message.contains("Not a number of type INT"), "{err}");
    let err = bad("decimal.format", "hex");
    assert!(err.message.contains("BASE64, NUMERIC"), "{err}");
    assert!(JsonConverter::configure(&[], true).unwrap().is_key());
}

#[test]
fn payload_helpers_and_defaults() {
    let c = with_schemas();
    let schema = Arc::new(every_attribute_schema());
    let value = every_attribute_value();
    let json = c.payload_to_json(Some(&schema), &value).unwrap();
    assert_eq!(c.payload_from_json(Some(&schema), &json).unwrap(), value);
    assert_eq!(
        c.payload_from_json(None, r#"{"a":[1]}"#).unwrap(),
        Value::Map(vec![(s("a"), Value::Array(vec![Value::Int64(1)]))])
    );
    assert!(c.payload_from_json(None, "").is_err());
    let int32 = &schema.fields[3].schema;
    assert_eq!(default_to_json(int32).as_deref(), Some("42"));
    assert_eq!(
        default_to_json(&schema.fields[14].schema).as_deref(),
        Some(r#"{"x":1,"y":null}"#)
    );
    assert_eq!(default_to_json(&schema), None);
    // A default that does not fit its schema: written without the schema by the lenient
    // helpers, refused by the converter (as Kafka refuses it).
    let mut bad = Schema::new(SchemaType::Int32);
    bad.default = Some(s("oops"));
    assert_eq!(default_to_json(&bad).as_deref(), Some(r#""oops""#));
    assert_eq!(
        schema_to_json(&bad),
        r#"{"type":"int32","optional":false,"default":"oops"}"#
    );
    let err = c.schema_json(&bad).unwrap_err().into_message();
    assert_eq!(
        err,
        "Invalid type for INT32: class java.lang.String (at schema.default)"
    );
    assert!(
        c.from_connect(
            "t",
            &ConnectData {
                schema: Some(Arc::new(bad)),
                value: Value::Int32(1)
            }
        )
        .is_err()
    );
    assert_eq!(c.schema_json(&schema).unwrap(), schema_to_json(&schema));
}

// ---------------------------------------------------------------------------------------------
// Property: arbitrary schema and value → bytes → back

fn leaf_schema() -> impl Strategy<Value = Schema> {
    prop_oneof![
        Just(Schema::new(SchemaType::Boolean)),
        Just(Schema::new(SchemaType::Int8)),
        Just(Schema::new(SchemaType::Int16)),
        Just(Schema::new(SchemaType::Int32)),
        Just(Schema::new(SchemaType::Int64)),
        Just(Schema::new(SchemaType::Float32)),
        Just(Schema::new(SchemaType::Float64)),
        Just(Schema::new(SchemaType::String)),
        Just(Schema::new(SchemaType::Bytes)),
        (-3i32..12).prop_map(decimal_schema),
        Just(Schema::new(SchemaType::Int32).named("org.apache.kafka.connect.data.Date")),
        Just(Schema::new(SchemaType::Int64).named("org.apache.kafka.connect.data.Timestamp")),
    ]
}

fn schema_strategy() -> impl Strategy<Value = Schema> {
    let schema = leaf_schema().prop_recursive(3, 24, 5, |inner| {
        prop_oneof![
            inner.clone().prop_map(array_of),
            (
                inner.clone(),
                prop_oneof![
                    Just(Schema::new(SchemaType::String)),
                    Just(Schema::new(SchemaType::Int32))
                ]
            )
                .prop_map(|(v, k)| map_of(k, v)),
            prop::collection::vec(inner, 0..5).prop_map(|schemas| {
                let mut s = Schema::new(SchemaType::Struct);
                for (i, schema) in schemas.into_iter().enumerate() {
                    s.fields.push(Field {
                        name: format!("f{i}"),
                        schema: Arc::new(schema),
                    });
                }
                s
            }),
        ]
    });
    (
        schema,
        any::<bool>(),
        proptest::option::of("[a-z.]{1,12}"),
        proptest::option::of(any::<i32>()),
        proptest::option::of("\\PC{0,8}"),
        prop::collection::vec(("[a-z]{1,4}", "\\PC{0,4}"), 0..3),
    )
        .prop_map(|(mut schema, optional, name, version, doc, params)| {
            schema.optional = optional;
            if schema.name.is_none() {
                schema.name = name;
            }
            schema.version = schema.version.or(version);
            schema.doc = doc;
            for (k, v) in params {
                if schema.parameter(&k).is_none() {
                    schema.parameters.push((k, v));
                }
            }
            schema
        })
        .prop_flat_map(|schema| {
            // Sometimes give the schema a default (a value of itself).
            let with_default = value_strategy(&schema).prop_map(Some).boxed();
            (Just(schema), prop_oneof![Just(None), with_default])
        })
        .prop_map(|(mut schema, default)| {
            schema.default = default.filter(|d| !d.is_null());
            schema
        })
}

fn minimal_bytes(v: i64) -> Vec<u8> {
    let bytes = v.to_be_bytes().to_vec();
    read::minimal_twos_complement(bytes)
}

fn finite_or_infinite_f64() -> impl Strategy<Value = f64> {
    prop_oneof![
        8 => any::<f64>().prop_filter("not NaN", |f| !f.is_nan()),
        1 => Just(f64::INFINITY),
        1 => Just(-0.0),
        1 => (-1_000_000i64..1_000_000).prop_map(|i| i as f64 / 100.0),
    ]
}

/// Values of the schema; never null where the schema has a default (a null is written as the
/// default, so it would not come back as null).
fn value_strategy(schema: &Schema) -> BoxedStrategy<Value> {
    let non_null: BoxedStrategy<Value> = match schema.kind {
        SchemaType::Boolean => any::<bool>().prop_map(Value::Boolean).boxed(),
        SchemaType::Int8 => any::<i8>().prop_map(Value::Int8).boxed(),
        SchemaType::Int16 => any::<i16>().prop_map(Value::Int16).boxed(),
        SchemaType::Int32 => any::<i32>().prop_map(Value::Int32).boxed(),
        SchemaType::Int64 => any::<i64>().prop_map(Value::Int64).boxed(),
        SchemaType::Float32 => any::<f32>()
            .prop_filter("not NaN", |f| !f.is_nan())
            .prop_map(Value::Float32)
            .boxed(),
        SchemaType::Float64 => finite_or_infinite_f64().prop_map(Value::Float64).boxed(),
        SchemaType::String => any::<String>()
            .prop_map(|s| Value::String(s.into()))
            .boxed(),
        SchemaType::Bytes if schema.name.as_deref() == Some(DECIMAL_LOGICAL_NAME) => any::<i64>()
            .prop_map(|v| Value::Bytes(minimal_bytes(v)))
            .boxed(),
        SchemaType::Bytes => prop::collection::vec(any::<u8>(), 0..12)
            .prop_map(Value::Bytes)
            .boxed(),
        SchemaType::Array => {
            prop::collection::vec(value_strategy(schema.value_schema.as_ref().unwrap()), 0..4)
                .prop_map(Value::Array)
                .boxed()
        }
        SchemaType::Map => {
            let value = value_strategy(schema.value_schema.as_ref().unwrap());
            let entries = prop::collection::vec(value, 0..4);
            if schema.key_schema.as_ref().unwrap().kind == SchemaType::String {
                entries
                    .prop_map(|vs| {
                        Value::Map(
                            vs.into_iter()
                                .enumerate()
                                .map(|(i, v)| (Value::String(format!("k{i}\"\n").into()), v))
                                .collect(),
                        )
                    })
                    .boxed()
            } else {
                entries
                    .prop_map(|vs| {
                        Value::Map(
                            vs.into_iter()
                                .enumerate()
                                .map(|(i, v)| (Value::Int32(i as i32 - 1), v))
                                .collect(),
                        )
                    })
                    .boxed()
            }
        }
        SchemaType::Struct => {
            let fields: Vec<BoxedStrategy<Value>> = schema
                .fields
                .iter()
                .map(|f| value_strategy(&f.schema))
                .collect();
            fields.prop_map(Value::Struct).boxed()
        }
    };
    if schema.optional && schema.default.is_none() {
        prop_oneof![1 => Just(Value::Null), 4 => non_null].boxed()
    } else {
        non_null
    }
}

fn schema_and_value() -> impl Strategy<Value = (Schema, Value)> {
    schema_strategy().prop_flat_map(|schema| {
        let value = value_strategy(&schema);
        (Just(schema), value)
    })
}

fn schemaless_value() -> impl Strategy<Value = Value> {
    let leaf = prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::Boolean),
        any::<i64>().prop_map(Value::Int64),
        finite_or_infinite_f64()
            .prop_filter("finite", |f| f.is_finite())
            .prop_map(Value::Float64),
        any::<String>().prop_map(|s| Value::String(s.into())),
    ];
    leaf.prop_recursive(3, 32, 6, |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..5).prop_map(Value::Array),
            prop::collection::btree_map(any::<String>(), inner, 0..5).prop_map(|m| Value::Map(
                m.into_iter()
                    .map(|(k, v)| (Value::String(k.into()), v))
                    .collect()
            )),
        ]
    })
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(512))]

    #[test]
    fn arbitrary_schema_and_value_round_trip((schema, value) in schema_and_value(), numeric in any::<bool>()) {
        let c = converter(&[("decimal.format", if numeric { "NUMERIC" } else { "BASE64" })]);
        let data = ConnectData { schema: Some(Arc::new(schema)), value };
        let bytes = c.from_connect("t", &data).unwrap().unwrap();
        let back = c.to_connect("t", Some(&bytes)).unwrap();
        prop_assert_eq!(&back, &data, "{}", String::from_utf8_lossy(&bytes));
        // And the bytes are stable.
        prop_assert_eq!(c.from_connect("t", &back).unwrap().unwrap(), bytes);
        // The output is valid JSON for another parser too.
        prop_assert!(serde_json::from_slice::<serde_json::Value>(&c.from_connect("t", &back).unwrap().unwrap()).is_ok());
    }

    /// The pass-through check never lets bytes through that the converter would write
    /// otherwise: canonical bytes with one byte changed (in a key, a value, the envelope) are
    /// passed through only when decoding and encoding them gives them back.
    #[test]
    fn only_bytes_the_converter_writes_back_pass_through(
        (schema, value) in schema_and_value(),
        at in any::<prop::sample::Index>(),
        byte in prop::sample::select(b"\"\\ f0:,}1\n-".to_vec()),
    ) {
        let c = converter(&[]);
        let data = ConnectData { schema: Some(Arc::new(schema)), value };
        let bytes = c.from_connect("t", &data).unwrap().unwrap();
        // The first check decodes (and caches the schema's text); the second scans.
        for _ in 0..2 {
            match c.check("t", Some(&bytes)).unwrap() {
                None => {}
                Some(data) => prop_assert_eq!(c.from_connect("t", &data).unwrap().unwrap(), bytes.clone()),
            }
        }
        let mut changed = bytes.clone();
        changed[at.index(bytes.len())] = byte;
        if let Ok(None) = c.check("t", Some(&changed)) {
            let back = c.to_connect("t", Some(&changed));
            prop_assert!(back.is_ok(), "{}", String::from_utf8_lossy(&changed));
            let again = c.from_connect("t", &back.unwrap()).unwrap().unwrap();
            prop_assert_eq!(again, changed);
        }
    }

    #[test]
    fn arbitrary_schemaless_value_round_trips(value in schemaless_value()) {
        let c = schemaless();
        let data = ConnectData { schema: None, value };
        match c.from_connect("t", &data).unwrap() {
            None => prop_assert_eq!(&data, &ConnectData::NULL),
            Some(bytes) => {
                let back = c.to_connect("t", Some(&bytes)).unwrap();
                prop_assert_eq!(&back, &data, "{}", String::from_utf8_lossy(&bytes));
            }
        }
    }

    #[test]
    fn arbitrary_bytes_never_panic(bytes in prop::collection::vec(any::<u8>(), 0..64)) {
        let _ = with_schemas().to_connect("t", Some(&bytes));
        let _ = schemaless().to_connect("t", Some(&bytes));
    }

    #[test]
    fn java_doubles_parse_back_to_the_same_double(v in any::<f64>().prop_filter("finite", |f| f.is_finite())) {
        let text = java_double_to_string(v);
        prop_assert_eq!(text.parse::<f64>().unwrap().to_bits(), v.to_bits(), "{}", text);
        // Java's layout: a '.' always, an exponent only outside [1e-3, 1e7).
        prop_assert!(text.contains('.'));
        let magnitude = v.abs();
        prop_assert_eq!(text.contains('E'), !(1e-3..1e7).contains(&magnitude) && magnitude != 0.0, "{}", text);
    }
}

/// A field whose name Jackson escapes is left to the full decode, whose output is the same
/// bytes; a key that matches an escaped name only by its raw bytes does not pass.
#[test]
fn keys_that_need_escapes_are_checked_by_the_full_decode() {
    let c = converter(&[]);
    let mut schema = Schema::new(SchemaType::Struct);
    for name in ["a\"b", "plain"] {
        schema.fields.push(Field {
            name: name.into(),
            schema: Arc::new(Schema::new(SchemaType::Int32)),
        });
    }
    let data = ConnectData {
        schema: Some(Arc::new(schema)),
        value: Value::Struct(vec![Value::Int32(1), Value::Int32(2)]),
    };
    let bytes = c.from_connect("t", &data).unwrap().unwrap();
    assert!(String::from_utf8_lossy(&bytes).contains(r#""a\"b":1"#));
    for _ in 0..2 {
        let checked = c.check("t", Some(&bytes)).unwrap();
        assert_eq!(checked.as_ref(), Some(&data), "decoded, not passed through");
    }
    let raw = String::from_utf8(bytes.clone())
        .unwrap()
        .replace(r#""a\"b":1"#, r#""a"b":1"#);
    assert!(c.check("t", Some(raw.as_bytes())).is_err());
}

#[test]
fn converters_are_send_sync_clone_debug() {
    fn check<T: Send + Sync + Clone + std::fmt::Debug>() {}
    check::<JsonConverter>();
    check::<crate::simple::StringConverter>();
    check::<crate::Converter>();
    let c = with_schemas();
    let debug = format!("{c:?}");
    assert!(debug.contains("schemas_enable: true"), "{debug}");
    // Clones share the schema cache.
    let clone = c.clone();
    let json = r#"{"schema":{"type":"int64","optional":false},"payload":1}"#;
    let a = decode(&c, json).unwrap().schema.unwrap();
    let b = decode(&clone, json).unwrap().schema.unwrap();
    assert!(Arc::ptr_eq(&a, &b));
}

#[test]
fn converter_enum_dispatches_to_these_converters() {
    use crate::Converter;
    let settings = vec![("schemas.enable".to_string(), "false".to_string())];
    let json = Converter::from_class(
        "org.apache.kafka.connect.json.JsonConverter",
        &settings,
        false,
    )
    .unwrap();
    let data = json.to_connect("t", Some(br#"{"a":1.5}"#)).unwrap();
    assert_eq!(data.value, Value::Map(vec![(s("a"), Value::Float64(1.5))]));
    assert_eq!(
        json.from_connect("t", &data).unwrap().unwrap(),
        br#"{"a":1.5}"#
    );
    let string = Converter::from_class("StringConverter", &[], true).unwrap();
    assert_eq!(
        string.from_connect("t", &data).unwrap().unwrap(),
        b"{a=1.5}"
    );
    let bytes = Converter::from_class(
        "org.apache.kafka.connect.converters.ByteArrayConverter",
        &[],
        true,
    )
    .unwrap();
    assert_eq!(
        bytes.to_connect("t", Some(b"\x00\xFF")).unwrap().value,
        Value::Bytes(vec![0, 0xFF])
    );
}

#[test]
fn malformed_schema_json_is_a_syntax_error_at_its_place() {
    let c = with_schemas();
    let err = decode_err(&c, r#"{"schema":{"type":"int8",},"payload":1}"#);
    assert!(err.starts_with("Converting byte[] to Kafka Connect data failed due to serialization error: unexpected character '}', expected a field name at line 1, column 26"), "{err}");
    let err = decode_err(&c, r#"{"schema":nul,"payload":1}"#);
    assert!(err.contains("invalid literal"), "{err}");
    // A payload that does not fit, nested deep, followed by a valid rest: the data error.
    let deep = format!("{}\"x\"{}", "[".repeat(999), "]".repeat(999));
    let json =
        format!(r#"{{"schema":{{"type":"array","items":{{"type":"int8"}}}},"payload":{deep}}}"#);
    let err = decode_err(&c, &json);
    assert!(
        err.starts_with("expected a JSON integer for INT8 but found ARRAY (at payload[0])"),
        "{err}"
    );
}

#[test]
fn struct_members_are_matched_however_their_keys_are_written() {
    let c = with_schemas();
    let plain = r#"{"type":"struct","fields":[{"type":"int32","field":"a"},{"type":"string","optional":true,"field":"bc"}]}"#;
    let quoted = r#"{"type":"struct","fields":[{"type":"int32","field":"a"},{"type":"int32","optional":true,"field":"q\"t"}]}"#;
    let read = |schema: &str, payload: &str| {
        let data = decode(&c, &format!(r#"{{"schema":{schema},"payload":{payload}}}"#)).unwrap();
        data.value
    };
    let two = |a, b: Value| Value::Struct(vec![Value::Int32(a), b]);
    // In schema order, out of order, with escapes, and with keys that start like a field's
    // name (names compared in the text in place, then read as strings).
    assert_eq!(read(plain, r#"{"a":1,"bc":"x"}"#), two(1, s("x")));
    assert_eq!(read(plain, r#"{"bc":"x","a":2}"#), two(2, s("x")));
    assert_eq!(read(plain, r#"{"\u0061":3,"b\u0063":"y"}"#), two(3, s("y")));
    assert_eq!(
        read(plain, r#"{"a":4,"bcd":"z","b":5}"#),
        two(4, Value::Null)
    );
    assert_eq!(read(plain, r#"{"ab":0,"a":4}"#), two(4, Value::Null));
    // A name JSON escapes: its key is read as a string.
    assert_eq!(read(quoted, r#"{"a":5,"q\"t":6}"#), two(5, Value::Int32(6)));
    assert_eq!(read(quoted, r#"{"a":5,"q":6}"#), two(5, Value::Null));
    // Written back, names are copied where plain and escaped where not.
    for (schema, payload) in [
        (plain, r#"{"a":1,"bc":"x"}"#),
        (quoted, r#"{"a":5,"q\"t":6}"#),
    ] {
        let text = format!(r#"{{"schema":{schema},"payload":{payload}}}"#);
        let written = encode(&c, &decode(&c, &text).unwrap());
        assert!(
            written.ends_with(&format!(r#""payload":{payload}}}"#)),
            "{written}"
        );
    }
    // Still strict about what is not a key.
    let bad = decode_err(
        &c,
        &format!(r#"{{"schema":{plain},"payload":{{"a":1,bc:2}}}}"#),
    );
    assert!(bad.contains("field name"), "{bad}");
    let unclosed = decode_err(&c, &format!(r#"{{"schema":{plain},"payload":{{"a"#));
    assert!(unclosed.contains("end of input"), "{unclosed}");
}
