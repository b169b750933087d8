//! The cases of Confluent's `json-schema-provider` tests (`diff-schema-examples.json` and
//! `diff-combined-schema-examples.json`, run by `SchemaDiffTest`), in `cases.json` and
//! `combined.json`, each with the differences Confluent lists and its verdict; then a case
//! for every difference type they leave out, references, recursion, what is not checked
//! offline, the lines of the report and the levels.

use std::collections::BTreeSet;

use serde_json::Value;

use super::*;

fn schema(value: &Value) -> Schema {
    Schema::parse(&value.to_string(), &[]).unwrap_or_else(|e| panic!("{e}: {value}"))
}

/// The differences from `original` to `update`, as `TYPE #/PATH`, sorted (Confluent's order
/// is that of hash sets), and whether the registry would accept the update.
fn diff(original: &Schema, update: &Schema) -> (Vec<String>, bool) {
    let found = compare(original, update);
    let mut listed: Vec<String> = found.iter().map(Difference::summary).collect();
    listed.sort();
    (listed, found.iter().all(|d| d.kind.is_compatible()))
}

/// Runs a file of cases; returns the difference types they produced.
fn run_cases(text: &str) -> BTreeSet<String> {
    let cases: Vec<Value> = serde_json::from_str(text).expect("cases");
    let mut seen = BTreeSet::new();
    for case in cases {
        let description = case["description"].as_str().expect("description");
        let (found, compatible) = diff(&schema(&case["original"]), &schema(&case["update"]));
        let mut expected: Vec<String> = case["changes"]
            .as_array()
            .expect("changes")
            .iter()
            .map(|c| c.as_str().expect("change").to_string())
            .collect();
        expected.sort();
        assert_eq!(found, expected, "{description}");
        assert_eq!(
            Some(compatible),
            case["compatible"].as_bool(),
            "{description}"
        );
        for change in found {
            seen.insert(change.split(' ').next().unwrap_or_default().to_string());
        }
    }
    seen
}

const CASES: &str = include_str!("cases.json");
const COMBINED: &str = include_str!("combined.json");

