//! Parking in key order: records a transform does not handle yet wait, with every later record
//! of their key behind them, and come out first once the chain handles them — through
//! `apply --parked FILE` here, through a parking topic on a real broker in `parking_kafka`.

use std::path::Path;

use serde_json::Value;

use crate::common::{json, switchyard};

/// A connector JSON whose chain handles the Debezium operations `handled` (the built-in
/// `Unhandled` says so of the others) and routes every table to `out`.
pub fn connector(handled: &str) -> String {
    format!(
        r#"{{
  "name": "parking",
  "key.converter": "org.apache.kafka.connect.json.JsonConverter",
  "key.converter.schemas.enable": "false",
  "value.converter": "org.apache.kafka.connect.json.JsonConverter",
  "value.converter.schemas.enable": "false",
  "transforms": "known,route",
  "transforms.known.type": "io.switchyard.transforms.Unhandled",
  "transforms.known.field": "op",
  "transforms.known.handled.values": "{handled}",
  "transforms.known.reason": "no rule for this operation yet",
  "transforms.route.type": "org.apache.kafka.connect.transforms.RegexRouter",
  "transforms.route.regex": ".*",
  "transforms.route.replacement": "out",
  "parking.topic.name": "parked"
}}"#
    )
}

/// One change event line: `n` numbers the event, so that order can be checked.
pub fn event(topic: &str, id: u32, op: &str, n: u32) -> String {
    format!(
        r#"{{"topic":"{topic}","partition":0,"offset":{n},"key":{{"id":{id}}},"value":{{"op":"{op}","n":{n}}}}}"#
    )
}

/// Runs `apply` with `config` over `lines`, parking in `parked`; answers the output lines as
/// JSON and standard error.
fn apply(dir: &Path, config: &str, lines: &[String], parked: &Path) -> (Vec<Value>, String) {
    let config_path = dir.join("connector.json");
    std::fs::write(&config_path, config).unwrap();
    let input = dir.join("input.jsonl");
    std::fs::write(
        &input,
        lines.iter().map(|l| format!("{l}\n")).collect::<String>(),
    )
    .unwrap();
    let output = dir.join("output.jsonl");
    let out = switchyard(&[
        "apply",
        "--config",
        config_path.to_str().unwrap(),
        "--input",
        input.to_str().unwrap(),
        "--output",
        output.to_str().unwrap(),
        "--parked",
        parked.to_str().unwrap(),
    ]);
    let stderr = String::from_utf8_lossy(&out.stderr).into_owned();
    assert!(out.status.success(), "{stderr}");
    let text = std::fs::read_to_string(&output).unwrap();
    (text.lines().map(json).collect(), stderr)
}

/// The `n` of each output, in order.
fn numbers(outputs: &[Value]) -> Vec<u64> {
    outputs
        .iter()
        .map(|o| o["value"]["n"].as_u64().expect("n"))
        .collect()
}

