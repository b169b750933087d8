//! `Values.parseString` for array and map literals (`[1, 2]`, `{"a": 1}`), as Kafka's
//! `Values.ValueParser` reads them, written back as `Values.convertToString` writes them
//! (`[1,2]`, `{"a":1}`).
//!
//! A port of what the parser does, token by token: Kafka's `Values.Parser` splits on `[]{}:,"`
//! (a delimiter after `\` is not one) and skips blank tokens where it expects a delimiter;
//! element types are merged as `SchemaMerger` merges them (a narrower number widens to the
//! wider one, anything else gives up on a common type), and when the elements share a type
//! each is converted to it (`alignListEntriesWithSchema`), which fails on a null element.
//! Whatever makes Kafka's parser fail (an unquoted string element, a missing delimiter, a null
//! element beside typed ones) makes it read the whole literal as a string: here `None`, and the
//! caller keeps the literal. Dates, times and timestamps (quoted or not) are read and written
//! in their ISO form when a container holds only values of one such type. Beside numbers Kafka
//! converts the numbers to that type (`["2024-01-02", 1]` → `[2024-01-02,1970-01-02]`), which
//! is not ported: the literal is left to the caller, and written as given.

use crate::decimal::BigDecimal;
use crate::java;

/// The text `Values.convertToString(Values.parseString(literal))` gives for an array or map
/// literal, or `None` when Kafka reads the literal as a plain string (or when it holds a
/// temporal value: see the module documentation).
pub(super) fn render(literal: &str) -> Option<String> {
    let mut parser = Parser::new(literal);
    let value = if parser.can_consume("[") {
        parser.array().ok()?
    } else if parser.can_consume("{") {
        parser.map().ok()?
    } else {
        return None;
    };
    let mut out = String::new();
    value.append(&mut out, false);
    Some(out)
}

/// Why a container did not parse: Kafka's parser fails (`DataException`), or a value this port
/// leaves to the caller.
#[derive(Debug)]
struct Unparsed;

/// A parsed value.
#[derive(Debug, Clone, PartialEq)]
enum Parsed {
    Null,
    Boolean(bool),
    /// An integer and the width Kafka gives it (0: INT8 … 3: INT64).
    Integer(i64, u8),
    Float32(f32),
    Float64(f64),
    /// A `Decimal` (its text, `BigDecimal.toString`, and its scale).
    Decimal(String, i32),
    /// A date, time or timestamp: its text as `Values.dateFormatFor` writes it, and which
    /// (by the length of the ISO form it was read from).
    Temporal(String, usize),
    String(String),
    Array(Vec<Parsed>),
    Map(Vec<(Parsed, Parsed)>),
}

/// The Connect type of a parsed value, for merging (`SchemaMerger`).
#[derive(Debug, Clone, Copy, PartialEq)]
enum Type {
    Boolean,
    Integer(u8),
    Float32,
    Float64,
    Bytes,
    Temporal(usize),
    String,
    Array,
    Map,
}

impl Parsed {
    fn type_of(&self) -> Option<Type> {
        Some(match self {
            Parsed::Null => return None,
            Parsed::Boolean(_) => Type::Boolean,
            Parsed::Integer(_, w) => Type::Integer(*w),
            Parsed::Float32(_) => Type::Float32,
            Parsed::Float64(_) => Type::Float64,
            Parsed::Decimal(..) => Type::Bytes,
            Parsed::Temporal(_, kind) => Type::Temporal(*kind),
            Parsed::String(_) => Type::String,
            Parsed::Array(_) => Type::Array,
            Parsed::Map(_) => Type::Map,
        })
    }

    /// `Values.convertTo(type, null, value)` for the widening conversions a merged type asks.
    fn convert(self, to: Type) -> Result<Parsed, Unparsed> {
        Ok(match (self, to) {
            // "Unable to convert a null value to a schema that requires a value".
            (Parsed::Null, _) => return Err(Unparsed),
            (Parsed::Integer(v, _), Type::Integer(w)) => Parsed::Integer(v, w),
            (Parsed::Integer(v, _), Type::Float32) => Parsed::Float32(v as f32),
            (Parsed::Integer(v, _), Type::Float64) => Parsed::Float64(v as f64),
            (Parsed::Float32(v), Type::Float64) => Parsed::Float64(f64::from(v)),
            (same, _) => same,
        })
    }