/// A case for each difference type Confluent's cases leave out.
const MORE_CASES: &str = r#"[
  {"description": "maxLength added", "original": {"type": "string"}, "update": {"type": "string", "maxLength": 3},
   "changes": ["MAX_LENGTH_ADDED #/maxLength"], "compatible": false},
  {"description": "minLength added", "original": {"type": "string"}, "update": {"type": "string", "minLength": 3},
   "changes": ["MIN_LENGTH_ADDED #/minLength"], "compatible": false},
  {"description": "minLength removed", "original": {"type": "string", "minLength": 3}, "update": {"type": "string"},
   "changes": ["MIN_LENGTH_REMOVED #/minLength"], "compatible": true},
  {"description": "maxLength removed", "original": {"type": "string", "maxLength": 3}, "update": {"type": "string"},
   "changes": ["MAX_LENGTH_REMOVED #/maxLength"], "compatible": true},
  {"description": "pattern added", "original": {"type": "string"}, "update": {"type": "string", "pattern": "^a"},
   "changes": ["PATTERN_ADDED #/pattern"], "compatible": false},
  {"description": "maximum added", "original": {"type": "number"}, "update": {"type": "number", "maximum": 3},
   "changes": ["MAXIMUM_ADDED #/maximum"], "compatible": false},
  {"description": "minimum added", "original": {"type": "integer"}, "update": {"type": "integer", "minimum": 3},
   "changes": ["MINIMUM_ADDED #/minimum"], "compatible": false},
  {"description": "exclusive bounds added", "original": {"type": "number"},
   "update": {"type": "number", "exclusiveMaximum": 3, "exclusiveMinimum": 1},
   "changes": ["EXCLUSIVE_MAXIMUM_ADDED #/exclusiveMaximum", "EXCLUSIVE_MINIMUM_ADDED #/exclusiveMinimum"], "compatible": false},
  {"description": "exclusive bounds removed", "original": {"type": "number", "exclusiveMaximum": 3, "exclusiveMinimum": 1},
   "update": {"type": "number"},
   "changes": ["EXCLUSIVE_MAXIMUM_REMOVED #/exclusiveMaximum", "EXCLUSIVE_MINIMUM_REMOVED #/exclusiveMinimum"], "compatible": true},
  {"description": "exclusive bounds widened", "original": {"type": "number", "exclusiveMaximum": 3, "exclusiveMinimum": 1},
   "update": {"type": "number", "exclusiveMaximum": 4, "exclusiveMinimum": 0},
   "changes": ["EXCLUSIVE_MAXIMUM_INCREASED #/exclusiveMaximum", "EXCLUSIVE_MINIMUM_DECREASED #/exclusiveMinimum"], "compatible": true},
  {"description": "exclusive bounds narrowed", "original": {"type": "number", "exclusiveMaximum": 3, "exclusiveMinimum": 1},
   "update": {"type": "number", "exclusiveMaximum": 2.5, "exclusiveMinimum": 1.5},
   "changes": ["EXCLUSIVE_MAXIMUM_DECREASED #/exclusiveMaximum", "EXCLUSIVE_MINIMUM_INCREASED #/exclusiveMinimum"], "compatible": false},
  {"description": "multipleOf added", "original": {"type": "number"}, "update": {"type": "number", "multipleOf": 0.01},
   "changes": ["MULTIPLE_OF_ADDED #/multipleOf"], "compatible": false},
  {"description": "multipleOf expanded", "original": {"type": "number", "multipleOf": 2}, "update": {"type": "number", "multipleOf": 10},
   "changes": ["MULTIPLE_OF_EXPANDED #/multipleOf"], "compatible": false},
  {"description": "multipleOf reduced to a fraction", "original": {"type": "number", "multipleOf": 0.1},
   "update": {"type": "number", "multipleOf": 0.05},
   "changes": ["MULTIPLE_OF_REDUCED #/multipleOf"], "compatible": true},
  {"description": "required with a default added",
   "original": {"properties": {"a": {"type": "string"}}},
   "update": {"properties": {"a": {"type": "string", "default": "x"}}, "required": ["a"]},
   "changes": ["REQUIRED_ATTRIBUTE_WITH_DEFAULT_ADDED #/required/a", "DEFAULT_CHANGED #/properties/a"], "compatible": true},
  {"description": "property counts added", "original": {"type": "object"},
   "update": {"type": "object", "maxProperties": 5, "minProperties": 1},
   "changes": ["MAX_PROPERTIES_ADDED #/maxProperties", "MIN_PROPERTIES_ADDED #/minProperties"], "compatible": false},
  {"description": "additional properties' schema removed", "original": {"additionalProperties": {"type": "string"}},
   "update": {"additionalProperties": true},
   "changes": ["ADDITIONAL_PROPERTIES_EXTENDED #/additionalProperties"], "compatible": true},
  {"description": "dependency arrays changed",
   "original": {"dependencies": {"a": ["b"], "c": ["d", "e"], "f": ["g"]}},
   "update": {"dependencies": {"a": ["b", "x"], "c": ["e"], "f": ["h"]}},
   "changes": ["DEPENDENCY_ARRAY_EXTENDED #/dependencies/a", "DEPENDENCY_ARRAY_NARROWED #/dependencies/c",
               "DEPENDENCY_ARRAY_CHANGED #/dependencies/f"], "compatible": false},
  {"description": "required property with a default added to a closed object",
   "original": {"type": "object", "additionalProperties": false},
   "update": {"type": "object", "additionalProperties": false, "properties": {"a": {"type": "string", "default": ""}}, "required": ["a"]},
   "changes": ["REQUIRED_PROPERTY_WITH_DEFAULT_ADDED_TO_UNOPEN_CONTENT_MODEL #/properties/a"], "compatible": true},
  {"description": "required property without a default added to a closed object",
   "original": {"type": "object", "additionalProperties": false},
   "update": {"type": "object", "additionalProperties": false, "properties": {"a": {"type": "string"}}, "required": ["a"]},
   "changes": ["REQUIRED_PROPERTY_ADDED_TO_UNOPEN_CONTENT_MODEL #/properties/a"], "compatible": false},
  {"description": "property removed from a closed object",
   "original": {"type": "object", "additionalProperties": false, "properties": {"a": {"type": "string"}}},
   "update": {"type": "object", "additionalProperties": false},
   "changes": ["PROPERTY_REMOVED_FROM_CLOSED_CONTENT_MODEL #/properties/a"], "compatible": false},
  {"description": "array lengths added and raised", "original": {"type": "array", "maxItems": 2},
   "update": {"type": "array", "maxItems": 3, "minItems": 1, "uniqueItems": true},
   "changes": ["MAX_ITEMS_INCREASED #/maxItems", "MIN_ITEMS_ADDED #/minItems", "UNIQUE_ITEMS_ADDED #/uniqueItems"], "compatible": false},
  {"description": "array lengths added and removed", "original": {"type": "array", "maxItems": 2},
   "update": {"type": "array", "uniqueItems": false},
   "changes": ["MAX_ITEMS_REMOVED #/maxItems"], "compatible": true},
  {"description": "maxItems added", "original": {"type": "array"}, "update": {"type": "array", "maxItems": 9},
   "changes": ["MAX_ITEMS_ADDED #/maxItems"], "compatible": false},
  {"description": "additional items narrowed to a schema", "original": {"type": "array", "items": [{"type": "string"}]},
   "update": {"type": "array", "items": [{"type": "string"}], "additionalItems": {"type": "string"}},
   "changes": ["ADDITIONAL_ITEMS_NARROWED #/additionalItems"], "compatible": false},
  {"description": "item added to an open tuple", "original": {"type": "array", "items": [{"type": "string"}]},
   "update": {"type": "array", "items": [{"type": "string"}, {"type": "string"}]},
   "changes": ["ITEM_ADDED_TO_OPEN_CONTENT_MODEL #/items/1"], "compatible": false},
  {"description": "item removed from a closed tuple",
   "original": {"type": "array", "items": [{"type": "string"}, {"type": "string"}], "additionalItems": false},
   "update": {"type": "array", "items": [{"type": "string"}], "additionalItems": false},
   "changes": ["ITEM_REMOVED_FROM_CLOSED_CONTENT_MODEL #/items/1"], "compatible": false},
  {"description": "enum narrowed", "original": {"enum": ["a", "b"]}, "update": {"enum": ["a"]},
   "changes": ["ENUM_ARRAY_NARROWED #/enum"], "compatible": false},
  {"description": "enum reordered", "original": {"enum": ["a", "b"]}, "update": {"enum": ["b", "a"]},
   "changes": [], "compatible": true},
  {"description": "a nested property's type changed behind a type list",
   "original": {"type": ["object", "null"], "properties": {"a": {"type": "string"}}},
   "update": {"type": ["object", "null"], "properties": {"a": {"type": "integer"}}},
   "changes": ["COMBINED_TYPE_SUBSCHEMAS_CHANGED #/"], "compatible": false},
  {"description": "draft 4's exclusiveMaximum flag is not compared",
   "original": {"$schema": "http://json-schema.org/draft-04/schema#", "type": "number", "maximum": 3},
   "update": {"$schema": "http://json-schema.org/draft-04/schema#", "type": "number", "maximum": 3, "exclusiveMaximum": true},
   "changes": [], "compatible": true},
  {"description": "format and propertyNames are not compared",
   "original": {"type": "object", "properties": {"a": {"type": "string", "format": "date"}}},
   "update": {"type": "object", "properties": {"a": {"type": "string", "format": "uuid"}}, "propertyNames": {"maxLength": 3}},
   "changes": [], "compatible": true}
]"#;

