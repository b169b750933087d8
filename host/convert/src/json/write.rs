//! Writing Connect schemas and values as JSON straight into a byte buffer, byte for byte as
//! `JsonConverter.asJsonSchema` / `convertToJson` and Jackson's `UTF8JsonGenerator` (compact,
//! default features) write them.

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD as BASE64;

use super::DECIMAL_LOGICAL_NAME;
use super::read::{JErr, Seg, decimal_scale};
use switchyard_data::{Schema, SchemaType, Value};

/// The settings that shape output.
#[derive(Debug, Clone, Copy)]
pub(super) struct Opts {
    /// `decimal.format=NUMERIC`.
    pub numeric_decimals: bool,
    /// `replace.null.with.default`.
    pub replace_null_with_default: bool,
    /// Every field name of the schema being written needs no escaping
    /// (`read::plain_names`): they are copied as they are.
    pub plain_names: bool,
}

impl Default for Opts {
    fn default() -> Self {
        Opts {
            numeric_decimals: false,
            replace_null_with_default: true,
            plain_names: false,
        }
    }
}

// ---------------------------------------------------------------------------------------------
// Schemas

/// Writes a schema (`asJsonSchema`). With `strict` false a default that does not fit its
/// schema is written without it (or left out), and a container schema missing its element
/// schemas is written with `null` there, so writing cannot fail.
pub(super) fn schema(
    out: &mut Vec<u8>,
    schema: &Schema,
    opts: &Opts,
    strict: bool,
) -> Result<(), JErr> {
    schema_entry(out, schema, opts, strict, None)
}

fn schema_entry(
    out: &mut Vec<u8>,
    schema: &Schema,
    opts: &Opts,
    strict: bool,
    field: Option<&str>,
) -> Result<(), JErr> {
    out.extend_from_slice(b"{\"type\":\"");
    out.extend_from_slice(schema.kind.json_name().as_bytes());
    out.push(b'"');
    let nested = |out: &mut Vec<u8>, key: &[u8], inner: Option<&Schema>, name: &str| {
        out.extend_from_slice(key);
        match inner {
            Some(inner) => {
                schema_entry(out, inner, opts, strict, None).map_err(|e| e.at_field(name))
            }
            None if strict => Err(JErr::here(format!(
                "{} schema without its {name} schema",
                schema.kind.upper_name()
            ))),
            None => {
                out.extend_from_slice(b"null");
                Ok(())
            }
        }
    };
    match schema.kind {
        SchemaType::Struct => {
            out.extend_from_slice(b",\"fields\":[");
            for (i, f) in schema.fields.iter().enumerate() {
                if i > 0 {
                    out.push(b',');
                }
                schema_entry(out, &f.schema, opts, strict, Some(&f.name))
                    .map_err(|e| e.at(|| Seg::Index(i)).at_field("fields"))?;
            }
            out.push(b']');
        }
        SchemaType::Array => nested(out, b",\"items\":", schema.value_schema.as_deref(), "items")?,
        SchemaType::Map => {
            nested(out, b",\"keys\":", schema.key_schema.as_deref(), "keys")?;
            nested(
                out,
                b",\"values\":",
                schema.value_schema.as_deref(),
                "values",
            )?;
        }
        _ => {}
    }
    out.extend_from_slice(if schema.optional {
        b",\"optional\":true"
    } else {
        b",\"optional\":false"
    });
    if let Some(name) = &schema.name {
        out.extend_from_slice(b",\"name\":");
        string(out, name);
    }
    if let Some(version) = schema.version {
        out.extend_from_slice(b",\"version\":");
        integer(out, i64::from(version));
    }
    if let Some(doc) = &schema.doc {
        out.extend_from_slice(b",\"doc\":");
        string(out, doc);
    }
    if !schema.parameters.is_empty() {
        out.extend_from_slice(b",\"parameters\":{");
        for (i, (k, v)) in schema.parameters.iter().enumerate() {
            if i > 0 {
                out.push(b',');
            }
            string(out, k);
            out.push(b':');
            string(out, v);
        }
        out.push(b'}');
    }
    if let Some(default) = &schema.default {
        let mark = out.len();
        out.extend_from_slice(b",\"default\":");
        if let Err(e) = default_value(out, schema, default, opts, strict) {
            if strict {
                return Err(e);
            }
            out.truncate(mark);
        }
    }
    if let Some(field) = field {
        out.extend_from_slice(b",\"field\":");
        string(out, field);
    }
    out.push(b'}');
    Ok(())
}

