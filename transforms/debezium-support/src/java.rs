//! The JDK behaviours a port has to reproduce: number formatting, `String.split`, the class
//! names Kafka puts in its messages, Base64.

use switchyard_sdk::prelude::*;

/// Java's `Double.toString` (JDK 19+, the shortest representation that reads back the same):
/// `1.0`, `0.001`, `1.0E7`, `1.0E-4`, `NaN`, `Infinity`.
pub fn double_to_string(v: f64) -> String {
    if v.is_nan() {
        return "NaN".into();
    }
    if v.is_infinite() {
        return if v > 0.0 { "Infinity" } else { "-Infinity" }.into();
    }
    java_decimal(&format!("{v:e}"), v == 0.0 && v.is_sign_negative(), v.abs())
}

/// Java's `Float.toString` (JDK 19+), on the shortest digits of the `f32`.
pub fn float_to_string(v: f32) -> String {
    if v.is_nan() {
        return "NaN".into();
    }
    if v.is_infinite() {
        return if v > 0.0 { "Infinity" } else { "-Infinity" }.into();
    }
    java_decimal(
        &format!("{v:e}"),
        v == 0.0 && v.is_sign_negative(),
        f64::from(v.abs()),
    )
}

/// Formats Rust's shortest scientific form (`-1.25e-5`) the way Java does: plain notation
/// for magnitudes in [10⁻³, 10⁷), computerized scientific notation otherwise, and always at
/// least one digit after the point.
fn java_decimal(sci: &str, negative_zero: bool, magnitude: f64) -> String {
    let (mantissa, exponent) = sci.split_once('e').unwrap_or((sci, "0"));
    let exponent: i32 = exponent.parse().unwrap_or(0);
    let negative = mantissa.starts_with('-') || negative_zero;
    let digits: String = mantissa.chars().filter(char::is_ascii_digit).collect();
    let digits = digits.trim_end_matches('0');
    let digits = if digits.is_empty() { "0" } else { digits };
    let mut out = String::new();
    if negative {
        out.push('-');
    }
    if magnitude == 0.0 {
        out.push_str("0.0");
        return out;
    }
    if (1e-3..1e7).contains(&magnitude) {
        if exponent >= 0 {
            let int_len = exponent as usize + 1;
            if digits.len() <= int_len {
                out.push_str(digits);
                out.extend(std::iter::repeat_n('0', int_len - digits.len()));
                out.push_str(".0");
            } else {
                out.push_str(&digits[..int_len]);
                out.push('.');
                out.push_str(&digits[int_len..]);
            }
        } else {
            out.push_str("0.");
            out.extend(std::iter::repeat_n('0', (-exponent - 1) as usize));
            out.push_str(digits);
        }
    } else {
        out.push_str(&digits[..1]);
        out.push('.');
        out.push_str(if digits.len() > 1 { &digits[1..] } else { "0" });
        out.push('E');
        out.push_str(&exponent.to_string());
    }
    out
}

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

const BASE64: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

/// Standard Base64 with padding (`java.util.Base64.getEncoder()`).
pub fn base64_encode(bytes: &[u8]) -> String {
    let mut out = String::with_capacity(bytes.len().div_ceil(3) * 4);
    for chunk in bytes.chunks(3) {
        let b = [
            chunk[0],
            chunk.get(1).copied().unwrap_or(0),
            chunk.get(2).copied().unwrap_or(0),
        ];
        let n = (u32::from(b[0]) << 16) | (u32::from(b[1]) << 8) | u32::from(b[2]);
        for i in 0..4 {
            if i <= chunk.len() {
                out.push(BASE64[((n >> (18 - 6 * i)) & 63) as usize] as char);
            } else {
                out.push('=');
            }
        }
    }
    out
}

/// Decodes standard Base64 (padding optional); `None` if malformed.
pub fn base64_decode(text: &str) -> Option<Vec<u8>> {
    let text = text.trim_end_matches('=');
    let mut out = Vec::with_capacity(text.len() * 3 / 4);
    let mut acc = 0u32;
    let mut bits = 0;
    for c in text.bytes() {
        let v = BASE64.iter().position(|&b| b == c)? as u32;
        acc = (acc << 6) | v;
        bits += 6;
        if bits >= 8 {
            bits -= 8;
            out.push((acc >> bits) as u8);
        }
    }
    Some(out)
}

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
