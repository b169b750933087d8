//! The conformance corpus (`tests/conformance/`): connector JSON × records × what Kafka Connect
//! wrote for them, recorded with Kafka Connect's and Debezium's own classes
//! (`tests/conformance/regenerate.sh`). `switchyard apply` must write the same bytes and exit
//! with the same code (0 done, 1 a record failed, 2 a configuration refused); a case marked
//! `objects-unordered` (schemaless objects, which Kafka writes in `HashMap` order) compares
//! each line as JSON, object key order aside.

use std::path::{Path, PathBuf};

use crate::common::{json, switchyard};

/// The repository's root.
fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("..")
}

/// A case's file `name`, or the file its `name.path` names from the repository's root.
fn case_file(case: &Path, name: &str) -> PathBuf {
    let direct = case.join(name);
    let stem = Path::new(name)
        .file_stem()
        .and_then(|s| s.to_str())
        .unwrap_or(name);
    match std::fs::read_to_string(case.join(format!("{stem}.path"))) {
        Ok(path) => root().join(path.trim()),
        Err(_) => direct,
    }
}

#[test]
fn apply_writes_what_kafka_connect_writes_for_every_case() {
    let corpus = root().join("tests/conformance");
    let mut cases: Vec<PathBuf> = std::fs::read_dir(&corpus)
        .expect("tests/conformance")
        .map(|e| e.expect("entry").path())
        .filter(|p| p.join("expected.exit").is_file())
        .collect();
    cases.sort();
    assert!(cases.len() >= 10, "the corpus has {} cases", cases.len());
    let mut failures = Vec::new();
    for case in &cases {
        let name = case.file_name().and_then(|n| n.to_str()).unwrap_or("?");
        let config = case_file(case, "connector.json");
        let input = case_file(case, "input.jsonl");
        let out = switchyard(&[
            "apply",
            "--config",
            config.to_str().expect("path"),
            "--input",
            input.to_str().expect("path"),
        ]);
        let expected = std::fs::read(case.join("expected.jsonl")).expect("expected.jsonl");
        let exit: i32 = std::fs::read_to_string(case.join("expected.exit"))
            .expect("expected.exit")
            .trim()
            .parse()
            .expect("an exit code");
        let code = out.status.code().unwrap_or(-1);
        // A case marked `objects-unordered` compares each line as JSON, object key order
        // aside (schemaless objects: see the file's text).
        let same = if case.join("objects-unordered").is_file() {
            let lines = |b: &[u8]| -> Vec<serde_json::Value> {
                String::from_utf8_lossy(b).lines().map(json).collect()
            };
            lines(&out.stdout) == lines(&expected)
        } else {
            out.stdout == expected
        };
        if !same || code != exit {
            let got = String::from_utf8_lossy(&out.stdout);
            let want = String::from_utf8_lossy(&expected);
            let first = got
                .lines()
                .zip(want.lines())
                .position(|(g, w)| g != w)
                .map_or_else(
                    || {
                        format!(
                            "{} lines written, {} expected",
                            got.lines().count(),
                            want.lines().count()
                        )
                    },
                    |i| {
                        format!(
                            "line {} differs:\n  switchyard:    {}\n  kafka connect: {}",
                            i + 1,
                            got.lines().nth(i).unwrap_or(""),
                            want.lines().nth(i).unwrap_or("")
                        )
                    },
                );
            failures.push(format!(
                "{name}: exit {code} (Kafka Connect {exit}); {first}\n  stderr: {}",
                String::from_utf8_lossy(&out.stderr).trim()
            ));
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n\n"));
}
