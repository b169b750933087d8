//! Unit tests of the ProtobufConverter's settings, message indexes and mapping.

use super::schema::{ENUM, TAG, UNION_PREFIX, to_connect, to_proto};
use super::*;
use crate::json::{JsonConverter, JsonConverterConfig};
use serde_json::Value as Json;
use switchyard_data::{SchemaType, Value};

fn settings(pairs: &[(&str, &str)]) -> Vec<(String, String)> {
    pairs
        .iter()
        .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
        .collect()
}

/// The message `name` of a compiled `.proto` text.
fn message(text: &str, name: &str) -> MessageDescriptor {
    let pool = compile(text, Vec::new()).unwrap_or_else(|e| panic!("{}\n{text}", e.message()));
    pool.get_message_by_name(name)
        .unwrap_or_else(|| panic!("no {name}"))
}

/// Every key and value of the shared Debezium fixtures (JsonConverter envelopes).
fn fixture_data() -> Vec<ConnectData> {
    let path = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../../tests/fixtures/with-schema.jsonl"
    );
    let text = std::fs::read_to_string(path).expect("fixtures");
    let json = JsonConverter::new(JsonConverterConfig::default(), false);
    let mut out = Vec::new();
    for line in text.lines().filter(|l| !l.trim().is_empty()) {
        let record: Json = serde_json::from_str(line).expect("record line");
        for part in ["key", "value"] {
            if let Some(envelope) = record.get(part).filter(|v| !v.is_null()) {
                let data = json
                    .to_connect("t", Some(envelope.to_string().as_bytes()))
                    .expect("fixture decodes");
                if !data.value.is_null() {
                    out.push(data);
                }
            }
        }
    }
    out
}

/// A Connect schema and value without the parameters the Protobuf mapping adds (`Tag`), for
/// comparing what comes back with what went in.
fn strip_tags(schema: &Schema) -> Schema {
    let mut out = schema.clone();
    out.parameters.retain(|(k, _)| k != TAG);
    out.fields = schema
        .fields
        .iter()
        .map(|f| switchyard_data::Field {
            name: f.name.clone(),
            schema: Arc::new(strip_tags(&f.schema)),
        })
        .collect();
    out
}

#[test]
fn message_indexes_are_read_as_confluent_writes_them() {
    assert_eq!(message_indexes(&[0, 9]), Some((vec![0], 1)));
    // Count 2 (zig-zag 4), then 1 (2) and 3 (6).
    assert_eq!(message_indexes(&[4, 2, 6, 9]), Some((vec![1, 3], 3)));
    assert_eq!(message_indexes(&[]), None);
    assert_eq!(message_indexes(&[4, 2]), None, "cut short");
    assert_eq!(message_indexes(&[3]), None, "a negative count");
    assert_eq!(
        message_indexes(&[0xff, 0xff, 0xff, 0xff, 0x0f]),
        None,
        "a count beyond the bytes"
    );
    assert_eq!(message_indexes(&[0x80]), None, "a varint cut short");
    assert_eq!(message_indexes(&[4, 2, 0x86]), None, "an index cut short");
    assert_eq!(
        message_indexes(&[0x80, 0x80, 0x80, 0x80, 0x80, 0x00]),
        None,
        "a varint of six bytes (Java's \"Varint is too long\")"
    );
    assert_eq!(
        message_indexes(&[2, 0x80, 0x80, 0x80, 0x80, 0x80, 0x00]),
        None,
        "an index of six bytes"
    );
    // Five bytes are read, as Java reads them: a longer form of the count 2, and an index whose
    // fifth byte has bits beyond the 32nd (dropped: 0xffff_fffe is the zig-zag of i32::MAX).
    assert_eq!(
        message_indexes(&[
            0x84, 0x80, 0x80, 0x80, 0x00, 2, 0xfe, 0xff, 0xff, 0xff, 0x7f, 9
        ]),
        Some((vec![1, i32::MAX], 11))
    );
}

