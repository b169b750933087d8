//! `switchyard replay`: dead letters from `apply --dlq` run through a fixed chain, in key order,
//! with nothing lost.

use std::path::{Path, PathBuf};

use serde_json::Value;

use crate::common::{fixtures, switchyard};

/// A connector whose chain fails on every `product_tags` change event (its `tag` is text,
/// cast to `int32`) and dead-letters them with their context headers; `fixed` leaves the cast
/// out.
fn connector(fixed: bool) -> String {
    let cast = if fixed {
        r#""transforms": "unwrap""#
    } else {
        r#""transforms": "unwrap,tagid",
        "transforms.tagid.type": "org.apache.kafka.connect.transforms.Cast$Value",
        "transforms.tagid.spec": "tag:int32",
        "transforms.tagid.predicate": "tags",
        "predicates": "tags",
        "predicates.tags.type": "org.apache.kafka.connect.transforms.predicates.TopicNameMatches",
        "predicates.tags.pattern": ".*product_tags""#
    };
    format!(
        r#"{{"name": "tags", "config": {{
        "key.converter": "org.apache.kafka.connect.json.JsonConverter",
        "value.converter": "org.apache.kafka.connect.json.JsonConverter",
        "errors.tolerance": "all",
        "errors.deadletterqueue.topic.name": "dlq-tags",
        "errors.deadletterqueue.context.headers.enable": "true",
        "transforms.unwrap.type": "io.debezium.transforms.ExtractNewRecordState",
        {cast}
        }}}}"#
    )
}

/// The files of one scenario, in a temporary folder.
struct Scenario {
    dir: tempfile::TempDir,
}

impl Scenario {
    /// Runs the broken connector over the fixtures: its dead letters are in `dlq.jsonl`.
    fn new() -> Scenario {
        let dir = tempfile::tempdir().expect("tempdir");
        for fixed in [false, true] {
            std::fs::write(dir.path().join(name(fixed)), connector(fixed)).expect("write");
        }
        let scenario = Scenario { dir };
        let out = scenario.apply(false, "broken-out.jsonl", Some("dlq.jsonl"));
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        scenario
    }

    /// `apply` of the broken or fixed connector over the fixtures into `output` (and `dlq`).
    fn apply(&self, fixed: bool, output: &str, dlq: Option<&str>) -> std::process::Output {
        let input = fixtures().join("with-schema.jsonl");
        let (config, output) = (self.path(name(fixed)), self.path(output));
        let dlq = dlq.map(|d| self.path(d));
        let mut args = vec![
            "apply",
            "--config",
            &config,
            "--input",
            input.to_str().expect("utf-8"),
            "--output",
            &output,
        ];
        if let Some(dlq) = &dlq {
            args.extend(["--dlq", dlq.as_str()]);
        }
        switchyard(&args)
    }

    fn path(&self, file: &str) -> String {
        self.dir.path().join(file).to_string_lossy().into_owned()
    }

    fn lines(&self, file: &str) -> Vec<Value> {
        read_lines(&self.dir.path().join(file))
    }

    /// `replay --config <connector> --dlq <dlq> --output out --remaining rem` plus `extra`.
    fn replay(&self, fixed: bool, dlq: &str, extra: &[&str]) -> std::process::Output {
        let (config, dlq) = (self.path(name(fixed)), self.path(dlq));
        let (output, remaining) = (self.path("out.jsonl"), self.path("rem.jsonl"));
        let mut args = vec![
            "replay",
            "--config",
            &config,
            "--dlq",
            &dlq,
            "--output",
            &output,
            "--remaining",
            &remaining,
        ];
        args.extend_from_slice(extra);
        switchyard(&args)
    }
}

fn name(fixed: bool) -> &'static str {
    if fixed { "fixed.json" } else { "broken.json" }
}

fn read_lines(path: &Path) -> Vec<Value> {
    std::fs::read_to_string(path)
        .expect("read")
        .lines()
        .map(|l| serde_json::from_str(l).expect("a JSON line"))
        .collect()
}

/// The values of every header `key` of a record line, in order.
fn headers(record: &Value, key: &str) -> Vec<String> {
    record["headers"]
        .as_array()
        .expect("headers")
        .iter()
        .filter(|h| h["key"] == key)
        .map(|h| h["value"].as_str().unwrap_or_default().to_owned())
        .collect()
}

