//! Confluent's AvroConverter against the strict registry fake: round trips of the fixtures,
//! the Avro schema of a products value, and `switchyard apply` over Avro records (subjects,
//! a registry that is down, a registry that refuses a schema, an unknown schema id).

use std::collections::BTreeSet;
use std::sync::Arc;

use base64::Engine as _;
use proptest::prelude::*;
use serde_json::{Value as Json, json};
use switchyard::convert::avro::ToAvro;
use switchyard::convert::{AvroConverter, Converter, JsonConverter};

use crate::common::header_text;
use switchyard::data::{ConnectData, Schema, SchemaType, Value};
use switchyard::schema::Level;

use crate::registry_fake::RegistryFake;
use crate::wire::{
    B64, MockRun, apply, apply_through_an_outage, decode_all, json_reference, part_bytes,
    products_fixture, read_lines, registry_connector, round_trip_fixtures, settings,
    subjects_since, wire_input,
};

/// The with-schema fixtures as Avro records, their schemas registered in `fake` under
/// TopicNameStrategy subjects: record JSONL with `key_base64` / `value_base64`.
fn avro_input(fake: &RegistryFake) -> String {
    wire_input(&avro(fake, true), &avro(fake, false))
}

/// The seed connector with AvroConverters on `fake` for keys and values, plus `extra` keys.
fn avro_connector(fake: &RegistryFake, extra: &[(&str, &str)]) -> String {
    registry_connector("io.confluent.connect.avro.AvroConverter", fake, extra)
}

/// An AvroConverter of `fake` (cold caches), retrying quickly.
fn avro(fake: &RegistryFake, is_key: bool) -> Converter {
    let url = fake.url();
    Converter::Avro(
        AvroConverter::configure(
            &settings(&[
                ("schema.registry.url", &url),
                ("max.retries", "1"),
                ("retries.wait.ms", "5"),
            ]),
            is_key,
        )
        .expect("avro converter"),
    )
}

#[test]
fn every_with_schema_fixture_round_trips_through_avro_to_identical_connect_data() {
    let fake = RegistryFake::start();
    round_trip_fixtures(
        |is_key| avro(&fake, is_key),
        |is_key| avro(&fake, is_key),
        |trip| assert_eq!(trip.back, trip.original, "{} of {}", trip.part, trip.line),
    );
    // TopicNameStrategy: one key and one value subject per table.
    assert_eq!(fake.subjects().len(), 14, "{:?}", fake.subjects());
    assert!(
        fake.subjects()
            .contains(&"product.public.products-value".to_owned())
    );
}

#[test]
fn the_avro_schema_of_a_products_value() {
    let data = products_fixture("value");
    let schema = ToAvro::convert(data.schema.as_deref().expect("schema")).expect("avro schema");
    insta::assert_snapshot!(
        "products_value_avro_schema",
        serde_json::to_string_pretty(&schema).expect("json")
    );
}

/// The seed routes seven tables to `product-events`. Under the default TopicNameStrategy their
/// schemas would share the subjects `product-events-key` / `-value`, and a registry at its
/// default BACKWARD level refuses every table's schema after the first (a real registry
/// does; the fake enforces the level too): such records are dead-lettered with the registry's
/// reason. Under TopicRecordNameStrategy each table has its own subjects and all are written.
#[test]
fn the_seed_chain_over_avro_fans_in_under_topic_record_name_subjects() {
    let fake = RegistryFake::start();
    let input = avro_input(&fake);
    let dir = tempfile::tempdir().expect("tempdir");
    let topic_name = avro_connector(&fake, &[("errors.tolerance", "all")]).replace(
        "io.confluent.kafka.serializers.subject.TopicRecordNameStrategy",
        "io.confluent.kafka.serializers.subject.TopicNameStrategy",
    );
    let before = fake.registrations().len();
    let (code, lines, stderr) = apply(dir.path(), &topic_name, &input, &[]);
    assert_eq!(code, 0, "{stderr}");
    assert!(
        lines.len() < 139,
        "a table's schemas refused: {}",
        lines.len()
    );
    assert!(stderr.contains("409"), "{stderr}");
    assert_eq!(
        subjects_since(&fake, before),
        BTreeSet::from([
            "product-events-key".to_owned(),
            "product-events-value".to_owned()
        ])
    );

    let previous_url = fake.url();
    let fake = RegistryFake::start();
    let input = avro_input(&fake);
    let before = fake.registrations().len();
    let (code, lines, stderr) = apply(dir.path(), &avro_connector(&fake, &[]), &input, &[]);
    assert_eq!(code, 0, "{stderr}");
    assert_eq!(lines.len(), 139);
    assert!(
        lines
            .iter()
            .all(|l| l.get("value_base64").is_some() || l["value"].is_null())
    );
    // A subject (or the registry) at NONE takes every table's schema under one subject.
    for global in [true, false] {
        let fake = RegistryFake::start();
        let input = avro_input(&fake);
        if global {
            fake.set_global_compatibility(Level::None);
        } else {
            fake.set_compatibility("product-events-key", Level::None);
            fake.set_compatibility("product-events-value", Level::None);
        }
        let topic_name = topic_name.replace(&previous_url, &fake.url());
        let (code, lines, stderr) = apply(dir.path(), &topic_name, &input, &[]);
        assert_eq!(code, 0, "{stderr}");
        assert_eq!(lines.len(), 139, "{stderr}");
    }
    let subjects = subjects_since(&fake, before);
    assert_eq!(subjects.len(), 14, "{subjects:?}");
    assert!(subjects.contains("product-events-product.public.products.Envelope"));
    assert!(subjects.contains("product-events-product.public.products.Key"));
    let decoded = decode_all(&lines, &avro(&fake, true), &avro(&fake, false));
    let reference = json_reference();
    assert_eq!(decoded.len(), reference.len());
    for (avro, json) in decoded.iter().zip(&reference) {
        assert_eq!(avro, json);
    }
    // The renamed key keeps its schema name, as ReplaceField does.
    let renamed = decoded[0].1.schema.as_deref().expect("key schema");
    assert_eq!(renamed.name.as_deref(), Some("product.public.products.Key"));
    assert_eq!(renamed.fields[0].name, "product_id");
}

