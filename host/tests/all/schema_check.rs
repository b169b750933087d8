//! `switchyard schema check` as CI runs it: the built binary, its exit codes (0 compatible, 1
//! incompatible, 2 usage or input error), its three formats, `--against-git`, every cell of
//! the evolution table in `schemas/README.md`, Protobuf and JSON Schema offline, and the
//! registry mode.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

const LEVELS: [&str; 6] = [
    "BACKWARD",
    "BACKWARD_TRANSITIVE",
    "FORWARD",
    "FORWARD_TRANSITIVE",
    "FULL",
    "FULL_TRANSITIVE",
];

fn schemas() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../schemas")
}

/// Runs `switchyard schema check ARGS` in `dir`.
fn check_in(dir: &Path, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_switchyard"))
        .current_dir(dir)
        .args(["schema", "check"])
        .args(args)
        .env("SWITCHYARD_LOG", "warn")
        .output()
        .expect("run switchyard")
}

/// Runs `schema check` in `schemas/evolution`, with paths relative to it (stable output).
fn check(args: &[&str]) -> Output {
    check_in(&schemas().join("evolution"), args)
}

fn stdout(out: &Output) -> String {
    String::from_utf8_lossy(&out.stdout).into_owned()
}

fn stderr(out: &Output) -> String {
    String::from_utf8_lossy(&out.stderr).into_owned()
}

/// The versions of an evolution case, newest first: `--schema` and its `--against` list.
fn case_args(case: &str) -> Vec<String> {
    let dir = schemas().join("evolution").join(case);
    let mut versions: Vec<String> = std::fs::read_dir(&dir)
        .expect("case folder")
        .map(|e| e.expect("entry").file_name().to_string_lossy().into_owned())
        .filter(|n| n.ends_with(".avsc"))
        .collect();
    versions.sort();
    versions.reverse();
    assert!(versions.len() >= 2, "{case}: at least two versions");
    let mut args = vec!["--schema".to_string(), format!("{case}/{}", versions[0])];
    for v in &versions[1..] {
        args.push("--against".into());
        args.push(format!("{case}/{v}"));
    }
    args
}

/// The rows of the table in `schemas/README.md`: case and ✓/✗ per level.
fn readme_table() -> Vec<(String, Vec<bool>)> {
    let readme = std::fs::read_to_string(schemas().join("README.md")).expect("README");
    let mut rows = Vec::new();
    let mut header_seen = false;
    for line in readme.lines().filter(|l| l.starts_with('|')) {
        let cells: Vec<&str> = line.trim_matches('|').split('|').map(str::trim).collect();
        if cells[0] == "Case" {
            assert_eq!(&cells[2..], LEVELS, "the table's level columns");
            header_seen = true;
            continue;
        }
        if cells[0].starts_with("---") {
            continue;
        }
        let name = cells[0]
            .trim_start_matches('[')
            .split(']')
            .next()
            .expect("case name")
            .to_string();
        let expected = cells[2..]
            .iter()
            .map(|c| match *c {
                "✓" => true,
                "✗" => false,
                other => panic!("{name}: cell {other:?}"),
            })
            .collect();
        rows.push((name, expected));
    }
    assert!(header_seen, "the README has the evolution table");
    rows
}

#[test]
fn every_evolution_case_passes_the_levels_the_readme_says() {
    let rows = readme_table();
    let mut on_disk: Vec<String> = std::fs::read_dir(schemas().join("evolution"))
        .expect("evolution folder")
        .map(|e| e.expect("entry").file_name().to_string_lossy().into_owned())
        .collect();
    on_disk.sort();
    let mut in_table: Vec<String> = rows.iter().map(|(n, _)| n.clone()).collect();
    in_table.sort();
    assert_eq!(
        in_table, on_disk,
        "every case folder has a row, every row a folder"
    );
    for (case, expected) in rows {
        let args = case_args(&case);
        for (level, compatible) in LEVELS.iter().zip(expected) {
            let mut all: Vec<&str> = args.iter().map(String::as_str).collect();
            all.extend(["--level", level]);
            let out = check(&all);
            let code = out.status.code();
            assert_eq!(
                code,
                Some(if compatible { 0 } else { 1 }),
                "{case} at {level}:\n{}{}",
                stdout(&out),
                stderr(&out)
            );
        }
    }
}

/// What the text report says for every case at FULL_TRANSITIVE, the strictest level.
#[test]
fn evolution_case_reports() {
    let mut all = String::new();
    for (case, _) in readme_table() {
        let args = case_args(&case);
        let mut argv: Vec<&str> = args.iter().map(String::as_str).collect();
        argv.extend(["--level", "FULL_TRANSITIVE"]);
        let out = check(&argv);
        let code = out.status.code().unwrap_or(-1);
        all.push_str(&format!("## {case} (exit {code})\n"));
        all.push_str(&stdout(&out));
    }
    insta::assert_snapshot!("evolution_full_transitive", all);
}