/// Writes a schema's default value; when not `strict`, one that does not fit the schema is
/// written without the schema instead.
pub(super) fn default_value(
    out: &mut Vec<u8>,
    schema: &Schema,
    default: &Value,
    opts: &Opts,
    strict: bool,
) -> Result<(), JErr> {
    let mark = out.len();
    match value(out, Some(schema), default, opts) {
        Ok(()) => Ok(()),
        Err(e) if strict => Err(e.at_field("default")),
        Err(e) => {
            out.truncate(mark);
            schemaless(out, default)
                .map_err(|_| e.at_field("default"))
                .inspect_err(|_| out.truncate(mark))
        }
    }
}

// ---------------------------------------------------------------------------------------------
// Values

/// The Java class Kafka would name for a value in a type error.
fn java_class(value: &Value) -> &'static str {
    match value {
        Value::Null => "null",
        Value::Boolean(_) => "class java.lang.Boolean",
        Value::Int8(_) => "class java.lang.Byte",
        Value::Int16(_) => "class java.lang.Short",
        Value::Int32(_) => "class java.lang.Integer",
        Value::Int64(_) => "class java.lang.Long",
        Value::Float32(_) => "class java.lang.Float",
        Value::Float64(_) => "class java.lang.Double",
        Value::String(_) => "class java.lang.String",
        Value::Bytes(_) => "class [B",
        Value::Array(_) => "class java.util.ArrayList",
        Value::Map(_) => "class java.util.HashMap",
        Value::Struct(_) => "class org.apache.kafka.connect.data.Struct",
    }
}

/// Writes a value with its schema, or schemaless (`convertToJson`).
pub(super) fn value(
    out: &mut Vec<u8>,
    schema: Option<&Schema>,
    v: &Value,
    opts: &Opts,
) -> Result<(), JErr> {
    let Some(schema) = schema else {
        return schemaless(out, v);
    };
    match (schema.kind, v) {
        (_, Value::Null) => {
            if opts.replace_null_with_default
                && let Some(default) = schema.default.as_ref().filter(|d| !d.is_null())
            {
                return value(out, Some(schema), default, opts);
            }
            if schema.optional {
                out.extend_from_slice(b"null");
                Ok(())
            } else {
                Err(JErr::here(
                    "Conversion error: null value for field that is required and has no default value",
                ))
            }
        }
        (SchemaType::Boolean, Value::Boolean(b)) => {
            out.extend_from_slice(if *b { b"true" } else { b"false" });
            Ok(())
        }
        (SchemaType::Int8, Value::Int8(i)) => {
            integer(out, i64::from(*i));
            Ok(())
        }
        (SchemaType::Int16, Value::Int16(i)) => {
            integer(out, i64::from(*i));
            Ok(())
        }
        (SchemaType::Int32, Value::Int32(i)) => {
            integer(out, i64::from(*i));
            Ok(())
        }
        (SchemaType::Int64, Value::Int64(i)) => {
            integer(out, *i);
            Ok(())
        }
        (SchemaType::Float32, Value::Float32(f)) => {
            float32(out, *f);
            Ok(())
        }
        (SchemaType::Float64, Value::Float64(f)) => {
            float64(out, *f);
            Ok(())
        }
        (SchemaType::String, Value::String(s)) => {
            string(out, s);
            Ok(())
        }
        (SchemaType::Bytes, Value::Bytes(b))
            if schema.name.as_deref() == Some(DECIMAL_LOGICAL_NAME) =>
        {
            decimal(out, schema, b, opts)
        }
        (SchemaType::Bytes, Value::Bytes(b)) => {
            base64(out, b);
            Ok(())
        }
        (SchemaType::Array, Value::Array(items)) => {
            let element = schema
                .value_schema
                .as_deref()
                .ok_or_else(|| JErr::here("ARRAY schema without its element schema"))?;
            out.push(b'[');
            for (i, item) in items.iter().enumerate() {
                if i > 0 {
                    out.push(b',');
                }
                value(out, Some(element), item, opts).map_err(|e| e.at(|| Seg::Index(i)))?;
            }
            out.push(b']');
            Ok(())
        }
        (SchemaType::Map, Value::Map(entries)) => {
            let (Some(key_schema), Some(value_schema)) = (&schema.key_schema, &schema.value_schema)
            else {
                return Err(JErr::here("MAP schema without its key and value schemas"));
            };
            if key_schema.kind == SchemaType::String {
                out.push(b'{');
                for (i, (k, v)) in entries.iter().enumerate() {
                    if i > 0 {
                        out.push(b',');
                    }
                    let key = string_key(key_schema, k, opts)?;
                    string(out, key);
                    out.push(b':');
                    value(out, Some(value_schema), v, opts)
                        .map_err(|e| e.at(|| Seg::Key(key.to_string())))?;
                }
                out.push(b'}');
            } else {
                out.push(b'[');
                for (i, (k, v)) in entries.iter().enumerate() {
                    if i > 0 {
                        out.push(b',');
                    }
                    out.push(b'[');
                    value(out, Some(key_schema), k, opts).map_err(|e| e.at(|| Seg::Index(i)))?;
                    out.push(b',');
                    value(out, Some(value_schema), v, opts).map_err(|e| e.at(|| Seg::Index(i)))?;
                    out.push(b']');
                }
                out.push(b']');
            }
            Ok(())
        }
        (SchemaType::Struct, Value::Struct(values)) if values.len() == schema.fields.len() => {
            out.push(b'{');
            for (i, (field, v)) in schema.fields.iter().zip(values).enumerate() {
                if i > 0 {
                    out.push(b',');
                }
                if opts.plain_names {
                    out.push(b'"');
                    out.extend_from_slice(field.name.as_bytes());
                    out.extend_from_slice(b"\":");
                } else {
                    string(out, &field.name);
                    out.push(b':');
                }
                value(out, Some(&field.schema), v, opts).map_err(|e| e.at_field(&field.name))?;
            }
            out.push(b'}');
            Ok(())
        }
        (SchemaType::Struct, Value::Struct(values)) => Err(JErr::here(format!(
            "Mismatching schema. (a struct of {} values for a schema of {} fields)",
            values.len(),
            schema.fields.len()
        ))),
        (SchemaType::Struct, other) => Err(JErr::here(format!(
            "Mismatching schema. ({} for a STRUCT schema)",
            java_class(other)
        ))),
        (kind, other) => Err(JErr::here(format!(
            "Invalid type for {}: {}",
            kind.upper_name(),
            java_class(other)
        ))),
    }
}

