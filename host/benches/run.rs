//! `switchyard run` against a bare rdkafka consume → produce passthrough, over the same broker
//! and the same input, in the same run.
//!
//! The input is the shared Debezium fixtures (`with-schema.jsonl`, 139 change events of the
//! seed's seven product tables), repeated and renumbered (each copy's key ids are offset) to
//! `SWITCHYARD_BENCH_RECORDS` records (default 200 000, about 2.8 KB each), produced to the
//! seven raw topics beforehand. Then, each reading the raw topics from the beginning in a
//! consumer group of its own:
//! - **passthrough**: a `BaseConsumer` polling and a `ThreadedProducer` (idempotent,
//!   `linger.ms=5`, murmur2 partitioner, as `run` configures it) sending every record's key,
//!   value, headers and timestamp to one output topic: the floor any Kafka runner pays;
//! - **switchyard run**: `switchyard::kafka::run` (what the binary's `run` calls) with the seed
//!   connector (`ReplaceField$Key` guarded by `TopicNameMatches`, then `RegexRouter` to
//!   `product-events`), at-least-once;
//! - **switchyard run, exactly-once**: the same with `--delivery exactly-once`;
//! - **switchyard run, unwrap + route, 1 and 2 tasks**: a chain that decodes and rewrites every
//!   value (`benches/chains/unwrap-route.json`: `ExtractNewRecordState` then `RegexRouter`),
//!   at-least-once, with `tasks.max` 1 and 2 — what a second task adds when the chain, not
//!   the broker, bounds the stream.
//!
//! Throughput is measured from the first output record to the last (the output topic's high
//! watermarks, polled every 10 ms), so consumer-group start-up is left out of every row. A
//! stream of 200 000 records lasts one or two seconds, in which one stall of the machine
//! weighs: the pipelines are run in rounds (`SWITCHYARD_BENCH_ROUNDS`, 3 by default), each
//! round running every pipeline once with groups and output topics of its own, and each row
//! reports the median of its rounds beside every round's figure. `SWITCHYARD_BENCH_ONLY`
//! keeps the rows whose description contains it (and the passthrough).
//!
//! Brokers: librdkafka's in-process mock cluster (reproducible; it keeps about 5 MiB per
//! partition, hence 32 partitions per raw topic with the input spread round-robin), and, with
//! `SWITCHYARD_BENCH_TANSU=1`, the `tansu` broker process (`$TANSU`, `~/.cargo/bin/tansu`,
//! `PATH`). The tansu rows do not complete with tansu 0.6: every record arrives, but tansu's
//! ListOffsets answers the base offset of a partition's last batch + 1 as its high watermark,
//! so the watermarks this measurement reads stay short of the target by the size of the last
//! batches (19 490 of 20 000, passthrough included); and tansu has no transactions.
//!
//! Run with `cargo bench -p switchyard --bench run` (`SWITCHYARD_BENCH_TRANSACTION_MS` sets the
//! exactly-once row's transaction interval, 100 ms by default).

use std::collections::{HashMap, HashSet};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

use rdkafka::ClientConfig;
use rdkafka::admin::{AdminClient, AdminOptions, NewTopic, TopicReplication};
use rdkafka::client::DefaultClientContext;
use rdkafka::consumer::{BaseConsumer, Consumer};
use rdkafka::message::{Header, Headers, Message, OwnedHeaders};
use rdkafka::mocking::MockCluster;
use rdkafka::producer::{BaseRecord, DefaultProducerContext, Producer, ThreadedProducer};
use switchyard::jsonl;
use switchyard::kafka::{self, DeliveryGuarantee, RunOptions};

/// The allocator of the `switchyard` binary (mimalloc), so that the figures are the product's.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

const RAW_PARTITIONS: i32 = 32;
const OUT_PARTITIONS: i32 = 8;

fn fixtures() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../tests/fixtures")
}

struct Input {
    topic: String,
    key: Option<Vec<u8>>,
    value: Option<Vec<u8>>,
    timestamp: Option<i64>,
}

