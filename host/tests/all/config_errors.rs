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
