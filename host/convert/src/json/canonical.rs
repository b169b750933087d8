//! Whether JSON bytes are exactly what `JsonConverter` would write for the data they hold.
//!
//! Kafka Connect decodes every key and value with its converter and encodes it again, whether a
//! transform touched it or not (`WorkerSourceTask` / `WorkerSinkTask` → `toConnectData` →
//! transformations → `fromConnectData`). Switchyard passes bytes that no transform changed
//! through as they are, which is only right where the re-encoding would give those very bytes.
//! This module decides that with one scan of the text beside its schema, without building the
//! data: compact JSON, struct fields in schema order and all present, integers and floats as
//! Java prints them, strings escaped as Jackson escapes them, Base64 as Jackson writes it,
//! `Decimal`s in the configured `decimal.format`, and no null that would read as a default.
//!
//! The scan answers only "certainly canonical". Anything else (whitespace, an escape Jackson
//! would write otherwise, a number that reads as another, a repeated key, a type that does not
//! fit its schema, malformed JSON) sends the bytes down the converter's full decode, which
//! either fails the record as Kafka's converter would or yields the data to encode again. So
//! the scan cannot make a record pass that Kafka's converter refuses: it never accepts what the
//! decoder would not.

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD as BASE64;
use switchyard_data::{Schema, SchemaType};

use super::write;

/// Nesting beyond which the scan gives up (the full decode then decides, with its own limit).
const MAX_DEPTH: u32 = 128;

/// Maps with more entries than this are left to the full decode (the scan compares keys
/// pairwise to find repeated ones).
const MAX_SCANNED_MAP: usize = 32;

/// A scan over JSON text that only moves forward while the text is canonical.
pub(super) struct Scan<'a> {
    b: &'a [u8],
    pos: usize,
    depth: u32,
    numeric_decimals: bool,
    replace_null_with_default: bool,
    /// Whether every field name of the schema is JSON text as it is (`read::plain_names`):
    /// member keys are then compared with the names without looking for bytes to escape.
    plain_names: bool,
    scratch: Vec<u8>,
}

impl<'a> Scan<'a> {
    /// A scan of `b` from its start, for a converter with the given `decimal.format` and
    /// `replace.null.with.default`.
    pub(super) fn new(
        b: &'a [u8],
        numeric_decimals: bool,
        replace_null_with_default: bool,
    ) -> Self {
        Scan {
            b,
            pos: 0,
            depth: 0,
            numeric_decimals,
            replace_null_with_default,
            plain_names: false,
            scratch: Vec::new(),
        }
    }

    /// Tells the scan that every field name of the schema it checks needs no escape.
    pub(super) fn set_plain_names(&mut self, plain: bool) {
        self.plain_names = plain;
    }

    /// Moves past `s` if the text continues with it.
    #[inline]
    pub(super) fn lit(&mut self, s: &[u8]) -> bool {
        let end = self.pos + s.len();
        match self.b.get(self.pos..end) {
            Some(here) if here == s => {
                self.pos = end;
                true
            }
            _ => false,
        }
    }

    /// Moves past `"name":` if the text continues with it and `name` needs no escape (a
    /// name Jackson escapes is left to the full decode). Compared in place, a word or two at
    /// a time, when the schema's names are known to be plain; byte by byte, each byte checked
    /// for an escape, otherwise: field names are short, and a call to `memcmp` per field would
    /// cost more than the comparison.
    #[inline]
    fn key(&mut self, name: &[u8]) -> bool {
        let end = self.pos + name.len() + 3;
        let Some(here) = self.b.get(self.pos..end) else {
            return false;
        };
        let inner = &here[1..here.len() - 2];
        let matches = here[0] == b'"'
            && here[here.len() - 2..] == *b"\":"
            && if self.plain_names {
                switchyard_data::text::same(inner, name)
            } else {
                inner
                    .iter()
                    .zip(name)
                    .all(|(&a, &n)| a == n && n >= 0x20 && n != b'"' && n != b'\\')
            };
        if matches {
            self.pos = end;
        }
        matches
    }

    /// Moves `n` bytes on (past text already recognised by the caller).
    pub(super) fn skip(&mut self, n: usize) {
        self.pos = (self.pos + n).min(self.b.len());
    }

