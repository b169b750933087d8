//! Header text as Kafka Connect's default header converter (`SimpleHeaderConverter`) writes it:
//! `org.apache.kafka.connect.data.Values.convertToString` for a header value, and
//! `Values.parseString` for a literal that `InsertHeader` parses once.

mod containers;

use serde_json::Value;
use switchyard_sdk::prelude::*;

use crate::decimal::BigDecimal;
use crate::fields::{DATE, DECIMAL, TIME, TIMESTAMP};
use crate::{base64, date, java, json};

/// `Values.convertToString(schema, value)` for a value in payload JSON with its schema in JSON
/// form (`None` without a schema); `None` for null, which is a null header.
pub fn to_string(schema: Option<&Value>, payload: &Value) -> Option<String> {
    if payload.is_null() {
        return None;
    }
    let mut out = String::new();
    append(&mut out, schema, payload, false);
    Some(out)
}

/// `Values.convertToString` for a scalar with its schema (`None` without one).
pub fn scalar_to_string(info: Option<&SchemaInfo>, value: &Scalar) -> Option<String> {
    let schema = info.map(json::schema_of);
    to_string(schema.as_ref(), &json::scalar_to_json(value))
}

/// `Values.append`: `embedded` values (inside an array, map or struct) have their strings quoted.
fn append(out: &mut String, schema: Option<&Value>, payload: &Value, embedded: bool) {
    if payload.is_null() {
        out.push_str("null");
        return;
    }
    let Some(schema) = schema else {
        append_schemaless(out, payload, embedded);
        return;
    };
    let name = json::name_of(schema);
    match json::type_of(schema) {
        Some(SchemaType::Struct) => {
            out.push('{');
            for (i, field) in json::fields(schema).iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                let field_name = json::field_name(field);
                quote(out, field_name);
                out.push(':');
                append(
                    out,
                    Some(field),
                    payload.get(field_name).unwrap_or(&Value::Null),
                    true,
                );
            }
            out.push('}');
        }
        Some(SchemaType::Array) => {
            out.push('[');
            for (i, item) in payload.as_array().into_iter().flatten().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                append(out, schema.get("items"), item, true);
            }
            out.push(']');
        }
        Some(SchemaType::Map) => {
            out.push('{');
            let (keys, values) = (schema.get("keys"), schema.get("values"));
            let mut first = true;
            let mut entry = |out: &mut String, k: &Value, v: &Value| {
                if !first {
                    out.push(',');
                }
                first = false;
                append(out, keys, k, true);
                out.push(':');
                append(out, values, v, true);
            };
            match payload {
                Value::Object(map) => {
                    for (k, v) in map {
                        entry(out, &Value::String(k.clone()), v);
                    }
                }
                Value::Array(pairs) => {
                    for pair in pairs {
                        if let [k, v] = pair.as_array().map_or(&[][..], Vec::as_slice) {
                            entry(out, k, v);
                        }
                    }
                }
                _ => {}
            }
            out.push('}');
        }
        Some(SchemaType::Bytes) => {
            let text = payload.as_str().unwrap_or("");
            if name == Some(DECIMAL) {
                let scale = schema
                    .get("parameters")
                    .and_then(|p| p.get("scale"))
                    .and_then(Value::as_str)
                    .and_then(|s| s.parse().ok())
                    .unwrap_or(0);
                let bytes = base64::decode(text).unwrap_or_default();
                out.push_str(&BigDecimal::from_connect(&bytes, scale).to_java_string());
            } else if embedded {
                out.push('"');
                out.push_str(text);
                out.push('"');
            } else {
                out.push_str(text);
            }
        }
        Some(SchemaType::Int32) if name == Some(DATE) => {
            let days = payload.as_i64().unwrap_or(0);
            out.push_str(&date::format_for(days * date::MILLIS_PER_DAY));
        }
        Some(SchemaType::Int32) if name == Some(TIME) => {
            out.push_str(&date::format_for(payload.as_i64().unwrap_or(0)));
        }
        Some(SchemaType::Int64) if name == Some(TIMESTAMP) => {
            out.push_str(&date::format_for(payload.as_i64().unwrap_or(0)));
        }
        Some(SchemaType::Float32) => {
            let v = json::scalar_from_json(SchemaType::Float32, payload);
            if let Some(Scalar::Float32(v)) = v {
                out.push_str(&java::float_to_string(v));
            }
        }
        Some(SchemaType::Float64) => {
            let v = json::scalar_from_json(SchemaType::Float64, payload);
            if let Some(Scalar::Float64(v)) = v {
                out.push_str(&java::double_to_string(v));
            }
        }
        Some(SchemaType::String) => match payload.as_str() {
            Some(s) if embedded => quote(out, s),
            Some(s) => out.push_str(s),
            None => {}
        },
        _ => append_schemaless(out, payload, embedded),
    }
}

