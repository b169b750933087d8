//! `switchyard run` against real Kafka-protocol brokers: the tansu broker process (the seed's
//! connector over the recorded Debezium events, compared with `switchyard apply`) and
//! librdkafka's mock cluster in a process of its own (crashes, dead letters, faults).

use std::time::Duration;

use switchyard::jsonl;

use crate::brokers::{
    MockCluster, Reader, Rec, Runner, create_topics, free_port, produce, tansu_or_skip,
    values_by_key, wait_for,
};
use crate::common::{fixtures, switchyard};

/// The seed connector's raw topics (Debezium's `<prefix>.<schema>.<table>`).
const RAW_TOPICS: &[&str] = &[
    "product.public.products",
    "product.public.product_prices",
    "product.public.product_categories",
    "product.public.product_tags",
    "product.public.product_details",
    "product.public.reviews",
    "product.public.product_option_groups",
];

/// Records of a record JSONL file, as Kafka records.
pub fn jsonl_records(text: &str) -> Vec<Rec> {
    text.lines()
        .filter(|l| !l.trim().is_empty())
        .map(|line| {
            let input = jsonl::parse_line(line).expect("record line");
            let bytes = |p: &switchyard::record::Part| {
                p.original_bytes().cloned().flatten().map(|b| b.to_vec())
            };
            Rec {
                topic: input.record.topic.clone(),
                partition: -1,
                key: bytes(&input.record.key),
                value: bytes(&input.record.value),
                headers: input
                    .record
                    .headers
                    .iter()
                    .map(|h| {
                        (
                            h.key.clone(),
                            h.value
                                .as_ref()
                                .map(|v| String::from_utf8_lossy(v).into_owned()),
                        )
                    })
                    .collect(),
            }
        })
        .collect()
}

pub fn http_get(port: u16, path: &str) -> Option<String> {
    use std::io::{Read, Write};
    let mut s = std::net::TcpStream::connect(("127.0.0.1", port)).ok()?;
    write!(s, "GET {path} HTTP/1.1\r\nHost: localhost\r\n\r\n").ok()?;
    let mut out = String::new();
    s.read_to_string(&mut out).ok()?;
    Some(out)
}

