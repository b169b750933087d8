//! The example transform `change-router` (`transforms/examples/`) in Rust, JavaScript and
//! Python: each is built from source with its own toolchain, run by the `switchyard apply`
//! binary over the Debezium fixtures, and must give exactly the output an independent
//! computation on `serde_json` trees gives — so the three give identical output.
//!
//! A missing toolchain skips a test with a printed reason unless
//! `SWITCHYARD_REQUIRE_GUEST_TOOLCHAINS=1` (see [`crate::toolchains`]).

use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::OnceLock;

use serde_json::{Value, json};

use crate::common::{fixtures, switchyard};
use crate::toolchains::{self, workspace};

/// The guest languages of the examples.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Language {
    Rust,
    JavaScript,
    Python,
}

/// The examples' configuration, as their `pipeline.toml` files have it.
const MASK_FIELDS: [&str; 2] = ["body", "seller_id"];
const REPLACEMENT: &str = "[redacted]";

/// Builds the example of `language` into `out` and returns the component's path, or why the
/// toolchain is missing. A failing build panics.
fn build(language: Language, out: &Path) -> Result<PathBuf, String> {
    let examples = workspace().join("transforms/examples");
    let component = out.join(format!("change_router_{language:?}.wasm").to_lowercase());
    match language {
        Language::Rust => {
            toolchains::wasm_target()?;
            // The nested guest build of host/build.rs, in its target directory, so the
            // dependencies the built-ins already compiled are reused.
            let target = toolchains::target_dir().join("switchyard-guest");
            toolchains::run(
                toolchains::cargo()
                    .current_dir(workspace())
                    .args(["build", "--locked", "--profile", "guest"])
                    .args(["--target", "wasm32-wasip2", "-p", "change-router"])
                    .arg("--target-dir")
                    .arg(&target),
                "cargo build -p change-router",
            );
            let built = target.join("wasm32-wasip2/guest/change_router.wasm");
            std::fs::copy(&built, &component).expect("copy the Rust component");
        }
        Language::JavaScript => {
            toolchains::node()?;
            let dir = examples.join("js");
            let cli = dir.join("node_modules/@bytecodealliance/componentize-js/src/cli.js");
            if !cli.exists() {
                return Err(format!(
                    "componentize-js is not installed (run `npm ci` in {})",
                    dir.display()
                ));
            }
            // The README's build command, `npm run build`, writes change_router.wasm here.
            toolchains::run(
                Command::new("npm").current_dir(&dir).args(["run", "build"]),
                "npm run build (transforms/examples/js)",
            );
            std::fs::copy(dir.join("change_router.wasm"), &component)
                .expect("copy the JavaScript component");
        }
        Language::Python => {
            let componentize_py = toolchains::componentize_py()?;
            // The README's build command, with the output in the test's folder.
            toolchains::run(
                Command::new(componentize_py)
                    .current_dir(examples.join("python"))
                    .args([
                        "-d",
                        "../../../wit",
                        "-w",
                        "transform",
                        "componentize",
                        "app",
                    ])
                    .arg("-o")
                    .arg(&component),
                "componentize-py (transforms/examples/python)",
            );
        }
    }
    Ok(component)
}

/// What `switchyard apply` writes for the example of `language` over `with-schema.jsonl`, built
/// once per test run; `Err` says which toolchain is missing.
fn output(language: Language) -> Result<&'static str, String> {
    static OUTPUTS: [OnceLock<Result<String, String>>; 3] =
        [OnceLock::new(), OnceLock::new(), OnceLock::new()];
    let slot = &OUTPUTS[language as usize];
    slot.get_or_init(|| {
        let dir = tempfile::tempdir().expect("tempdir");
        let component = build(language, dir.path())?;
        let pipeline = dir.path().join("pipeline.toml");
        std::fs::write(
            &pipeline,
            format!(
                "name = \"change-router\"\n\
                 [[transforms]]\n\
                 alias = \"ChangeRouter\"\n\
                 component = {component:?}\n\
                 config = {{ \"mask.fields\" = {:?}, \"mask.replacement\" = {REPLACEMENT:?} }}\n",
                MASK_FIELDS.join(","),
            ),
        )
        .expect("write pipeline");
        let input = fixtures().join("with-schema.jsonl");
        let out = switchyard(&[
            "apply",
            "--config",
            pipeline.to_str().expect("utf-8 path"),
            "--input",
            input.to_str().expect("utf-8 path"),
            "--quiet",
        ]);
        assert!(
            out.status.success(),
            "{language:?}: switchyard apply failed: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        Ok(String::from_utf8(out.stdout).expect("utf-8 output"))
    })
    .as_ref()
    .map(String::as_str)
    .map_err(Clone::clone)
}