/// A value without a schema: JSON objects are maps, integers longs, other numbers doubles.
fn append_schemaless(out: &mut String, payload: &Value, embedded: bool) {
    match payload {
        Value::Null => out.push_str("null"),
        Value::Bool(b) => out.push_str(if *b { "true" } else { "false" }),
        Value::Number(n) => match n.as_i64() {
            Some(i) => out.push_str(&i.to_string()),
            None => out.push_str(&java::double_to_string(n.as_f64().unwrap_or(f64::NAN))),
        },
        Value::String(s) if embedded => quote(out, s),
        Value::String(s) => out.push_str(s),
        Value::Array(items) => {
            out.push('[');
            for (i, item) in items.iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                append_schemaless(out, item, true);
            }
            out.push(']');
        }
        Value::Object(map) => {
            out.push('{');
            for (i, (k, v)) in map.iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                quote(out, k);
                out.push(':');
                append_schemaless(out, v, true);
            }
            out.push('}');
        }
    }
}

/// An embedded string: quoted, with `\` and `"` escaped (`Values.escape`).
fn quote(out: &mut String, s: &str) {
    out.push('"');
    for c in s.chars() {
        if c == '\\' || c == '"' {
            out.push('\\');
        }
        out.push(c);
    }
    out.push('"');
}

/// The header text `InsertHeader` writes for a `value.literal`: the literal parsed once by
/// `Values.parseString`, then written back by the header converter (`Values.convertToString`).
/// `None` is a null header (the literal `null`).
///
/// Numbers come back in canonical form (`+5` → `5`, `1.0` → `1`, `1.50` → `1.5`, a value with
/// a fraction as a Java `float`), a timestamp on a day boundary as a date, and, as in Kafka, a
/// number or temporal value followed by a delimiter (`,`, `:`, …) keeps only its first token.
/// Arrays and maps are parsed and written back as Kafka does (`[1, 2]` → `[1,2]`, `[1, 2.5]`
/// → `[1.0,2.5]`), or kept as given where Kafka reads them as a string (see
/// `containers`).
pub fn parse_literal(literal: &str) -> Option<String> {
    if literal.is_empty() {
        return Some(String::new());
    }
    if literal == "null" {
        return None;
    }
    if literal.starts_with(['[', '{'])
        && let Some(text) = containers::render(literal)
    {
        return Some(text);
    }
    let Some(first) = literal.chars().next() else {
        return Some(String::new());
    };
    if "[]{}:,\"".contains(first) {
        return Some(literal.to_owned());
    }
    let tokens = tokens(literal);
    let token = tokens.first().map_or(literal, |t| t.as_str());
    let trimmed = switchyard_sdk::config::java_trim(token);
    if trimmed.is_empty() {
        return Some(literal.to_owned());
    }
    let first_char = trimmed.chars().next().unwrap_or(' ');
    if first_char.is_ascii_digit() {
        if tokens.len() >= 5 {
            let joined: String = tokens[..5].concat();
            if let Some(text) = temporal(switchyard_sdk::config::java_trim(&joined)) {
                return Some(text);
            }
        }
        if let Some(text) = temporal(trimmed) {
            return Some(text);
        }
    }
    if (first_char.is_ascii_digit() || first_char == '+' || first_char == '-')
        && let Some(text) = number(trimmed)
    {
        return Some(text);
    }
    Some(literal.to_owned())
}

/// The whole number a decimal holds exactly, within a long's range (`parseAsExactDecimal`).
fn exact_long(decimal: &BigDecimal) -> Option<i64> {
    let integer = decimal.integer_part();
    let exact = decimal.unscaled.is_zero() || {
        let mut back = integer.clone();
        let scale = decimal.scale;
        if scale > 0 {
            back.scale_up(scale.unsigned_abs());
            back == decimal.unscaled
        } else {
            true
        }
    };
    if exact {
        integer.to_string().parse::<i64>().ok()
    } else {
        None
    }
}

/// Splits on Kafka's `Values.Parser` delimiters, keeping them as tokens.
fn tokens(text: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut current = String::new();
    for c in text.chars() {
        if "[]{}:,\"".contains(c) {
            if !current.is_empty() {
                out.push(std::mem::take(&mut current));
            }
            out.push(c.to_string());
        } else {
            current.push(c);
        }
    }
    if !current.is_empty() {
        out.push(current);
    }
    out
}