#[test]
fn confluent_cases() {
    run_cases(CASES);
}

#[test]
fn confluent_combined_cases() {
    run_cases(COMBINED);
}

/// Every difference type the rules can produce appears in some case.
#[test]
fn every_difference_type_has_a_case() {
    let mut seen = run_cases(CASES);
    seen.extend(run_cases(COMBINED));
    seen.extend(run_cases(MORE_CASES));
    let missing: Vec<&str> = DifferenceType::ALL
        .iter()
        .map(|k| k.as_str())
        .filter(|k| !seen.contains(*k))
        .collect();
    assert_eq!(missing, Vec::<&str>::new());
}

#[test]
fn every_difference_type_is_named_and_explained() {
    for kind in DifferenceType::ALL {
        assert!(
            kind.as_str()
                .chars()
                .all(|c| c.is_ascii_uppercase() || c == '_')
        );
        assert!(kind.explain().ends_with('.'), "{kind}");
    }
    // Confluent's `COMPATIBLE_CHANGES`.
    let compatible: BTreeSet<&str> = DifferenceType::ALL
        .iter()
        .filter(|k| k.is_compatible())
        .map(|k| k.as_str())
        .collect();
    let expected: BTreeSet<&str> = [
        "ID_CHANGED",
        "DESCRIPTION_CHANGED",
        "TITLE_CHANGED",
        "DEFAULT_CHANGED",
        "SCHEMA_REMOVED",
        "TYPE_EXTENDED",
        "MAX_LENGTH_INCREASED",
        "MAX_LENGTH_REMOVED",
        "MIN_LENGTH_DECREASED",
        "MIN_LENGTH_REMOVED",
        "PATTERN_REMOVED",
        "MAXIMUM_INCREASED",
        "MAXIMUM_REMOVED",
        "MINIMUM_DECREASED",
        "MINIMUM_REMOVED",
        "EXCLUSIVE_MAXIMUM_INCREASED",
        "EXCLUSIVE_MAXIMUM_REMOVED",
        "EXCLUSIVE_MINIMUM_DECREASED",
        "EXCLUSIVE_MINIMUM_REMOVED",
        "MULTIPLE_OF_REDUCED",
        "MULTIPLE_OF_REMOVED",
        "REQUIRED_ATTRIBUTE_WITH_DEFAULT_ADDED",
        "REQUIRED_ATTRIBUTE_REMOVED",
        "DEPENDENCY_ARRAY_NARROWED",
        "DEPENDENCY_ARRAY_REMOVED",
        "DEPENDENCY_SCHEMA_REMOVED",
        "MAX_PROPERTIES_INCREASED",
        "MAX_PROPERTIES_REMOVED",
        "MIN_PROPERTIES_DECREASED",
        "MIN_PROPERTIES_REMOVED",
        "ADDITIONAL_PROPERTIES_ADDED",
        "ADDITIONAL_PROPERTIES_EXTENDED",
        "PROPERTY_WITH_EMPTY_SCHEMA_ADDED_TO_OPEN_CONTENT_MODEL",
        "REQUIRED_PROPERTY_WITH_DEFAULT_ADDED_TO_UNOPEN_CONTENT_MODEL",
        "OPTIONAL_PROPERTY_ADDED_TO_UNOPEN_CONTENT_MODEL",
        "PROPERTY_WITH_FALSE_REMOVED_FROM_CLOSED_CONTENT_MODEL",
        "PROPERTY_REMOVED_FROM_OPEN_CONTENT_MODEL",
        "PROPERTY_ADDED_IS_COVERED_BY_PARTIALLY_OPEN_CONTENT_MODEL",
        "PROPERTY_REMOVED_IS_COVERED_BY_PARTIALLY_OPEN_CONTENT_MODEL",
        "MAX_ITEMS_INCREASED",
        "MAX_ITEMS_REMOVED",
        "MIN_ITEMS_DECREASED",
        "MIN_ITEMS_REMOVED",
        "UNIQUE_ITEMS_REMOVED",
        "ADDITIONAL_ITEMS_ADDED",
        "ADDITIONAL_ITEMS_EXTENDED",
        "ITEM_WITH_EMPTY_SCHEMA_ADDED_TO_OPEN_CONTENT_MODEL",
        "ITEM_ADDED_TO_CLOSED_CONTENT_MODEL",
        "ITEM_WITH_FALSE_REMOVED_FROM_CLOSED_CONTENT_MODEL",
        "ITEM_REMOVED_FROM_OPEN_CONTENT_MODEL",
        "ITEM_ADDED_IS_COVERED_BY_PARTIALLY_OPEN_CONTENT_MODEL",
        "ITEM_REMOVED_IS_COVERED_BY_PARTIALLY_OPEN_CONTENT_MODEL",
        "ENUM_ARRAY_EXTENDED",
        "COMBINED_TYPE_EXTENDED",
        "PRODUCT_TYPE_NARROWED",
        "SUM_TYPE_EXTENDED",
        "NOT_TYPE_NARROWED",
    ]
    .into_iter()
    .collect();
    assert_eq!(compatible, expected);
}

