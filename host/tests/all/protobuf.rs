//! Confluent's ProtobufConverter against the strict registry fake: round trips of the fixtures,
//! the `.proto` of a products value, `switchyard apply` of the seed chain and the document
//! chain over Protobuf records, references, records it cannot read, and a registry outage.

use serde_json::{Value as Json, json};
use switchyard::convert::{Converter, ProtobufConverter};
use switchyard::data::{ConnectData, Value};

use crate::registry_fake::RegistryFake;
use crate::wire::{
    DOCUMENTS, SEED, apply, apply_through_an_outage, assert_outage_is_transient,
    assert_registered_as, assert_run_writes_what_apply_wrote, chain_over_wire, confluent_python,
    interop, part_bytes, products_fixture, registry_connector, round_trip_fixtures, settings,
    wire_input,
};

const CLASS: &str = "io.confluent.connect.protobuf.ProtobufConverter";

/// Wrappers keep an optional scalar's null apart from its default (`wrapper.for.nullables`).
const WRAPPERS: (&str, &str) = ("wrapper.for.nullables", "true");

/// A ProtobufConverter of `fake` (cold caches) with `extra` settings.
fn converter(fake: &RegistryFake, is_key: bool, extra: &[(&str, &str)]) -> Converter {
    let url = fake.url();
    let mut pairs = vec![
        ("schema.registry.url", url.as_str()),
        ("max.retries", "1"),
        ("retries.wait.ms", "5"),
    ];
    pairs.extend_from_slice(extra);
    Converter::Protobuf(
        ProtobufConverter::configure(&settings(&pairs), is_key).expect("protobuf converter"),
    )
}

/// The connector settings of ProtobufConverters with wrappers and messages' full names
/// (`enhanced.protobuf.schema.support`), for keys and values.
const CONNECTOR_SETTINGS: [(&str, &str); 4] = [
    ("key.converter.wrapper.for.nullables", "true"),
    ("value.converter.wrapper.for.nullables", "true"),
    ("key.converter.enhanced.protobuf.schema.support", "true"),
    ("value.converter.enhanced.protobuf.schema.support", "true"),
];

/// The seed connector with ProtobufConverters on `fake` for keys and values, with wrappers and
/// messages' full names.
fn seed_connector(fake: &RegistryFake) -> String {
    registry_connector(CLASS, fake, &CONNECTOR_SETTINGS)
}

/// The chain of the connector file `file` over the fixtures as Protobuf records (wrappers and
/// full names) writes the Connect data it writes over JSON, as Protobuf, the record name of a
/// products value being `products_value` ([`chain_over_wire`]).
///
/// Values are compared, and schemas by their shape only (types, optionality, field names in
/// order), as Protobuf's mapping legitimately differs from JSON's in the rest: a field read
/// from a message carries its number in the `io.confluent.connect.protobuf.Tag` parameter, a
/// struct is named by its message (the simple name, as the reader has no
/// `enhanced.protobuf.schema.support`), a string keeps no Connect name or version (Debezium's
/// `io.debezium.time.ZonedTimestamp`), and a field written as a message (a struct, a
/// `Decimal`) is optional, as proto3 reads every message field.
fn chain_over_protobuf(file: &str, products_value: &str) {
    let run = chain_over_wire(
        file,
        CLASS,
        "PROTOBUF",
        &CONNECTOR_SETTINGS,
        products_value,
        |fake, is_key| converter(fake, is_key, &[WRAPPERS]),
    );
    for ((topic, key, value), (json_topic, json_key, json_value)) in
        run.decoded.iter().zip(&run.reference)
    {
        assert_eq!(topic, json_topic);
        for (protobuf, json) in [(key, json_key), (value, json_value)] {
            assert_eq!(protobuf.value, json.value);
            assert_eq!(
                protobuf.schema.as_deref().map(shape),
                json.schema.as_deref().map(shape)
            );
        }
    }
}

/// A schema's type, optionality (but for a message's) and field names, nested, without names
/// or parameters.
fn shape(schema: &switchyard::data::Schema) -> String {
    let message = schema.kind == switchyard::data::SchemaType::Struct
        || schema
            .name
            .as_deref()
            .is_some_and(|n| n.starts_with("org.apache.kafka.connect.data."));
    let fields: Vec<String> = schema
        .fields
        .iter()
        .map(|f| format!("{}: {}", f.name, shape(&f.schema)))
        .collect();
    let elements = [&schema.key_schema, &schema.value_schema].map(|s| s.as_deref().map(shape));
    format!(
        "{:?}{} {{{}}} {elements:?}",
        schema.kind,
        if schema.optional && !message { "?" } else { "" },
        fields.join(", ")
    )
}