/// Adds `delta` to every integer of the key's `payload` (or of the key itself when it has no
/// envelope), so that each copy of the fixtures has keys of its own.
fn renumber(key: &serde_json::Value, delta: i64) -> serde_json::Value {
    let mut key = key.clone();
    let target = match key.get_mut("payload") {
        Some(payload) => payload,
        None => &mut key,
    };
    if let Some(object) = target.as_object_mut() {
        for value in object.values_mut() {
            if let Some(n) = value.as_i64() {
                *value = serde_json::Value::from(n + delta);
            }
        }
    }
    key
}

/// A fixture record: topic, key as JSON, value bytes, timestamp.
type Parsed = (
    String,
    Option<serde_json::Value>,
    Option<Vec<u8>>,
    Option<i64>,
);

/// Creates topics (name, partitions) on a broker.
type CreateTopics<'a> = &'a dyn Fn(&[(String, i32)]);

fn inputs(count: usize) -> Vec<Input> {
    let text = std::fs::read_to_string(fixtures().join("with-schema.jsonl")).expect("fixtures");
    let lines: Vec<&str> = text.lines().filter(|l| !l.trim().is_empty()).collect();
    let parsed: Vec<Parsed> = lines
        .iter()
        .map(|line| {
            let input = jsonl::parse_line(line).expect("fixture line");
            let bytes = |p: &switchyard::record::Part| {
                p.original_bytes().cloned().flatten().map(|b| b.to_vec())
            };
            let key =
                bytes(&input.record.key).map(|k| serde_json::from_slice(&k).expect("JSON key"));
            (
                input.record.topic.clone(),
                key,
                bytes(&input.record.value),
                input.record.timestamp,
            )
        })
        .collect();
    (0..count)
        .map(|i| {
            let (topic, key, value, timestamp) = &parsed[i % parsed.len()];
            let copy = (i / parsed.len()) as i64;
            Input {
                topic: topic.clone(),
                key: key
                    .as_ref()
                    .map(|k| serde_json::to_vec(&renumber(k, copy * 1_000_000)).expect("key")),
                value: value.clone(),
                timestamp: *timestamp,
            }
        })
        .collect()
}

fn client(bootstrap: &str) -> ClientConfig {
    let mut config = ClientConfig::new();
    config.set("bootstrap.servers", bootstrap);
    config
}

fn create_topics(bootstrap: &str, topics: &[(String, i32)]) {
    let admin: AdminClient<DefaultClientContext> = client(bootstrap).create().expect("admin");
    let new: Vec<NewTopic<'_>> = topics
        .iter()
        .map(|(name, partitions)| NewTopic::new(name, *partitions, TopicReplication::Fixed(1)))
        .collect();
    let results = futures::executor::block_on(admin.create_topics(&new, &AdminOptions::new()))
        .expect("create topics");
    for result in results {
        result.expect("create topic");
    }
}

/// Produces the input, spread round-robin over the partitions of each topic.
fn produce(bootstrap: &str, inputs: &[Input]) {
    let producer: ThreadedProducer<DefaultProducerContext> = client(bootstrap)
        .set("linger.ms", "20")
        .set("queue.buffering.max.kbytes", "1048576")
        .create()
        .expect("producer");
    for (i, input) in inputs.iter().enumerate() {
        let mut record =
            BaseRecord::<[u8], [u8]>::to(&input.topic).partition((i / 7) as i32 % RAW_PARTITIONS);
        if let Some(k) = &input.key {
            record = record.key(k);
        }
        if let Some(v) = &input.value {
            record = record.payload(v);
        }
        if let Some(t) = input.timestamp {
            record = record.timestamp(t);
        }
        let mut pending = record;
        loop {
            match producer.send(pending) {
                Ok(()) => break,
                Err((_, back)) => {
                    pending = back;
                    producer.poll(Duration::from_millis(5));
                }
            }
        }
    }
    producer.flush(Duration::from_secs(120)).expect("flush");
}

/// The sum of the high watermarks of a topic's partitions.
fn written(watcher: &BaseConsumer, topic: &str, partitions: i32) -> i64 {
    (0..partitions)
        .map(|p| {
            watcher
                .fetch_watermarks(topic, p, Duration::from_secs(5))
                .map_or(0, |(_, high)| high)
        })
        .sum()
}

