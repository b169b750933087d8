//! Helpers of the tests of the registry-backed converters (Avro, JSON Schema, Protobuf): the
//! fixtures as record JSONL of wire-format bytes and their round trip through a converter, the
//! seed and document connectors over such converters, and `switchyard apply` and `switchyard
//! run` over them.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::process::Command;

use base64::Engine as _;
use serde_json::{Value as Json, json};
use switchyard::convert::{ConvertError, Converter, JsonConverter};
use switchyard::data::{ConnectData, Value};

use crate::common::fixtures;
use crate::registry_fake::RegistryFake;

/// Base64 as record JSONL writes binary keys and values.
pub const B64: base64::engine::GeneralPurpose = base64::engine::general_purpose::STANDARD;

/// The seed connector's file: `ReplaceField$Key` on the products' keys, then `RegexRouter`
/// routing every table to `product-events`.
pub const SEED: &str = "postgres-product-connector.json";

/// The document connector's file: Debezium's `ExtractNewRecordState` (`add.fields=op,table,lsn`,
/// `delete.handling.mode=rewrite`), then the seed's chain.
pub const DOCUMENTS: &str = "product-documents-connector.json";

/// Converter settings from pairs.
pub fn settings(pairs: &[(&str, &str)]) -> Vec<(String, String)> {
    pairs
        .iter()
        .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
        .collect()
}

/// A JsonConverter with `schemas.enable=true`.
pub fn json_converter(is_key: bool) -> Converter {
    Converter::Json(
        JsonConverter::configure(&settings(&[("schemas.enable", "true")]), is_key)
            .expect("json converter"),
    )
}

/// The lines of a fixture file, parsed.
pub fn fixture_lines(name: &str) -> Vec<Json> {
    std::fs::read_to_string(fixtures().join(name))
        .expect("fixture")
        .lines()
        .map(|l| serde_json::from_str(l).expect("fixture line"))
        .collect()
}

/// The bytes a record JSONL line holds for `part` (`key` / `value`).
pub fn part_bytes(line: &Json, part: &str) -> Option<Vec<u8>> {
    if let Some(b64) = line.get(format!("{part}_base64")).and_then(Json::as_str) {
        return Some(B64.decode(b64).expect("base64"));
    }
    match line.get(part) {
        None | Some(Json::Null) => None,
        Some(v) => Some(v.to_string().into_bytes()),
    }
}

/// The `part` (`key` / `value`) of the first `product.public.products` record of the
/// with-schema fixtures, as the JsonConverter reads it.
pub fn products_fixture(part: &str) -> ConnectData {
    let line = fixture_lines("with-schema.jsonl")
        .into_iter()
        .find(|l| l["topic"] == "product.public.products")
        .expect("a products record");
    json_converter(part == "key")
        .to_connect(
            "product.public.products",
            part_bytes(&line, part).as_deref(),
        )
        .expect("decodes")
}

/// The with-schema fixtures with keys and values encoded by `key` / `value` (registry-backed
/// converters, which register the schemas under their subjects): record JSONL with
/// `key_base64` / `value_base64`.
pub fn wire_input(key: &Converter, value: &Converter) -> String {
    let (json_key, json_value) = (json_converter(true), json_converter(false));
    let mut out = String::new();
    for line in fixture_lines("with-schema.jsonl") {
        let topic = line["topic"].as_str().expect("topic");
        let mut record = serde_json::Map::new();
        for field in ["topic", "partition", "offset", "timestamp", "headers"] {
            if let Some(v) = line.get(field) {
                record.insert(field.into(), v.clone());
            }
        }
        for (part, json, wire) in [("key", &json_key, key), ("value", &json_value, value)] {
            let data = json
                .to_connect(topic, part_bytes(&line, part).as_deref())
                .expect("fixture decodes");
            match wire.from_connect(topic, &data).expect("encodes") {
                Some(bytes) => record.insert(format!("{part}_base64"), json!(B64.encode(bytes))),
                None => record.insert(part.into(), Json::Null),
            };
        }
        out.push_str(&Json::Object(record).to_string());
        out.push('\n');
    }
    out
}

/// One key or value of a with-schema fixture, written by a registry-backed converter and read
/// back by another.
pub struct RoundTrip<'a> {
    /// `key` or `value`.
    pub part: &'static str,
    /// The fixture's line.
    pub line: &'a Json,
    /// What the JsonConverter read from the fixture.
    pub original: &'a ConnectData,
    /// The wire-format bytes written.
    pub bytes: &'a [u8],
    /// What the reader read from them.
    pub back: &'a ConnectData,
}