#[test]
fn record_name_strategy_registers_under_the_record_names() {
    let fake = RegistryFake::start();
    let input = avro_input(&fake);
    let before = fake.registrations().len();
    let dir = tempfile::tempdir().expect("tempdir");
    let strategy = "io.confluent.kafka.serializers.subject.RecordNameStrategy";
    let config = avro_connector(
        &fake,
        &[
            ("key.converter.key.subject.name.strategy", strategy),
            ("value.converter.value.subject.name.strategy", strategy),
        ],
    );
    let (code, lines, stderr) = apply(dir.path(), &config, &input, &[]);
    assert_eq!(code, 0, "{stderr}");
    assert_eq!(lines.len(), 139);
    let subjects = subjects_since(&fake, before);
    assert!(
        subjects.contains("product.public.products.Key"),
        "{subjects:?}"
    );
    assert!(
        subjects.contains("product.public.products.Envelope"),
        "{subjects:?}"
    );
    assert!(
        subjects.contains("product.public.reviews.Key"),
        "{subjects:?}"
    );
    assert!(
        !subjects.iter().any(|s| s.starts_with("product-events")),
        "{subjects:?}"
    );
    assert_eq!(subjects.len(), 14, "{subjects:?}");
}

#[test]
fn a_registry_that_is_down_makes_apply_wait_and_succeed_when_it_returns() {
    let mut fake = RegistryFake::start();
    let input = avro_input(&fake);
    let config = avro_connector(&fake, &[]);
    apply_through_an_outage(&mut fake, &config, &input, 139);
}

#[test]
fn a_schema_the_registry_refuses_sends_the_record_to_the_dead_letter_file_with_the_reason() {
    let fake = RegistryFake::start();
    let input = avro_input(&fake);
    let strategy = "RecordNameStrategy";
    fake.reject_subject(
        "product.public.products.Key",
        "{errorType:'READER_FIELD_MISSING_DEFAULT_VALUE', description:'The field 'product_id' at path '/fields/0' in the new schema has no default value and is missing in the old schema'}",
    );
    let config = avro_connector(
        &fake,
        &[
            ("key.converter.key.subject.name.strategy", strategy),
            ("errors.tolerance", "all"),
            ("errors.deadletterqueue.context.headers.enable", "true"),
        ],
    );
    let dir = tempfile::tempdir().expect("tempdir");
    let dlq = dir.path().join("dlq.jsonl");
    let dlq_arg = dlq.to_str().expect("utf-8 path").to_owned();
    let (code, lines, stderr) = apply(dir.path(), &config, &input, &["--dlq", &dlq_arg]);
    assert_eq!(code, 0, "{stderr}");
    let dead = read_lines(&dlq);
    assert_eq!(dead.len(), 21, "every products record: {stderr}");
    assert_eq!(lines.len(), 139 - 21);
    for record in &dead {
        assert_eq!(record["topic"], "product.public.products");
        let header = |key: &str| header_text(record, key);
        assert_eq!(header("__connect.errors.stage"), "KEY_CONVERTER");
        let message = header("__connect.errors.exception.message");
        assert!(
            message.contains("READER_FIELD_MISSING_DEFAULT_VALUE"),
            "{message}"
        );
        assert!(message.contains("409"), "{message}");
        assert!(message.contains("product.public.products.Key"), "{message}");
    }
    // Nothing refused was written.
    assert!(lines.iter().all(|l| l["topic"] == "product-events"));
}

/// An id the registry does not know, once `unknown.schema.wait.ms` is over (zero here), is the
/// record's failure, named.
#[test]
fn an_unknown_schema_id_is_a_bad_record_with_a_clear_message() {
    let fake = RegistryFake::start();
    let mut bytes = vec![0u8, 0, 0, 0x10, 0x92];
    bytes.extend_from_slice(b"\x0cabc");
    let input = format!(
        "{}\n",
        json!({"topic": "product.public.products", "key": null, "value_base64": B64.encode(&bytes)})
    );
    let dir = tempfile::tempdir().expect("tempdir");
    let config = avro_connector(&fake, &[("value.converter.unknown.schema.wait.ms", "0")]);
    let (code, lines, stderr) = apply(dir.path(), &config, &input, &[]);
    assert_eq!(code, 1, "{stderr}");
    assert!(lines.is_empty());
    assert!(
        stderr.contains("Error retrieving Avro value schema for id 4242"),
        "{stderr}"
    );
    assert!(stderr.contains("error code 40403"), "{stderr}");
    assert!(stderr.contains("VALUE_CONVERTER"), "{stderr}");
}