/// The CPU time all of this process's threads have used (the pipeline's, its clients', the
/// mock broker's and this benchmark's own).
#[allow(unsafe_code)]
fn process_cpu() -> Duration {
    let mut ts = libc::timespec {
        tv_sec: 0,
        tv_nsec: 0,
    };
    // SAFETY: `ts` is a valid, writable timespec; CLOCK_PROCESS_CPUTIME_ID exists on Linux.
    let rc = unsafe { libc::clock_gettime(libc::CLOCK_PROCESS_CPUTIME_ID, &mut ts) };
    assert_eq!(rc, 0, "clock_gettime(CLOCK_PROCESS_CPUTIME_ID)");
    Duration::new(ts.tv_sec as u64, ts.tv_nsec as u32)
}

/// The CPU time each of this process's threads has used, by thread id (Linux's
/// `/proc/self/task/*/schedstat`, in nanoseconds); empty where that is not readable.
fn thread_cpu() -> HashMap<u32, Duration> {
    let Ok(tasks) = std::fs::read_dir("/proc/self/task") else {
        return HashMap::new();
    };
    tasks
        .flatten()
        .filter_map(|task| {
            let tid = task.file_name().to_str()?.parse().ok()?;
            let stat = std::fs::read_to_string(task.path().join("schedstat")).ok()?;
            let ns = stat.split_whitespace().next()?.parse().ok()?;
            Some((tid, Duration::from_nanos(ns)))
        })
        .collect()
}

/// Prints the CPU time per record of the pipeline's threads, summed by thread name.
fn print_threads(topic: &str, used: &[(u32, Duration)], records: u32) {
    let mut by_name: Vec<(String, Duration)> = Vec::new();
    for (tid, cpu) in used {
        let name = std::fs::read_to_string(format!("/proc/self/task/{tid}/comm"))
            .map(|n| {
                n.trim()
                    .trim_end_matches(|c: char| c.is_ascii_digit())
                    .to_string()
            })
            .unwrap_or_else(|_| "?".into());
        match by_name.iter_mut().find(|(n, _)| *n == name) {
            Some((_, total)) => *total += *cpu,
            None => by_name.push((name, *cpu)),
        }
    }
    by_name.sort_by_key(|(_, cpu)| std::cmp::Reverse(*cpu));
    let each: Vec<String> = by_name
        .iter()
        .map(|(name, cpu)| format!("{name} {:.2}", (*cpu / records).as_secs_f64() * 1e6))
        .collect();
    eprintln!(
        "{topic}: µs of CPU per record by thread: {}",
        each.join(", ")
    );
}

/// What a measurement watches with: a client reading the output topic's watermarks, and the
/// threads that ran before the pipeline started (the broker's, this benchmark's own), whose
/// CPU time is not the pipeline's.
struct Watch {
    watcher: BaseConsumer,
    existing: HashSet<u32>,
}

/// Prepares to measure a pipeline that is about to start.
fn watch(bootstrap: &str) -> Watch {
    let watcher: BaseConsumer = client(bootstrap).create().expect("watcher");
    Watch {
        watcher,
        existing: thread_cpu().into_keys().collect(),
    }
}

/// One measured run of a pipeline.
#[derive(Debug, Clone, Copy)]
struct Sample {
    /// Records per second, from the first output record seen to the last.
    rate: f64,
    /// The process's CPU time over the same window, per record: on two cores shared with the
    /// in-process broker, what bounds the rate, and steadier than it from run to run.
    cpu_per_record: Duration,
    /// The CPU time of the pipeline's own threads (its processing thread and its clients'
    /// threads; not the broker's) over the same window, per record: the cost of the pipeline
    /// itself, the steadiest figure of the three.
    pipeline_cpu_per_record: Duration,
}

