//! Java's text for numbers (`Double.toString`, `Float.toString`), its number parsers
//! (`Long.parseLong`, `Double.parseDouble`, …) and the class names Kafka puts in its messages.

use switchyard_sdk::{Scalar, SchemaInfo, SchemaType};

use crate::fields::{DATE, DECIMAL, TIME, TIMESTAMP};

/// `Double.toString(v)` (Java 19 and later: the shortest decimal that reads back as `v`).
pub fn double_to_string(v: f64) -> String {
    if v.is_nan() {
        return "NaN".into();
    }
    if v.is_infinite() {
        return if v > 0.0 { "Infinity" } else { "-Infinity" }.into();
    }
    if v == 0.0 {
        return if v.is_sign_negative() { "-0.0" } else { "0.0" }.into();
    }
    java_notation(&java_digits(v, format!("{v:e}"), format!("{v:.1e}")))
}

/// Java's digits for a float whose shortest round-tripping decimal is `shortest` (Rust's
/// `{:e}`) and whose two-digit rounding is `two` (`{:.1e}`, exact): Java prints at least two
/// digits, and among the two-digit decimals that read back as `v` it picks the closest to `v`,
/// not the shortest padded with a zero. That differs only for the smallest subnormals:
/// `Double.MIN_VALUE` is `4.9E-324`, not `5.0E-324`; `Float.MIN_VALUE` `1.4E-45`.
fn java_digits<F: std::str::FromStr + PartialEq>(v: F, shortest: String, two: String) -> String {
    let one_digit = shortest
        .split_once('e')
        .is_some_and(|(m, _)| m.trim_start_matches('-').len() == 1);
    // `d.0` is the shortest padded: only another second digit changes the text.
    let second_nonzero = two.trim_start_matches('-').as_bytes().get(2) != Some(&b'0');
    if one_digit && second_nonzero && two.parse::<F>().ok() == Some(v) {
        two
    } else {
        shortest
    }
}

/// `Float.toString(v)` (Java 19 and later).
pub fn float_to_string(v: f32) -> String {
    if v.is_nan() {
        return "NaN".into();
    }
    if v.is_infinite() {
        return if v > 0.0 { "Infinity" } else { "-Infinity" }.into();
    }
    if v == 0.0 {
        return if v.is_sign_negative() { "-0.0" } else { "0.0" }.into();
    }
    java_notation(&java_digits(v, format!("{v:e}"), format!("{v:.1e}")))
}