    /// `Values.append`: strings inside a container are quoted, with `\` and `"` escaped.
    fn append(&self, out: &mut String, embedded: bool) {
        match self {
            Parsed::Null => out.push_str("null"),
            Parsed::Boolean(b) => out.push_str(if *b { "true" } else { "false" }),
            Parsed::Integer(v, _) => out.push_str(&v.to_string()),
            Parsed::Float32(v) => out.push_str(&java::float_to_string(*v)),
            Parsed::Float64(v) => out.push_str(&java::double_to_string(*v)),
            Parsed::Decimal(text, _) | Parsed::Temporal(text, _) => out.push_str(text),
            Parsed::String(s) if embedded => super::quote(out, s),
            Parsed::String(s) => out.push_str(s),
            Parsed::Array(items) => {
                out.push('[');
                for (i, item) in items.iter().enumerate() {
                    if i > 0 {
                        out.push(',');
                    }
                    item.append(out, true);
                }
                out.push(']');
            }
            Parsed::Map(entries) => {
                out.push('{');
                for (i, (k, v)) in entries.iter().enumerate() {
                    if i > 0 {
                        out.push(',');
                    }
                    k.append(out, true);
                    out.push(':');
                    v.append(out, true);
                }
                out.push('}');
            }
        }
    }
}

/// `Values.mergeSchemas` on types: the same type stays; a number widens to the other number's
/// type when that is wider; anything else has no common type.
fn merge(previous: Type, new: Type) -> Option<Type> {
    let rank = |t: Type| match t {
        Type::Integer(w) => Some(w),
        Type::Float32 => Some(4),
        Type::Float64 => Some(5),
        _ => None,
    };
    if previous == new {
        return Some(previous);
    }
    if matches!(previous, Type::Temporal(_)) || matches!(new, Type::Temporal(_)) {
        return None;
    }
    match (rank(previous), rank(new)) {
        (Some(p), Some(n)) => Some(if n > p { new } else { previous }),
        _ => None,
    }
}

/// `SchemaMerger`: the common type of the values seen, `None` while only nulls were seen.
#[derive(Default)]
struct Merger {
    common: Option<Type>,
    compatible: bool,
    seen: bool,
}

impl Merger {
    fn merge(&mut self, value: &Parsed) {
        let Some(t) = value.type_of() else {
            return;
        };
        if self.seen && !self.compatible {
            return;
        }
        self.common = match (self.seen, self.common) {
            (false, _) => Some(t),
            (true, Some(c)) => merge(c, t),
            (true, None) => None,
        };
        self.seen = true;
        self.compatible = self.common.is_some();
    }

    fn common(&self) -> Option<Type> {
        self.common.filter(|_| self.compatible)
    }

    /// Whether a temporal value met a value of another type, which Kafka converts by rules
    /// not ported here.
    fn mixes_temporal(&self, values: &[&Parsed]) -> bool {
        values.iter().any(|v| matches!(v, Parsed::Temporal(..)))
            && !matches!(self.common(), Some(Type::Temporal(_)))
    }
}

/// Kafka's `Values.Parser` and `ValueParser` over a literal.
struct Parser<'a> {
    text: &'a str,
    pos: usize,
    /// A token read ahead and not consumed: its start and end.
    next: Option<(usize, usize)>,
    /// How many containers the parse is inside (bounded by [`MAX_DEPTH`]).
    depth: usize,
}

/// The deepest nesting of arrays and maps parsed; a deeper literal is kept as given (the
/// recursion would otherwise grow with the literal).
const MAX_DEPTH: usize = 64;

const DELIMITERS: &[char] = &[':', ',', '{', '}', '[', ']', '"'];

impl<'a> Parser<'a> {
    fn new(text: &'a str) -> Self {
        Parser {
            text,
            pos: 0,
            next: None,
            depth: 0,
        }
    }

    /// `consumeNextToken`: the run up to the next unescaped delimiter, or that delimiter.
    fn consume(&mut self) -> (usize, usize) {
        let start = self.pos;
        let mut escaped = false;
        for (i, c) in self.text[start..].char_indices() {
            let at = start + i;
            match c {
                '\\' => escaped = !escaped,
                c if DELIMITERS.contains(&c) && !escaped => {
                    if at > start {
                        self.pos = at;
                        return (start, at);
                    }
                    self.pos = at + c.len_utf8();
                    return (start, self.pos);
                }
                _ => escaped = false,
            }
        }
        self.pos = self.text.len();
        (start, self.pos)
    }

    fn has_next(&self) -> bool {
        self.next.is_some() || self.pos < self.text.len()
    }