#[test]
fn formats_of_an_incompatible_change() {
    let args = [
        "--schema",
        "rename-field-without-alias/v2.avsc",
        "--against",
        "rename-field-without-alias/v1.avsc",
        "--level",
        "FULL",
    ];
    for (format, name) in [
        ("text", "incompatible_text"),
        ("json", "incompatible_json"),
        ("github", "incompatible_github"),
    ] {
        let mut argv = args.to_vec();
        argv.extend(["--format", format]);
        let out = check(&argv);
        assert_eq!(out.status.code(), Some(1), "{format}: {}", stderr(&out));
        assert!(
            stderr(&out).contains("incompatible with rename-field-without-alias/v1.avsc at level FULL: 2 incompatibilities"),
            "{}",
            stderr(&out)
        );
        insta::assert_snapshot!(name, stdout(&out));
    }
    // The JSON document parses and says what the text says.
    let mut argv = args.to_vec();
    argv.extend(["--format", "json"]);
    let doc: serde_json::Value = serde_json::from_slice(&check(&argv).stdout).expect("json");
    assert_eq!(doc["compatible"], false);
    assert_eq!(
        doc["checks"][0]["incompatibilities"][0]["type"],
        "READER_FIELD_MISSING_DEFAULT_VALUE"
    );
    assert_eq!(
        doc["checks"][1]["incompatibilities"][0]["location"],
        "/fields/1"
    );
}

#[test]
fn formats_of_a_compatible_change() {
    let args = [
        "--schema",
        "add-optional-field/v2.avsc",
        "--against",
        "add-optional-field/v1.avsc",
    ];
    for (format, name) in [
        ("text", "compatible_text"),
        ("json", "compatible_json"),
        ("github", "compatible_github"),
    ] {
        let mut argv = args.to_vec();
        argv.extend(["--format", format]);
        let out = check(&argv);
        assert_eq!(out.status.code(), Some(0), "{format}: {}", stderr(&out));
        assert_eq!(stderr(&out), "", "{format}");
        insta::assert_snapshot!(name, stdout(&out));
    }
}