/// A registry that is restarting answers 40403 for ids it holds: such a record waits (as for
/// an outage) and is written once the registry knows the id again, never dead-lettered.
#[test]
fn an_id_the_registry_learns_while_the_record_waits_is_written() {
    let fake = RegistryFake::start();
    let known = fake.register("seed-value", r#""long""#);
    // The id the next schema registered will get: not known yet.
    let id = known + 1;
    let mut bytes = vec![0u8];
    bytes.extend_from_slice(&id.to_be_bytes());
    bytes.push(0x06); // the string "abc": its length 3, zig-zag
    bytes.extend_from_slice(b"abc");
    let input = format!(
        "{}\n",
        json!({"topic": "late", "key": null, "value_base64": B64.encode(&bytes)})
    );
    let config = avro_connector(
        &fake,
        &[
            ("errors.tolerance", "all"),
            ("errors.retry.delay.max.ms", "50"),
        ],
    );
    // Once the record has asked for the id (and been told 40403), the registry learns it.
    let path = format!("/schemas/ids/{id}");
    let asked = || fake.requests().iter().any(|r| r.url.starts_with(&path));
    std::thread::scope(|scope| {
        scope.spawn(|| {
            while !asked() {
                std::thread::yield_now();
            }
            fake.register("late-value", r#""string""#);
        });
        let dir = tempfile::tempdir().expect("tempdir");
        let dlq = dir.path().join("dlq.jsonl");
        let dlq_arg = dlq.to_str().expect("utf-8 path").to_owned();
        let (code, lines, stderr) = apply(dir.path(), &config, &input, &["--dlq", &dlq_arg]);
        assert_eq!(code, 0, "{stderr}");
        assert_eq!(lines.len(), 1, "{stderr}");
        assert!(read_lines(&dlq).is_empty(), "{stderr}");
    });
}

/// Ten bytes claiming 512 Mi longs (an array block count of 2^29 against a registered
/// `{"type":"array","items":"long"}`) once made the Avro decoder reserve 30 GB and abort the
/// process; sixteen Mi empty records grew it to gigabytes. Each is now that record's converter
/// error: under `errors.tolerance=all` it goes to the dead-letter file with the reason, and the
/// records around it are written.
#[test]
fn avro_records_claiming_more_items_than_their_bytes_are_dead_lettered_and_the_rest_written() {
    let fake = RegistryFake::start();
    let good = avro_input(&fake);
    let longs = fake.register("hostile-value", r#"{"type":"array","items":"long"}"#);
    let empties = fake.register(
        "hostile-value",
        r#"{"type":"array","items":{"type":"record","name":"E","fields":[]}}"#,
    );
    let poison = |id: u32, datum: &[u8]| {
        let mut bytes = vec![0u8];
        bytes.extend_from_slice(&id.to_be_bytes());
        bytes.extend_from_slice(datum);
        json!({"topic": "hostile", "key": null, "value_base64": B64.encode(bytes)}).to_string()
    };
    let mut lines: Vec<String> = good.lines().map(str::to_owned).collect();
    lines.insert(3, poison(longs, &[0x80, 0x80, 0x80, 0x80, 0x04, 0x02]));
    lines.insert(70, poison(empties, &[0x80, 0x80, 0x80, 0x10, 0x00]));
    let input = lines.join("\n") + "\n";
    // A chain that reads every value (an untouched value passes through undecoded).
    let config = avro_connector(
        &fake,
        &[
            ("transforms", "unwrap"),
            (
                "transforms.unwrap.type",
                "io.debezium.transforms.ExtractNewRecordState",
            ),
            ("errors.tolerance", "all"),
            ("errors.deadletterqueue.context.headers.enable", "true"),
        ],
    );
    let dir = tempfile::tempdir().expect("tempdir");
    let (code, expected, stderr) = apply(dir.path(), &config, &good, &[]);
    assert_eq!(code, 0, "{stderr}");
    let dlq = dir.path().join("dlq.jsonl");
    let dlq_arg = dlq.to_str().expect("utf-8 path").to_owned();
    let (code, written, stderr) = apply(dir.path(), &config, &input, &["--dlq", &dlq_arg]);
    assert_eq!(code, 0, "{stderr}");
    assert!(!expected.is_empty());
    assert_eq!(
        written, expected,
        "every good record, as without the poison: {stderr}"
    );
    let dead = read_lines(&dlq);
    assert_eq!(dead.len(), 2, "{stderr}");
    let header = header_text;
    for (record, claim) in dead.iter().zip(["536870912 items", "take no bytes"]) {
        assert_eq!(record["topic"], "hostile");
        assert_eq!(header(record, "__connect.errors.stage"), "VALUE_CONVERTER");
        let message = header(record, "__connect.errors.exception.message");
        assert!(
            message.contains("Failed to deserialize data for topic hostile to Avro"),
            "{message}"
        );
        assert!(message.contains(claim), "{message}");
    }
}

/// A value no transform touches is still read as Kafka's converter reads it: a datum that
/// cannot decode (a block claiming more items than its bytes, an enum index past the symbols,
/// a record cut short) is dead-lettered at `VALUE_CONVERTER`, and the good records pass
/// through as they came.
#[test]
fn untouched_avro_values_that_cannot_decode_are_dead_lettered() {
    let fake = RegistryFake::start();
    let good = avro_input(&fake);
    let longs = fake.register("hostile-value", r#"{"type":"array","items":"long"}"#);
    let colour = fake.register(
        "hostile-value",
        r#"{"type":"enum","name":"Colour","symbols":["RED","GREEN"]}"#,
    );
    let pair = fake.register(
        "hostile-value",
        r#"{"type":"record","name":"P","fields":[{"name":"a","type":"long"},{"name":"b","type":"string"}]}"#,
    );
    let framed = |id: u32, datum: &[u8]| {
        let mut bytes = vec![0u8];
        bytes.extend_from_slice(&id.to_be_bytes());
        bytes.extend_from_slice(datum);
        json!({"topic": "hostile", "key": null, "value_base64": B64.encode(bytes)}).to_string()
    };
    let mut lines: Vec<String> = good.lines().map(str::to_owned).collect();
    lines.insert(2, framed(longs, &[0x80, 0x80, 0x80, 0x80, 0x04, 0x02]));
    lines.insert(5, framed(colour, &[0x04]));
    lines.insert(9, framed(pair, &[0x02, 0x08, b'a']));
    lines.insert(12, framed(colour, &[0x02]));
    // Routed to product-events by the seed's RegexRouter: the failure names the topic the
    // value was read from, as Kafka's converter (which runs before the router) does.
    let routed = framed(colour, &[0x06]).replace("\"hostile\"", "\"product.public.products\"");
    lines.insert(14, routed);
    let input = lines.join("\n") + "\n";
    let config = avro_connector(
        &fake,
        &[
            ("errors.tolerance", "all"),
            ("errors.deadletterqueue.context.headers.enable", "true"),
        ],
    );
    let dir = tempfile::tempdir().expect("tempdir");
    let dlq = dir.path().join("dlq.jsonl");
    let dlq_arg = dlq.to_str().expect("utf-8 path").to_owned();
    let (code, written, stderr) = apply(dir.path(), &config, &input, &["--dlq", &dlq_arg]);
    assert_eq!(code, 0, "{stderr}");
    // The good records and the one good enum value, written.
    assert_eq!(written.len(), good.lines().count() + 1, "{stderr}");
    let dead = read_lines(&dlq);
    assert_eq!(dead.len(), 4, "{stderr}");
    for (record, why) in dead.iter().zip([
        "536870912 items",
        "enum index 2",
        "only 1 bytes are left",
        "for topic product.public.products to Avro: enum index 3",
    ]) {
        assert_eq!(
            header_text(record, "__connect.errors.stage"),
            "VALUE_CONVERTER"
        );
        let message = header_text(record, "__connect.errors.exception.message");
        assert!(message.contains(why), "{message}");
    }
}

/// A writer's schema that names a type from another subject (a schema reference) decodes,
/// its references resolved before it, and passes the datum check: Confluent's deserializer
/// reads such records, Karapace and Confluent's registry serve them.
#[test]
fn a_schema_with_references_decodes_and_passes_through() {
    let fake = RegistryFake::start();
    fake.register(
        "address",
        r#"{"type":"record","name":"Address","namespace":"shop","fields":[{"name":"city","type":"string"}]}"#,
    );
    let id = fake.register_with_references(
        "person-value",
        r#"{"type":"record","name":"Person","namespace":"shop","fields":[{"name":"name","type":"string"},{"name":"home","type":"shop.Address"}]}"#,
        json!([{"name": "shop.Address", "subject": "address", "version": 1}]),
    );
    // Person{name: "Ann", home: Address{city: "Oslo"}}.
    let mut bytes = vec![0u8];
    bytes.extend_from_slice(&id.to_be_bytes());
    bytes.extend_from_slice(&[0x06, b'A', b'n', b'n', 0x08, b'O', b's', b'l', b'o']);
    let converter = avro(&fake, false);
    let data = converter
        .to_connect("person", Some(&bytes))
        .unwrap_or_else(|e| panic!("{}", e.message()));
    let schema = data.schema.as_deref().expect("schema");
    assert_eq!(schema.fields[1].name, "home");
    assert_eq!(
        schema.fields[1].schema.name.as_deref(),
        Some("shop.Address")
    );
    assert_eq!(
        converter
            .check("person", Some(&bytes))
            .map_err(|e| e.into_message()),
        Ok(None)
    );
    // Cut short, the same datum is refused by the check.
    assert!(converter.check("person", Some(&bytes[..8])).is_err());
    // Written with the subject's latest schema (`use.latest.version`), references and all:
    // the same bytes. (A new converter for each check: one keeps the latest schema it found.)
    let latest = || {
        Converter::Avro(
            AvroConverter::configure(
                &settings(&[
                    ("schema.registry.url", &fake.url()),
                    ("auto.register.schemas", "false"),
                    ("use.latest.version", "true"),
                ]),
                false,
            )
            .expect("avro converter"),
        )
    };
    let written = latest()
        .from_connect("person", &data)
        .unwrap_or_else(|e| panic!("{}", e.message()));
    assert_eq!(written.as_deref(), Some(&bytes[..]));
    // A latest schema that names the referenced type and cannot read the record's schema (a
    // field without a default that the record lacks) is refused by
    // `latest.compatibility.strict`, its references resolved for the check.
    fake.register_with_references(
        "person-value",
        r#"{"type":"record","name":"Person","namespace":"shop","fields":[{"name":"name","type":"string"},{"name":"home","type":"shop.Address"},{"name":"age","type":"int"}]}"#,
        json!([{"name": "shop.Address", "subject": "address", "version": 1}]),
    );
    let error = latest()
        .from_connect("person", &data)
        .expect_err("the latest cannot read the record");
    assert!(
        error
            .message()
            .contains("latest.compatibility.strict=false"),
        "{}",
        error.message()
    );
}

/// With `use.latest.version`, a record whose schema differs from the subject's latest is
/// written with the latest, field by name, as Confluent's serializer writes it: a field only
/// the latest has (optional) is null, a field only the record has is left out. With
/// `latest.compatibility.strict` (the default) a latest schema that cannot read the record's
/// fails the record, naming the setting.
#[test]
fn use_latest_version_writes_records_of_other_schemas_with_the_latest() {
    let fake = RegistryFake::start();
    let latest = fake.register(
        "evolving-value",
        r#"{"type":"record","name":"R","fields":[{"name":"a","type":"long"},{"name":"c","type":["null","string"],"default":null}]}"#,
    );
    let json = JsonConverter::configure(&[], false).expect("json");
    let data = json
        .to_connect(
            "evolving",
            Some(br#"{"schema":{"type":"struct","name":"R","optional":false,"fields":[{"field":"a","type":"int64","optional":false},{"field":"b","type":"string","optional":false}]},"payload":{"a":3,"b":"gone"}}"#),
        )
        .expect("json");
    let converter = |strict: &str| {
        Converter::Avro(
            AvroConverter::configure(
                &settings(&[
                    ("schema.registry.url", &fake.url()),
                    ("auto.register.schemas", "false"),
                    ("use.latest.version", "true"),
                    ("latest.compatibility.strict", strict),
                ]),
                false,
            )
            .expect("avro converter"),
        )
    };
    let written = converter("true")
        .from_connect("evolving", &data)
        .unwrap_or_else(|e| panic!("{}", e.message()))
        .expect("bytes");
    let mut expected = vec![0u8];
    expected.extend_from_slice(&latest.to_be_bytes());
    expected.extend_from_slice(&[0x06, 0x00]); // a = 3, c = null
    assert_eq!(written, expected);

    // A latest schema that needs a field the record does not have.
    let fake_strict = fake.register(
        "evolving-value",
        r#"{"type":"record","name":"R","fields":[{"name":"a","type":"long"},{"name":"d","type":"string"}]}"#,
    );
    assert!(fake_strict > latest);
    let error = converter("true")
        .from_connect("evolving", &data)
        .expect_err("not backward compatible");
    assert!(
        error
            .message()
            .contains("latest.compatibility.strict=false"),
        "{}",
        error.message()
    );
    let error = converter("false")
        .from_connect("evolving", &data)
        .expect_err("no value for d");
    assert!(error.message().contains("field d"), "{}", error.message());
}

#[test]
fn bytes_without_the_magic_byte_are_refused() {
    let fake = RegistryFake::start();
    let converter = avro(&fake, false);
    let error = converter
        .to_connect("t", Some(b"{\"id\":1}"))
        .expect_err("not Avro");
    assert_eq!(
        error.message(),
        "Failed to deserialize data for topic t to Avro: Unknown magic byte!"
    );
    assert!(!error.is_transient());
    assert!(fake.requests().is_empty());
}

/// A struct with one field of each kind the mapping knows.
fn sample_schema() -> Arc<Schema> {
    let mut decimal = Schema::new(SchemaType::Bytes).named("org.apache.kafka.connect.data.Decimal");
    decimal.parameters = vec![
        ("scale".into(), "2".into()),
        ("connect.decimal.precision".into(), "10".into()),
    ];
    decimal.version = Some(1);
    let mut date = Schema::new(SchemaType::Int32).named("org.apache.kafka.connect.data.Date");
    date.version = Some(1);
    let mut timestamp =
        Schema::new(SchemaType::Int64).named("org.apache.kafka.connect.data.Timestamp");
    timestamp.version = Some(1);
    let mut items = Schema::new(SchemaType::Array);
    items.value_schema = Some(Arc::new(Schema::new(SchemaType::Int32)));
    let mut map = Schema::new(SchemaType::Map);
    map.key_schema = Some(Arc::new(Schema::new(SchemaType::String)));
    map.value_schema = Some(Arc::new(Schema::new(SchemaType::Int64).optional()));
    let mut status = Schema::new(SchemaType::String)
        .optional()
        .named("io.debezium.data.Enum");
    status.parameters = vec![("allowed".into(), "a,b".into())];
    status.default = Some(Value::String("a".into()));
    status.version = Some(1);
    let mut doc = Schema::new(SchemaType::String);
    doc.doc = Some("a documented field".into());
    Arc::new(
        Schema::new(SchemaType::Struct)
            .named("sample.Row")
            .field("i8", Schema::new(SchemaType::Int8))
            .field("i16", Schema::new(SchemaType::Int16))
            .field("i32", Schema::new(SchemaType::Int32))
            .field("i64", Schema::new(SchemaType::Int64).optional())
            .field("f32", Schema::new(SchemaType::Float32))
            .field("f64", Schema::new(SchemaType::Float64))
            .field("flag", Schema::new(SchemaType::Boolean))
            .field("name", Schema::new(SchemaType::String).optional())
            .field("raw", Schema::new(SchemaType::Bytes))
            .field("price", decimal)
            .field("day", date)
            .field("at", timestamp)
            .field("items", items)
            .field("counts", map)
            .field("status", status)
            .field("documented", doc),
    )
}

prop_compose! {
    fn sample_value()(
        i8v in any::<i8>(), i16v in any::<i16>(), i32v in any::<i32>(),
        i64v in proptest::option::of(any::<i64>()),
        f32v in any::<f32>().prop_filter("NaN is not equal to itself", |f| !f.is_nan()),
        f64v in any::<f64>().prop_filter("NaN is not equal to itself", |f| !f.is_nan()),
        flag in any::<bool>(), name in proptest::option::of(".{0,12}"),
        raw in proptest::collection::vec(any::<u8>(), 0..16),
        price in any::<i64>(), day in any::<i32>(), at in any::<i64>(),
        items in proptest::collection::vec(any::<i32>(), 0..5),
        counts in proptest::collection::btree_map("[a-z]{1,4}", proptest::option::of(any::<i64>()), 0..4),
        status in proptest::option::of("[ab]"),
        documented in "[a-z ]{0,8}",
    ) -> Value {
        let opt = |v: Option<Value>| v.unwrap_or(Value::Null);
        Value::Struct(vec![
            Value::Int8(i8v), Value::Int16(i16v), Value::Int32(i32v),
            opt(i64v.map(Value::Int64)), Value::Float32(f32v), Value::Float64(f64v),
            Value::Boolean(flag), opt(name.map(|s| Value::String(s.into()))), Value::Bytes(raw),
            Value::Bytes(price.to_be_bytes().to_vec()), Value::Int32(day), Value::Int64(at),
            Value::Array(items.into_iter().map(Value::Int32).collect()),
            Value::Map(counts.into_iter().map(|(k, v)| (Value::String(k.into()), opt(v.map(Value::Int64)))).collect()),
            opt(status.map(|s| Value::String(s.into()))), Value::String(documented.into()),
        ])
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(64))]

    /// Connect → Avro → Connect gives the same schema and value, for every field kind.
    #[test]
    fn connect_data_round_trips_through_avro(value in sample_value()) {
        let fake = RegistryFake::start();
        let data = ConnectData { schema: Some(sample_schema()), value };
        let bytes = avro(&fake, false)
            .from_connect("samples", &data)
            .expect("encodes")
            .expect("bytes");
        let back = avro(&fake, false).to_connect("samples", Some(&bytes)).expect("decodes");
        // Decimals come back as their minimal two's complement bytes.
        let normalise = |d: &ConnectData| {
            let mut d = d.clone();
            if let Value::Struct(values) = &mut d.value
                && let Value::Bytes(b) = &values[9]
            {
                let n = i64::from_be_bytes(
                    std::iter::repeat_n(if b.first().is_some_and(|x| x & 0x80 != 0) { 0xff } else { 0 }, 8 - b.len().min(8))
                        .chain(b.iter().copied())
                        .collect::<Vec<u8>>()
                        .try_into()
                        .expect("8 bytes"),
                );
                values[9] = Value::Int64(n);
            }
            d
        };
        prop_assert_eq!(normalise(&back), normalise(&data));
    }
}

fn avro_with(fake: &RegistryFake, is_key: bool, extra: &[(&str, &str)]) -> Converter {
    let url = fake.url();
    let mut pairs = vec![
        ("schema.registry.url", url.as_str()),
        ("max.retries", "1"),
        ("retries.wait.ms", "1"),
    ];
    pairs.extend_from_slice(extra);
    Converter::Avro(AvroConverter::configure(&settings(&pairs), is_key).expect("avro converter"))
}

#[test]
fn without_auto_registration_the_schema_must_already_be_registered() {
    let fake = RegistryFake::start();
    let key = products_fixture("key");
    // Within `unknown.schema.wait.ms` a subject the registry does not know is waited for (a
    // restarting registry answers 40401 for subjects it holds)…
    let waiting = avro_with(&fake, true, &[("auto.register.schemas", "false")]);
    let error = waiting
        .from_connect("product-events", &key)
        .expect_err("not registered");
    assert!(error.is_transient(), "{}", error.message());
    assert!(
        error.message().contains("unknown.schema.wait.ms"),
        "{}",
        error.message()
    );
    // … after it, the record fails.
    let converter = avro_with(
        &fake,
        true,
        &[
            ("auto.register.schemas", "false"),
            ("unknown.schema.wait.ms", "0"),
        ],
    );
    let error = converter
        .from_connect("product-events", &key)
        .expect_err("not registered");
    assert!(!error.is_transient());
    assert!(
        error.message().contains("product-events-key"),
        "{}",
        error.message()
    );
    assert!(error.message().contains("40401"), "{}", error.message());
    assert!(fake.registrations().is_empty(), "nothing was registered");

    let text = ToAvro::convert(key.schema.as_deref().expect("schema"))
        .expect("avro")
        .to_string();
    let id = fake.register("product-events-key", &text);
    let bytes = converter
        .from_connect("product-events", &key)
        .expect("looked up")
        .expect("bytes");
    assert_eq!(bytes[1..5], id.to_be_bytes());
    assert_eq!(
        fake.requests().last().map(|r| r.url.clone()).as_deref(),
        Some("/subjects/product-events-key")
    );
}

#[test]
fn use_latest_version_writes_the_id_of_the_subjects_latest_schema() {
    let fake = RegistryFake::start();
    let key = products_fixture("key");
    let text = ToAvro::convert(key.schema.as_deref().expect("schema"))
        .expect("avro")
        .to_string();
    fake.register("unrelated", r#""string""#);
    let id = fake.register("product-events-key", &text);
    let converter = avro_with(&fake, true, &[("use.latest.version", "true")]);
    let bytes = converter
        .from_connect("product-events", &key)
        .expect("encodes")
        .expect("bytes");
    assert_eq!(bytes[1..5], id.to_be_bytes());
    assert!(
        fake.registrations().is_empty(),
        "use.latest.version registers nothing"
    );
    let back = avro(&fake, true)
        .to_connect("product-events", Some(&bytes))
        .expect("decodes");
    assert_eq!(back, key);
}

#[test]
fn server_errors_while_encoding_are_transient_and_waited_out() {
    let fake = RegistryFake::start();
    let converter = avro_with(&fake, true, &[]);
    let key = products_fixture("key");
    fake.fail_next(3);
    let error = converter
        .from_connect("product-events", &key)
        .expect_err("two 500s in a row");
    assert!(error.is_transient(), "{}", error.message());
    assert!(error.message().contains("50001"), "{}", error.message());
    let bytes = switchyard::convert::retry_transient(
        std::time::Duration::from_millis(1),
        &|| false,
        || converter.from_connect("product-events", &key),
    )
    .expect("the registry answers again")
    .expect("bytes");
    assert_eq!(bytes[0], 0);
    assert_eq!(fake.registrations().len(), 1);
}

/// The Avro `products` records of the fixtures, produced to the mock cluster (which has a
/// `dlq` topic too), and a connector with Avro converters on the registry fake returned that
/// dead-letters to `dlq`.
fn products_on_the_mock_cluster() -> (RegistryFake, MockRun) {
    let fake = RegistryFake::start();
    let records: Vec<Json> = avro_input(&fake)
        .lines()
        .map(|l| serde_json::from_str::<Json>(l).expect("line"))
        .filter(|l| l["topic"] == "product.public.products")
        .collect();
    let connector = avro_connector(
        &fake,
        &[
            ("errors.tolerance", "all"),
            ("errors.deadletterqueue.topic.name", "dlq"),
        ],
    );
    let run = MockRun::produce(&connector, records, &["dlq"]);
    (fake, run)
}

/// `switchyard run` over the mock cluster: while the registry is down the runner waits (no
/// record is dead-lettered or skipped); once it is back every record arrives, in Avro.
#[test]
fn a_registry_that_is_down_makes_run_wait_and_deliver_everything_when_it_returns() {
    use crate::brokers::{Reader, wait_for};
    use std::time::Duration;

    let (mut fake, run) = products_on_the_mock_cluster();
    fake.go_down();
    let mut runner = run.start(&[]);
    // The runner's log lives in `dir`: it is kept until the end.
    let MockRun {
        records,
        cluster,
        dir: _dir,
        ..
    } = run;
    wait_for(
        "the runner to wait for the registry",
        Duration::from_secs(60),
        || {
            runner.assert_running();
            runner.log().contains("retrying in").then_some(())
        },
    );
    fake.come_up();
    let mut out = Reader::new(&cluster.bootstrap, &[("product-events", 1)]);
    out.read_at_least(records.len(), Duration::from_secs(60));
    let status = runner.terminate(Duration::from_secs(60));
    assert!(status.success(), "{}", runner.log());
    let log = runner.log();
    assert!(log.contains("unavailable"), "{log}");
    let summary = format!(
        "records in: {n}, out: {n}, filtered: 0, failed: 0, dead-lettered: 0",
        n = records.len()
    );
    assert!(
        log.contains(&summary),
        "nothing is dead-lettered for an outage: {log}"
    );
    let (key, value) = (avro(&fake, true), avro(&fake, false));
    let reference: Vec<_> = json_reference()
        .into_iter()
        .filter(|(_, k, _)| {
            k.schema.as_deref().and_then(|s| s.name.as_deref())
                == Some("product.public.products.Key")
        })
        .collect();
    assert_eq!(out.records.len(), reference.len());
    for (record, (_, k, v)) in out.records.iter().zip(&reference) {
        assert_eq!(
            &key.to_connect("product-events", record.key.as_deref())
                .expect("key"),
            k
        );
        assert_eq!(
            &value
                .to_connect("product-events", record.value.as_deref())
                .expect("value"),
            v
        );
    }
}

/// `switchyard run` with a poison Avro key among good records (a block claiming 512 Mi longs):
/// the good records arrive, the poison one is in the dead-letter topic, the process stays up.
#[test]
fn a_poison_avro_record_in_run_is_dead_lettered_and_the_runner_stays_up() {
    use crate::brokers::{Reader, Rec, produce, wait_for};
    use std::time::Duration;

    let (fake, run) = products_on_the_mock_cluster();
    let hostile = fake.register("hostile-key", r#"{"type":"array","items":"long"}"#);
    let mut poison = vec![0u8];
    poison.extend_from_slice(&hostile.to_be_bytes());
    poison.extend_from_slice(&[0x80, 0x80, 0x80, 0x80, 0x04, 0x02]);
    let first = &run.records[0];
    produce(
        &run.cluster.bootstrap,
        &[
            Rec {
                topic: "product.public.products".into(),
                partition: -1,
                key: Some(poison.clone()),
                value: part_bytes(first, "value"),
                headers: Vec::new(),
            },
            Rec {
                topic: "product.public.products".into(),
                partition: -1,
                key: part_bytes(first, "key"),
                value: part_bytes(first, "value"),
                headers: Vec::new(),
            },
        ],
    );
    let mut runner = run.start(&[]);
    let good = run.records.len() + 1;
    let mut out = Reader::new(&run.cluster.bootstrap, &[("product-events", 1), ("dlq", 1)]);
    wait_for("every record", Duration::from_secs(60), || {
        out.poll();
        runner.assert_running();
        (out.records.len() > good).then_some(())
    });
    let dead: Vec<_> = out.records.iter().filter(|r| r.topic == "dlq").collect();
    assert_eq!(dead.len(), 1, "{}", runner.log());
    assert_eq!(
        dead[0].key.as_deref(),
        Some(poison.as_slice()),
        "the original bytes"
    );
    assert_eq!(out.records.len() - dead.len(), good);
    let status = runner.terminate(Duration::from_secs(60));
    assert!(status.success(), "{}", runner.log());
    assert!(
        runner.log().contains("dead-lettered: 1"),
        "{}",
        runner.log()
    );
}

/// A registry outage longer than `max.poll.interval.ms`: while the record waits, the runner
/// keeps polling with its partitions paused (as `WorkerSinkTask` does), so librdkafka never
/// declares the poll interval exceeded and the group never revokes its partitions; once the
/// registry is back every record arrives once.
#[test]
fn a_long_registry_outage_keeps_the_runner_in_its_group() {
    use crate::brokers::{Reader, wait_for};
    use std::time::Duration;

    let (mut fake, run) = products_on_the_mock_cluster();
    fake.go_down();
    let mut runner = run.start(&[
        "--property",
        "consumer.session.timeout.ms=6000",
        "--property",
        "consumer.max.poll.interval.ms=6000",
    ]);
    // The runner's log lives in `dir`: it is kept until the end.
    let MockRun {
        records,
        cluster,
        dir: _dir,
        ..
    } = run;
    // Waits of 300, 600, 1200, 2400 and 4800 ms: the sixth retry comes after 9.3 s of outage,
    // half as long again as the poll interval.
    wait_for(
        "six retries against the registry",
        Duration::from_secs(90),
        || {
            runner.assert_running();
            (runner.log().matches("retrying in").count() >= 6).then_some(())
        },
    );
    fake.come_up();
    let mut out = Reader::new(&cluster.bootstrap, &[("product-events", 1)]);
    out.read_at_least(records.len(), Duration::from_secs(60));
    let status = runner.terminate(Duration::from_secs(60));
    let log = runner.log();
    assert!(status.success(), "{log}");
    assert!(!log.contains("poll interval"), "{log}");
    // One assignment, and one revocation: the shutdown's.
    assert_eq!(log.matches("partitions assigned").count(), 1, "{log}");
    assert_eq!(log.matches("partitions revoked").count(), 1, "{log}");
    let summary = format!(
        "records in: {n}, out: {n}, filtered: 0, failed: 0, dead-lettered: 0",
        n = records.len()
    );
    assert!(log.contains(&summary), "{log}");
    assert_eq!(out.records.len(), records.len());
}

/// SIGTERM while a record waits for a registry that is down stops the runner (exit 1, naming
/// the record) without failing, dead-lettering or committing the record; once the registry is
/// back, the next run delivers everything.
#[test]
fn a_shutdown_while_the_registry_is_down_leaves_the_record_for_the_next_run() {
    use crate::brokers::{Reader, Runner, wait_for};
    use std::time::Duration;

    let (mut fake, run) = products_on_the_mock_cluster();
    let args = run.args(&[
        // The mock cluster keeps the first member in the group until its session times out.
        "--property",
        "consumer.session.timeout.ms=6000",
    ]);
    let MockRun {
        records,
        cluster,
        dir,
        ..
    } = &run;
    fake.go_down();
    let mut first = Runner::start(&args, &dir.path().join("first.log"));
    wait_for(
        "the runner to wait for the registry",
        Duration::from_secs(60),
        || {
            first.assert_running();
            first.log().contains("retrying in").then_some(())
        },
    );
    let status = first.terminate(Duration::from_secs(60));
    let log = first.log();
    assert_eq!(status.code(), Some(1), "{log}");
    assert!(
        log.contains("stopped while waiting for product.public.products[0]@0"),
        "{log}"
    );

    fake.come_up();
    let mut second = Runner::start(&args, &dir.path().join("second.log"));
    let mut out = Reader::new(&cluster.bootstrap, &[("product-events", 1)]);
    out.read_at_least(records.len(), Duration::from_secs(60));
    let status = second.terminate(Duration::from_secs(60));
    assert!(status.success(), "{}", second.log());
    assert_eq!(out.records.len(), records.len());
    let summary = format!(
        "records in: {n}, out: {n}, filtered: 0, failed: 0, dead-lettered: 0",
        n = records.len()
    );
    assert!(second.log().contains(&summary), "{}", second.log());
}