/// The text of a map key under a STRING key schema (`convertToJson(keySchema, k).asText()`).
fn string_key<'v>(key_schema: &'v Schema, k: &'v Value, opts: &Opts) -> Result<&'v str, JErr> {
    match k {
        Value::String(s) => Ok(s),
        Value::Null => match &key_schema.default {
            Some(Value::String(d)) if opts.replace_null_with_default => Ok(d),
            _ if key_schema.optional => Ok("null"),
            _ => Err(JErr::here(
                "Conversion error: null value for field that is required and has no default value",
            )),
        },
        other => Err(JErr::here(format!(
            "Invalid type for STRING: {}",
            java_class(other)
        ))),
    }
}

fn schemaless(out: &mut Vec<u8>, v: &Value) -> Result<(), JErr> {
    match v {
        Value::Null => out.extend_from_slice(b"null"),
        Value::Boolean(b) => out.extend_from_slice(if *b { b"true" } else { b"false" }),
        Value::Int8(i) => integer(out, i64::from(*i)),
        Value::Int16(i) => integer(out, i64::from(*i)),
        Value::Int32(i) => integer(out, i64::from(*i)),
        Value::Int64(i) => integer(out, *i),
        Value::Float32(f) => float32(out, *f),
        Value::Float64(f) => float64(out, *f),
        Value::String(s) => string(out, s),
        Value::Bytes(b) => base64(out, b),
        Value::Array(items) => {
            out.push(b'[');
            for (i, item) in items.iter().enumerate() {
                if i > 0 {
                    out.push(b',');
                }
                schemaless(out, item).map_err(|e| e.at(|| Seg::Index(i)))?;
            }
            out.push(b']');
        }
        Value::Map(entries) => {
            let object = entries.iter().all(|(k, _)| matches!(k, Value::String(_)));
            out.push(if object { b'{' } else { b'[' });
            for (i, (k, v)) in entries.iter().enumerate() {
                if i > 0 {
                    out.push(b',');
                }
                if let (true, Value::String(key)) = (object, k) {
                    string(out, key);
                    out.push(b':');
                    schemaless(out, v).map_err(|e| e.at(|| Seg::Key(key.to_string())))?;
                } else {
                    out.push(b'[');
                    schemaless(out, k).map_err(|e| e.at(|| Seg::Index(i)))?;
                    out.push(b',');
                    schemaless(out, v).map_err(|e| e.at(|| Seg::Index(i)))?;
                    out.push(b']');
                }
            }
            out.push(if object { b'}' } else { b']' });
        }
        Value::Struct(_) => {
            return Err(JErr::here(
                "Mismatching schema. (a struct without a schema)",
            ));
        }
    }
    Ok(())
}

