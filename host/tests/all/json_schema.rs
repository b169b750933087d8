//! Confluent's JsonSchemaConverter against the strict registry fake: round trips of the
//! fixtures, the JSON Schema of a products value, `switchyard apply` of the seed chain and the
//! document chain over JSON Schema records, payload validation on reading and writing,
//! references, records it cannot read, and a registry outage.

use base64::Engine as _;
use serde_json::{Value as Json, json};
use switchyard::convert::{Converter, JsonSchemaConverter};
use switchyard::data::ConnectData;

use crate::registry_fake::RegistryFake;
use crate::wire::{
    B64, DOCUMENTS, SEED, apply, apply_through_an_outage, assert_outage_is_transient,
    assert_registered_as, assert_run_writes_what_apply_wrote, chain_over_wire, confluent_python,
    interop, part_bytes, products_fixture, registry_connector, round_trip_fixtures, settings,
    wire_input,
};

const CLASS: &str = "io.confluent.connect.json.JsonSchemaConverter";

/// A JsonSchemaConverter of `fake` (cold caches) with `extra` settings.
fn converter(fake: &RegistryFake, is_key: bool, extra: &[(&str, &str)]) -> Converter {
    let url = fake.url();
    let mut pairs = vec![
        ("schema.registry.url", url.as_str()),
        ("max.retries", "1"),
        ("retries.wait.ms", "5"),
    ];
    pairs.extend_from_slice(extra);
    Converter::JsonSchema(
        JsonSchemaConverter::configure(&settings(&pairs), is_key).expect("json schema converter"),
    )
}

/// Wire-format bytes: the magic byte, `id`, then `text`.
fn framed(id: u32, text: &str) -> Vec<u8> {
    let mut out = vec![0];
    out.extend_from_slice(&id.to_be_bytes());
    out.extend_from_slice(text.as_bytes());
    out
}

#[test]
fn every_with_schema_fixture_round_trips_through_json_schema_to_identical_connect_data() {
    let fake = RegistryFake::start();
    // Decimals as JSON numbers, which their schemas (`"type": "number"`) validate; Confluent's
    // default, Base64 text, does not conform to the schema its own converter writes.
    let numeric = [("decimal.format", "NUMERIC")];
    let validating = [
        ("decimal.format", "NUMERIC"),
        ("json.fail.invalid.schema", "true"),
    ];
    round_trip_fixtures(
        |is_key| converter(&fake, is_key, &numeric),
        |is_key| converter(&fake, is_key, &validating),
        |trip| {
            // The body is plain JSON text.
            let _: Json = serde_json::from_slice(&trip.bytes[5..]).expect("JSON body");
            assert_eq!(trip.back, trip.original, "{} of {}", trip.part, trip.line);
        },
    );
    assert_eq!(fake.subjects().len(), 14, "{:?}", fake.subjects());
    assert_registered_as(&fake, "JSON");
}

#[test]
fn the_json_schema_of_a_products_value() {
    let data = products_fixture("value");
    let fake = RegistryFake::start();
    converter(&fake, false, &[])
        .from_connect("product.public.products", &data)
        .expect("encodes");
    let (subject, text) = fake.registrations().pop().expect("registered");
    assert_eq!(subject, "product.public.products-value");
    let schema: Json = serde_json::from_str(&text).expect("schema JSON");
    insta::assert_snapshot!(
        "products_value_json_schema",
        serde_json::to_string_pretty(&schema).expect("json")
    );
}

/// The chain of the connector file `file` over the fixtures as JSON Schema records writes the
/// Connect data it writes over JSON, schemas and values, as JSON Schema, the record name of a
/// products value being `products_value` ([`chain_over_wire`]).
fn chain_over_json_schema(file: &str, products_value: &str) {
    let run = chain_over_wire(file, CLASS, "JSON", &[], products_value, |fake, is_key| {
        converter(fake, is_key, &[])
    });
    assert_eq!(run.decoded, run.reference);
}

/// The seed chain and the document chain over JSON Schema records write the records they write
/// over JSON, with their schemas registered under TopicRecordNameStrategy subjects (one per
/// table): a document (a change event's row, `__deleted` "true" on a delete, `__op`,
/// `__table` and `__lsn` added) under the row's record name.
#[test]
fn the_seed_and_document_chains_over_json_schema_write_what_they_write_over_json() {
    chain_over_json_schema(SEED, "product.public.products.Envelope");
    chain_over_json_schema(DOCUMENTS, "product.public.products.Value");
}