/// `$ref`s to other documents: by the name the reference is given, or by `$id` relative to
/// the schema's `$id`; a change inside a referenced document counts.
#[test]
fn references_to_other_documents() {
    let money = r#"{"$id": "https://example.com/schemas/money.json", "type": "object",
        "properties": {"amount": {"type": "string"}, "currency": {"type": "string"}}}"#;
    let money_number = r#"{"$id": "https://example.com/schemas/money.json", "type": "object",
        "properties": {"amount": {"type": "number"}, "currency": {"type": "string"}}}"#;
    let product = r#"{"$id": "https://example.com/schemas/product.json", "type": "object",
        "properties": {"price": {"$ref": "money.json"}}}"#;
    let refs = |text: &str| vec![("money.json".to_string(), text.to_string())];
    let v1 = Schema::parse(product, &refs(money)).expect("v1");
    let v2 = Schema::parse(product, &refs(money_number)).expect("v2");
    assert_eq!(
        diff(&v1, &v2),
        (
            vec!["TYPE_CHANGED #/properties/price/properties/amount".to_string()],
            false
        )
    );
    // By `$id`, under another reference name.
    let by_id = vec![("shared/money".to_string(), money.to_string())];
    let absolute = r#"{"type": "object",
        "properties": {"price": {"$ref": "https://example.com/schemas/money.json#/properties/amount"}}}"#;
    let loaded = Schema::parse(absolute, &by_id).expect("by $id");
    assert!(compare(&loaded, &loaded).is_empty());
    let missing = Schema::parse(product, &[]).expect_err("no money.json");
    assert_eq!(
        missing.to_string(),
        "at #/properties/price: $ref `money.json` names no document at hand"
    );
}

