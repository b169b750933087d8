//! Enrichment from lookup tables: the `enrich` example joins the seed's product documents
//! (the output of `product-documents-connector.json`) with the prices, categories and tags
//! tables of `product-documents-enriched.toml` — in `apply` from record files and the input, in
//! `run` from compacted topics on the tansu broker. Expected documents are computed here from
//! the raw fixture, independently of the host's table code.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::time::Duration;

use serde_json::Value;

use crate::brokers::{Reader, Rec, Runner, create_topics, free_port, produce, tansu_or_skip};
use crate::common::{fixtures, switchyard};

/// The enrichment guest, built by `build.rs`.
fn enrich_wasm() -> PathBuf {
    Path::new(env!("SWITCHYARD_TEST_GUESTS")).join("enrich.wasm")
}

/// The fixture pipeline, written to `dir` with the guest and lookup files as absolute paths;
/// `edit` may change its text further.
fn pipeline(dir: &Path, edit: impl FnOnce(String) -> String) -> PathBuf {
    let text = std::fs::read_to_string(fixtures().join("product-documents-enriched.toml"))
        .expect("fixture pipeline");
    let lookups = fixtures().join("lookups");
    let text = text
        .replace(
            "../../target/wasm32-wasip2/release/enrich.wasm",
            enrich_wasm().to_str().expect("path"),
        )
        .replace(
            "file = \"lookups/",
            &format!("file = \"{}/", lookups.to_str().expect("path")),
        );
    let path = dir.join("enriched.toml");
    std::fs::write(&path, edit(text)).expect("write pipeline");
    path
}

fn parse_lines(text: &str) -> Vec<Value> {
    text.lines()
        .filter(|l| !l.trim().is_empty())
        .map(|l| serde_json::from_str(l).expect("record line"))
        .collect()
}

/// `product-events`: the seed's documents connector applied to the raw fixture.
fn product_events() -> String {
    let out = switchyard(&[
        "apply",
        "--config",
        fixtures()
            .join("product-documents-connector.json")
            .to_str()
            .expect("path"),
        "--input",
        fixtures().join("with-schema.jsonl").to_str().expect("path"),
        "--quiet",
    ]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).expect("utf-8")
}

/// The final `after` row per `product_id` of a raw topic of the fixture: what its compacted
/// topic holds (deleted keys absent).
fn final_rows(topic: &str) -> HashMap<i64, Value> {
    let text = std::fs::read_to_string(fixtures().join("with-schema.jsonl")).expect("fixture");
    let mut rows = HashMap::new();
    for line in parse_lines(&text) {
        if line["topic"] != topic {
            continue;
        }
        let id = line["key"]["payload"]["product_id"]
            .as_i64()
            .expect("product_id key");
        match line["value"]["payload"]["after"].clone() {
            Value::Null => rows.remove(&id),
            after => rows.insert(id, after),
        };
    }
    rows
}

/// The joined fields a product document should carry: `(field, table rows, row field)`.
fn expected_joins() -> Vec<(&'static str, HashMap<i64, Value>, &'static str)> {
    let prices = final_rows("product.public.product_prices");
    vec![
        ("price", prices.clone(), "price"),
        ("currency", prices, "currency"),
        (
            "category_id",
            final_rows("product.public.product_categories"),
            "category_id",
        ),
        ("tag", final_rows("product.public.product_tags"), "tag"),
    ]
}

fn apply(config: &Path, input: &str) -> std::process::Output {
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("input.jsonl");
    std::fs::write(&path, input).expect("input");
    switchyard(&[
        "apply",
        "--config",
        config.to_str().expect("path"),
        "--input",
        path.to_str().expect("path"),
        "--quiet",
    ])
}

