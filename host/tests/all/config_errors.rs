//! `switchyard validate` and configuration errors: exit 2, naming the file, the key and what
//! was expected.

use crate::common::{fixtures, switchyard, temp_file};

fn validate(json: &str) -> (Option<i32>, String) {
    let (_dir, path) = temp_file("connector.json", json);
    let out = switchyard(&["validate", "--config", path.to_str().unwrap()]);
    let text = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    (out.status.code(), text)
}

fn assert_config_error(json: &str, expected: &[&str]) {
    let (code, text) = validate(json);
    assert_eq!(code, Some(2), "{text}");
    assert!(text.contains("connector.json"), "names the file: {text}");
    for e in expected {
        assert!(text.contains(e), "expected `{e}` in: {text}");
    }
}

#[test]
fn the_seed_connectors_validate() {
    for file in [
        "postgres-product-connector.json",
        "postgres-product-connector-schemaless.json",
    ] {
        let out = switchyard(&[
            "validate",
            "--config",
            fixtures().join(file).to_str().unwrap(),
        ]);
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        assert!(String::from_utf8_lossy(&out.stdout).contains("ok (2 transforms, 1 predicates"));
    }
}

#[test]
fn bad_regex_names_the_key() {
    assert_config_error(
        r#"{"transforms":"r","transforms.r.type":"org.apache.kafka.connect.transforms.RegexRouter","transforms.r.regex":"product.(","transforms.r.replacement":"x"}"#,
        &["transforms.r.regex", "Invalid regex"],
    );
}

#[test]
fn missing_required_key_names_the_key() {
    assert_config_error(
        r#"{"transforms":"r","transforms.r.type":"org.apache.kafka.connect.transforms.RegexRouter","transforms.r.regex":"x"}"#,
        &[
            "transforms.r.replacement",
            "Missing required configuration \"replacement\" which has no default value.",
        ],
    );
}

#[test]
fn replacement_referring_to_a_missing_group_is_rejected() {
    assert_config_error(
        r#"{"transforms":"r","transforms.r.type":"org.apache.kafka.connect.transforms.RegexRouter","transforms.r.regex":"(.*)","transforms.r.replacement":"$2"}"#,
        &["transforms.r.replacement"],
    );
}

#[test]
fn unknown_class_lists_the_supported_ones() {
    assert_config_error(
        r#"{"transforms":"x","transforms.x.type":"com.example.Nope"}"#,
        &[
            "transforms.x.type",
            "com.example.Nope",
            "org.apache.kafka.connect.transforms.RegexRouter",
            "org.apache.kafka.connect.transforms.predicates.TopicNameMatches",
        ],
    );
}

#[test]
fn scripting_transforms_say_why_they_are_not_supported() {
    assert_config_error(
        r#"{"transforms":"f","transforms.f.type":"io.debezium.transforms.Filter","transforms.f.language":"jsr223.groovy"}"#,
        &["transforms.f.type", "WebAssembly transform"],
    );
}

