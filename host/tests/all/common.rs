//! Helpers shared by the integration tests.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use bytes::Bytes;
use switchyard::chain::Chain;
use switchyard::config;
use switchyard::engine::Engine;
use switchyard::record::Record;

/// The repository's fixture folder.
pub fn fixtures() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../tests/fixtures")
}

/// Runs the built `switchyard` binary.
pub fn switchyard(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_switchyard"))
        .args(args)
        .env("SWITCHYARD_LOG", "warn")
        .output()
        .expect("run switchyard")
}

/// The text of the first header `key` of a record JSONL line (empty when it has none).
pub fn header_text(record: &serde_json::Value, key: &str) -> String {
    record["headers"]
        .as_array()
        .and_then(|h| h.iter().find(|h| h["key"] == key))
        .and_then(|h| h["value"].as_str())
        .map(str::to_owned)
        .unwrap_or_default()
}

/// Writes `text` to `name` in a fresh temporary folder, returning both.
pub fn temp_file(name: &str, text: &str) -> (tempfile::TempDir, PathBuf) {
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join(name);
    std::fs::write(&path, text).expect("write");
    (dir, path)
}

/// Builds a chain from a pipeline TOML.
pub fn chain(toml: &str) -> Result<Chain, config::ConfigError> {
    let (_dir, path) = temp_file("pipeline.toml", toml);
    let pipeline = config::load(&path)?;
    let engine = Engine::new(pipeline.limits).expect("engine");
    Chain::build(&pipeline, &engine)
}

/// A record with JSON text key and value (`None` for null).
pub fn record(topic: &str, key: Option<&str>, value: Option<&str>) -> Record {
    Record::new(
        topic,
        key.map(|k| Bytes::copy_from_slice(k.as_bytes())),
        value.map(|v| Bytes::copy_from_slice(v.as_bytes())),
    )
}

/// The key and value of a chain output as text, encoded by the chain's converters.
pub fn encoded(chain: &Chain, r: &Record) -> (Option<String>, Option<String>) {
    let c = chain.converters();
    let text = |b: Option<Bytes>| b.map(|b| String::from_utf8(b.to_vec()).expect("utf-8"));
    (
        text(r.key.encode(&c.key, &r.topic).expect("encode key")),
        text(r.value.encode(&c.value, &r.topic).expect("encode value")),
    )
}

/// Parses JSON text, keeping object key order.
pub fn json(text: &str) -> serde_json::Value {
    serde_json::from_str(text).expect("json")
}
