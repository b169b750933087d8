//! The WIT contract's versions: a component built against `switchyard:transform@0.1.0`, before
//! `batch` existed, loads and runs beside the 0.1.1 built-ins.

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