fn decimal(out: &mut Vec<u8>, schema: &Schema, unscaled: &[u8], opts: &Opts) -> Result<(), JErr> {
    if unscaled.is_empty() {
        return Err(JErr::here(
            "Invalid Decimal: the unscaled value has no bytes",
        ));
    }
    let minimal = &unscaled[redundant_sign_bytes(unscaled)..];
    if opts.numeric_decimals {
        let scale = decimal_scale(schema)?;
        out.extend_from_slice(decimal_to_string(minimal, scale).as_bytes());
    } else {
        base64(out, minimal);
    }
    Ok(())
}

/// How many leading bytes of a big-endian two's complement integer only repeat the sign.
pub(super) fn redundant_sign_bytes(bytes: &[u8]) -> usize {
    bytes
        .windows(2)
        .take_while(|w| (w[0] == 0x00 && w[1] < 0x80) || (w[0] == 0xFF && w[1] >= 0x80))
        .count()
}

// ---------------------------------------------------------------------------------------------
// Scalars

fn base64(out: &mut Vec<u8>, bytes: &[u8]) {
    out.push(b'"');
    let start = out.len();
    let len = base64::encoded_len(bytes.len(), true).unwrap_or(0);
    out.resize(start + len, 0);
    let written = BASE64.encode_slice(bytes, &mut out[start..]).unwrap_or(0);
    out.truncate(start + written);
    out.push(b'"');
}

/// "00" to "99", for writing integers two digits at a time.
const DIGIT_PAIRS: [u8; 200] = {
    let mut table = [0u8; 200];
    let mut i = 0;
    while i < 100 {
        table[2 * i] = b'0' + (i / 10) as u8;
        table[2 * i + 1] = b'0' + (i % 10) as u8;
        i += 1;
    }
    table
};

/// Writes an integer in decimal.
pub(super) fn integer(out: &mut Vec<u8>, v: i64) {
    let mut buf = [0u8; 20];
    let mut n = v.unsigned_abs();
    let mut i = buf.len();
    while n >= 100 {
        let pair = (n % 100) as usize * 2;
        n /= 100;
        i -= 2;
        buf[i..i + 2].copy_from_slice(&DIGIT_PAIRS[pair..pair + 2]);
    }
    if n >= 10 {
        let pair = n as usize * 2;
        i -= 2;
        buf[i..i + 2].copy_from_slice(&DIGIT_PAIRS[pair..pair + 2]);
    } else {
        i -= 1;
        buf[i] = b'0' + n as u8;
    }
    if v < 0 {
        out.push(b'-');
    }
    out.extend_from_slice(&buf[i..]);
}

/// What Jackson's `UTF8JsonGenerator` writes for each ASCII byte: 0 for the byte itself,
/// `u` for `\u00XX`, else the letter after the backslash. Jackson escapes `"`, `\` and the
/// control characters (with the short forms `\b \t \n \f \r`), and nothing else: not `/`, not
/// DEL, not non-ASCII. serde_json differs (lower-case hex digits), hence this table.
const ESCAPES: [u8; 256] = {
    let mut table = [0u8; 256];
    let mut i = 0;
    while i < 0x20 {
        table[i] = b'u';
        i += 1;
    }
    table[0x08] = b'b';
    table[0x09] = b't';
    table[0x0A] = b'n';
    table[0x0C] = b'f';
    table[0x0D] = b'r';
    table[b'"' as usize] = b'"';
    table[b'\\' as usize] = b'\\';
    table
};

const HEX_UPPER: &[u8; 16] = b"0123456789ABCDEF";

