//! `switchyard apply` end to end: the binary over the shared Debezium fixtures with the seed's
//! connector JSON, compared with what Kafka Connect's chain produces for the same records.

use std::process::Output;

use serde_json::Value;

use crate::common::{fixtures, header_text, json, switchyard, temp_file};

/// What Kafka Connect's `ReplaceField$Key` (renames `id:product_id`, guarded by
/// `TopicNameMatches .*products$`) and `RegexRouter` (`product.public.(.*)` → `product-events`)
/// do to one input line, computed independently of Switchyard on `serde_json` trees.
fn expected_line(line: &str, with_schema: bool) -> Value {
    let mut v = json(line);
    let topic = v["topic"].as_str().expect("topic").to_string();
    let is_products = topic.ends_with("products");
    if is_products && !v["key"].is_null() {
        let key = &mut v["key"];
        if with_schema {
            for field in key["schema"]["fields"].as_array_mut().expect("fields") {
                if field["field"] == "id" {
                    field["field"] = Value::from("product_id");
                }
            }
            rename(&mut key["payload"]);
        } else {
            rename(key);
        }
    }
    if regex::Regex::new("^product.public.(.*)$")
        .unwrap()
        .is_match(&topic)
    {
        v["topic"] = Value::from("product-events");
    }
    v
}

fn rename(obj: &mut Value) {
    let map = obj.as_object_mut().expect("object");
    let renamed: serde_json::Map<String, Value> = std::mem::take(map)
        .into_iter()
        .map(|(k, v)| (if k == "id" { "product_id".into() } else { k }, v))
        .collect();
    *map = renamed;
}

