//! Header values between Connect data and bytes.
//!
//! In Kafka Connect a header carries a schema and a value, and the worker's header converter
//! (`org.apache.kafka.connect.storage.SimpleHeaderConverter` by default) turns it into bytes and
//! back. Switchyard headers are bytes, so a transform that adds a header from Connect data
//! (Debezium's `add.headers`, the outbox router's `id`) writes what that converter would write
//! ([`to_header`]), and one that reads a header as data (`HeaderToValue`) infers its schema as
//! the converter would ([`from_header`]).

use switchyard_sdk::prelude::*;

use crate::java::{base64_encode, double_to_string, float_to_string};
use crate::schema::plain;

/// Connect's logical type `Decimal`.
pub const DECIMAL: &str = "org.apache.kafka.connect.data.Decimal";
/// Connect's logical type `Date` (`int32` days since the epoch).
pub const DATE: &str = "org.apache.kafka.connect.data.Date";
/// Connect's logical type `Time` (`int32` milliseconds of the day).
pub const TIME: &str = "org.apache.kafka.connect.data.Time";
/// Connect's logical type `Timestamp` (`int64` milliseconds since the epoch).
pub const TIMESTAMP: &str = "org.apache.kafka.connect.data.Timestamp";

const MILLIS_PER_DAY: i64 = 86_400_000;

/// The bytes `SimpleHeaderConverter.fromConnectHeader` writes for a value with this schema:
/// `Values.convertToString`, UTF-8. `None` for a null value.
///
/// Strings as they are, numbers as Java prints them (`Double.toString` for floating point),
/// booleans as `true`/`false`, bytes in Base64, a `Decimal` as `BigDecimal.toString`, and
/// `Date`, `Time`, `Timestamp` in `Values`' ISO formats (`2024-01-15`, `10:30:00.123Z`,
/// `2024-01-15T10:30:00.123Z`).
pub fn to_header(value: &Scalar, schema: Option<&SchemaInfo>) -> Option<Vec<u8>> {
    let logical = schema.and_then(|s| s.name.as_deref());
    let text = match value {
        Scalar::Null => return None,
        Scalar::String(s) => s.clone(),
        Scalar::Boolean(b) => b.to_string(),
        Scalar::Int8(v) => v.to_string(),
        Scalar::Int16(v) => v.to_string(),
        Scalar::Int32(v) => match logical {
            Some(DATE) => format_date_millis(i64::from(*v) * MILLIS_PER_DAY),
            Some(TIME) => format_date_millis(i64::from(*v)),
            _ => v.to_string(),
        },
        Scalar::Int64(v) => match logical {
            Some(TIMESTAMP) => format_date_millis(*v),
            _ => v.to_string(),
        },
        Scalar::Float32(v) => float_to_string(*v),
        Scalar::Float64(v) => double_to_string(*v),
        Scalar::Bytes(b) => match (logical, schema) {
            (Some(DECIMAL), Some(s)) => {
                let scale = s
                    .parameters
                    .iter()
                    .find(|(k, _)| k == "scale")
                    .and_then(|(_, v)| v.parse().ok())
                    .unwrap_or(0);
                big_decimal_to_string(b, scale).unwrap_or_else(|| base64_encode(b))
            }
            _ => base64_encode(b),
        },
    };
    Some(text.into_bytes())
}

/// `Values.dateFormatFor(date).format(date)` in UTC: a time for less than a day since the
/// epoch, a date for whole days, a timestamp otherwise.
fn format_date_millis(millis: i64) -> String {
    let days = millis.div_euclid(MILLIS_PER_DAY);
    let ms = millis.rem_euclid(MILLIS_PER_DAY);
    let (y, m, d) = civil_from_days(days);
    let time = format!(
        "{:02}:{:02}:{:02}.{:03}Z",
        ms / 3_600_000,
        ms / 60_000 % 60,
        ms / 1000 % 60,
        ms % 1000
    );
    if (0..MILLIS_PER_DAY).contains(&millis) {
        time
    } else if ms == 0 {
        format!("{y:04}-{m:02}-{d:02}")
    } else {
        format!("{y:04}-{m:02}-{d:02}T{time}")
    }
}

/// The proleptic Gregorian date of a day count since 1970-01-01 (Howard Hinnant's algorithm).
pub fn civil_from_days(days: i64) -> (i64, u32, u32) {
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let y = yoe + era * 400;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = (doy - (153 * mp + 2) / 5 + 1) as u32;
    let m = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
    (if m <= 2 { y + 1 } else { y }, m, d)
}