/// Wire-format bytes: the magic byte, `id`, the message indexes `[0]`, then `message`.
fn framed(id: u32, message: &[u8]) -> Vec<u8> {
    let mut out = vec![0];
    out.extend_from_slice(&id.to_be_bytes());
    out.push(0);
    out.extend_from_slice(message);
    out
}

#[test]
fn every_with_schema_fixture_round_trips_through_protobuf_to_identical_connect_values() {
    let fake = RegistryFake::start();
    let wrapped = |is_key| converter(&fake, is_key, &[WRAPPERS]);
    round_trip_fixtures(wrapped, wrapped, |trip| {
        assert_eq!(trip.bytes[5], 0, "message indexes [0]");
        assert_eq!(
            trip.back.value, trip.original.value,
            "{} of {}",
            trip.part, trip.line
        );
    });
    assert_eq!(fake.subjects().len(), 14, "{:?}", fake.subjects());
    assert_registered_as(&fake, "PROTOBUF");
}

#[test]
fn the_proto_of_a_products_value() {
    let data = products_fixture("value");
    let fake = RegistryFake::start();
    converter(&fake, false, &[WRAPPERS])
        .from_connect("product.public.products", &data)
        .expect("encodes");
    let (subject, text) = fake.registrations().pop().expect("registered");
    assert_eq!(subject, "product.public.products-value");
    insta::assert_snapshot!("products_value_proto", text);
}

/// The seed chain and the document chain over Protobuf records write the values they write
/// over JSON, registered under TopicRecordNameStrategy subjects (one per table). The tables'
/// messages share simple names (`Envelope`, `Key`): only their full names
/// (`enhanced.protobuf.schema.support`) keep the subjects apart. A document (a change event's
/// row, `__deleted` "true" on a delete, `__op`, `__table` and `__lsn` added) is the row
/// message, nested in the envelope's `.proto`: its record name is that message's full name
/// (`…Envelope.Value`), where JSON Schema keeps the Connect name (`…Value`). Each field of a
/// document is written with a number of its own, though `__op`, `__table` and `__lsn` come
/// with the numbers of the envelope's and the source's fields they are copied from, which the
/// row's fields may carry too.
#[test]
fn the_seed_and_document_chains_over_protobuf_write_what_they_write_over_json() {
    chain_over_protobuf(SEED, "product.public.products.Envelope");
    chain_over_protobuf(DOCUMENTS, "product.public.products.Envelope.Value");
}

#[test]
fn imports_resolve_through_references_and_nested_messages_through_indexes() {
    let fake = RegistryFake::start();
    let address = r#"syntax = "proto3";
package shop.common;
message Address { string city = 1; }
"#;
    fake.register_typed("address", address, "PROTOBUF");
    let customer = r#"syntax = "proto3";
package shop;
import "shop/common/address.proto";
message Customer {
  string name = 1;
  shop.common.Address address = 2;
  message Note { string text = 1; }
}
"#;
    let id = fake.register_typed_with_references(
        "customers-value",
        customer,
        "PROTOBUF",
        json!([{"name": "shop/common/address.proto", "subject": "address", "version": 1}]),
    );
    // Customer { name: "Ann", address { city: "Seoul" } }, by hand.
    let message = [
        0x0a, 3, b'A', b'n', b'n', 0x12, 7, 0x0a, 5, b'S', b'e', b'o', b'u', b'l',
    ];
    let value = converter(&fake, false, &[]);
    let data = value
        .to_connect("customers", Some(&framed(id, &message)))
        .expect("decodes");
    let schema = data.schema.as_deref().expect("schema");
    assert_eq!(schema.name.as_deref(), Some("Customer"));
    assert_eq!(schema.fields[1].schema.name.as_deref(), Some("Address"));
    assert_eq!(
        data.value,
        Value::Struct(vec![
            Value::String("Ann".into()),
            Value::Struct(vec![Value::String("Seoul".into())]),
        ])
    );
    // Indexes [0, 0]: the first message nested in the first one (`Customer.Note`); count 2
    // (zig-zag 4), then 0 and 0.
    let mut nested = vec![0];
    nested.extend_from_slice(&id.to_be_bytes());
    nested.extend_from_slice(&[4, 0, 0, 0x0a, 2, b'h', b'i']);
    let data = value
        .to_connect("customers", Some(&nested))
        .expect("decodes");
    assert_eq!(
        data.schema.as_deref().and_then(|s| s.name.as_deref()),
        Some("Note")
    );
    assert_eq!(data.value, Value::Struct(vec![Value::String("hi".into())]));
}