#[test]
fn a_message_maps_as_protobuf_data_maps_it() {
    let text = r#"
        syntax = "proto3";
        package shop;
        import "google/protobuf/timestamp.proto";
        import "confluent/type/decimal.proto";
        import "confluent/meta.proto";
        message Order {
          int64 id = 1;
          int32 quantity = 2 [(confluent.field_meta) = { params { key: "connect.type" value: "int16" } }];
          uint32 flags = 3;
          Status status = 4;
          repeated string tags = 5;
          map<string, int32> counts = 6;
          google.protobuf.Timestamp placed = 7;
          confluent.type.Decimal total = 8 [(confluent.field_meta) = { params { key: "precision" value: "10" } params { key: "scale" value: "2" } }];
          oneof payment { string card = 9; string iban = 10; }
          Line line = 11;
          enum Status { NEW = 0; PAID = 1; }
          message Line { string sku = 1; }
        }
    "#;
    let order = message(text, "shop.Order");
    let schema = to_connect(&order, Options::default()).expect("maps");
    assert_eq!(schema.name.as_deref(), Some("Order"));
    let names: Vec<&str> = schema.fields.iter().map(|f| f.name.as_str()).collect();
    // The oneof first, named with its index, then the other fields in order.
    assert_eq!(
        names,
        [
            "payment_0",
            "id",
            "quantity",
            "flags",
            "status",
            "tags",
            "counts",
            "placed",
            "total",
            "line"
        ]
    );
    let field = |name: &str| &schema.fields[schema.field_index(name).expect(name)].schema;
    assert!(schema.fields.iter().all(|f| f.schema.optional));
    assert_eq!(field("id").kind, SchemaType::Int64);
    assert_eq!(field("id").parameter(TAG), Some("1"));
    assert_eq!(field("quantity").kind, SchemaType::Int16);
    assert_eq!(field("flags").kind, SchemaType::Int64);
    assert_eq!(field("status").parameter(ENUM), Some("Status"));
    assert_eq!(
        field("status").parameter(&format!("{ENUM}.PAID")),
        Some("1")
    );
    assert_eq!(field("tags").kind, SchemaType::Array);
    assert_eq!(field("counts").kind, SchemaType::Map);
    assert_eq!(field("counts").name.as_deref(), Some("counts"));
    assert_eq!(
        field("placed").name.as_deref(),
        Some(super::schema::TIMESTAMP)
    );
    assert_eq!(field("total").parameter("scale"), Some("2"));
    assert_eq!(
        field("total").parameter("connect.decimal.precision"),
        Some("10")
    );
    assert_eq!(
        field("payment_0").name.as_deref(),
        Some(format!("{UNION_PREFIX}payment").as_str())
    );
    assert_eq!(field("line").name.as_deref(), Some("Line"));

    let enhanced = to_connect(
        &order,
        Options {
            enhanced: true,
            wrappers: false,
        },
    )
    .expect("maps");
    assert_eq!(enhanced.name.as_deref(), Some("shop.Order"));
}

#[test]
fn a_message_that_contains_itself_is_refused() {
    let text = r#"syntax = "proto3"; message Node { Node next = 1; }"#;
    let error = to_connect(&message(text, "Node"), Options::default()).expect_err("recursive");
    assert!(
        error.message().contains("contains itself"),
        "{}",
        error.message()
    );
}

/// Every fixture value written as Protobuf (with wrappers, which keep nulls) reads back as the
/// same value, its schema the same but for the field numbers Protobuf adds.
#[test]
fn every_fixture_value_survives_the_round_trip_through_protobuf() {
    let options = Options {
        enhanced: true,
        wrappers: true,
    };
    let data = fixture_data();
    assert!(data.len() >= 250, "{} parts", data.len());
    for original in data {
        let schema = original.schema.as_deref().expect("schema");
        let (text, full_name) = to_proto(schema, options).expect("writes");
        let descriptor = message(&text, &full_name);
        let written = value::from_connect(&descriptor, schema, &original.value)
            .unwrap_or_else(|e| panic!("{}\n{text}", e.message()));
        let bytes = written.encode_to_vec();
        let read = DynamicMessage::decode(descriptor.clone(), bytes.as_slice()).expect("decodes");
        let back_schema = to_connect(&descriptor, options).expect("maps back");
        let back = value::to_connect(&read, &back_schema, options).expect("reads");
        assert_eq!(back, original.value, "{text}");
        assert_eq!(
            strip_tags(&back_schema).fields.len(),
            schema.fields.len(),
            "{text}"
        );
        for (a, b) in back_schema.fields.iter().zip(&schema.fields) {
            assert_eq!(a.name, b.name);
            assert_eq!(a.schema.kind, b.schema.kind, "{}: {text}", a.name);
            // Fields written as messages (structs, decimals) are optional in Protobuf; the
            // others keep their optionality through the wrappers.
            let message = b.schema.kind == SchemaType::Struct
                || b.schema.name.as_deref() == Some(crate::json::DECIMAL_LOGICAL_NAME);
            if message {
                assert!(a.schema.optional, "{}: {text}", a.name);
            } else {
                assert_eq!(a.schema.optional, b.schema.optional, "{}: {text}", a.name);
            }
        }
    }
}