/// `BigDecimal.toString` of an unscaled big-endian two's-complement integer and a scale; `None`
/// beyond 128 bits.
pub fn big_decimal_to_string(unscaled: &[u8], scale: i32) -> Option<String> {
    if unscaled.len() > 16 {
        return None;
    }
    let mut value: i128 = if unscaled.first().is_some_and(|b| b & 0x80 != 0) {
        -1
    } else {
        0
    };
    for b in unscaled {
        value = (value << 8) | i128::from(*b);
    }
    let digits = value.unsigned_abs().to_string();
    let mut out = String::new();
    if value < 0 {
        out.push('-');
    }
    let len = digits.len() as i64;
    let adjusted = -i64::from(scale) + (len - 1);
    if scale >= 0 && adjusted >= -6 {
        let scale = scale as usize;
        if scale == 0 {
            out.push_str(&digits);
        } else if digits.len() > scale {
            out.push_str(&digits[..digits.len() - scale]);
            out.push('.');
            out.push_str(&digits[digits.len() - scale..]);
        } else {
            out.push_str("0.");
            out.extend(std::iter::repeat_n('0', scale - digits.len()));
            out.push_str(&digits);
        }
    } else {
        out.push_str(&digits[..1]);
        if digits.len() > 1 {
            out.push('.');
            out.push_str(&digits[1..]);
        }
        out.push('E');
        if adjusted > 0 {
            out.push('+');
        }
        out.push_str(&adjusted.to_string());
    }
    Some(out)
}

/// What `SimpleHeaderConverter.toConnectHeader` reads from header bytes: `None` for a null
/// value (or the text `null`); otherwise the schema and value `Values.parseString` infers.
///
/// Inferred: the empty string and any other text as a required `STRING`; `true` / `false`
/// (any case) as `BOOLEAN`; an integer as the smallest of `INT8`, `INT16`, `INT32`, `INT64`
/// that holds it; a decimal number as `FLOAT32` when a `float` holds it exactly, else
/// `FLOAT64`. Not inferred (kept as strings): arrays, maps, dates and times, and integers
/// beyond 64 bits (Kafka reads those as `Decimal`).
pub fn from_header(bytes: Option<&[u8]>) -> Option<(SchemaInfo, Scalar)> {
    let text = String::from_utf8_lossy(bytes?).into_owned();
    if text.is_empty() {
        return Some((plain(SchemaType::String, false), Scalar::String(text)));
    }
    if text == "null" {
        return None;
    }
    if text.eq_ignore_ascii_case("true") || text.eq_ignore_ascii_case("false") {
        let b = text.eq_ignore_ascii_case("true");
        return Some((plain(SchemaType::Boolean, false), Scalar::Boolean(b)));
    }
    if is_integer_literal(&text) {
        if let Ok(v) = text.parse::<i8>() {
            return Some((plain(SchemaType::Int8, false), Scalar::Int8(v)));
        }
        if let Ok(v) = text.parse::<i16>() {
            return Some((plain(SchemaType::Int16, false), Scalar::Int16(v)));
        }
        if let Ok(v) = text.parse::<i32>() {
            return Some((plain(SchemaType::Int32, false), Scalar::Int32(v)));
        }
        if let Ok(v) = text.parse::<i64>() {
            return Some((plain(SchemaType::Int64, false), Scalar::Int64(v)));
        }
    } else if is_decimal_literal(&text)
        && let Ok(d) = text.parse::<f64>()
        && d.is_finite()
    {
        let f = d as f32;
        if f64::from(f) == d {
            return Some((plain(SchemaType::Float32, false), Scalar::Float32(f)));
        }
        return Some((plain(SchemaType::Float64, false), Scalar::Float64(d)));
    }
    Some((plain(SchemaType::String, false), Scalar::String(text)))
}

fn is_integer_literal(s: &str) -> bool {
    let digits = s.strip_prefix('-').unwrap_or(s);
    !digits.is_empty() && digits.bytes().all(|b| b.is_ascii_digit())
}