#[test]
fn apply_joins_product_documents_with_prices_categories_and_tags() {
    let dir = tempfile::tempdir().expect("tempdir");
    let config = pipeline(dir.path(), |t| t);
    let events = product_events();
    let out = apply(&config, &events);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let input = parse_lines(&events);
    let output = parse_lines(&String::from_utf8_lossy(&out.stdout));
    assert_eq!(output.len(), input.len());

    let joins = expected_joins();
    let mut documents = 0;
    let mut joined = 0;
    for (before, after) in input.iter().zip(&output) {
        let is_product = before["value"]["payload"]["__table"] == "products";
        if !is_product {
            // Other tables' rows and tombstones pass unchanged.
            assert_eq!(before, after);
            continue;
        }
        documents += 1;
        assert_eq!(after["topic"], "product-documents");
        let payload = &after["value"]["payload"];
        let fields = after["value"]["schema"]["fields"]
            .as_array()
            .expect("struct schema");
        let id = payload["id"].as_i64().expect("id");
        for (field, rows, column) in &joins {
            match rows.get(&id) {
                Some(row) => {
                    joined += 1;
                    assert_eq!(&payload[*field], &row[*column], "product {id}, {field}");
                }
                None => assert!(
                    payload.get(*field).is_none(),
                    "product {id} has no {field} row but got {}",
                    payload[*field]
                ),
            }
        }
        // The price is put with its schema: still a Decimal of scale 2.
        if let Some(price) = fields.iter().find(|f| f["field"] == "price") {
            assert_eq!(price["name"], "org.apache.kafka.connect.data.Decimal");
            assert_eq!(price["parameters"]["scale"], "2");
        }
        // The document's own fields are kept, in their order, before the joined ones.
        assert_eq!(fields[0]["field"], "id");
    }
    let raw = std::fs::read_to_string(fixtures().join("with-schema.jsonl")).expect("fixture");
    let products = parse_lines(&raw)
        .iter()
        .filter(|l| l["topic"] == "product.public.products" && !l["value"].is_null())
        .count();
    assert_eq!(
        documents, products,
        "one document per products change event"
    );
    assert!(joined > 20, "only {joined} joined fields");
}

/// A product document of `product-events` for `id`.
fn document(events: &str, id: i64) -> String {
    events
        .lines()
        .find(|l| {
            let v: Value = serde_json::from_str(l).expect("line");
            v["value"]["payload"]["__table"] == "products" && v["value"]["payload"]["id"] == id
        })
        .expect("a document")
        .to_string()
}

/// A raw Debezium update of product `id`'s price (the fixture's last price row, `price`
/// replaced: a Decimal's unscaled bytes in base64), or its tombstone.
fn price_update(id: i64, price: Option<&str>) -> String {
    let text = std::fs::read_to_string(fixtures().join("with-schema.jsonl")).expect("fixture");
    let mut row: Value = parse_lines(&text)
        .into_iter()
        .rev()
        .find(|l| {
            l["topic"] == "product.public.product_prices"
                && l["key"]["payload"]["product_id"] == id
                && !l["value"]["payload"]["after"].is_null()
        })
        .expect("a price row");
    match price {
        Some(price) => {
            row["value"]["payload"]["op"] = "u".into();
            row["value"]["payload"]["after"]["price"] = price.into();
        }
        None => row["value"] = Value::Null,
    }
    row.to_string()
}

#[test]
fn a_later_price_update_in_the_input_changes_the_next_enriched_document() {
    let dir = tempfile::tempdir().expect("tempdir");
    let config = pipeline(dir.path(), |t| t);
    let events = product_events();
    let doc = document(&events, 6);
    let old = final_rows("product.public.product_prices")[&6]["price"].clone();
    assert_ne!(old, "AYag");
    let input = [
        doc.clone(),
        price_update(6, Some("AYag")),
        doc.clone(),
        price_update(6, None),
        doc,
    ]
    .join("\n");
    let out = apply(&config, &input);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let output = parse_lines(&String::from_utf8_lossy(&out.stdout));
    assert_eq!(output.len(), 5);
    let price = |i: usize| output[i]["value"]["payload"].get("price").cloned();
    assert_eq!(price(0), Some(old));
    // The update passes through the chain too, unchanged (it is no product document).
    assert_eq!(output[1]["topic"], "product.public.product_prices");
    assert_eq!(price(2), Some("AYag".into()));
    // The tombstone deleted the entry: the document has no price any more.
    assert_eq!(price(4), None);
    assert_eq!(output[4]["value"]["payload"]["currency"], Value::Null);
}