#[test]
fn without_wrappers_a_null_scalar_reads_back_as_its_default() {
    let schema = Schema::new(SchemaType::Struct)
        .named("shop.Item")
        .field("name", Schema::new(SchemaType::String).optional())
        .field("count", Schema::new(SchemaType::Int32).optional());
    let (text, full_name) = to_proto(&schema, Options::default()).expect("writes");
    assert!(text.contains("string name = 1;"), "{text}");
    let descriptor = message(&text, &full_name);
    let value = Value::Struct(vec![Value::Null, Value::Int32(3)]);
    let written = value::from_connect(&descriptor, &schema, &value).expect("writes");
    let read = DynamicMessage::decode(descriptor.clone(), written.encode_to_vec().as_slice())
        .expect("decodes");
    let back_schema = to_connect(&descriptor, Options::default()).expect("maps");
    assert_eq!(
        value::to_connect(&read, &back_schema, Options::default()).expect("reads"),
        Value::Struct(vec![Value::String("".into()), Value::Int32(3)])
    );
}

#[test]
fn settings_are_confluents_and_unknown_keys_are_refused() {
    let config = ProtobufConverterConfig::parse(
        &settings(&[
            ("schema.registry.url", "http://registry:8081"),
            ("wrapper.for.nullables", "true"),
            ("enhanced.protobuf.schema.support", "true"),
        ]),
        false,
    )
    .expect("valid");
    assert!(config.options.wrappers && config.options.enhanced);
    let error = ProtobufConverterConfig::parse(
        &settings(&[
            ("schema.registry.url", "http://registry:8081"),
            ("generate.struct.for.nulls", "true"),
        ]),
        false,
    )
    .expect_err("unknown key");
    assert_eq!(error.key, "generate.struct.for.nulls");
    assert!(
        error.message.contains("ProtobufConverter"),
        "{}",
        error.message
    );
}

#[test]
fn a_schema_registered_as_a_base64_descriptor_compiles_too() {
    use base64::Engine as _;
    let text = r#"syntax = "proto3"; package shop; message Item { string name = 1; }"#;
    let pool = compile(text, Vec::new()).expect("compiles");
    let file = pool.get_file_by_name(ROOT_FILE).expect("file");
    let encoded = base64::engine::general_purpose::STANDARD
        .encode(file.file_descriptor_proto().encode_to_vec());
    let again = compile(&encoded, Vec::new()).expect("the Base64 form compiles");
    assert!(again.get_message_by_name("shop.Item").is_some());
}

mod arbitrary_bytes {
    //! Bytes a broker may hold after a valid header: decoding fails or succeeds, and never
    //! panics or reserves memory the bytes do not hold.

    use super::*;
    use proptest::prelude::*;
    use prost_reflect::prost::encoding::encode_varint;

    /// The prices Envelope of the fixtures, as Protobuf, with its Connect schema (made once).
    fn envelope() -> &'static (MessageDescriptor, Schema, Options) {
        static ENVELOPE: std::sync::OnceLock<(MessageDescriptor, Schema, Options)> =
            std::sync::OnceLock::new();
        ENVELOPE.get_or_init(made_envelope)
    }

    fn made_envelope() -> (MessageDescriptor, Schema, Options) {
        let options = Options {
            enhanced: true,
            wrappers: true,
        };
        let data = fixture_data()
            .into_iter()
            .find(|d| {
                d.schema.as_deref().and_then(|s| s.name.as_deref())
                    == Some("product.public.product_prices.Envelope")
            })
            .expect("a prices envelope (it has a Decimal)");
        let (text, full_name) =
            to_proto(data.schema.as_deref().expect("schema"), options).expect("writes");
        let descriptor = message(&text, &full_name);
        let schema = to_connect(&descriptor, options).expect("maps");
        (descriptor, schema, options)
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(1000))]

        #[test]
        fn message_indexes_never_panic(bytes in proptest::collection::vec(any::<u8>(), 0..24)) {
            if let Some((indexes, start)) = message_indexes(&bytes) {
                prop_assert!(start <= bytes.len());
                prop_assert!(indexes.len() <= bytes.len().max(1));
            }
        }

        #[test]
        fn message_indexes_read_back_as_confluent_writes_them(
            path in proptest::collection::vec(any::<i32>(), 1..6),
            message in proptest::collection::vec(any::<u8>(), 0..8),
        ) {
            // `MessageIndexes.toByteArray`: a zig-zag varint count, then zig-zag varint indexes.
            let zig_zag = |n: i32| u64::from(((n << 1) ^ (n >> 31)) as u32);
            let mut bytes = Vec::new();
            let count = i32::try_from(path.len()).expect("a short path");
            encode_varint(zig_zag(count), &mut bytes);
            for index in &path {
                encode_varint(zig_zag(*index), &mut bytes);
            }
            let start = bytes.len();
            bytes.extend_from_slice(&message);
            prop_assert_eq!(message_indexes(&bytes), Some((path, start)));
        }

        #[test]
        fn arbitrary_messages_decode_or_fail_without_panicking(
            bytes in proptest::collection::vec(any::<u8>(), 0..200),
        ) {
            let (descriptor, schema, options) = envelope();
            if let Ok(message) = DynamicMessage::decode(descriptor.clone(), bytes.as_slice()) {
                // A value, or a reason (a decimal of another scale, a date that does not
                // exist): never a panic.
                let _ = value::to_connect(&message, schema, *options);
            }
        }
    }
}

