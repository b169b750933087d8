//! The pipeline loaders on arbitrary text: a Kafka Connect connector JSON and a TOML pipeline
//! are refused with an error, never a panic.
#![no_main]

use std::path::Path;

libfuzzer_sys::fuzz_target!(|text: &str| {
    let _ = switchyard_pipeline::connect::from_connector_json(Path::new("fuzz.json"), text);
    let _ = switchyard_pipeline::config::from_text(Path::new("fuzz.toml"), text);
});