#[test]
fn input_errors_exit_2_naming_the_file() {
    let dir = tempfile::tempdir().expect("tempdir");
    std::fs::write(
        dir.path().join("broken.avsc"),
        r#"{"type":"record","name":"R""#,
    )
    .expect("write");
    std::fs::write(
        dir.path().join("undefined.avsc"),
        r#"{"type":"record","name":"R","fields":[{"name":"a","type":"Missing"}]}"#,
    )
    .expect("write");
    std::fs::write(dir.path().join("ok.avsc"), r#""string""#).expect("write");
    let cases: [(&[&str], &str); 5] = [
        (
            &["--schema", "missing.avsc", "--against", "ok.avsc"],
            "error: missing.avsc: No such file or directory",
        ),
        (
            &["--schema", "ok.avsc", "--against", "broken.avsc"],
            "error: broken.avsc: not a valid Avro schema: not JSON: EOF while parsing an object at line 1 column 27",
        ),
        (
            &["--schema", "undefined.avsc", "--against", "ok.avsc"],
            "error: undefined.avsc: not a valid Avro schema: at /fields/0/type: Undefined name: \"Missing\"",
        ),
        (
            &[
                "--schema",
                "ok.avsc",
                "--against",
                "ok.avsc",
                "--level",
                "SIDEWAYS",
            ],
            "unknown compatibility level `SIDEWAYS`",
        ),
        (&["--against", "ok.avsc"], "--schema <NEW>"),
    ];
    for (args, expected) in cases {
        let out = check_in(dir.path(), args);
        assert_eq!(out.status.code(), Some(2), "{args:?}: {}", stderr(&out));
        assert!(
            stderr(&out).contains(expected),
            "{args:?}: {}",
            stderr(&out)
        );
        assert_eq!(stdout(&out), "", "{args:?}");
    }
}

#[test]
fn level_none_and_no_earlier_version_pass() {
    let out = check(&[
        "--schema",
        "rename-field-without-alias/v2.avsc",
        "--against",
        "rename-field-without-alias/v1.avsc",
        "--level",
        "NONE",
    ]);
    assert_eq!(out.status.code(), Some(0));
    assert_eq!(
        stdout(&out),
        "rename-field-without-alias/v2.avsc: level NONE, nothing to check\n"
    );
    let out = check(&["--schema", "rename-field-without-alias/v2.avsc"]);
    assert_eq!(out.status.code(), Some(0));
    assert!(stdout(&out).contains("no earlier version to check against at level BACKWARD"));
}

fn git(dir: &Path, args: &[&str]) {
    let out = Command::new("git")
        .current_dir(dir)
        .args(["-c", "user.name=CI", "-c", "user.email=ci@example.com"])
        .args(args)
        .output()
        .expect("run git");
    assert!(out.status.success(), "git {args:?}: {}", stderr(&out));
}

/// `--against-git REF:PATH` reads earlier versions from history, ordered with `--against` as
/// given on the command line; a bad reference is an input error.
#[test]
fn against_git_reads_history() {
    let evolution = schemas().join("evolution/readd-field-with-other-type");
    let repo = tempfile::tempdir().expect("tempdir");
    let dir = repo.path();
    git(dir, &["init", "-q"]);
    let copy = |version: &str| {
        std::fs::copy(evolution.join(version), dir.join("product.avsc")).expect("copy");
    };
    copy("v1.avsc");
    git(dir, &["add", "product.avsc"]);
    git(dir, &["commit", "-q", "-m", "v1"]);
    copy("v2.avsc");
    git(dir, &["commit", "-q", "-am", "v2"]);
    copy("v3.avsc");

    // v3 against v2 (HEAD): compatible.
    let out = check_in(
        dir,
        &[
            "--schema",
            "product.avsc",
            "--against-git",
            "HEAD:product.avsc",
        ],
    );
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert_eq!(
        stdout(&out),
        "product.avsc: compatible with HEAD:product.avsc at level BACKWARD\n"
    );

    // Transitively, v1 (HEAD~1) breaks it.
    let out = check_in(
        dir,
        &[
            "--schema",
            "product.avsc",
            "--against-git",
            "HEAD:product.avsc",
            "--against-git",
            "HEAD~1:product.avsc",
            "--level",
            "BACKWARD_TRANSITIVE",
        ],
    );
    assert_eq!(out.status.code(), Some(1));
    insta::assert_snapshot!("against_git_transitive", stdout(&out));

    // Files and git versions keep their command-line order: the first given is the latest.
    std::fs::copy(evolution.join("v2.avsc"), dir.join("previous.avsc")).expect("copy");
    let out = check_in(
        dir,
        &[
            "--schema",
            "product.avsc",
            "--against",
            "previous.avsc",
            "--against-git",
            "HEAD~1:product.avsc",
        ],
    );
    assert_eq!(out.status.code(), Some(0), "{}", stdout(&out));
    let out = check_in(
        dir,
        &[
            "--schema",
            "product.avsc",
            "--against-git",
            "HEAD~1:product.avsc",
            "--against",
            "previous.avsc",
        ],
    );
    assert_eq!(out.status.code(), Some(1), "{}", stdout(&out));
    assert!(stdout(&out).contains("incompatible with HEAD~1:product.avsc"));

    for (spec, expected) in [
        (
            "HEAD:nope.avsc",
            "--against-git HEAD:nope.avsc: fatal: path 'nope.avsc' does not exist in 'HEAD'",
        ),
        (
            "no-such-branch:product.avsc",
            "--against-git no-such-branch:product.avsc: fatal: invalid object name 'no-such-branch'",
        ),
        (
            "product.avsc",
            "--against-git product.avsc: expected REF:PATH",
        ),
    ] {
        let out = check_in(dir, &["--schema", "product.avsc", "--against-git", spec]);
        assert_eq!(out.status.code(), Some(2), "{spec}");
        assert!(stderr(&out).contains(expected), "{spec}: {}", stderr(&out));
    }
}

/// Every table of the fixtures has its key and value schema in `schemas/`, with the fixture's
/// fields, and each is compatible with itself at every level.
#[test]
fn product_schemas_cover_the_fixture_tables() {
    let fixtures = std::fs::read_to_string(
        Path::new(env!("CARGO_MANIFEST_DIR")).join("../tests/fixtures/with-schema.jsonl"),
    )
    .expect("fixtures");
    let mut seen = std::collections::BTreeSet::new();
    for line in fixtures.lines() {
        let record: serde_json::Value = serde_json::from_str(line).expect("json");
        let topic = record["topic"].as_str().expect("topic").to_string();
        if record["value"].is_null() || !seen.insert(topic.clone()) {
            continue;
        }
        for part in ["key", "value"] {
            let path = schemas().join(format!("{topic}-{part}.avsc"));
            let avro: serde_json::Value =
                serde_json::from_str(&std::fs::read_to_string(&path).expect("schema file"))
                    .expect("schema json");
            let connect = &record[part]["schema"];
            assert_eq!(avro["connect.name"], connect["name"], "{}", path.display());
            let names = |fields: &serde_json::Value, key: &str| -> Vec<String> {
                fields
                    .as_array()
                    .expect("fields")
                    .iter()
                    .map(|f| f[key].as_str().expect("name").to_string())
                    .collect()
            };
            assert_eq!(
                names(&avro["fields"], "name"),
                names(&connect["fields"], "field"),
                "{}",
                path.display()
            );
            let file = path.to_str().expect("utf-8 path");
            let out = check_in(
                &schemas(),
                &["--schema", file, "--against", file, "--level", "FULL"],
            );
            assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
        }
    }
    assert_eq!(seen.len(), 7, "the seven product tables");
}

/// Writes `files` (name, text) into a fresh directory.
fn folder(files: &[(&str, &str)]) -> tempfile::TempDir {
    let dir = tempfile::tempdir().expect("tempdir");
    for (name, text) in files {
        std::fs::write(dir.path().join(name), text).expect("write");
    }
    dir
}

mod offline_protobuf {
    //! `.proto` files checked offline with the rules of Confluent's `ProtobufSchema`.

    use super::{check, check_in, folder, git, stderr, stdout};

    const V1: &str = "syntax = \"proto3\";\n\npackage shop;\n\nmessage Product {\n  int64 id = 1;\n  string note = 2;\n}\n";
    /// Drops `note` (compatible: a reader skips it).
    const V2: &str =
        "syntax = \"proto3\";\n\npackage shop;\n\nmessage Product {\n  int64 id = 1;\n}\n";
    /// Adds field 2 again, as an int32: compatible with v2, not with v1.
    const V3: &str = "syntax = \"proto3\";\n\npackage shop;\n\nmessage Product {\n  int64 id = 1;\n  int32 note = 2;\n}\n";
    /// Changes `id` from int64 to string and moves two fields into a new oneof.
    const V4: &str = "syntax = \"proto3\";\n\npackage shop;\n\nmessage Product {\n  string id = 1;\n  oneof detail {\n    int32 note = 2;\n    int32 stock = 3;\n  }\n}\n";
    const V3_WITH_STOCK: &str = "syntax = \"proto3\";\n\npackage shop;\n\nmessage Product {\n  int64 id = 1;\n  int32 note = 2;\n  int32 stock = 3;\n}\n";

    #[test]
    fn a_compatible_change_passes() {
        let dir = folder(&[("v2.proto", V2), ("v3.proto", V3)]);
        for level in ["BACKWARD", "FORWARD", "FULL"] {
            let out = check_in(
                dir.path(),
                &[
                    "--schema",
                    "v3.proto",
                    "--against",
                    "v2.proto",
                    "--level",
                    level,
                ],
            );
            assert_eq!(out.status.code(), Some(0), "{level}: {}", stderr(&out));
            assert_eq!(
                stdout(&out),
                format!("v3.proto: compatible with v2.proto at level {level}\n")
            );
        }
    }

    /// An incompatible change fails (exit 1) in every format, naming Confluent's difference
    /// types, where they are (`#/Message/number`) and the line of the new file.
    #[test]
    fn an_incompatible_change_fails_naming_the_differences() {
        let dir = folder(&[("v3.proto", V3_WITH_STOCK), ("v4.proto", V4)]);
        let args = [
            "--schema",
            "v4.proto",
            "--against",
            "v3.proto",
            "--level",
            "FULL",
        ];
        for format in ["text", "json", "github"] {
            let mut argv = args.to_vec();
            argv.extend(["--format", format]);
            let out = check_in(dir.path(), &argv);
            assert_eq!(out.status.code(), Some(1), "{format}: {}", stderr(&out));
            assert!(
                stderr(&out).contains(
                    "v4.proto: incompatible with v3.proto at level FULL: 3 incompatibilities"
                ),
                "{}",
                stderr(&out)
            );
            insta::assert_snapshot!(format!("protobuf_incompatible_{format}"), stdout(&out));
        }
        let mut argv = args.to_vec();
        argv.extend(["--format", "json"]);
        let doc: serde_json::Value =
            serde_json::from_slice(&check_in(dir.path(), &argv).stdout).expect("json");
        let backward = &doc["checks"][0]["incompatibilities"];
        assert_eq!(backward[0]["type"], "MULTIPLE_FIELDS_MOVED_TO_ONEOF");
        assert_eq!(backward[0]["location"], "#/Product/detail");
        assert_eq!(backward[1]["type"], "FIELD_SCALAR_KIND_CHANGED");
        assert_eq!(backward[1]["location"], "#/Product/1");
    }

    /// Imports come from `--reference NAME=FILE` (Google's well-known types need none); a
    /// missing one is an input error that says what to pass.
    #[test]
    fn imports_are_references() {
        let out = check(&[
            "--schema",
            "../protobuf/product.v2.proto",
            "--against",
            "../protobuf/product.v1.proto",
            "--reference",
            "money.proto=../protobuf/money.proto",
            "--level",
            "FULL_TRANSITIVE",
        ]);
        assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
        assert_eq!(
            stdout(&out),
            "../protobuf/product.v2.proto: compatible with ../protobuf/product.v1.proto at level FULL_TRANSITIVE\n"
        );
        let out = check(&[
            "--schema",
            "../protobuf/product.v2.proto",
            "--against",
            "../protobuf/product.v1.proto",
        ]);
        assert_eq!(out.status.code(), Some(2));
        assert!(
            stderr(&out).contains("../protobuf/product.v2.proto: not a valid Protobuf schema: ../protobuf/product.v2.proto:6:1: import 'money.proto' not found (pass the file it names as --reference NAME=FILE)"),
            "{}",
            stderr(&out)
        );
        for (reference, expected) in [
            ("money.proto", "--reference money.proto: expected NAME=FILE"),
            (
                "money.proto=nope.proto",
                "error: nope.proto: No such file or directory",
            ),
        ] {
            let out = check(&[
                "--schema",
                "../protobuf/product.v2.proto",
                "--reference",
                reference,
            ]);
            assert_eq!(out.status.code(), Some(2), "{reference}");
            assert!(
                stderr(&out).contains(expected),
                "{reference}: {}",
                stderr(&out)
            );
        }
        let dir = folder(&[(
            "broken.proto",
            "syntax = \"proto3\";\nmessage M {\n  int32 a = ;\n}\n",
        )]);
        let out = check_in(
            dir.path(),
            &["--schema", "broken.proto", "--against", "broken.proto"],
        );
        assert_eq!(out.status.code(), Some(2));
        assert!(
            stderr(&out).contains("broken.proto: not a valid Protobuf schema: broken.proto:3:"),
            "{}",
            stderr(&out)
        );
    }

    /// Earlier versions from git history, and the transitive levels: v3 is compatible with
    /// the latest version (v2), not with v1, whose field 2 was a string.
    #[test]
    fn git_history_and_transitive_levels() {
        let repo = tempfile::tempdir().expect("tempdir");
        let dir = repo.path();
        git(dir, &["init", "-q"]);
        std::fs::write(dir.join("product.proto"), V1).expect("write");
        git(dir, &["add", "product.proto"]);
        git(dir, &["commit", "-q", "-m", "v1"]);
        std::fs::write(dir.join("product.proto"), V2).expect("write");
        git(dir, &["commit", "-q", "-am", "v2"]);
        std::fs::write(dir.join("product.proto"), V3).expect("write");
        let history = [
            "--schema",
            "product.proto",
            "--against-git",
            "HEAD:product.proto",
            "--against-git",
            "HEAD~1:product.proto",
        ];
        for (level, code) in [
            ("BACKWARD", 0),
            ("FORWARD", 0),
            ("FULL", 0),
            ("BACKWARD_TRANSITIVE", 1),
            ("FORWARD_TRANSITIVE", 1),
            ("FULL_TRANSITIVE", 1),
            ("NONE", 0),
        ] {
            let mut argv = history.to_vec();
            argv.extend(["--level", level]);
            let out = check_in(dir, &argv);
            assert_eq!(out.status.code(), Some(code), "{level}: {}", stdout(&out));
        }
        let mut argv = history.to_vec();
        argv.extend(["--level", "BACKWARD_TRANSITIVE"]);
        let out = check_in(dir, &argv);
        insta::assert_snapshot!("protobuf_against_git_transitive", stdout(&out));
    }
}

mod offline_json_schema {
    //! JSON Schemas checked offline with the rules of Confluent's `JsonSchema`.

    use super::{check, check_in, folder, stderr, stdout};

    /// `schemas/json-schema`: v2 adds an optional property to a closed object, which the
    /// new schema reads old data with (backward) but the old one cannot read new data with
    /// (forward).
    #[test]
    fn the_product_schemas_pass_backward_and_fail_forward() {
        let args = |level: &'static str| {
            [
                "--schema",
                "../json-schema/product.v2.json",
                "--against",
                "../json-schema/product.v1.json",
                "--level",
                level,
            ]
        };
        let out = check(&args("BACKWARD"));
        assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
        assert_eq!(
            stdout(&out),
            "../json-schema/product.v2.json: compatible with ../json-schema/product.v1.json at level BACKWARD\n"
        );
        for level in ["FORWARD", "FULL"] {
            let out = check(&args(level));
            assert_eq!(out.status.code(), Some(1), "{level}: {}", stderr(&out));
            assert!(
                stdout(&out).contains(
                    "PROPERTY_REMOVED_FROM_CLOSED_CONTENT_MODEL at #/properties/color: property `color`, only in the new schema"
                ),
                "{level}: {}",
                stdout(&out)
            );
        }
    }

    const V1: &str = r#"{
  "type": "object",
  "properties": {
    "id": {"type": "integer"},
    "name": {"type": "string", "maxLength": 5}
  },
  "required": ["id"]
}
"#;
    const V2: &str = r#"{
  "type": "object",
  "properties": {
    "id": {"type": "integer"},
    "name": {"type": "string", "maxLength": 10}
  },
  "required": ["id"]
}
"#;
    /// v2 with a description: a v2 reader reads it, a v1 reader (names up to 5) does not.
    const V3: &str = r#"{
  "type": "object",
  "description": "A product.",
  "properties": {
    "id": {"type": "integer"},
    "name": {"type": "string", "maxLength": 10}
  },
  "required": ["id"]
}
"#;
    /// Narrows `id` and requires `name`.
    const V4: &str = r#"{
  "type": "object",
  "properties": {
    "id": {"type": "integer", "minimum": 1},
    "name": {"type": "string", "maxLength": 10}
  },
  "required": ["id", "name"]
}
"#;

    #[test]
    fn formats_of_an_incompatible_change() {
        let dir = folder(&[("v3.json", V3), ("v4.json", V4)]);
        for format in ["text", "json", "github"] {
            let out = check_in(
                dir.path(),
                &[
                    "--schema",
                    "v4.json",
                    "--against",
                    "v3.json",
                    "--format",
                    format,
                ],
            );
            assert_eq!(out.status.code(), Some(1), "{format}: {}", stderr(&out));
            insta::assert_snapshot!(format!("json_schema_incompatible_{format}"), stdout(&out));
        }
    }

    #[test]
    fn transitive_levels_check_every_version() {
        let dir = folder(&[("v1.json", V1), ("v2.json", V2), ("v3.json", V3)]);
        let args = |level| {
            [
                "--schema",
                "v3.json",
                "--against",
                "v2.json",
                "--against",
                "v1.json",
                "--level",
                level,
            ]
        };
        for (level, code) in [
            ("FORWARD", 0),
            ("FULL", 0),
            ("BACKWARD_TRANSITIVE", 0),
            ("FORWARD_TRANSITIVE", 1),
            ("FULL_TRANSITIVE", 1),
        ] {
            let out = check_in(dir.path(), &args(level));
            assert_eq!(out.status.code(), Some(code), "{level}: {}", stdout(&out));
        }
        let out = check_in(dir.path(), &args("FORWARD_TRANSITIVE"));
        assert_eq!(
            stdout(&out),
            "v3.json: incompatible with 2 earlier versions at level FORWARD_TRANSITIVE: 1 incompatibility\n\
             \x20 forward against v1.json (earlier version 2 of 2, newest first): v1.json cannot read data written with v3.json\n\
             \x20   MAX_LENGTH_DECREASED at #/properties/name/maxLength: maxLength 10 in the new schema, maxLength 5 in the earlier version\n\
             \x20     A string's maximum length shrank: longer strings written before no longer match.\n"
        );
    }

    /// `$ref`s to other files are `--reference NAME=FILE`; what the offline rules do not
    /// check, and what is not a schema, are input errors (exit 2) that say so.
    #[test]
    fn references_and_what_is_not_checked() {
        let money = r#"{"type": "object", "properties": {"amount": {"type": "string"}}}"#;
        let money_v2 = r#"{"type": "object", "properties": {"amount": {"type": "number"}}}"#;
        let product = r#"{"type": "object", "properties": {"price": {"$ref": "money.json"}}}"#;
        let dir = folder(&[
            ("money.json", money),
            ("money.v2.json", money_v2),
            ("product.json", product),
            (
                "conditional.json",
                r#"{"type": "object", "if": {"required": ["a"]}, "then": {"required": ["b"]}}"#,
            ),
            ("broken.json", "{\n  \"type\": \"object\",\n"),
        ]);
        let out = check_in(
            dir.path(),
            &[
                "--schema",
                "product.json",
                "--against",
                "product.json",
                "--reference",
                "money.json=money.json",
                "--level",
                "FULL",
            ],
        );
        assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
        let out = check_in(
            dir.path(),
            &["--schema", "product.json", "--against", "product.json"],
        );
        assert_eq!(out.status.code(), Some(2));
        assert!(
            stderr(&out).contains("error: product.json: at #/properties/price: $ref `money.json` names no document at hand: pass the document it names as --reference NAME=FILE"),
            "{}",
            stderr(&out)
        );
        for (args, expected) in [
            (
                &[
                    "--schema",
                    "conditional.json",
                    "--against",
                    "conditional.json",
                ][..],
                "error: conditional.json: at #: conditional subschemas (`if`, `then`, `else`) is not checked offline: check it against a schema registry instead (--registry URL --subject S)",
            ),
            (
                &[
                    "--schema",
                    "product.json",
                    "--schema-type",
                    "JSON",
                    "--against",
                    "broken.json",
                    "--reference",
                    "money.json=money.v2.json",
                ][..],
                "error: broken.json: not a JSON Schema: EOF while parsing a value at line 3 column 0",
            ),
        ] {
            let out = check_in(dir.path(), args);
            assert_eq!(out.status.code(), Some(2), "{args:?}");
            assert!(
                stderr(&out).contains(expected),
                "{args:?}: {}",
                stderr(&out)
            );
            assert_eq!(stdout(&out), "");
        }
    }
}