#[test]
fn a_missing_key_leaves_the_fields_out_or_fails_the_record_with_on_missing_fail() {
    let events = product_events();
    // Product 8's price was deleted in the fixture: the prices table holds nothing for it.
    assert!(!final_rows("product.public.product_prices").contains_key(&8));
    let doc = document(&events, 8);

    let dir = tempfile::tempdir().expect("tempdir");
    let skip = pipeline(dir.path(), |t| t);
    let out = apply(&skip, &doc);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let output = parse_lines(&String::from_utf8_lossy(&out.stdout));
    assert!(output[0]["value"]["payload"].get("price").is_none());
    assert_eq!(output[0]["value"]["payload"]["category_id"], 6);

    let fail = pipeline(dir.path(), |t| {
        t.replace(
            "\"key.field\" = \"id\"",
            "\"key.field\" = \"id\", \"on.missing\" = \"fail\"",
        )
    });
    let out = apply(&fail, &doc);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{stderr}");
    assert!(
        stderr.contains("lookup table `prices` holds no entry for key `8`"),
        "{stderr}"
    );
}

#[test]
fn an_unknown_table_or_setting_is_a_configuration_error_naming_it() {
    let dir = tempfile::tempdir().expect("tempdir");
    let unknown_table = pipeline(dir.path(), |t| t.replace("tag=tags.tag", "stock=stock.qty"));
    let out = apply(&unknown_table, "");
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{stderr}");
    assert!(
        stderr.contains("transforms.Enrich.fields") && stderr.contains("no lookup table `stock`"),
        "{stderr}"
    );

    let unknown_setting = pipeline(dir.path(), |t| t.replace("max_bytes =", "max_byte ="));
    let out = apply(&unknown_setting, "");
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{stderr}");
    assert!(stderr.contains("lookups.prices.max_byte"), "{stderr}");

    // A connector JSON names its tables in `lookups`; a key of an unnamed table is refused.
    let json = dir.path().join("connector.json");
    std::fs::write(
        &json,
        r#"{"lookups":"prices","lookups.prices.file":"p.jsonl","lookups.stock.topic":"stock"}"#,
    )
    .expect("write");
    let err = switchyard::config::load(&json).expect_err("unnamed table");
    assert!(err.to_string().contains("lookups.stock.topic"), "{err}");
    std::fs::write(
        &json,
        r#"{"lookups":"prices","lookups.prices.topic":"p","lookups.prices.key.field":"product_id","lookups.prices.value.field":"after","lookups.prices.max.bytes":"1024"}"#,
    )
    .expect("write");
    let p = switchyard::config::load(&json).expect("connector with lookups");
    assert_eq!(p.lookups.len(), 1);
    assert_eq!(p.lookups[0].key_field.as_deref(), Some("product_id"));
    assert_eq!(p.lookups[0].value_field, vec!["after".to_string()]);
    assert_eq!(p.lookups[0].max_bytes, 1024);

    // A table outgrowing its bound on an input record stops `apply` with exit 1.
    let bounded = dir.path().join("bounded.toml");
    std::fs::write(
        &bounded,
        "[lookups.prices]\ntopic = \"product.public.product_prices\"\nkey_field = \"product_id\"\nvalue_field = \"after\"\nmax_bytes = 50\n",
    )
    .expect("write");
    let out = apply(&bounded, &price_update(6, Some("AYag")));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{stderr}");
    assert!(
        stderr.contains("record on line 1") && stderr.contains("max.bytes of 50"),
        "{stderr}"
    );

    // A table outgrowing its bound while its file is read stops `apply` before the first
    // record, naming the table and the bound.
    let tiny = pipeline(dir.path(), |t| {
        t.replace("max_bytes = 16777216", "max_bytes = 100")
    });
    let out = apply(&tiny, "");
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{stderr}");
    assert!(
        stderr.contains("lookup table `prices`") && stderr.contains("max.bytes of 100"),
        "{stderr}"
    );
}

