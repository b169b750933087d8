//! Kafka clients as users have them, against a real broker: TLS and zstd-compressed batches
//! both ways from a Connect worker file; SASL from a Java worker's `sasl.jaas.config`; and
//! secrets that never reach a message.
//!
//! The broker is tansu. tansu 0.6.0 cannot serve TLS itself, so `socat` terminates TLS in front
//! of it; it offers SASL SCRAM, with its users kept in SQLite storage (see
//! [`brokers::Security`]).

use std::process::Command;
use std::time::Duration;

use crate::brokers::{
    self, Reader, Rec, Runner, Security, Tansu, create_topics_with, produce_with,
    tansu_with_or_skip, wait_for,
};

const PASSWORD: &str = "Pa55-wOrd-never-shown";

/// A pipeline that routes `orders` to `out-orders`, for a worker file with StringConverters.
fn routing_pipeline(dir: &std::path::Path) -> std::path::PathBuf {
    let pipeline = dir.join("pipeline.toml");
    std::fs::write(
        &pipeline,
        r#"
name = "secured"
[source]
topics = ["orders"]
[[transforms]]
alias = "route"
class = "org.apache.kafka.connect.transforms.RegexRouter"
config = { regex = "(.*)", replacement = "out-$1" }
"#,
    )
    .expect("write pipeline");
    pipeline
}

/// `switchyard run` with `worker` as its worker file and the routing pipeline, plus `extra`
/// arguments.
fn run_with_worker(dir: &std::path::Path, worker: &str, extra: &[&str]) -> Runner {
    let worker_file = dir.join("connect-distributed.properties");
    std::fs::write(&worker_file, worker).expect("write worker");
    let pipeline = routing_pipeline(dir);
    let mut args = vec![
        "--config",
        pipeline.to_str().expect("path"),
        "--worker",
        worker_file.to_str().expect("path"),
        "--no-metrics",
    ];
    args.extend_from_slice(extra);
    Runner::start(&args, &dir.join("run.log"))
}

/// Twenty records for `orders`.
fn orders() -> Vec<Rec> {
    (0..20)
        .map(|i| Rec::text("orders", &format!("o-{i}"), &format!("order number {i}")))
        .collect()
}

/// Waits until `runner` routed every record of `input` from `orders` to `out-orders` on
/// `broker` (reached `how`), checks their values in order, and stops it, which must succeed;
/// answers its log.
fn routes_every_order(runner: &mut Runner, broker: &Tansu, input: &[Rec], how: &str) -> String {
    let mut out = Reader::with(broker.config(), &[("out-orders", 1)]);
    wait_for(
        &format!("every record through {how}"),
        Duration::from_secs(90),
        || {
            out.poll();
            runner.assert_running();
            (out.records.len() >= input.len()).then_some(())
        },
    );
    let values: Vec<Option<Vec<u8>>> = out.records.iter().map(|r| r.value.clone()).collect();
    let expected: Vec<Option<Vec<u8>>> = input.iter().map(|r| r.value.clone()).collect();
    assert_eq!(values, expected);
    let status = runner.terminate(Duration::from_secs(60));
    let log = runner.log();
    assert!(status.success(), "{log}");
    log
}

/// A worker file with TLS (its CA from `ssl.ca.location`) and zstd on the producer runs a
/// pipeline end to end over zstd-compressed input.
#[test]
fn tls_from_a_worker_file_with_zstd_both_ways_runs_end_to_end() {
    let dir = tempfile::tempdir().expect("tempdir");
    let pem = brokers::self_signed_pem(dir.path());
    let security = Security {
        tls: Some(pem.clone()),
        ..Security::default()
    };
    let Some(broker) = tansu_with_or_skip(
        "tls_from_a_worker_file_with_zstd_both_ways_runs_end_to_end",
        &security,
    ) else {
        return;
    };
    create_topics_with(broker.config(), &[("orders", 1), ("out-orders", 1)]);
    let mut compressed = broker.config();
    compressed.set("compression.type", "zstd");
    let input = orders();
    produce_with(compressed, &input);

    let worker = format!(
        "bootstrap.servers={}\n\
         security.protocol=SSL\n\
         ssl.ca.location={}\n\
         producer.compression.type=zstd\n\
         key.converter=org.apache.kafka.connect.storage.StringConverter\n\
         value.converter=org.apache.kafka.connect.storage.StringConverter\n",
        broker.bootstrap,
        pem.display()
    );
    // socat listens on IPv4 only.
    let mut runner = run_with_worker(
        dir.path(),
        &worker,
        &["--property", "broker.address.family=v4"],
    );
    routes_every_order(&mut runner, &broker, &input, "TLS");
}