#[test]
fn run_over_tansu_writes_what_apply_writes() {
    let Some(broker) = tansu_or_skip("run_over_tansu_writes_what_apply_writes") else {
        return;
    };
    let mut topics: Vec<(&str, i32)> = RAW_TOPICS.iter().map(|t| (*t, 3)).collect();
    topics.push(("product-events", 3));
    create_topics(&broker.bootstrap, &topics);

    let fixture = fixtures().join("with-schema.jsonl");
    let input = jsonl_records(&std::fs::read_to_string(&fixture).expect("fixture"));
    produce(&broker.bootstrap, &input);

    let config = fixtures().join("postgres-product-connector.json");
    let applied = switchyard(&[
        "apply",
        "--config",
        config.to_str().expect("path"),
        "--input",
        fixture.to_str().expect("path"),
        "--quiet",
    ]);
    assert!(applied.status.success());
    let expected = jsonl_records(&String::from_utf8_lossy(&applied.stdout));
    assert_eq!(expected.len(), 139);

    let dir = tempfile::tempdir().expect("tempdir");
    let port = free_port();
    let metrics = format!("127.0.0.1:{port}");
    let mut runner = Runner::start(
        &[
            "--config",
            config.to_str().expect("path"),
            "--bootstrap-servers",
            &broker.bootstrap,
            "--group-id",
            "switchyard-tansu-test",
            "--metrics-address",
            &metrics,
            "--property",
            "consumer.session.timeout.ms=6000",
        ],
        &dir.path().join("run.log"),
    );
    let mut reader = Reader::new(&broker.bootstrap, &[("product-events", 3)]);
    reader.read_at_least(expected.len(), Duration::from_secs(120));

    assert!(reader.records.iter().all(|r| r.topic == "product-events"));
    assert_eq!(reader.records.len(), expected.len(), "{}", runner.log());
    // Per key, the same values in the same order as `apply` writes them (the topic's
    // partitions interleave keys in any order).
    assert_eq!(values_by_key(&reader.records), values_by_key(&expected));
    let first = &reader
        .records
        .iter()
        .find(|r| {
            r.key.as_deref().is_some_and(|k| {
                k.starts_with(br#"{"schema""#)
                    && String::from_utf8_lossy(k).contains("product.public.products.Key")
            })
        })
        .expect("a products record");
    assert!(
        String::from_utf8_lossy(first.key.as_deref().unwrap_or_default())
            .contains("\"product_id\"")
    );

    let health = wait_for("/health to be ready", Duration::from_secs(30), || {
        http_get(port, "/health").filter(|r| r.starts_with("HTTP/1.1 200"))
    });
    assert!(health.ends_with("ready\n"), "{health}");
    let metrics = wait_for("out counts in /metrics", Duration::from_secs(30), || {
        http_get(port, "/metrics").filter(|m| {
            m.contains("switchyard_records_out_total{topic=\"product-events\"} 139\n")
                && m.contains(
                    "switchyard_transform_records_total{transform=\"RouteByTable\"} 139\n",
                )
        })
    });
    for line in [
        "switchyard_records_in_total{topic=\"product.public.products\"} 21\n",
        // Every record reaches both steps (the first is guarded by its predicate), none is
        // filtered or fails.
        "switchyard_transform_records_total{transform=\"RenameProductKey\"} 139\n",
        "switchyard_transform_filtered_total{transform=\"RouteByTable\"} 0\n",
        "switchyard_transform_failed_total{transform=\"RenameProductKey\"} 0\n",
        "switchyard_transform_duration_seconds_count{transform=\"RouteByTable\"} 139\n",
        "switchyard_chain_duration_seconds_count 139\n",
        // The fixtures' timestamps are in the past: every output counts, in the last bucket
        // or below.
        "switchyard_end_to_end_latency_seconds_count 139\n",
        "switchyard_ready 1\n",
    ] {
        assert!(metrics.contains(line), "{line} in\n{metrics}");
    }

    let status = runner.terminate(Duration::from_secs(60));
    assert!(status.success(), "{status}: {}", runner.log());
    assert!(
        runner.log().contains("records in: 139, out: 139"),
        "{}",
        runner.log()
    );
}

/// A Connect worker file gives the brokers, client settings and the default converters; the
/// pipeline's `[source]` names the topics; the dead-letter topic does not exist and is created
/// (one partition, the configured replication factor) before the first record needs it.
#[test]
fn a_worker_file_and_a_source_section_drive_run_and_the_dead_letter_topic_is_created() {
    let Some(broker) = tansu_or_skip(
        "a_worker_file_and_a_source_section_drive_run_and_the_dead_letter_topic_is_created",
    ) else {
        return;
    };
    create_topics(&broker.bootstrap, &[("orders", 1), ("out-orders", 1)]);
    let dir = tempfile::tempdir().expect("tempdir");
    let worker = dir.path().join("connect-distributed.properties");
    std::fs::write(
        &worker,
        format!(
            "# a Kafka Connect worker's file\n\
             bootstrap.servers={}\n\
             group.id=connect-cluster\n\
             key.converter=org.apache.kafka.connect.storage.StringConverter\n\
             value.converter=org.apache.kafka.connect.storage.StringConverter\n\
             consumer.session.timeout.ms=6000\n\
             producer.linger.ms=1\n",
            broker.bootstrap
        ),
    )
    .expect("write worker");
    let pipeline = dir.path().join("pipeline.toml");
    std::fs::write(
        &pipeline,
        format!(
            r#"
name = "worker-test"
[source]
topics = ["orders"]
[[transforms]]
alias = "mark"
class = "org.apache.kafka.connect.transforms.RegexRouter"
predicate = "isPoison"
config = {{ regex = ".*", replacement = "poison" }}
[[transforms]]
alias = "bad"
component = "{}/misbehave.wasm"
config = {{ mode = "bad-record" }}
[[transforms]]
alias = "route"
class = "org.apache.kafka.connect.transforms.RegexRouter"
config = {{ regex = "(.*)", replacement = "out-$1" }}
[[predicates]]
alias = "isPoison"
class = "org.apache.kafka.connect.transforms.predicates.HasHeaderKey"
config = {{ name = "poison" }}
[errors]
tolerance = "all"
dead_letter_topic = "orders-dlq"
dead_letter_context_headers = true
dead_letter_replication_factor = 1
"#,
            env!("SWITCHYARD_TEST_GUESTS")
        ),
    )
    .expect("write pipeline");
    let mut poison = Rec::text("orders", "o-2", "not an order");
    poison.headers.push(("poison".into(), Some("yes".into())));
    produce(
        &broker.bootstrap,
        &[
            Rec::text("orders", "o-1", "first"),
            poison,
            Rec::text("orders", "o-3", "third"),
        ],
    );
    let mut runner = Runner::start(
        &[
            "--config",
            pipeline.to_str().expect("path"),
            "--worker",
            worker.to_str().expect("path"),
            "--no-metrics",
        ],
        &dir.path().join("run.log"),
    );
    let mut out = Reader::new(&broker.bootstrap, &[("out-orders", 1)]);
    wait_for("the two good records", Duration::from_secs(90), || {
        out.poll();
        runner.assert_running();
        (out.records.len() >= 2).then_some(())
    });
    // The StringConverter from the worker file passed the text through unchanged (the
    // default JsonConverter would have refused it).
    assert_eq!(
        out.records
            .iter()
            .map(|r| r.value.clone())
            .collect::<Vec<_>>(),
        vec![Some(b"first".to_vec()), Some(b"third".to_vec())]
    );
    let log = runner.log();
    assert!(
        log.contains("created the dead-letter topic orders-dlq"),
        "{log}"
    );
    let mut dlq = Reader::new(&broker.bootstrap, &[("orders-dlq", 1)]);
    wait_for("the dead-lettered record", Duration::from_secs(60), || {
        dlq.poll();
        runner.assert_running();
        (!dlq.records.is_empty()).then_some(())
    });
    assert_eq!(dlq.records[0].value.as_deref(), Some(&b"not an order"[..]));
    assert_eq!(
        dlq.records[0].header("__connect.errors.topic"),
        Some("orders")
    );
    let status = runner.terminate(Duration::from_secs(60));
    assert!(status.success(), "{}", runner.log());
    assert!(
        runner
            .log()
            .contains("consuming orders as group switchyard-worker-test"),
        "{}",
        runner.log()
    );
}

/// A component file replaced while `run` consumes is picked up between two records: records
/// before the change went through the old component, records after it through the new one,
/// none twice or lost. A file that no longer loads keeps the running chain; SIGHUP reloads.
#[test]
fn a_changed_component_is_reloaded_between_records_and_a_broken_one_is_refused() {
    let cluster = MockCluster::start(1, &[("raw", 1), ("out", 1)]);
    let dir = tempfile::tempdir().expect("tempdir");
    let guests = std::path::Path::new(env!("SWITCHYARD_TEST_GUESTS"));
    let step = dir.path().join("step.wasm");
    // Replaces the component file the way a deployment does: a complete new file renamed over
    // the old one.
    let install = |bytes: &[u8]| {
        let staged = dir.path().join("step.wasm.new");
        std::fs::write(&staged, bytes).expect("write component");
        std::fs::rename(&staged, &step).expect("rename component");
    };
    install(&std::fs::read(guests.join("misbehave.wasm")).expect("misbehave.wasm"));
    let pipeline = dir.path().join("pipeline.toml");
    // Both components accept this configuration: `misbehave` passes records of other topics
    // through unchanged, `InsertHeader` adds `version: 2`.
    std::fs::write(
        &pipeline,
        r#"
name = "reload-test"
[converters.key]
class = "org.apache.kafka.connect.storage.StringConverter"
[converters.value]
class = "org.apache.kafka.connect.storage.StringConverter"
[source]
topics = ["raw"]
[[transforms]]
alias = "step"
component = "step.wasm"
config = { mode = "bad-record", header = "version", "value.literal" = "2" }
[[transforms]]
alias = "route"
class = "org.apache.kafka.connect.transforms.RegexRouter"
config = { regex = "raw", replacement = "out" }
"#,
    )
    .expect("write pipeline");
    let batch = |from: usize| -> Vec<Rec> {
        (from..from + 50)
            .map(|i| Rec::text("raw", &format!("k{}", i % 5), &i.to_string()))
            .collect()
    };
    produce(&cluster.bootstrap, &batch(0));
    let mut runner = Runner::start(
        &[
            "--config",
            pipeline.to_str().expect("path"),
            "--bootstrap-servers",
            &cluster.bootstrap,
            "--no-metrics",
        ],
        &dir.path().join("run.log"),
    );
    let mut out = Reader::new(&cluster.bootstrap, &[("out", 1)]);
    let mut wait_output = |n: usize, runner: &mut Runner| {
        wait_for("the output", Duration::from_secs(60), || {
            out.poll();
            runner.assert_running();
            (out.records.len() >= n).then_some(())
        });
        out.records.clone()
    };
    wait_output(50, &mut runner);

    // The built-in InsertHeader's component, as a file of its own.
    let (insert_header, _) =
        switchyard::builtin::find("org.apache.kafka.connect.transforms.InsertHeader")
            .expect("InsertHeader is built in");
    install(insert_header.wasm);
    wait_for("the reload", Duration::from_secs(30), || {
        runner.assert_running();
        runner
            .log()
            .contains("reloaded the chain after a change of")
            .then_some(())
    });
    produce(&cluster.bootstrap, &batch(50));
    wait_output(100, &mut runner);

    // A truncated file does not load: the running chain goes on.
    install(b"\0asm truncated");
    wait_for("the refused reload", Duration::from_secs(30), || {
        runner.assert_running();
        runner
            .log()
            .contains("the running chain goes on")
            .then_some(())
    });
    produce(&cluster.bootstrap, &batch(100));
    wait_output(150, &mut runner);

    // SIGHUP: the file still does not load, and the chain still runs.
    let status = std::process::Command::new("kill")
        .args(["-HUP", &runner.process.child.id().to_string()])
        .status()
        .expect("kill -HUP");
    assert!(status.success());
    wait_for("the SIGHUP reload attempt", Duration::from_secs(30), || {
        runner.assert_running();
        runner
            .log()
            .contains("reloading the chain on SIGHUP failed")
            .then_some(())
    });
    produce(&cluster.bootstrap, &batch(150));
    let records = wait_output(200, &mut runner);

    let status = runner.terminate(Duration::from_secs(60));
    assert!(status.success(), "{}", runner.log());
    let values: Vec<usize> = records
        .iter()
        .map(|r| {
            String::from_utf8_lossy(r.value.as_deref().expect("value"))
                .parse()
                .expect("number")
        })
        .collect();
    assert_eq!(
        values,
        (0..200).collect::<Vec<_>>(),
        "each record once, in order"
    );
    for (record, value) in records.iter().zip(&values) {
        let expected = (*value >= 50).then_some("2");
        assert_eq!(record.header("version"), expected, "record {value}");
    }
}

/// `per_key` records for each of `keys` keys, values `0..per_key` in order per key,
/// interleaved across keys.
pub fn keyed_input(topic: &str, keys: usize, per_key: usize) -> Vec<Rec> {
    (0..per_key)
        .flat_map(|i| (0..keys).map(move |k| Rec::text(topic, &format!("key-{k}"), &i.to_string())))
        .collect()
}

/// How many distinct (key, value) pairs `records` hold.
fn distinct(records: &[Rec]) -> usize {
    records
        .iter()
        .map(|r| (r.key.clone(), r.value.clone()))
        .collect::<std::collections::HashSet<_>>()
        .len()
}

/// Polls the output until it holds `total` distinct records, while `runner` keeps running.
pub fn wait_for_every_record(
    reader: &mut Reader,
    total: usize,
    runner: &mut Runner,
    timeout: Duration,
) {
    wait_for("every record at least once", timeout, || {
        reader.poll();
        runner.assert_running();
        (distinct(&reader.records) == total).then_some(())
    });
}

/// A byte-for-byte pipeline from `raw` to `out`.
pub fn passthrough_pipeline(dir: &std::path::Path) -> std::path::PathBuf {
    let path = dir.join("pipeline.toml");
    std::fs::write(
        &path,
        r#"
name = "passthrough"
[converters.key]
class = "org.apache.kafka.connect.converters.ByteArrayConverter"
[converters.value]
class = "org.apache.kafka.connect.converters.ByteArrayConverter"
[[transforms]]
alias = "route"
class = "org.apache.kafka.connect.transforms.RegexRouter"
config = { regex = "raw", replacement = "out" }
"#,
    )
    .expect("write pipeline");
    path
}

/// Checks at-least-once and per-key order: every key's values are `0..n` in order, where a
/// restart may replay a suffix it had already written (a value not greater than the last).
pub fn assert_complete_and_ordered(records: &[Rec], keys: usize, per_key: usize) {
    let by_key = values_by_key(records);
    assert_eq!(by_key.len(), keys);
    for (key, values) in by_key {
        let values: Vec<usize> = values
            .iter()
            .map(|v| {
                String::from_utf8_lossy(v.as_deref().expect("value"))
                    .parse()
                    .expect("number")
            })
            .collect();
        let mut seen = vec![false; per_key];
        let mut last: Option<usize> = None;
        for &v in &values {
            if let Some(l) = last {
                assert!(
                    v == l + 1 || v <= l,
                    "key {:?}: {v} after {l} skips records",
                    key.as_deref().map(String::from_utf8_lossy)
                );
            } else {
                assert_eq!(
                    v,
                    0,
                    "key {:?} starts at {v}",
                    key.as_deref().map(String::from_utf8_lossy)
                );
            }
            seen[v] = true;
            last = Some(v);
        }
        assert!(
            seen.iter().all(|&s| s),
            "key {:?} lost records",
            key.as_deref().map(String::from_utf8_lossy)
        );
    }
}

#[test]
fn a_runner_killed_mid_stream_loses_nothing_and_keeps_key_order() {
    killed_mid_stream(&[]);
}

/// The same with three tasks in the process: each task's partitions resume from what that
/// task committed.
#[test]
fn a_runner_of_three_tasks_killed_mid_stream_loses_nothing_and_keeps_key_order() {
    killed_mid_stream(&["--tasks", "3"]);
}

/// Kills `switchyard run` (started with `extra` arguments) three times mid-stream with
/// SIGKILL, then lets a fourth run finish: every record is written at least once, and each
/// key's values in order.
fn killed_mid_stream(extra: &[&str]) {
    const KEYS: usize = 40;
    const PER_KEY: usize = 1500;
    let cluster = MockCluster::start(1, &[("raw", 4), ("out", 4)]);
    let input = keyed_input("raw", KEYS, PER_KEY);
    produce(&cluster.bootstrap, &input);

    let dir = tempfile::tempdir().expect("tempdir");
    let pipeline = passthrough_pipeline(dir.path());
    let mut args = vec![
        "--config",
        pipeline.to_str().expect("path"),
        "--bootstrap-servers",
        &cluster.bootstrap,
        "--topics",
        "raw",
        "--no-metrics",
        "--property",
        "consumer.session.timeout.ms=6000",
        "--property",
        "consumer.heartbeat.interval.ms=500",
        // Small fetches spread the stream over time, so the kills land mid-stream.
        "--property",
        "consumer.message.max.bytes=10000",
        "--property",
        "consumer.fetch.max.bytes=20000",
        "--property",
        "consumer.max.partition.fetch.bytes=5000",
    ];
    args.extend_from_slice(extra);
    let mut reader = Reader::new(&cluster.bootstrap, &[("out", 4)]);
    let total = input.len();
    let mut kills = 0;
    for (round, fraction) in [0.15, 0.4, 0.65].iter().enumerate() {
        let mut runner = Runner::start(&args, &dir.path().join(format!("run-{round}.log")));
        let before = reader.records.len();
        let target = before.max((total as f64 * fraction) as usize).max(1);
        wait_for("the runner to write more", Duration::from_secs(120), || {
            // Returns at the target, so that the kill lands while the runner is still writing.
            reader.poll_up_to(target);
            runner.assert_running();
            (reader.records.len() >= target).then_some(())
        });
        if reader.records.len() < total {
            kills += 1;
        }
        runner.kill();
    }
    let mut last = Runner::start(&args, &dir.path().join("run-last.log"));
    wait_for_every_record(&mut reader, total, &mut last, Duration::from_secs(180));
    assert!(
        kills >= 2,
        "the stream finished before the runner could be killed mid-stream"
    );
    assert_complete_and_ordered(&reader.records, KEYS, PER_KEY);
    let status = last.terminate(Duration::from_secs(60));
    assert!(status.success(), "{}", last.log());
}

#[test]
fn a_record_that_breaks_a_transform_is_dead_lettered_and_the_stream_goes_on() {
    let cluster = MockCluster::start(
        1,
        &[("fine", 1), ("poison", 1), ("out-fine", 1), ("dlq", 1)],
    );
    let dir = tempfile::tempdir().expect("tempdir");
    let pipeline = dir.path().join("pipeline.toml");
    std::fs::write(
        &pipeline,
        format!(
            r#"
name = "dlq-test"
[converters.key]
class = "org.apache.kafka.connect.storage.StringConverter"
[converters.value]
class = "org.apache.kafka.connect.storage.StringConverter"
[[transforms]]
alias = "bad"
component = "{}/misbehave.wasm"
config = {{ mode = "bad-record" }}
[[transforms]]
alias = "route"
class = "org.apache.kafka.connect.transforms.RegexRouter"
config = {{ regex = "(.*)", replacement = "out-$1" }}
[errors]
tolerance = "all"
log_enable = true
log_include_messages = true
dead_letter_topic = "dlq"
dead_letter_context_headers = true
"#,
            env!("SWITCHYARD_TEST_GUESTS")
        ),
    )
    .expect("write pipeline");
    let mut poison = Rec::text("poison", "p", "bad");
    poison.headers.push(("trace".into(), Some("abc".into())));
    produce(
        &cluster.bootstrap,
        &[
            Rec::text("fine", "a", "1"),
            poison,
            Rec::text("fine", "a", "2"),
        ],
    );
    let mut runner = Runner::start(
        &[
            "--config",
            pipeline.to_str().expect("path"),
            "--bootstrap-servers",
            &cluster.bootstrap,
            "--topics",
            "fine,poison",
            "--no-metrics",
        ],
        &dir.path().join("run.log"),
    );
    let mut out = Reader::new(&cluster.bootstrap, &[("out-fine", 1)]);
    out.read_at_least(2, Duration::from_secs(60));
    assert_eq!(
        out.records
            .iter()
            .map(|r| r.value.clone())
            .collect::<Vec<_>>(),
        vec![Some(b"1".to_vec()), Some(b"2".to_vec())]
    );
    let mut dlq = Reader::new(&cluster.bootstrap, &[("dlq", 1)]);
    dlq.read_at_least(1, Duration::from_secs(60));
    let dead = &dlq.records[0];
    assert_eq!(dead.key.as_deref(), Some(&b"p"[..]));
    assert_eq!(dead.value.as_deref(), Some(&b"bad"[..]));
    assert_eq!(dead.header("trace"), Some("abc"));
    assert_eq!(dead.header("__connect.errors.topic"), Some("poison"));
    assert_eq!(dead.header("__connect.errors.partition"), Some("0"));
    assert_eq!(dead.header("__connect.errors.offset"), Some("0"));
    assert_eq!(
        dead.header("__connect.errors.connector.name"),
        Some("dlq-test")
    );
    assert_eq!(
        dead.header("__connect.errors.stage"),
        Some("TRANSFORMATION")
    );
    assert_eq!(
        dead.header("__connect.errors.exception.class.name"),
        Some("org.apache.kafka.connect.errors.DataException")
    );
    assert_eq!(
        dead.header("__connect.errors.exception.message"),
        Some("this record is poison")
    );
    let status = runner.terminate(Duration::from_secs(60));
    assert!(status.success(), "{}", runner.log());
    let log = runner.log();
    assert!(
        log.contains("Error encountered in task dlq-test-0. Executing stage 'TRANSFORMATION'"),
        "{log}"
    );
    assert!(log.contains("dead-lettered: 1"), "{log}");
}

/// A record the broker refuses for good (here the mock cluster answers one Produce request with
/// `INVALID_MSG_SIZE`, which librdkafka does not retry) is dead-lettered at stage
/// `KAFKA_PRODUCE` under `errors.tolerance=all`, naming the input record it came from; the
/// others reach their topic, and the runner goes on and drains cleanly.
#[test]
fn a_record_the_broker_refuses_is_dead_lettered_at_the_produce_stage() {
    const RECORDS: usize = 10;
    let mut cluster = MockCluster::start(1, &[("raw", 1), ("out", 1), ("dlq", 1)]);
    let input: Vec<Rec> = (0..RECORDS)
        .map(|i| Rec::text("raw", &format!("k{i}"), &i.to_string()))
        .collect();
    produce(&cluster.bootstrap, &input);
    // The runner's first Produce request is the next one the cluster sees.
    cluster.command("request-errors Produce INVALID_MSG_SIZE 1");
    let dir = tempfile::tempdir().expect("tempdir");
    let pipeline = dir.path().join("pipeline.toml");
    std::fs::write(
        &pipeline,
        r#"
name = "produce-dlq-test"
[converters.key]
class = "org.apache.kafka.connect.storage.StringConverter"
[converters.value]
class = "org.apache.kafka.connect.storage.StringConverter"
[[transforms]]
alias = "route"
class = "org.apache.kafka.connect.transforms.RegexRouter"
config = { regex = "raw", replacement = "out" }
[errors]
tolerance = "all"
dead_letter_topic = "dlq"
dead_letter_context_headers = true
"#,
    )
    .expect("write pipeline");
    let mut runner = Runner::start(
        &[
            "--config",
            pipeline.to_str().expect("path"),
            "--bootstrap-servers",
            &cluster.bootstrap,
            "--topics",
            "raw",
            "--no-metrics",
        ],
        &dir.path().join("run.log"),
    );
    let mut out = Reader::new(&cluster.bootstrap, &[("out", 1)]);
    let mut dlq = Reader::new(&cluster.bootstrap, &[("dlq", 1)]);
    wait_for(
        "every record in out or dlq",
        Duration::from_secs(60),
        || {
            out.poll();
            dlq.poll();
            runner.assert_running();
            (out.records.len() + dlq.records.len() >= RECORDS).then_some(())
        },
    );
    assert!(!dlq.records.is_empty(), "{}", runner.log());
    let mut values: Vec<usize> = out
        .records
        .iter()
        .chain(&dlq.records)
        .map(|r| {
            String::from_utf8_lossy(r.value.as_deref().expect("a value"))
                .parse()
                .expect("a number")
        })
        .collect();
    values.sort_unstable();
    assert_eq!(values, (0..RECORDS).collect::<Vec<_>>(), "each record once");
    for dead in &dlq.records {
        let value = String::from_utf8_lossy(dead.value.as_deref().expect("a value")).into_owned();
        assert_eq!(dead.key.as_deref(), Some(format!("k{value}").as_bytes()));
        assert_eq!(dead.header("__connect.errors.stage"), Some("KAFKA_PRODUCE"));
        assert_eq!(dead.header("__connect.errors.topic"), Some("raw"));
        assert_eq!(dead.header("__connect.errors.partition"), Some("0"));
        // Input offsets are the values: one partition, produced in order.
        assert_eq!(dead.header("__connect.errors.offset"), Some(value.as_str()));
        assert_eq!(
            dead.header("__connect.errors.exception.class.name"),
            Some("org.apache.kafka.common.KafkaException")
        );
        let message = dead
            .header("__connect.errors.exception.message")
            .unwrap_or_default();
        assert!(message.contains("Invalid message size"), "{message}");
    }
    let status = runner.terminate(Duration::from_secs(60));
    let log = runner.log();
    assert!(status.success(), "{log}");
    assert!(
        log.contains(&format!("dead-lettered: {}", dlq.records.len())),
        "{log}"
    );
    assert!(
        log.contains("sending it to the dead-letter topic dlq"),
        "{log}"
    );
}

/// The records consumed by a runner, from the summary line it logs on exit.
fn records_in(log: &str) -> u64 {
    log.lines()
        .rev()
        .find_map(|l| l.split("records in: ").nth(1))
        .and_then(|rest| rest.split(',').next())
        .and_then(|n| n.trim().parse().ok())
        .unwrap_or_else(|| panic!("no summary in the log:\n{log}"))
}

/// Runs the passthrough pipeline over 6 000 keyed records on the mock cluster, sends the
/// fault-injection `commands` once the first outputs arrive, and checks that every record
/// arrives, in order per key, and that the runner drains and exits 0.
fn faults_lose_nothing(commands: &[&str]) {
    const KEYS: usize = 20;
    const PER_KEY: usize = 300;
    let mut cluster = MockCluster::start(1, &[("raw", 2), ("out", 2)]);
    let input = keyed_input("raw", KEYS, PER_KEY);
    produce(&cluster.bootstrap, &input);
    let dir = tempfile::tempdir().expect("tempdir");
    let pipeline = passthrough_pipeline(dir.path());
    let mut runner = Runner::start(
        &[
            "--config",
            pipeline.to_str().expect("path"),
            "--bootstrap-servers",
            &cluster.bootstrap,
            "--topics",
            "raw",
            "--no-metrics",
            "--property",
            "consumer.message.max.bytes=10000",
            "--property",
            "consumer.fetch.max.bytes=20000",
            "--property",
            "consumer.max.partition.fetch.bytes=2000",
        ],
        &dir.path().join("run.log"),
    );
    let mut reader = Reader::new(&cluster.bootstrap, &[("out", 2)]);
    wait_for("the first records", Duration::from_secs(60), || {
        reader.poll();
        runner.assert_running();
        (!reader.records.is_empty()).then_some(())
    });
    for command in commands {
        cluster.command(command);
    }
    let total = input.len();
    wait_for_every_record(&mut reader, total, &mut runner, Duration::from_secs(120));
    assert_complete_and_ordered(&reader.records, KEYS, PER_KEY);
    let status = runner.terminate(Duration::from_secs(60));
    assert!(status.success(), "{}", runner.log());
    assert!(
        records_in(&runner.log()) >= total as u64,
        "{}",
        runner.log()
    );
}

#[test]
fn injected_produce_errors_and_a_broker_restart_lose_nothing() {
    // Retriable produce errors, then the broker goes away and comes back.
    faults_lose_nothing(&["produce-errors 30", "broker-down 1", "broker-up 1"]);
}

#[test]
fn injected_fetch_errors_lose_nothing() {
    // The errors a consumer meets while partition leadership moves: librdkafka refreshes its
    // metadata and fetches again from the position it had, so nothing is skipped or replayed
    // out of order.
    faults_lose_nothing(&[
        "request-errors Fetch NOT_LEADER_FOR_PARTITION 10",
        "request-errors Fetch UNKNOWN_LEADER_EPOCH 10",
        "request-errors Fetch REQUEST_TIMED_OUT 5",
    ]);
}

/// A second member joins while the first is mid-stream with records in flight (input keeps
/// arriving, and every broker response is delayed so acknowledgements lag), then the first
/// leaves: each revoke commits only what is acknowledged, the new owner starts there, and
/// nothing is lost or reordered per key.
#[test]
fn a_rebalance_mid_batch_loses_nothing_and_keeps_key_order() {
    rebalance_mid_stream("rebalance", &[], &|_| Vec::new());
}

/// [`a_rebalance_mid_batch_loses_nothing_and_keeps_key_order`]'s scenario, with `commands`
/// sent to the cluster before the first member starts and the common arguments extended by
/// `member(name)` for each member, `first` and `second`. Answers the members' logs.
pub fn rebalance_mid_stream(
    group: &str,
    commands: &[&str],
    member: &dyn Fn(&str) -> Vec<String>,
) -> (String, String) {
    const KEYS: usize = 40;
    const PER_KEY: usize = 400;
    let mut cluster = MockCluster::start(1, &[("raw", 4), ("out", 4)]);
    let input = keyed_input("raw", KEYS, PER_KEY);
    let total = input.len();
    let bootstrap = cluster.bootstrap.clone();
    // The input arrives in slices, in order, whenever the output has nearly caught up: the
    // stream is still flowing when the group changes.
    let mut produced = total / 4;
    produce(&bootstrap, &input[..produced]);
    let mut feed = |written: usize| {
        if produced < total && produced.saturating_sub(written) < 1000 {
            let next = (produced + 1000).min(total);
            produce(&bootstrap, &input[produced..next]);
            produced = next;
        }
        produced
    };
    let dir = tempfile::tempdir().expect("tempdir");
    let pipeline = passthrough_pipeline(dir.path());
    let common = [
        "--config",
        pipeline.to_str().expect("path"),
        "--bootstrap-servers",
        &bootstrap,
        "--topics",
        "raw",
        "--group-id",
        group,
        "--no-metrics",
        "--property",
        "consumer.session.timeout.ms=6000",
        "--property",
        "consumer.heartbeat.interval.ms=500",
        "--property",
        "consumer.message.max.bytes=10000",
        "--property",
        "consumer.fetch.max.bytes=20000",
        "--property",
        "consumer.max.partition.fetch.bytes=2000",
    ];
    let args = |name: &str| {
        let mut args: Vec<String> = common.iter().map(|a| a.to_string()).collect();
        args.extend(member(name));
        args
    };
    let start = |name: &str| {
        let args = args(name);
        let refs: Vec<&str> = args.iter().map(String::as_str).collect();
        Runner::start(&refs, &dir.path().join(format!("{name}.log")))
    };
    // Every response takes 100 ms: the producer always has unacknowledged records in flight.
    cluster.command("rtt 1 100");
    for command in commands {
        cluster.command(command);
    }
    let mut first = start("first");
    let mut reader = Reader::new(&bootstrap, &[("out", 4)]);
    wait_for("the first records", Duration::from_secs(120), || {
        reader.poll();
        first.assert_running();
        (reader.records.len() >= total / 8).then_some(())
    });
    let mut second = start("second");
    wait_for(
        "the second member to get partitions",
        Duration::from_secs(60),
        || {
            reader.poll();
            feed(reader.records.len());
            first.assert_running();
            second.assert_running();
            (first.log().contains("partitions revoked")
                && second.log().contains("partitions assigned: raw"))
            .then_some(())
        },
    );
    assert!(
        feed(reader.records.len()) < total,
        "the whole input was produced before the rebalance"
    );
    // The first member leaves while the input still flows.
    let status = first.terminate(Duration::from_secs(60));
    assert!(status.success(), "{}", first.log());
    wait_for(
        "every record at least once",
        Duration::from_secs(180),
        || {
            reader.poll();
            feed(reader.records.len());
            second.assert_running();
            (distinct(&reader.records) == total).then_some(())
        },
    );
    assert_complete_and_ordered(&reader.records, KEYS, PER_KEY);
    let status = second.terminate(Duration::from_secs(60));
    assert!(status.success(), "{}", second.log());
    let (by_first, by_second) = (records_in(&first.log()), records_in(&second.log()));
    assert!(
        by_first > 0 && by_second > 0 && by_first + by_second >= total as u64,
        "first consumed {by_first}, second {by_second}, of {total}"
    );
    (first.log(), second.log())
}

/// `switchyard run --delivery exactly-once` on librdkafka's mock cluster, and against a real
/// Kafka when `SWITCHYARD_KAFKA_BOOTSTRAP` names one.
///
/// What the mock cluster can show (see "Real infrastructure in tests" in the design notes):
/// the transactional call sequence (`InitProducerId`, `AddPartitionsToTxn`, `AddOffsetsToTxn`,
/// `TxnOffsetCommit`, `EndTxn`) is accepted end to end, injected errors on those requests
/// lead to an abort and a rewind with nothing lost, and a second producer with the same
/// `transactional.id` fences the first. What it cannot show: its transactions are skin-deep —
/// aborted records stay visible to `read_committed` readers and offsets sent in a transaction
/// are not stored — so after an abort the output holds the aborted attempt *and* the retry,
/// and these tests check "nothing lost, per-key order kept", not "no duplicates". Exactly-once
/// itself (no duplicates across a kill -9) is checked only by
/// `exactly_once_against_a_real_kafka_has_no_duplicates_across_kill_9`.
mod exactly_once {
    use std::time::Duration;

    use super::{assert_complete_and_ordered, distinct, keyed_input, passthrough_pipeline};
    use crate::brokers::{MockCluster, Reader, Runner, create_topics, produce, wait_for};

    /// How long a transactional run may take to stop after SIGTERM: its last commit is bounded
    /// by the product's own timeouts (each transactional call waits up to the 30 s drain
    /// timeout, and one that times out is retried), and a loaded machine can make a call wait
    /// its whole timeout once or twice.
    const SHUTDOWN: Duration = Duration::from_secs(150);

    fn eos_args<'a>(
        pipeline: &'a str,
        bootstrap: &'a str,
        group: &'a str,
        id: &'a str,
    ) -> Vec<&'a str> {
        vec![
            "--config",
            pipeline,
            "--bootstrap-servers",
            bootstrap,
            "--topics",
            "raw",
            "--group-id",
            group,
            "--no-metrics",
            "--delivery",
            "exactly-once",
            "--transactional-id",
            id,
            "--property",
            "consumer.session.timeout.ms=6000",
            "--property",
            "consumer.heartbeat.interval.ms=500",
        ]
    }

    /// The whole transactional sequence works: every record arrives once (no error, so no
    /// abort and, even on the mock, no duplicate), transactions are committed, and SIGTERM
    /// commits the last one and exits 0.
    #[test]
    fn records_processed_in_exactly_once_mode_arrive_in_the_output() {
        const KEYS: usize = 20;
        const PER_KEY: usize = 100;
        let cluster = MockCluster::start(1, &[("raw", 2), ("out", 2)]);
        let input = keyed_input("raw", KEYS, PER_KEY);
        produce(&cluster.bootstrap, &input);
        let dir = tempfile::tempdir().expect("tempdir");
        let pipeline = passthrough_pipeline(dir.path());
        let mut runner = Runner::start(
            &eos_args(
                pipeline.to_str().expect("path"),
                &cluster.bootstrap,
                "eos-plain",
                "eos-plain-1",
            ),
            &dir.path().join("run.log"),
        );
        let mut reader = Reader::new(&cluster.bootstrap, &[("out", 2)]);
        wait_for("every record", Duration::from_secs(120), || {
            reader.poll();
            runner.assert_running();
            (reader.records.len() >= input.len()).then_some(())
        });
        let status = runner.terminate(SHUTDOWN);
        let log = runner.log();
        assert!(status.success(), "{status}: {log}");
        reader.poll();
        assert_eq!(reader.records.len(), input.len(), "{log}");
        assert_complete_and_ordered(&reader.records, KEYS, PER_KEY);
        assert!(
            log.contains("exactly-once: transactional.id eos-plain-1"),
            "{log}"
        );
        assert!(log.contains("aborted: 0"), "{log}");
        assert!(!log.contains("transactions committed: 0"), "{log}");
    }

    /// Two tasks in one process, each with its own transactional producer whose id is derived
    /// from the base (`<base>-<task>`): both run the whole transactional sequence, and every
    /// record arrives once.
    #[test]
    fn two_tasks_each_commit_transactions_under_a_derived_transactional_id() {
        const KEYS: usize = 20;
        const PER_KEY: usize = 100;
        let cluster = MockCluster::start(1, &[("raw", 4), ("out", 4)]);
        let input = keyed_input("raw", KEYS, PER_KEY);
        let dir = tempfile::tempdir().expect("tempdir");
        let pipeline = passthrough_pipeline(dir.path());
        let mut args = eos_args(
            pipeline.to_str().expect("path"),
            &cluster.bootstrap,
            "eos-tasks",
            "eos-tasks-1",
        );
        args.extend(["--tasks", "2"]);
        let mut runner = Runner::start(&args, &dir.path().join("run.log"));
        // The records are produced once both tasks hold their partitions: this test checks
        // each task's own transactions. A task that joins late takes partitions over from the
        // first mid-run, and the mock cluster does not store the offsets sent in a transaction
        // (see the module's notes): the new owner would read them again from the start.
        wait_for("both tasks assigned", Duration::from_secs(60), || {
            runner.assert_running();
            (runner.log().matches("partitions assigned: raw").count() >= 2).then_some(())
        });
        produce(&cluster.bootstrap, &input);
        let mut reader = Reader::new(&cluster.bootstrap, &[("out", 4)]);
        wait_for("every record", Duration::from_secs(120), || {
            reader.poll();
            runner.assert_running();
            (reader.records.len() >= input.len()).then_some(())
        });
        let status = runner.terminate(SHUTDOWN);
        let log = runner.log();
        assert!(status.success(), "{status}: {log}");
        reader.poll();
        assert_eq!(reader.records.len(), input.len(), "{log}");
        assert_complete_and_ordered(&reader.records, KEYS, PER_KEY);
        for id in ["eos-tasks-1-0", "eos-tasks-1-1"] {
            assert!(
                log.contains(&format!("exactly-once: transactional.id {id},")),
                "{log}"
            );
        }
        assert_eq!(log.matches("aborted: 0").count(), 2, "{log}");
    }

    /// Injects `count` errors on `api` before the runner starts, so its first transactions
    /// meet them; checks that the transaction is aborted with the cause named, the consumer
    /// rewound, and every record processed again with per-key order kept.
    fn an_injected_error_aborts_and_loses_nothing(api: &str, error: &str) {
        const KEYS: usize = 10;
        const PER_KEY: usize = 100;
        let mut cluster = MockCluster::start(1, &[("raw", 2), ("out", 2)]);
        let input = keyed_input("raw", KEYS, PER_KEY);
        produce(&cluster.bootstrap, &input);
        cluster.command(&format!("request-errors {api} {error} 1"));
        let dir = tempfile::tempdir().expect("tempdir");
        let pipeline = passthrough_pipeline(dir.path());
        let group = format!("eos-{api}");
        let id = format!("eos-{api}-1");
        let mut runner = Runner::start(
            &eos_args(
                pipeline.to_str().expect("path"),
                &cluster.bootstrap,
                &group,
                &id,
            ),
            &dir.path().join("run.log"),
        );
        let mut reader = Reader::new(&cluster.bootstrap, &[("out", 2)]);
        wait_for(
            "every record at least once",
            Duration::from_secs(120),
            || {
                reader.poll();
                runner.assert_running();
                (distinct(&reader.records) == input.len()).then_some(())
            },
        );
        let status = runner.terminate(SHUTDOWN);
        let log = runner.log();
        assert!(status.success(), "{status}: {log}");
        assert!(log.contains("aborting the transaction"), "{log}");
        assert!(
            log.contains(error),
            "the abort names the cause {error}: {log}"
        );
        assert!(log.contains("rewound"), "{log}");
        assert!(!log.contains("aborted: 0"), "{log}");
        assert_complete_and_ordered(&reader.records, KEYS, PER_KEY);
    }

    #[test]
    fn an_end_txn_error_aborts_the_transaction_and_reprocesses_without_loss() {
        an_injected_error_aborts_and_loses_nothing("EndTxn", "UNKNOWN_PRODUCER_ID");
    }

    #[test]
    fn an_add_offsets_to_txn_error_aborts_the_transaction_and_reprocesses_without_loss() {
        an_injected_error_aborts_and_loses_nothing("AddOffsetsToTxn", "GROUP_AUTHORIZATION_FAILED");
    }

    #[test]
    fn a_produce_error_aborts_the_transaction_and_reprocesses_without_loss() {
        an_injected_error_aborts_and_loses_nothing("Produce", "TOPIC_AUTHORIZATION_FAILED");
    }

    /// A second member joins mid-stream and the first leaves, in exactly-once mode, while a
    /// commit is in flight and outputs are held back for the next transaction. Those are
    /// dropped and read again by whoever owns their partitions next: nothing is lost and every
    /// key keeps its order (the mock's transactions being skin-deep, duplicates may show).
    #[test]
    fn a_rebalance_during_a_commit_in_flight_loses_nothing_and_keeps_key_order() {
        // Every commit's `EndTxn` is answered 3 s late and the next commit starts after the
        // next record: a commit is in flight whenever the group changes.
        let (first, _) = super::rebalance_mid_stream(
            "eos-rebalance",
            &["request-delay 1 EndTxn 3000 1000"],
            &|name| {
                [
                    "--delivery",
                    "exactly-once",
                    "--transactional-id",
                    &format!("eos-rebalance-{name}"),
                    "--transaction-interval-ms",
                    "0",
                ]
                .map(String::from)
                .to_vec()
            },
        );
        assert!(
            first.contains("waited for the commit in flight"),
            "the revoke met no commit in flight: {first}"
        );
    }

    /// A fenced producer stops the runner with exit code 1 and an error naming the fencing.
    /// On a real broker a second process with the same `transactional.id` bumps the producer
    /// epoch and the first one's next transactional request is answered
    /// `INVALID_PRODUCER_EPOCH` (`a_second_instance_fences_the_first_on_a_real_kafka` shows
    /// that). The mock cluster does not fence that way — a second `InitProducerId` gets a
    /// fresh producer id instead of a bumped epoch — so here the broker's answer is injected
    /// on the running instance's next `EndTxn`.
    #[test]
    fn a_fenced_producer_stops_with_an_error_naming_the_fencing() {
        let mut cluster = MockCluster::start(1, &[("raw", 1), ("out", 1)]);
        produce(&cluster.bootstrap, &keyed_input("raw", 5, 10));
        let dir = tempfile::tempdir().expect("tempdir");
        let pipeline = passthrough_pipeline(dir.path());
        let mut runner = Runner::start(
            &eos_args(
                pipeline.to_str().expect("path"),
                &cluster.bootstrap,
                "fence",
                "fenced-id",
            ),
            &dir.path().join("run.log"),
        );
        let mut reader = Reader::new(&cluster.bootstrap, &[("out", 1)]);
        wait_for("the first transactions", Duration::from_secs(60), || {
            reader.poll();
            runner.assert_running();
            (reader.records.len() >= 50).then_some(())
        });
        cluster.command("request-errors EndTxn INVALID_PRODUCER_EPOCH 1");
        produce(&cluster.bootstrap, &keyed_input("raw", 5, 2));
        let status = wait_for_exit(&mut runner, Duration::from_secs(60));
        let log = runner.log();
        assert_eq!(status.code(), Some(1), "{log}");
        assert!(
            log.contains("error: the transactional producer `fenced-id` was fenced"),
            "{log}"
        );
        assert!(
            log.contains("another process started with the same transactional.id"),
            "{log}"
        );
    }

    /// Waits for a runner to exit, panicking with its log at the deadline.
    fn wait_for_exit(runner: &mut Runner, timeout: Duration) -> std::process::ExitStatus {
        let deadline = std::time::Instant::now() + timeout;
        wait_for("the runner to exit", timeout * 2, || {
            assert!(
                std::time::Instant::now() < deadline,
                "the runner is still running:\n{}",
                runner.log()
            );
            runner.process.child.try_wait().expect("try_wait")
        })
    }

    /// The bootstrap servers of a real Kafka for the opt-in tests, or `None` with a message.
    fn real_kafka(test: &str) -> Option<String> {
        let bootstrap = std::env::var("SWITCHYARD_KAFKA_BOOTSTRAP")
            .ok()
            .filter(|b| !b.trim().is_empty());
        if bootstrap.is_none() {
            eprintln!(
                "SKIPPED {test}: set SWITCHYARD_KAFKA_BOOTSTRAP to a real Kafka's bootstrap servers (e.g. localhost:29092 from docker-compose.yml) to run it"
            );
        }
        bootstrap
    }

    /// Topic names of their own for a test on a shared broker.
    fn unique(prefix: &str) -> String {
        format!(
            "{prefix}-{}-{}",
            std::process::id(),
            std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .map_or(0, |d| d.as_millis())
        )
    }

    /// A pipeline routing `raw` to `out`, byte for byte.
    fn routing_pipeline(dir: &std::path::Path, raw: &str, out: &str) -> std::path::PathBuf {
        let pipeline = dir.join("pipeline.toml");
        std::fs::write(
            &pipeline,
            format!(
                r#"
name = "eos-e2e"
[converters.key]
class = "org.apache.kafka.connect.converters.ByteArrayConverter"
[converters.value]
class = "org.apache.kafka.connect.converters.ByteArrayConverter"
[[transforms]]
alias = "route"
class = "org.apache.kafka.connect.transforms.RegexRouter"
config = {{ regex = "{raw}", replacement = "{out}" }}
"#
            ),
        )
        .expect("write pipeline");
        pipeline
    }

    /// Opt-in (`SWITCHYARD_KAFKA_BOOTSTRAP`): on a real Kafka, a second process with the same
    /// `transactional.id` (in another group, so that both consume) fences the first, which
    /// stops with exit code 1 and an error naming the fencing at its next transaction.
    #[test]
    fn a_second_instance_fences_the_first_on_a_real_kafka() {
        let Some(bootstrap) = real_kafka("a_second_instance_fences_the_first_on_a_real_kafka")
        else {
            return;
        };
        let raw = unique("raw-fence");
        let out = unique("out-fence");
        create_topics(&bootstrap, &[(&raw, 1), (&out, 1)]);
        produce(&bootstrap, &keyed_input(&raw, 5, 10));
        let dir = tempfile::tempdir().expect("tempdir");
        let pipeline = routing_pipeline(dir.path(), &raw, &out);
        let pipeline = pipeline.to_str().expect("path");
        let id = unique("fenced-id");
        let args = |group: &str| -> Vec<String> {
            let mut args: Vec<String> = eos_args(pipeline, &bootstrap, group, &id)
                .into_iter()
                .map(String::from)
                .collect();
            args[5] = raw.clone();
            args
        };
        let first_args = args(&unique("fence-a"));
        let second_args = args(&unique("fence-b"));
        let first_args: Vec<&str> = first_args.iter().map(String::as_str).collect();
        let second_args: Vec<&str> = second_args.iter().map(String::as_str).collect();
        let mut first = Runner::start(&first_args, &dir.path().join("first.log"));
        let mut reader = Reader::new(&bootstrap, &[(&out, 1)]);
        wait_for(
            "the first instance's output",
            Duration::from_secs(60),
            || {
                reader.poll();
                first.assert_running();
                (reader.records.len() >= 50).then_some(())
            },
        );
        let mut second = Runner::start(&second_args, &dir.path().join("second.log"));
        wait_for(
            "the second instance to initialise",
            Duration::from_secs(60),
            || {
                second.assert_running();
                second
                    .log()
                    .contains(&format!("exactly-once: transactional.id {id}"))
                    .then_some(())
            },
        );
        produce(&bootstrap, &keyed_input(&raw, 5, 2));
        let status = wait_for_exit(&mut first, Duration::from_secs(60));
        let log = first.log();
        assert_eq!(status.code(), Some(1), "{log}");
        assert!(log.contains("was fenced"), "{log}");
        let status = second.terminate(SHUTDOWN);
        assert!(status.success(), "{}", second.log());
    }

    /// Exactly-once end to end, against a real Kafka (opt-in: set `SWITCHYARD_KAFKA_BOOTSTRAP`
    /// to its bootstrap servers, e.g. `localhost:29092` with `docker compose up kafka`).
    /// The runner is killed with SIGKILL twice mid-stream and restarted with the same
    /// `transactional.id`; a `read_committed` reader must then see every input record exactly
    /// once, in per-key order. Skipped, with a message, when the variable is not set.
    #[test]
    fn exactly_once_against_a_real_kafka_has_no_duplicates_across_kill_9() {
        let Some(bootstrap) =
            real_kafka("exactly_once_against_a_real_kafka_has_no_duplicates_across_kill_9")
        else {
            return;
        };
        const KEYS: usize = 30;
        const PER_KEY: usize = 1000;
        let suffix = unique("eos-e2e");
        let raw = format!("raw-{suffix}");
        let out = format!("out-{suffix}");
        create_topics(&bootstrap, &[(&raw, 3), (&out, 3)]);
        let input = keyed_input(&raw, KEYS, PER_KEY);
        produce(&bootstrap, &input);
        let dir = tempfile::tempdir().expect("tempdir");
        let pipeline = routing_pipeline(dir.path(), &raw, &out);
        let group = suffix.clone();
        let id = suffix.clone();
        let args = [
            "--config",
            pipeline.to_str().expect("path"),
            "--bootstrap-servers",
            &bootstrap,
            "--topics",
            &raw,
            "--group-id",
            &group,
            "--no-metrics",
            "--delivery",
            "exactly-once",
            "--transactional-id",
            &id,
            "--property",
            "consumer.session.timeout.ms=6000",
            "--property",
            "consumer.heartbeat.interval.ms=500",
            // Small fetches spread the stream over time, so the kills land mid-stream.
            "--property",
            "consumer.fetch.max.bytes=20000",
            "--property",
            "consumer.max.partition.fetch.bytes=5000",
        ];
        // librdkafka's default isolation.level is read_committed: aborted and open
        // transactions are invisible to this reader.
        let mut reader = Reader::new(&bootstrap, &[(&out, 3)]);
        let total = input.len();
        for (round, fraction) in [0.3, 0.6].iter().enumerate() {
            let mut runner = Runner::start(&args, &dir.path().join(format!("run-{round}.log")));
            let target = (total as f64 * fraction) as usize;
            wait_for(
                "the runner to commit more",
                Duration::from_secs(180),
                || {
                    reader.poll_up_to(target);
                    runner.assert_running();
                    (reader.records.len() >= target).then_some(())
                },
            );
            runner.kill();
        }
        let mut last = Runner::start(&args, &dir.path().join("run-last.log"));
        wait_for("every record", Duration::from_secs(300), || {
            reader.poll();
            last.assert_running();
            (reader.records.len() >= total).then_some(())
        });
        let status = last.terminate(SHUTDOWN);
        assert!(status.success(), "{}", last.log());
        reader.poll();
        assert_eq!(distinct(&reader.records), total, "records lost");
        assert_eq!(reader.records.len(), total, "duplicates in the output");
        assert_complete_and_ordered(&reader.records, KEYS, PER_KEY);
    }
}