#[test]
fn with_fail_invalid_schema_a_value_that_breaks_its_schema_is_refused() {
    let fake = RegistryFake::start();
    let schema = json!({
        "type": "object",
        "title": "Order",
        "properties": {
            "id": {"type": "integer", "connect.type": "int32"},
            "code": {"type": "string", "maxLength": 3}
        }
    });
    let id = fake.register_typed("orders-value", &schema.to_string(), "JSON");
    let bytes = framed(id, r#"{"id":1,"code":"TOO-LONG"}"#);
    // Confluent's default reads it: the types fit.
    let data = converter(&fake, false, &[])
        .to_connect("orders", Some(&bytes))
        .expect("read without validation");
    assert_eq!(
        data.schema.as_deref().and_then(|s| s.name.as_deref()),
        Some("Order")
    );
    let error = converter(&fake, false, &[("json.fail.invalid.schema", "true")])
        .to_connect("orders", Some(&bytes))
        .expect_err("validated");
    assert!(!error.is_transient());
    assert!(
        error.message().contains("does not conform") && error.message().contains("/code"),
        "{}",
        error.message()
    );
    let fine = framed(id, r#"{"id":1,"code":"ABC"}"#);
    converter(&fake, false, &[("json.fail.invalid.schema", "true")])
        .to_connect("orders", Some(&fine))
        .expect("a conforming value");
    // A value whose types do not fit fails either way, as in Confluent's converter.
    let wrong = framed(id, r#"{"id":"one","code":"ABC"}"#);
    assert!(
        converter(&fake, false, &[])
            .to_connect("orders", Some(&wrong))
            .is_err()
    );
}

/// An order `{id: INT32, price: Decimal (scale 2), status: an enum of NEW and PAID}`.
fn order(price_cents: i16, status: &str) -> ConnectData {
    use switchyard::data::{Schema, SchemaType, Value};
    let mut price = Schema::new(SchemaType::Bytes).named("org.apache.kafka.connect.data.Decimal");
    price.parameters = vec![("scale".into(), "2".into())];
    price.version = Some(1);
    let mut status_schema = Schema::new(SchemaType::String);
    status_schema.parameters = vec![
        ("io.confluent.connect.json.Enum".into(), String::new()),
        ("io.confluent.connect.json.Enum.NEW".into(), "NEW".into()),
        ("io.confluent.connect.json.Enum.PAID".into(), "PAID".into()),
    ];
    let schema = Schema::new(SchemaType::Struct)
        .named("shop.Order")
        .field("id", Schema::new(SchemaType::Int32))
        .field("price", price)
        .field("status", status_schema);
    ConnectData {
        schema: Some(std::sync::Arc::new(schema)),
        value: Value::Struct(vec![
            Value::Int32(1),
            Value::Bytes(price_cents.to_be_bytes().to_vec()),
            Value::String(status.into()),
        ]),
    }
}

/// With `json.fail.invalid.schema=true` a value written is validated against the JSON Schema
/// it is written under: one that breaks it (a Decimal as Base64 text, the default
/// `decimal.format`, where the schema says `"type": "number"`; a string that is not one of
/// its enum's symbols) fails the record with a message naming where, and not as transient (the
/// pipeline does not wait for it). Without the setting both are written, as Confluent writes
/// them.
#[test]
fn with_fail_invalid_schema_a_value_written_that_breaks_its_schema_is_refused() {
    let fake = RegistryFake::start();
    let validating = [("json.fail.invalid.schema", "true")];
    let validating_numeric = [
        ("json.fail.invalid.schema", "true"),
        ("decimal.format", "NUMERIC"),
    ];
    let cases = [
        (&validating[..], order(1999, "NEW"), "/price"),
        (&validating_numeric[..], order(1999, "LOST"), "/status"),
    ];
    for (extra, data, path) in cases {
        let error = converter(&fake, false, extra)
            .from_connect("orders", &data)
            .expect_err("breaks its schema");
        assert!(!error.is_transient(), "{}", error.message());
        let message = error.message();
        assert!(
            message.starts_with("Failed to serialize JSON data from topic orders: ")
                && message.contains("does not conform to its schema")
                && message.contains(&format!("(at {path})")),
            "{message}"
        );
        // The same settings without the check.
        converter(&fake, false, &extra[1..])
            .from_connect("orders", &data)
            .expect("written without the check")
            .expect("bytes");
    }
    let bytes = converter(&fake, false, &validating_numeric)
        .from_connect("orders", &order(1999, "PAID"))
        .expect("a conforming value")
        .expect("bytes");
    assert_eq!(&bytes[5..], br#"{"id":1,"price":19.99,"status":"PAID"}"#);
}

#[test]
fn references_resolve_by_their_names() {
    let fake = RegistryFake::start();
    let address = json!({
        "type": "object",
        "title": "Address",
        "properties": {"city": {"type": "string"}}
    });
    fake.register_typed("address", &address.to_string(), "JSON");
    let customer = json!({
        "type": "object",
        "title": "Customer",
        "properties": {
            "name": {"type": "string", "connect.index": 0},
            "address": {"$ref": "address.json", "connect.index": 1}
        }
    });
    let id = fake.register_typed_with_references(
        "customers-value",
        &customer.to_string(),
        "JSON",
        json!([{"name": "address.json", "subject": "address", "version": 1}]),
    );
    let bytes = framed(id, r#"{"name":"Ann","address":{"city":"Seoul"}}"#);
    for extra in [&[][..], &[("json.fail.invalid.schema", "true")][..]] {
        let data = converter(&fake, false, extra)
            .to_connect("customers", Some(&bytes))
            .expect("decodes");
        let schema = data.schema.as_deref().expect("schema");
        let address = &schema.fields[1].schema;
        assert_eq!(address.name.as_deref(), Some("Address"));
        assert_eq!(address.fields[0].name, "city");
    }
}

#[test]
fn records_it_cannot_read_fail_with_a_clear_message() {
    let fake = RegistryFake::start();
    let avro = fake.register("orders-value", r#""string""#);
    let value = converter(&fake, false, &[("unknown.schema.wait.ms", "0")]);
    let cases: [(Vec<u8>, &str); 4] = [
        (b"{\"id\":1}".to_vec(), "Unknown magic byte"),
        (framed(avro, "\"a\""), "not JSON"),
        (framed(4242, "{}"), "4242"),
        (framed(avro, "{"), "not JSON"),
    ];
    for (bytes, expected) in cases {
        let error = value
            .to_connect("orders", Some(&bytes))
            .expect_err("refused");
        assert!(error.message().contains(expected), "{}", error.message());
    }
    let schema = json!({"type": "object", "properties": {"id": {"type": "integer"}}});
    let id = fake.register_typed("orders-value", &schema.to_string(), "JSON");
    for text in ["{\"id\":", "{\"id\":1} trailing"] {
        let error = value
            .to_connect("orders", Some(&framed(id, text)))
            .expect_err("malformed JSON");
        assert!(error.message().contains("orders"), "{}", error.message());
    }
    // Null bytes are a null value.
    assert_eq!(
        value.to_connect("orders", None).expect("null"),
        ConnectData::NULL
    );
}

/// JSON text without the wire format's header.
const BAD: &[u8] = br#"{"not":"framed"}"#;

/// `apply` dead-letters a JSON Schema record it cannot read (with `errors.tolerance=all`) and
/// writes the others.
#[test]
fn apply_dead_letters_a_record_it_cannot_read_and_writes_the_rest() {
    let fake = RegistryFake::start();
    let input = wire_input(&converter(&fake, true, &[]), &converter(&fake, false, &[]));
    let mut lines: Vec<Json> = input
        .lines()
        .map(|l| serde_json::from_str(l).expect("line"))
        .collect();
    lines[3]["value_base64"] = json!(B64.encode(BAD));
    let input: String = lines.iter().map(|l| format!("{l}\n")).collect();
    let dir = tempfile::tempdir().expect("tempdir");
    let dlq = dir.path().join("dlq.jsonl");
    let dlq_arg = dlq.to_str().expect("path").to_owned();
    let (code, out, stderr) = apply(
        dir.path(),
        &registry_connector(CLASS, &fake, &[("errors.tolerance", "all")]),
        &input,
        &["--dlq", &dlq_arg],
    );
    assert_eq!(code, 0, "{stderr}");
    assert_eq!(out.len(), 138, "{stderr}");
    let dead = crate::wire::read_lines(&dlq);
    assert_eq!(dead.len(), 1);
    assert_eq!(part_bytes(&dead[0], "value").as_deref(), Some(BAD));
}

/// Confluent's own Python serializer writes product records with schemas a Python team writes
/// (no Connect annotations); `switchyard apply` runs the seed chain over them with the
/// JsonSchemaConverter, and `switchyard run` over the same records on a Kafka cluster writes the
/// same bytes; Confluent's deserializer reads every output record (validating it against the
/// schema Switchyard registered) to the values the producer wrote, keys renamed.
#[test]
fn confluents_python_client_reads_what_switchyard_writes_from_what_it_wrote() {
    let test = "confluents_python_client_reads_what_switchyard_writes_from_what_it_wrote";
    let Some(python) = confluent_python(test) else {
        return;
    };
    let fake = RegistryFake::start();
    let dir = tempfile::tempdir().expect("tempdir");
    let records = dir.path().join("records.jsonl");
    let expected = dir.path().join("expected.json");
    let url = fake.url();
    interop(
        &python,
        "confluent_json.py",
        &[
            "produce",
            &url,
            records.to_str().expect("path"),
            expected.to_str().expect("path"),
        ],
    );
    assert!(
        fake.subjects()
            .contains(&"product.public.products-value".to_owned()),
        "{:?}",
        fake.subjects()
    );
    let input = std::fs::read_to_string(&records).expect("records");
    let config = registry_connector(CLASS, &fake, &[]);
    let (code, lines, stderr) = apply(dir.path(), &config, &input, &[]);
    assert_eq!(code, 0, "{stderr}");
    assert_run_writes_what_apply_wrote(&config, &input, &lines);
    let output = dir.path().join("switchyard-output.jsonl");
    let text: String = lines.iter().map(|l| format!("{l}\n")).collect();
    std::fs::write(&output, text).expect("write output");
    let decoded: Vec<Json> = interop(
        &python,
        "confluent_json.py",
        &["consume", &url, output.to_str().expect("path")],
    )
    .lines()
    .map(|l| serde_json::from_str(l).expect("decoded line"))
    .collect();
    let expected: Vec<Json> =
        serde_json::from_str(&std::fs::read_to_string(&expected).expect("expected")).expect("json");
    assert_eq!(decoded.len(), expected.len());
    assert_eq!(decoded.len(), 40);
    for (got, wanted) in decoded.iter().zip(&expected) {
        assert_eq!(got["topic"], "product-events");
        assert_eq!(got["key"], json!({"product_id": wanted["key"]["id"]}));
        assert_eq!(got["value"], wanted["value"], "{got}");
    }
}

/// A struct key `{id: INT64}` named like the products key.
fn order_key(id: i64) -> ConnectData {
    use switchyard::data::{Schema, SchemaType, Value};
    let schema = Schema::new(SchemaType::Struct)
        .named("shop.OrderKey")
        .field("id", Schema::new(SchemaType::Int64));
    ConnectData {
        schema: Some(std::sync::Arc::new(schema)),
        value: Value::Struct(vec![Value::Int64(id)]),
    }
}

#[test]
fn use_latest_version_writes_the_latest_id_and_the_payload_must_conform_to_it() {
    let fake = RegistryFake::start();
    // The subject's latest schema allows ids up to 100 only.
    let latest = json!({
        "type": "object",
        "title": "shop.OrderKey",
        "properties": {"id": {"type": "integer", "maximum": 100}}
    });
    let id = fake.register_typed("orders-key", &latest.to_string(), "JSON");
    let strict = converter(&fake, true, &[("use.latest.version", "true")]);
    let bytes = strict
        .from_connect("orders", &order_key(7))
        .expect("encodes")
        .expect("bytes");
    assert_eq!(bytes[1..5], id.to_be_bytes());
    assert_eq!(&bytes[5..], br#"{"id":7}"#);
    assert!(fake.registrations().is_empty(), "nothing registered");
    let error = strict
        .from_connect("orders", &order_key(700))
        .expect_err("breaks the latest schema");
    assert!(
        error.message().contains("does not conform"),
        "{}",
        error.message()
    );
    let lenient = converter(
        &fake,
        true,
        &[
            ("use.latest.version", "true"),
            ("latest.compatibility.strict", "false"),
        ],
    );
    let bytes = lenient
        .from_connect("orders", &order_key(700))
        .expect("written anyway")
        .expect("bytes");
    assert_eq!(bytes[1..5], id.to_be_bytes());
}

#[test]
fn without_auto_registration_the_schema_must_be_registered_under_the_subject() {
    let fake = RegistryFake::start();
    let lookup = converter(
        &fake,
        true,
        &[
            ("auto.register.schemas", "false"),
            ("unknown.schema.wait.ms", "0"),
        ],
    );
    let error = lookup
        .from_connect("orders", &order_key(1))
        .expect_err("not registered");
    assert!(error.message().contains("40401"), "{}", error.message());
    // Registered by another client (auto-registration on): now it is found.
    let bytes = converter(&fake, true, &[])
        .from_connect("orders", &order_key(1))
        .expect("registers")
        .expect("bytes");
    let found = lookup
        .from_connect("orders", &order_key(2))
        .expect("found")
        .expect("bytes");
    assert_eq!(found[1..5], bytes[1..5], "the registered id");
}

/// A registry that is down or failing is an outage for the JsonSchemaConverter too: writing
/// and reading fail transiently, and succeed once the registry is back.
#[test]
fn a_registry_outage_is_transient_and_waited_out() {
    let mut fake = RegistryFake::start();
    assert_outage_is_transient(
        &mut fake,
        |fake| converter(fake, true, &[]),
        "orders",
        &order_key(1),
    );
}

/// `apply` over JSON Schema records waits for a registry that is down and writes every record
/// once it is back.
#[test]
fn a_registry_that_is_down_makes_apply_wait_and_succeed_when_it_returns() {
    let mut fake = RegistryFake::start();
    let input = wire_input(&converter(&fake, true, &[]), &converter(&fake, false, &[]));
    let config = registry_connector(CLASS, &fake, &[]);
    apply_through_an_outage(&mut fake, &config, &input, 139);
}