/// Avro named types defined in other files are `--reference NAME=FILE` offline too.
#[test]
fn avro_references_offline() {
    let money = r#"{"type": "record", "name": "Money", "namespace": "shop",
        "fields": [{"name": "amount", "type": "string"}]}"#;
    let v1 = r#"{"type": "record", "name": "Product", "namespace": "shop",
        "fields": [{"name": "price", "type": "shop.Money"}]}"#;
    let v2 = r#"{"type": "record", "name": "Product", "namespace": "shop",
        "fields": [{"name": "price", "type": "shop.Money"}, {"name": "sku", "type": "string"}]}"#;
    let dir = folder(&[("money.avsc", money), ("v1.avsc", v1), ("v2.avsc", v2)]);
    let args = [
        "--schema",
        "v2.avsc",
        "--against",
        "v1.avsc",
        "--reference",
        "shop.Money=money.avsc",
    ];
    let out = check_in(dir.path(), &args);
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    assert!(
        stdout(&out).contains("READER_FIELD_MISSING_DEFAULT_VALUE at /fields/1 in v2.avsc: sku"),
        "{}",
        stdout(&out)
    );
    let out = check_in(dir.path(), &args[..4]);
    assert_eq!(out.status.code(), Some(2));
    assert!(
        stderr(&out).contains("v2.avsc: not a valid Avro schema"),
        "{}",
        stderr(&out)
    );
}

