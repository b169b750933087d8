//! Per-record cost of the example transform `change-router` (`transforms/examples/`) in each
//! guest language — Rust, JavaScript (componentize-js) and Python (componentize-py) — over the
//! shared Debezium fixtures, through the same chain and converters as `apply`, encoding
//! included. The components are built beforehand (BENCHMARKS.md has the commands) into
//! `$SWITCHYARD_EXAMPLE_COMPONENTS` (default `target/examples/`) as
//! `change_router_{rust,javascript,python}.wasm`; a missing one is skipped with a message.
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
    let inputs = load_records();
    let components = std::env::var_os("SWITCHYARD_EXAMPLE_COMPONENTS")
        .map_or_else(|| workspace().join("target/examples"), PathBuf::from);
    let dir = tempfile::tempdir().expect("tempdir");
    let make = |i: &Input| Record::new(i.topic.clone(), i.key.clone(), i.value.clone());

    let mut group = c.benchmark_group("change-router");
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
                for i in &inputs {
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

/// The benchmark group, private so the function criterion generates needs no doc comment.
mod group {
    criterion::criterion_group!(benches, super::bench);
}

criterion_main!(group::benches);