/// After the fix, every dead letter reaches the output once, in its original order, as the
/// fixed connector writes it from the original input (offset, partition, headers and all),
/// and nothing stays dead.
#[test]
fn replay_after_a_fix_writes_every_dead_letter_once_as_the_fixed_chain_would() {
    let s = Scenario::new();
    let dlq = s.lines("dlq.jsonl");
    assert!(
        dlq.len() >= 5,
        "the broken chain dead-letters product_tags: {dlq:?}"
    );
    let out = s.replay(true, "dlq.jsonl", &[]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains(&format!(
            "dead letters: {}, replayed: {}",
            dlq.len(),
            dlq.len()
        )),
        "{stderr}"
    );
    let replayed = s.lines("out.jsonl");
    assert!(s.lines("rem.jsonl").is_empty());

    // What the fixed connector writes for those same input lines, in input order.
    assert!(s.apply(true, "direct.jsonl", None).status.success());
    let offsets: Vec<&Value> = dlq.iter().map(|d| &d["offset"]).collect();
    let expected: Vec<Value> = s
        .lines("direct.jsonl")
        .into_iter()
        .filter(|r| r["topic"] == "product.public.product_tags" && offsets.contains(&&r["offset"]))
        .collect();
    assert_eq!(replayed, expected);
}

/// A dead letter that fails again stays dead with its history (the earlier failure's
/// `__connect.errors.*` headers, then this one's), and the later dead letters of its key are
/// held behind it without being run: nothing reaches the output, nothing is lost.
#[test]
fn a_dead_letter_that_fails_again_keeps_its_history_and_holds_its_key() {
    let s = Scenario::new();
    let dlq = s.lines("dlq.jsonl");
    let out = s.replay(false, "dlq.jsonl", &[]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(s.lines("out.jsonl").is_empty());
    let remaining = s.lines("rem.jsonl");
    assert_eq!(remaining.len(), dlq.len());
    let mut keys_seen = Vec::new();
    let (mut failed, mut held) = (0, 0);
    for (before, after) in dlq.iter().zip(&remaining) {
        assert_eq!(
            (&before["key"], &before["value"], &before["topic"]),
            (&after["key"], &after["value"], &after["topic"])
        );
        let classes = headers(after, "__connect.errors.exception.class.name");
        if keys_seen.contains(&before["key"]) {
            // Held: kept exactly as it was.
            assert_eq!(after, before);
            held += 1;
        } else {
            assert_eq!(classes.len(), 2, "{after}");
            assert_eq!(
                headers(after, "__connect.errors.topic"),
                ["product.public.product_tags"; 2]
            );
            failed += 1;
        }
        keys_seen.push(before["key"].clone());
    }
    assert!(held > 0 && failed > 0, "held {held}, failed {failed}");
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains(&format!(
            "failed again: {failed}, held behind their key: {held}"
        )),
        "{stderr}"
    );
}