#[test]
fn an_enum_two_fields_share_is_written_once_and_reads_back() {
    let text = r#"syntax = "proto3"; package shop;
        message Order { Status a = 1; Status b = 2; enum Status { NEW = 0; PAID = 1; } }"#;
    let options = Options::default();
    let schema = to_connect(&message(text, "shop.Order"), options).expect("maps");
    let (written, full_name) =
        to_proto(&schema.clone().named("shop.Order"), options).expect("writes");
    assert_eq!(written.matches("enum Status").count(), 1, "{written}");
    let descriptor = message(&written, &full_name);
    let value = Value::Struct(vec![
        Value::String("PAID".into()),
        Value::String("NEW".into()),
    ]);
    let encoded = value::from_connect(&descriptor, &schema, &value)
        .expect("writes")
        .encode_to_vec();
    let read = DynamicMessage::decode(descriptor.clone(), encoded.as_slice()).expect("decodes");
    let back_schema = to_connect(&descriptor, options).expect("maps");
    assert_eq!(
        value::to_connect(&read, &back_schema, options).expect("reads"),
        value
    );
}

/// A transform that adds fields to a struct read from Protobuf leaves them without a number
/// (`__deleted`), or with the number of a field it copies (Debezium's unwrap copies `__lsn`
/// from a field of another message): beside the message's numbered fields they take the
/// numbers no field carries, in order, instead of a number already given. The message is
/// read back with its fields in the order they are declared, not by number, as `ProtobufData`
/// reads them: the value and field names read back as written. Without numbered fields the
/// numbers are `ProtobufData`'s, 1, 2, ….
#[test]
fn fields_added_without_a_free_number_take_numbers_no_field_carries() {
    let text = r#"syntax = "proto3"; package shop;
        message Order { int64 id = 1; string note = 3; oneof pay { string card = 4; } }"#;
    let options = Options::default();
    let read = to_connect(&message(text, "shop.Order"), options).expect("maps");
    let copied = read.fields[read.field_index("id").expect("id")]
        .schema
        .as_ref()
        .clone();
    assert_eq!(copied.parameter(TAG), Some("1"));
    let mut schema = read
        .named("shop.Order")
        .field("__deleted", Schema::new(SchemaType::String).optional())
        .field("__lsn", copied);
    // After the oneof's struct, which a message's mapping puts first.
    schema.fields.insert(
        1,
        switchyard_data::Field {
            name: "__first".into(),
            schema: Arc::new(Schema::new(SchemaType::Boolean).optional()),
        },
    );
    let (written, full_name) = to_proto(&schema, options).expect("writes");
    for line in [
        "bool __first = 2;",
        "int64 id = 1;",
        "string note = 3;",
        "string card = 4;",
        "string __deleted = 5;",
        "int64 __lsn = 6;",
    ] {
        assert!(written.contains(line), "{line}:\n{written}");
    }
    let descriptor = message(&written, &full_name);
    let value = Value::Struct(vec![
        Value::Struct(vec![Value::String("visa".into())]),
        Value::Boolean(true),
        Value::Int64(7),
        Value::String("gift".into()),
        Value::String("false".into()),
        Value::Int64(7),
    ]);
    let encoded = value::from_connect(&descriptor, &schema, &value)
        .expect("writes")
        .encode_to_vec();
    let read = DynamicMessage::decode(descriptor.clone(), encoded.as_slice()).expect("decodes");
    let back_schema = to_connect(&descriptor, options).expect("maps");
    let names = |s: &Schema| -> Vec<String> { s.fields.iter().map(|f| f.name.clone()).collect() };
    assert_eq!(names(&back_schema), names(&schema));
    assert_eq!(
        value::to_connect(&read, &back_schema, options).expect("reads"),
        value
    );

    let untagged = Schema::new(SchemaType::Struct)
        .named("shop.Plain")
        .field("a", Schema::new(SchemaType::String))
        .field("b", Schema::new(SchemaType::Int64));
    let (written, _) = to_proto(&untagged, options).expect("writes");
    assert!(
        written.contains("string a = 1;") && written.contains("int64 b = 2;"),
        "{written}"
    );
}
