//! `switchyard new`: writes a transform project in Rust, JavaScript or Python that builds with
//! one command and runs with `switchyard apply`.
//!
//! Every project gets a copy of the WIT package (`wit/`, embedded in the binary, so a project
//! always matches the host that made it), one function to edit, a sample input with its
//! expected output, a pipeline file that loads the built component and a README.
//!
//! The Rust template depends on `wit-bindgen` from crates.io and generates its bindings from
//! its own `wit/`, rather than on the SDK in `transforms/sdk`: the SDK is not published, and a
//! path dependency would break as soon as the project lives outside this repository. Vendoring
//! the SDK instead would copy code the author never edits and that drifts from the SDK; the
//! bindings alone are one macro call and a few lines of glue.
//!
//! The JavaScript template pins the same `componentize-js` as `transforms/examples/js` and ships
//! that example's `package-lock.json`, so `npm ci` installs exactly what the project's tests
//! build with; the Python template pins `componentize-py`.

use std::path::{Path, PathBuf};

/// The languages a project can be written in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Language {
    /// Rust with `wit-bindgen`, built by cargo for `wasm32-wasip2`.
    Rust,
    /// JavaScript, built by `componentize-js`.
    JavaScript,
    /// Python, built by `componentize-py`.
    Python,
}

/// Why a project could not be written.
#[derive(Debug, thiserror::Error)]
pub enum ScaffoldError {
    /// The name cannot be a package and file name.
    #[error(
        "invalid transform name `{0}`: use lowercase letters, digits, `-` and `_`, starting with a letter"
    )]
    InvalidName(String),
    /// The target folder exists and is not empty.
    #[error("{}: already exists and is not empty", .0.display())]
    NotEmpty(PathBuf),
    /// A file could not be written.
    #[error("{}: {message}", path.display())]
    Io {
        /// The file or folder.
        path: PathBuf,
        /// What went wrong.
        message: String,
    },
}

/// The WIT package, as the host was built against it.
const WIT: &str = include_str!("../../../wit/switchyard.wit");
/// Its README.
const WIT_README: &str = include_str!("../../../wit/README.md");

const README: &str = include_str!("templates/common/README.md");
const PIPELINE: &str = include_str!("templates/common/pipeline.toml");
const SAMPLE_INPUT: &str = include_str!("templates/common/sample/input.jsonl");
const SAMPLE_EXPECTED: &str = include_str!("templates/common/sample/expected.jsonl");

const RUST_CARGO: &str = include_str!("templates/rust/Cargo.toml");
const RUST_LIB: &str = include_str!("templates/rust/src/lib.rs");
const RUST_GITIGNORE: &str = include_str!("templates/rust/gitignore");

const JS_PACKAGE: &str = include_str!("templates/js/package.json");
const JS_LOCK: &str = include_str!("../../../transforms/examples/js/package-lock.json");
const JS_TRANSFORM: &str = include_str!("templates/js/src/transform.js");
const JS_GITIGNORE: &str = include_str!("templates/js/gitignore");

const PY_APP: &str = include_str!("templates/python/app.py");
const PY_TEST: &str = include_str!("templates/python/test_app.py");
const PY_REQUIREMENTS: &str = include_str!("templates/python/requirements.txt");
const PY_GITIGNORE: &str = include_str!("templates/python/gitignore");

impl Language {
    /// The language's name in prose.
    pub fn display_name(self) -> &'static str {
        match self {
            Language::Rust => "Rust",
            Language::JavaScript => "JavaScript",
            Language::Python => "Python",
        }
    }

    /// The one command that builds the component, run in the project folder.
    pub fn build_command(self, file_name: &str) -> String {
        match self {
            Language::Rust => "cargo build --target wasm32-wasip2 --release".into(),
            Language::JavaScript => "npm run build".into(),
            Language::Python => {
                format!("componentize-py -d wit -w transform componentize app -o {file_name}.wasm")
            }
        }
    }

    /// Where the build writes the component, relative to the project folder.
    pub fn component_path(self, file_name: &str) -> String {
        match self {
            Language::Rust => format!("target/wasm32-wasip2/release/{file_name}.wasm"),
            Language::JavaScript | Language::Python => format!("{file_name}.wasm"),
        }
    }

    fn setup(self) -> &'static str {
        match self {
            Language::Rust => "`rustup target add wasm32-wasip2`.",
            Language::JavaScript => {
                "`npm ci` (Node.js 20 or later; installs the pinned `componentize-js`)."
            }
            Language::Python => {
                "`pip install -r requirements.txt` (Python 3.10 or later, in a virtual environment if you like; installs the pinned `componentize-py`)."
            }
        }
    }

    fn edit(self) -> &'static str {
        match self {
            Language::Rust => "`transform` in `src/lib.rs`",
            Language::JavaScript => "`transform` in `src/transform.js`",
            Language::Python => "`transform` in `app.py`",
        }
    }

    fn unit_test(self) -> &'static str {
        match self {
            Language::Rust => "`cargo test` runs the unit tests in `src/lib.rs` natively.",
            Language::JavaScript => {
                "`npm test` runs the same check (with `switchyard` on the PATH)."
            }
            Language::Python => {
                "`python -m unittest test_app` runs `test_app.py` (after writing the bindings with `componentize-py -d wit -w transform bindings .`)."
            }
        }
    }
}