#[test]
fn apply_parks_a_key_behind_its_unhandled_record_and_unparks_it_first_after_an_update() {
    let dir = tempfile::tempdir().unwrap();
    let parked = dir.path().join("parked.jsonl");
    let t = "db.public.products";
    // Key 1's update is not handled by the first chain: it and key 1's later delete wait;
    // key 2 flows.
    let first = [
        event(t, 1, "c", 1),
        event(t, 1, "u", 2),
        event(t, 2, "c", 3),
        event(t, 1, "d", 4),
        event(t, 2, "d", 5),
    ];
    let (out, stderr) = apply(dir.path(), &connector("c,r,d"), &first, &parked);
    assert_eq!(numbers(&out), [1, 3, 5]);
    assert!(stderr.contains("parked: 2"), "{stderr}");
    let log: Vec<Value> = std::fs::read_to_string(&parked)
        .unwrap()
        .lines()
        .map(json)
        .collect();
    assert_eq!(log.len(), 2);
    assert_eq!(log[0]["value"]["n"], 2);
    assert_eq!(log[0]["topic"], "parked");
    assert_eq!(
        crate::common::header_text(&log[0], "__switchyard.parking.reason"),
        "no rule for this operation yet (op = u)"
    );
    assert_eq!(
        crate::common::header_text(&log[1], "__switchyard.parking.reason"),
        "behind an earlier parked record of its key"
    );

    // The same chain again: nothing is tried again, and key 1 still holds its new record.
    let (out, stderr) = apply(
        dir.path(),
        &connector("c,r,d"),
        &[event(t, 1, "c", 6), event(t, 3, "c", 7)],
        &parked,
    );
    assert_eq!(numbers(&out), [7]);
    assert!(!stderr.contains("unparked"), "{stderr}");

    // A chain that handles updates: key 1's records come out first, in order, then the input.
    let (out, stderr) = apply(
        dir.path(),
        &connector("c,r,u,d"),
        &[event(t, 1, "u", 8), event(t, 2, "u", 9)],
        &parked,
    );
    assert_eq!(numbers(&out), [2, 4, 6, 8, 9]);
    assert!(out.iter().all(|o| o["topic"] == "out"));
    assert!(
        stderr.contains("unparked: 3 record(s) of 1 key(s) (1 key(s) released"),
        "{stderr}"
    );

    // Released for good: a restart unparks nothing, and key 1 flows.
    let (out, stderr) = apply(
        dir.path(),
        &connector("c,r,u,d"),
        &[event(t, 1, "d", 10)],
        &parked,
    );
    assert_eq!(numbers(&out), [10]);
    assert!(!stderr.contains("unparked"), "{stderr}");
}

#[test]
fn a_parked_record_the_new_chain_still_does_not_handle_stays_parked_with_those_behind_it() {
    let dir = tempfile::tempdir().unwrap();
    let parked = dir.path().join("parked.jsonl");
    let t = "db.public.products";
    let first = [
        event(t, 1, "u", 1),
        event(t, 1, "x", 2),
        event(t, 1, "c", 3),
    ];
    let (out, _) = apply(dir.path(), &connector("c"), &first, &parked);
    assert!(out.is_empty());
    // Updates are handled now, `x` still is not: the update comes out, the rest waits.
    let (out, stderr) = apply(
        dir.path(),
        &connector("c,u"),
        &[event(t, 1, "c", 4)],
        &parked,
    );
    assert_eq!(numbers(&out), [1]);
    assert!(stderr.contains("parked: 1"), "{stderr}");
    assert!(stderr.contains("0 key(s) released"), "{stderr}");
    // The same chain again tries nothing; a chain that knows `x` releases the key.
    let (out, _) = apply(dir.path(), &connector("c,u"), &[], &parked);
    assert!(out.is_empty());
    let (out, _) = apply(dir.path(), &connector("c,u,x"), &[], &parked);
    assert_eq!(numbers(&out), [2, 3, 4]);
}