/// Writes a JSON string as Jackson escapes it.
pub(super) fn string(out: &mut Vec<u8>, s: &str) {
    out.push(b'"');
    let bytes = s.as_bytes();
    // Most strings need no escape: check eight bytes at a time.
    let mut clean = 0;
    while clean + 8 <= bytes.len() {
        let mut word = [0u8; 8];
        word.copy_from_slice(&bytes[clean..clean + 8]);
        if needs_escape(u64::from_le_bytes(word)) {
            break;
        }
        clean += 8;
    }
    let mut start = 0;
    for (i, &b) in bytes.iter().enumerate().skip(clean) {
        let esc = ESCAPES[b as usize];
        if esc == 0 {
            continue;
        }
        out.extend_from_slice(&bytes[start..i]);
        if esc == b'u' {
            out.extend_from_slice(b"\\u00");
            out.push(HEX_UPPER[(b >> 4) as usize]);
            out.push(HEX_UPPER[(b & 0xF) as usize]);
        } else {
            out.push(b'\\');
            out.push(esc);
        }
        start = i + 1;
    }
    out.extend_from_slice(&bytes[start..]);
    out.push(b'"');
}

/// Whether any of the eight bytes is a control character, `"` or `\\` (SWAR: a byte `b`
/// is below `n` when `(b - n) & !b & 0x80` is set; equal to `c` when `b ^ c` is below 1).
#[inline]
fn needs_escape(w: u64) -> bool {
    const ONES: u64 = 0x0101_0101_0101_0101;
    const HIGH: u64 = 0x8080_8080_8080_8080;
    let below = |x: u64, n: u64| x.wrapping_sub(ONES * n) & !x & HIGH;
    (below(w, 0x20) | below(w ^ (ONES * 0x22), 1) | below(w ^ (ONES * 0x5C), 1)) != 0
}

pub(super) fn float64(out: &mut Vec<u8>, v: f64) {
    if !v.is_finite() {
        // Jackson's QUOTE_NON_NUMERIC_NUMBERS (on by default) writes these as strings.
        string(out, non_finite(v.is_nan(), v > 0.0));
        return;
    }
    java_finite(out, v);
}

pub(super) fn float32(out: &mut Vec<u8>, v: f32) {
    if !v.is_finite() {
        string(out, non_finite(v.is_nan(), v > 0.0));
        return;
    }
    java_finite(out, v);
}

fn non_finite(nan: bool, positive: bool) -> &'static str {
    if nan {
        "NaN"
    } else if positive {
        "Infinity"
    } else {
        "-Infinity"
    }
}

/// Java's `Double.toString(v)` (Java 19 and later, which Jackson's `writeNumber(double)`
/// prints): `NaN`, `Infinity`, `-Infinity`, `0.0`, `-0.0`; plain notation with at least one
/// fractional digit for 10⁻³ ≤ |v| < 10⁷ (`1.0`, `0.001`, `1234567.0`); otherwise
/// computerized scientific notation (`1.0E7`, `1.0E-4`, `1.7976931348623157E308`). The digits
/// are the shortest that round to `v`.
pub fn java_double_to_string(v: f64) -> String {
    if !v.is_finite() {
        return non_finite(v.is_nan(), v > 0.0).to_string();
    }
    let mut out = Vec::with_capacity(24);
    java_finite(&mut out, v);
    String::from_utf8(out).unwrap_or_default()
}

/// Java's `Float.toString(v)` (Java 19 and later): as [`java_double_to_string`] with the
/// shortest digits that round to the `float`.
pub fn java_float_to_string(v: f32) -> String {
    if !v.is_finite() {
        return non_finite(v.is_nan(), v > 0.0).to_string();
    }
    let mut out = Vec::with_capacity(16);
    java_finite(&mut out, v);
    String::from_utf8(out).unwrap_or_default()
}

/// A float type Java prints.
trait JavaFloat: ryu::Float + Copy + PartialOrd + std::str::FromStr + std::fmt::LowerExp {
    fn is_zero(self) -> bool;
    fn is_negative(self) -> bool;
    fn is_subnormal(self) -> bool;
}

impl JavaFloat for f64 {
    fn is_zero(self) -> bool {
        self == 0.0
    }
    fn is_negative(self) -> bool {
        self.is_sign_negative()
    }
    fn is_subnormal(self) -> bool {
        self.is_subnormal()
    }
}

impl JavaFloat for f32 {
    fn is_zero(self) -> bool {
        self == 0.0
    }
    fn is_negative(self) -> bool {
        self.is_sign_negative()
    }
    fn is_subnormal(self) -> bool {
        self.is_subnormal()
    }
}