#[test]
fn records_it_cannot_read_fail_with_a_clear_message() {
    let fake = RegistryFake::start();
    let avro = fake.register("orders-value", r#""string""#);
    let proto = fake.register_typed(
        "orders-value",
        "syntax = \"proto3\"; message Order { int64 id = 1; }",
        "PROTOBUF",
    );
    let bad_text =
        fake.register_typed("broken-value", "syntax = \"proto3\"; message {", "PROTOBUF");
    let value = converter(&fake, false, &[("unknown.schema.wait.ms", "0")]);
    let mut wrong_index = vec![0];
    wrong_index.extend_from_slice(&proto.to_be_bytes());
    wrong_index.extend_from_slice(&[2, 6]);
    let cases: Vec<(Vec<u8>, &str)> = vec![
        (b"{\"id\":1}".to_vec(), "Unknown magic byte"),
        (framed(avro, b""), "not PROTOBUF"),
        (framed(4242, b""), "4242"),
        (framed(bad_text, b""), "invalid Protobuf schema"),
        (framed(proto, &[0x08]), "Failed to deserialize"),
        (wrong_index, "no message at indexes [3]"),
    ];
    for (bytes, expected) in cases {
        let error = value
            .to_connect("orders", Some(&bytes))
            .expect_err("refused");
        assert!(!error.is_transient(), "{}", error.message());
        assert!(
            error.message().contains(expected),
            "{expected}: {}",
            error.message()
        );
    }
    assert_eq!(
        value.to_connect("orders", None).expect("null"),
        ConnectData::NULL
    );
}

/// Confluent's own Python serializer writes product keys and values (two messages of one
/// file, the schema registered in the Base64 descriptor form that client uses, the value with
/// the message indexes `[1]`); `switchyard apply` runs the seed chain over them, and `switchyard
/// run` over the same records on a Kafka cluster writes the same bytes; Confluent's
/// deserializer reads every output record into the same classes, by field number, to the
/// values the producer wrote.
#[test]
fn confluents_python_client_reads_what_switchyard_writes_from_what_it_wrote() {
    let test = "confluents_python_client_reads_what_switchyard_writes_from_what_it_wrote";
    let Some(python) = confluent_python(test) else {
        return;
    };
    let dir = tempfile::tempdir().expect("tempdir");
    let descriptors = dir.path().join("product.desc");
    let interop_dir = crate::common::fixtures().join("../interop");
    let files = protox::compile(["product.proto"], [&interop_dir]).expect("product.proto compiles");
    std::fs::write(&descriptors, prost_encode(&files)).expect("write descriptors");
    let fake = RegistryFake::start();
    let (records, expected) = (
        dir.path().join("records.jsonl"),
        dir.path().join("expected.json"),
    );
    let url = fake.url();
    let path = |p: &std::path::Path| p.to_str().expect("path").to_owned();
    interop(
        &python,
        "confluent_protobuf.py",
        &[
            "produce",
            &url,
            &path(&descriptors),
            &path(&records),
            &path(&expected),
        ],
    );
    assert!(
        fake.subjects()
            .contains(&"product.public.products-value".to_owned()),
        "{:?}",
        fake.subjects()
    );
    let registered = fake
        .registrations()
        .into_iter()
        .find(|(s, _)| s == "product.public.products-value")
        .map(|(_, text)| text)
        .expect("the value's schema registered");
    assert!(
        !registered.contains("syntax"),
        "Base64, not .proto text: {registered}"
    );
    let input = std::fs::read_to_string(&records).expect("records");
    let config = registry_connector(
        CLASS,
        &fake,
        &[
            ("key.converter.enhanced.protobuf.schema.support", "true"),
            ("value.converter.enhanced.protobuf.schema.support", "true"),
        ],
    );
    let (code, lines, stderr) = apply(dir.path(), &config, &input, &[]);
    assert_eq!(code, 0, "{stderr}");
    // What the chain read: the value's message (indexes [1]) with its enum and map.
    let value = converter(
        &fake,
        false,
        &[("enhanced.protobuf.schema.support", "true")],
    );
    let first = value
        .to_connect(
            "product.public.products",
            part_bytes(
                &serde_json::from_str(input.lines().nth(1).expect("line")).expect("json"),
                "value",
            )
            .as_deref(),
        )
        .expect("reads the Python record");
    let schema = first.schema.as_deref().expect("schema");
    assert_eq!(
        schema.name.as_deref(),
        Some("product.public.products.Value")
    );
    assert_run_writes_what_apply_wrote(&config, &input, &lines);
    let output = dir.path().join("switchyard-output.jsonl");
    let text: String = lines.iter().map(|l| format!("{l}\n")).collect();
    std::fs::write(&output, text).expect("write output");
    let decoded: Vec<Json> = interop(
        &python,
        "confluent_protobuf.py",
        &["consume", &url, &path(&descriptors), &path(&output)],
    )
    .lines()
    .map(|l| serde_json::from_str(l).expect("decoded line"))
    .collect();
    let expected: Vec<Json> =
        serde_json::from_str(&std::fs::read_to_string(&expected).expect("expected")).expect("json");
    assert_eq!(decoded.len(), 30);
    assert_eq!(decoded.len(), expected.len());
    for (got, wanted) in decoded.iter().zip(&expected) {
        assert_eq!(got["topic"], "product-events");
        // The renamed key field keeps its number: the producer's class reads it as `id`.
        assert_eq!(got["key"], wanted["key"]);
        assert_eq!(got["value"], wanted["value"], "{got}");
    }
}

/// A FileDescriptorSet's bytes.
fn prost_encode(files: &protox::prost_reflect::prost_types::FileDescriptorSet) -> Vec<u8> {
    use protox::prost::Message as _;
    files.encode_to_vec()
}

#[test]
fn use_latest_version_writes_with_the_latest_schema_by_field_name() {
    use switchyard::data::{Schema, SchemaType};
    let fake = RegistryFake::start();
    // The latest schema numbers the fields otherwise and has one more.
    let latest = r#"syntax = "proto3";
package shop;
message Order {
  string note = 1;
  int64 id = 7;
}
"#;
    let id = fake.register_typed("orders-value", latest, "PROTOBUF");
    let schema = Schema::new(SchemaType::Struct)
        .named("shop.Order")
        .field("id", Schema::new(SchemaType::Int64));
    let data = ConnectData {
        schema: Some(std::sync::Arc::new(schema)),
        value: Value::Struct(vec![Value::Int64(5)]),
    };
    let value = converter(&fake, false, &[("use.latest.version", "true")]);
    let bytes = value
        .from_connect("orders", &data)
        .expect("encodes")
        .expect("bytes");
    assert_eq!(bytes[1..5], id.to_be_bytes());
    // Field 7 (varint): tag (7 << 3) = 56, then 5.
    assert_eq!(&bytes[5..], &[0, 56, 5]);
    let back = converter(&fake, false, &[])
        .to_connect("orders", Some(&bytes))
        .expect("decodes");
    assert_eq!(
        back.value,
        Value::Struct(vec![Value::String("".into()), Value::Int64(5)])
    );
    // A field the latest schema lacks fails the record.
    let extra = Schema::new(SchemaType::Struct)
        .named("shop.Order")
        .field("id", Schema::new(SchemaType::Int64))
        .field("coupon", Schema::new(SchemaType::String));
    let data = ConnectData {
        schema: Some(std::sync::Arc::new(extra)),
        value: Value::Struct(vec![Value::Int64(5), Value::String("X".into())]),
    };
    let error = value
        .from_connect("orders", &data)
        .expect_err("unknown field");
    assert!(error.message().contains("coupon"), "{}", error.message());
}

/// A registry that is down or failing is an outage for the ProtobufConverter too: writing and
/// reading fail transiently, and succeed once the registry is back.
#[test]
fn a_registry_outage_is_transient_and_waited_out() {
    use switchyard::data::{Schema, SchemaType};
    let schema = Schema::new(SchemaType::Struct)
        .named("shop.OrderKey")
        .field("id", Schema::new(SchemaType::Int64));
    let key = ConnectData {
        schema: Some(std::sync::Arc::new(schema)),
        value: Value::Struct(vec![Value::Int64(1)]),
    };
    let mut fake = RegistryFake::start();
    assert_outage_is_transient(&mut fake, |fake| converter(fake, true, &[]), "orders", &key);
}

/// `apply` over Protobuf records waits for a registry that is down and writes every record
/// once it is back.
#[test]
fn a_registry_that_is_down_makes_apply_wait_and_succeed_when_it_returns() {
    let mut fake = RegistryFake::start();
    let input = wire_input(
        &converter(&fake, true, &[WRAPPERS]),
        &converter(&fake, false, &[WRAPPERS]),
    );
    let config = seed_connector(&fake);
    apply_through_an_outage(&mut fake, &config, &input, 139);
}