/// Waits until `target` records are in `topic`; measures from the first record seen to the
/// last.
fn measure(
    watch: Watch,
    topic: &str,
    target: i64,
    timeout: Duration,
    stopped: &dyn Fn() -> bool,
) -> Result<Sample, String> {
    let Watch { watcher, existing } = watch;
    let deadline = Instant::now() + timeout;
    let mut first: Option<(Instant, i64, Duration, HashMap<u32, Duration>)> = None;
    let trace = std::env::var_os("SWITCHYARD_BENCH_TRACE").is_some();
    let started = Instant::now();
    loop {
        let now = Instant::now();
        let n = written(&watcher, topic, OUT_PARTITIONS);
        if n > 0 && first.is_none() {
            first = Some((now, n, process_cpu(), thread_cpu()));
        }
        if trace {
            eprintln!("{topic}: {n} at {:?}", now.duration_since(started));
        }
        if n >= target {
            let (start, base, cpu, threads) =
                first.unwrap_or_else(|| (now, 0, process_cpu(), thread_cpu()));
            let secs = now.duration_since(start).as_secs_f64().max(1e-3);
            let records = u32::try_from((target - base).max(1)).unwrap_or(u32::MAX);
            // The threads started for the pipeline (its own, its clients'), over the window.
            let used: Vec<(u32, Duration)> = thread_cpu()
                .into_iter()
                .filter(|(tid, _)| !existing.contains(tid))
                .map(|(tid, end)| {
                    let start = threads.get(&tid).copied().unwrap_or_default();
                    (tid, end.saturating_sub(start))
                })
                .collect();
            if std::env::var_os("SWITCHYARD_BENCH_THREADS").is_some() {
                print_threads(topic, &used, records);
            }
            let pipeline: Duration = used.iter().map(|(_, d)| *d).sum();
            return Ok(Sample {
                rate: f64::from(records) / secs,
                cpu_per_record: (process_cpu() - cpu) / records,
                pipeline_cpu_per_record: pipeline / records,
            });
        }
        if now >= deadline {
            return Err(format!(
                "{n} of {target} records in {topic} at the deadline"
            ));
        }
        if stopped() {
            return Err(format!("stopped with {n} of {target} records in {topic}"));
        }
        std::thread::sleep(Duration::from_millis(if trace { 200 } else { 10 }));
    }
}

/// The bare consume → produce loop the runner is compared with.
fn passthrough(bootstrap: &str, group: &str, topics: &[String], out: &str, stop: &AtomicBool) {
    let consumer: BaseConsumer = client(bootstrap)
        .set("group.id", group)
        .set("auto.offset.reset", "earliest")
        // As `run` sets it: without it, librdkafka's 1 s fetch backoff stalls any consumer
        // that drains its queue more slowly than the broker fills it.
        .set("fetch.queue.backoff.ms", "10")
        .create()
        .expect("consumer");
    let refs: Vec<&str> = topics.iter().map(String::as_str).collect();
    consumer.subscribe(&refs).expect("subscribe");
    let producer: ThreadedProducer<DefaultProducerContext> = client(bootstrap)
        .set("enable.idempotence", "true")
        .set("partitioner", "murmur2_random")
        .set("linger.ms", "5")
        .create()
        .expect("producer");
    while !stop.load(Ordering::Relaxed) {
        let Some(Ok(m)) = consumer.poll(Duration::from_millis(100)) else {
            continue;
        };
        let mut record = BaseRecord::<[u8], [u8]>::to(out);
        if let Some(k) = m.key() {
            record = record.key(k);
        }
        if let Some(v) = m.payload() {
            record = record.payload(v);
        }
        if let Some(t) = m.timestamp().to_millis() {
            record = record.timestamp(t);
        }
        if let Some(headers) = m.headers() {
            let mut owned = OwnedHeaders::new_with_capacity(headers.count());
            for h in headers.iter() {
                owned = owned.insert(Header {
                    key: h.key,
                    value: h.value,
                });
            }
            record = record.headers(owned);
        }
        let mut pending = record;
        loop {
            match producer.send(pending) {
                Ok(()) => break,
                Err((_, back)) => {
                    pending = back;
                    std::thread::sleep(Duration::from_millis(5));
                }
            }
        }
    }
    let _ = producer.flush(Duration::from_secs(30));
}

/// The pipelines measured, in the order each round runs them.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Pipeline {
    /// The bare consume → produce loop.
    Passthrough,
    /// The seed connector, at-least-once.
    Seed,
    /// Bytes in, bytes out, one routing step: what the kafka module costs by itself.
    Bytes,
    /// The seed connector, exactly-once.
    SeedExactlyOnce,
    /// `ExtractNewRecordState` then `RegexRouter`, with this many tasks.
    Unwrap(u32),
}