/// Writes a finite float as Java prints it.
///
/// No crate prints Java's format: `ryu` and the standard library print `1e21` and `1.0`
/// differently (no `.0` on integers in scientific notation, lower-case `e`, other thresholds),
/// and `ryu-js` follows JavaScript's `Number.prototype.toString` (`1e+21`, no `.0`). So `ryu`
/// supplies the shortest round-tripping digits (what Java 19's `Double.toString` specifies) and
/// they are laid out here by hand.
fn java_finite<F: JavaFloat>(out: &mut Vec<u8>, v: F) {
    if v.is_zero() {
        out.extend_from_slice(if v.is_negative() { b"-0.0" } else { b"0.0" });
        return;
    }
    let mut buf = ryu::Buffer::new();
    let (neg, mut digits, mut len, mut exp) = decompose(buf.format_finite(v));
    if len == 1 && v.is_subnormal() {
        // Java picks, among the decimals of length 1 *or 2* that round to v, the one closest
        // to v. This only matters for tiny subnormals (Double.MIN_VALUE is "4.9E-324", not
        // "5.0E-324"): a normal float's rounding interval is far narrower than a tenth of its
        // leading digit, so no second two-digit decimal fits in it.
        if let Some((d, e)) = two_digit_closest(v) {
            digits[..2].copy_from_slice(&d);
            len = 2;
            exp = e;
        }
    }
    if neg {
        out.push(b'-');
    }
    let digits = &digits[..len];
    if (-3..7).contains(&exp) {
        if exp >= 0 {
            let int_len = exp as usize + 1;
            if len <= int_len {
                out.extend_from_slice(digits);
                out.resize(out.len() + (int_len - len), b'0');
                out.extend_from_slice(b".0");
            } else {
                out.extend_from_slice(&digits[..int_len]);
                out.push(b'.');
                out.extend_from_slice(&digits[int_len..]);
            }
        } else {
            out.extend_from_slice(b"0.");
            out.resize(out.len() + (-exp - 1) as usize, b'0');
            out.extend_from_slice(digits);
        }
    } else {
        out.push(digits[0]);
        out.push(b'.');
        if len > 1 {
            out.extend_from_slice(&digits[1..]);
        } else {
            out.push(b'0');
        }
        out.push(b'E');
        integer(out, i64::from(exp));
    }
}

/// Splits a decimal rendering (`-1.25e-7`, `123.5`, `0.001`) into its sign, significant digits
/// (no leading or trailing zeros) and decimal exponent of the first digit.
fn decompose(s: &str) -> (bool, [u8; 40], usize, i32) {
    let (neg, s) = match s.strip_prefix('-') {
        Some(rest) => (true, rest),
        None => (false, s),
    };
    let (mantissa, exp) = match s.find(['e', 'E']) {
        Some(i) => (&s[..i], s[i + 1..].parse::<i32>().unwrap_or(0)),
        None => (s, 0),
    };
    let mut all = [0u8; 40];
    let mut n = 0;
    let mut int_len = None;
    for b in mantissa.bytes() {
        if b == b'.' {
            int_len = Some(n);
        } else if n < all.len() {
            all[n] = b;
            n += 1;
        }
    }
    let int_len = int_len.unwrap_or(n);
    let lz = all[..n].iter().take_while(|&&d| d == b'0').count();
    let mut end = n;
    while end > lz + 1 && all[end - 1] == b'0' {
        end -= 1;
    }
    let mut digits = [b'0'; 40];
    let len = end.saturating_sub(lz).max(1);
    digits[..end.saturating_sub(lz)].copy_from_slice(&all[lz.min(end)..end]);
    (neg, digits, len, int_len as i32 - 1 - lz as i32 + exp)
}

/// The two-digit decimal closest to `v` that rounds back to `v`, if its second digit is not 0.
fn two_digit_closest<F: JavaFloat>(v: F) -> Option<([u8; 2], i32)> {
    let round_trips = |m: u32, e: i32| -> bool {
        format!("{}.{}e{}", m / 10, m % 10, e)
            .parse::<F>()
            .is_ok_and(|p| p == v)
    };
    // The exactly rounded two-digit decimal nearest to v.
    let (_, d, len, e) = decompose(&format!("{:.1e}", v));
    let m = u32::from(d[0] - b'0') * 10 + if len > 1 { u32::from(d[1] - b'0') } else { 0 };
    let (m, e) = if round_trips(m, e) {
        (m, e)
    } else {
        // The nearest does not round to v; the next one on the other side of v may.
        let above = format!("{}.{}e{}", m / 10, m % 10, e)
            .parse::<F>()
            .is_ok_and(|p| p > v);
        let (m, e) = match (above, m) {
            (true, 10) => (99, e - 1),
            (true, m) => (m - 1, e),
            (false, 99) => (10, e + 1),
            (false, m) => (m + 1, e),
        };
        if !round_trips(m, e) {
            return None;
        }
        (m, e)
    };
    if m % 10 == 0 {
        return None;
    }
    Some(([b'0' + (m / 10) as u8, b'0' + (m % 10) as u8], e))
}