mod registry_mode {
    //! `--registry URL --subject S`: the registry's compatibility endpoint decides, against
    //! the strict fake of the Confluent API.

    use super::{check, stderr, stdout};
    use crate::registry_fake::RegistryFake;

    const SUBJECT: &str = "product.public.products-value";

    fn v(version: &str) -> String {
        std::fs::read_to_string(
            super::schemas().join(format!("evolution/add-optional-field/{version}.avsc")),
        )
        .expect("schema")
    }

    #[test]
    fn a_compatible_schema_passes() {
        let fake = RegistryFake::start();
        fake.register(SUBJECT, &v("v1"));
        let url = fake.url();
        let out = check(&[
            "--schema",
            "add-optional-field/v2.avsc",
            "--registry",
            &url,
            "--subject",
            SUBJECT,
        ]);
        assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
        assert_eq!(
            stdout(&out),
            format!(
                "add-optional-field/v2.avsc: compatible with subject {SUBJECT} version latest according to {url}\n"
            )
        );
        // The documented request: the schema, verbose, against `latest`.
        let requests = fake.requests();
        assert_eq!(requests.len(), 1);
        assert_eq!(requests[0].method, "POST");
        assert_eq!(
            requests[0].url,
            format!("/compatibility/subjects/{SUBJECT}/versions/latest?verbose=true")
        );
        let body: serde_json::Value = serde_json::from_str(&requests[0].body).expect("body");
        assert_eq!(body["schema"], v("v2"));
    }