const PIPELINES: [Pipeline; 6] = [
    Pipeline::Passthrough,
    Pipeline::Seed,
    Pipeline::Bytes,
    Pipeline::SeedExactlyOnce,
    Pipeline::Unwrap(1),
    Pipeline::Unwrap(2),
];

impl Pipeline {
    fn describe(self) -> String {
        match self {
            Pipeline::Passthrough => "rdkafka passthrough".into(),
            Pipeline::Seed => "switchyard run (seed chain, at-least-once)".into(),
            Pipeline::Bytes => "switchyard run (bytes, RegexRouter only, at-least-once)".into(),
            Pipeline::SeedExactlyOnce => "switchyard run (seed chain, exactly-once)".into(),
            Pipeline::Unwrap(tasks) => format!(
                "switchyard run (unwrap + route, at-least-once, {tasks} task{})",
                if tasks > 1 { "s" } else { "" }
            ),
        }
    }

    /// The output topic (and group id) of this pipeline in round `round`.
    fn name(self, round: usize) -> String {
        let base = match self {
            Pipeline::Passthrough => "passthrough".to_string(),
            Pipeline::Seed => "seed".to_string(),
            Pipeline::Bytes => "bytes".to_string(),
            Pipeline::SeedExactlyOnce => "eos".to_string(),
            Pipeline::Unwrap(tasks) => format!("unwrap-{tasks}"),
        };
        format!("{base}-r{round}")
    }

    /// The connector or pipeline file `switchyard run` is given, written into `dir`.
    fn config(self, dir: &Path, out: &str) -> PathBuf {
        let chain = |text: String, file: &str| {
            let path = dir.join(file);
            std::fs::write(&path, text).expect("write the configuration");
            path
        };
        match self {
            // The seed connector, routing to `out`.
            Pipeline::Seed | Pipeline::SeedExactlyOnce => chain(
                std::fs::read_to_string(fixtures().join("postgres-product-connector.json"))
                    .expect("connector")
                    .replace("\"product-events\"", &format!("\"{out}\"")),
                "connector.json",
            ),
            // The unwrap + route chain of the Kafka Connect comparison, to `out`, with
            // `tasks.max` set.
            Pipeline::Unwrap(tasks) => chain(
                std::fs::read_to_string(
                    Path::new(env!("CARGO_MANIFEST_DIR"))
                        .join("../benches/chains/unwrap-route.json"),
                )
                .expect("chain")
                .replace("\"product-events\"", &format!("\"{out}\""))
                .replace(
                    "\"config\": {",
                    &format!("\"config\": {{\n    \"tasks.max\": \"{tasks}\","),
                ),
                "unwrap.json",
            ),
            Pipeline::Bytes | Pipeline::Passthrough => chain(
                format!(
                    r#"name = "bytes"
[converters.key]
class = "org.apache.kafka.connect.converters.ByteArrayConverter"
[converters.value]
class = "org.apache.kafka.connect.converters.ByteArrayConverter"
[[transforms]]
alias = "route"
class = "org.apache.kafka.connect.transforms.RegexRouter"
config = {{ regex = "product.public.(.*)", replacement = "{out}" }}
"#
                ),
                "bytes.toml",
            ),
        }
    }
}

struct Row {
    broker: &'static str,
    pipeline: Pipeline,
    /// Each round's measurement, or why the round failed.
    rates: Vec<Result<Sample, String>>,
}

impl Row {
    /// The median rate of the rounds that completed.
    fn median(&self) -> Option<f64> {
        self.median_of(|s| s.rate)
    }

    /// The median CPU time per record of the rounds that completed, in microseconds.
    fn median_cpu(&self) -> Option<f64> {
        self.median_of(|s| s.cpu_per_record.as_secs_f64() * 1e6)
    }

    /// The median CPU time of the pipeline's own threads per record, in microseconds.
    fn median_pipeline_cpu(&self) -> Option<f64> {
        self.median_of(|s| s.pipeline_cpu_per_record.as_secs_f64() * 1e6)
    }