/// A predicate (WIT 0.1.4) may answer `unhandled` too: a predicate component that knows only
/// some topics parks the records of the others with their keys behind them, as a transform's
/// `unhandled` does, and a version that knows them unparks them first, through the transform
/// it guards.
#[test]
fn a_predicate_that_does_not_know_a_topic_yet_parks_its_records() {
    let dir = tempfile::tempdir().unwrap();
    let parked = dir.path().join("parked.jsonl");
    let predicate = Path::new(env!("SWITCHYARD_TEST_GUESTS")).join("unknown_topic.wasm");
    let chain = |known: &str| {
        format!(
            r#"{{
  "name": "parking-predicate",
  "key.converter": "org.apache.kafka.connect.json.JsonConverter",
  "key.converter.schemas.enable": "false",
  "value.converter": "org.apache.kafka.connect.json.JsonConverter",
  "value.converter.schemas.enable": "false",
  "transforms": "mark,route",
  "transforms.mark.type": "org.apache.kafka.connect.transforms.InsertHeader",
  "transforms.mark.header": "marked",
  "transforms.mark.value.literal": "yes",
  "transforms.mark.predicate": "isKnown",
  "transforms.route.type": "org.apache.kafka.connect.transforms.RegexRouter",
  "transforms.route.regex": ".*",
  "transforms.route.replacement": "out",
  "predicates": "isKnown",
  "predicates.isKnown.type": "{}",
  "predicates.isKnown.known.topics": "{known}",
  "parking.topic.name": "parked"
}}"#,
            predicate.display()
        )
    };
    let first = [
        event("a", 1, "c", 1),
        event("b", 2, "c", 2),
        event("a", 3, "c", 3),
        event("b", 2, "u", 4),
        event("b", 5, "c", 5),
    ];
    let (out, stderr) = apply(dir.path(), &chain("a"), &first, &parked);
    assert_eq!(numbers(&out), [1, 3]);
    assert!(
        out.iter()
            .all(|o| crate::common::header_text(o, "marked") == "yes")
    );
    assert!(stderr.contains("parked: 3"), "{stderr}");
    let log: Vec<Value> = std::fs::read_to_string(&parked)
        .unwrap()
        .lines()
        .map(json)
        .collect();
    assert_eq!(log.len(), 3);
    assert_eq!(
        crate::common::header_text(&log[0], "__switchyard.parking.reason"),
        "no rule for topic b yet"
    );
    assert_eq!(
        crate::common::header_text(&log[1], "__switchyard.parking.reason"),
        "behind an earlier parked record of its key"
    );

    // The predicate knows `b` now: the parked records come out first, each key's in order,
    // through the transform the predicate guards; then the input.
    let (out, stderr) = apply(dir.path(), &chain("a,b"), &[event("b", 2, "d", 6)], &parked);
    let mut unparked = numbers(&out[..3]);
    unparked.sort_unstable();
    assert_eq!(unparked, [2, 4, 5]);
    let key_2: Vec<u64> = numbers(&out)
        .into_iter()
        .filter(|n| [2, 4, 6].contains(n))
        .collect();
    assert_eq!(key_2, [2, 4, 6], "key 2 in order");
    assert!(
        out.iter()
            .all(|o| crate::common::header_text(o, "marked") == "yes")
    );
    assert!(
        stderr.contains("unparked: 3 record(s) of 2 key(s) (2 key(s) released"),
        "{stderr}"
    );
}

#[test]
fn without_a_parking_lot_an_unhandled_record_fails_as_a_bad_record() {
    let dir = tempfile::tempdir().unwrap();
    let config = dir.path().join("connector.json");
    std::fs::write(&config, connector("c")).unwrap();
    let input = dir.path().join("input.jsonl");
    std::fs::write(&input, format!("{}\n", event("t", 1, "u", 1))).unwrap();
    let out = switchyard(&[
        "apply",
        "--config",
        config.to_str().unwrap(),
        "--input",
        input.to_str().unwrap(),
    ]);
    assert_eq!(out.status.code(), Some(1));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("not handled yet: no rule for this operation yet (op = u)"),
        "{stderr}"
    );
}

/// The Kafka path, on a real Kafka-protocol broker: the chain's step is a component file that
/// says it does not handle `product_tags` records yet. Those records and every later record of
/// their keys are parked while `products` flows; the file is replaced by a component that
/// handles them (a hot reload), the runner is killed with SIGKILL while it unparks, and a new
/// runner finishes: every record reaches `out` at least once, each key's in its original order
/// (the parked ones before the key's records that came after them).
#[test]
fn run_parks_unknown_tables_in_key_order_and_unparks_them_first_across_a_reload_and_a_kill_9() {
    parks_across_a_reload_and_a_kill_9(
        "run_parks_unknown_tables_in_key_order_and_unparks_them_first_across_a_reload_and_a_kill_9",
        &[],
    );
}

/// The same with three tasks sharing the lot: the first task to reload claims the keys, the
/// others park behind them what they consume meanwhile.
#[test]
fn three_tasks_park_and_unpark_in_key_order_across_a_reload_and_a_kill_9() {
    parks_across_a_reload_and_a_kill_9(
        "three_tasks_park_and_unpark_in_key_order_across_a_reload_and_a_kill_9",
        &["--tasks", "3"],
    );
}