/// Filters leave dead letters out; a left-out dead letter holds the later ones of its key, so
/// no key's records reach the output out of order; output and remaining together hold every
/// dead letter once. A second replay of the remaining ones, unfiltered, writes the rest.
#[test]
fn filters_hold_later_records_of_a_left_out_key_and_a_second_replay_finishes() {
    let s = Scenario::new();
    let dlq = s.lines("dlq.jsonl");
    // Leave out the earliest dead letters of the keys that have more than one.
    let key_count = |k: &Value| dlq.iter().filter(|d| &d["key"] == k).count();
    let first_repeated = dlq
        .iter()
        .find(|d| key_count(&d["key"]) > 1)
        .expect("a key with two dead letters");
    let since = first_repeated["timestamp"].as_i64().expect("a timestamp") + 1;
    let since = since.to_string();
    let out = s.replay(true, "dlq.jsonl", &["--since", &since]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let (replayed, remaining) = (s.lines("out.jsonl"), s.lines("rem.jsonl"));
    assert_eq!(replayed.len() + remaining.len(), dlq.len());
    assert!(
        remaining
            .iter()
            .any(|r| r["key"] == first_repeated["key"] && r["offset"] != first_repeated["offset"]),
        "the later dead letter of the left-out key is held: {remaining:?}"
    );
    for r in &replayed {
        assert!(
            !remaining
                .iter()
                .any(|d| d["key"] == r["key"] && d["offset"].as_i64() < r["offset"].as_i64()),
            "{r} was written while an earlier record of its key stays dead"
        );
    }
    std::fs::rename(s.path("rem.jsonl"), s.path("rem-1.jsonl")).expect("rename");
    let again = s.replay(true, "rem-1.jsonl", &[]);
    assert!(again.status.success());
    assert_eq!(s.lines("out.jsonl").len(), remaining.len());
    assert!(s.lines("rem.jsonl").is_empty());
}

/// `--dry-run` says what would happen to each dead letter and writes no file.
#[test]
fn a_dry_run_tells_each_fate_and_writes_nothing() {
    let s = Scenario::new();
    let dlq = s.lines("dlq.jsonl");
    let dry_run = |filters: &[&str]| {
        let (config, dlq) = (s.path(name(true)), s.path("dlq.jsonl"));
        let mut args = vec!["replay", "--config", &config, "--dlq", &dlq, "--dry-run"];
        args.extend_from_slice(filters);
        let out = switchyard(&args);
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        String::from_utf8_lossy(&out.stdout).into_owned()
    };
    let stdout = dry_run(&[
        "--error-class",
        "DataException",
        "--topic",
        "product.public.product_tags",
    ]);
    assert_eq!(stdout.lines().count(), dlq.len(), "{stdout}");
    assert!(
        stdout
            .lines()
            .all(|l| l.contains("product.public.product_tags")
                && l.ends_with("would write to product.public.product_tags")),
        "{stdout}"
    );
    assert!(!PathBuf::from(s.path("out.jsonl")).exists());
    // A filter that selects nothing: each dead letter is told, none would be written.
    let none = dry_run(&["--error-class", "ConnectException"]);
    assert_eq!(none.lines().count(), dlq.len(), "{none}");
    assert!(none.lines().any(|l| l.ends_with("not selected")), "{none}");
    assert!(
        none.lines().all(|l| l.ends_with("not selected")
            || l.ends_with("held behind an earlier dead letter of its key")),
        "{none}"
    );
}

/// Without `--remaining` (and not a dry run) the command refuses to start: dead letters that
/// stay dead would have nowhere to go. A line that is not a record is kept as it was.
#[test]
fn what_stays_dead_always_has_somewhere_to_go() {
    let s = Scenario::new();
    let refused = switchyard(&[
        "replay",
        "--config",
        &s.path(name(true)),
        "--dlq",
        &s.path("dlq.jsonl"),
    ]);
    assert_eq!(refused.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&refused.stderr).contains("--remaining"));

    let mut text = std::fs::read_to_string(s.path("dlq.jsonl")).expect("read");
    text.push_str("not a record\n");
    std::fs::write(s.path("dlq-garbled.jsonl"), &text).expect("write");
    let out = s.replay(true, "dlq-garbled.jsonl", &[]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert_eq!(
        std::fs::read_to_string(s.path("rem.jsonl")).expect("read"),
        "not a record\n"
    );
}

/// Over a dead-letter topic: a replay with the broken chain writes every dead letter back to
/// the end of the topic (with its history, or held behind its key) and commits past what it
/// read; a replay with the fixed chain then writes each of those to its output topic once, as
/// the file replay does, in key order; a third replay finds nothing left to do.
#[test]
fn replay_over_a_dead_letter_topic_resumes_where_it_committed() {
    use crate::brokers::{Reader, create_topics, produce, tansu_or_skip};
    use std::time::Duration;
    let Some(broker) = tansu_or_skip("replay_over_a_dead_letter_topic_resumes_where_it_committed")
    else {
        return;
    };
    let s = Scenario::new();
    let dlq_text = std::fs::read_to_string(s.path("dlq.jsonl")).expect("read");
    let dead = crate::run::jsonl_records(&dlq_text);
    let n = dead.len();
    assert!(n >= 5);
    create_topics(
        &broker.bootstrap,
        &[("dlq-tags", 1), ("product.public.product_tags", 1)],
    );
    produce(&broker.bootstrap, &dead);

    let replay = |fixed: bool| {
        let config = s.path(name(fixed));
        let out = switchyard(&[
            "replay",
            "--config",
            &config,
            "--bootstrap-servers",
            &broker.bootstrap,
        ]);
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        String::from_utf8_lossy(&out.stderr).into_owned()
    };

    let first = replay(false);
    assert!(
        first.contains(&format!("dead letters: {n}, replayed: 0")),
        "{first}"
    );
    let mut dlq = Reader::new(&broker.bootstrap, &[("dlq-tags", 1)]);
    dlq.read_at_least(2 * n, Duration::from_secs(60));
    assert_eq!(dlq.records.len(), 2 * n);
    for (before, after) in dead.iter().zip(&dlq.records[n..]) {
        assert_eq!((&before.key, &before.value), (&after.key, &after.value));
        let failures = after
            .headers
            .iter()
            .filter(|(k, _)| k == "__connect.errors.exception.class.name")
            .count();
        assert!(failures == 1 || failures == 2, "{after:?}");
    }

    let second = replay(true);
    assert!(
        second.contains(&format!("dead letters: {n}, replayed: {n}")),
        "{second}"
    );
    let file = s.replay(true, "dlq.jsonl", &[]);
    assert!(file.status.success());
    let expected =
        crate::run::jsonl_records(&std::fs::read_to_string(s.path("out.jsonl")).expect("read"));
    let mut out = Reader::new(&broker.bootstrap, &[("product.public.product_tags", 1)]);
    out.read_at_least(n, Duration::from_secs(60));
    let strip = |records: &[crate::brokers::Rec]| {
        records
            .iter()
            .map(|r| (r.key.clone(), r.value.clone(), r.headers.clone()))
            .collect::<Vec<_>>()
    };
    assert_eq!(strip(&out.records), strip(&expected));

    let third = replay(true);
    assert!(third.contains("dead letters: 0,"), "{third}");
}

/// A replay over a dead-letter topic killed with SIGKILL twice mid-way, then run to the end,
/// writes every dead letter at least once and each key's records in order: it resumes after
/// its last commit.
#[test]
fn a_replay_killed_mid_way_resumes_and_loses_nothing() {
    use crate::brokers::{MockCluster, Reader, Runner, produce, wait_for};
    use crate::run::{assert_complete_and_ordered, keyed_input, passthrough_pipeline};
    use std::time::Duration;
    const KEYS: usize = 20;
    const PER_KEY: usize = 1000;
    let cluster = MockCluster::start(1, &[("dlq", 2), ("out", 4)]);
    // Dead letters of the passthrough pipeline's `raw` topic.
    let mut dead = keyed_input("dlq", KEYS, PER_KEY);
    for (i, r) in dead.iter_mut().enumerate() {
        r.headers = vec![
            ("__connect.errors.topic".into(), Some("raw".into())),
            ("__connect.errors.offset".into(), Some(i.to_string())),
        ];
    }
    produce(&cluster.bootstrap, &dead);
    let dir = tempfile::tempdir().expect("tempdir");
    let pipeline = passthrough_pipeline(dir.path());
    let args = [
        "--config",
        pipeline.to_str().expect("path"),
        "--bootstrap-servers",
        &cluster.bootstrap,
        "--dlq-topic",
        "dlq",
        // Small fetches spread the replay over time, so the kills land mid-way.
        "--property",
        "consumer.message.max.bytes=10000",
        "--property",
        "consumer.fetch.max.bytes=20000",
        "--property",
        "consumer.max.partition.fetch.bytes=5000",
    ];
    let mut reader = Reader::new(&cluster.bootstrap, &[("out", 4)]);
    let total = dead.len();
    let mut kills = 0;
    for (round, fraction) in [0.2, 0.5].iter().enumerate() {
        let mut replay = Runner::start_command(
            "replay",
            &args,
            &dir.path().join(format!("replay-{round}.log")),
        );
        let target = reader.records.len().max((total as f64 * fraction) as usize);
        wait_for("the replay to write more", Duration::from_secs(120), || {
            reader.poll_up_to(target);
            if let Some(status) = replay.process.child.try_wait().expect("try_wait") {
                assert!(status.success(), "{}", replay.log());
                return Some(());
            }
            (reader.records.len() >= target).then_some(())
        });
        if replay.process.child.try_wait().expect("try_wait").is_none() {
            if reader.records.len() < total {
                kills += 1;
            }
            replay.kill();
        }
    }
    let mut last = Runner::start_command("replay", &args, &dir.path().join("replay-last.log"));
    let status = wait_for("the last replay to end", Duration::from_secs(180), || {
        last.process.child.try_wait().expect("try_wait")
    });
    assert!(status.success(), "{}", last.log());
    reader.read_at_least(total, Duration::from_secs(60));
    reader.poll();
    assert!(
        kills >= 1,
        "the replay ended before it could be killed mid-way"
    );
    assert_complete_and_ordered(&reader.records, KEYS, PER_KEY);
}

/// Over a dead-letter topic, output files have no place: `--output` and `--remaining` are
/// refused before anything is read (no broker is needed to tell).
#[test]
fn a_topic_replay_refuses_output_files() {
    let s = Scenario::new();
    for extra in [["--output", "out.jsonl"], ["--remaining", "rem.jsonl"]] {
        let config = s.path(name(true));
        let mut args = vec![
            "replay",
            "--config",
            &config,
            "--bootstrap-servers",
            "127.0.0.1:1",
        ];
        args.extend(extra);
        let out = switchyard(&args);
        assert_eq!(out.status.code(), Some(2), "{extra:?}");
        assert!(
            String::from_utf8_lossy(&out.stderr).contains("go with --dlq FILE"),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
    }
}

/// A dead letter that waits for a schema registry that is down when the replay is asked to
/// stop is left where it is: not run, not dead-lettered again, and its key not held, so that
/// the next replay runs it and the later dead letters of its key.
#[test]
fn a_dead_letter_waiting_for_a_registry_when_the_replay_stops_is_left_for_the_next() {
    use bytes::Bytes;
    use switchyard::chain::Chain;
    use switchyard::engine::Engine;
    use switchyard::record::{Header, Origin, Record};
    use switchyard::replay::{DeadLetter, Fate, Filters, Replayer};
    use switchyard::task::{InputKinds, Task};

    // Nothing listens on the discard port: every registry request is refused, as when the
    // registry is down (a transient failure, which waits).
    let (_dir, path) = crate::common::temp_file(
        "connector.json",
        r#"{"name": "avro", "config": {
            "key.converter": "org.apache.kafka.connect.storage.StringConverter",
            "value.converter": "io.confluent.connect.avro.AvroConverter",
            "value.converter.schema.registry.url": "http://127.0.0.1:9",
            "value.converter.max.retries": "1",
            "value.converter.retries.wait.ms": "5"
        }}"#,
    );
    let pipeline = switchyard::config::load(&path).expect("connector");
    let engine = Engine::new(pipeline.limits).expect("engine");
    let chain = Chain::build(&pipeline, &engine).expect("chain");
    let mut task = Task::new(chain, &pipeline, 0, true);
    let mut replayer = Replayer::new(Filters::default(), &pipeline.name);
    // A Confluent wire-format value naming schema id 1.
    let mut record = Record::new(
        "dlq-avro",
        Some(Bytes::from_static(b"k1")),
        Some(Bytes::from_static(&[0, 0, 0, 0, 1, 2])),
    );
    record.headers = vec![Header {
        key: "__connect.errors.topic".into(),
        value: Some(Bytes::from_static(b"orders")),
    }];
    let letter = DeadLetter::split(
        record,
        Origin {
            topic: "dlq-avro".into(),
            partition: Some(0),
            offset: Some(0),
        },
    );
    let kinds = InputKinds::default();
    let mut waits = 0;
    let mut stopping = |_| {
        waits += 1;
        false
    };
    for _ in 0..2 {
        match replayer.replay(&mut task, &letter, kinds, &mut stopping) {
            Fate::Interrupted(reason) => assert!(reason.contains("127.0.0.1:9"), "{reason}"),
            other => panic!("expected the dead letter left for the next replay, got {other:?}"),
        }
    }
    // Each time, the registry was asked before the replay stopped waiting for it.
    assert_eq!(waits, 2);
}