    fn token(&self, (s, e): (usize, usize)) -> &'a str {
        &self.text[s..e]
    }

    fn next_token(&mut self) -> &'a str {
        let span = match self.next.take() {
            Some(span) => span,
            None => self.consume(),
        };
        self.token(span)
    }

    fn mark(&self) -> usize {
        self.next.map_or(self.pos, |(s, _)| s)
    }

    fn rewind(&mut self, to: usize) {
        self.pos = to;
        self.next = None;
    }

    /// `canConsume(expected)`, blank tokens skipped and the token trimmed.
    fn can_consume(&mut self, expected: &str) -> bool {
        if self.next.is_none() {
            if !self.has_next() {
                return false;
            }
            self.next = Some(self.consume());
        }
        while let Some(span) = self.next {
            if !self.token(span).trim().is_empty() || self.pos >= self.text.len() {
                break;
            }
            self.next = Some(self.consume());
        }
        match self.next {
            Some(span) if self.token(span).trim() == expected => {
                self.next = None;
                true
            }
            _ => false,
        }
    }

    /// `canParseSingleTokenLiteral(true, word)`.
    fn single(&mut self, word: &str) -> bool {
        let start = self.mark();
        if self.can_consume(word) {
            return true;
        }
        self.rewind(start);
        false
    }

    /// `parse(true)`: an embedded value, `None` for null.
    fn embedded(&mut self) -> Result<Parsed, Unparsed> {
        if !self.has_next() {
            return Ok(Parsed::Null);
        }
        if self.can_consume("\"") {
            return self.quoted();
        }
        if self.single("null") {
            return Ok(Parsed::Null);
        }
        if self.single("true") {
            return Ok(Parsed::Boolean(true));
        }
        if self.single("false") {
            return Ok(Parsed::Boolean(false));
        }
        let start = self.mark();
        if self.can_consume("[") {
            if let Ok(array) = self.array() {
                return Ok(array);
            }
            self.rewind(start);
        } else if self.can_consume("{") {
            if let Ok(map) = self.map() {
                return Ok(map);
            }
            self.rewind(start);
        }
        let token = self.next_token();
        if token.trim().is_empty() {
            return Ok(Parsed::String(token.to_owned()));
        }
        self.scalar(token.trim())
    }

    /// `parseNextToken(true, token)`: a number, else the parse fails.
    fn scalar(&mut self, token: &str) -> Result<Parsed, Unparsed> {
        let first = token.chars().next().unwrap_or(' ');
        if first.is_ascii_digit() {
            // `parseMultipleTokensAsTemporal`: a time or timestamp spans five tokens.
            let here = self.mark();
            let mut joined = token.to_owned();
            let mut taken = 0;
            while taken < 4 && self.has_next() {
                joined.push_str(self.next_token());
                taken += 1;
            }
            if taken == 4
                && let Some(temporal) = temporal(&joined)
            {
                return Ok(temporal);
            }
            self.rewind(here);
            if let Some(temporal) = temporal(token) {
                return Ok(temporal);
            }
        }
        if (first.is_ascii_digit() || first == '+' || first == '-')
            && let Some(number) = number(token)
        {
            return Ok(number);
        }
        // "Failed to parse embedded value".
        Err(Unparsed)
    }

    /// `parseQuotedString`, after the opening quote.
    fn quoted(&mut self) -> Result<Parsed, Unparsed> {
        let mut content = String::new();
        while self.has_next() {
            if self.can_consume("\"") {
                break;
            }
            content.push_str(self.next_token());
        }
        Ok(temporal(&content).unwrap_or(Parsed::String(content)))
    }

    /// `parseArray`, after `[`.
    fn array(&mut self) -> Result<Parsed, Unparsed> {
        self.depth += 1;
        let parsed = self.array_items();
        self.depth -= 1;
        parsed
    }

    fn array_items(&mut self) -> Result<Parsed, Unparsed> {
        if self.depth > MAX_DEPTH {
            return Err(Unparsed);
        }
        let mut items = Vec::new();
        let mut merger = Merger::default();
        while self.has_next() {
            if self.can_consume("]") {
                if merger.mixes_temporal(&items.iter().collect::<Vec<_>>()) {
                    return Err(Unparsed);
                }
                let items = match merger.common() {
                    Some(t) => items
                        .into_iter()
                        .map(|v: Parsed| v.convert(t))
                        .collect::<Result<_, _>>()?,
                    None => items,
                };
                return Ok(Parsed::Array(items));
            }
            if self.can_consume(",") {
                return Err(Unparsed);
            }
            let item = self.embedded()?;
            merger.merge(&item);
            items.push(item);
            let here = self.mark();
            if self.can_consume("]") {
                self.rewind(here);
            } else if !self.can_consume(",") {
                return Err(Unparsed);
            }
        }
        Err(Unparsed)
    }

    /// `parseMap`, after `{`.
    fn map(&mut self) -> Result<Parsed, Unparsed> {
        self.depth += 1;
        let parsed = self.map_entries();
        self.depth -= 1;
        parsed
    }

    fn map_entries(&mut self) -> Result<Parsed, Unparsed> {
        if self.depth > MAX_DEPTH {
            return Err(Unparsed);
        }
        let mut entries: Vec<(Parsed, Parsed)> = Vec::new();
        let (mut keys, mut values) = (Merger::default(), Merger::default());
        while self.has_next() {
            if self.can_consume("}") {
                let (ks, vs): (Vec<&Parsed>, Vec<&Parsed>) =
                    entries.iter().map(|(k, v)| (k, v)).unzip();
                if keys.mixes_temporal(&ks) || values.mixes_temporal(&vs) {
                    return Err(Unparsed);
                }
                let entries = match (keys.common(), values.common()) {
                    (Some(k), Some(v)) => entries
                        .into_iter()
                        .map(|(key, value)| Ok((key.convert(k)?, value.convert(v)?)))
                        .collect::<Result<Vec<_>, Unparsed>>()?,
                    (Some(k), None) => entries
                        .into_iter()
                        .map(|(key, value)| Ok((key.convert(k)?, value)))
                        .collect::<Result<Vec<_>, Unparsed>>()?,
                    _ => entries,
                };
                return Ok(Parsed::Map(dedup(entries)));
            }
            if self.can_consume(",") {
                return Err(Unparsed);
            }
            let key = self.embedded()?;
            if key == Parsed::Null || !self.can_consume(":") {
                return Err(Unparsed);
            }
            let value = self.embedded()?;
            keys.merge(&key);
            values.merge(&value);
            entries.push((key, value));
            self.can_consume(",");
        }
        Err(Unparsed)
    }
}

