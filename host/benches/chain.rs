//! Records per second through the seed's chain (`ReplaceField$Key` guarded by
//! `TopicNameMatches`, then `RegexRouter`) over the shared Debezium fixtures held as Kafka key /
//! value bytes: (a) as WebAssembly components, (b) the same logic in plain Rust on the same data
//! model, (c) an identity chain, and (d) `apply`'s JSONL parse + chain + write end to end; then
//! the two other most used chains: unwrap + route (`ExtractNewRecordState`, `RegexRouter`) and
//! unwrap + flatten + cast (`ExtractNewRecordState`, `Flatten$Value`, `Cast$Value`).
//!
//! Run with `cargo bench -p switchyard --bench chain`.

use std::path::{Path, PathBuf};
use std::sync::Arc;

use bytes::Bytes;
use criterion::{Criterion, Throughput, criterion_main};
use switchyard::chain::Chain;
use switchyard::config;
use switchyard::engine::Engine;
use switchyard::jsonl;
use switchyard::record::OutputRecord;
use switchyard::record::{self, Converters, Record};

/// The allocator of the `switchyard` binary (mimalloc), so that the figures are the product's.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn fixtures() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../tests/fixtures")
}

struct Input {
    topic: String,
    key: Option<Bytes>,
    value: Option<Bytes>,
}

fn load_records(file: &str) -> (Vec<String>, Vec<Input>) {
    let text = std::fs::read_to_string(fixtures().join(file)).expect("fixture file");
    let lines: Vec<String> = text.lines().map(str::to_string).collect();
    let inputs = lines
        .iter()
        .map(|line| {
            let parsed = jsonl::parse_line(line).expect("fixture line");
            let r = parsed.record;
            Input {
                topic: r.topic,
                key: r.key.original_bytes().cloned().flatten(),
                value: r.value.original_bytes().cloned().flatten(),
            }
        })
        .collect();
    (lines, inputs)
}

fn chain_for(config_file: &Path) -> Chain {
    let pipeline = config::load(config_file).expect("pipeline");
    let engine = Engine::new(pipeline.limits).expect("engine");
    Chain::build(&pipeline, &engine).expect("chain")
}

/// Encodes a chain's output the way `apply` and `run` do.
fn encode(converters: &Converters, r: &Record) -> (Option<Bytes>, Option<Bytes>) {
    (
        r.key.encode(&converters.key, &r.topic).expect("key"),
        r.value.encode(&converters.value, &r.topic).expect("value"),
    )
}

/// The seed chain written directly in Rust over the same record model.
struct NativeSeedChain {
    products: regex::Regex,
    route: regex::Regex,
    converters: Arc<Converters>,
}

impl NativeSeedChain {
    fn apply(&self, mut r: Record) -> Record {
        if self.products.is_match(&r.topic) {
            let topic = r.topic.clone();
            let data = r
                .key
                .data_mut(&self.converters.key, &topic)
                .expect("decodable key");
            let fields: Vec<(String, String)> = record::field_names(data, &[])
                .expect("struct key")
                .into_iter()
                .map(|f| {
                    let target = if f == "id" {
                        "product_id".to_string()
                    } else {
                        f.clone()
                    };
                    (f, target)
                })
                .collect();
            record::reshape(data, &[], &fields, true).expect("reshape");
        }
        if self.route.is_match(&r.topic) {
            r.topic = self.route.replace(&r.topic, "product-events").into_owned();
        }
        r
    }
}

/// The catalogue chains, as connector JSON that `benches/vs-connect.sh` also gives Kafka
/// Connect: Debezium's unwrap then every table topic routed to one; Debezium's unwrap then
/// `Flatten$Value` and `Cast$Value`.
fn catalogue_chain(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../benches/chains")
        .join(format!("{name}.json"))
}