/// One input through `apply` (record JSONL in, record JSONL and a dead-letter file out) and
/// through `run` (a broker's topics in and out): both drive the same task, so they write the
/// same records, the same dead letters (context headers included) and the same error reports —
/// a value the converter cannot read, a record a transform refuses, good records around them.
#[test]
fn apply_and_run_write_the_same_records_dead_letters_and_error_reports() {
    let cluster = MockCluster::start(
        1,
        &[
            ("orders", 1),
            ("poison", 1),
            ("out-orders", 1),
            ("orders-dlq", 1),
        ],
    );
    let dir = tempfile::tempdir().expect("tempdir");
    let pipeline = dir.path().join("pipeline.toml");
    std::fs::write(
        &pipeline,
        format!(
            r#"
name = "both"
[converters.key]
class = "org.apache.kafka.connect.storage.StringConverter"
[converters.value]
class = "org.apache.kafka.connect.json.JsonConverter"
config = {{ "schemas.enable" = "false" }}
[source]
topics = ["orders", "poison"]
[[transforms]]
alias = "rename"
class = "org.apache.kafka.connect.transforms.ReplaceField$Value"
config = {{ renames = "id:order_id" }}
[[transforms]]
alias = "bad"
component = "{}/misbehave.wasm"
config = {{ mode = "bad-record" }}
[[transforms]]
alias = "route"
class = "org.apache.kafka.connect.transforms.RegexRouter"
config = {{ regex = "(.*)", replacement = "out-$1" }}
[errors]
tolerance = "all"
log_enable = true
log_include_messages = true
dead_letter_topic = "orders-dlq"
dead_letter_context_headers = true
dead_letter_replication_factor = 1
"#,
            env!("SWITCHYARD_TEST_GUESTS")
        ),
    )
    .expect("write pipeline");
    let mut traced = Rec::text("orders", "o-3", r#"{"id":3,"amount":7}"#);
    traced.headers.push(("trace".into(), Some("t-3".into())));
    let input = vec![
        Rec::text("orders", "o-1", r#"{"id":1,"amount":5}"#),
        Rec::text("orders", "o-2", "{not json"),
        traced,
        Rec::text("poison", "p-1", r#"{"id":9}"#),
        Rec::text("orders", "o-4", r#"{"id":4,"amount":1}"#),
    ];

    // `apply` over the records as JSONL, with the offsets the broker gives them.
    let mut offsets = std::collections::HashMap::new();
    let mut lines = Vec::new();
    for rec in &input {
        let offset = offsets.entry(rec.topic.clone()).or_insert(0i64);
        let record = switchyard::record::OutputRecord {
            topic: rec.topic.clone(),
            partition: Some(0),
            offset: Some(*offset),
            timestamp: None,
            headers: rec
                .headers
                .iter()
                .map(|(k, v)| switchyard::record::Header {
                    key: k.clone(),
                    value: v.clone().map(bytes::Bytes::from),
                })
                .collect(),
            key: rec.key.clone().map(bytes::Bytes::from),
            key_is_json: false,
            value: rec.value.clone().map(bytes::Bytes::from),
            value_is_json: false,
        };
        *offset += 1;
        jsonl::write_line(&mut lines, &jsonl::Layout::default(), &record);
    }
    let input_file = dir.path().join("in.jsonl");
    std::fs::write(&input_file, &lines).expect("write input");
    let (out_file, dlq_file) = (dir.path().join("out.jsonl"), dir.path().join("dlq.jsonl"));
    let applied = switchyard(&[
        "apply",
        "--config",
        pipeline.to_str().expect("path"),
        "--input",
        input_file.to_str().expect("path"),
        "--output",
        out_file.to_str().expect("path"),
        "--dlq",
        dlq_file.to_str().expect("path"),
    ]);
    let apply_log = String::from_utf8_lossy(&applied.stderr).into_owned();
    assert!(applied.status.success(), "{apply_log}");
    let read = |path: &std::path::Path| -> Vec<Rec> {
        jsonl_records(&std::fs::read_to_string(path).expect("read output"))
    };
    let (apply_out, apply_dlq) = (read(&out_file), read(&dlq_file));
    assert_eq!(apply_out.len(), 3, "{apply_log}");
    assert_eq!(apply_dlq.len(), 2, "{apply_log}");

    // `run` over the same records on a broker.
    produce(&cluster.bootstrap, &input);
    let mut runner = Runner::start(
        &[
            "--config",
            pipeline.to_str().expect("path"),
            "--bootstrap-servers",
            &cluster.bootstrap,
            "--no-metrics",
        ],
        &dir.path().join("run.log"),
    );
    let mut out = Reader::new(&cluster.bootstrap, &[("out-orders", 1)]);
    let mut dlq = Reader::new(&cluster.bootstrap, &[("orders-dlq", 1)]);
    wait_for(
        "the outputs and dead letters",
        Duration::from_secs(90),
        || {
            out.poll();
            dlq.poll();
            runner.assert_running();
            (out.records.len() >= 3 && dlq.records.len() >= 2).then_some(())
        },
    );
    let status = runner.terminate(Duration::from_secs(60));
    let run_log = runner.log();
    assert!(status.success(), "{run_log}");

    // Records compared without partitions (the broker's, or none in JSONL); dead letters by
    // their original topic, since `run` reads the two topics in either order.
    let strip = |records: &[Rec]| -> Vec<Rec> {
        let mut v: Vec<Rec> = records
            .iter()
            .map(|r| Rec {
                partition: 0,
                ..r.clone()
            })
            .collect();
        v.sort_by_key(|r| r.header("__connect.errors.topic").map(str::to_string));
        v
    };
    assert_eq!(strip(&out.records), strip(&apply_out));
    assert_eq!(strip(&dlq.records), strip(&apply_dlq));
    assert_eq!(
        apply_dlq
            .iter()
            .map(|r| (
                r.header("__connect.errors.stage").map(str::to_string),
                r.header("__connect.errors.offset").map(str::to_string)
            ))
            .collect::<Vec<_>>(),
        vec![
            (Some("VALUE_CONVERTER".to_string()), Some("1".to_string())),
            (Some("TRANSFORMATION".to_string()), Some("0".to_string())),
        ]
    );
    // The same LogReporter lines, one per failed record.
    let reports = |log: &str| -> Vec<String> {
        let mut lines: Vec<String> = log
            .lines()
            .filter_map(|l| {
                l.find("Error encountered in task")
                    .map(|i| l[i..].to_string())
            })
            .collect();
        lines.sort();
        lines
    };
    assert_eq!(reports(&apply_log).len(), 2, "{apply_log}");
    assert_eq!(reports(&run_log), reports(&apply_log), "{run_log}");
}

/// `tasks.max=3` over 6-partition raw topics on a real broker: three tasks in one process join
/// the consumer group, share the partitions, and together write per key, in order, what
/// `apply` writes.
#[test]
fn three_tasks_share_the_partitions_and_write_what_apply_writes() {
    let Some(broker) =
        tansu_or_skip("three_tasks_share_the_partitions_and_write_what_apply_writes")
    else {
        return;
    };
    let mut topics: Vec<(&str, i32)> = RAW_TOPICS.iter().map(|t| (*t, 6)).collect();
    topics.push(("product-events", 3));
    create_topics(&broker.bootstrap, &topics);
    let fixture = fixtures().join("with-schema.jsonl");
    let input = jsonl_records(&std::fs::read_to_string(&fixture).expect("fixture"));
    produce(&broker.bootstrap, &input);

    // The seed connector, as is, with `tasks.max` set.
    let dir = tempfile::tempdir().expect("tempdir");
    let mut connector: serde_json::Value = serde_json::from_str(
        &std::fs::read_to_string(fixtures().join("postgres-product-connector.json"))
            .expect("connector"),
    )
    .expect("connector JSON");
    let settings = connector
        .get_mut("config")
        .and_then(|c| c.as_object_mut())
        .expect("a config object");
    settings.insert("tasks.max".into(), "3".into());
    let config = dir.path().join("connector.json");
    std::fs::write(&config, connector.to_string()).expect("write connector");

    let applied = switchyard(&[
        "apply",
        "--config",
        config.to_str().expect("path"),
        "--input",
        fixture.to_str().expect("path"),
        "--quiet",
    ]);
    assert!(applied.status.success());
    let expected = jsonl_records(&String::from_utf8_lossy(&applied.stdout));
    assert_eq!(expected.len(), 139);

    let port = free_port();
    let metrics = format!("127.0.0.1:{port}");
    let mut runner = Runner::start(
        &[
            "--config",
            config.to_str().expect("path"),
            "--bootstrap-servers",
            &broker.bootstrap,
            "--group-id",
            "switchyard-tasks-test",
            "--metrics-address",
            &metrics,
            "--property",
            "consumer.session.timeout.ms=6000",
        ],
        &dir.path().join("run.log"),
    );
    let mut reader = Reader::new(&broker.bootstrap, &[("product-events", 3)]);
    reader.read_at_least(expected.len(), Duration::from_secs(120));
    assert_eq!(reader.records.len(), expected.len(), "{}", runner.log());
    assert_eq!(values_by_key(&reader.records), values_by_key(&expected));

    // Once the group has settled, each task holds a share of the 42 partitions.
    let assigned = |text: &str, task: u32| -> Option<u64> {
        let prefix = format!("switchyard_task_assigned_partitions{{task=\"{task}\"}} ");
        text.lines()
            .find_map(|l| l.strip_prefix(prefix.as_str()))
            .and_then(|n| n.trim().parse().ok())
    };
    let shares = wait_for(
        "three tasks sharing 42 partitions",
        Duration::from_secs(60),
        || {
            runner.assert_running();
            let text = http_get(port, "/metrics")?;
            let shares: Vec<u64> = (0..3).map(|t| assigned(&text, t)).collect::<Option<_>>()?;
            (shares.iter().sum::<u64>() == 42 && shares.iter().all(|&n| n > 0)).then_some(shares)
        },
    );
    assert_eq!(shares.len(), 3);
    let log = runner.log();
    for task in 0..3 {
        assert!(log.contains(&format!("task {task} consuming")), "{log}");
    }
    let status = runner.terminate(Duration::from_secs(60));
    assert!(status.success(), "{status}: {}", runner.log());
    assert!(
        runner.log().contains("records in: 139, out: 139"),
        "{}",
        runner.log()
    );
}