// ---------------------------------------------------------------------------------------------
// Decimals

/// `BigDecimal.toString()` of the decimal with big-endian two's complement `unscaled` value
/// and `scale`: plain notation when the scale is not negative and the adjusted exponent is at
/// least −6 (`19.99`, `0.000001`, `100`), scientific otherwise (`1E-7`, `1.5E+3`, `0E-8`).
/// This is how `decimal.format=NUMERIC` writes a `Decimal`.
pub fn decimal_to_string(unscaled: &[u8], scale: i32) -> String {
    let (neg, digits) = twos_complement_to_decimal(unscaled);
    let n = digits.len() as i64;
    let adjusted = n - 1 - i64::from(scale);
    let mut s = String::with_capacity(digits.len() + 8);
    if neg {
        s.push('-');
    }
    if scale >= 0 && adjusted >= -6 {
        let scale = scale as usize;
        if scale == 0 {
            s.push_str(&digits);
        } else if digits.len() > scale {
            let (int, frac) = digits.split_at(digits.len() - scale);
            s.push_str(int);
            s.push('.');
            s.push_str(frac);
        } else {
            s.push_str("0.");
            s.extend(std::iter::repeat_n('0', scale - digits.len()));
            s.push_str(&digits);
        }
    } else {
        s.push_str(&digits[..1]);
        if digits.len() > 1 {
            s.push('.');
            s.push_str(&digits[1..]);
        }
        s.push('E');
        if adjusted >= 0 {
            s.push('+');
        }
        s.push_str(&adjusted.to_string());
    }
    s
}

/// The sign and decimal digits of the magnitude of a big-endian two's complement integer
/// (empty bytes are zero).
fn twos_complement_to_decimal(bytes: &[u8]) -> (bool, String) {
    let neg = bytes.first().is_some_and(|b| b & 0x80 != 0);
    let mut magnitude: Vec<u8> = bytes.to_vec();
    if neg {
        for b in magnitude.iter_mut() {
            *b = !*b;
        }
        for b in magnitude.iter_mut().rev() {
            let (v, overflow) = b.overflowing_add(1);
            *b = v;
            if !overflow {
                break;
            }
        }
    }
    let first = magnitude
        .iter()
        .position(|&b| b != 0)
        .unwrap_or(magnitude.len());
    // After negation, -2^(8k-1) has magnitude 2^(8k-1) whose top byte is 0x80: still correct
    // as an unsigned magnitude.
    let magnitude = &magnitude[first..];
    if magnitude.len() <= 16 {
        let mut buf = [0u8; 16];
        buf[16 - magnitude.len()..].copy_from_slice(magnitude);
        return (neg, u128::from_be_bytes(buf).to_string());
    }
    // Big: little-endian base-2^32 limbs, divided by 10^9 repeatedly.
    let mut limbs: Vec<u32> = magnitude
        .rchunks(4)
        .map(|chunk| {
            let mut word = [0u8; 4];
            word[4 - chunk.len()..].copy_from_slice(chunk);
            u32::from_be_bytes(word)
        })
        .collect();
    let mut groups = Vec::new();
    while limbs.iter().any(|&l| l != 0) {
        let mut rem = 0u64;
        for limb in limbs.iter_mut().rev() {
            let cur = (rem << 32) | u64::from(*limb);
            *limb = (cur / 1_000_000_000) as u32;
            rem = cur % 1_000_000_000;
        }
        groups.push(rem as u32);
        while limbs.last() == Some(&0) {
            limbs.pop();
        }
    }
    let mut s = groups
        .last()
        .map(|g| g.to_string())
        .unwrap_or_else(|| "0".into());
    for g in groups.iter().rev().skip(1) {
        s.push_str(&format!("{g:09}"));
    }
    (neg, s)
}