fn bench(c: &mut Criterion) {
    let (_, inputs) = load_records("with-schema.jsonl");
    let seed = fixtures().join("postgres-product-connector.json");
    let mut wasm_chain = chain_for(&seed);
    let converters = Arc::clone(wasm_chain.converters());
    let dir = tempfile::tempdir().expect("tempdir");
    let identity_file = dir.path().join("identity.toml");
    std::fs::write(&identity_file, "name = \"identity\"\n").expect("write");
    let mut identity = chain_for(&identity_file);
    let native = NativeSeedChain {
        products: regex::Regex::new("^(?:.*products$)$").expect("regex"),
        route: regex::Regex::new("^(?:product.public.(.*))$").expect("regex"),
        converters: Arc::clone(&converters),
    };
    // `encode` checks what no transform changed (`Part::encode`), as `apply` and `run` do.
    let make = |i: &Input| Record::new(i.topic.clone(), i.key.clone(), i.value.clone());

    let mut group = c.benchmark_group("seed-chain");
    group.throughput(Throughput::Elements(inputs.len() as u64));
    group.bench_function("wasm", |b| {
        b.iter(|| {
            for i in &inputs {
                for out in wasm_chain.apply(make(i)).expect("chain") {
                    std::hint::black_box(encode(&converters, &out));
                }
            }
        })
    });
    group.bench_function("native", |b| {
        b.iter(|| {
            for i in &inputs {
                let out = native.apply(make(i));
                std::hint::black_box(encode(&converters, &out));
            }
        })
    });
    group.bench_function("identity", |b| {
        b.iter(|| {
            for i in &inputs {
                for out in identity.apply(make(i)).expect("chain") {
                    std::hint::black_box(encode(&converters, &out));
                }
            }
        })
    });
    group.finish();

    let mut group = c.benchmark_group("catalogue-chains");
    group.throughput(Throughput::Elements(inputs.len() as u64));
    for name in ["unwrap-route", "unwrap-flatten-cast"] {
        let mut chain = chain_for(&catalogue_chain(name));
        group.bench_function(name, |b| {
            b.iter(|| {
                for i in &inputs {
                    for out in chain.apply(make(i)).expect("chain") {
                        std::hint::black_box(encode(&converters, &out));
                    }
                }
            })
        });
    }
    group.finish();

    // The JsonConverter alone, on the first fixture record (a `products` snapshot read).
    let mut group = c.benchmark_group("json-converter");
    group.throughput(Throughput::Elements(1));
    let first = &inputs[0];
    let key = first.key.clone().expect("key");
    let value = first.value.clone().expect("value");
    let key_data = converters
        .key
        .to_connect(&first.topic, Some(&key))
        .expect("key");
    let value_data = converters
        .value
        .to_connect(&first.topic, Some(&value))
        .expect("value");
    group.bench_function("decode-key", |b| {
        b.iter(|| {
            converters
                .key
                .to_connect(&first.topic, Some(std::hint::black_box(&key)))
        })
    });
    group.bench_function("decode-value", |b| {
        b.iter(|| {
            converters
                .value
                .to_connect(&first.topic, Some(std::hint::black_box(&value)))
        })
    });
    // What every record pays before the chain: the scan that lets the value pass through.
    group.bench_function("check-value", |b| {
        b.iter(|| {
            converters
                .value
                .check(&first.topic, Some(std::hint::black_box(&value)))
        })
    });
    group.bench_function("encode-key", |b| {
        b.iter(|| {
            converters
                .key
                .from_connect(&first.topic, std::hint::black_box(&key_data))
        })
    });
    group.bench_function("encode-value", |b| {
        b.iter(|| {
            converters
                .value
                .from_connect(&first.topic, std::hint::black_box(&value_data))
        })
    });
    group.finish();

    avro_bench(c, &converters, &inputs, &key_data, &value_data);

    let (lines, _) = load_records("with-schema.jsonl");
    let mut group = c.benchmark_group("apply-jsonl");
    group.throughput(Throughput::Elements(lines.len() as u64));
    let mut out = Vec::with_capacity(1 << 20);
    group.bench_function("seed-chain", |b| {
        b.iter(|| {
            out.clear();
            for line in &lines {
                let input = jsonl::parse_line(line).expect("line");
                for r in wasm_chain.apply(input.record).expect("chain") {
                    let (key, value) = encode(&converters, &r);
                    let output = OutputRecord {
                        topic: r.topic,
                        partition: r.partition,
                        offset: input.offset,
                        timestamp: r.timestamp,
                        headers: r.headers,
                        key,
                        key_is_json: true,
                        value,
                        value_is_json: true,
                    };
                    jsonl::write_line(&mut out, &input.layout, &output);
                }
            }
            std::hint::black_box(&out);
        })
    });
    group.finish();
}