fn parks_across_a_reload_and_a_kill_9(test: &str, extra: &[&str]) {
    use crate::brokers::{Reader, Rec, Runner, create_topics, free_port, produce, wait_for};
    use std::time::Duration;

    let Some(broker) = crate::brokers::tansu_or_skip(test) else {
        return;
    };
    const PRODUCTS: usize = 20;
    // Enough parked keys that the unparking (two acknowledged writes per key, about a
    // millisecond each on tansu) lasts seconds, so that the kill lands during it; the second
    // runner's log shows that it did.
    const TAGS: usize = 1500;
    const PRODUCTS_TOPIC: &str = "db.public.products";
    const TAGS_TOPIC: &str = "db.public.product_tags";
    create_topics(
        &broker.bootstrap,
        &[
            (PRODUCTS_TOPIC, 3),
            (TAGS_TOPIC, 3),
            ("out", 1),
            ("parked", 1),
        ],
    );
    let dir = tempfile::tempdir().unwrap();
    let step = dir.path().join("step.wasm");
    let install = |class: &str| {
        let (builtin, _) = switchyard::builtin::find(class).expect("a built-in");
        let staged = dir.path().join("step.wasm.new");
        std::fs::write(&staged, builtin.wasm).unwrap();
        std::fs::rename(&staged, &step).unwrap();
    };
    install("io.switchyard.transforms.Unhandled");
    let pipeline = dir.path().join("pipeline.toml");
    // Both components accept this configuration: `Unhandled` reads `reason`, `InsertHeader`
    // `header` and `value.literal`.
    std::fs::write(
        &pipeline,
        format!(
            r#"
name = "parking-test"
[converters.key]
class = "org.apache.kafka.connect.storage.StringConverter"
[converters.value]
class = "org.apache.kafka.connect.storage.StringConverter"
[source]
topics = ["{PRODUCTS_TOPIC}", "{TAGS_TOPIC}"]
[errors]
parking_topic = "parked"
parking_replication_factor = 1
[[transforms]]
alias = "tags"
component = "step.wasm"
predicate = "isTags"
config = {{ reason = "no rule for product_tags yet", header = "handled", "value.literal" = "v2" }}
[[transforms]]
alias = "route"
class = "org.apache.kafka.connect.transforms.RegexRouter"
config = {{ regex = ".*", replacement = "out" }}
[[predicates]]
alias = "isTags"
class = "org.apache.kafka.connect.transforms.predicates.TopicNameMatches"
config = {{ pattern = ".*product_tags" }}
"#
        ),
    )
    .unwrap();
    let round = |r: usize| -> Vec<Rec> {
        let products =
            (0..PRODUCTS).map(|k| Rec::text(PRODUCTS_TOPIC, &format!("p{k}"), &r.to_string()));
        let tags = (0..TAGS).map(|k| Rec::text(TAGS_TOPIC, &format!("t{k}"), &r.to_string()));
        products.chain(tags).collect()
    };
    produce(&broker.bootstrap, &[round(0), round(1)].concat());
    let port = free_port();
    let metrics = format!("127.0.0.1:{port}");
    let args = |metrics: &str| -> Vec<String> {
        [
            "--config",
            pipeline.to_str().unwrap(),
            "--bootstrap-servers",
            &broker.bootstrap,
            "--group-id",
            "switchyard-parking-test",
            "--metrics-address",
            metrics,
            "--property",
            "consumer.session.timeout.ms=6000",
        ]
        .iter()
        .chain(extra)
        .map(|s| s.to_string())
        .collect()
    };
    let first_args = args(&metrics);
    let first_args: Vec<&str> = first_args.iter().map(String::as_str).collect();
    let mut first = Runner::start(&first_args, &dir.path().join("run-1.log"));
    let mut out = Reader::new(&broker.bootstrap, &[("out", 1)]);
    let mut parked = Reader::new(&broker.bootstrap, &[("parked", 1)]);
    let mut wait_until = |out_n: usize, parked_n: usize, runner: &mut Runner, out: &mut Reader| {
        wait_for(
            "outputs and parked records",
            Duration::from_secs(120),
            || {
                out.poll();
                parked.poll();
                runner.assert_running();
                (out.records.len() >= out_n && parked.records.len() >= parked_n).then_some(())
            },
        );
        assert_eq!(out.records.len(), out_n, "{}", runner.log());
        assert!(
            out.records
                .iter()
                .all(|r| r.key.as_deref().is_some_and(|k| k.starts_with(b"p")))
        );
    };
    wait_until(2 * PRODUCTS, 2 * TAGS, &mut first, &mut out);
    // Later records of the parked keys park behind them; products flow on.
    produce(&broker.bootstrap, &round(2));
    wait_until(3 * PRODUCTS, 3 * TAGS, &mut first, &mut out);
    let scraped = wait_for("the parking gauges", Duration::from_secs(30), || {
        crate::run::http_get(port, "/metrics").filter(|m| {
            m.contains(&format!(
                "switchyard_parked_records{{topic=\"{TAGS_TOPIC}\"}} {}",
                3 * TAGS
            ))
        })
    });
    assert!(
        scraped.contains(&format!(
            "switchyard_parked_keys{{topic=\"{TAGS_TOPIC}\"}} {TAGS}"
        )),
        "{scraped}"
    );
    assert!(
        scraped.contains("switchyard_parked_oldest_age_seconds"),
        "{scraped}"
    );

    // The component that handles product_tags replaces the file: the runner reloads and
    // unparks. It is killed as soon as the first unparked record is out.
    install("org.apache.kafka.connect.transforms.InsertHeader");
    wait_for("the first unparked record", Duration::from_secs(60), || {
        out.poll_up_to(3 * PRODUCTS + 1);
        first.assert_running();
        (out.records.len() > 3 * PRODUCTS).then_some(())
    });
    first.kill();
    assert!(
        first.log().contains(&format!("unparking {TAGS} key(s)")),
        "{}",
        first.log()
    );

    // A new runner with the new component unparks what the killed one had not released, then
    // goes on with the input.
    let second_args = args("127.0.0.1:0");
    let second_args: Vec<&str> = second_args.iter().map(String::as_str).collect();
    let mut second = Runner::start(&second_args, &dir.path().join("run-2.log"));
    produce(&broker.bootstrap, &round(3));
    crate::run::wait_for_every_record(
        &mut out,
        4 * (PRODUCTS + TAGS),
        &mut second,
        Duration::from_secs(180),
    );
    let log = second.log();
    assert!(
        log.contains("unparking") && !log.contains(&format!("unparking {TAGS} key(s)")),
        "the kill did not land while the first runner unparked:\n{log}"
    );
    crate::run::assert_complete_and_ordered(&out.records, PRODUCTS + TAGS, 4);
    assert!(
        out.records
            .iter()
            .filter(|r| r.key.as_deref().is_some_and(|k| k.starts_with(b"t")))
            .all(|r| r.header("handled") == Some("v2")),
        "every product_tags record went through the new component"
    );
    let status = second.terminate(Duration::from_secs(60));
    assert!(status.success(), "{}", second.log());
}

