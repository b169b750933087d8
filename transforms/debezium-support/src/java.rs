//! The JDK behaviours a port has to reproduce: number formatting, `String.split`, the class
//! names Kafka puts in its messages, Base64.

use switchyard_sdk::prelude::*;

/// Java's `Double.toString` and `Float.toString` (JDK 19+, the shortest representation that
/// reads back the same): `1.0`, `0.001`, `1.0E7`, `1.0E-4`, `NaN`, `Infinity`.
pub use connect_util::java::{double_to_string, float_to_string};

/// Java's `String.split` with a one-character literal separator: trailing empty strings are
/// removed (`"a:b:"` → `["a", "b"]`), and an empty input gives one empty string.
pub fn split(s: &str, separator: char) -> Vec<&str> {
    let mut parts: Vec<&str> = s.split(separator).collect();
    while parts.len() > 1 && parts.last() == Some(&"") {
        parts.pop();
    }
    if parts.len() == 1 && parts[0].is_empty() && !s.is_empty() {
        // Only separators: Java gives an empty array.
        parts.clear();
    }
    parts
}

/// Whether `String.trim().isEmpty()` holds: every character is at most U+0020.
pub fn is_blank(s: &str) -> bool {
    s.chars().all(|c| c <= '\u{20}')
}

/// The Java class Kafka Connect holds a node of this type in, as named in Kafka's messages
/// (`Requirements.requireStruct`: `… found: java.util.HashMap`).
pub fn class_name(view: &PartView<'_>, path: &[&str]) -> String {
    let schema = view.schema(path).ok().flatten();
    let kind = match &schema {
        Some(info) => Some(info.type_),
        None => match view.get(path) {
            Ok(Scalar::Null) => return "null".into(),
            Ok(scalar) => return scalar_class(&scalar).into(),
            Err(_) => {
                if view.field_names(path).is_ok() {
                    Some(SchemaType::Map)
                } else {
                    Some(SchemaType::Array)
                }
            }
        },
    };
    if let (Some(_), Ok(Scalar::Null)) = (&schema, view.get(path)) {
        return "null".into();
    }
    match kind {
        Some(SchemaType::Struct) => "org.apache.kafka.connect.data.Struct",
        Some(SchemaType::Map) => "java.util.HashMap",
        Some(SchemaType::Array) => "java.util.ArrayList",
        Some(SchemaType::String) => "java.lang.String",
        Some(SchemaType::Int8) => "java.lang.Byte",
        Some(SchemaType::Int16) => "java.lang.Short",
        Some(SchemaType::Int32) => "java.lang.Integer",
        Some(SchemaType::Int64) => "java.lang.Long",
        Some(SchemaType::Float32) => "java.lang.Float",
        Some(SchemaType::Float64) => "java.lang.Double",
        Some(SchemaType::Boolean) => "java.lang.Boolean",
        Some(SchemaType::Bytes) => "[B",
        None => "null",
    }
    .into()
}

/// The Java class of a scalar value.
pub fn scalar_class(scalar: &Scalar) -> &'static str {
    match scalar {
        Scalar::Null => "null",
        Scalar::Boolean(_) => "java.lang.Boolean",
        Scalar::Int8(_) => "java.lang.Byte",
        Scalar::Int16(_) => "java.lang.Short",
        Scalar::Int32(_) => "java.lang.Integer",
        Scalar::Int64(_) => "java.lang.Long",
        Scalar::Float32(_) => "java.lang.Float",
        Scalar::Float64(_) => "java.lang.Double",
        Scalar::String(_) => "java.lang.String",
        Scalar::Bytes(_) => "[B",
    }
}

/// Kafka's `Requirements.requireStruct` message.
pub fn require_struct_message(purpose: &str, found: &str) -> String {
    format!("Only Struct objects supported for [{purpose}], found: {found}")
}

/// Standard Base64 with padding (`java.util.Base64.getEncoder()`).
pub use connect_util::base64::encode as base64_encode;

/// Decodes standard Base64 (padding optional, as `java.util.Base64.getDecoder()`); `None` if
/// malformed.
pub use connect_util::base64::decode as base64_decode;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn doubles_like_java() {
        for (v, s) in [
            (1.0, "1.0"),
            (0.0, "0.0"),
            (-0.0, "-0.0"),
            (1.5, "1.5"),
            (100.0, "100.0"),
            (1234567.0, "1234567.0"),
            (1e7, "1.0E7"),
            (12345678.9, "1.23456789E7"),
            (0.001, "0.001"),
            (0.0001, "1.0E-4"),
            (-2.5e-5, "-2.5E-5"),
            (123.456, "123.456"),
            (0.1 + 0.2, "0.30000000000000004"),
            (f64::NAN, "NaN"),
            (f64::NEG_INFINITY, "-Infinity"),
        ] {
            assert_eq!(double_to_string(v), s, "{v}");
        }
        assert_eq!(float_to_string(1.1f32), "1.1");
        assert_eq!(float_to_string(3.0e10f32), "3.0E10");
    }

    #[test]
    fn split_like_java() {
        assert_eq!(split("a:b", ':'), vec!["a", "b"]);
        assert_eq!(split("a:b:", ':'), vec!["a", "b"]);
        assert_eq!(split("a::b", ':'), vec!["a", "", "b"]);
        assert_eq!(split("", ':'), vec![""]);
        assert_eq!(split(":", ':'), Vec::<&str>::new());
        assert_eq!(split(":a", ':'), vec!["", "a"]);
    }

    #[test]
    fn base64() {
        for (bytes, text) in [
            (&b""[..], ""),
            (b"f", "Zg=="),
            (b"fo", "Zm8="),
            (b"foo", "Zm9v"),
            (b"\x07\xcf", "B88="),
        ] {
            assert_eq!(base64_encode(bytes), text);
            assert_eq!(base64_decode(text).as_deref(), Some(bytes));
        }
        assert_eq!(base64_decode("a*"), None);
    }
}
