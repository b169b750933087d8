//! Guests that trap, loop forever or allocate without bound cost the record an error of its
//! own kind, never the host; the next record runs on a fresh instance.

use switchyard::engine::StepError;

use crate::common::{chain, record, switchyard, temp_file};

/// The test guest built by the host's build script from `transforms/testing/misbehave`.
fn misbehave_wasm() -> String {
    format!("{}/misbehave.wasm", env!("SWITCHYARD_TEST_GUESTS"))
}

fn pipeline(mode: &str) -> String {
    format!(
        r#"
        [[transforms]]
        alias = "bad"
        component = "{}"
        config = {{ mode = "{mode}" }}
        [converters.value]
        class = "org.apache.kafka.connect.json.JsonConverter"
        config = {{ "schemas.enable" = false }}
        [limits]
        memory_mib = 16
        call_timeout_ms = 200
        "#,
        misbehave_wasm()
    )
}

fn first_error_then_recovery(mode: &str) -> StepError {
    let mut c = chain(&pipeline(mode)).expect("chain");
    assert_eq!(
        c.apply(record("fine", None, Some("1"))).unwrap()[0].topic,
        "fine"
    );
    let err = c.apply(record("poison", None, Some("1"))).unwrap_err();
    assert_eq!(err.alias, "bad");
    // The next record runs on a fresh instance.
    assert_eq!(
        c.apply(record("fine", None, Some("2"))).unwrap()[0].topic,
        "fine"
    );
    err.error
}

#[test]
fn a_trapping_guest_fails_only_its_record() {
    let e = first_error_then_recovery("trap");
    assert!(
        matches!(&e, StepError::Trap(m) if m.contains("wasm")),
        "{e:?}"
    );
}

#[test]
fn a_looping_guest_is_interrupted_at_its_deadline() {
    let e = first_error_then_recovery("loop");
    assert!(
        matches!(e, StepError::Timeout(d) if d.as_millis() == 200),
        "{e:?}"
    );
}

#[test]
fn a_guest_allocating_without_bound_hits_its_memory_limit() {
    let e = first_error_then_recovery("alloc");
    assert!(
        matches!(e, StepError::OutOfMemory(n) if n == 16 << 20),
        "{e:?}"
    );
}

#[test]
fn a_bad_record_error_is_reported_as_such() {
    let e = first_error_then_recovery("bad-record");
    assert_eq!(e, StepError::BadRecord("this record is poison".into()));
}

#[test]
fn an_unhandled_record_is_reported_as_such() {
    let e = first_error_then_recovery("unhandled");
    assert_eq!(
        e,
        StepError::Unhandled("no rule for this record yet".into())
    );
    assert_eq!(
        e.to_string(),
        "not handled yet: no rule for this record yet"
    );
}

#[test]
fn apply_skips_poison_records_with_tolerance_all_and_logs_like_connect() {
    let config = pipeline("trap").replace(
        "[limits]",
        "[errors]\ntolerance = \"all\"\nlog_enable = true\nlog_include_messages = true\n[limits]",
    );
    let (dir, config_path) = temp_file("p.toml", &config);
    let input = dir.path().join("in.jsonl");
    std::fs::write(
        &input,
        "{\"topic\":\"fine\",\"value\":1}\n{\"topic\":\"poison\",\"partition\":3,\"offset\":9,\"value\":2}\n{\"topic\":\"fine\",\"value\":3}\n",
    )
    .unwrap();
    let out = switchyard(&[
        "apply",
        "--config",
        config_path.to_str().unwrap(),
        "--input",
        input.to_str().unwrap(),
    ]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert_eq!(
        String::from_utf8_lossy(&out.stdout),
        "{\"topic\":\"fine\",\"value\":1}\n{\"topic\":\"fine\",\"value\":3}\n"
    );
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("failed: 1"), "{stderr}");
    assert!(
        stderr.contains("Executing stage 'TRANSFORMATION' with class '"),
        "{stderr}"
    );
    assert!(
        stderr.contains("where consumed record is {topic='poison', partition=3, offset=9}"),
        "{stderr}"
    );

    // With the default tolerance the run stops with exit 1, naming the record and the transform.
    let strict = pipeline("trap");
    let (_d2, strict_path) = temp_file("p.toml", &strict);
    let out = switchyard(&[
        "apply",
        "--config",
        strict_path.to_str().unwrap(),
        "--input",
        input.to_str().unwrap(),
    ]);
    assert_eq!(out.status.code(), Some(1));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("line 2")
            && stderr.contains("topic poison")
            && stderr.contains("transform bad"),
        "{stderr}"
    );
}