/// A parked key's state lives in the parking topic, not in one process's memory: two runners
/// share a group; one stops, and the other, given its partitions, holds the records of the
/// keys the stopped one parked behind them, although its own chain would have run them.
#[test]
fn a_runner_given_another_runners_partitions_holds_the_keys_that_runner_parked() {
    use crate::brokers::{Reader, Rec, Runner, create_topics, produce, wait_for};
    use std::time::Duration;

    let Some(broker) = crate::brokers::tansu_or_skip(
        "a_runner_given_another_runners_partitions_holds_the_keys_that_runner_parked",
    ) else {
        return;
    };
    const KEYS: usize = 30;
    create_topics(&broker.bootstrap, &[("raw", 6), ("out", 1), ("parked", 1)]);
    let dir = tempfile::tempdir().unwrap();
    let pipeline = dir.path().join("pipeline.toml");
    // Values `new` are not handled; anything else passes.
    std::fs::write(
        &pipeline,
        r#"
name = "parking-rebalance-test"
[converters.key]
class = "org.apache.kafka.connect.storage.StringConverter"
[converters.value]
class = "org.apache.kafka.connect.storage.StringConverter"
[source]
topics = ["raw"]
[errors]
parking_topic = "parked"
parking_replication_factor = 1
[[transforms]]
alias = "fresh"
class = "io.switchyard.transforms.Unhandled"
predicate = "isNew"
[[transforms]]
alias = "route"
class = "org.apache.kafka.connect.transforms.RegexRouter"
config = { regex = ".*", replacement = "out" }
[[predicates]]
alias = "isNew"
class = "org.apache.kafka.connect.transforms.predicates.HasHeaderKey"
config = { name = "new" }
"#,
    )
    .unwrap();
    let args = [
        "--config",
        pipeline.to_str().unwrap(),
        "--bootstrap-servers",
        &broker.bootstrap,
        "--group-id",
        "switchyard-parking-rebalance",
        "--no-metrics",
        "--property",
        "consumer.session.timeout.ms=6000",
        "--property",
        "consumer.heartbeat.interval.ms=500",
    ];
    let mut a = Runner::start(&args, &dir.path().join("a.log"));
    let mut b = Runner::start(&args, &dir.path().join("b.log"));
    wait_for(
        "both runners to hold partitions",
        Duration::from_secs(60),
        || {
            a.assert_running();
            b.assert_running();
            (a.log().contains("partitions assigned") && b.log().contains("partitions assigned"))
                .then_some(())
        },
    );
    // Every key's first record is not handled: each runner parks the keys of its partitions.
    let first: Vec<Rec> = (0..KEYS)
        .map(|k| {
            let mut r = Rec::text("raw", &format!("k{k}"), "0");
            r.headers.push(("new".into(), Some("yes".into())));
            r
        })
        .collect();
    produce(&broker.bootstrap, &first);
    let mut parked = Reader::new(&broker.bootstrap, &[("parked", 1)]);
    parked.read_at_least(KEYS, Duration::from_secs(60));
    assert!(
        a.log().contains("partitions assigned") && b.log().contains("partitions assigned"),
        "both runners consumed"
    );
    // `a` stops; `b` takes its partitions and reads the parking log again.
    assert!(
        a.terminate(Duration::from_secs(60)).success(),
        "{}",
        a.log()
    );
    wait_for("the rebalance", Duration::from_secs(60), || {
        b.assert_running();
        b.log()
            .contains("parking lot read again after a rebalance")
            .then_some(())
    });
    // The keys' next records would pass the chain; they wait behind the parked ones.
    let second: Vec<Rec> = (0..KEYS)
        .map(|k| Rec::text("raw", &format!("k{k}"), "1"))
        .collect();
    produce(&broker.bootstrap, &second);
    parked.read_at_least(2 * KEYS, Duration::from_secs(60));
    let behind = parked.records[KEYS..]
        .iter()
        .filter(|r| r.header("__switchyard.parking.reason") == Some(switchyard::parking::BEHIND))
        .count();
    assert_eq!(behind, KEYS, "{}", b.log());
    let mut out = Reader::new(&broker.bootstrap, &[("out", 1)]);
    out.poll();
    assert!(
        out.records.is_empty(),
        "no record passed a parked one of its key"
    );
    assert!(
        b.terminate(Duration::from_secs(60)).success(),
        "{}",
        b.log()
    );
}

