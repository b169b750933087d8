//! Per-record cost of the example transform `change-router` (`transforms/examples/`) in each
//! guest language — Rust, JavaScript (componentize-js) and Python (componentize-py) — over the
//! shared Debezium fixtures, through the same chain and converters as `apply`, encoding
//! included. The components are built beforehand (BENCHMARKS.md has the commands) into
//! `$SWITCHYARD_EXAMPLE_COMPONENTS` (default `target/examples/`) as
//! `change_router_{rust,javascript,python}.wasm`; a missing one is skipped with a message.
//!
//! Two groups: `change-router` runs the 139 records as they are, pass after pass;
//! `change-router-distinct` runs 16 copies of them whose rows and keys differ in `id` (each
//! copy's ids shifted by a million), so that no record repeats another's values. A transform
//! that declares `depends-only-on-answers` and reads values (the update's changed fields) has
//! its calls replayed when a value repeats: only the second group shows what a stream whose
//! rows all differ costs.
//!
//! Run with `cargo bench -p switchyard --bench languages`.

use std::path::{Path, PathBuf};
use std::sync::Arc;

use bytes::Bytes;
use criterion::{Criterion, Throughput, criterion_main};
use switchyard::chain::Chain;
use switchyard::config;
use switchyard::engine::Engine;
use switchyard::jsonl;
use switchyard::record::Record;

/// The allocator of the `switchyard` binary (mimalloc), so that the figures are the product's.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn workspace() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("..")
}

struct Input {
    topic: String,
    key: Option<Bytes>,
    value: Option<Bytes>,
}

fn load_records() -> Vec<Input> {
    let file = workspace().join("tests/fixtures/with-schema.jsonl");
    let text = std::fs::read_to_string(file).expect("fixture file");
    text.lines()
        .map(|line| {
            let r = jsonl::parse_line(line).expect("fixture line").record;
            Input {
                topic: r.topic,
                key: r.key.original_bytes().cloned().flatten(),
                value: r.value.original_bytes().cloned().flatten(),
            }
        })
        .collect()
}

/// How many copies of the fixtures `change-router-distinct` runs.
const COPIES: u64 = 16;

/// `text` with every `"id":N` after its `"payload":` shifted by `shift`: the key's `id` and the
/// `id` of both rows of a change event (the schema's `"field":"id"` is left alone).
fn shift_ids(text: &[u8], shift: u64) -> Bytes {
    let text = std::str::from_utf8(text).expect("UTF-8 fixture");
    let Some(start) = text.find("\"payload\":") else {
        return Bytes::copy_from_slice(text.as_bytes());
    };
    let (head, mut rest) = text.split_at(start);
    let mut out = String::from(head);
    while let Some(at) = rest.find("\"id\":") {
        let digits_at = at + "\"id\":".len();
        out.push_str(&rest[..digits_at]);
        rest = &rest[digits_at..];
        let digits = rest.bytes().take_while(u8::is_ascii_digit).count();
        match rest[..digits].parse::<u64>() {
            Ok(id) => out.push_str(&(id + shift).to_string()),
            Err(_) => out.push_str(&rest[..digits]),
        }
        rest = &rest[digits..];
    }
    out.push_str(rest);
    Bytes::from(out)
}

/// `COPIES` copies of `inputs`, the ids of copy `n` shifted by `n` millions.
fn distinct(inputs: &[Input]) -> Vec<Input> {
    (0..COPIES)
        .flat_map(|n| {
            inputs.iter().map(move |i| Input {
                topic: i.topic.clone(),
                key: i.key.as_deref().map(|k| shift_ids(k, n * 1_000_000)),
                value: i.value.as_deref().map(|v| shift_ids(v, n * 1_000_000)),
            })
        })
        .collect()
}

/// A chain of the one example component, configured as the examples' `pipeline.toml` files.
fn chain_for(dir: &Path, component: &Path) -> Chain {
    let file = dir.join("pipeline.toml");
    std::fs::write(
        &file,
        format!(
            "[[transforms]]\nalias = \"ChangeRouter\"\ncomponent = {component:?}\n\
             config = {{ \"mask.fields\" = \"body,seller_id\", \"mask.replacement\" = \"[redacted]\" }}\n"
        ),
    )
    .expect("write pipeline");
    let pipeline = config::load(&file).expect("pipeline");
    let engine = Engine::new(pipeline.limits).expect("engine");
    Chain::build(&pipeline, &engine).expect("chain")
}

fn bench(c: &mut Criterion) {
    let fixtures = load_records();
    let copies = distinct(&fixtures);
    let components = std::env::var_os("SWITCHYARD_EXAMPLE_COMPONENTS")
        .map_or_else(|| workspace().join("target/examples"), PathBuf::from);
    let dir = tempfile::tempdir().expect("tempdir");
    let make = |i: &Input| Record::new(i.topic.clone(), i.key.clone(), i.value.clone());

    for (group_name, inputs) in [
        ("change-router", &fixtures),
        ("change-router-distinct", &copies),
    ] {
        let mut group = c.benchmark_group(group_name);
        group.throughput(Throughput::Elements(inputs.len() as u64));
        for language in ["rust", "javascript", "python"] {
            let component = components.join(format!("change_router_{language}.wasm"));
            if !component.exists() {
                eprintln!(
                    "skipping {language}: {} is missing (see BENCHMARKS.md)",
                    component.display()
                );
                continue;
            }
            let mut chain = chain_for(dir.path(), &component);
            let converters = Arc::clone(chain.converters());
            group.bench_function(language, |b| {
                b.iter(|| {
                    for i in inputs {
                        for out in chain.apply(make(i)).expect("chain") {
                            std::hint::black_box((
                                out.key.encode(&converters.key, &out.topic).expect("key"),
                                out.value
                                    .encode(&converters.value, &out.topic)
                                    .expect("value"),
                            ));
                        }
                    }
                })
            });
        }
        group.finish();
    }
}

/// The benchmark group, private so the function criterion generates needs no doc comment.
mod group {
    criterion::criterion_group!(benches, super::bench);
}

criterion_main!(group::benches);