/// An ISO-8601 time (`HH:mm:ss.SSS'Z'`), timestamp (`yyyy-MM-dd'T'HH:mm:ss.SSS'Z'`) or date
/// (`yyyy-MM-dd`), reformatted by `Values.dateFormatFor`.
fn temporal(token: &str) -> Option<String> {
    let token = token.replace("\\:", ":");
    let pattern = match token.chars().count() {
        13 => "HH:mm:ss.SSS'Z'",
        24 => "yyyy-MM-dd'T'HH:mm:ss.SSS'Z'",
        10 => "yyyy-MM-dd",
        _ => return None,
    };
    let format = date::DateFormat::new(pattern).ok()?;
    format.parse(&token).map(date::format_for)
}

/// A number as `Values.parse` types it: the narrowest integer type that holds it exactly, else
/// a float, a double or a decimal, written back with `toString`.
fn number(token: &str) -> Option<String> {
    let decimal = BigDecimal::parse(token)?;
    if let Some(v) = exact_long(&decimal) {
        return Some(v.to_string());
    }
    let f = decimal.float_value();
    if f.is_finite() && decimal.scale != 0 {
        return Some(java::float_to_string(f));
    }
    let d = decimal.double_value();
    if d.is_finite() && decimal.scale != 0 {
        return Some(java::double_to_string(d));
    }
    Some(decimal.to_java_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn j(text: &str) -> Value {
        serde_json::from_str(text).unwrap_or(Value::Null)
    }

    #[test]
    fn header_text_of_schemaless_values() {
        assert_eq!(
            to_string(None, &j(r#""field1-value""#)).as_deref(),
            Some("field1-value")
        );
        assert_eq!(to_string(None, &j("42")).as_deref(), Some("42"));
        assert_eq!(to_string(None, &j("1.0")).as_deref(), Some("1.0"));
        assert_eq!(to_string(None, &j("null")), None);
        assert_eq!(
            to_string(None, &j(r#"{"a":[1,"x\"y",null],"b":true}"#)).as_deref(),
            Some(r#"{"a":[1,"x\"y",null],"b":true}"#)
        );
    }

    #[test]
    fn header_text_of_schemad_values() {
        let s = |schema: &str, payload: &str| to_string(Some(&j(schema)), &j(payload));
        assert_eq!(s(r#"{"type":"float"}"#, "32.0").as_deref(), Some("32.0"));
        assert_eq!(
            s(r#"{"type":"bytes"}"#, r#""/ty6mHZUMhA=""#).as_deref(),
            Some("/ty6mHZUMhA=")
        );
        assert_eq!(
            s(
                r#"{"type":"bytes","name":"org.apache.kafka.connect.data.Decimal","parameters":{"scale":"2"}}"#,
                r#""B88=""#
            )
            .as_deref(),
            Some("19.99")
        );
        assert_eq!(
            s(
                r#"{"type":"int32","name":"org.apache.kafka.connect.data.Date"}"#,
                "1"
            )
            .as_deref(),
            Some("1970-01-02")
        );
        assert_eq!(
            s(
                r#"{"type":"struct","fields":[{"type":"string","field":"s"},{"type":"array","items":{"type":"bytes"},"field":"b"}]}"#,
                r#"{"s":"x","b":["AA=="]}"#
            )
            .as_deref(),
            Some(r#"{"s":"x","b":["AA=="]}"#)
        );
        assert_eq!(
            s(
                r#"{"type":"map","keys":{"type":"int32"},"values":{"type":"string"}}"#,
                r#"[[1,"a"],[2,null]]"#
            )
            .as_deref(),
            Some(r#"{1:"a",2:null}"#)
        );
        assert_eq!(
            scalar_to_string(None, &Scalar::Float64(64.0)).as_deref(),
            Some("64.0")
        );
    }

    #[test]
    fn literals_parse_like_values_parse_string() {
        for (literal, header) in [
            ("inserted-value", Some("inserted-value")),
            ("1", Some("1")),
            ("+5", Some("5")),
            ("1.0", Some("1")),
            ("1.50", Some("1.5")),
            ("3.14159265358979", Some("3.1415927")),
            ("99999999999999999999", Some("99999999999999999999")),
            ("12:30", Some("12")),
            ("true", Some("true")),
            ("null", None),
            ("", Some("")),
            ("hello world", Some("hello world")),
            ("2024-01-02", Some("2024-01-02")),
            ("2024-01-02T00:00:00.000Z", Some("2024-01-02")),
            ("2024-01-02T10:00:00", Some("2024-01-02T10:00:00")),
            ("[1, 2]", Some("[1,2]")),
            ("[a, 2]", Some("[a, 2]")),
            ("-", Some("-")),
        ] {
            assert_eq!(parse_literal(literal).as_deref(), header, "{literal:?}");
        }
    }
}