fn run_seed(config: &str, input: &str, with_schema: bool) {
    let config = fixtures().join(config);
    let input_path = fixtures().join(input);
    let out = switchyard(&[
        "apply",
        "--config",
        config.to_str().unwrap(),
        "--input",
        input_path.to_str().unwrap(),
    ]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let stdout = String::from_utf8(out.stdout).unwrap();
    let input_text = std::fs::read_to_string(&input_path).unwrap();
    let inputs: Vec<&str> = input_text.lines().collect();
    let outputs: Vec<&str> = stdout.lines().collect();
    assert_eq!(
        outputs.len(),
        inputs.len(),
        "every record, tombstones included, comes out"
    );
    let mut renamed = 0;
    for (i, (input, output)) in inputs.iter().zip(&outputs).enumerate() {
        let got = json(output);
        assert_eq!(got["topic"], "product-events", "line {}", i + 1);
        assert_eq!(got, expected_line(input, with_schema), "line {}", i + 1);
        // Bytes, not just trees: keys decide partitions downstream.
        let in_v = json(input);
        if in_v["topic"].as_str().unwrap().ends_with("products") && !in_v["key"].is_null() {
            renamed += 1;
            let key_text =
                serde_json::to_string(&expected_line(input, with_schema)["key"]).unwrap();
            assert!(
                output.contains(&format!("\"key\":{key_text}")),
                "line {}: {output}",
                i + 1
            );
        }
        // The value is passed through byte for byte.
        let value_start = input.find("\"value\":").unwrap();
        assert!(output.ends_with(&input[value_start..]), "line {}", i + 1);
    }
    assert!(
        renamed > 10,
        "the fixtures hold products records ({renamed})"
    );
    let summary = String::from_utf8(out.stderr).unwrap();
    assert!(
        summary.contains(&format!("records in: {}", inputs.len())),
        "{summary}"
    );
}

#[test]
fn seed_connector_over_debezium_events_with_schemas() {
    run_seed("postgres-product-connector.json", "with-schema.jsonl", true);
}

#[test]
fn seed_connector_over_schemaless_events() {
    run_seed(
        "postgres-product-connector-schemaless.json",
        "schemaless.jsonl",
        false,
    );
}

#[test]
fn products_key_schema_keeps_its_name_and_tombstones_survive() {
    let config = fixtures().join("postgres-product-connector.json");
    let input = fixtures().join("with-schema.jsonl");
    let out = switchyard(&[
        "apply",
        "--config",
        config.to_str().unwrap(),
        "--input",
        input.to_str().unwrap(),
        "--quiet",
    ]);
    assert!(out.status.success());
    let stdout = String::from_utf8(out.stdout).unwrap();
    let mut tombstones = 0;
    for line in stdout.lines() {
        let v = json(line);
        if v["key"]["schema"]["name"] == "product.public.products.Key" {
            assert_eq!(v["key"]["schema"]["fields"][0]["field"], "product_id");
            assert!(v["key"]["payload"]["product_id"].is_i64());
        }
        if v["value"].is_null() {
            tombstones += 1;
        }
    }
    let input_tombstones = std::fs::read_to_string(&input)
        .unwrap()
        .matches("\"value\":null")
        .count();
    assert!(tombstones > 0);
    assert_eq!(tombstones, input_tombstones);
}

#[test]
fn output_can_be_fed_to_apply_again() {
    let config = fixtures().join("postgres-product-connector.json");
    let input = fixtures().join("with-schema.jsonl");
    let first = switchyard(&[
        "apply",
        "--config",
        config.to_str().unwrap(),
        "--input",
        input.to_str().unwrap(),
        "--quiet",
    ]);
    assert!(first.status.success());
    let (_dir, again_in) = temp_file(
        "again.jsonl",
        &String::from_utf8(first.stdout.clone()).unwrap(),
    );
    // The routed topic no longer matches `.*products$`, so a second pass changes nothing.
    let second = switchyard(&[
        "apply",
        "--config",
        config.to_str().unwrap(),
        "--input",
        again_in.to_str().unwrap(),
        "--quiet",
    ]);
    assert!(second.status.success());
    assert_eq!(first.stdout, second.stdout);
}

/// A copy of the connector JSON `config` in `dir` with `settings` (JSON members, each followed
/// by a comma) added before its transforms.
fn with_settings(
    config: &std::path::Path,
    dir: &std::path::Path,
    settings: &str,
) -> std::path::PathBuf {
    let text = std::fs::read_to_string(config)
        .unwrap()
        .replace("\"transforms\":", &format!("{settings} \"transforms\":"));
    let path = dir.join("tolerant.json");
    std::fs::write(&path, text).unwrap();
    path
}

/// `apply` of the seed connector with `errors.tolerance=all` and the dead-letter context
/// headers over `input`, its dead letters written to `dlq.jsonl` in `dir`: the output and that
/// file.
fn apply_tolerant(dir: &std::path::Path, input: &std::path::Path) -> (Output, std::path::PathBuf) {
    let config = fixtures().join("postgres-product-connector.json");
    let tolerant_path = with_settings(
        &config,
        dir,
        r#""errors.tolerance": "all", "errors.deadletterqueue.context.headers.enable": "true","#,
    );
    let dlq = dir.join("dlq.jsonl");
    let out = switchyard(&[
        "apply",
        "--config",
        tolerant_path.to_str().unwrap(),
        "--input",
        input.to_str().unwrap(),
        "--dlq",
        dlq.to_str().unwrap(),
    ]);
    (out, dlq)
}

#[test]
fn malformed_record_stops_with_exit_1_or_is_skipped_with_tolerance_all() {
    let good = std::fs::read_to_string(fixtures().join("with-schema.jsonl")).unwrap();
    let first = good.lines().next().unwrap();
    let products_bad_key = first.replacen("\"key\":{\"schema\"", "\"key\":{\"schemo\"", 1);
    let input = format!("{first}\nnot json at all\n{products_bad_key}\n{first}\n");
    let (dir, input_path) = temp_file("in.jsonl", &input);
    let config = fixtures().join("postgres-product-connector.json");
    let out = switchyard(&[
        "apply",
        "--config",
        config.to_str().unwrap(),
        "--input",
        input_path.to_str().unwrap(),
    ]);
    assert_eq!(out.status.code(), Some(1));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("line 2"), "{stderr}");
    assert_eq!(
        String::from_utf8_lossy(&out.stdout).lines().count(),
        1,
        "records before the failure are written"
    );

    let tolerant_path = with_settings(
        &config,
        dir.path(),
        r#""errors.tolerance": "all", "errors.log.enable": "true", "errors.log.include.messages": "true","#,
    );
    let out = switchyard(&[
        "apply",
        "--config",
        tolerant_path.to_str().unwrap(),
        "--input",
        input_path.to_str().unwrap(),
    ]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert_eq!(String::from_utf8_lossy(&out.stdout).lines().count(), 2);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("failed: 2"), "{stderr}");
    assert!(
        stderr.contains("Executing stage 'KEY_CONVERTER' with class 'org.apache.kafka.connect.json.JsonConverter', where consumed record is {topic='product.public.products', partition=0, offset=0}"),
        "{stderr}"
    );
}

