//! The built-in transforms and predicates, run as WebAssembly components through the engine,
//! on the cases of Kafka's own tests (`ReplaceFieldTest`, `RegexRouterTest`,
//! `TopicNameMatchesTest`, `HasHeaderKeyTest`, `TransformationStageTest`).

use bytes::Bytes;
use switchyard::record::{Header, Record};

use switchyard::engine::StepError;

use crate::common::{chain, encoded, json, record};

const JSON: &str = "org.apache.kafka.connect.json.JsonConverter";

/// A pipeline TOML with one `ReplaceField$Value` step over values with or without schemas.
fn replace_field_value(config: &str, schemas: bool, converter_extra: &str) -> String {
    format!(
        r#"
        [converters.value]
        class = "{JSON}"
        config = {{ "schemas.enable" = {schemas} {converter_extra} }}
        [[transforms]]
        alias = "rf"
        class = "org.apache.kafka.connect.transforms.ReplaceField$Value"
        config = {{ {config} }}
        "#
    )
}

fn run_one(toml: &str, r: Record) -> Vec<Record> {
    chain(toml).expect("chain").apply(r).expect("apply")
}

#[test]
fn replace_field_schemaless() {
    let toml = replace_field_value(
        r#"exclude = "dont", renames = "abc:xyz,foo:bar""#,
        false,
        "",
    );
    let mut c = chain(&toml).unwrap();
    let out = c
        .apply(record(
            "t",
            None,
            Some(r#"{"dont":"whatever","abc":42,"foo":true,"etc":"etc"}"#),
        ))
        .unwrap();
    let (_, value) = encoded(&c, &out[0]);
    assert_eq!(
        json(&value.unwrap()),
        json(r#"{"xyz":42,"bar":true,"etc":"etc"}"#)
    );
}

#[test]
fn replace_field_with_schema() {
    let toml = replace_field_value(
        r#"include = "abc,foo", renames = "abc:xyz,foo:bar""#,
        true,
        "",
    );
    let input = r#"{"schema":{"type":"struct","fields":[{"type":"string","optional":false,"field":"dont"},{"type":"int32","optional":false,"field":"abc"},{"type":"boolean","optional":false,"field":"foo"},{"type":"string","optional":false,"field":"etc"}],"optional":false,"name":"v","version":2},"payload":{"dont":"whatever","abc":42,"foo":true,"etc":"etc"}}"#;
    let mut c = chain(&toml).unwrap();
    let out = c.apply(record("t", None, Some(input))).unwrap();
    let (_, value) = encoded(&c, &out[0]);
    // copySchemaBasics keeps name and version; fields keep their schemas, in order.
    assert_eq!(
        value.unwrap(),
        r#"{"schema":{"type":"struct","fields":[{"type":"int32","optional":false,"field":"xyz"},{"type":"boolean","optional":false,"field":"bar"}],"optional":false,"name":"v","version":2},"payload":{"xyz":42,"bar":true}}"#
    );
}

#[test]
fn replace_field_tombstones_pass_unchanged() {
    let schemaless = replace_field_value(
        r#"include = "abc,foo", renames = "abc:xyz,foo:bar""#,
        false,
        "",
    );
    let out = run_one(&schemaless, record("t", None, None));
    assert_eq!(out.len(), 1);
    assert_eq!(out[0].value.original_bytes(), Some(&None));

    let with_schema = replace_field_value(
        r#"include = "abc,foo", renames = "abc:xyz,foo:bar""#,
        true,
        "",
    );
    let input = r#"{"schema":{"type":"struct","fields":[{"type":"int32","optional":false,"field":"abc"}],"optional":true},"payload":null}"#;
    let mut c = chain(&with_schema).unwrap();
    let out = c.apply(record("t", None, Some(input))).unwrap();
    let (_, value) = encoded(&c, &out[0]);
    assert_eq!(
        value.as_deref(),
        Some(input),
        "schema unchanged, payload null"
    );
}

#[test]
fn replace_field_replace_null_with_default() {
    let input = r#"{"schema":{"type":"struct","fields":[{"type":"int32","optional":true,"default":42,"field":"abc"}],"optional":false},"payload":{"abc":null}}"#;
    for (flag, expected) in [("true", "42"), ("false", "null")] {
        let toml = replace_field_value(
            &format!(
                r#"include = "abc", renames = "abc:optional_with_default", "replace.null.with.default" = "{flag}""#
            ),
            true,
            r#", "replace.null.with.default" = false"#,
        );
        let mut c = chain(&toml).unwrap();
        let out = c.apply(record("t", None, Some(input))).unwrap();
        let (_, value) = encoded(&c, &out[0]);
        let v = json(&value.unwrap());
        assert_eq!(
            v["payload"]["optional_with_default"].to_string(),
            expected,
            "flag {flag}"
        );
        assert_eq!(v["schema"]["fields"][0]["field"], "optional_with_default");
    }
}

#[test]
fn replace_field_key_renames_and_deprecated_keys_still_work() {
    let toml = format!(
        r#"
        [converters.key]
        class = "{JSON}"
        config = {{ "schemas.enable" = false }}
        [converters.value]
        class = "{JSON}"
        config = {{ "schemas.enable" = false }}
        [[transforms]]
        alias = "k"
        class = "org.apache.kafka.connect.transforms.ReplaceField$Key"
        config = {{ blacklist = "secret", renames = "id:product_id" }}
        "#
    );
    let mut c = chain(&toml).unwrap();
    let out = c
        .apply(record(
            "t",
            Some(r#"{"id":6,"secret":"x","region":"eu"}"#),
            Some("1"),
        ))
        .unwrap();
    let (key, value) = encoded(&c, &out[0]);
    assert_eq!(key.as_deref(), Some(r#"{"product_id":6,"region":"eu"}"#));
    assert_eq!(value.as_deref(), Some("1"), "the value is untouched");
}

#[test]
fn replace_field_with_a_non_struct_value_is_a_bad_record() {
    let toml = replace_field_value(r#"renames = "a:b""#, false, "");
    let err = chain(&toml)
        .unwrap()
        .apply(record("t", None, Some("[1,2]")))
        .unwrap_err();
    assert!(
        matches!(err.error, switchyard::engine::StepError::BadRecord(_)),
        "{err}"
    );
}

fn regex_router(regex: &str, replacement: &str) -> String {
    format!(
        r#"
        [[transforms]]
        alias = "route"
        class = "org.apache.kafka.connect.transforms.RegexRouter"
        config = {{ regex = '{regex}', replacement = '{replacement}' }}
        "#
    )
}

#[test]
fn regex_router_cases_from_kafka() {
    for (regex, replacement, topic, expected) in [
        ("foo", "bar", "foo", "bar"),
        ("foo", "bar", "orig", "orig"),
        ("(.*)", "$1", "orig", "orig"),
        ("(.*)", "prefix-$1", "orig", "prefix-orig"),
        ("(.*)", "$1-suffix", "orig", "orig-suffix"),
        (r"(.*)-(\d\d\d\d\d\d\d\d)", "$1", "index-20160117", "index"),
        // Full match first (`matches`), then `replaceFirst` from the start.
        ("a|ab", "X", "ab", "Xb"),
        (
            "product",
            "x",
            "product.public.products",
            "product.public.products",
        ),
        (
            "product.public.(?<table>.*)",
            "${table}-events",
            "product.public.products",
            "products-events",
        ),
        (r"(.*)", r"\$1-$1", "t", "$1-t"),
    ] {
        let out = run_one(&regex_router(regex, replacement), record(topic, None, None));
        assert_eq!(out[0].topic, expected, "{regex} / {replacement} on {topic}");
    }
}

fn guarded(predicate_class: &str, predicate_config: &str, negate: bool) -> String {
    format!(
        r#"
        [[transforms]]
        alias = "mark"
        class = "org.apache.kafka.connect.transforms.RegexRouter"
        predicate = "p"
        negate = {negate}
        config = {{ regex = "(.*)", replacement = "matched" }}
        [[predicates]]
        alias = "p"
        class = "{predicate_class}"
        config = {{ {predicate_config} }}
        "#
    )
}

fn matched(toml: &str, r: Record) -> bool {
    run_one(toml, r)[0].topic == "matched"
}

#[test]
fn topic_name_matches_cases_from_kafka() {
    let toml = guarded(
        "org.apache.kafka.connect.transforms.predicates.TopicNameMatches",
        r#"pattern = "my-prefix-.*""#,
        false,
    );
    for (topic, expected) in [
        ("my-prefix-", true),
        ("my-prefix-foo", true),
        ("x-my-prefix-", false),
        ("x-my-prefix-foo", false),
        ("your-prefix-", false),
        ("your-prefix-foo", false),
    ] {
        assert_eq!(
            matched(&toml, record(topic, None, None)),
            expected,
            "{topic}"
        );
    }
}

fn with_headers(keys: &[&str]) -> Record {
    let mut r = record("t", None, None);
    r.headers = keys
        .iter()
        .map(|k| Header {
            key: k.to_string(),
            value: Some(Bytes::from_static(b"v")),
        })
        .collect();
    r
}

#[test]
fn has_header_key_cases_from_kafka() {
    let toml = guarded(
        "org.apache.kafka.connect.transforms.predicates.HasHeaderKey",
        r#"name = "foo""#,
        false,
    );
    for (keys, expected) in [
        (&["foo"][..], true),
        (&["foo", "bar"][..], true),
        (&["bar", "foo", "bar", "foo"][..], true),
        (&["bar"][..], false),
        (&["bar", "bar"][..], false),
        (&[][..], false),
    ] {
        assert_eq!(matched(&toml, with_headers(keys)), expected, "{keys:?}");
    }
}

#[test]
fn record_is_tombstone_looks_at_the_value_only() {
    let toml = guarded(
        "org.apache.kafka.connect.transforms.predicates.RecordIsTombstone",
        "",
        false,
    );
    assert!(matched(
        &toml,
        record("t", Some(r#"{"schema":null,"payload":1}"#), None)
    ));
    assert!(!matched(
        &toml,
        record("t", None, Some(r#"{"schema":null,"payload":1}"#))
    ));
    // A value whose payload is null is a null value in Connect, hence a tombstone.
    assert!(matched(
        &toml,
        record(
            "t",
            None,
            Some(r#"{"schema":{"type":"int32","optional":true},"payload":null}"#)
        )
    ));
}

#[test]
fn predicate_and_negate_truth_table() {
    // TransformationStageTest.apply
    for (matches, negate, transformed) in [
        (true, false, true),
        (true, true, false),
        (false, false, false),
        (false, true, true),
    ] {
        let toml = guarded(
            "org.apache.kafka.connect.transforms.predicates.TopicNameMatches",
            r#"pattern = "hit""#,
            negate,
        );
        let topic = if matches { "hit" } else { "miss" };
        assert_eq!(
            matched(&toml, record(topic, None, None)),
            transformed,
            "{matches} {negate}"
        );
    }
}

#[test]
fn chain_applies_steps_in_order() {
    let toml = r#"
        [[transforms]]
        alias = "a"
        class = "org.apache.kafka.connect.transforms.RegexRouter"
        config = { regex = "(.*)", replacement = "$1-a" }
        [[transforms]]
        alias = "b"
        class = "RegexRouter"
        config = { regex = "(.*)", replacement = "$1-b" }
    "#;
    assert_eq!(run_one(toml, record("t", None, None))[0].topic, "t-a-b");
}

// ---------------------------------------------------------------------------------------------
// Unhandled (Switchyard's own)

/// A chain whose one step is `Unhandled` with `config`, over JsonConverter values with or
/// without schemas, guarded by `guard` (TOML: `predicate`, `negate` and a `[[predicates]]`).
fn unhandled(config: &str, schemas: bool, guard: &str) -> String {
    format!(
        r#"
        [converters.value]
        class = "{JSON}"
        config = {{ "schemas.enable" = {schemas} }}
        [[transforms]]
        alias = "u"
        class = "io.switchyard.transforms.Unhandled"
        config = {{ {config} }}
        {guard}
        "#
    )
}

/// What one record comes out as: its topic, or the step's error.
fn outcome(
    c: &mut switchyard::chain::Chain,
    topic: &str,
    value: Option<&str>,
) -> Result<String, StepError> {
    c.apply(record(topic, None, value))
        .map(|out| {
            out.iter()
                .map(|r| r.topic.clone())
                .collect::<Vec<_>>()
                .join(",")
        })
        .map_err(|e| {
            assert_eq!(e.alias, "u");
            e.error
        })
}

#[test]
fn unhandled_under_a_predicate_marks_the_tables_the_chain_does_not_know() {
    // The short name, as Kafka's plugin aliases allow it.
    let toml = unhandled(
        r#"reason = "no rule for this table yet""#,
        false,
        r#"predicate = "known"
        negate = true
        [[predicates]]
        alias = "known"
        class = "TopicNameMatches"
        config = { pattern = 'product\.public\.(products|reviews)' }"#,
    )
    .replace("io.switchyard.transforms.Unhandled", "Unhandled");
    let mut c = chain(&toml).expect("chain");
    for topic in ["product.public.products", "product.public.reviews"] {
        assert_eq!(
            outcome(&mut c, topic, Some(r#"{"op":"c"}"#)),
            Ok(topic.into())
        );
    }
    let unknown = StepError::Unhandled("no rule for this table yet".into());
    assert_eq!(
        outcome(&mut c, "product.public.tags", Some(r#"{"op":"c"}"#)),
        Err(unknown.clone())
    );
    // Tombstones too: without `field`, every record the step applies to.
    assert_eq!(outcome(&mut c, "product.public.tags", None), Err(unknown));
    // Alone, every record, with the default reason.
    let mut c = chain(&unhandled("", false, "")).expect("chain");
    assert_eq!(
        outcome(&mut c, "t", Some("1")),
        Err(StepError::Unhandled(
            "no transform handles this record yet".into()
        ))
    );
}

#[test]
fn unhandled_with_a_field_lets_the_handled_values_pass() {
    let config = r#"field = "op", "handled.values" = "c,u,d,r""#;
    let envelope = |op: &str| {
        format!(
            r#"{{"schema":{{"type":"struct","fields":[{{"field":"op","type":"string"}}]}},"payload":{{"op":"{op}"}}}}"#
        )
    };
    for schemas in [false, true] {
        let value = |op: &str| {
            if schemas {
                envelope(op)
            } else {
                format!(r#"{{"op":"{op}"}}"#)
            }
        };
        let mut c = chain(&unhandled(config, schemas, "")).expect("chain");
        // Many records that pass, so that the later ones may be replayed by the host.
        for _ in 0..3 {
            for op in ["c", "u", "d", "r"] {
                assert_eq!(outcome(&mut c, "t", Some(&value(op))), Ok("t".into()));
            }
        }
        assert_eq!(
            outcome(&mut c, "t", Some(&value("t"))),
            Err(StepError::Unhandled(
                "no transform handles this record yet (op = t)".into()
            )),
            "schemas: {schemas}"
        );
        assert_eq!(outcome(&mut c, "t", Some(&value("c"))), Ok("t".into()));
        // Nothing to judge by: a tombstone passes.
        assert_eq!(outcome(&mut c, "t", None), Ok("t".into()));
    }
    // Schemaless: a value without the field, or with a null there, passes; a nested path
    // reads through structs; a struct at the field is a bad record.
    let mut c = chain(&unhandled(config, false, "")).expect("chain");
    assert_eq!(outcome(&mut c, "t", Some(r#"{"ts_ms":1}"#)), Ok("t".into()));
    assert_eq!(outcome(&mut c, "t", Some(r#"{"op":null}"#)), Ok("t".into()));
    assert!(matches!(
        outcome(&mut c, "t", Some(r#"{"op":{"code":"c"}}"#)),
        Err(StepError::BadRecord(_))
    ));
    let mut c = chain(&unhandled(
        r#"field = "source.table", "handled.values" = "products, reviews", reason = "unknown table""#,
        false,
        "",
    ))
    .expect("chain");
    let source = |table: &str| format!(r#"{{"source":{{"table":"{table}"}}}}"#);
    assert_eq!(
        outcome(&mut c, "t", Some(&source("reviews"))),
        Ok("t".into())
    );
    assert_eq!(
        outcome(&mut c, "t", Some(&source("tags"))),
        Err(StepError::Unhandled(
            "unknown table (source.table = tags)".into()
        ))
    );
    assert_eq!(
        outcome(&mut c, "t", Some(r#"{"source":null}"#)),
        Ok("t".into())
    );
}

#[test]
fn unhandled_config_errors_name_the_key() {
    for (config, key, message) in [
        (
            r#"field = "op""#,
            "handled.values",
            "Missing required configuration",
        ),
        (
            r#"field = "op", "handled.values" = """#,
            "handled.values",
            "Empty list",
        ),
        (
            r#""handled.values" = "c""#,
            "handled.values",
            "needs `field`",
        ),
        (
            r#"field = "a..b", "handled.values" = "c""#,
            "field",
            "Invalid field path",
        ),
        (r#"reason = " ""#, "reason", "String must be non-empty"),
    ] {
        let err = chain(&unhandled(config, false, ""))
            .map(|_| ())
            .expect_err(config)
            .to_string();
        assert!(
            err.contains(&format!("transforms.u.{key}")) && err.contains(message),
            "{config}: {err}"
        );
    }
}
