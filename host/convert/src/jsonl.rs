//! The record JSONL format: one Kafka record per line.
//!
//! ```text
//! {"topic":"t","partition":0,"offset":7,"timestamp":1764028800078,
//!  "headers":[{"key":"trace","value":"abc"}],"key":{...},"value":{...}}
//! ```
//! `key` / `value` are the record's bytes: bytes that are UTF-8 JSON text appear as that JSON
//! value (taken verbatim, so the bytes round-trip exactly), `null` is a null key or value, and
//! other bytes appear base64-encoded under `key_base64` / `value_base64`. A header's `value` is
//! its UTF-8 text or null; binary header values use `value_base64`. Output lines keep the input's
//! fields in the input's order; fields a transform adds (headers, a partition) are appended.

use std::borrow::Cow;

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD as BASE64;
use bytes::Bytes;
use serde::Deserialize;

use crate::json::SeenObjects;
use crate::record::{Header, Origin, OutputRecord, Record};

/// The longest topic name Kafka accepts (`org.apache.kafka.common.internals.Topic`).
const TOPIC_MAX_LENGTH: usize = 249;

/// Kafka's rules for a topic name (`Topic.validate`): not empty, not `.` or `..`, at most 249
/// characters of ASCII letters, digits, `.`, `_` and `-`; a record read from Kafka always has
/// such a name. Messages quote at most the first 249 characters of a longer name.
fn valid_topic(topic: &str) -> Result<(), JsonlError> {
    let shown = |topic: &str| -> String {
        match topic.char_indices().nth(TOPIC_MAX_LENGTH) {
            Some((end, _)) => format!("{}…", &topic[..end]),
            None => topic.to_owned(),
        }
    };
    let message = if topic.is_empty() {
        "Topic name is illegal, it can't be empty".to_owned()
    } else if topic == "." || topic == ".." {
        "Topic name cannot be \".\" or \"..\"".to_owned()
    } else if topic.len() > TOPIC_MAX_LENGTH {
        format!(
            "Topic name is illegal, it can't be longer than {TOPIC_MAX_LENGTH} characters, topic name: {}",
            shown(topic)
        )
    } else if !topic
        .bytes()
        .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'.' | b'_' | b'-'))
    {
        format!(
            "Topic name \"{}\" is illegal, it contains a character other than ASCII alphanumerics, '.', '_' and '-'",
            shown(topic)
        )
    } else {
        return Ok(());
    };
    Err(JsonlError(format!("field `topic`: {message}")))
}

/// A line that is not a valid record.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[error("{0}")]
pub struct JsonlError(pub String);

/// The fields of the format, in the order they are written when the input has no order to
/// follow.
const FIELDS: &[&str] = &[
    "topic",
    "partition",
    "offset",
    "timestamp",
    "headers",
    "key",
    "key_base64",
    "value",
    "value_base64",
];

/// Which fields a line had, in their order, so output lines can keep it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Layout {
    fields: Vec<&'static str>,
}

impl Default for Layout {
    fn default() -> Self {
        Layout {
            fields: vec![
                "topic",
                "partition",
                "offset",
                "timestamp",
                "headers",
                "key",
                "value",
            ],
        }
    }
}

/// A record read from a line, with what is needed to write its outputs.
#[derive(Debug)]
pub struct InputRecord {
    /// The record.
    pub record: Record,
    /// Where it was read from.
    pub origin: Origin,
    /// The line's field order.
    pub layout: Layout,
    /// The input offset, written back on output lines that had one.
    pub offset: Option<i64>,
    /// Whether the key bytes came as JSON text.
    pub key_is_json: bool,
    /// Whether the value bytes came as JSON text.
    pub value_is_json: bool,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct HeaderLine<'a> {
    #[serde(borrow)]
    key: Cow<'a, str>,
    #[serde(default, borrow)]
    value: Option<Cow<'a, str>>,
    #[serde(default)]
    value_base64: Option<String>,
}