/// A date, time or timestamp in its ISO form (`parseAsTemporal`), as `Values` writes it.
fn temporal(token: &str) -> Option<Parsed> {
    let kind = token.replace("\\:", ":").chars().count();
    super::temporal(token).map(|text| Parsed::Temporal(text, kind))
}

/// A `LinkedHashMap`'s entries: a repeated key keeps its first place and takes the last value.
fn dedup(entries: Vec<(Parsed, Parsed)>) -> Vec<(Parsed, Parsed)> {
    let mut out: Vec<(Parsed, Parsed)> = Vec::with_capacity(entries.len());
    for (key, value) in entries {
        match out.iter_mut().find(|(k, _)| *k == key) {
            Some(entry) => entry.1 = value,
            None => out.push((key, value)),
        }
    }
    out
}

/// `parseAsNumber`: the narrowest integer type that holds the number exactly, else a float, a
/// double or a decimal.
fn number(token: &str) -> Option<Parsed> {
    let decimal = BigDecimal::parse(token)?;
    if let Some(v) = super::exact_long(&decimal) {
        let width = if i8::try_from(v).is_ok() {
            0
        } else if i16::try_from(v).is_ok() {
            1
        } else if i32::try_from(v).is_ok() {
            2
        } else {
            3
        };
        return Some(Parsed::Integer(v, width));
    }
    let f = decimal.float_value();
    if f.is_finite() && decimal.scale != 0 {
        return Some(Parsed::Float32(f));
    }
    let d = decimal.double_value();
    if d.is_finite() && decimal.scale != 0 {
        return Some(Parsed::Float64(d));
    }
    Some(Parsed::Decimal(decimal.to_java_string(), decimal.scale))
}

#[cfg(test)]
mod tests {
    use super::render;

    /// Cases recorded with Kafka Connect 3.9.0's `InsertHeader` and `SimpleHeaderConverter`
    /// (`tests/conformance/insert-header-containers`).
    #[test]
    fn containers_as_kafka_reads_and_writes_them() {
        for (literal, expected) in [
            ("[1, 2]", Some("[1,2]")),
            (r#"[ "x" , 1.5 ]"#, Some(r#"["x",1.5]"#)),
            ("{}", Some("{}")),
            ("[]", Some("[]")),
            (r#"[1, "two"]"#, Some(r#"[1,"two"]"#)),
            ("{1: 2}", Some("{1:2}")),
            (r#"{"a": 1, "b": [true, null]}"#, None),
            ("[1, 2.5]", Some("[1.0,2.5]")),
            ("[a, b]", None),
            ("[null]", Some("[null]")),
            ("[1, null]", None),
            ("x", None),
            (
                r#"["2024-01-02", 2024-01-03]"#,
                Some("[2024-01-02,2024-01-03]"),
            ),
            (r#"["2024-01-02", 1]"#, None),
        ] {
            assert_eq!(render(literal).as_deref(), expected, "{literal}");
        }
        let deep = format!("{}1{}", "[".repeat(100_000), "]".repeat(100_000));
        assert_eq!(render(&deep), None);
    }
}
