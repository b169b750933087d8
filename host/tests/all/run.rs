//! `switchyard run` against real Kafka-protocol brokers: the tansu broker process (the seed's
//! connector over the recorded Debezium events, compared with `switchyard apply`) and
//! librdkafka's mock cluster in a process of its own (crashes, dead letters, faults).

use std::time::Duration;

use switchyard::jsonl;

use crate::brokers::{
    MockCluster, Reader, Rec, Runner, Tansu, create_topics, free_port, produce, tansu_binary,
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
fn jsonl_records(text: &str) -> Vec<Rec> {
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

fn http_get(port: u16, path: &str) -> Option<String> {
    use std::io::{Read, Write};
    let mut s = std::net::TcpStream::connect(("127.0.0.1", port)).ok()?;
    write!(s, "GET {path} HTTP/1.1\r\nHost: localhost\r\n\r\n").ok()?;
    let mut out = String::new();
    s.read_to_string(&mut out).ok()?;
    Some(out)
}

#[test]
fn run_over_tansu_writes_what_apply_writes() {
    let Some(tansu) = tansu_binary() else {
        assert!(
            std::env::var_os("SWITCHYARD_REQUIRE_TANSU").is_none(),
            "SWITCHYARD_REQUIRE_TANSU is set but no tansu binary was found ($TANSU, ~/.cargo/bin, PATH)"
        );
        eprintln!(
            "SKIPPED run_over_tansu_writes_what_apply_writes: no `tansu` binary (install it with `cargo install tansu --locked --features dynostore`; set SWITCHYARD_REQUIRE_TANSU=1 to make this a failure)"
        );
        return;
    };
    let broker = Tansu::start(&tansu);
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
        http_get(port, "/metrics")
            .filter(|m| m.contains("switchyard_records_out_total{topic=\"product-events\"} 139\n"))
    });
    assert!(
        metrics.contains("switchyard_records_in_total{topic=\"product.public.products\"} 21\n"),
        "{metrics}"
    );

    let status = runner.terminate(Duration::from_secs(60));
    assert!(status.success(), "{status}: {}", runner.log());
    assert!(
        runner.log().contains("records in: 139, out: 139"),
        "{}",
        runner.log()
    );
}

/// A byte-for-byte pipeline from `raw` to `out`.
fn passthrough_pipeline(dir: &std::path::Path) -> std::path::PathBuf {
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
fn assert_complete_and_ordered(records: &[Rec], keys: usize, per_key: usize) {
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
    const KEYS: usize = 40;
    const PER_KEY: usize = 1500;
    let cluster = MockCluster::start(1, &[("raw", 4), ("out", 4)]);
    let input: Vec<Rec> = (0..PER_KEY)
        .flat_map(|i| (0..KEYS).map(move |k| Rec::text("raw", &format!("key-{k}"), &i.to_string())))
        .collect();
    produce(&cluster.bootstrap, &input);

    let dir = tempfile::tempdir().expect("tempdir");
    let pipeline = passthrough_pipeline(dir.path());
    let args = [
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
    let mut reader = Reader::new(&cluster.bootstrap, &[("out", 4)]);
    let total = input.len();
    let mut kills = 0;
    for (round, fraction) in [0.15, 0.4, 0.65].iter().enumerate() {
        let mut runner = Runner::start(&args, &dir.path().join(format!("run-{round}.log")));
        let target = (total as f64 * fraction) as usize;
        let before = reader.records.len();
        wait_for("the runner to write more", Duration::from_secs(120), || {
            reader.poll();
            runner.assert_running();
            (reader.records.len() >= before.max(target).max(1)).then_some(())
        });
        if reader.records.len() < total {
            kills += 1;
        }
        runner.kill();
    }
    let mut last = Runner::start(&args, &dir.path().join("run-last.log"));
    wait_for(
        "every record at least once",
        Duration::from_secs(180),
        || {
            reader.poll();
            last.assert_running();
            let distinct: std::collections::HashSet<_> = reader
                .records
                .iter()
                .map(|r| (r.key.clone(), r.value.clone()))
                .collect();
            (distinct.len() == total).then_some(())
        },
    );
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

#[test]
fn injected_produce_errors_and_a_broker_restart_lose_nothing() {
    const KEYS: usize = 20;
    const PER_KEY: usize = 300;
    let mut cluster = MockCluster::start(1, &[("raw", 2), ("out", 2)]);
    let input: Vec<Rec> = (0..PER_KEY)
        .flat_map(|i| (0..KEYS).map(move |k| Rec::text("raw", &format!("key-{k}"), &i.to_string())))
        .collect();
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
    // Retriable produce errors, then the broker goes away and comes back.
    cluster.command("produce-errors 30");
    cluster.command("broker-down 1");
    cluster.command("broker-up 1");
    let total = input.len();
    wait_for(
        "every record at least once",
        Duration::from_secs(120),
        || {
            reader.poll();
            runner.assert_running();
            let distinct: std::collections::HashSet<_> = reader
                .records
                .iter()
                .map(|r| (r.key.clone(), r.value.clone()))
                .collect();
            (distinct.len() == total).then_some(())
        },
    );
    assert_complete_and_ordered(&reader.records, KEYS, PER_KEY);
    let status = runner.terminate(Duration::from_secs(60));
    assert!(status.success(), "{}", runner.log());
}