/// A Java worker's `sasl.jaas.config` (SCRAM-SHA-512) logs the runner in as librdkafka's
/// username and password and runs a pipeline end to end; with a wrong password the broker's
/// SCRAM exchange refuses it. The password appears in none of the runner's output.
#[test]
fn a_java_jaas_config_logs_in_with_scram_and_runs_end_to_end() {
    let security = Security {
        authentication: true,
        users: vec![("alice".into(), PASSWORD.into())],
        ..Security::default()
    };
    let Some(broker) = tansu_with_or_skip(
        "a_java_jaas_config_logs_in_with_scram_and_runs_end_to_end",
        &security,
    ) else {
        return;
    };
    create_topics_with(broker.config(), &[("orders", 1), ("out-orders", 1)]);
    let input = orders();
    produce_with(broker.config(), &input);
    let worker = |password: &str| {
        format!(
            "bootstrap.servers={}\n\
             security.protocol=SASL_PLAINTEXT\n\
             sasl.mechanism=SCRAM-SHA-512\n\
             sasl.jaas.config=org.apache.kafka.common.security.scram.ScramLoginModule required \\\n\
             \x20   username=\"alice\" password=\"{password}\";\n\
             key.converter=org.apache.kafka.connect.storage.StringConverter\n\
             value.converter=org.apache.kafka.connect.storage.StringConverter\n",
            broker.bootstrap
        )
    };

    // A wrong password: the broker refuses the login.
    let wrong = format!("{PASSWORD}-not");
    let dir = tempfile::tempdir().expect("tempdir");
    let mut runner = run_with_worker(dir.path(), &worker(&wrong), &[]);
    wait_for("the broker's SCRAM answer", Duration::from_secs(60), || {
        runner.assert_running();
        runner
            .log()
            .contains("SASL SCRAM authentication failed")
            .then_some(())
    });
    runner.terminate(Duration::from_secs(60));
    let log = runner.log();
    assert!(!log.contains(&wrong), "the password was logged:\n{log}");

    // The right one: every record through.
    let dir = tempfile::tempdir().expect("tempdir");
    let mut runner = run_with_worker(dir.path(), &worker(PASSWORD), &[]);
    let log = routes_every_order(&mut runner, &broker, &input, "SASL");
    assert!(!log.contains("authentication failed"), "{log}");
    assert!(!log.contains(PASSWORD), "the password was logged:\n{log}");
}