    #[test]
    fn an_incompatible_schema_fails_with_the_registrys_reasons() {
        let fake = RegistryFake::start();
        fake.register(SUBJECT, &v("v1"));
        let reason = "{errorType:'READER_FIELD_MISSING_DEFAULT_VALUE', description:'The field 'color' at path '/fields/7' in the new schema has no default value and is missing in the old schema', additionalInfo:'color'}";
        fake.reject_subject(SUBJECT, reason);
        let url = fake.url();
        for format in ["text", "json", "github"] {
            let out = check(&[
                "--schema",
                "add-optional-field/v2.avsc",
                "--registry",
                &url,
                "--subject",
                SUBJECT,
                "--version",
                "1",
                "--format",
                format,
            ]);
            assert_eq!(out.status.code(), Some(1), "{format}: {}", stderr(&out));
            let text = stdout(&out).replace(&url, "http://registry");
            insta::assert_snapshot!(format!("registry_incompatible_{format}"), text);
        }
    }

    #[test]
    fn version_all_asks_about_every_version() {
        let fake = RegistryFake::start();
        fake.register(SUBJECT, &v("v1"));
        fake.register(SUBJECT, &v("v2"));
        let url = fake.url();
        let out = check(&[
            "--schema",
            "add-optional-field/v2.avsc",
            "--registry",
            &url,
            "--subject",
            SUBJECT,
            "--version",
            "all",
            "--format",
            "json",
        ]);
        assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
        let doc: serde_json::Value = serde_json::from_slice(&out.stdout).expect("json");
        let versions: Vec<&str> = doc["verdicts"]
            .as_array()
            .expect("verdicts")
            .iter()
            .map(|v| v["version"].as_str().expect("version"))
            .collect();
        assert_eq!(versions, ["1", "2"]);
        let posts: Vec<String> = fake
            .requests()
            .into_iter()
            .filter(|r| r.method == "POST")
            .map(|r| r.url)
            .collect();
        assert_eq!(
            posts,
            [
                format!("/compatibility/subjects/{SUBJECT}/versions/1?verbose=true"),
                format!("/compatibility/subjects/{SUBJECT}/versions/2?verbose=true"),
            ]
        );
    }