/// Rewrites Rust's shortest scientific form (`-1.25e-5`) in Java's notation: plain decimal for
/// magnitudes in [10⁻³, 10⁷), else `d.dddE±n`, always with a digit after the point.
fn java_notation(sci: &str) -> String {
    let (negative, rest) = match sci.strip_prefix('-') {
        Some(rest) => (true, rest),
        None => (false, sci),
    };
    let (mantissa, exponent) = rest.split_once('e').unwrap_or((rest, "0"));
    let exponent: i32 = exponent.parse().unwrap_or(0);
    let digits: String = mantissa.chars().filter(char::is_ascii_digit).collect();
    let mut out = String::with_capacity(digits.len() + 8);
    if negative {
        out.push('-');
    }
    if (-3..7).contains(&exponent) {
        if exponent >= 0 {
            let int_len = exponent as usize + 1;
            if digits.len() <= int_len {
                out.push_str(&digits);
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
            out.push_str(&digits);
        }
    } else {
        out.push_str(&digits[..1]);
        out.push('.');
        if digits.len() > 1 {
            out.push_str(&digits[1..]);
        } else {
            out.push('0');
        }
        out.push('E');
        out.push_str(&exponent.to_string());
    }
    out
}

/// `Long.parseLong(s)`: an optional sign and ASCII digits, nothing else, within range.
pub fn parse_long(s: &str) -> Option<i64> {
    let digits = s.strip_prefix(['+', '-']).unwrap_or(s);
    if digits.is_empty() || !digits.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    if let Some(rest) = s.strip_prefix('+') {
        return rest.parse().ok();
    }
    s.parse().ok()
}

/// `Integer.parseInt(s)`.
pub fn parse_int(s: &str) -> Option<i32> {
    parse_long(s).and_then(|v| i32::try_from(v).ok())
}

/// `Short.parseShort(s)`.
pub fn parse_short(s: &str) -> Option<i16> {
    parse_long(s).and_then(|v| i16::try_from(v).ok())
}

/// `Byte.parseByte(s)`.
pub fn parse_byte(s: &str) -> Option<i8> {
    parse_long(s).and_then(|v| i8::try_from(v).ok())
}

/// The text of a Java floating-point literal as `Double.parseDouble` accepts it, normalised for
/// Rust's parser: surrounding whitespace trimmed (`String.trim`), `NaN` and `Infinity` with an
/// optional sign, decimal digits with an optional exponent and an optional `f`/`d` suffix.
/// Hexadecimal literals are not accepted.
fn java_float_text(s: &str) -> Option<String> {
    let s = switchyard_sdk::config::java_trim(s);
    let (sign, body) = match s.as_bytes().first() {
        Some(b'-') => ("-", &s[1..]),
        Some(b'+') => ("", &s[1..]),
        _ => ("", s),
    };
    if body == "NaN" {
        return Some("NaN".into());
    }
    if body == "Infinity" {
        return Some(format!("{sign}inf"));
    }
    let body = body.strip_suffix(['f', 'F', 'd', 'D']).unwrap_or(body);
    let (mantissa, exponent) = match body.find(['e', 'E']) {
        Some(i) => (&body[..i], Some(&body[i + 1..])),
        None => (body, None),
    };
    let (int, frac) = mantissa.split_once('.').unwrap_or((mantissa, ""));
    let digits = |t: &str| t.bytes().all(|b| b.is_ascii_digit());
    if int.is_empty() && frac.is_empty() || !digits(int) || !digits(frac) {
        return None;
    }
    if let Some(e) = exponent {
        let e = e.strip_prefix(['+', '-']).unwrap_or(e);
        if e.is_empty() || !digits(e) {
            return None;
        }
    }
    Some(format!("{sign}{body}"))
}

/// `Double.parseDouble(s)`.
pub fn parse_double(s: &str) -> Option<f64> {
    java_float_text(s)?.parse().ok()
}

/// `Float.parseFloat(s)` (rounded once, from the decimal text to a float).
pub fn parse_float(s: &str) -> Option<f32> {
    java_float_text(s)?.parse().ok()
}

/// `Boolean.parseBoolean(s)`: `true` in any case, anything else is false.
pub fn parse_boolean(s: &str) -> bool {
    s.eq_ignore_ascii_case("true")
}

/// The Java class (`Class.getName()`) of a schema'd Connect value with this schema, as Kafka's
/// converters build it: `java.lang.Integer` for INT32, `java.util.Date` for the temporal logical
/// types, `java.math.BigDecimal` for `Decimal`, `[B` for BYTES, …
pub fn class_of_schema(info: &SchemaInfo) -> &'static str {
    match info.name.as_deref() {
        Some(DATE | TIME) if info.type_ == SchemaType::Int32 => return "java.util.Date",
        Some(TIMESTAMP) if info.type_ == SchemaType::Int64 => return "java.util.Date",
        Some(DECIMAL) if info.type_ == SchemaType::Bytes => return "java.math.BigDecimal",
        _ => {}
    }
    class_of_type(info.type_)
}

/// The Java class of a Connect value of this type without a logical name.
pub fn class_of_type(kind: SchemaType) -> &'static str {
    match kind {
        SchemaType::Int8 => "java.lang.Byte",
        SchemaType::Int16 => "java.lang.Short",
        SchemaType::Int32 => "java.lang.Integer",
        SchemaType::Int64 => "java.lang.Long",
        SchemaType::Float32 => "java.lang.Float",
        SchemaType::Float64 => "java.lang.Double",
        SchemaType::Boolean => "java.lang.Boolean",
        SchemaType::String => "java.lang.String",
        SchemaType::Bytes => "[B",
        SchemaType::Array => "java.util.ArrayList",
        SchemaType::Map => "java.util.HashMap",
        SchemaType::Struct => "org.apache.kafka.connect.data.Struct",
    }
}

/// The Java class of a scalar, or `None` for null.
pub fn class_of_scalar(value: &Scalar) -> Option<&'static str> {
    scalar_type(value).map(class_of_type)
}

/// The Connect type of a scalar, or `None` for null.
pub fn scalar_type(value: &Scalar) -> Option<SchemaType> {
    Some(match value {
        Scalar::Null => return None,
        Scalar::Boolean(_) => SchemaType::Boolean,
        Scalar::Int8(_) => SchemaType::Int8,
        Scalar::Int16(_) => SchemaType::Int16,
        Scalar::Int32(_) => SchemaType::Int32,
        Scalar::Int64(_) => SchemaType::Int64,
        Scalar::Float32(_) => SchemaType::Float32,
        Scalar::Float64(_) => SchemaType::Float64,
        Scalar::String(_) => SchemaType::String,
        Scalar::Bytes(_) => SchemaType::Bytes,
    })
}