/// Checks a transform name: lowercase ASCII letters, digits, `-` and `_`, starting with a
/// letter (a valid cargo package, npm package and file name).
pub fn check_name(name: &str) -> Result<(), ScaffoldError> {
    let mut chars = name.chars();
    let valid = chars.next().is_some_and(|c| c.is_ascii_lowercase())
        && chars.all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-' || c == '_');
    if valid {
        Ok(())
    } else {
        Err(ScaffoldError::InvalidName(name.to_string()))
    }
}

/// Fills `{{placeholder}}`s. Hand-written: five fixed placeholders do not need a template
/// engine.
fn fill(template: &str, values: &[(&str, &str)]) -> String {
    let mut text = template.to_string();
    for (key, value) in values {
        text = text.replace(&format!("{{{{{key}}}}}"), value);
    }
    text
}

/// Writes a new project for transform `name` in `language` into `dir`, which must be absent or
/// empty, and returns the files written (relative to `dir`).
pub fn create(name: &str, language: Language, dir: &Path) -> Result<Vec<PathBuf>, ScaffoldError> {
    check_name(name)?;
    if dir.exists() {
        let mut entries = std::fs::read_dir(dir).map_err(|e| ScaffoldError::Io {
            path: dir.to_path_buf(),
            message: e.to_string(),
        })?;
        if entries.next().is_some() {
            return Err(ScaffoldError::NotEmpty(dir.to_path_buf()));
        }
    }
    let file_name = name.replace('-', "_");
    let component = language.component_path(&file_name);
    let build = language.build_command(&file_name);
    let values = [
        ("name", name),
        ("file_name", file_name.as_str()),
        ("component", component.as_str()),
        ("language", language.display_name()),
        ("build", build.as_str()),
        ("setup", language.setup()),
        ("edit", language.edit()),
        ("unit_test", language.unit_test()),
    ];
    let mut files: Vec<(&str, String)> = vec![
        ("wit/switchyard.wit", WIT.to_string()),
        ("wit/README.md", WIT_README.to_string()),
        ("README.md", fill(README, &values)),
        ("pipeline.toml", fill(PIPELINE, &values)),
        ("sample/input.jsonl", SAMPLE_INPUT.to_string()),
        ("sample/expected.jsonl", SAMPLE_EXPECTED.to_string()),
    ];
    match language {
        Language::Rust => files.extend([
            ("Cargo.toml", fill(RUST_CARGO, &values)),
            ("src/lib.rs", fill(RUST_LIB, &values)),
            (".gitignore", RUST_GITIGNORE.to_string()),
        ]),
        Language::JavaScript => files.extend([
            ("package.json", fill(JS_PACKAGE, &values)),
            ("package-lock.json", package_lock(name)),
            ("src/transform.js", fill(JS_TRANSFORM, &values)),
            (".gitignore", JS_GITIGNORE.to_string()),
        ]),
        Language::Python => files.extend([
            ("app.py", fill(PY_APP, &values)),
            ("test_app.py", PY_TEST.to_string()),
            ("requirements.txt", PY_REQUIREMENTS.to_string()),
            (".gitignore", PY_GITIGNORE.to_string()),
        ]),
    }
    let mut written = Vec::with_capacity(files.len());
    for (relative, text) in files {
        let path = dir.join(relative);
        let io = |e: std::io::Error| ScaffoldError::Io {
            path: path.clone(),
            message: e.to_string(),
        };
        if let Some(parent) = path.parent() {
            std::fs::create_dir_all(parent).map_err(io)?;
        }
        std::fs::write(&path, text).map_err(io)?;
        written.push(PathBuf::from(relative));
    }
    Ok(written)
}

/// The example's `package-lock.json` for a package called `name`: only the root package's
/// name changes (its first two `"name"` entries: the lock's and the root package's).
fn package_lock(name: &str) -> String {
    JS_LOCK.replacen(
        "\"name\": \"change-router\"",
        &format!("\"name\": \"{name}\""),
        2,
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_must_be_package_and_file_names() {
        assert!(check_name("mask-email").is_ok());
        assert!(check_name("t2_x").is_ok());
        for bad in ["", "Mask", "2fast", "a b", "../x", "-x"] {
            assert!(check_name(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn placeholders_are_filled_and_none_is_left() {
        let dir = tempfile::tempdir().expect("tempdir");
        for language in [Language::Rust, Language::JavaScript, Language::Python] {
            let project = dir.path().join(language.display_name());
            let files = create("mask-email", language, &project).expect("create");
            for file in files {
                let text = std::fs::read_to_string(project.join(&file)).expect("read");
                assert!(
                    !text.contains("{{"),
                    "{}: {file:?} keeps a placeholder",
                    language.display_name()
                );
            }
        }
        let lock =
            std::fs::read_to_string(dir.path().join("JavaScript/package-lock.json")).expect("lock");
        assert!(lock.contains("\"name\": \"mask-email\""));
        assert!(!lock.contains("change-router"));
        let pipeline =
            std::fs::read_to_string(dir.path().join("Rust/pipeline.toml")).expect("pipeline");
        assert!(pipeline.contains("component = \"target/wasm32-wasip2/release/mask_email.wasm\""));
    }

    #[test]
    fn a_non_empty_folder_is_refused() {
        let dir = tempfile::tempdir().expect("tempdir");
        std::fs::write(dir.path().join("keep.txt"), "x").expect("write");
        let err = create("x", Language::Rust, dir.path()).unwrap_err();
        assert!(matches!(err, ScaffoldError::NotEmpty(_)), "{err}");
    }
}