    fn median_of(&self, of: impl Fn(&Sample) -> f64) -> Option<f64> {
        let mut ok: Vec<f64> = self.rates.iter().flatten().map(of).collect();
        ok.sort_by(f64::total_cmp);
        (!ok.is_empty()).then(|| ok[ok.len() / 2])
    }
}

/// Creates the topics on `bootstrap` with `create`, produces the input, and measures every
/// pipeline `rounds` times (each round runs every pipeline once, in [`PIPELINES`] order, with
/// groups and output topics of its own), adding its rows.
fn bench_broker(
    broker: &'static str,
    bootstrap: &str,
    create: CreateTopics<'_>,
    inputs: &[Input],
    rounds: usize,
    rows: &mut Vec<Row>,
) {
    let raw: Vec<String> = {
        let mut topics: Vec<String> = inputs.iter().map(|i| i.topic.clone()).collect();
        topics.sort();
        topics.dedup();
        topics
    };
    let mut topics: Vec<(String, i32)> = raw.iter().map(|t| (t.clone(), RAW_PARTITIONS)).collect();
    for round in 0..rounds {
        for pipeline in PIPELINES {
            topics.push((pipeline.name(round), OUT_PARTITIONS));
        }
    }
    create(&topics);
    let started = Instant::now();
    produce(bootstrap, inputs);
    eprintln!(
        "{broker}: produced {} input records in {:.1} s",
        inputs.len(),
        started.elapsed().as_secs_f64()
    );
    let target = inputs.len() as i64;
    // `ExtractNewRecordState` drops tombstones (`drop.tombstones` defaults to true): the unwrap
    // chain writes one record per input with a value.
    let unwrapped = inputs.iter().filter(|i| i.value.is_some()).count() as i64;
    let timeout = Duration::from_secs(120);

    let run_passthrough = |name: &str| {
        let watch = watch(bootstrap);
        let stop = Arc::new(AtomicBool::new(false));
        let thread = {
            let (stop, bootstrap, raw, name) = (
                Arc::clone(&stop),
                bootstrap.to_string(),
                raw.clone(),
                name.to_string(),
            );
            // Named, so that a profile tells the pipelines' threads apart.
            std::thread::Builder::new()
                .name("passthrough".into())
                .spawn(move || passthrough(&bootstrap, &name, &raw, &name, &stop))
                .expect("passthrough thread")
        };
        let rate = measure(watch, name, target, timeout, &|| thread.is_finished());
        stop.store(true, Ordering::Relaxed);
        thread.join().expect("passthrough thread");
        rate
    };
    let run_switchyard = |pipeline: Pipeline, name: &str| {
        let dir = tempfile::tempdir().expect("tempdir");
        let delivery = if pipeline == Pipeline::SeedExactlyOnce {
            DeliveryGuarantee::ExactlyOnce
        } else {
            DeliveryGuarantee::AtLeastOnce
        };
        let options = RunOptions {
            config: pipeline.config(dir.path(), name),
            bootstrap_servers: Some(bootstrap.to_string()),
            // The seed connector names its topics by its `topic.prefix` and table list; the
            // others are given the raw topics.
            topics: if matches!(pipeline, Pipeline::Seed | Pipeline::SeedExactlyOnce) {
                Vec::new()
            } else {
                raw.clone()
            },
            group_id: Some(name.to_string()),
            drain_timeout: Duration::from_secs(30),
            delivery: Some(delivery),
            transactional_id: Some(format!("{name}-txn")),
            // `SWITCHYARD_BENCH_TRANSACTION_MS` for experiments; 100 ms (the default) otherwise.
            transaction_interval: Some(Duration::from_millis(
                std::env::var("SWITCHYARD_BENCH_TRANSACTION_MS")
                    .ok()
                    .and_then(|ms| ms.parse().ok())
                    .unwrap_or(100),
            )),
            // Extra `--property` settings for experiments, `;`-separated.
            properties: std::env::var("SWITCHYARD_BENCH_PROPERTIES")
                .map(|p| p.split(';').map(str::to_string).collect())
                .unwrap_or_default(),
            ..RunOptions::default()
        };
        let watch = watch(bootstrap);
        let shutdown = Arc::new(AtomicBool::new(false));
        let thread = {
            let shutdown = Arc::clone(&shutdown);
            std::thread::Builder::new()
                .name("switchyard-run".into())
                .spawn(move || kafka::run(&options, shutdown))
                .expect("run thread")
        };
        let expected = if matches!(pipeline, Pipeline::Unwrap(_)) {
            unwrapped
        } else {
            target
        };
        let rate = measure(watch, name, expected, timeout, &|| thread.is_finished());
        shutdown.store(true, Ordering::Relaxed);
        match thread.join().expect("run thread") {
            Ok(_) => rate,
            Err(e) => Err(format!("switchyard run failed: {e}")),
        }
    };

    let only = std::env::var("SWITCHYARD_BENCH_ONLY").ok();
    let first = rows.len();
    for pipeline in PIPELINES {
        rows.push(Row {
            broker,
            pipeline,
            rates: Vec::new(),
        });
    }
    for round in 0..rounds {
        for (i, pipeline) in PIPELINES.into_iter().enumerate() {
            let skipped = pipeline != Pipeline::Passthrough
                && only
                    .as_deref()
                    .is_some_and(|o| !pipeline.describe().contains(o));
            if skipped {
                continue;
            }
            let name = pipeline.name(round);
            let rate = if pipeline == Pipeline::Passthrough {
                run_passthrough(&name)
            } else {
                run_switchyard(pipeline, &name)
            };
            eprintln!(
                "{broker} round {}: {}: {}",
                round + 1,
                pipeline.describe(),
                match &rate {
                    Ok(s) => format!(
                        "{:.0} records/s, {:.2} µs of CPU per record, {:.2} µs in the pipeline's threads",
                        s.rate,
                        s.cpu_per_record.as_secs_f64() * 1e6,
                        s.pipeline_cpu_per_record.as_secs_f64() * 1e6
                    ),
                    Err(e) => e.clone(),
                }
            );
            rows[first + i].rates.push(rate);
        }
    }
}