/// The upper-case name of a type as `Schema.Type.toString()` gives it (`INT32`, `STRUCT`, …).
pub fn type_name(kind: SchemaType) -> &'static str {
    match kind {
        SchemaType::Int8 => "INT8",
        SchemaType::Int16 => "INT16",
        SchemaType::Int32 => "INT32",
        SchemaType::Int64 => "INT64",
        SchemaType::Float32 => "FLOAT32",
        SchemaType::Float64 => "FLOAT64",
        SchemaType::Boolean => "BOOLEAN",
        SchemaType::String => "STRING",
        SchemaType::Bytes => "BYTES",
        SchemaType::Array => "ARRAY",
        SchemaType::Map => "MAP",
        SchemaType::Struct => "STRUCT",
    }
}

/// `ConnectSchema.toString()`: `Schema{name:TYPE}`, or `Schema{TYPE}` without a name.
pub fn schema_to_string(info: &SchemaInfo) -> String {
    match &info.name {
        Some(name) => format!("Schema{{{name}:{}}}", type_name(info.type_)),
        None => format!("Schema{{{}}}", type_name(info.type_)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn doubles_print_like_java() {
        for (v, text) in [
            (1.0, "1.0"),
            (-64.0, "-64.0"),
            (0.1, "0.1"),
            (1e-3, "0.001"),
            (9.99e-4, "9.99E-4"),
            (1e7, "1.0E7"),
            (9_999_999.0, "9999999.0"),
            (123_456_789.0, "1.23456789E8"),
            (9.223_372_036_854_776e18, "9.223372036854776E18"),
            (42.125, "42.125"),
            (-0.0, "-0.0"),
            (f64::NAN, "NaN"),
            (f64::NEG_INFINITY, "-Infinity"),
            (f64::from_bits(1), "4.9E-324"),
            // Java 19+; Java 17 printed "1.0E-323" here.
            (f64::from_bits(2), "9.9E-324"),
            (f64::MAX, "1.7976931348623157E308"),
            (2e-323, "2.0E-323"),
        ] {
            assert_eq!(double_to_string(v), text, "{v}");
        }
        assert_eq!(float_to_string(f32::from_bits(1)), "1.4E-45");
        assert_eq!(float_to_string(32.0), "32.0");
        assert_eq!(float_to_string(0.1), "0.1");
        assert_eq!(float_to_string(1.0e10), "1.0E10");
        assert_eq!(float_to_string(2.718_281_7), "2.7182817");
    }

    #[test]
    fn integers_parse_like_java() {
        assert_eq!(parse_long("42"), Some(42));
        assert_eq!(parse_long("+42"), Some(42));
        assert_eq!(parse_long("-9223372036854775808"), Some(i64::MIN));
        for bad in [
            "",
            "+",
            "-",
            " 1",
            "1 ",
            "1.0",
            "9223372036854775808",
            "0x1",
            "++1",
        ] {
            assert_eq!(parse_long(bad), None, "{bad:?}");
        }
        assert_eq!(parse_byte("127"), Some(127));
        assert_eq!(parse_byte("128"), None);
        assert_eq!(parse_short("-32768"), Some(i16::MIN));
        assert_eq!(parse_int("2147483648"), None);
    }

    #[test]
    fn floats_parse_like_java() {
        assert_eq!(parse_double(" 1.5 "), Some(1.5));
        assert_eq!(parse_double("1e3"), Some(1000.0));
        assert_eq!(parse_double(".5"), Some(0.5));
        assert_eq!(parse_double("5."), Some(5.0));
        assert_eq!(parse_double("2.5f"), Some(2.5));
        assert_eq!(parse_double("-Infinity"), Some(f64::NEG_INFINITY));
        assert!(parse_double("NaN").is_some_and(f64::is_nan));
        for bad in ["", ".", "inf", "nan", "1e", "1x", "infinity", "1.2.3", "e5"] {
            assert_eq!(parse_double(bad), None, "{bad:?}");
        }
        assert_eq!(parse_float("42.125"), Some(42.125));
    }

    #[test]
    fn booleans_parse_like_java() {
        assert!(parse_boolean("TRUE"));
        assert!(!parse_boolean("yes"));
        assert!(!parse_boolean(" true"));
    }
}