/// A schema that contains itself is compared to an end, and a change inside the recursion is
/// still found.
#[test]
fn recursive_schemas() {
    let tree = |value_type: &str| {
        serde_json::json!({
            "$ref": "#/definitions/node",
            "definitions": {"node": {"type": "object", "properties": {
                "value": {"type": value_type},
                "children": {"type": "array", "items": {"$ref": "#/definitions/node"}},
                "next": {"oneOf": [{"type": "null"}, {"$ref": "#/definitions/node"}]}
            }}}
        })
    };
    let (a, b) = (schema(&tree("string")), schema(&tree("integer")));
    assert_eq!(diff(&a, &a), (vec![], true));
    let (found, compatible) = diff(&a, &b);
    assert!(!compatible);
    assert!(
        found.contains(&"TYPE_CHANGED #/properties/value".to_string()),
        "{found:?}"
    );
}

#[test]
fn constructs_not_checked_offline() {
    let cases = [
        (
            r#"{"type": "object", "if": {"required": ["a"]}, "then": {"required": ["b"]}}"#,
            "at #: conditional subschemas (`if`, `then`, `else`) is not checked offline",
        ),
        (
            r#"{"$schema": "https://json-schema.org/draft/2020-12/schema", "type": "string"}"#,
            "at #/$schema: a draft 2019-09 or 2020-12 schema",
        ),
        (
            r##"{"properties": {"a": {"$ref": "#money"}}}"##,
            "at #/properties/a: the $ref `#money` to a named anchor",
        ),
        (
            r#"{"patternProperties": {"^(?!x)": {"type": "string"}}}"#,
            "at #/patternProperties/^(?!x): the pattern `^(?!x)`",
        ),
    ];
    for (text, expected) in cases {
        let e = Schema::parse(text, &[]).expect_err(text);
        assert!(matches!(e, LoadError::NotChecked { .. }), "{e:?}");
        assert!(e.to_string().starts_with(expected), "{e}");
    }
    // Draft 6 has no conditional keywords: they are unknown keywords there.
    let draft6 =
        r#"{"$schema": "http://json-schema.org/draft-06/schema#", "if": {"type": "string"}}"#;
    assert!(Schema::parse(draft6, &[]).is_ok());
}