fn jsonl_to_recs(lines: &[String]) -> Vec<Rec> {
    lines
        .iter()
        .map(|line| {
            let input = switchyard::jsonl::parse_line(line).expect("record line");
            let bytes = |p: &switchyard::record::Part| {
                p.original_bytes().cloned().flatten().map(|b| b.to_vec())
            };
            Rec {
                topic: input.record.topic.clone(),
                partition: -1,
                key: bytes(&input.record.key),
                value: bytes(&input.record.value),
                headers: Vec::new(),
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

/// Waits for the first enriched document, failing with the runner's log if it stops or none
/// comes.
fn first_document(runner: &mut Runner, reader: &mut Reader) {
    let deadline = std::time::Instant::now() + Duration::from_secs(120);
    while reader.records.is_empty() {
        runner.assert_running();
        assert!(
            std::time::Instant::now() < deadline,
            "no enriched document: {}",
            runner.log()
        );
        reader.poll();
    }
}

#[test]
fn run_restores_tables_from_topics_and_a_produced_price_update_changes_the_next_document() {
    let Some(broker) = tansu_or_skip(
        "run_restores_tables_from_topics_and_a_produced_price_update_changes_the_next_document",
    ) else {
        return;
    };
    let tables = [
        "product.public.product_prices",
        "product.public.product_categories",
        "product.public.product_tags",
    ];
    let mut topics: Vec<(&str, i32)> = tables.iter().map(|t| (*t, 2)).collect();
    topics.push(("product-events", 1));
    topics.push(("product-documents", 1));
    create_topics(&broker.bootstrap, &topics);

    // The tables' whole history, as Debezium wrote it: the restore must end at the latest row.
    let raw = std::fs::read_to_string(fixtures().join("with-schema.jsonl")).expect("fixture");
    let history: Vec<String> = raw
        .lines()
        .filter(|l| {
            tables
                .iter()
                .any(|t| l.contains(&format!("\"topic\":\"{t}\"")))
        })
        .map(str::to_string)
        .collect();
    produce(&broker.bootstrap, &jsonl_to_recs(&history));

    let dir = tempfile::tempdir().expect("tempdir");
    let config = pipeline(dir.path(), |t| t);
    let port = free_port();
    let metrics = format!("127.0.0.1:{port}");
    let mut runner = Runner::start(
        &[
            "--config",
            config.to_str().expect("path"),
            "--bootstrap-servers",
            &broker.bootstrap,
            "--topics",
            "product-events",
            "--group-id",
            "switchyard-lookup-test",
            "--metrics-address",
            &metrics,
            "--property",
            "consumer.session.timeout.ms=6000",
        ],
        &dir.path().join("run.log"),
    );
    let events = product_events();
    let doc = jsonl_to_recs(&[document(&events, 6)]);
    let old = final_rows("product.public.product_prices")[&6]["price"].clone();
    let mut reader = Reader::new(&broker.bootstrap, &[("product-documents", 1)]);
    let price = |r: &Rec| -> Value {
        let v: Value = serde_json::from_slice(r.value.as_deref().expect("value")).expect("json");
        v["payload"]["price"].clone()
    };

    // The first document already sees the restored table.
    produce(&broker.bootstrap, &doc);
    first_document(&mut runner, &mut reader);
    assert_eq!(price(&reader.records[0]), old, "{}", runner.log());
    let expected_entries = final_rows("product.public.product_prices").len();
    let scraped = crate::brokers::wait_for("lookup gauges", Duration::from_secs(30), || {
        http_get(port, "/metrics").filter(|m| m.contains("switchyard_lookup_entries"))
    });
    assert!(
        scraped.contains(&format!(
            "switchyard_lookup_entries{{table=\"prices\"}} {expected_entries}\n"
        )),
        "{scraped}"
    );
    assert!(
        scraped.contains("switchyard_lookup_bytes{table=\"prices\"} "),
        "{scraped}"
    );

    // A price update produced to the prices topic: documents produced after it reach the new
    // price once the table's consumer has applied it, and never show anything else.
    produce(
        &broker.bootstrap,
        &jsonl_to_recs(&[price_update(6, Some("AYag"))]),
    );
    let mut seen = 1;
    crate::brokers::wait_for("the updated price", Duration::from_secs(60), || {
        produce(&broker.bootstrap, &doc);
        reader.read_at_least(seen + 1, Duration::from_secs(30));
        seen = reader.records.len();
        let last = price(&reader.records[seen - 1]);
        assert!(last == old || last == "AYag", "unexpected price {last}");
        (last == "AYag").then_some(())
    });
    let status = runner.terminate(Duration::from_secs(60));
    assert!(status.success(), "{status}: {}", runner.log());
    // The whole history was restored before the first record: the log line counts the keys.
    assert!(
        runner.log().contains(&format!(
            "lookup table restored from product.public.product_prices: {expected_entries} keys"
        )),
        "{}",
        runner.log()
    );
}

#[test]
fn run_stops_naming_the_table_when_an_update_outgrows_max_bytes() {
    let Some(broker) =
        tansu_or_skip("run_stops_naming_the_table_when_an_update_outgrows_max_bytes")
    else {
        return;
    };
    let prices = "product.public.product_prices";
    create_topics(
        &broker.bootstrap,
        &[
            (prices, 1),
            ("product.public.product_categories", 1),
            ("product.public.product_tags", 1),
            ("product-events", 1),
            ("product-documents", 1),
        ],
    );
    let raw = std::fs::read_to_string(fixtures().join("with-schema.jsonl")).expect("fixture");
    let history: Vec<String> = raw
        .lines()
        .filter(|l| l.contains(&format!("\"topic\":\"{prices}\"")))
        .map(str::to_string)
        .collect();
    produce(&broker.bootstrap, &jsonl_to_recs(&history));

    // The most the prices table holds while the history is replayed, by the host's own
    // count: the bound leaves room for that and a few bytes more.
    let dir = tempfile::tempdir().expect("tempdir");
    let loaded = switchyard::config::load(&pipeline(dir.path(), |t| t)).expect("pipeline");
    let converters = switchyard::chain::converters(&loaded).expect("converters");
    let spec = loaded
        .lookups
        .iter()
        .find(|s| s.name == "prices")
        .expect("prices")
        .clone();
    let table = switchyard::lookup::Table::new(spec);
    let mut peak = 0;
    for line in &history {
        let input = switchyard::jsonl::parse_line(line).expect("line");
        let bytes = |p: &switchyard::record::Part| p.original_bytes().cloned().flatten();
        table
            .apply_record(
                &converters,
                prices,
                bytes(&input.record.key).as_deref(),
                bytes(&input.record.value).as_deref(),
                || "history".into(),
            )
            .expect("fits");
        peak = peak.max(table.size().bytes);
    }
    let bound = peak + 10;
    let config = pipeline(dir.path(), |t| {
        t.replace("max_bytes = 16777216", &format!("max_bytes = {bound}"))
    });
    let mut runner = Runner::start(
        &[
            "--config",
            config.to_str().expect("path"),
            "--bootstrap-servers",
            &broker.bootstrap,
            "--topics",
            "product-events",
            "--group-id",
            "switchyard-lookup-bound-test",
            "--no-metrics",
        ],
        &dir.path().join("run.log"),
    );
    let doc = jsonl_to_recs(&[document(&product_events(), 6)]);
    produce(&broker.bootstrap, &doc);
    let mut reader = Reader::new(&broker.bootstrap, &[("product-documents", 1)]);
    first_document(&mut runner, &mut reader);

    // A price for a new product, with a long currency: the table would outgrow its bound.
    let mut grow: Value = serde_json::from_str(&price_update(6, Some("AYag"))).expect("json");
    grow["key"]["payload"]["product_id"] = 99.into();
    grow["value"]["payload"]["after"]["product_id"] = 99.into();
    grow["value"]["payload"]["after"]["currency"] =
        "X".repeat(usize::try_from(bound).expect("small")).into();
    produce(&broker.bootstrap, &jsonl_to_recs(&[grow.to_string()]));
    let status = crate::brokers::wait_for("run to stop", Duration::from_secs(60), || {
        if let Some(status) = runner.process.child.try_wait().expect("try_wait") {
            return Some(status);
        }
        produce(&broker.bootstrap, &doc);
        reader.poll();
        None
    });
    let log = runner.log();
    assert_eq!(status.code(), Some(1), "{log}");
    assert!(
        log.contains("lookup table `prices`") && log.contains(&format!("max.bytes of {bound}")),
        "{log}"
    );
}

#[test]
fn rows_put_the_whole_entry_as_json_text() {
    let dir = tempfile::tempdir().expect("tempdir");
    let config = pipeline(dir.path(), |t| {
        t.replace(
            "topic = \"product-documents\"",
            "rows = \"price_row=prices\", topic = \"product-documents\"",
        )
    });
    let events = product_events();
    let out = apply(&config, &document(&events, 6));
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let output = parse_lines(&String::from_utf8_lossy(&out.stdout));
    let row = output[0]["value"]["payload"]["price_row"]
        .as_str()
        .expect("a JSON string");
    // The `after` row as Kafka's JsonConverter writes its payload: the fixture's row as is.
    let expected = &final_rows("product.public.product_prices")[&6];
    assert_eq!(&serde_json::from_str::<Value>(row).expect("json"), expected);
    assert_eq!(row, expected.to_string());
}