/// Input bytes are bytes: a byte order mark before the first line is skipped, a line that is
/// not UTF-8 is that line's failure (dead-lettered with its raw bytes under
/// `errors.tolerance=all`, the lines after it written), and a value whose bytes are JSON with
/// an invalid UTF-8 sequence in a string fails at `VALUE_CONVERTER` (as Jackson refuses it in
/// Kafka Connect) and is dead-lettered as `value_base64`, so that every output and dead-letter
/// line is UTF-8 and can be read back.
#[test]
fn lines_that_are_not_utf8_are_their_own_failures_and_output_stays_utf8() {
    use base64::Engine as _;
    let b64 = base64::engine::general_purpose::STANDARD;
    let good = std::fs::read_to_string(fixtures().join("with-schema.jsonl")).unwrap();
    let first = good.lines().next().unwrap();
    let mut input = b"\xEF\xBB\xBF".to_vec();
    input.extend_from_slice(first.as_bytes());
    input.extend_from_slice(b"\n{\"topic\":\"t\",\"value\":\"caf\xE9\"}\n");
    input.extend_from_slice(first.as_bytes());
    let raw_value = b"\"caf\xE9\"";
    input.extend_from_slice(
        format!(
            "\n{{\"topic\":\"other\",\"key\":null,\"value_base64\":\"{}\"}}\n",
            b64.encode(raw_value)
        )
        .as_bytes(),
    );
    let dir = tempfile::tempdir().unwrap();
    let input_path = dir.path().join("in.jsonl");
    std::fs::write(&input_path, &input).unwrap();
    let (out, dlq) = apply_tolerant(dir.path(), &input_path);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "{stderr}");
    let stdout = String::from_utf8(out.stdout).expect("the output is UTF-8");
    let lines: Vec<Value> = stdout.lines().map(json).collect();
    assert_eq!(lines.len(), 2, "{stdout}");
    assert_eq!(
        lines[0], lines[1],
        "the first line, its byte order mark skipped"
    );
    let dead = String::from_utf8(std::fs::read(&dlq).unwrap()).expect("the DLQ is UTF-8");
    let dead: Vec<Value> = dead.lines().map(json).collect();
    assert_eq!(dead.len(), 2);
    assert_eq!(dead[1]["topic"], "other");
    assert_eq!(dead[1]["value_base64"], b64.encode(raw_value));
    assert!(dead[1].get("value").is_none());
    assert_eq!(
        header_text(&dead[1], "__connect.errors.stage"),
        "VALUE_CONVERTER"
    );
    assert_eq!(
        dead[0]["value_base64"],
        b64.encode(b"{\"topic\":\"t\",\"value\":\"caf\xE9\"}")
    );
    let message = header_text(&dead[0], "__connect.errors.exception.message");
    assert!(
        message.contains("not valid UTF-8 (from byte 25)"),
        "{message}"
    );
    assert!(stderr.contains("failed: 2"), "{stderr}");
}

#[test]
fn the_toml_pipeline_gives_the_same_records_as_the_connector_json() {
    let input = fixtures().join("with-schema.jsonl");
    let run = |config: &str| {
        let out = switchyard(&[
            "apply",
            "--config",
            fixtures().join(config).to_str().unwrap(),
            "--input",
            input.to_str().unwrap(),
            "--quiet",
        ]);
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        out.stdout
    };
    assert_eq!(
        run("products-pipeline.toml"),
        run("postgres-product-connector.json")
    );
}

/// `ReplaceField$Value` excluding `source` and `transaction` from every Debezium envelope: the
/// 3 KB values are decoded, rebuilt and encoded again (Decimal columns included), and must come
/// out exactly as Kafka's JsonConverter writes the rebuilt struct — computed here on trees.
#[test]
fn value_rewrites_are_byte_exact_on_debezium_envelopes() {
    let config = r#"{"transforms":"drop","transforms.drop.type":"org.apache.kafka.connect.transforms.ReplaceField$Value",
        "transforms.drop.exclude":"source,transaction"}"#;
    let (_dir, config_path) = temp_file("connector.json", config);
    for fixture in ["with-schema.jsonl", "outbox-with-schema.jsonl"] {
        let input = fixtures().join(fixture);
        let out = switchyard(&[
            "apply",
            "--config",
            config_path.to_str().unwrap(),
            "--input",
            input.to_str().unwrap(),
            "--quiet",
        ]);
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        let stdout = String::from_utf8(out.stdout).unwrap();
        let input_text = std::fs::read_to_string(&input).unwrap();
        assert_eq!(stdout.lines().count(), input_text.lines().count());
        for (i, (line, output)) in input_text.lines().zip(stdout.lines()).enumerate() {
            let mut expected = json(line);
            if !expected["value"].is_null() {
                let value = &mut expected["value"];
                // copySchemaBasics: the rebuilt envelope schema keeps name and version and is
                // required; the kept fields keep their schemas.
                value["schema"]["fields"]
                    .as_array_mut()
                    .unwrap()
                    .retain(|f| f["field"] != "source" && f["field"] != "transaction");
                let payload = value["payload"].as_object_mut().unwrap();
                payload.shift_remove("source");
                payload.shift_remove("transaction");
            }
            let expected_line = serde_json::to_string(&expected).unwrap();
            assert_eq!(output, expected_line, "{fixture} line {}", i + 1);
        }
    }
}