/// The cost of a lookup: the `enrich` example over one product document with 1 or 4 joins,
/// whose keys the tables hold (`get-field` then `put`) or do not (`get-field` only), and the
/// host side of `get-field` and `get` without a guest.
fn lookup_bench(c: &mut Criterion) {
    let dir = tempfile::tempdir().expect("tempdir");
    let wasm = Path::new(env!("SWITCHYARD_TEST_GUESTS")).join("enrich.wasm");
    let lookups = fixtures().join("lookups");
    let pipeline = |fields: &str, key_field: &str| {
        let file = dir
            .path()
            .join(format!("{}-{key_field}.toml", fields.len()));
        let text = std::fs::read_to_string(fixtures().join("product-documents-enriched.toml"))
            .expect("pipeline")
            .replace(
                "../../target/wasm32-wasip2/release/enrich.wasm",
                wasm.to_str().expect("path"),
            )
            .replace(
                "file = \"lookups/",
                &format!("file = \"{}/", lookups.to_str().expect("path")),
            )
            .replace(
                "fields = \"price=prices.price,currency=prices.currency,category_id=categories.category_id,tag=tags.tag\"",
                &format!("fields = \"{fields}\""),
            )
            .replace("\"key.field\" = \"id\"", &format!("\"key.field\" = \"{key_field}\""));
        std::fs::write(&file, text).expect("write");
        let chain = chain_for(&file);
        chain
            .lookups()
            .load_files(dir.path(), chain.converters())
            .expect("lookup files");
        chain
    };
    // Product 6's first document, as the seed's documents connector writes it.
    let mut documents = chain_for(&fixtures().join("product-documents-connector.json"));
    let doc_converters = Arc::clone(documents.converters());
    let (_, inputs) = load_records("with-schema.jsonl");
    let document = inputs
        .iter()
        .flat_map(|i| {
            documents
                .apply(Record::new(i.topic.clone(), i.key.clone(), i.value.clone()))
                .expect("chain")
        })
        .map(|r| encode(&doc_converters, &r))
        .find(|(_, value)| {
            value
                .as_deref()
                .is_some_and(|v| v.windows(20).any(|w| w == br#""__table":"products""#))
        })
        .expect("a product document");
    let one = "price=prices.price";
    let four = "price=prices.price,currency=prices.currency,category_id=categories.category_id,tag=tags.tag";
    let mut group = c.benchmark_group("lookup");
    group.throughput(Throughput::Elements(1));
    for (name, fields, key_field) in [
        ("enrich-1-join-found", one, "id"),
        ("enrich-4-joins-found", four, "id"),
        ("enrich-1-join-missing", one, "__lsn"),
        ("enrich-4-joins-missing", four, "__lsn"),
    ] {
        let mut chain = pipeline(fields, key_field);
        let converters = Arc::clone(chain.converters());
        group.bench_function(name, |b| {
            b.iter(|| {
                let r = Record::new("product-events", document.0.clone(), document.1.clone());
                for out in chain.apply(r).expect("chain") {
                    std::hint::black_box(encode(&converters, &out));
                }
            })
        });
    }
    let chain = pipeline(one, "id");
    let tables = Arc::clone(chain.lookups());
    let path = vec!["price".to_string()];
    group.bench_function("host-get-field", |b| {
        b.iter(|| tables.get_field("prices", std::hint::black_box("6"), &path))
    });
    group.bench_function("host-get-json", |b| {
        b.iter(|| tables.get_json("prices", std::hint::black_box("6")))
    });
    group.finish();
}

/// The AvroConverter beside the JsonConverter rows: the same first record, then every key and
/// value of the fixtures, decoded and encoded with the registry cache warm (a registry fake on
/// 127.0.0.1 answers the first request of each schema; none after), beside the
/// JsonSchemaConverter (decimals as numbers; without and with `json.fail.invalid.schema`) and
/// the ProtobufConverter (`wrapper.for.nullables`, which keeps the fixtures' nulls).
fn avro_bench(
    c: &mut Criterion,
    json: &Converters,
    inputs: &[Input],
    key_data: &switchyard::data::ConnectData,
    value_data: &switchyard::data::ConnectData,
) {
    use switchyard::convert::{AvroConverter, Converter, JsonSchemaConverter, ProtobufConverter};
    let fake = registry_fake::RegistryFake::start();
    let settings = vec![("schema.registry.url".to_owned(), fake.url())];
    let json_schema = |is_key: bool, validate: bool| {
        let mut settings = settings.clone();
        settings.push(("decimal.format".into(), "NUMERIC".into()));
        settings.push(("json.fail.invalid.schema".into(), validate.to_string()));
        Converter::JsonSchema(
            JsonSchemaConverter::configure(&settings, is_key).expect("json schema"),
        )
    };
    let protobuf = |is_key: bool| {
        let mut settings = settings.clone();
        settings.push(("wrapper.for.nullables".into(), "true".into()));
        Converter::Protobuf(ProtobufConverter::configure(&settings, is_key).expect("protobuf"))
    };
    let (protobuf_key, protobuf_value) = (protobuf(true), protobuf(false));
    let json_schemas = [
        (json_schema(true, false), json_schema(false, false)),
        (json_schema(true, true), json_schema(false, true)),
    ];
    let key = Converter::Avro(AvroConverter::configure(&settings, true).expect("avro"));
    let value = Converter::Avro(AvroConverter::configure(&settings, false).expect("avro"));
    let first = &inputs[0];
    let avro_key = key
        .from_connect(&first.topic, key_data)
        .expect("key")
        .expect("bytes");
    let avro_value = value
        .from_connect(&first.topic, value_data)
        .expect("value")
        .expect("bytes");

    let mut group = c.benchmark_group("avro-converter");
    group.throughput(Throughput::Elements(1));
    group.bench_function("decode-key", |b| {
        b.iter(|| key.to_connect(&first.topic, Some(std::hint::black_box(&avro_key))))
    });
    group.bench_function("decode-value", |b| {
        b.iter(|| value.to_connect(&first.topic, Some(std::hint::black_box(&avro_value))))
    });
    group.bench_function("encode-key", |b| {
        b.iter(|| key.from_connect(&first.topic, std::hint::black_box(key_data)))
    });
    group.bench_function("encode-value", |b| {
        b.iter(|| value.from_connect(&first.topic, std::hint::black_box(value_data)))
    });
    group.finish();

    // Every key and value of the fixtures (139 records, 258 non-null parts).
    let decoded: Vec<_> = inputs
        .iter()
        .flat_map(|i| {
            [
                (
                    &i.topic,
                    json.key.to_connect(&i.topic, i.key.as_deref()),
                    true,
                ),
                (
                    &i.topic,
                    json.value.to_connect(&i.topic, i.value.as_deref()),
                    false,
                ),
            ]
        })
        .map(|(t, d, is_key)| (t.clone(), d.expect("fixture decodes"), is_key))
        .filter(|(_, d, _)| !d.value.is_null())
        .collect();
    let side = |is_key: bool| if is_key { &key } else { &value };
    let json_side = |is_key: bool| if is_key { &json.key } else { &json.value };
    let avro_bytes: Vec<Vec<u8>> = decoded
        .iter()
        .map(|(t, d, k)| {
            side(*k)
                .from_connect(t, d)
                .expect("encodes")
                .expect("bytes")
        })
        .collect();
    let json_bytes: Vec<Vec<u8>> = decoded
        .iter()
        .map(|(t, d, k)| {
            json_side(*k)
                .from_connect(t, d)
                .expect("encodes")
                .expect("bytes")
        })
        .collect();
    let json_schema_bytes: Vec<Vec<u8>> = decoded
        .iter()
        .map(|(t, d, k)| {
            let (key, value) = &json_schemas[0];
            (if *k { key } else { value })
                .from_connect(t, d)
                .expect("encodes")
                .expect("bytes")
        })
        .collect();
    let protobuf_side = |is_key: bool| {
        if is_key {
            &protobuf_key
        } else {
            &protobuf_value
        }
    };
    let protobuf_bytes: Vec<Vec<u8>> = decoded
        .iter()
        .map(|(t, d, k)| {
            protobuf_side(*k)
                .from_connect(t, d)
                .expect("encodes")
                .expect("bytes")
        })
        .collect();
    let mut group = c.benchmark_group("converters-on-fixtures");
    group.throughput(Throughput::Elements(decoded.len() as u64));
    group.bench_function("json-decode", |b| {
        b.iter(|| {
            for ((t, _, k), bytes) in decoded.iter().zip(&json_bytes) {
                std::hint::black_box(json_side(*k).to_connect(t, Some(bytes)).expect("decodes"));
            }
        })
    });
    group.bench_function("avro-decode", |b| {
        b.iter(|| {
            for ((t, _, k), bytes) in decoded.iter().zip(&avro_bytes) {
                std::hint::black_box(side(*k).to_connect(t, Some(bytes)).expect("decodes"));
            }
        })
    });
    for ((key, value), name) in json_schemas
        .iter()
        .zip(["json-schema-decode", "json-schema-decode-validating"])
    {
        group.bench_function(name, |b| {
            b.iter(|| {
                for ((t, _, k), bytes) in decoded.iter().zip(&json_schema_bytes) {
                    let side = if *k { key } else { value };
                    std::hint::black_box(side.to_connect(t, Some(bytes)).expect("decodes"));
                }
            })
        });
    }
    for ((key, value), name) in json_schemas
        .iter()
        .zip(["json-schema-encode", "json-schema-encode-validating"])
    {
        group.bench_function(name, |b| {
            b.iter(|| {
                for (t, d, k) in &decoded {
                    let side = if *k { key } else { value };
                    std::hint::black_box(side.from_connect(t, d).expect("encodes"));
                }
            })
        });
    }
    group.bench_function("protobuf-decode", |b| {
        b.iter(|| {
            for ((t, _, k), bytes) in decoded.iter().zip(&protobuf_bytes) {
                std::hint::black_box(
                    protobuf_side(*k)
                        .to_connect(t, Some(bytes))
                        .expect("decodes"),
                );
            }
        })
    });
    group.bench_function("protobuf-encode", |b| {
        b.iter(|| {
            for (t, d, k) in &decoded {
                std::hint::black_box(protobuf_side(*k).from_connect(t, d).expect("encodes"));
            }
        })
    });
    group.bench_function("json-encode", |b| {
        b.iter(|| {
            for (t, d, k) in &decoded {
                std::hint::black_box(json_side(*k).from_connect(t, d).expect("encodes"));
            }
        })
    });
    group.bench_function("avro-encode", |b| {
        b.iter(|| {
            for (t, d, k) in &decoded {
                std::hint::black_box(side(*k).from_connect(t, d).expect("encodes"));
            }
        })
    });
    group.finish();
    drop(fake);
}

/// The cost of parking's bookkeeping on a stream: the seed chain as a task (`Task::process`:
/// convert, chain, encode) over the fixture records, without a parking lot, with an empty one,
/// and with one holding 1000 keys of another topic (every record then looks its key up).
fn parking_bench(c: &mut Criterion) {
    use switchyard::parking::ParkingLot;
    use switchyard::record::Origin;
    use switchyard::task::{InputKinds, Processed, Task};

    let (_, inputs) = load_records("with-schema.jsonl");
    let seed = fixtures().join("postgres-product-connector.json");
    let pipeline = config::load(&seed).expect("pipeline");
    let engine = Engine::new(pipeline.limits).expect("engine");
    let records: Vec<(Record, Origin)> = inputs
        .iter()
        .enumerate()
        .map(|(n, i)| {
            let origin = Origin {
                topic: i.topic.clone(),
                partition: Some(0),
                offset: Some(n as i64),
            };
            (
                Record::new(i.topic.clone(), i.key.clone(), i.value.clone()),
                origin,
            )
        })
        .collect();
    let busy = Arc::new(ParkingLot::new());
    for k in 0..1000 {
        let origin = Origin {
            topic: "elsewhere".into(),
            partition: Some(0),
            offset: Some(k),
        };
        let record = Record::new("elsewhere", Some(Bytes::from(k.to_string())), None);
        busy.park(record, &origin, "bench".into(), Some("x"), "parked");
    }
    let lots = [
        ("no-lot", None),
        ("empty-lot", Some(Arc::new(ParkingLot::new()))),
        ("1000-other-keys-parked", Some(busy)),
    ];
    let mut group = c.benchmark_group("task-parking");
    group.throughput(Throughput::Elements(records.len() as u64));
    for (name, lot) in lots {
        let chain = Chain::build(&pipeline, &engine).expect("chain");
        let mut task = Task::new(chain, &pipeline, 0, false);
        if let Some(lot) = lot {
            task.set_parking(lot, "parked");
        }
        let mut wait = |_| true;
        group.bench_function(name, |b| {
            b.iter(|| {
                for (record, origin) in &records {
                    let processed = task
                        .process(record.clone(), origin, InputKinds::default(), &mut wait)
                        .expect("processed");
                    assert!(matches!(processed, Processed::Outputs(_)));
                    std::hint::black_box(processed);
                }
            })
        });
    }
    group.finish();
}

/// The strict registry fake of the integration tests, serving the AvroConverter rows.
#[expect(dead_code, reason = "the benchmark uses a few of the fake's controls")]
#[path = "../tests/all/registry_fake.rs"]
mod registry_fake;

/// The benchmark group, private so the function criterion generates needs no doc comment.
mod group {
    criterion::criterion_group!(
        benches,
        super::bench,
        super::lookup_bench,
        super::parking_bench
    );
}

criterion_main!(group::benches);
