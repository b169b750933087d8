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