/// Headers no transform sets are written with their input bytes (README, "Headers are written
/// as they came"): `007` and `1.50` stay as they are, where a sink-side Connect worker would
/// re-render them through `SimpleHeaderConverter` as `7` and `1.5`; a header a transform adds
/// is rendered as Kafka renders it.
#[test]
fn headers_no_transform_sets_keep_their_bytes() {
    let config = r#"{"name":"h","config":{
        "key.converter":"org.apache.kafka.connect.json.JsonConverter","key.converter.schemas.enable":"false",
        "value.converter":"org.apache.kafka.connect.json.JsonConverter","value.converter.schemas.enable":"false",
        "transforms":"h","transforms.h.type":"org.apache.kafka.connect.transforms.InsertHeader",
        "transforms.h.header":"added","transforms.h.value.literal":"1.50"}}"#;
    let (dir, config_path) = temp_file("connector.json", config);
    let input = dir.path().join("in.jsonl");
    std::fs::write(
        &input,
        r#"{"topic":"t","headers":[{"key":"a","value":"007"},{"key":"b","value":"1.50"},{"key":"c","value":" x "}],"key":null,"value":1}
"#,
    )
    .unwrap();
    let out = switchyard(&[
        "apply",
        "--config",
        config_path.to_str().unwrap(),
        "--input",
        input.to_str().unwrap(),
    ]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let line = json(String::from_utf8_lossy(&out.stdout).trim());
    assert_eq!(
        line["headers"],
        json(
            r#"[{"key":"a","value":"007"},{"key":"b","value":"1.50"},{"key":"c","value":" x "},{"key":"added","value":"1.5"}]"#
        )
    );
}

/// A key a transform asks for and the converter cannot read is reported as the converter's
/// failure, in the log line as in the dead-letter headers, not as the transform's.
#[test]
fn a_key_the_converter_cannot_read_is_reported_at_key_converter() {
    let good = std::fs::read_to_string(fixtures().join("with-schema.jsonl")).unwrap();
    let mut record: Value = json(good.lines().next().unwrap());
    record["key"] = json(r#"{"id":1}"#);
    let (dir, input) = temp_file("in.jsonl", &format!("{record}\n"));
    let out = switchyard(&[
        "apply",
        "--config",
        fixtures()
            .join("postgres-product-connector.json")
            .to_str()
            .unwrap(),
        "--input",
        input.to_str().unwrap(),
    ]);
    drop(dir);
    assert_eq!(out.status.code(), Some(1));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("KEY_CONVERTER (org.apache.kafka.connect.json.JsonConverter) failed: JsonConverter with schemas.enable requires"),
        "{stderr}"
    );
    assert!(!stderr.contains("transform RenameProductKey"), "{stderr}");
}

/// A line longer than a record line may be (64 MiB) is that line's failure, read without being
/// held whole in memory; the lines around it are written.
#[test]
fn an_overlong_line_is_its_own_failure() {
    let good = std::fs::read_to_string(fixtures().join("with-schema.jsonl")).unwrap();
    let first = good.lines().next().unwrap();
    let dir = tempfile::tempdir().unwrap();
    let input_path = dir.path().join("in.jsonl");
    {
        use std::io::Write as _;
        let mut input = std::io::BufWriter::new(std::fs::File::create(&input_path).unwrap());
        writeln!(input, "{first}").unwrap();
        let block = vec![b'x'; 1 << 20];
        for _ in 0..65 {
            input.write_all(&block).unwrap();
        }
        writeln!(input).unwrap();
        writeln!(input, "{first}").unwrap();
    }
    let (out, dlq) = apply_tolerant(dir.path(), &input_path);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "{stderr}");
    assert_eq!(String::from_utf8_lossy(&out.stdout).lines().count(), 2);
    assert!(stderr.contains("failed: 1"), "{stderr}");
    let dead = std::fs::read_to_string(&dlq).unwrap();
    assert_eq!(dead.lines().count(), 1);
    let message = header_text(&json(&dead), "__connect.errors.exception.message");
    assert!(
        message.contains("the line is 68157441 bytes long, longer than the 67108864"),
        "{message}"
    );
}