    #[test]
    fn registry_errors_exit_2() {
        let mut fake = RegistryFake::start();
        let url = fake.url();
        // No such subject: the registry's 40401.
        let out = check(&[
            "--schema",
            "add-optional-field/v2.avsc",
            "--registry",
            &url,
            "--subject",
            "nope-value",
        ]);
        assert_eq!(out.status.code(), Some(2));
        assert!(
            stderr(&out).contains("Subject 'nope-value' not found. (error code 40401)"),
            "{}",
            stderr(&out)
        );
        // Credentials required and not given: 401.
        fake.register(SUBJECT, &v("v1"));
        fake.require_basic("ci", "secret");
        let args = |extra: &[&str]| {
            let mut all = vec![
                "--schema".to_string(),
                "add-optional-field/v2.avsc".into(),
                "--registry".into(),
                url.clone(),
                "--subject".into(),
                SUBJECT.into(),
            ];
            all.extend(extra.iter().map(|s| s.to_string()));
            all
        };
        let run = |extra: &[&str]| {
            let all = args(extra);
            let refs: Vec<&str> = all.iter().map(String::as_str).collect();
            check(&refs)
        };
        assert_eq!(run(&[]).status.code(), Some(2));
        let out = run(&[
            "--registry-property",
            "basic.auth.credentials.source=USER_INFO",
            "--registry-property",
            "basic.auth.user.info=ci:secret",
        ]);
        assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
        // Down: no retries asked, so it fails at once.
        fake.go_down();
        let out = run(&["--registry-property", "max.retries=0"]);
        assert_eq!(out.status.code(), Some(2));
        assert!(
            stderr(&out).contains("is unavailable after 1 attempts"),
            "{}",
            stderr(&out)
        );
        // Offline options do not mix with a registry.
        let out = run(&["--against", "add-optional-field/v1.avsc"]);
        assert_eq!(out.status.code(), Some(2));
        assert!(
            stderr(&out).contains("cannot be used with"),
            "{}",
            stderr(&out)
        );
    }

    /// A schema file of the repository, relative to `schemas/`.
    fn file(path: &str) -> String {
        std::fs::read_to_string(super::schemas().join(path)).expect("schema")
    }

    /// The body of the only compatibility request `fake` received.
    fn compatibility_request(fake: &RegistryFake) -> serde_json::Value {
        let posts: Vec<_> = fake
            .requests()
            .into_iter()
            .filter(|r| r.method == "POST")
            .collect();
        assert_eq!(posts.len(), 1, "{posts:?}");
        assert_eq!(
            posts[0].url,
            format!("/compatibility/subjects/{SUBJECT}/versions/latest?verbose=true")
        );
        serde_json::from_str(&posts[0].body).expect("body")
    }