    /// The text not scanned yet.
    pub(super) fn rest(&self) -> &'a [u8] {
        &self.b[self.pos..]
    }

    /// Whether the whole text was scanned.
    pub(super) fn at_end(&self) -> bool {
        self.pos == self.b.len()
    }

    fn peek(&self) -> Option<u8> {
        self.b.get(self.pos).copied()
    }

    /// A canonical value for `schema` (`None`: schemaless) at the current position.
    pub(super) fn value(&mut self, schema: Option<&Schema>) -> bool {
        if self.depth >= MAX_DEPTH {
            return false;
        }
        self.depth += 1;
        let ok = match schema {
            Some(schema) => self.typed(schema),
            None => self.schemaless(),
        };
        self.depth -= 1;
        ok
    }

    fn typed(&mut self, schema: &Schema) -> bool {
        if self.lit(b"null") {
            // A null reads as the default (and is written as it) when there is one.
            return schema.optional
                && (schema.default.is_none() || !self.replace_null_with_default);
        }
        match schema.kind {
            SchemaType::Boolean => self.lit(b"true") || self.lit(b"false"),
            SchemaType::Int8 | SchemaType::Int16 | SchemaType::Int32 | SchemaType::Int64 => {
                self.integer(schema.kind)
            }
            SchemaType::Float32 => self.float(true),
            SchemaType::Float64 => self.float(false),
            SchemaType::String => self.string().is_some(),
            SchemaType::Bytes => {
                let decimal = schema.name.as_deref() == Some(super::DECIMAL_LOGICAL_NAME);
                if decimal && self.numeric_decimals {
                    return false;
                }
                self.base64(decimal)
            }
            SchemaType::Array => match &schema.value_schema {
                Some(items) => self.array(|s| s.value(Some(items))),
                None => false,
            },
            SchemaType::Map => match (&schema.key_schema, &schema.value_schema) {
                (Some(keys), Some(values)) if keys.kind == SchemaType::String => {
                    self.object(|s| s.value(Some(values)))
                }
                (Some(keys), Some(values)) => self.array(|s| {
                    s.lit(b"[")
                        && s.value(Some(keys))
                        && s.lit(b",")
                        && s.value(Some(values))
                        && s.lit(b"]")
                }),
                _ => false,
            },
            SchemaType::Struct => self.structure(schema),
        }
    }

    fn structure(&mut self, schema: &Schema) -> bool {
        if !self.lit(b"{") {
            return false;
        }
        for (i, field) in schema.fields.iter().enumerate() {
            if (i > 0 && !self.lit(b","))
                || !self.key(field.name.as_bytes())
                || !self.value(Some(&field.schema))
            {
                return false;
            }
        }
        self.lit(b"}")
    }

    fn schemaless(&mut self) -> bool {
        match self.peek() {
            Some(b'n') => self.lit(b"null"),
            Some(b't') => self.lit(b"true"),
            Some(b'f') => self.lit(b"false"),
            Some(b'"') => self.string().is_some(),
            Some(b'[') => self.array(|s| s.value(None)),
            Some(b'{') => self.object(|s| s.value(None)),
            Some(c) if c == b'-' || c.is_ascii_digit() => {
                // Integers read as INT64, other numbers as FLOAT64.
                self.integer(SchemaType::Int64) || self.float(false)
            }
            _ => false,
        }
    }

    fn array(&mut self, mut item: impl FnMut(&mut Self) -> bool) -> bool {
        if !self.lit(b"[") {
            return false;
        }
        if self.lit(b"]") {
            return true;
        }
        loop {
            if !item(self) {
                return false;
            }
            if self.lit(b"]") {
                return true;
            }
            if !self.lit(b",") {
                return false;
            }
        }
    }

    /// An object of canonical string keys, none repeated (Kafka keeps the last of a repeated
    /// key, so its output would lose the others).
    fn object(&mut self, mut value: impl FnMut(&mut Self) -> bool) -> bool {
        if !self.lit(b"{") {
            return false;
        }
        if self.lit(b"}") {
            return true;
        }
        let mut keys: Vec<(usize, usize)> = Vec::new();
        loop {
            let Some(key) = self.string() else {
                return false;
            };
            let text = &self.b[key.0..key.1];
            if keys.len() >= MAX_SCANNED_MAP || keys.iter().any(|&(s, e)| &self.b[s..e] == text) {
                return false;
            }
            keys.push(key);
            if !self.lit(b":") || !value(self) {
                return false;
            }
            if self.lit(b"}") {
                return true;
            }
            if !self.lit(b",") {
                return false;
            }
        }
    }

    /// A string as Jackson writes it: no escapes but `\"`, `\\`, the short forms of
    /// `\b \t \n \f \r`, and `\u00XX` (upper-case hex) for the other control characters; no raw
    /// control character. Returns where its contents lie. The caller has checked the text is
    /// UTF-8.
    fn string(&mut self) -> Option<(usize, usize)> {
        if !self.lit(b"\"") {
            return None;
        }
        let start = self.pos;
        loop {
            self.pos = super::read::plain_run(self.b, self.pos);
            match *self.b.get(self.pos)? {
                b'"' => {
                    let end = self.pos;
                    self.pos += 1;
                    return Some((start, end));
                }
                b'\\' => {
                    let escaped = *self.b.get(self.pos + 1)?;
                    match escaped {
                        b'"' | b'\\' | b'b' | b't' | b'n' | b'f' | b'r' => self.pos += 2,
                        b'u' => {
                            let hex = self.b.get(self.pos + 2..self.pos + 6)?;
                            let upper = |c: u8| c.is_ascii_digit() || (b'A'..=b'F').contains(&c);
                            // Only control characters without a short form are written so.
                            let code = std::str::from_utf8(hex)
                                .ok()
                                .filter(|h| h.bytes().all(upper))
                                .and_then(|h| u8::from_str_radix(h, 16).ok())?;
                            if hex[..2] != *b"00"
                                || code >= 0x20
                                || matches!(code, 0x08 | 0x09 | 0x0A | 0x0C | 0x0D)
                            {
                                return None;
                            }
                            self.pos += 6;
                        }
                        _ => return None,
                    }
                }
                _ => return None,
            }
        }
    }

    /// An integer in the form Java prints it (no leading zeros, no `-0`, no fraction or
    /// exponent) within the range of `kind` (INT8 to INT64). Read by the decoder's own
    /// reading of a plain integer token, eight digits at a time.
    fn integer(&mut self, kind: SchemaType) -> bool {
        let Some((value, end)) = super::read::integer_at(self.b, self.pos) else {
            return false;
        };
        let negative = self.b[self.pos] == b'-';
        let first = self.pos + usize::from(negative);
        if self.b[first] == b'0' && (end - first > 1 || negative) {
            return false;
        }
        let fits = match kind {
            SchemaType::Int8 => i8::try_from(value).is_ok(),
            SchemaType::Int16 => i16::try_from(value).is_ok(),
            SchemaType::Int32 => i32::try_from(value).is_ok(),
            _ => true,
        };
        if fits {
            self.pos = end;
        }
        fits
    }

    /// A JSON number that Java's `Double.toString` (or `Float.toString` for `single`) prints
    /// back as the same text.
    fn float(&mut self, single: bool) -> bool {
        let start = self.pos;
        self.lit(b"-");
        while self
            .peek()
            .is_some_and(|c| c.is_ascii_digit() || matches!(c, b'.' | b'e' | b'E' | b'+' | b'-'))
        {
            self.pos += 1;
        }
        let Ok(text) = std::str::from_utf8(&self.b[start..self.pos]) else {
            return false;
        };
        self.scratch.clear();
        if single {
            match text.parse::<f32>() {
                Ok(v) if v.is_finite() => write::float32(&mut self.scratch, v),
                _ => return false,
            }
        } else {
            match text.parse::<f64>() {
                Ok(v) if v.is_finite() => write::float64(&mut self.scratch, v),
                _ => return false,
            }
        }
        self.scratch == text.as_bytes()
    }

    /// Base64 as Jackson writes it (standard alphabet, padded, no line breaks); for a `Decimal`,
    /// of the shortest two's complement bytes of its unscaled value, as `BigInteger.toByteArray`
    /// gives them.
    fn base64(&mut self, decimal: bool) -> bool {
        let Some((start, end)) = self.string() else {
            return false;
        };
        let text = &self.b[start..end];
        if text.contains(&b'\\') {
            return false;
        }
        self.scratch.clear();
        if BASE64.decode_vec(text, &mut self.scratch).is_err() {
            return false;
        }
        !decimal || (!self.scratch.is_empty() && write::redundant_sign_bytes(&self.scratch) == 0)
    }
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;

    use switchyard_data::{Field, Schema, SchemaType, Value};

    use super::Scan;

    fn canonical(text: &str, schema: Option<&Schema>) -> bool {
        let mut scan = Scan::new(text.as_bytes(), false, true);
        scan.value(schema) && scan.at_end()
    }

    fn of(kind: SchemaType) -> Schema {
        Schema::new(kind)
    }

    #[test]
    fn scalars_as_java_prints_them() {
        let int64 = of(SchemaType::Int64);
        assert!(canonical("100", Some(&int64)));
        assert!(canonical("-7", Some(&int64)));
        assert!(canonical("0", Some(&int64)));
        for other in [
            "1.0E2",
            "100.0",
            "-0",
            "007",
            "1e2",
            " 1",
            "99999999999999999999",
            "\"1\"",
        ] {
            assert!(!canonical(other, Some(&int64)), "{other}");
        }
        assert!(!canonical("300", Some(&of(SchemaType::Int8))));
        assert!(canonical("-128", Some(&of(SchemaType::Int8))));
        assert!(!canonical("-129", Some(&of(SchemaType::Int8))));
        assert!(canonical("2147483647", Some(&of(SchemaType::Int32))));
        assert!(!canonical("2147483648", Some(&of(SchemaType::Int32))));
        assert!(canonical("9223372036854775807", Some(&int64)));
        assert!(canonical("-9223372036854775808", Some(&int64)));
        assert!(!canonical("9223372036854775808", Some(&int64)));
        assert!(!canonical("-9223372036854775809", Some(&int64)));
        assert!(canonical("1764028800075000000", Some(&int64)));
        let float64 = of(SchemaType::Float64);
        for ok in ["1.0", "1.5", "1.0E10", "-0.0", "4.9E-324"] {
            assert!(canonical(ok, Some(&float64)), "{ok}");
        }
        for other in ["1", "1.50", "1e10", "1.0e10", "5.0E-324", "\"NaN\""] {
            assert!(!canonical(other, Some(&float64)), "{other}");
        }
        assert!(canonical("1.4E-45", Some(&of(SchemaType::Float32))));
        assert!(!canonical("1.0E-45", Some(&of(SchemaType::Float32))));
    }

    #[test]
    fn strings_as_jackson_escapes_them() {
        let string = of(SchemaType::String);
        for ok in [r#""a""#, r#""q\"\\\n\t""#, r#""\u001F""#, r#""é/""#] {
            assert!(canonical(ok, Some(&string)), "{ok}");
        }
        for other in [
            r#""\/""#,
            r#""\u0041""#,
            r#""\u001f""#,
            r#""\u000A""#,
            "\"a\u{1}\"",
        ] {
            assert!(!canonical(other, Some(&string)), "{other}");
        }
    }

    #[test]
    fn nulls_that_read_as_defaults_are_not_canonical() {
        let mut optional = of(SchemaType::Int32);
        optional.optional = true;
        assert!(canonical("null", Some(&optional)));
        optional.default = Some(Value::Int32(5));
        assert!(!canonical("null", Some(&optional)));
        let mut scan = Scan::new(b"null", false, false);
        assert!(scan.value(Some(&optional)) && scan.at_end());
        assert!(!canonical("null", Some(&of(SchemaType::Int32))));
    }

    #[test]
    fn structs_in_schema_order_with_every_field() {
        let mut s = of(SchemaType::Struct);
        s.fields = vec![
            Field {
                name: "id".into(),
                schema: Arc::new(of(SchemaType::Int64)),
            },
            Field {
                name: "name".into(),
                schema: Arc::new(of(SchemaType::String)),
            },
        ];
        assert!(canonical(r#"{"id":1,"name":"x"}"#, Some(&s)));
        for other in [
            r#"{"name":"x","id":1}"#,
            r#"{"id":1}"#,
            r#"{"id":1,"name":"x","extra":2}"#,
            r#"{"id":1, "name":"x"}"#,
            r#"{"id":1,"name":"x"} "#,
        ] {
            assert!(!canonical(other, Some(&s)), "{other}");
        }
    }

    #[test]
    fn decimals_in_their_shortest_bytes_and_the_configured_format() {
        let mut decimal = of(SchemaType::Bytes);
        decimal.name = Some(super::super::DECIMAL_LOGICAL_NAME.into());
        decimal.parameters = vec![("scale".into(), "2".into())];
        assert!(canonical(r#""AQ==""#, Some(&decimal)));
        // 0x00 0x01: a redundant sign byte BigInteger.toByteArray would not write.
        assert!(!canonical(r#""AAE=""#, Some(&decimal)));
        assert!(!canonical(r#""AR==""#, Some(&decimal)));
        let mut numeric = Scan::new(br#""AQ==""#, true, true);
        assert!(!numeric.value(Some(&decimal)));
    }

    #[test]
    fn schemaless_objects_without_repeated_keys() {
        assert!(canonical(r#"{"a":[1,2.5,"x",null,true],"b":{}}"#, None));
        assert!(!canonical(r#"{"a":1,"a":2}"#, None));
        assert!(!canonical(r#"{"a":1.50}"#, None));
        assert!(!canonical(&"[".repeat(200), None));
    }
}
