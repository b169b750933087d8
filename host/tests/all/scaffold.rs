//! `switchyard new` end to end: for each language, the binary writes a project into a temporary
//! folder, the project is built with the command its README states, and `switchyard apply` runs
//! the built component over the project's sample input; the output must mask the sample's
//! e-mail address and match the project's `sample/expected.jsonl`.
//!
//! A missing toolchain skips a test with a printed reason unless
//! `SWITCHYARD_REQUIRE_GUEST_TOOLCHAINS=1` (see [`crate::toolchains`]).

use std::path::Path;
use std::process::Command;

use crate::common::switchyard;
use crate::toolchains::{self, workspace};

/// The first fenced shell command after the `## Build` heading of the project's README.
fn readme_build_command(project: &Path) -> String {
    let readme = std::fs::read_to_string(project.join("README.md")).expect("README.md");
    let build = readme
        .split("## Build")
        .nth(1)
        .expect("README has a Build section");
    let fenced = build
        .split("```sh\n")
        .nth(1)
        .expect("a ```sh block under Build");
    let command = fenced.lines().next().expect("a command").trim().to_string();
    assert!(!command.is_empty(), "empty build command");
    command
}

/// Runs `switchyard new NAME --lang LANG --dir <tmp>/NAME` and returns the temp folder and the
/// project folder.
fn scaffold(name: &str, lang: &str) -> (tempfile::TempDir, std::path::PathBuf) {
    let tmp = tempfile::tempdir().expect("tempdir");
    let project = tmp.path().join(name);
    let out = switchyard(&[
        "new",
        name,
        "--lang",
        lang,
        "--dir",
        project.to_str().expect("utf-8 path"),
    ]);
    assert!(
        out.status.success(),
        "switchyard new failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(stdout.contains("created"), "{stdout}");
    for file in [
        "wit/switchyard.wit",
        "README.md",
        "pipeline.toml",
        "sample/input.jsonl",
    ] {
        assert!(project.join(file).is_file(), "{file} is missing");
    }
    (tmp, project)
}

/// Runs the README's build command (split on spaces; the commands have no quoting) in the
/// project, with `env` added.
fn build(project: &Path, env: &[(&str, &std::ffi::OsStr)], program: Option<&Path>) {
    let command = readme_build_command(project);
    let mut words = command.split_whitespace();
    let first = words.next().expect("a program");
    let mut process = match program {
        Some(path) => Command::new(path),
        None if first == "cargo" => toolchains::cargo(),
        None => Command::new(first),
    };
    process.current_dir(project).args(words);
    for (key, value) in env {
        process.env(key, value);
    }
    toolchains::run(&mut process, &command);
}

/// Runs the project's pipeline over its sample input and checks the output.
fn check_output(project: &Path) {
    let pipeline = project.join("pipeline.toml");
    let input = project.join("sample/input.jsonl");
    let out = switchyard(&[
        "apply",
        "--config",
        pipeline.to_str().expect("utf-8 path"),
        "--input",
        input.to_str().expect("utf-8 path"),
        "--quiet",
    ]);
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "apply failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    // Independently of the expected file: the address is gone, the others pass unchanged.
    assert!(!stdout.contains("ada@example.com"), "{stdout}");
    assert!(stdout.contains(r#""email":"****""#), "{stdout}");
    assert!(stdout.contains(r#""email":null"#), "{stdout}");
    assert_eq!(stdout.lines().count(), 4, "{stdout}");
    let expected =
        std::fs::read_to_string(project.join("sample/expected.jsonl")).expect("expected.jsonl");
    assert_eq!(stdout, expected);
}

#[test]
fn a_new_rust_project_builds_and_runs() {
    let test = "a_new_rust_project_builds_and_runs";
    if let Err(reason) = toolchains::wasm_target() {
        return toolchains::missing(test, &reason);
    }
    let (_tmp, project) = scaffold("mask-email", "rust");
    // The README's command, with the dependencies (wit-bindgen) compiled once per target
    // folder rather than once per test run.
    let target = toolchains::target_dir().join("switchyard-scaffold");
    build(&project, &[("CARGO_TARGET_DIR", target.as_os_str())], None);
    std::fs::create_dir_all(project.join("target/wasm32-wasip2/release")).expect("mkdir");
    std::fs::copy(
        target.join("wasm32-wasip2/release/mask_email.wasm"),
        project.join("target/wasm32-wasip2/release/mask_email.wasm"),
    )
    .expect("the component cargo built");
    check_output(&project);
}

#[test]
fn a_new_javascript_project_builds_and_runs() {
    let test = "a_new_javascript_project_builds_and_runs";
    if let Err(reason) = toolchains::node() {
        return toolchains::missing(test, &reason);
    }
    let installed = workspace().join("transforms/examples/js/node_modules");
    if !installed.join("@bytecodealliance/componentize-js").exists() {
        return toolchains::missing(
            test,
            "componentize-js is not installed (run `npm ci` in transforms/examples/js)",
        );
    }
    let (_tmp, project) = scaffold("mask-email", "js");
    // The project pins the example's packages (the same package-lock.json): link its
    // node_modules instead of `npm ci`, which would need the network in the test.
    std::os::unix::fs::symlink(&installed, project.join("node_modules")).expect("symlink");
    build(&project, &[], None);
    check_output(&project);
}

#[test]
fn a_new_python_project_builds_and_runs() {
    let test = "a_new_python_project_builds_and_runs";
    let componentize_py = match toolchains::componentize_py() {
        Ok(path) => path,
        Err(reason) => return toolchains::missing(test, &reason),
    };
    let (_tmp, project) = scaffold("mask-email", "python");
    assert!(readme_build_command(&project).starts_with("componentize-py "));
    build(&project, &[], Some(&componentize_py));
    check_output(&project);
}

#[test]
fn new_refuses_a_bad_name_and_a_non_empty_folder() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let dir = tmp.path().to_str().expect("utf-8 path");
    let bad = switchyard(&["new", "Bad Name", "--lang", "rust", "--dir", dir]);
    assert_eq!(bad.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&bad.stderr).contains("invalid transform name"));
    std::fs::write(tmp.path().join("keep.txt"), "x").expect("write");
    let full = switchyard(&["new", "ok", "--lang", "python", "--dir", dir]);
    assert_eq!(full.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&full.stderr).contains("not empty"));
}