#[test]
fn run_refuses_parking_with_exactly_once_before_it_connects() {
    let dir = tempfile::tempdir().unwrap();
    let config = dir.path().join("connector.json");
    let text = connector("c").replace(
        "\"parking.topic.name\": \"parked\"",
        "\"parking.topic.name\": \"parked\", \"exactly.once.support\": \"required\", \"topics\": \"t\"",
    );
    std::fs::write(&config, text).unwrap();
    // Nothing listens on the port: the run must refuse before it tries.
    let out = switchyard(&[
        "run",
        "--config",
        config.to_str().unwrap(),
        "--bootstrap-servers",
        "127.0.0.1:9",
        "--no-metrics",
    ]);
    assert_eq!(out.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("parking.topic.name") && stderr.contains("exactly.once.support"),
        "{stderr}"
    );
}

/// Unparked records that the new chain fails on are handled as `errors.*` say: dead-lettered
/// with Connect's headers under `errors.tolerance=all`, and released from the lot.
#[test]
fn an_unparked_record_the_new_chain_fails_on_is_dead_lettered_and_released() {
    let dir = tempfile::tempdir().unwrap();
    let parked = dir.path().join("parked.jsonl");
    let guests = Path::new(env!("SWITCHYARD_TEST_GUESTS"));
    let chain = |known_type: &str, extra: &str| {
        format!(
            r#"{{
  "name": "parking-dlq",
  "key.converter": "org.apache.kafka.connect.json.JsonConverter",
  "key.converter.schemas.enable": "false",
  "value.converter": "org.apache.kafka.connect.json.JsonConverter",
  "value.converter.schemas.enable": "false",
  "transforms": "known,route",
  "transforms.known.type": "{known_type}",
  "transforms.known.predicate": "isPoison",
  "transforms.route.type": "org.apache.kafka.connect.transforms.RegexRouter",
  "transforms.route.regex": ".*",
  "transforms.route.replacement": "out",
  "predicates": "isPoison",
  "predicates.isPoison.type": "org.apache.kafka.connect.transforms.predicates.TopicNameMatches",
  "predicates.isPoison.pattern": "poison",
  "errors.tolerance": "all",
  "errors.deadletterqueue.context.headers.enable": "true"{extra}
}}"#
        )
    };
    let lines = [
        event("poison", 1, "c", 1),
        event("t", 2, "c", 2),
        event("poison", 1, "u", 3),
    ];
    let (out, _) = apply(
        dir.path(),
        &chain("io.switchyard.transforms.Unhandled", ""),
        &lines,
        &parked,
    );
    assert_eq!(numbers(&out), [2]);
    // The new chain's step fails every poison record as a bad record.
    let misbehave = guests.join("misbehave.wasm");
    let v2 = chain(
        misbehave.to_str().unwrap(),
        r#", "transforms.known.mode": "bad-record""#,
    );
    let config_path = dir.path().join("v2.json");
    std::fs::write(&config_path, v2).unwrap();
    let input = dir.path().join("empty.jsonl");
    std::fs::write(&input, "").unwrap();
    let dead = dir.path().join("dead.jsonl");
    let run = switchyard(&[
        "apply",
        "--config",
        config_path.to_str().unwrap(),
        "--input",
        input.to_str().unwrap(),
        "--parked",
        parked.to_str().unwrap(),
        "--dlq",
        dead.to_str().unwrap(),
    ]);
    let stderr = String::from_utf8_lossy(&run.stderr);
    assert!(run.status.success(), "{stderr}");
    assert!(stderr.contains("2 failed"), "{stderr}");
    assert!(stderr.contains("1 key(s) released"), "{stderr}");
    let letters: Vec<Value> = std::fs::read_to_string(&dead)
        .unwrap()
        .lines()
        .map(json)
        .collect();
    assert_eq!(letters.len(), 2);
    assert_eq!(letters[0]["value"]["n"], 1);
    assert_eq!(letters[1]["value"]["n"], 3);
    assert_eq!(
        crate::common::header_text(&letters[0], "__connect.errors.exception.message"),
        "this record is poison"
    );
    assert_eq!(
        crate::common::header_text(&letters[0], "__connect.errors.topic"),
        "poison"
    );
    // Released: the next run with the same chain has nothing to try.
    let again = switchyard(&[
        "apply",
        "--config",
        config_path.to_str().unwrap(),
        "--input",
        input.to_str().unwrap(),
        "--parked",
        parked.to_str().unwrap(),
    ]);
    assert!(!String::from_utf8_lossy(&again.stderr).contains("unparked"));
}
