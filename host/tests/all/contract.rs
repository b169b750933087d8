//! The WIT contract: a component built against `switchyard:transform@0.1.0`, before `batch`
//! existed, loads and runs beside the current built-ins, and its errors, like those of a
//! predicate built against 0.1.3 (before `transform-error` gained `unhandled` in 0.1.4), mean
//! what they meant; `connect-record.batch` answers each read and goes on past its errors,
//! applies changes in order and stops at the first that fails, with and without schemas, on
//! null parts and on bad paths.

use switchyard::engine::StepError;

use crate::common::{chain, encoded, json, record};

/// The test guest built from `transforms/testing/contract-0-1-0` with its frozen 0.1.0 WIT.
fn contract_0_1_0_wasm() -> String {
    format!("{}/contract_0_1_0.wasm", env!("SWITCHYARD_TEST_GUESTS"))
}

#[test]
fn a_component_built_against_0_1_0_runs_beside_0_1_1_built_ins() {
    let mut c = chain(&format!(
        r#"
        [converters.key]
        class = "org.apache.kafka.connect.json.JsonConverter"
        config = {{ "schemas.enable" = false }}
        [converters.value]
        class = "org.apache.kafka.connect.json.JsonConverter"
        config = {{ "schemas.enable" = false }}
        [[transforms]]
        alias = "old"
        component = "{}"
        [[transforms]]
        alias = "flatten"
        class = "org.apache.kafka.connect.transforms.Flatten$Value"
        config = {{ delimiter = "_" }}
        "#,
        contract_0_1_0_wasm()
    ))
    .expect("a 0.1.0 component loads");
    let out = c
        .apply(record(
            "product.public.products",
            Some(r#"{"id":6}"#),
            Some(r#"{"op":"c","after":{"id":6,"name":"tea"}}"#),
        ))
        .expect("chain");
    assert_eq!(out.len(), 1);
    assert_eq!(out[0].topic, "product-events");
    let (key, value) = encoded(&c, &out[0]);
    assert_eq!(json(&key.expect("key")), json(r#"{"product_id":6}"#));
    assert_eq!(
        value.expect("value"),
        r#"{"op":"c","after_id":6,"after_name":"tea","__op":"c"}"#
    );
}

/// A component of 0.1.0 returns the three-case `transform-error` it was built with: its
/// `bad-record` is a bad record.
#[test]
fn a_bad_record_from_a_0_1_0_component_is_a_bad_record() {
    let mut c = chain(&format!(
        r#"
        [converters.value]
        class = "org.apache.kafka.connect.json.JsonConverter"
        config = {{ "schemas.enable" = false }}
        [[transforms]]
        alias = "old"
        component = "{}"
        "#,
        contract_0_1_0_wasm()
    ))
    .expect("a 0.1.0 component loads");
    let err = c
        .apply(record("t", None, Some(r#"{"after":{"id":6}}"#)))
        .expect_err("a value without `op`");
    assert_eq!(err.alias, "old");
    assert!(
        matches!(&err.error, StepError::BadRecord(m) if m.contains("NoSuchField")),
        "{err:?}"
    );
    // The instance goes on with the next record.
    let out = c
        .apply(record("t", None, Some(r#"{"op":"u"}"#)))
        .expect("chain");
    assert_eq!(out[0].topic, "product-events");
}

/// The test guest built from `transforms/testing/condition-0-1-3` with its frozen 0.1.3 WIT.
fn condition_0_1_3_wasm() -> String {
    format!("{}/condition_0_1_3.wasm", env!("SWITCHYARD_TEST_GUESTS"))
}

/// A predicate built against 0.1.3 loads; its answers guard a step, and its `bad-record` and
/// `broken` fail the record as they did before 0.1.4.
#[test]
fn a_predicate_built_against_0_1_3_answers_and_fails_as_before() {
    let mut c = chain(&format!(
        r#"
        [[transforms]]
        alias = "mark"
        class = "org.apache.kafka.connect.transforms.RegexRouter"
        predicate = "old"
        config = {{ regex = "(.*)", replacement = "matched" }}
        [[predicates]]
        alias = "old"
        component = "{}"
        "#,
        condition_0_1_3_wasm()
    ))
    .expect("a 0.1.3 predicate loads");
    let topic = |c: &mut switchyard::chain::Chain, topic: &str| {
        c.apply(record(topic, None, None))
            .map(|out| out[0].topic.clone())
            .map_err(|e| e.error)
    };
    assert_eq!(topic(&mut c, "hit"), Ok("matched".to_string()));
    assert_eq!(topic(&mut c, "miss"), Ok("miss".to_string()));
    assert_eq!(
        topic(&mut c, "bad"),
        Err(StepError::BadRecord("a bad record for 0.1.3".into()))
    );
    assert_eq!(
        topic(&mut c, "broken"),
        Err(StepError::Broken("broken for 0.1.3".into()))
    );
}

/// The test guest built from `transforms/testing/batch-probe`.
fn batch_probe_wasm() -> String {
    format!("{}/batch_probe.wasm", env!("SWITCHYARD_TEST_GUESTS"))
}

/// Runs `ops` through the batch probe over one record, once through `batch-packed` (the SDK's
/// way) and once through the typed `batch`; checks that both answer and change alike and
/// returns the answers as text and the record's key and value once encoded.
fn probe(
    schemas: bool,
    ops: &str,
    key: Option<&str>,
    value: Option<&str>,
) -> (Vec<String>, Option<String>, Option<String>) {
    let packed = probe_as(false, schemas, ops, key, value);
    let typed = probe_as(true, schemas, ops, key, value);
    assert_eq!(packed, typed, "packed and typed batches differ on `{ops}`");
    packed
}

fn probe_as(
    typed: bool,
    schemas: bool,
    ops: &str,
    key: Option<&str>,
    value: Option<&str>,
) -> (Vec<String>, Option<String>, Option<String>) {
    let converter = |which: &str| {
        format!(
            "[converters.{which}]\nclass = \"org.apache.kafka.connect.json.JsonConverter\"\nconfig = {{ \"schemas.enable\" = {schemas} }}\n"
        )
    };
    let mut c = chain(&format!(
        "{}{}[[transforms]]\nalias = \"probe\"\ncomponent = \"{}\"\nconfig = {{ ops = \"{ops}\", schema = {schemas}, typed = {typed} }}\n",
        converter("key"),
        converter("value"),
        batch_probe_wasm()
    ))
    .expect("the probe loads");
    let mut out = c.apply(record("t", key, value)).expect("chain");
    let r = out.pop().expect("one record");
    let header = |name: &str| {
        r.headers
            .iter()
            .find(|h| h.key == name)
            .and_then(|h| h.value.as_ref())
            .map(|v| String::from_utf8_lossy(v).into_owned())
    };
    let count: usize = header("answers")
        .expect("answers")
        .parse()
        .expect("a count");
    let answers = (0..count)
        .map(|i| header(&format!("a{i}")).expect("an answer"))
        .collect();
    let (key, value) = encoded(&c, &r);
    (answers, key, value)
}

const ENVELOPE: &str = r#"{"schema":{"type":"struct","name":"x.Envelope","fields":[{"field":"before","type":"struct","optional":true,"fields":[{"field":"id","type":"int64"}]},{"field":"after","type":"struct","optional":true,"fields":[{"field":"id","type":"int64"},{"field":"dims","type":"struct","optional":true,"fields":[{"field":"w","type":"int32"},{"field":"h","type":"int32","optional":true,"default":1}]}]},{"field":"op","type":"string"}]},"payload":{"before":null,"after":{"id":6,"dims":{"w":2,"h":null}},"op":"c"}}"#;

#[test]
fn batch_reads_answer_each_and_go_on_past_errors_with_a_schema() {
    let (answers, _, value) = probe(
        true,
        "is-null value;is-null-at value after;is-null-at value before;exists value before.id;exists value nope;get value op;get value after.nope;get value after;get-typed value before.id;field-names value after",
        None,
        Some(ENVELOPE),
    );
    assert_eq!(answers.len(), 10, "{answers:?}");
    assert!(answers[0].contains("Flag(false)"), "{}", answers[0]);
    assert!(answers[1].contains("Flag(false)"), "{}", answers[1]);
    assert!(answers[2].contains("Flag(true)"), "{}", answers[2]);
    assert!(
        answers[3].contains("Flag(true)"),
        "inside a null struct, by its schema: {}",
        answers[3]
    );
    assert!(answers[4].contains("Flag(false)"), "{}", answers[4]);
    assert!(answers[5].contains(r#"String("c")"#), "{}", answers[5]);
    assert!(
        answers[6].starts_with("Err(") && answers[6].contains("NoSuchField"),
        "{}",
        answers[6]
    );
    assert!(
        answers[7].starts_with("Err(") && answers[7].contains("WrongType"),
        "{}",
        answers[7]
    );
    assert!(
        answers[8].contains("Int64") && answers[8].contains("Null"),
        "null with its schema: {}",
        answers[8]
    );
    assert!(answers[9].contains(r#"["id", "dims"]"#), "{}", answers[9]);
    // Nothing was changed: the value is written as Kafka's converter writes what it reads
    // (the schema's keys in JsonConverter's order, `optional` written out).
    let json = switchyard::convert::json::JsonConverter::new(Default::default(), false);
    let read = json
        .to_connect("t", Some(ENVELOPE.as_bytes()))
        .expect("decodes");
    let written = json
        .from_connect("t", &read)
        .expect("encodes")
        .expect("bytes");
    assert_ne!(written, ENVELOPE.as_bytes());
    assert_eq!(value.as_deref().map(str::as_bytes), Some(&written[..]));
}

#[test]
fn batch_changes_apply_in_order_and_a_failed_change_ends_the_batch() {
    let (answers, _, value) = probe(
        true,
        "copy value op after.__op;extract value after;rebuild value -;fill-defaults value dims;flatten value _;put value __table products",
        None,
        Some(ENVELOPE),
    );
    assert_eq!(answers.len(), 6, "{answers:?}");
    assert!(
        answers[3].contains("Flag(false)"),
        "a scalar default: {}",
        answers[3]
    );
    let value = json(&value.expect("value"));
    assert_eq!(
        value["payload"],
        json(r#"{"id":6,"dims_w":2,"dims_h":1,"__op":"c","__table":"products"}"#)
    );
    let fields: Vec<&str> = value["schema"]["fields"]
        .as_array()
        .expect("fields")
        .iter()
        .map(|f| f["field"].as_str().expect("name"))
        .collect();
    assert_eq!(fields, ["id", "dims_w", "dims_h", "__op", "__table"]);
    assert_eq!(
        value["schema"]["optional"],
        json("false"),
        "rebuild drops optionality"
    );

    let (answers, _, _) = probe(
        true,
        "extract value nope;put value __x x;get value op",
        None,
        Some(ENVELOPE),
    );
    assert_eq!(
        answers.len(),
        1,
        "the failed change ends the batch: {answers:?}"
    );
    assert!(answers[0].contains("NoSuchField"), "{}", answers[0]);
}

#[test]
fn batch_on_schemaless_data_and_tombstones() {
    let (answers, _, value) = probe(
        false,
        "get-typed value a.b;exists value a.c;schema value a;put value n 1;flatten value .",
        None,
        Some(r#"{"a":{"b":1},"z":[1,2]}"#),
    );
    assert_eq!(answers.len(), 5, "{answers:?}");
    assert!(
        answers[0].contains("schema: None") && answers[0].contains("Int64(1)"),
        "{}",
        answers[0]
    );
    assert!(answers[1].contains("Flag(false)"), "{}", answers[1]);
    assert!(answers[2].contains("Schema(None)"), "{}", answers[2]);
    assert_eq!(value.as_deref(), Some(r#"{"a.b":1,"z":[1,2],"n":"1"}"#));

    let (answers, key, value) = probe(
        true,
        "is-null value;is-null key;flatten value .;get value op",
        Some(r#"{"schema":{"type":"int64"},"payload":6}"#),
        None,
    );
    assert!(answers[0].contains("Flag(true)"), "{}", answers[0]);
    assert!(answers[1].contains("Flag(false)"), "{}", answers[1]);
    assert!(
        answers[2].contains("Done"),
        "a null part is left as it is: {}",
        answers[2]
    );
    assert!(answers[3].contains("NoSuchField"), "{}", answers[3]);
    assert_eq!(value, None);
    // Untouched, written as Kafka's converter writes what it reads (`optional` added).
    assert_eq!(
        key.as_deref(),
        Some(r#"{"schema":{"type":"int64","optional":false},"payload":6}"#)
    );
}

#[test]
fn packed_and_typed_batches_carry_schemas_names_and_every_scalar_alike() {
    // Schemas with a name, a default and optionality; names; scalars of several types; a
    // change whose schema the guest describes; errors of each kind the probe can reach.
    let (answers, _, value) = probe(
        true,
        "schema value -;schema value after.dims.h;get-typed value after.dims.h;field-names value after;get-typed value after.id;set value op u;get value op;put value after.note hi;get-typed value after.note;get value nope;get value after",
        None,
        Some(ENVELOPE),
    );
    assert_eq!(answers.len(), 11, "{answers:?}");
    assert!(
        answers[0].contains(r#"name: Some("x.Envelope")"#),
        "{}",
        answers[0]
    );
    assert!(
        answers[1].contains(r#"default-json: Some("1")"#) && answers[1].contains("optional: true"),
        "{}",
        answers[1]
    );
    assert!(
        answers[2].contains("Int32(1)"),
        "a null field takes its default, as Struct.get does: {}",
        answers[2]
    );
    assert!(answers[3].contains(r#"["id", "dims"]"#), "{}", answers[3]);
    assert!(answers[4].contains("Int64(6)"), "{}", answers[4]);
    assert!(answers[6].contains(r#"String("u")"#), "{}", answers[6]);
    assert!(answers[8].contains(r#"String("hi")"#), "{}", answers[8]);
    assert!(answers[9].contains("NoSuchField"), "{}", answers[9]);
    assert!(answers[10].contains("WrongType"), "{}", answers[10]);
    let value = json(&value.expect("value"));
    assert_eq!(value["payload"]["op"], json(r#""u""#));
    assert_eq!(value["payload"]["after"]["note"], json(r#""hi""#));
}

/// Runs `ops` through the batch probe's packed batch only (for `packed-op`s, which the typed
/// `batch` cannot carry).
fn probe_packed(
    schemas: bool,
    ops: &str,
    value: Option<&str>,
) -> (Vec<String>, Option<String>, Option<String>) {
    probe_as(false, schemas, ops, None, value)
}

const CASTS: &str = r#"{"schema":{"type":"struct","name":"x.Row","fields":[{"field":"id","type":"int64"},{"field":"n","type":"int32","optional":true,"default":7},{"field":"f","type":"double"},{"field":"flag","type":"boolean"},{"field":"s","type":"string","optional":true},{"field":"d","type":"int32","name":"org.apache.kafka.connect.data.Date","version":1}]},"payload":{"id":300,"n":null,"f":-1.0E20,"flag":true,"s":"x","d":1}}"#;

/// `cast` (0.1.3) casts in the host as Kafka's `Cast` does: integers wrap, floats saturate,
/// a null takes its default, which is cast too, and the schemas become plain types keeping
/// their optionality.
#[test]
fn cast_changes_value_and_schema_as_kafka_cast_does() {
    let (answers, _, value) = probe_packed(
        true,
        "cast value id int8;cast value n string;cast value f int32;cast value flag string;cast value s string;get-typed value n",
        Some(CASTS),
    );
    assert_eq!(answers.len(), 6, "{answers:?}");
    assert!(
        answers[..5].iter().all(|a| a.contains("Done")),
        "{answers:?}"
    );
    assert!(answers[5].contains(r#"String("7")"#), "{}", answers[5]);
    let value = json(&value.expect("a value"));
    assert_eq!(
        value["payload"],
        json(r#"{"id":44,"n":"7","f":-2147483648,"flag":"true","s":"x","d":1}"#)
    );
    let fields = &value["schema"]["fields"];
    assert_eq!(
        fields[0],
        json(r#"{"field":"id","type":"int8","optional":false}"#)
    );
    assert_eq!(
        fields[1],
        json(r#"{"field":"n","type":"string","optional":true,"default":"7"}"#)
    );
    assert_eq!(value["schema"]["name"], json(r#""x.Row""#));
}

/// What the host does not cast (a float to a string, a logical type, a missing field, a
/// target that is not primitive) answers an error and ends the batch: nothing after it runs.
#[test]
fn cast_refuses_what_the_guest_must_cast_itself_and_ends_the_batch() {
    for (op, error) in [
        ("cast value f string", "WrongType"),
        ("cast value d int64", "WrongType"),
        ("cast value s int32", "WrongType"),
        ("cast value nope string", "NoSuchField"),
        ("cast value id bytes", "Invalid"),
    ] {
        let (answers, _, _) = probe_packed(true, &format!("{op};get value id"), Some(CASTS));
        assert_eq!(answers.len(), 1, "{op}: {answers:?}");
        assert!(
            answers[0].starts_with("Err(") && answers[0].contains(error),
            "{op}: {}",
            answers[0]
        );
    }
}

/// Without a schema the value's own type decides; a tombstone stays a tombstone.
#[test]
fn cast_on_schemaless_data_and_tombstones() {
    let (answers, _, value) = probe_packed(
        false,
        "cast value a string;cast value b float64;cast value c string",
        Some(r#"{"a":12,"b":3,"c":null}"#),
    );
    assert!(answers.iter().all(|a| a.contains("Done")), "{answers:?}");
    assert_eq!(
        json(&value.expect("a value")),
        json(r#"{"a":"12","b":3.0,"c":null}"#)
    );
    let (answers, _, value) = probe_packed(false, "cast value a string", None);
    assert_eq!(answers.len(), 1);
    assert!(answers[0].contains("Done"), "{answers:?}");
    assert_eq!(value, None);
}

/// `Cast$Value` casts by schema in the host and promises `depends-only-on-answers`, so the
/// host replays its first call on the records after it: each replayed record still gets its
/// own value cast, a null its default, and a record of another schema its own call.
#[test]
fn replayed_casts_cast_each_records_own_value() {
    let mut c = chain(
        r#"
        [converters.value]
        class = "org.apache.kafka.connect.json.JsonConverter"
        [[transforms]]
        alias = "cast"
        class = "org.apache.kafka.connect.transforms.Cast$Value"
        config = { spec = "id:string,n:int64,f:int8" }
        "#,
    )
    .expect("chain");
    let row = |id: &str, n: &str, f: &str| {
        format!(
            r#"{{"schema":{{"type":"struct","fields":[{{"field":"id","type":"int64"}},{{"field":"n","type":"int32","optional":true,"default":5}},{{"field":"f","type":"float","optional":true}}]}},"payload":{{"id":{id},"n":{n},"f":{f}}}}}"#
        )
    };
    let cases = [
        (row("1", "2", "1.5"), r#"{"id":"1","n":2,"f":1}"#),
        (row("2", "3", "300.0"), r#"{"id":"2","n":3,"f":44}"#),
        (row("-7", "null", "null"), r#"{"id":"-7","n":5,"f":null}"#),
        (
            row("9007199254740993", "0", "-1e30"),
            r#"{"id":"9007199254740993","n":0,"f":0}"#,
        ),
    ];
    for (input, payload) in cases {
        let out = c.apply(record("t", None, Some(&input))).expect("chain");
        let (_, value) = encoded(&c, &out[0]);
        assert_eq!(
            json(&value.expect("a value"))["payload"],
            json(payload),
            "{input}"
        );
    }
}

const UPDATE: &str = r#"{"schema":{"type":"struct","fields":[{"field":"before","type":"struct","optional":true,"fields":[{"field":"id","type":"int64"},{"field":"name","type":"string"},{"field":"dims","type":"struct","optional":true,"fields":[{"field":"w","type":"int32"}]},{"field":"note","type":"string","optional":true}]},{"field":"after","type":"struct","optional":true,"fields":[{"field":"id","type":"int64"},{"field":"name","type":"string"},{"field":"dims","type":"struct","optional":true,"fields":[{"field":"w","type":"int32"}]},{"field":"note","type":"string","optional":true}]}]},"payload":{"before":{"id":6,"name":"tea","dims":{"w":1},"note":null},"after":{"id":6,"name":"green tea","dims":{"w":2},"note":"new"}}}"#;

/// `diff` (0.1.3) names the fields of the later struct whose scalar differs from the earlier
/// one's, in order; structs are not compared; the record is unchanged.
#[test]
fn diff_names_the_changed_scalars_of_an_update() {
    let (answers, _, value) = probe_packed(
        true,
        "diff value before after;diff value after before;diff value before before",
        Some(UPDATE),
    );
    assert_eq!(answers.len(), 3, "{answers:?}");
    assert!(
        answers[0].contains(r#"Names(["name", "note"])"#),
        "{}",
        answers[0]
    );
    assert!(
        answers[1].contains(r#"Names(["name", "note"])"#),
        "{}",
        answers[1]
    );
    assert!(answers[2].contains("Names([])"), "{}", answers[2]);
    assert_eq!(
        json(&value.expect("a value"))["payload"],
        json(UPDATE)["payload"]
    );
}

/// A null side answers no names (an insert's `before`); a path the schema lacks, or a node
/// that is not a struct, is an error that does not end the batch (`diff` is a read);
/// schemaless maps compare by key.
#[test]
fn diff_of_nulls_bad_paths_and_schemaless_maps() {
    let insert = UPDATE.replace(
        r#""before":{"id":6,"name":"tea","dims":{"w":1},"note":null}"#,
        r#""before":null"#,
    );
    let (answers, _, _) = probe_packed(
        true,
        "diff value before after;diff value nope after;diff value after.id after;is-null value",
        Some(&insert),
    );
    assert_eq!(answers.len(), 4, "{answers:?}");
    assert!(answers[0].contains("Names([])"), "{}", answers[0]);
    assert!(answers[1].contains("NoSuchField"), "{}", answers[1]);
    assert!(answers[2].contains("WrongType"), "{}", answers[2]);
    assert!(answers[3].contains("Flag(false)"), "{}", answers[3]);
    let (answers, _, _) = probe_packed(
        false,
        "diff value b a",
        Some(r#"{"b":{"x":1,"y":[1],"z":"s"},"a":{"z":"t","y":[2],"x":1,"w":0}}"#),
    );
    assert!(answers[0].contains(r#"Names(["z"])"#), "{answers:?}");
}
