//! Finding and running the guest toolchains the language tests need: cargo with the
//! `wasm32-wasip2` target, Node.js with `componentize-js`, and `componentize-py`.
//!
//! A missing toolchain skips the test with a printed reason, unless
//! `SWITCHYARD_REQUIRE_GUEST_TOOLCHAINS=1` (as `.ci/run` sets it) makes it a failure. A toolchain
//! that is present but fails to build is always a failure.

use std::ffi::OsString;
use std::path::{Path, PathBuf};
use std::process::Command;

/// The variable that turns a missing toolchain into a test failure.
pub const REQUIRE: &str = "SWITCHYARD_REQUIRE_GUEST_TOOLCHAINS";

/// The workspace root.
pub fn workspace() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .expect("host/ has a parent")
        .to_path_buf()
}

/// The cargo target directory the test binary was built in (`<target>/debug/switchyard`).
pub fn target_dir() -> PathBuf {
    let binary = Path::new(env!("CARGO_BIN_EXE_switchyard"));
    binary
        .parent()
        .and_then(Path::parent)
        .expect("the switchyard binary is in <target>/<profile>/")
        .to_path_buf()
}

/// Whether a missing toolchain fails the test.
pub fn required() -> bool {
    std::env::var(REQUIRE).is_ok_and(|v| v == "1")
}

/// Reports a missing toolchain: a failure when required, otherwise a printed skip.
pub fn missing(test: &str, reason: &str) {
    assert!(
        !required(),
        "{REQUIRE}=1 but a toolchain is missing for {test}: {reason}"
    );
    eprintln!("SKIPPED {test}: {reason} (set {REQUIRE}=1 to make this a failure)");
}

/// Runs a build command, panicking with its output when it fails.
pub fn run(command: &mut Command, what: &str) {
    let output = command
        .output()
        .unwrap_or_else(|e| panic!("cannot start {what}: {e}"));
    assert!(
        output.status.success(),
        "{what} failed ({}):\n{}\n{}",
        output.status,
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    );
}

/// A `cargo` command for building guests: the cargo running the tests, without the flags and
/// target settings meant for the host build (as `host/build.rs` does for the built-ins).
pub fn cargo() -> Command {
    let cargo = std::env::var_os("CARGO").unwrap_or_else(|| OsString::from("cargo"));
    let mut command = Command::new(cargo);
    for var in [
        "RUSTFLAGS",
        "CARGO_ENCODED_RUSTFLAGS",
        "CARGO_BUILD_RUSTFLAGS",
        "RUSTC_WORKSPACE_WRAPPER",
        "CARGO_BUILD_TARGET",
        "CARGO_TARGET_DIR",
        "CARGO_BUILD_TARGET_DIR",
    ] {
        command.env_remove(var);
    }
    command
}

/// Whether rustup (or the sysroot) has the `wasm32-wasip2` standard library.
pub fn wasm_target() -> Result<(), String> {
    let rustc = std::env::var_os("RUSTC").unwrap_or_else(|| OsString::from("rustc"));
    let sysroot = Command::new(rustc)
        .args(["--print", "sysroot"])
        .output()
        .map_err(|e| format!("cannot run rustc: {e}"))?;
    let sysroot = String::from_utf8_lossy(&sysroot.stdout).trim().to_string();
    let lib = Path::new(&sysroot).join("lib/rustlib/wasm32-wasip2");
    if lib.exists() {
        Ok(())
    } else {
        Err("the wasm32-wasip2 target is not installed (`rustup target add wasm32-wasip2`)".into())
    }
}

/// `node` and `npm`, found on the PATH.
pub fn node() -> Result<(), String> {
    for tool in ["node", "npm"] {
        let found = Command::new(tool)
            .arg("--version")
            .output()
            .is_ok_and(|o| o.status.success());
        if !found {
            return Err(format!("`{tool}` is not on the PATH (Node.js 20 or later)"));
        }
    }
    Ok(())
}

/// `componentize-py`: `$SWITCHYARD_COMPONENTIZE_PY`, else the virtual environment `.ci/run`
/// creates in `<target>/guest-toolchains/python`, else the PATH.
pub fn componentize_py() -> Result<PathBuf, String> {
    let candidates = [
        std::env::var_os("SWITCHYARD_COMPONENTIZE_PY").map(PathBuf::from),
        Some(target_dir().join("guest-toolchains/python/bin/componentize-py")),
        Some(PathBuf::from("componentize-py")),
    ];
    for candidate in candidates.into_iter().flatten() {
        let works = Command::new(&candidate)
            .arg("--version")
            .output()
            .is_ok_and(|o| o.status.success());
        if works {
            return Ok(candidate);
        }
    }
    Err(format!(
        "no componentize-py (install it with `pip install componentize-py==0.25.1`, or let .ci/run make {})",
        target_dir().join("guest-toolchains/python").display()
    ))
}