#[test]
fn predicate_config_errors_follow_kafka() {
    let base = r#"{"transforms":"r","transforms.r.type":"RegexRouter","transforms.r.regex":"a","transforms.r.replacement":"b","transforms.r.predicate":"p","predicates":"p","predicates.p.type":"org.apache.kafka.connect.transforms.predicates.TopicNameMatches""#;
    assert_config_error(
        &format!("{base}}}"),
        &[
            "predicates.p.pattern",
            "Missing required configuration \"pattern\"",
        ],
    );
    assert_config_error(
        &format!(r#"{base},"predicates.p.pattern":""}}"#),
        &["predicates.p.pattern", "String must be non-empty"],
    );
    assert_config_error(
        &format!(r#"{base},"predicates.p.pattern":"["}}"#),
        &["predicates.p.pattern", "Invalid regex"],
    );
    assert_config_error(
        &format!(r#"{base},"predicates.p.pattern":"*"}}"#),
        &["predicates.p.pattern", "Invalid regex"],
    );
}

#[test]
fn invalid_rename_mapping_names_the_key() {
    assert_config_error(
        r#"{"transforms":"k","transforms.k.type":"org.apache.kafka.connect.transforms.ReplaceField$Key","transforms.k.renames":"id:product_id:x"}"#,
        &[
            "transforms.k.renames",
            "Invalid rename mapping: id:product_id:x",
        ],
    );
}

#[test]
fn a_predicate_class_used_as_a_transform_is_rejected() {
    assert_config_error(
        r#"{"transforms":"x","transforms.x.type":"org.apache.kafka.connect.transforms.predicates.RecordIsTombstone"}"#,
        &["transforms.x.type", "predicate"],
    );
}

#[test]
fn unknown_converter_names_the_key() {
    assert_config_error(
        r#"{"key.converter":"io.example.Fancy"}"#,
        &["key.converter", "io.example.Fancy"],
    );
}

#[test]
fn missing_config_file_is_exit_2() {
    let out = switchyard(&["validate", "--config", "/nonexistent/connector.json"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("/nonexistent/connector.json"));
}

/// The configuration errors of the Kafka Connect transforms (`CastTest.testConfig*`,
/// `TimestampConverterTest.testConfig*`, `MaskFieldTest.testEmptyStringReplacementValue`,
/// `HeaderFromTest`, `DropHeadersTest.configRejectsEmptyList`, `InsertHeaderTest`, …): exit 2,
/// naming `transforms.<alias>.<key>` and Kafka's message.
#[test]
fn kafka_transform_config_errors_name_the_key() {
    let t = "org.apache.kafka.connect.transforms.";
    for (class, config, key, message) in [
        (
            "Cast$Value",
            &[("spec", "")][..],
            "spec",
            "Must specify at least one field to cast.",
        ),
        (
            "Cast$Value",
            &[("spec", "foo:faketype")][..],
            "spec",
            "Invalid type found in casting spec: faketype",
        ),
        (
            "Cast$Key",
            &[("spec", "foo:array")][..],
            "spec",
            "does not support casting to ARRAY",
        ),
        (
            "Cast$Value",
            &[("spec", "foo:bytes")][..],
            "spec",
            "does not support casting to BYTES",
        ),
        (
            "Cast$Value",
            &[("spec", "foo:int8:extra")][..],
            "spec",
            "Invalid rename mapping: foo:int8:extra",
        ),
        (
            "Cast$Value",
            &[("spec", "foo:int8,int32")][..],
            "spec",
            "may ony specify a single cast",
        ),
        (
            "TimestampConverter$Value",
            &[("field", "ts")][..],
            "target.type",
            "Missing required configuration \"target.type\"",
        ),
        (
            "TimestampConverter$Value",
            &[("target.type", "invalid")][..],
            "target.type",
            "String must be one of: string, unix, Date, Time, Timestamp",
        ),
        (
            "TimestampConverter$Value",
            &[("target.type", "string")][..],
            "format",
            "requires format option",
        ),
        (
            "TimestampConverter$Value",
            &[("target.type", "string"), ("format", "yyyy-bb")][..],
            "format",
            "SimpleDateFormat-compatible pattern for string timestamps: yyyy-bb",
        ),
        (
            "TimestampConverter$Value",
            &[("target.type", "unix"), ("unix.precision", "minutes")][..],
            "unix.precision",
            "String must be one of",
        ),
        (
            "TimestampRouter",
            &[("timestamp.format", "yyyy-bb")][..],
            "timestamp.format",
            "Illegal pattern character 'b'",
        ),
        (
            "MaskField$Value",
            &[("fields", "a"), ("replacement", "")][..],
            "replacement",
            "String must be non-empty",
        ),
        (
            "MaskField$Value",
            &[("fields", "")][..],
            "fields",
            "Empty list",
        ),
        (
            "HeaderFrom$Value",
            &[("fields", "a,b"), ("headers", "h"), ("operation", "copy")][..],
            "headers",
            "'fields' config must have the same number of elements as 'headers' config.",
        ),
        (
            "HeaderFrom$Key",
            &[("fields", "a"), ("headers", "h"), ("operation", "swap")][..],
            "operation",
            "String must be one of: move, copy",
        ),
        (
            "DropHeaders",
            &[("headers", "")][..],
            "headers",
            "Empty list",
        ),
        (
            "InsertHeader",
            &[("header", "h")][..],
            "value.literal",
            "Missing required configuration \"value.literal\"",
        ),
        (
            "InsertField$Value",
            &[("static.field", "s")][..],
            "static.value",
            "No value specified for static field: s",
        ),
        (
            "InsertField$Value",
            &[("replace.null.with.default", "true")][..],
            "topic.field",
            "No field insertion configured",
        ),
        (
            "SetSchemaMetadata$Value",
            &[("schema.version", "v2")][..],
            "schema.version",
            "Not a number of type INT",
        ),
        (
            "ExtractField$Value",
            &[("field", "`a.b"), ("field.syntax.version", "V2")][..],
            "field",
            "Incomplete backtick pair in path",
        ),
        (
            "ExtractField$Key",
            &[("field", "a"), ("field.syntax.version", "V3")][..],
            "field.syntax.version",
            "(case insensitive): V1, V2",
        ),
        ("ValueToKey", &[("fields", "")][..], "fields", "Empty list"),
        (
            "HoistField$Value",
            &[("replace.null.with.default", "true")][..],
            "field",
            "Missing required configuration \"field\"",
        ),
    ] {
        let mut json = serde_json::Map::new();
        json.insert("transforms".into(), "x".into());
        json.insert("transforms.x.type".into(), format!("{t}{class}").into());
        for (k, v) in config {
            json.insert(format!("transforms.x.{k}"), (*v).into());
        }
        let json = serde_json::Value::Object(json).to_string();
        assert_config_error(&json, &[&format!("transforms.x.{key}"), message]);
    }
}

/// Paths a user names are read with bounds: a component that is a named pipe or a link to
/// `/dev/zero`, and `--config /dev/zero`, are refused at once, naming the kind of file (they
/// used to hang, or to grow without end).
#[test]
fn special_files_are_refused_not_read() {
    let dir = tempfile::tempdir().expect("tempdir");
    let fifo = dir.path().join("guest.wasm");
    let made = std::process::Command::new("mkfifo")
        .arg(&fifo)
        .status()
        .expect("mkfifo");
    assert!(made.success());
    let zero = dir.path().join("zero.wasm");
    std::os::unix::fs::symlink("/dev/zero", &zero).expect("symlink");
    for (component, kind) in [("guest.wasm", "named pipe"), ("zero.wasm", "device")] {
        let pipeline = dir.path().join("pipeline.toml");
        std::fs::write(
            &pipeline,
            format!("[[transforms]]\nalias = \"t\"\ncomponent = \"{component}\"\n"),
        )
        .expect("write pipeline");
        let out = switchyard(&["validate", "--config", pipeline.to_str().unwrap()]);
        let text = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(2), "{text}");
        assert!(
            text.contains(&format!("not a regular file (a {kind})")),
            "{text}"
        );
    }
    let out = switchyard(&["validate", "--config", "/dev/zero"]);
    let text = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{text}");
    assert!(text.contains("not a regular file (a device)"), "{text}");
}