    /// A `.proto` file goes to the registry as `PROTOBUF`, with its imports as references (the
    /// well-known types need none), and the registry's verdict decides, reasons included.
    #[test]
    fn a_protobuf_schema_is_checked_by_the_registry_with_its_references() {
        let fake = RegistryFake::start();
        fake.register_typed("money.proto", &file("protobuf/money.proto"), "PROTOBUF");
        fake.register_typed(SUBJECT, &file("protobuf/product.v1.proto"), "PROTOBUF");
        let url = fake.url();
        let args = [
            "--schema",
            "../protobuf/product.v2.proto",
            "--reference",
            "money.proto=money.proto:1",
            "--registry",
            &url,
            "--subject",
            SUBJECT,
        ];
        let out = check(&args);
        assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
        assert!(
            stdout(&out).contains("compatible with subject"),
            "{}",
            stdout(&out)
        );
        let body = compatibility_request(&fake);
        assert_eq!(body["schemaType"], "PROTOBUF");
        assert_eq!(body["schema"], file("protobuf/product.v2.proto"));
        assert_eq!(
            body["references"],
            serde_json::json!([{"name": "money.proto", "subject": "money.proto", "version": 1}])
        );

        let reason = "{errorType:'FIELD_SCALAR_KIND_CHANGED', description:'The kind of a SCALAR field at path '#/Product/1' in the new schema does not match its kind in the old schema'}";
        fake.reject_subject(SUBJECT, reason);
        let out = check(&args);
        assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
        assert!(
            stdout(&out).contains("FIELD_SCALAR_KIND_CHANGED"),
            "{}",
            stdout(&out)
        );
    }

    /// A JSON Schema goes to the registry as `JSON`: named so, or found so because it does not
    /// parse as an Avro schema.
    #[test]
    fn a_json_schema_is_checked_by_the_registry() {
        for explicit in [false, true] {
            let fake = RegistryFake::start();
            fake.register_typed(SUBJECT, &file("json-schema/product.v1.json"), "JSON");
            let url = fake.url();
            let mut args = vec![
                "--schema",
                "../json-schema/product.v2.json",
                "--registry",
                &url,
                "--subject",
                SUBJECT,
            ];
            if explicit {
                args.extend(["--schema-type", "JSON"]);
            }
            let out = check(&args);
            assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
            let body = compatibility_request(&fake);
            assert_eq!(body["schemaType"], "JSON");
            assert_eq!(body["schema"], file("json-schema/product.v2.json"));
            assert!(body.get("references").is_none(), "{body}");
        }
    }

    /// With a registry, a JSON Schema that is not JSON and a malformed reference are usage
    /// errors (exit 2) that say what is wrong, and nothing is asked of the registry.
    #[test]
    fn malformed_input_exits_2_without_asking_the_registry() {
        let fake = RegistryFake::start();
        let url = fake.url();
        let dir = tempfile::tempdir().expect("tempdir");
        let broken = dir.path().join("broken.json");
        std::fs::write(
            &broken,
            "{\n  \"type\": \"object\",\n  \"properties\": {\n}",
        )
        .expect("write");
        let broken = broken.to_str().expect("path");
        let out = check(&[
            "--schema",
            broken,
            "--schema-type",
            "JSON",
            "--registry",
            &url,
            "--subject",
            SUBJECT,
        ]);
        assert_eq!(out.status.code(), Some(2));
        assert!(
            stderr(&out)
                .contains("not a JSON Schema: EOF while parsing an object at line 4 column 1"),
            "{}",
            stderr(&out)
        );
        for reference in [
            "money.proto",
            "money.proto=money.proto",
            "money.proto=money.proto:0",
            "=s:1",
        ] {
            let out = check(&[
                "--schema",
                "../protobuf/product.v2.proto",
                "--reference",
                reference,
                "--registry",
                &url,
                "--subject",
                SUBJECT,
            ]);
            assert_eq!(out.status.code(), Some(2), "{reference}");
            assert!(
                stderr(&out).contains("expected NAME=SUBJECT:VERSION"),
                "{reference}: {}",
                stderr(&out)
            );
        }
        assert!(fake.requests().is_empty(), "{:?}", fake.requests());
    }
}

/// The README's GitHub Actions job is valid YAML and runs `schema check` with the GitHub
/// format against the base branch.
#[test]
fn readme_github_actions_job_is_valid() {
    let readme =
        std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("../README.md"))
            .expect("README");
    let section = readme
        .split("## Schema compatibility in CI")
        .nth(1)
        .expect("the README has the section");
    let yaml = section
        .split("```yaml\n")
        .nth(1)
        .and_then(|rest| rest.split("```").next())
        .expect("a yaml block");
    let docs = yaml_rust2::YamlLoader::load_from_str(yaml).expect("valid YAML");
    let job = &docs[0]["schema-compatibility"];
    let steps = job["steps"].as_vec().expect("steps");
    let run = steps
        .iter()
        .filter_map(|s| s["run"].as_str())
        .find(|r| r.contains("switchyard schema check"))
        .expect("a step runs schema check");
    assert!(run.contains("--against-git"), "{run}");
    assert!(run.contains("--format github"), "{run}");
    assert_eq!(steps[0]["with"]["fetch-depth"].as_i64(), Some(0));
}