/// What the transform does to one input line, computed on the line's JSON tree.
fn expected_line(line: &str) -> Value {
    let mut record: Value = serde_json::from_str(line).expect("fixture line");
    if record["value"].is_null() {
        record["topic"] = json!("product-changes");
        return record;
    }
    let value = &mut record["value"];
    let payload = &mut value["payload"];
    let op = payload["op"].as_str().expect("op").to_string();
    let changed = (op == "u").then(|| {
        let after = payload["after"].as_object().expect("after of an update");
        after
            .iter()
            .filter(|(name, v)| payload["before"].get(name.as_str()) != Some(v))
            .map(|(name, _)| name.as_str())
            .collect::<Vec<_>>()
            .join(",")
    });
    for row in ["before", "after"] {
        let Some(fields) = payload[row].as_object_mut() else {
            continue;
        };
        for field in MASK_FIELDS {
            match fields.get_mut(field) {
                Some(v @ Value::String(_)) => *v = json!(REPLACEMENT),
                Some(v @ Value::Number(_)) => *v = json!(0),
                _ => {}
            }
        }
    }
    let op_name = match op.as_str() {
        "c" => "create",
        "u" => "update",
        "d" => "delete",
        "r" => "read",
        other => panic!("the fixtures have no op {other}"),
    };
    let fields = payload.as_object_mut().expect("payload");
    fields.insert("op_name".into(), json!(op_name));
    fields.insert("changed_fields".into(), json!(changed));
    let schema_fields = value["schema"]["fields"]
        .as_array_mut()
        .expect("value schema fields");
    schema_fields.push(json!({"type": "string", "optional": false, "field": "op_name"}));
    schema_fields.push(json!({"type": "string", "optional": true, "field": "changed_fields"}));
    record["topic"] = json!(if op == "d" {
        "product-deletes"
    } else {
        "product-changes"
    });
    record
}

/// Checks the output of one language line by line against [`expected_line`].
fn check(language: Language, test: &str) {
    let output = match output(language) {
        Ok(output) => output,
        Err(reason) => return toolchains::missing(test, &reason),
    };
    let input = std::fs::read_to_string(fixtures().join("with-schema.jsonl")).expect("fixture");
    let outputs: Vec<&str> = output.lines().collect();
    let inputs: Vec<&str> = input.lines().collect();
    assert_eq!(
        outputs.len(),
        inputs.len(),
        "{language:?}: one output per record"
    );
    let (mut masked, mut deletes) = (0, 0);
    for (n, (line, out)) in inputs.iter().zip(&outputs).enumerate() {
        let got: Value = serde_json::from_str(out).expect("output line");
        assert_eq!(
            got,
            expected_line(line),
            "{language:?}: line {} differs",
            n + 1
        );
        masked += out.matches(REPLACEMENT).count();
        deletes += usize::from(got["topic"] == "product-deletes");
    }
    // The fixtures exercise every branch: masked review bodies, deletes routed apart.
    assert!(masked > 5, "{language:?}: only {masked} values masked");
    assert!(deletes > 5, "{language:?}: only {deletes} deletes");
}

#[test]
fn rust_example_masks_labels_and_routes_the_fixtures() {
    check(
        Language::Rust,
        "rust_example_masks_labels_and_routes_the_fixtures",
    );
}

#[test]
fn javascript_example_masks_labels_and_routes_the_fixtures() {
    check(
        Language::JavaScript,
        "javascript_example_masks_labels_and_routes_the_fixtures",
    );
}

#[test]
fn python_example_masks_labels_and_routes_the_fixtures() {
    check(
        Language::Python,
        "python_example_masks_labels_and_routes_the_fixtures",
    );
}

#[test]
fn the_three_languages_write_identical_records() {
    let test = "the_three_languages_write_identical_records";
    let mut outputs = Vec::new();
    for language in [Language::Rust, Language::JavaScript, Language::Python] {
        match output(language) {
            Ok(output) => outputs.push((language, output)),
            Err(reason) => return toolchains::missing(test, &reason),
        }
    }
    let (_, rust) = outputs[0];
    for (language, output) in &outputs[1..] {
        // Byte for byte, not only as JSON trees.
        assert!(
            *output == rust,
            "{language:?} differs from Rust at line {:?}",
            output
                .lines()
                .zip(rust.lines())
                .position(|(a, b)| a != b)
                .map(|i| i + 1)
        );
    }
}

/// A JavaScript guest built with componentize-js's defaults imports `wasi:http` (for `fetch`),
/// which the host does not grant: loading it fails, naming the import, before any record.
#[test]
fn a_guest_importing_wasi_http_fails_to_load_naming_the_import() {
    let test = "a_guest_importing_wasi_http_fails_to_load_naming_the_import";
    if let Err(reason) = toolchains::node() {
        return toolchains::missing(test, &reason);
    }
    let dir = workspace().join("transforms/examples/js");
    let cli = dir.join("node_modules/@bytecodealliance/componentize-js/src/cli.js");
    if !cli.exists() {
        return toolchains::missing(test, "componentize-js is not installed (`npm ci`)");
    }
    let out = tempfile::tempdir().expect("tempdir");
    let component = out.path().join("with_fetch.wasm");
    // The README's build without `--disable http fetch-event`.
    toolchains::run(
        Command::new("node")
            .current_dir(&dir)
            .arg(&cli)
            .args(["src/transform.js", "--wit", "../../../wit"])
            .args(["--world-name", "transform", "--out"])
            .arg(&component),
        "componentize-js with fetch",
    );
    let pipeline = out.path().join("pipeline.toml");
    std::fs::write(
        &pipeline,
        "[[transforms]]\nalias = \"WithFetch\"\ncomponent = \"with_fetch.wasm\"\n",
    )
    .expect("write pipeline");
    let result = switchyard(&["validate", "--config", pipeline.to_str().expect("utf-8")]);
    let stderr = String::from_utf8_lossy(&result.stderr);
    assert_eq!(result.status.code(), Some(2), "{stderr}");
    assert!(stderr.contains("with_fetch.wasm"), "{stderr}");
    assert!(
        stderr.contains("cannot be linked: imports `wasi:http/"),
        "{stderr}"
    );
    assert!(stderr.contains("which the host does not grant"), "{stderr}");
}