fn parse_field<'a, T: Deserialize<'a>>(name: &str, raw: &'a str) -> Result<T, JsonlError> {
    serde_json::from_str(raw).map_err(|e| JsonlError(format!("field `{name}`: {e}")))
}

fn decode_base64(name: &str, raw: &str) -> Result<Option<Bytes>, JsonlError> {
    let text: Option<Cow<'_, str>> = parse_field(name, raw)?;
    text.map(|t| {
        BASE64
            .decode(t.as_bytes())
            .map(Bytes::from)
            .map_err(|e| JsonlError(format!("field `{name}`: not base64: {e}")))
    })
    .transpose()
}

/// The bytes a `key` / `value` field stands for: `null` is none, anything else is its JSON text.
fn json_bytes(text: &str) -> Option<Bytes> {
    (text != "null").then(|| Bytes::copy_from_slice(text.as_bytes()))
}

/// Parses one line.
pub fn parse_line(line: &str) -> Result<InputRecord, JsonlError> {
    parse_line_after(line, &mut SeenObjects::default())
}

/// Parses one line of a stream: objects inside its key and value that earlier lines had (a
/// change event's schema) are recognised in `seen` instead of scanned again.
pub fn parse_line_after(line: &str, seen: &mut SeenObjects) -> Result<InputRecord, JsonlError> {
    // The embedded key and value are sliced out with a validating scan, not parsed: the
    // converters decode them.
    let fields = crate::json::object_fields(line, seen)
        .map_err(|e| JsonlError(format!("not a JSON object: {e}")))?;
    let mut topic = None;
    let mut record = Record::new(String::new(), None, None);
    let mut offset = None;
    let mut layout = Vec::with_capacity(fields.len());
    let (mut key_is_json, mut value_is_json) = (false, false);
    for (name, raw) in &fields {
        let Some(&field) = FIELDS.iter().find(|f| **f == name.as_ref()) else {
            return Err(JsonlError(format!(
                "unknown field `{name}`; a record line has: {}",
                FIELDS.join(", ")
            )));
        };
        if layout.contains(&field) {
            return Err(JsonlError(format!("field `{name}` appears twice")));
        }
        layout.push(field);
        match field {
            "topic" => topic = Some(parse_field::<Cow<'_, str>>(field, raw)?.into_owned()),
            "partition" => record.partition = parse_field(field, raw)?,
            "offset" => offset = parse_field(field, raw)?,
            "timestamp" => record.timestamp = parse_field(field, raw)?,
            "headers" => {
                let headers: Option<Vec<HeaderLine<'_>>> = parse_field(field, raw)?;
                for h in headers.unwrap_or_default() {
                    let value = match (h.value, h.value_base64) {
                        (Some(_), Some(_)) => {
                            return Err(JsonlError(format!(
                                "header `{}` has both `value` and `value_base64`",
                                h.key
                            )));
                        }
                        (Some(text), None) => Some(Bytes::copy_from_slice(text.as_bytes())),
                        (None, Some(b64)) => {
                            Some(Bytes::from(BASE64.decode(b64.as_bytes()).map_err(|e| {
                                JsonlError(format!("header `{}`: not base64: {e}", h.key))
                            })?))
                        }
                        (None, None) => None,
                    };
                    record.headers.push(Header {
                        key: h.key.into_owned(),
                        value,
                    });
                }
            }
            "key" => {
                let bytes = json_bytes(raw);
                key_is_json = bytes.is_some();
                record.key = crate::record::Part::from_bytes(bytes);
            }
            "value" => {
                let bytes = json_bytes(raw);
                value_is_json = bytes.is_some();
                record.value = crate::record::Part::from_bytes(bytes);
            }
            "key_base64" => {
                record.key = crate::record::Part::from_bytes(decode_base64(field, raw)?)
            }
            "value_base64" => {
                record.value = crate::record::Part::from_bytes(decode_base64(field, raw)?)
            }
            _ => {}
        }
    }
    if layout.contains(&"key") && layout.contains(&"key_base64") {
        return Err(JsonlError(
            "a line has either `key` or `key_base64`, not both".into(),
        ));
    }
    if layout.contains(&"value") && layout.contains(&"value_base64") {
        return Err(JsonlError(
            "a line has either `value` or `value_base64`, not both".into(),
        ));
    }
    record.topic = topic.ok_or_else(|| JsonlError("missing field `topic`".into()))?;
    valid_topic(&record.topic)?;
    let origin = Origin {
        topic: record.topic.clone(),
        partition: record.partition,
        offset,
    };
    Ok(InputRecord {
        record,
        origin,
        layout: Layout { fields: layout },
        offset,
        key_is_json,
        value_is_json,
    })
}

/// Whether `bytes` can be written as a JSON value on one line.
fn embeddable(bytes: &[u8], known_json: bool) -> bool {
    if bytes.contains(&b'\n') || bytes.contains(&b'\r') {
        return false;
    }
    // serde_json does not check the UTF-8 of strings it ignores: a line must stay UTF-8.
    known_json
        || (switchyard_data::text::utf8(bytes).is_ok()
            && serde_json::from_slice::<serde::de::IgnoredAny>(bytes).is_ok())
}

fn write_json_string(out: &mut Vec<u8>, s: &str) {
    // serde_json's string escaping into a Vec cannot fail.
    let _ = serde_json::to_writer(&mut *out, s);
}

fn write_bytes_field(out: &mut Vec<u8>, name: &str, bytes: &Option<Bytes>, known_json: bool) {
    match bytes {
        None => {
            write_json_string(out, name);
            out.extend_from_slice(b":null");
        }
        Some(b) if embeddable(b, known_json) => {
            write_json_string(out, name);
            out.push(b':');
            out.extend_from_slice(b);
        }
        Some(b) => {
            write_json_string(out, &format!("{name}_base64"));
            out.push(b':');
            write_json_string(out, &BASE64.encode(b));
        }
    }
}

fn write_headers(out: &mut Vec<u8>, headers: &[Header]) {
    out.extend_from_slice(b"\"headers\":[");
    for (i, h) in headers.iter().enumerate() {
        if i > 0 {
            out.push(b',');
        }
        out.extend_from_slice(b"{\"key\":");
        write_json_string(out, &h.key);
        match &h.value {
            None => out.extend_from_slice(b",\"value\":null"),
            Some(v) => match std::str::from_utf8(v) {
                Ok(text) => {
                    out.extend_from_slice(b",\"value\":");
                    write_json_string(out, text);
                }
                Err(_) => {
                    out.extend_from_slice(b",\"value_base64\":");
                    write_json_string(out, &BASE64.encode(v));
                }
            },
        }
        out.push(b'}');
    }
    out.push(b']');
}

/// Appends `record` as one line (with its newline) to `out`, following `layout`.
pub fn write_line(out: &mut Vec<u8>, layout: &Layout, record: &OutputRecord) {
    out.push(b'{');
    let mut first = true;
    let mut sep = |out: &mut Vec<u8>| {
        if !first {
            out.push(b',');
        }
        first = false;
    };
    let mut written_key = false;
    let mut written_value = false;
    let mut written_headers = false;
    let mut written_partition = false;
    for field in &layout.fields {
        match *field {
            "topic" => {
                sep(out);
                out.extend_from_slice(b"\"topic\":");
                write_json_string(out, &record.topic);
            }
            "partition" => {
                sep(out);
                written_partition = true;
                out.extend_from_slice(b"\"partition\":");
                write_opt_int(out, record.partition.map(i64::from));
            }
            "offset" => {
                sep(out);
                out.extend_from_slice(b"\"offset\":");
                write_opt_int(out, record.offset);
            }
            "timestamp" => {
                sep(out);
                out.extend_from_slice(b"\"timestamp\":");
                write_opt_int(out, record.timestamp);
            }
            "headers" => {
                sep(out);
                written_headers = true;
                write_headers(out, &record.headers);
            }
            "key" | "key_base64" => {
                sep(out);
                written_key = true;
                write_bytes_field(out, "key", &record.key, record.key_is_json);
            }
            "value" | "value_base64" => {
                sep(out);
                written_value = true;
                write_bytes_field(out, "value", &record.value, record.value_is_json);
            }
            _ => {}
        }
    }
    if !written_partition && record.partition.is_some() {
        sep(out);
        out.extend_from_slice(b"\"partition\":");
        write_opt_int(out, record.partition.map(i64::from));
    }
    if !written_headers && !record.headers.is_empty() {
        sep(out);
        write_headers(out, &record.headers);
    }
    if !written_key && record.key.is_some() {
        sep(out);
        write_bytes_field(out, "key", &record.key, record.key_is_json);
    }
    if !written_value && record.value.is_some() {
        sep(out);
        write_bytes_field(out, "value", &record.value, record.value_is_json);
    }
    out.extend_from_slice(b"}\n");
}

fn write_opt_int(out: &mut Vec<u8>, v: Option<i64>) {
    match v {
        Some(v) => out.extend_from_slice(itoa::Buffer::new().format(v).as_bytes()),
        None => out.extend_from_slice(b"null"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn round_trip(line: &str) -> String {
        let input = parse_line(line).unwrap();
        let mut record = input.record;
        let output = OutputRecord {
            topic: record.topic.clone(),
            partition: record.partition,
            offset: input.offset,
            timestamp: record.timestamp,
            headers: std::mem::take(&mut record.headers),
            key: record.key.original_bytes().cloned().flatten(),
            key_is_json: input.key_is_json,
            value: record.value.original_bytes().cloned().flatten(),
            value_is_json: input.value_is_json,
        };
        let mut out = Vec::new();
        write_line(&mut out, &input.layout, &output);
        String::from_utf8(out).unwrap()
    }

    #[test]
    fn lines_round_trip_byte_for_byte() {
        for line in [
            r#"{"topic":"t","partition":0,"offset":7,"timestamp":1764028800078,"headers":[{"key":"trace","value":"abc"},{"key":"n","value":null}],"key":{"id":6},"value":null}"#,
            r#"{"topic":"t","key_base64":"AAEC","value":"text"}"#,
            r#"{"value":{"a":[1,2.5,"x"]},"topic":"t"}"#,
            r#"{"topic":"t","headers":[{"key":"bin","value_base64":"/wA="}],"key":null,"value":1}"#,
        ] {
            assert_eq!(round_trip(line).trim_end(), line);
        }
    }

    #[test]
    fn non_json_bytes_are_base64_and_absent_fields_appended() {
        let output = OutputRecord {
            topic: "t".into(),
            partition: Some(3),
            offset: None,
            timestamp: None,
            headers: vec![Header {
                key: "h".into(),
                value: Some(Bytes::from_static(&[0xff])),
            }],
            key: Some(Bytes::from_static(b"plain text")),
            key_is_json: false,
            value: Some(Bytes::from_static(b"{\n}")),
            value_is_json: true,
        };
        let mut out = Vec::new();
        write_line(
            &mut out,
            &Layout {
                fields: vec!["topic"],
            },
            &output,
        );
        assert_eq!(
            String::from_utf8(out).unwrap(),
            "{\"topic\":\"t\",\"partition\":3,\"headers\":[{\"key\":\"h\",\"value_base64\":\"/w==\"}],\"key_base64\":\"cGxhaW4gdGV4dA==\",\"value_base64\":\"ewp9\"}\n"
        );
    }

    #[test]
    fn bad_lines_are_clear_errors() {
        for (line, expected) in [
            ("not json", "not a JSON object"),
            (r#"{"value":1}"#, "missing field `topic`"),
            (r#"{"topic":"t","kye":1}"#, "unknown field `kye`"),
            (r#"{"topic":1}"#, "field `topic`"),
            (
                r#"{"topic":"t","key":1,"key_base64":"AA=="}"#,
                "either `key` or `key_base64`",
            ),
            (r#"{"topic":"t","value_base64":"!!"}"#, "not base64"),
            (r#"{"topic":"t","topic":"u"}"#, "appears twice"),
            (
                r#"{"topic":""}"#,
                "Topic name is illegal, it can't be empty",
            ),
            (r#"{"topic":".."}"#, "Topic name cannot be \".\" or \"..\""),
            (
                r#"{"topic":"a b"}"#,
                "contains a character other than ASCII alphanumerics",
            ),
        ] {
            let err = parse_line(line).unwrap_err();
            assert!(err.0.contains(expected), "{line}: {err}");
        }
    }

    /// Lines read one after another with the objects seen kept, as `apply` reads them, parse
    /// as each line alone does: the fixtures twice over, and each fixture line with its value
    /// schema broken after a well-formed copy of it was seen (a changed byte, a missing
    /// brace), which must still be refused.
    #[test]
    fn objects_seen_before_change_nothing() {
        let text = include_str!("../../../tests/fixtures/with-schema.jsonl");
        let mut lines: Vec<String> = text.lines().chain(text.lines()).map(String::from).collect();
        for line in text.lines().take(20) {
            lines.push(line.replacen(r#""fields":["#, r#""fields":[["#, 1));
            lines.push(line.replacen(r#""optional":false"#, r#""optional":fals"#, 1));
            lines.push(line.replacen(r#"},"payload""#, r#","payload""#, 1));
        }
        let mut seen = SeenObjects::default();
        let mut refused = 0;
        for line in &lines {
            let alone = parse_line(line);
            let after = parse_line_after(line, &mut seen);
            match (alone, after) {
                (Ok(a), Ok(b)) => {
                    assert_eq!(a.record.topic, b.record.topic);
                    assert_eq!(a.record.key.original_bytes(), b.record.key.original_bytes());
                    assert_eq!(
                        a.record.value.original_bytes(),
                        b.record.value.original_bytes()
                    );
                }
                (Err(a), Err(b)) => {
                    assert_eq!(a, b);
                    refused += 1;
                }
                (a, b) => panic!("{line}: alone {:?}, after others {:?}", a.err(), b.err()),
            }
        }
        assert_eq!(refused, 60);
    }

    /// The JSON embedded in a line is read by the JsonConverter's (Jackson's) rules: a number
    /// with leading zeros is JSON text there, and kept byte for byte.
    #[test]
    fn embedded_json_follows_the_converter() {
        let line = r#"{"topic":"t","value":{"n":007, "deep":[[[[1]]]]}}"#;
        let input = parse_line(line).unwrap_or_else(|e| panic!("{e}"));
        assert!(input.value_is_json);
        assert_eq!(
            input
                .record
                .value
                .original_bytes()
                .cloned()
                .flatten()
                .as_deref(),
            Some(&br#"{"n":007, "deep":[[[[1]]]]}"#[..])
        );
        let deep = format!(
            r#"{{"topic":"t","value":{}{}}}"#,
            "[".repeat(1001),
            "]".repeat(1001)
        );
        assert!(
            parse_line(&deep)
                .unwrap_err()
                .0
                .contains("nesting deeper than 1000 levels")
        );
    }
}

#[cfg(test)]
mod topic_tests {
    use super::*;

    /// A 50 MB topic name gives a message of a few hundred bytes, not of 50 MB.
    #[test]
    fn a_long_topic_name_is_refused_and_quoted_short() {
        let line = format!(r#"{{"topic":"{}","value":1}}"#, "t".repeat(50 << 20));
        let error = parse_line(&line).unwrap_err().to_string();
        assert!(
            error.contains("can't be longer than 249 characters"),
            "{}",
            &error[..200]
        );
        assert!(error.len() < 400, "{} bytes", error.len());
        assert!(parse_line(&format!(r#"{{"topic":"{}"}}"#, "t".repeat(249))).is_ok());
    }
}