#[test]
fn invalid_schemas() {
    for (text, expected) in [
        ("{", "EOF while parsing an object"),
        (r#"{"type": "text"}"#, "at #: unknown type: [text]"),
        (
            r#"{"properties": {"a": 3}}"#,
            "at #/properties/a: a schema is an object or a boolean",
        ),
        (
            r#"{"type": "string", "maxLength": -1}"#,
            "at #: maxLength is not a non-negative integer",
        ),
        (
            r##"{"$ref": "#/definitions/nope"}"##,
            "at #: $ref `#/definitions/nope` points to nothing",
        ),
        (r#"{"multipleOf": 0}"#, "at #: multipleOf should not be 0"),
    ] {
        let e = Schema::parse(text, &[]).expect_err(text);
        assert!(e.to_string().contains(expected), "{text}: {e}");
    }
}

#[test]
fn levels_messages_and_lines() {
    let v1 = r#"{
  "type": "object",
  "properties": {
    "id": {"type": "integer"}
  },
  "additionalProperties": false
}"#;
    let v2 = r#"{
  "type": "object",
  "properties": {
    "id": {"type": "integer"},
    "color": {"type": "string"}
  },
  "additionalProperties": false
}"#;
    let v3 = r#"{
  "type": "object",
  "properties": {
    "id": {"type": "string"},
    "color": {"type": "string"}
  },
  "required": ["color"],
  "additionalProperties": false
}"#;
    let load = |t: &str| Schema::parse(t, &[]).expect("schema");
    let (v1, v2, v3) = (load(v1), load(v2), load(v3));
    let earlier = [v2, v1];
    let summary = |level: Level| -> Vec<(usize, Direction, Vec<&'static str>)> {
        check_level(&v3, &earlier, level)
            .iter()
            .map(|c| {
                (
                    c.against,
                    c.direction,
                    c.incompatibilities.iter().map(|i| i.kind).collect(),
                )
            })
            .collect()
    };
    use Direction::{Backward as B, Forward as F};
    assert_eq!(
        summary(Level::Backward),
        [(0, B, vec!["REQUIRED_ATTRIBUTE_ADDED", "TYPE_CHANGED"])]
    );
    assert_eq!(
        summary(Level::ForwardTransitive),
        [
            (0, F, vec!["TYPE_CHANGED"]),
            (
                1,
                F,
                vec!["TYPE_CHANGED", "PROPERTY_REMOVED_FROM_CLOSED_CONTENT_MODEL"]
            ),
        ]
    );
    let checks = check_level(&v3, &earlier, Level::Backward);
    let [required, changed] = &checks[0].incompatibilities[..] else {
        panic!("{checks:?}");
    };
    assert_eq!(required.location, "#/required/color");
    assert_eq!(
        required.message,
        "`color` optional in the earlier version, `color` required in the new schema"
    );
    assert_eq!(required.line, Some(7));
    assert_eq!(changed.location, "#/properties/id");
    assert_eq!(
        changed.message,
        "integer in the earlier version, string in the new schema"
    );
    assert_eq!(changed.line, Some(4));
}
