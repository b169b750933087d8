//! Confluent's AvroConverter on arbitrary datums in the wire format, against every Avro schema
//! of the repository (the product fixtures and the evolution cases): decoding, and the check
//! of bytes no transform touched, never panic and never allocate more than the bytes justify.
//! The first input byte picks the writer's schema, the rest is the datum after the 5-byte
//! frame; the schemas are served by a small registry in the process, and cached by the
//! converter after the first request, so an execution does not leave the process.
#![no_main]

use std::path::{Path, PathBuf};
use std::sync::LazyLock;

use switchyard_convert::avro::AvroConverter;

/// The schemas, numbered from 1 in file-name order, and the converter reading them.
static SETUP: LazyLock<(u32, AvroConverter)> = LazyLock::new(|| {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../schemas");
    let mut files = Vec::new();
    collect(&root, &mut files);
    files.sort();
    let schemas: Vec<String> = files
        .iter()
        .map(|f| std::fs::read_to_string(f).expect("schema"))
        .collect();
    let server = tiny_http::Server::http("127.0.0.1:0").expect("registry");
    let url = format!("http://{}", server.server_addr());
    let count = schemas.len() as u32;
    std::thread::spawn(move || {
        for request in server.incoming_requests() {
            let id = request
                .url()
                .split('?')
                .next()
                .and_then(|p| p.strip_prefix("/schemas/ids/"))
                .and_then(|id| id.parse::<usize>().ok());
            let response = match id.and_then(|id| schemas.get(id.wrapping_sub(1))) {
                Some(schema) => tiny_http::Response::from_string(
                    serde_json::json!({ "schema": schema }).to_string(),
                )
                .with_status_code(200),
                None => tiny_http::Response::from_string(
                    r#"{"error_code":40403,"message":"Schema not found"}"#,
                )
                .with_status_code(404),
            };
            let _ = request.respond(response);
        }
    });
    let settings = [
        ("schema.registry.url".to_string(), url),
        ("unknown.schema.wait.ms".to_string(), "0".to_string()),
    ];
    let converter = AvroConverter::configure(&settings, false).expect("converter");
    (count, converter)
});

fn collect(dir: &Path, files: &mut Vec<PathBuf>) {
    for entry in std::fs::read_dir(dir).expect("schemas").flatten() {
        let path = entry.path();
        if path.is_dir() {
            collect(&path, files);
        } else if path.extension().is_some_and(|e| e == "avsc") {
            files.push(path);
        }
    }
}

libfuzzer_sys::fuzz_target!(|input: &[u8]| {
    let (count, converter) = &*SETUP;
    let Some((&pick, datum)) = input.split_first() else {
        return;
    };
    let id = u32::from(pick) % count + 1;
    let mut bytes = vec![0u8];
    bytes.extend_from_slice(&id.to_be_bytes());
    bytes.extend_from_slice(datum);
    let _ = converter.check("t", Some(&bytes));
    let _ = converter.to_connect("t", Some(&bytes));
});