/// The `tansu` binary, if installed.
fn tansu_binary() -> Option<PathBuf> {
    if let Some(path) = std::env::var_os("TANSU") {
        return Some(PathBuf::from(path));
    }
    let home = std::env::var_os("CARGO_HOME")
        .map(PathBuf::from)
        .or_else(|| std::env::var_os("HOME").map(|h| Path::new(&h).join(".cargo")))
        .map(|p| p.join("bin/tansu"))
        .filter(|p| p.is_file());
    home.or_else(|| {
        std::env::var_os("PATH").and_then(|paths| {
            std::env::split_paths(&paths)
                .map(|p| p.join("tansu"))
                .find(|p| p.is_file())
        })
    })
}

struct KillOnDrop(Child);

impl Drop for KillOnDrop {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

fn start_tansu(binary: &Path) -> (KillOnDrop, String) {
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .expect("free port")
        .port();
    let url = format!("tcp://127.0.0.1:{port}");
    let child = Command::new(binary)
        .args([
            "broker",
            "--listener-url",
            &url,
            "--advertised-listener-url",
            &url,
            "--storage-engine",
            "memory://tansu/",
        ])
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("start tansu");
    let bootstrap = format!("127.0.0.1:{port}");
    let probe: BaseConsumer = client(&bootstrap).create().expect("client");
    let deadline = Instant::now() + Duration::from_secs(30);
    while probe
        .fetch_metadata(None, Duration::from_millis(500))
        .is_err()
    {
        assert!(Instant::now() < deadline, "tansu did not answer");
    }
    (KillOnDrop(child), bootstrap)
}

fn main() {
    // `cargo test --benches` runs bench targets with `--bench` absent: do nothing then.
    if !std::env::args().any(|a| a == "--bench") {
        return;
    }
    // The runner's log on standard error when `RUST_LOG` asks for it (e.g. the exactly-once
    // row's commit times with `RUST_LOG=switchyard_kafka=debug`).
    if std::env::var_os("RUST_LOG").is_some() {
        tracing_subscriber::fmt()
            .with_env_filter(tracing_subscriber::EnvFilter::from_default_env())
            .with_writer(std::io::stderr)
            .init();
    }
    let count: usize = std::env::var("SWITCHYARD_BENCH_RECORDS")
        .ok()
        .and_then(|n| n.parse().ok())
        .unwrap_or(200_000);
    let rounds: usize = std::env::var("SWITCHYARD_BENCH_ROUNDS")
        .ok()
        .and_then(|n| n.parse().ok())
        .filter(|&n| n > 0)
        .unwrap_or(3);
    let inputs = inputs(count);
    let bytes: usize = inputs
        .iter()
        .map(|i| i.key.as_ref().map_or(0, Vec::len) + i.value.as_ref().map_or(0, Vec::len))
        .sum();
    eprintln!(
        "{count} records, {:.0} bytes each on average",
        bytes as f64 / count as f64
    );
    let mut rows = Vec::new();
    {
        let cluster = MockCluster::new(1).expect("mock cluster");
        // The mock cluster has no CreateTopics: topics are created through its own API.
        let create = |topics: &[(String, i32)]| {
            for (name, partitions) in topics {
                cluster
                    .create_topic(name, *partitions, 1)
                    .expect("create topic");
            }
        };
        bench_broker(
            "mock",
            &cluster.bootstrap_servers(),
            &create,
            &inputs,
            rounds,
            &mut rows,
        );
    }
    match tansu_binary() {
        Some(binary) if std::env::var_os("SWITCHYARD_BENCH_TANSU").is_some() => {
            let (_tansu, bootstrap) = start_tansu(&binary);
            let create = |topics: &[(String, i32)]| create_topics(&bootstrap, topics);
            bench_broker("tansu", &bootstrap, &create, &inputs, rounds, &mut rows);
        }
        _ => eprintln!(
            "the tansu rows are skipped (set SWITCHYARD_BENCH_TANSU=1 with tansu installed; they do not complete with tansu 0.6: its high watermarks stop at the last batch's base offset + 1)"
        ),
    }

    println!();
    println!(
        "| broker | pipeline | records/s (median of {rounds}) | rounds | ratio to passthrough | process CPU µs/record | pipeline threads' CPU µs/record | against passthrough |"
    );
    println!("|---|---|---:|---|---:|---:|---:|---:|");
    for broker in ["mock", "tansu"] {
        let of: Vec<&Row> = rows.iter().filter(|r| r.broker == broker).collect();
        let passthrough = of.iter().find(|r| r.pipeline == Pipeline::Passthrough);
        let base = passthrough.and_then(|r| r.median());
        let base_cpu = passthrough.and_then(|r| r.median_pipeline_cpu());
        for row in of {
            if row.rates.is_empty() {
                continue;
            }
            let each: Vec<String> = row
                .rates
                .iter()
                .map(|r| match r {
                    Ok(s) => format!("{:.0} k", s.rate / 1000.0),
                    Err(_) => "failed".into(),
                })
                .collect();
            match (
                row.median(),
                base,
                row.median_cpu(),
                row.median_pipeline_cpu(),
                base_cpu,
            ) {
                (Some(rate), Some(base), Some(cpu), Some(own), Some(base_cpu)) => println!(
                    "| {} | {} | {:.0} | {} | {:.2} | {:.2} | {:.2} | {:.2} |",
                    row.broker,
                    row.pipeline.describe(),
                    rate,
                    each.join(", "),
                    rate / base,
                    cpu,
                    own,
                    own / base_cpu
                ),
                _ => println!(
                    "| {} | {} | failed: {} | | | | | |",
                    row.broker,
                    row.pipeline.describe(),
                    row.rates
                        .iter()
                        .find_map(|r| r.clone().err())
                        .unwrap_or_default()
                ),
            }
        }
    }
    let median = |p: Pipeline| {
        rows.iter()
            .find(|r| r.broker == "mock" && r.pipeline == p)
            .and_then(Row::median)
    };
    if let (Some(eos), Some(alo)) = (median(Pipeline::SeedExactlyOnce), median(Pipeline::Seed)) {
        println!();
        println!(
            "mock: exactly-once / at-least-once (seed chain): {:.2}",
            eos / alo
        );
    }
}