/// Writes every key and value of the with-schema fixtures with a converter of `writer` and
/// reads each record's back with fresh converters of `reader` (whose schemas come from the
/// registry by id); both are given whether the converter is for keys. A null stays null,
/// bytes start with the magic byte, and `check` is given every other part; at least 250 are.
pub fn round_trip_fixtures(
    writer: impl Fn(bool) -> Converter,
    reader: impl Fn(bool) -> Converter,
    check: impl Fn(&RoundTrip<'_>),
) {
    let (writer_key, writer_value) = (writer(true), writer(false));
    let (json_key, json_value) = (json_converter(true), json_converter(false));
    let mut checked = 0;
    for line in fixture_lines("with-schema.jsonl") {
        let topic = line["topic"].as_str().expect("topic");
        // A fresh reader per record: its schemas come from the registry by id.
        let (reader_key, reader_value) = (reader(true), reader(false));
        for (part, json, writer, reader) in [
            ("key", &json_key, &writer_key, &reader_key),
            ("value", &json_value, &writer_value, &reader_value),
        ] {
            let original = json
                .to_connect(topic, part_bytes(&line, part).as_deref())
                .expect("fixture decodes");
            let bytes = writer.from_connect(topic, &original).expect("encodes");
            if original.value.is_null() {
                assert_eq!(bytes, None, "a null {part} stays null");
                continue;
            }
            let bytes = bytes.expect("bytes");
            assert_eq!(bytes[0], 0, "magic byte");
            let back = reader.to_connect(topic, Some(&bytes)).expect("decodes");
            check(&RoundTrip {
                part,
                line: &line,
                original: &original,
                bytes: &bytes,
                back: &back,
            });
            checked += 1;
        }
    }
    assert!(checked >= 250, "only {checked} parts checked");
}

/// Asserts that `fake` had schemas registered through `POST /subjects/{s}/versions`, each
/// with the `schemaType` `schema_type`.
pub fn assert_registered_as(fake: &RegistryFake, schema_type: &str) {
    let registrations: Vec<_> = fake
        .requests()
        .into_iter()
        .filter(|r| r.method == "POST" && r.url.contains("/versions"))
        .collect();
    assert!(!registrations.is_empty());
    for request in registrations {
        let body: Json = serde_json::from_str(&request.body).expect("request body");
        assert_eq!(body["schemaType"], schema_type, "{}", request.body);
    }
}

/// The seed connector with converters of `class` on `fake` for keys and values, plus `extra`
/// keys.
pub fn registry_connector(class: &str, fake: &RegistryFake, extra: &[(&str, &str)]) -> String {
    connector_on_registry(SEED, class, fake, extra)
}

/// The connector of the fixture file `file` with converters of `class` on `fake` for keys and
/// values, plus `extra` keys.
pub fn connector_on_registry(
    file: &str,
    class: &str,
    fake: &RegistryFake,
    extra: &[(&str, &str)],
) -> String {
    let text = std::fs::read_to_string(fixtures().join(file)).expect("connector");
    let mut connector: Json = serde_json::from_str(&text).expect("connector json");
    let config = connector["config"].as_object_mut().expect("config");
    config.retain(|k, _| !k.ends_with("converter.schemas.enable"));
    for side in ["key", "value"] {
        config.insert(format!("{side}.converter"), json!(class));
        config.insert(
            format!("{side}.converter.schema.registry.url"),
            json!(fake.url()),
        );
        config.insert(format!("{side}.converter.max.retries"), json!("1"));
        config.insert(format!("{side}.converter.retries.wait.ms"), json!("5"));
        // Both chains route every table to one topic: under the default TopicNameStrategy the
        // tables' schemas would share one subject, and a registry at its default BACKWARD
        // level refuses all but the first table's (README, "Avro with a schema registry"); the
        // same holds for JSON Schemas and Protobuf.
        config.insert(
            format!("{side}.converter.{side}.subject.name.strategy"),
            json!("io.confluent.kafka.serializers.subject.TopicRecordNameStrategy"),
        );
    }
    for (k, v) in extra {
        config.insert((*k).to_owned(), json!(v));
    }
    connector.to_string()
}

/// Writes `config` and `input` to `dir` and returns the `switchyard apply` command over them
/// (warnings logged), with the path of its output.
fn apply_command(dir: &Path, config: &str, input: &str) -> (Command, PathBuf) {
    let config_path = dir.join("connector.json");
    let input_path = dir.join("input.jsonl");
    let output_path = dir.join("output.jsonl");
    std::fs::write(&config_path, config).expect("write config");
    std::fs::write(&input_path, input).expect("write input");
    let mut command = Command::new(env!("CARGO_BIN_EXE_switchyard"));
    command
        .args(["apply", "--config"])
        .arg(&config_path)
        .arg("--input")
        .arg(&input_path)
        .arg("--output")
        .arg(&output_path)
        .env("SWITCHYARD_LOG", "warn");
    (command, output_path)
}

/// Runs `switchyard apply` and returns (exit code, output lines, standard error).
pub fn apply(dir: &Path, config: &str, input: &str, extra: &[&str]) -> (i32, Vec<Json>, String) {
    let (mut command, output_path) = apply_command(dir, config, input);
    let output = command.args(extra).output().expect("run switchyard");
    (
        output.status.code().unwrap_or(-1),
        read_lines(&output_path),
        String::from_utf8_lossy(&output.stderr).into_owned(),
    )
}

/// Runs `switchyard apply` with `config` over `input` (record JSONL of `expected` records, in
/// wire format) while the registry `fake` is down: once the process says it waits for the
/// registry (unavailable) and retries, the registry comes back, and every record is written,
/// none failed, skipped or dead-lettered.
pub fn apply_through_an_outage(
    fake: &mut RegistryFake,
    config: &str,
    input: &str,
    expected: usize,
) {
    use std::io::{BufRead, BufReader, Read};
    use std::process::Stdio;

    let dir = tempfile::tempdir().expect("tempdir");
    let (mut command, output_path) = apply_command(dir.path(), config, input);
    fake.go_down();
    let mut child = command
        .stderr(Stdio::piped())
        .spawn()
        .expect("spawn switchyard");
    let mut stderr = BufReader::new(child.stderr.take().expect("stderr"));
    let mut seen = String::new();
    // Waits for the process to report that it is waiting for the registry.
    loop {
        let mut line = String::new();
        let read = stderr.read_line(&mut line).expect("read stderr");
        assert!(read > 0, "switchyard ended without waiting: {seen}");
        seen.push_str(&line);
        if line.contains("retrying in") {
            break;
        }
    }
    assert!(seen.contains("unavailable"), "{seen}");
    fake.come_up();
    let mut rest = String::new();
    stderr.read_to_string(&mut rest).expect("read stderr");
    let status = child.wait().expect("wait");
    assert!(status.success(), "{seen}{rest}");
    let summary = format!(
        "records in: {expected}, out: {expected}, filtered: 0, failed: 0, dead-lettered: 0"
    );
    assert!(rest.contains(&summary), "{rest}");
    assert_eq!(read_lines(&output_path).len(), expected);
}

/// A registry outage as the converters of `make` (each made on `fake` with cold caches and
/// `max.retries=1`) meet it, writing `data` to `topic` and reading it back: while `fake` is down, or answers
/// 500 (50001, its storage failing), both fail transiently, so that the pipeline waits and
/// retries; once it is back both succeed, with the same bytes and value.
pub fn assert_outage_is_transient(
    fake: &mut RegistryFake,
    make: impl Fn(&RegistryFake) -> Converter,
    topic: &str,
    data: &ConnectData,
) {
    let bytes = make(fake)
        .from_connect(topic, data)
        .expect("encodes")
        .expect("bytes");
    let (writer, reader) = (make(fake), make(fake));
    fake.go_down();
    for attempt in [
        writer.from_connect(topic, data).map(drop),
        reader.to_connect(topic, Some(&bytes)).map(drop),
    ] {
        let error = attempt.expect_err("the registry is down");
        assert!(error.is_transient(), "{}", error.message());
        assert!(
            error.message().contains("unavailable"),
            "{}",
            error.message()
        );
    }
    fake.come_up();
    let written = writer
        .from_connect(topic, data)
        .expect("the registry is back");
    assert_eq!(written.as_deref(), Some(&bytes[..]));
    let back = reader
        .to_connect(topic, Some(&bytes))
        .expect("the registry is back");
    assert_eq!(back.value, data.value);

    let (writer, reader) = (make(fake), make(fake));
    server_errors_are_waited_out(fake, "writing", &|| {
        writer.from_connect(topic, data).map(drop)
    });
    server_errors_are_waited_out(fake, "reading", &|| {
        reader.to_connect(topic, Some(&bytes)).map(drop)
    });
}

/// Asserts that `attempt` (`what`, for messages) fails transiently while `fake` answers 500
/// (50001: its storage failing), and succeeds under `retry_transient` once it answers again.
fn server_errors_are_waited_out(
    fake: &RegistryFake,
    what: &str,
    attempt: &dyn Fn() -> Result<(), ConvertError>,
) {
    // Two attempts (`max.retries=1`), both answered 500, then the registry answers again.
    fake.fail_next(3);
    let error = attempt().expect_err(what);
    assert!(error.is_transient(), "{what}: {}", error.message());
    assert!(
        error.message().contains("50001"),
        "{what}: {}",
        error.message()
    );
    switchyard::convert::retry_transient(std::time::Duration::from_millis(1), &|| false, attempt)
        .unwrap_or_else(|e| panic!("{what} once the registry answers again: {}", e.message()));
}

/// The parsed lines of a JSONL file (none when it does not exist).
pub fn read_lines(path: &Path) -> Vec<Json> {
    std::fs::read_to_string(path)
        .unwrap_or_default()
        .lines()
        .map(|l| serde_json::from_str(l).expect("output line"))
        .collect()
}

/// The output of the seed chain over the JSON fixtures, decoded to Connect data.
pub fn json_reference() -> Vec<(String, ConnectData, ConnectData)> {
    json_reference_of(SEED)
}

/// The output of the chain of the connector file `file` over the JSON fixtures, decoded to
/// Connect data.
pub fn json_reference_of(file: &str) -> Vec<(String, ConnectData, ConnectData)> {
    let dir = tempfile::tempdir().expect("tempdir");
    let config = std::fs::read_to_string(fixtures().join(file)).expect("connector");
    let input = std::fs::read_to_string(fixtures().join("with-schema.jsonl")).expect("input");
    let (code, lines, stderr) = apply(dir.path(), &config, &input, &[]);
    assert_eq!(code, 0, "{stderr}");
    decode_all(&lines, &json_converter(true), &json_converter(false))
}

/// Each output line's topic, key and value decoded by `key` / `value`.
pub fn decode_all(
    lines: &[Json],
    key: &Converter,
    value: &Converter,
) -> Vec<(String, ConnectData, ConnectData)> {
    lines
        .iter()
        .map(|line| {
            let topic = line["topic"].as_str().expect("topic").to_owned();
            let k = key
                .to_connect(&topic, part_bytes(line, "key").as_deref())
                .expect("key decodes");
            let v = value
                .to_connect(&topic, part_bytes(line, "value").as_deref())
                .expect("value decodes");
            (topic, k, v)
        })
        .collect()
}

/// A chain run by `switchyard apply` over the with-schema fixtures in a registry-backed
/// format, beside the same chain over the JSON fixtures.
pub struct OverWire {
    /// Each output's topic, key and value, read by the format's converters.
    pub decoded: Vec<(String, ConnectData, ConnectData)>,
    /// Each output of the chain over the JSON fixtures, read by JsonConverters.
    pub reference: Vec<(String, ConnectData, ConnectData)>,
    /// The subjects the outputs' schemas were registered under.
    pub subjects: BTreeSet<String>,
}

/// Runs the connector of the fixture file `file` with converters of `class` (plus `extra`
/// connector keys) on a fresh registry fake over the with-schema fixtures written by
/// `converter` (given the fake and whether it is for keys), and reads the outputs back with
/// fresh ones. Every run writes as many records as the chain writes over JSON, and registers
/// schemas of the `schemaType` `schema_type` only, 14 subjects for the outputs (a key and a
/// value one for each of the 7 tables); what the chain writes is as
/// [`assert_chain_outputs`] says.
pub fn chain_over_wire(
    file: &str,
    class: &str,
    schema_type: &str,
    extra: &[(&str, &str)],
    products_value: &str,
    converter: impl Fn(&RegistryFake, bool) -> Converter,
) -> OverWire {
    let fake = RegistryFake::start();
    let input = wire_input(&converter(&fake, true), &converter(&fake, false));
    let dir = tempfile::tempdir().expect("tempdir");
    let before = fake.registrations().len();
    let config = connector_on_registry(file, class, &fake, extra);
    let (code, lines, stderr) = apply(dir.path(), &config, &input, &[]);
    assert_eq!(code, 0, "{stderr}");
    let reference = json_reference_of(file);
    assert_eq!(lines.len(), reference.len(), "{stderr}");
    let subjects = subjects_since(&fake, before);
    assert_eq!(subjects.len(), 14, "{subjects:?}");
    assert_registered_as(&fake, schema_type);
    let run = OverWire {
        decoded: decode_all(&lines, &converter(&fake, true), &converter(&fake, false)),
        reference,
        subjects,
    };
    assert_chain_outputs(&run, file, products_value);
    run
}

/// Asserts what the chain of `file` writes over the fixtures in any format: every record to
/// `product-events`; the seed's 139 records, or the document chain's 120 documents, one a
/// change event (the tombstones dropped), each ending in `__deleted`, `__op`, `__table` and
/// `__lsn`, the 19 deletes rewritten (`__deleted` "true"); the products' keys renamed
/// (`product_id`); and their schemas registered under `product-events-` and the key's and the
/// value's record names (`products_value`: the format's record name of a products value).
fn assert_chain_outputs(run: &OverWire, file: &str, products_value: &str) {
    let documents = file == DOCUMENTS;
    let (outputs, products) = if documents { (120, 18) } else { (139, 21) };
    assert_eq!(run.decoded.len(), outputs);
    for record in ["product.public.products.Key", products_value] {
        let subject = format!("product-events-{record}");
        assert!(
            run.subjects.contains(&subject),
            "{subject}: {:?}",
            run.subjects
        );
    }
    let mut renamed = 0;
    let mut deletes = 0;
    for ((topic, key, value), (_, json_key, _)) in run.decoded.iter().zip(&run.reference) {
        assert_eq!(topic, "product-events");
        let name = json_key.schema.as_deref().and_then(|s| s.name.as_deref());
        if name == Some("product.public.products.Key") {
            let schema = key.schema.as_deref().expect("key schema");
            assert_eq!(schema.fields[0].name, "product_id");
            renamed += 1;
        }
        if !documents {
            continue;
        }
        let schema = value.schema.as_deref().expect("value schema");
        let names: Vec<&str> = schema.fields.iter().map(|f| f.name.as_str()).collect();
        assert_eq!(
            names[names.len() - 4..],
            ["__deleted", "__op", "__table", "__lsn"]
        );
        let Value::Struct(fields) = &value.value else {
            panic!("a document: {value:?}")
        };
        let field = |name: &str| &fields[schema.field_index(name).expect(name)];
        if *field("__deleted") == Value::String("true".into()) {
            assert_eq!(*field("__op"), Value::String("d".into()));
            deletes += 1;
        }
    }
    assert_eq!(renamed, products);
    assert_eq!(deletes, if documents { 19 } else { 0 });
}

/// The subjects registered since the `before`-th registration.
pub fn subjects_since(fake: &RegistryFake, before: usize) -> BTreeSet<String> {
    fake.registrations()[before..]
        .iter()
        .map(|(s, _)| s.clone())
        .collect()
}

/// The Python of a virtual environment with Confluent's client (`tests/interop/
/// requirements.txt`), from `SWITCHYARD_CONFLUENT_PYTHON`, as `.ci/run` sets it.
pub fn confluent_python(test: &str) -> Option<String> {
    const VARIABLE: &str = "SWITCHYARD_CONFLUENT_PYTHON";
    const REQUIRE: &str = "SWITCHYARD_REQUIRE_CONFLUENT_PYTHON";
    match std::env::var(VARIABLE) {
        Ok(python) => Some(python),
        Err(_) => {
            assert!(
                !std::env::var(REQUIRE).is_ok_and(|v| v == "1"),
                "{REQUIRE}=1 but {VARIABLE} is not set for {test}"
            );
            eprintln!(
                "SKIPPED {test}: {VARIABLE} names no Python with confluent-kafka (set {REQUIRE}=1 to make this a failure)"
            );
            None
        }
    }
}

/// Runs the script `name` of `tests/interop/` with `args`, returning its standard output.
pub fn interop(python: &str, name: &str, args: &[&str]) -> String {
    let script = crate::common::fixtures().join("../interop").join(name);
    let output = std::process::Command::new(python)
        .arg(&script)
        .args(args)
        .output()
        .expect("run python");
    assert!(
        output.status.success(),
        "{name} {args:?} failed:\n{}",
        String::from_utf8_lossy(&output.stderr)
    );
    String::from_utf8(output.stdout).expect("utf-8")
}

/// Asserts that `switchyard run` with `connector` over record JSONL `input` on the mock cluster
/// ([`run_on_mock_cluster`]) writes the bytes `apply` wrote (`applied`), in the same order.
pub fn assert_run_writes_what_apply_wrote(connector: &str, input: &str, applied: &[Json]) {
    let from_run = run_on_mock_cluster(connector, input, applied.len());
    assert_eq!(from_run.len(), applied.len());
    for (run, apply) in from_run.iter().zip(applied) {
        assert_eq!(run["topic"], apply["topic"]);
        for part in ["key", "value"] {
            assert_eq!(part_bytes(run, part), part_bytes(apply, part), "{part}");
        }
    }
}

/// Records of one topic produced to a fresh mock cluster of librdkafka (one partition a
/// topic), and a connector for `switchyard run` over them.
pub struct MockRun {
    /// The records, as record JSONL lines.
    pub records: Vec<Json>,
    /// Their topic.
    pub topic: String,
    /// The cluster: the records' topic, `product-events` and the topics asked for.
    pub cluster: crate::brokers::MockCluster,
    /// The folder of the connector and of the runners' logs.
    pub dir: tempfile::TempDir,
    /// The connector's file.
    pub config: PathBuf,
}

impl MockRun {
    /// Produces `records` (record JSONL lines of one topic, in order) to a cluster that also
    /// has `product-events` and `more` topics, and writes `connector`.
    pub fn produce(connector: &str, records: Vec<Json>, more: &[&str]) -> MockRun {
        use crate::brokers::{MockCluster, Rec, produce};

        let topic = records[0]["topic"].as_str().expect("topic").to_owned();
        let mut topics = vec![(topic.as_str(), 1), ("product-events", 1)];
        topics.extend(more.iter().map(|t| (*t, 1)));
        let cluster = MockCluster::start(1, &topics);
        produce(
            &cluster.bootstrap,
            &records
                .iter()
                .map(|l| Rec {
                    topic: topic.clone(),
                    partition: -1,
                    key: part_bytes(l, "key"),
                    value: part_bytes(l, "value"),
                    headers: Vec::new(),
                })
                .collect::<Vec<_>>(),
        );
        let dir = tempfile::tempdir().expect("tempdir");
        let config = dir.path().join("connector.json");
        std::fs::write(&config, connector).expect("config");
        MockRun {
            records,
            topic,
            cluster,
            dir,
            config,
        }
    }

    /// The arguments of `switchyard run` over the records' topic with the connector, then
    /// `extra`.
    pub fn args<'a>(&'a self, extra: &[&'a str]) -> Vec<&'a str> {
        let mut args = vec![
            "--config",
            self.config.to_str().expect("path"),
            "--bootstrap-servers",
            &self.cluster.bootstrap,
            "--topics",
            &self.topic,
            "--no-metrics",
        ];
        args.extend_from_slice(extra);
        args
    }

    /// Starts `switchyard run` with [`args`](Self::args), logging to `run.log` in the folder.
    pub fn start(&self, extra: &[&str]) -> crate::brokers::Runner {
        crate::brokers::Runner::start(&self.args(extra), &self.dir.path().join("run.log"))
    }
}

/// Runs `switchyard run` with `connector` over record JSONL `input` (one topic, one partition)
/// on librdkafka's mock cluster, and returns what it wrote to `product-events` as record JSONL
/// lines (`topic`, `key_base64`, `value_base64`), in order, once `expected` records are there.
pub fn run_on_mock_cluster(connector: &str, input: &str, expected: usize) -> Vec<Json> {
    use crate::brokers::Reader;
    use std::time::Duration;

    let lines: Vec<Json> = input
        .lines()
        .map(|l| serde_json::from_str(l).expect("input line"))
        .collect();
    let run = MockRun::produce(connector, lines, &[]);
    let mut runner = run.start(&[]);
    let mut out = Reader::new(&run.cluster.bootstrap, &[("product-events", 1)]);
    out.read_at_least(expected, Duration::from_secs(60));
    let status = runner.terminate(Duration::from_secs(60));
    assert!(status.success(), "{}", runner.log());
    out.records
        .iter()
        .map(|r| {
            let encode =
                |b: &Option<Vec<u8>>| b.as_ref().map_or(Json::Null, |b| json!(B64.encode(b)));
            json!({
                "topic": r.topic,
                "key_base64": encode(&r.key),
                "value_base64": encode(&r.value),
            })
        })
        .collect()
}