#[test]
fn failed_records_go_to_the_dead_letter_file_with_connect_context_headers() {
    let config = format!(
        r#"{{"name":"job","transforms":"bad","transforms.bad.type":"{}","transforms.bad.mode":"bad-record",
            "key.converter":"org.apache.kafka.connect.json.JsonConverter","key.converter.schemas.enable":"false",
            "value.converter":"org.apache.kafka.connect.json.JsonConverter","value.converter.schemas.enable":"false",
            "errors.tolerance":"all","errors.deadletterqueue.topic.name":"dlq-topic",
            "errors.deadletterqueue.context.headers.enable":"true"}}"#,
        misbehave_wasm()
    );
    let (dir, config_path) = temp_file("connector.json", &config);
    let input = dir.path().join("in.jsonl");
    let poison = r#"{"topic":"poison","partition":7,"offset":10,"timestamp":5,"headers":[{"key":"trace","value":"abc"}],"key":{"id":1},"value":{"v":"x"}}"#;
    std::fs::write(
        &input,
        format!("{{\"topic\":\"fine\",\"value\":1}}\n{poison}\nnot a record\n"),
    )
    .unwrap();
    let dlq = dir.path().join("dlq.jsonl");
    let out = switchyard(&[
        "apply",
        "--config",
        config_path.to_str().unwrap(),
        "--input",
        input.to_str().unwrap(),
        "--dlq",
        dlq.to_str().unwrap(),
    ]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert_eq!(
        String::from_utf8_lossy(&out.stdout),
        "{\"topic\":\"fine\",\"value\":1}\n"
    );
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("failed: 2, dead-lettered: 2"), "{stderr}");

    let dead = std::fs::read_to_string(&dlq).unwrap();
    let lines: Vec<serde_json::Value> = dead.lines().map(crate::common::json).collect();
    assert_eq!(lines.len(), 2);
    let first = &lines[0];
    assert_eq!(first["topic"], "dlq-topic");
    assert_eq!(first["timestamp"], 5);
    // The original bytes, untouched.
    assert_eq!(first["key"], crate::common::json(r#"{"id":1}"#));
    assert_eq!(first["value"], crate::common::json(r#"{"v":"x"}"#));
    let headers: Vec<(String, serde_json::Value)> = first["headers"]
        .as_array()
        .unwrap()
        .iter()
        .map(|h| (h["key"].as_str().unwrap().to_string(), h["value"].clone()))
        .collect();
    let get = |k: &str| {
        headers
            .iter()
            .find(|(key, _)| key == k)
            .map(|(_, v)| v.clone())
            .unwrap()
    };
    assert_eq!(headers[0].0, "trace", "original headers come first");
    assert_eq!(get("__connect.errors.topic"), "poison");
    assert_eq!(get("__connect.errors.partition"), "7");
    assert_eq!(get("__connect.errors.offset"), "10");
    assert_eq!(get("__connect.errors.connector.name"), "job");
    assert_eq!(get("__connect.errors.task.id"), "0");
    assert_eq!(get("__connect.errors.stage"), "TRANSFORMATION");
    assert_eq!(
        get("__connect.errors.exception.class.name"),
        "org.apache.kafka.connect.errors.DataException"
    );
    assert_eq!(
        get("__connect.errors.exception.message"),
        "this record is poison"
    );
    // The unreadable line is kept whole, as bytes.
    assert_eq!(lines[1]["value_base64"], "bm90IGEgcmVjb3Jk");
}

fn apply_three_records(config: &str) -> std::process::Output {
    let (dir, config_path) = temp_file("p.toml", config);
    let input = dir.path().join("in.jsonl");
    std::fs::write(
        &input,
        "{\"topic\":\"fine\",\"value\":1}\n{\"topic\":\"poison\",\"value\":2}\n{\"topic\":\"fine\",\"value\":3}\n",
    )
    .unwrap();
    switchyard(&[
        "apply",
        "--config",
        config_path.to_str().unwrap(),
        "--input",
        input.to_str().unwrap(),
    ])
}

#[test]
fn a_broken_transform_stops_apply_even_with_tolerance_all() {
    let config = pipeline("broken").replace("[limits]", "[errors]\ntolerance = \"all\"\n[limits]");
    let out = apply_three_records(&config);
    assert_eq!(out.status.code(), Some(1));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("transform is broken: cannot go on"),
        "{stderr}"
    );
    assert_eq!(String::from_utf8_lossy(&out.stdout).lines().count(), 1);
}

#[test]
fn transient_failures_are_retried_within_errors_retry_timeout() {
    // Retries allowed: the third attempt passes, nothing is lost.
    let retrying = pipeline("transient").replace(
        "[limits]",
        "[errors]\nretry_timeout_ms = 60000\nretry_delay_max_ms = 5\n[limits]",
    );
    let out = apply_three_records(&retrying);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert_eq!(String::from_utf8_lossy(&out.stdout).lines().count(), 3);

    // No retries (Connect's default `errors.retry.timeout=0`): the record fails.
    let out = apply_three_records(&pipeline("transient"));
    assert_eq!(out.status.code(), Some(1));
    assert!(
        String::from_utf8_lossy(&out.stderr).contains("transient failure: not yet (attempt 1)")
    );
}

/// A step that declares it depends only on the topic runs once per topic: later records of the
/// topic get the first outcome without a call (the counter in the topic name stays at the call
/// that made it).
#[test]
fn a_step_that_depends_only_on_the_topic_runs_once_per_topic() {
    let mut c = chain(&pipeline("count-calls")).expect("chain");
    let topics: Vec<String> = ["a", "b", "a", "a", "b", "c"]
        .iter()
        .map(|t| {
            c.apply(record(t, None, Some("1"))).unwrap()[0]
                .topic
                .clone()
        })
        .collect();
    assert_eq!(topics, ["a-1", "b-2", "a-1", "a-1", "b-2", "c-3"]);
}

/// The topics (or `-` for no record) a `misbehave` step in `mode` gives the records
/// (topic, value) in turn.
fn topics_through(mode: &str, records: &[(&str, Option<&str>)]) -> Vec<String> {
    let mut c = chain(&pipeline(mode)).expect("chain");
    records
        .iter()
        .map(
            |(topic, value)| match c.apply(record(topic, None, *value)).unwrap().as_slice() {
                [] => "-".to_owned(),
                [out] => out.topic.clone(),
                more => panic!("{} records", more.len()),
            },
        )
        .collect()
}

/// Records that answer alike, one topic after another: (topic, value).
const ANSWER_SHAPES: [(&str, Option<&str>); 10] = [
    ("a", Some("1")),
    ("a", Some("1")),
    ("a", None),
    ("b", Some("1")),
    ("a", Some("1")),
    ("a", Some("2")),
    ("a", Some("\"drop\"")),
    ("a", Some("\"drop\"")),
    ("a", None),
    ("b", Some("1")),
];

/// A step that declares it depends only on what the record answers runs once per distinct set
/// of answers: a later record whose reads and topic answer alike gets the first call's changes
/// replayed by the host (the counter in the topic name stays at the call that made them), a
/// dropped record is dropped again, and any answer that differs (a null value, another value,
/// another topic) calls the guest.
#[test]
fn a_step_that_depends_only_on_answers_is_replayed_where_the_answers_match() {
    assert_eq!(
        topics_through("count-answers", &ANSWER_SHAPES),
        [
            "a-1", "a-1", "a-2", "b-3", "a-1", "a-4", "-", "-", "a-2", "b-3"
        ]
    );
}

/// A step whose later batch reads values that vary is recorded only until four records of the
/// same schemas answered its first batch alike but not its later one; later such records call
/// the guest without a recording (their traces would only push out traces that match), while
/// a record that answers as a recorded one did is still replayed.
#[test]
fn records_whose_later_reads_vary_stop_being_recorded() {
    let values = ["1", "2", "3", "4", "5", "6", "1", "5"];
    let records: Vec<(&str, Option<&str>)> = values.iter().map(|v| ("a", Some(*v))).collect();
    assert_eq!(
        topics_through("count-values", &records),
        ["a-1", "a-2", "a-3", "a-4", "a-5", "a-6", "a-1", "a-7"]
    );
}

/// A step that makes the promise but logs on every call is never replayed: a replay could not
/// write its log lines.
#[test]
fn a_step_that_logs_is_not_replayed() {
    assert_eq!(
        topics_through("count-answers-logging", &ANSWER_SHAPES),
        [
            "a-1", "a-2", "a-3", "b-4", "a-5", "a-6", "-", "-", "a-9", "b-10"
        ]
    );
}

/// The same after a step that changed the value: the promise is about what this step changes,
/// so the memo holds although the record it sees was changed before.
#[test]
fn a_step_that_depends_only_on_the_topic_runs_once_per_topic_after_a_change() {
    let toml = format!(
        r#"
        [[transforms]]
        alias = "hoist"
        class = "org.apache.kafka.connect.transforms.HoistField$Value"
        config = {{ field = "n" }}
        {}"#,
        pipeline("count-calls")
    );
    let mut c = chain(&toml).expect("chain");
    let topics: Vec<String> = ["a", "b", "a", "a"]
        .iter()
        .map(|t| {
            let out = c.apply(record(t, None, Some("1"))).unwrap();
            assert!(out[0].value.is_changed());
            out[0].topic.clone()
        })
        .collect();
    assert_eq!(topics, ["a-1", "b-2", "a-1", "a-1"]);
}

/// A guest that makes the promise and changes more than the topic is called for every record:
/// each record gets its own header.
#[test]
fn a_step_that_breaks_its_promise_is_not_memoised() {
    let mut c = chain(&pipeline("break-promise")).expect("chain");
    let calls: Vec<String> = (0..3)
        .map(|_| {
            let out = c.apply(record("a", None, Some("1"))).unwrap();
            let header = out[0]
                .headers
                .iter()
                .find(|h| h.key == "call")
                .and_then(|h| h.value.clone())
                .expect("call header");
            String::from_utf8_lossy(&header).into_owned()
        })
        .collect();
    assert_eq!(calls, ["1", "2", "3"]);
}

/// A guest that leaks 256 KiB a record would reach its 16 MiB limit within 64 records; the host
/// replaces it by a fresh instance between two records once it has used half of the room it
/// had, so a long stream goes through without a failure.
#[test]
fn a_leaking_guest_is_recycled_between_records_before_it_runs_out_of_memory() {
    let mut c = chain(&pipeline("leak")).expect("chain");
    for i in 0..500 {
        let out = c
            .apply(record("a", None, Some(&i.to_string())))
            .unwrap_or_else(|e| panic!("record {i}: {e}"));
        assert_eq!(out.len(), 1);
    }
}