fn is_decimal_literal(s: &str) -> bool {
    let body = s.strip_prefix('-').unwrap_or(s);
    let (mantissa, exponent) = match body.find(['e', 'E']) {
        Some(i) => (&body[..i], Some(&body[i + 1..])),
        None => (body, None),
    };
    let (int, frac) = mantissa.split_once('.').unwrap_or((mantissa, ""));
    let digits = |t: &str| t.bytes().all(|b| b.is_ascii_digit());
    let mantissa_ok = (!int.is_empty() || !frac.is_empty()) && digits(int) && digits(frac);
    let exponent_ok = exponent.is_none_or(|e| {
        let e = e.strip_prefix(['+', '-']).unwrap_or(e);
        !e.is_empty() && digits(e)
    });
    mantissa_ok && exponent_ok && (mantissa.contains('.') || exponent.is_some())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn text(value: Scalar, schema: Option<&SchemaInfo>) -> Option<String> {
        to_header(&value, schema).map(|b| String::from_utf8_lossy(&b).into_owned())
    }

    fn named(kind: SchemaType, name: &str, params: &[(&str, &str)]) -> SchemaInfo {
        SchemaInfo {
            name: Some(name.into()),
            parameters: params
                .iter()
                .map(|(k, v)| ((*k).into(), (*v).into()))
                .collect(),
            ..plain(kind, true)
        }
    }

    #[test]
    fn values_convert_to_string() {
        assert_eq!(text(Scalar::String("c".into()), None).as_deref(), Some("c"));
        assert_eq!(text(Scalar::Int32(1234), None).as_deref(), Some("1234"));
        assert_eq!(text(Scalar::Int64(-5), None).as_deref(), Some("-5"));
        assert_eq!(text(Scalar::Float64(1.0), None).as_deref(), Some("1.0"));
        assert_eq!(text(Scalar::Boolean(true), None).as_deref(), Some("true"));
        assert_eq!(
            text(Scalar::Bytes(vec![1, 2, 3]), None).as_deref(),
            Some("AQID")
        );
        assert_eq!(text(Scalar::Null, None), None);
        let decimal = named(SchemaType::Bytes, DECIMAL, &[("scale", "2")]);
        assert_eq!(
            text(Scalar::Bytes(vec![0x07, 0xcf]), Some(&decimal)).as_deref(),
            Some("19.99")
        );
        let date = named(SchemaType::Int32, DATE, &[]);
        assert_eq!(
            text(Scalar::Int32(19737), Some(&date)).as_deref(),
            Some("2024-01-15")
        );
        let ts = named(SchemaType::Int64, TIMESTAMP, &[]);
        assert_eq!(
            text(Scalar::Int64(1_705_314_600_123), Some(&ts)).as_deref(),
            Some("2024-01-15T10:30:00.123Z")
        );
        let time = named(SchemaType::Int32, TIME, &[]);
        assert_eq!(
            text(Scalar::Int32(37_800_123), Some(&time)).as_deref(),
            Some("10:30:00.123Z")
        );
    }

    #[test]
    fn big_decimals() {
        assert_eq!(
            big_decimal_to_string(&[0xf8, 0x31], 2).as_deref(),
            Some("-19.99")
        );
        assert_eq!(big_decimal_to_string(&[5], 3).as_deref(), Some("0.005"));
        assert_eq!(big_decimal_to_string(&[5], 0).as_deref(), Some("5"));
        assert_eq!(big_decimal_to_string(&[5], 9).as_deref(), Some("5E-9"));
        assert_eq!(big_decimal_to_string(&[12], -2).as_deref(), Some("1.2E+3"));
    }

    #[test]
    fn headers_are_parsed_like_simple_header_converter() {
        let parse = |s: &str| from_header(Some(s.as_bytes()));
        assert_eq!(
            parse("abc").map(|(_, v)| v),
            Some(Scalar::String("abc".into()))
        );
        assert_eq!(
            parse("").map(|(_, v)| v),
            Some(Scalar::String(String::new()))
        );
        assert_eq!(parse("TRUE").map(|(_, v)| v), Some(Scalar::Boolean(true)));
        assert_eq!(parse("12").map(|(_, v)| v), Some(Scalar::Int8(12)));
        assert_eq!(parse("1000").map(|(_, v)| v), Some(Scalar::Int16(1000)));
        assert_eq!(
            parse("100000").map(|(_, v)| v),
            Some(Scalar::Int32(100_000))
        );
        assert_eq!(
            parse("10000000000").map(|(_, v)| v),
            Some(Scalar::Int64(10_000_000_000))
        );
        assert_eq!(parse("1.5").map(|(_, v)| v), Some(Scalar::Float32(1.5)));
        assert_eq!(parse("0.1").map(|(_, v)| v), Some(Scalar::Float64(0.1)));
        assert_eq!(
            parse("1.2.3").map(|(_, v)| v),
            Some(Scalar::String("1.2.3".into()))
        );
        assert_eq!(from_header(None), None);
        assert_eq!(parse("null"), None);
    }
}
