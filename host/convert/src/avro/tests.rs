//! Unit tests of the AvroConverter's settings and schema mapping.

use serde_json::json;

use super::*;
use switchyard_data::SchemaType;

fn settings(pairs: &[(&str, &str)]) -> Vec<(String, String)> {
    pairs
        .iter()
        .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
        .collect()
}

#[test]
fn subject_name_strategies_follow_confluent() {
    let record = "product.public.products.Key";
    assert_eq!(
        SubjectNameStrategy::TopicName.subject("product-events", true, record),
        "product-events-key"
    );
    assert_eq!(
        SubjectNameStrategy::TopicName.subject("product-events", false, record),
        "product-events-value"
    );
    assert_eq!(
        SubjectNameStrategy::RecordName.subject("product-events", true, record),
        record
    );
    assert_eq!(
        SubjectNameStrategy::TopicRecordName.subject("product-events", true, record),
        "product-events-product.public.products.Key"
    );
}

#[test]
fn settings_take_the_strategy_of_their_side_and_refuse_unknown_keys() {
    let config = parse_config(
        &settings(&[
            ("schema.registry.url", "http://registry:8081"),
            (
                "key.subject.name.strategy",
                "io.confluent.kafka.serializers.subject.RecordNameStrategy",
            ),
            ("value.subject.name.strategy", "TopicRecordNameStrategy"),
            ("auto.register.schemas", "false"),
        ]),
        true,
    )
    .expect("valid");
    assert_eq!(
        config.subject_name_strategy,
        SubjectNameStrategy::RecordName
    );
    assert!(!config.auto_register_schemas);
    assert!(!config.use_latest_version);

    let error = parse_config(
        &settings(&[
            ("schema.registry.url", "http://registry:8081"),
            ("value.subject.name.strategy", "ByGuessStrategy"),
        ]),
        false,
    )
    .expect_err("unknown strategy");
    assert_eq!(error.key, "value.subject.name.strategy");

    let error = parse_config(
        &settings(&[
            ("schema.registry.url", "http://registry:8081"),
            ("schema.registry.ssl.truststore.location", "/x.jks"),
        ]),
        false,
    )
    .expect_err("unsupported key");
    assert_eq!(error.key, "schema.registry.ssl.truststore.location");

    let error = parse_config(&[], false).expect_err("no url");
    assert_eq!(error.key, "schema.registry.url");
}

#[test]
fn logical_types_and_metadata_map_as_avro_data_does() {
    let mut decimal = Schema::new(SchemaType::Bytes).named("org.apache.kafka.connect.data.Decimal");
    decimal.version = Some(1);
    decimal.parameters = vec![
        ("scale".into(), "2".into()),
        ("connect.decimal.precision".into(), "10".into()),
    ];
    let avro = ToAvro::convert(&decimal).expect("decimal");
    assert_eq!(
        avro,
        json!({"type":"bytes","scale":2,"precision":10,"connect.version":1,
               "connect.parameters":{"scale":"2","connect.decimal.precision":"10"},
               "connect.name":"org.apache.kafka.connect.data.Decimal","logicalType":"decimal"})
    );
    assert_eq!(ToConnect::default().convert(&avro).expect("back"), decimal);

    let date = Schema::new(SchemaType::Int32).named("org.apache.kafka.connect.data.Date");
    let avro = ToAvro::convert(&date).expect("date");
    assert_eq!(
        avro,
        json!({"type":"int","connect.name":"org.apache.kafka.connect.data.Date","logicalType":"date"})
    );
    // A plain Avro logical type, without Connect's properties, still maps to Connect's.
    let plain = ToConnect::default()
        .convert(&json!({"type":"long","logicalType":"timestamp-millis"}))
        .expect("timestamp");
    assert_eq!(
        plain.name.as_deref(),
        Some("org.apache.kafka.connect.data.Timestamp")
    );

    let small = ToAvro::convert(&Schema::new(SchemaType::Int16)).expect("int16");
    assert_eq!(small, json!({"type":"int","connect.type":"int16"}));
    assert_eq!(
        ToConnect::default().convert(&small).expect("back").kind,
        SchemaType::Int16
    );
}

#[test]
fn optional_fields_are_unions_with_null_and_a_non_null_default_goes_first() {
    let mut with_default = Schema::new(SchemaType::String).optional();
    with_default.default = Some(switchyard_data::Value::String("false".into()));
    let row = Schema::new(SchemaType::Struct)
        .named("a.Row")
        .field("name", Schema::new(SchemaType::String).optional())
        .field("snapshot", with_default);
    let avro = ToAvro::convert(&row).expect("row");
    assert_eq!(
        avro["fields"],
        json!([
            {"name":"name","type":["null","string"],"default":null},
            {"name":"snapshot","type":[{"type":"string","connect.default":"false"},"null"],"default":"false"}
        ])
    );
    let back = ToConnect::default().convert(&avro).expect("back");
    assert_eq!(back, row);
}

#[test]
fn struct_names_that_are_not_avro_names_are_refused() {
    let row = Schema::new(SchemaType::Struct)
        .named("shop.order-lines.Value")
        .field("id", Schema::new(SchemaType::Int32));
    let error = ToAvro::convert(&row).expect_err("hyphen");
    assert!(
        error.message().contains("shop.order-lines.Value"),
        "{}",
        error.message()
    );
}