/// Settings librdkafka refuses are reported by key, their secret values hidden: a misspelled
/// password property, a key password given to a client that has no key, a JAAS configuration
/// that cannot be translated.
#[test]
fn run_never_shows_a_secret_value() {
    let dir = tempfile::tempdir().expect("tempdir");
    let pipeline = dir.path().join("pipeline.toml");
    std::fs::write(
        &pipeline,
        "name = \"secrets\"\n[source]\ntopics = [\"orders\"]\n",
    )
    .expect("write pipeline");
    let worker = dir.path().join("worker.properties");
    for (worker_text, property, named) in [
        (
            "bootstrap.servers=127.0.0.1:1\n".to_string(),
            format!("sasl.passwrd={PASSWORD}"),
            "sasl.passwrd",
        ),
        (
            format!(
                "bootstrap.servers=127.0.0.1:1\n\
                 consumer.sasl.jaas.config=com.sun.security.auth.module.Krb5LoginModule \
                 required keyTab=\"/k\" password=\"{PASSWORD}\";\n"
            ),
            "client.id=secrets".to_string(),
            "consumer.sasl.jaas.config",
        ),
        (
            format!("bootstrap.servers=127.0.0.1:1\nconsumer.ssl.key.passwd={PASSWORD}\n"),
            "client.id=secrets".to_string(),
            "ssl.key.passwd",
        ),
    ] {
        std::fs::write(&worker, worker_text).expect("write worker");
        let log = dir.path().join("run.log");
        let mut child = Command::new(env!("CARGO_BIN_EXE_switchyard"))
            .args(["run", "--config"])
            .arg(&pipeline)
            .arg("--worker")
            .arg(&worker)
            .args(["--property", &property, "--no-metrics"])
            .stdout(std::fs::File::create(&log).expect("log"))
            .stderr(std::fs::File::create(dir.path().join("run.err")).expect("log"))
            .spawn()
            .expect("run switchyard");
        let status = wait_for(
            "run to refuse its settings",
            Duration::from_secs(60),
            || child.try_wait().expect("wait"),
        );
        let text = format!(
            "{}{}",
            std::fs::read_to_string(&log).unwrap_or_default(),
            std::fs::read_to_string(dir.path().join("run.err")).unwrap_or_default()
        );
        assert!(!status.success(), "{text}");
        assert!(text.contains(named), "{named} is not named:\n{text}");
        assert!(!text.contains(PASSWORD), "the secret was shown:\n{text}");
    }
}

/// `validate` and `apply` show no secret either: a connector whose registry credentials are in
/// its URL and in `basic.auth.user.info`, against a registry that refuses them (401), and a
/// database password the connector carries for Debezium.
#[test]
fn apply_and_validate_never_show_a_secret_value() {
    let server = tiny_http::Server::http("127.0.0.1:0").expect("registry");
    let url = format!("http://alice:URL-{PASSWORD}@{}", server.server_addr());
    let plain_url = format!("http://{}", server.server_addr());
    std::thread::spawn(move || {
        for request in server.incoming_requests() {
            let answer =
                tiny_http::Response::from_string(r#"{"error_code":401,"message":"Unauthorized"}"#)
                    .with_status_code(401);
            let _ = request.respond(answer);
        }
    });
    let connector = serde_json::json!({
        "name": "secrets",
        "config": {
            "database.password": format!("DB-{PASSWORD}"),
            "value.converter": "io.confluent.connect.avro.AvroConverter",
            "value.converter.schema.registry.url": url,
            "value.converter.basic.auth.credentials.source": "URL",
            "key.converter": "io.confluent.connect.avro.AvroConverter",
            "key.converter.schema.registry.url": plain_url,
            "key.converter.basic.auth.credentials.source": "USER_INFO",
            "key.converter.basic.auth.user.info": format!("bob:INFO-{PASSWORD}"),
            "errors.tolerance": "all",
            "errors.log.enable": "true",
            "errors.log.include.messages": "true"
        }
    });
    let dir = tempfile::tempdir().expect("tempdir");
    let config = dir.path().join("connector.json");
    std::fs::write(&config, connector.to_string()).expect("write connector");
    let input = dir.path().join("in.jsonl");
    std::fs::write(
        &input,
        "{\"topic\":\"t\",\"key_base64\":\"AAAAAAE=\",\"value_base64\":\"AAAAAAEC\"}\n",
    )
    .expect("write input");
    let config = config.to_str().expect("path");
    for args in [
        vec!["validate", "--config", config],
        vec![
            "apply",
            "--config",
            config,
            "--input",
            input.to_str().expect("path"),
        ],
    ] {
        let out = crate::common::switchyard(&args);
        let text = format!(
            "{}{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        );
        assert!(out.status.success(), "{args:?}: {text}");
        assert!(
            !text.contains(PASSWORD),
            "{args:?} showed a secret:\n{text}"
        );
        if args[0] == "apply" {
            assert!(text.contains("failed: 1"), "{text}");
            assert!(text.contains("401"), "the refusal is reported: {text}");
        }
    }
}
