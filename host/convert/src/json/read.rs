//! Reading JSON text into Connect schemas and values in one pass, guided by the schema, as
//! `JsonConverter.asConnectSchema` / `convertToConnect` read Jackson's tree (parsed with
//! `USE_BIG_DECIMAL_FOR_FLOATS` and `ALLOW_LEADING_ZEROS_FOR_NUMBERS`).
//!
//! The reader works on a `&str` whose UTF-8 was checked once up front, so strings without
//! escapes are sliced, not copied twice, and numbers keep their exact text (for `Decimal`s and
//! for telling integers from other numbers, as Jackson's `isIntegralNumber` does).

use std::borrow::Cow;
use std::sync::Arc;

use base64::Engine as _;
use base64::engine::{DecodePaddingMode, GeneralPurpose, GeneralPurposeConfig};

use super::super::ConvertError;
use super::DECIMAL_LOGICAL_NAME;
use switchyard_data::{Field, Schema, SchemaType, Value};

/// Deepest nesting accepted (Jackson's `StreamReadConstraints` default); deeper input is an
/// error rather than a stack overflow.
const MAX_DEPTH: u32 = 1000;

/// Deepest nesting of schemas accepted (a struct in a struct is two levels). Building a schema
/// takes more stack per level than reading JSON; real schemas nest a handful of levels.
const MAX_SCHEMA_DEPTH: u32 = 200;

/// Base64 as Jackson's default variant reads it: standard alphabet, padding required, bits
/// after the last full byte ignored.
pub(super) const BASE64_READ: GeneralPurpose = GeneralPurpose::new(
    &base64::alphabet::STANDARD,
    GeneralPurposeConfig::new()
        .with_decode_allow_trailing_bits(true)
        .with_decode_padding_mode(DecodePaddingMode::RequireCanonical),
);

// ---------------------------------------------------------------------------------------------
// Errors

/// One step of the path to a value, for messages.
#[derive(Debug, Clone)]
pub(super) enum Seg {
    /// A struct field or a schema attribute.
    Field(String),
    /// An array element or a struct schema's field entry.
    Index(usize),
    /// A map entry.
    Key(String),
}

/// An error while reading or writing: malformed JSON (with its byte offset) or data that does
/// not fit (with the path to it, innermost step first). Boxed, so results stay small and deep
/// recursion uses little stack.
#[derive(Debug)]
pub(crate) struct JErr(Box<JErrInner>);

#[derive(Debug)]
struct JErrInner {
    syntax: bool,
    msg: String,
    pos: usize,
    path: Option<Vec<Seg>>,
    root: Option<&'static str>,
    missing: bool,
}

impl JErr {
    pub(super) fn syntax(msg: impl Into<String>, pos: usize) -> Self {
        JErr(Box::new(JErrInner {
            syntax: true,
            msg: msg.into(),
            pos,
            path: None,
            root: None,
            missing: false,
        }))
    }

    /// A data error reported without a path (the envelope check).
    pub(super) fn data(msg: impl Into<String>) -> Self {
        JErr(Box::new(JErrInner {
            syntax: false,
            msg: msg.into(),
            pos: 0,
            path: None,
            root: None,
            missing: false,
        }))
    }

    /// A data error at the current value; outer levels add their steps.
    pub(super) fn here(msg: impl Into<String>) -> Self {
        let mut e = JErr::data(msg);
        e.0.path = Some(Vec::new());
        e
    }

    pub(super) fn is_syntax(&self) -> bool {
        self.0.syntax
    }

    pub(super) fn at(mut self, seg: impl FnOnce() -> Seg) -> Self {
        if let Some(path) = &mut self.0.path {
            path.push(seg());
        }
        self
    }

    pub(super) fn at_field(self, name: &str) -> Self {
        self.at(|| Seg::Field(name.to_string()))
    }

    pub(super) fn at_root(mut self, root: &'static str) -> Self {
        self.0.root.get_or_insert(root);
        self
    }

    fn missing(mut self) -> Self {
        self.0.missing = true;
        self
    }

    /// The path as `root.field[3]["key"]`.
    fn render_path(&self, root: &str) -> Option<String> {
        let path = self.0.path.as_ref()?;
        let mut out = String::from(self.0.root.unwrap_or(root));
        for seg in path.iter().rev() {
            match seg {
                Seg::Field(name) => {
                    out.push('.');
                    out.push_str(name);
                }
                Seg::Index(i) => out.push_str(&format!("[{i}]")),
                Seg::Key(key) => out.push_str(&format!("[{key:?}]")),
            }
        }
        Some(out)
    }

    /// The converter error: syntax errors get `prefix` and a line and column in `text`, data
    /// errors the path from `root`.
    pub(crate) fn into_convert(self, text: &str, prefix: &str, root: &str) -> ConvertError {
        let e = &self.0;
        if e.syntax {
            let upto = &text.as_bytes()[..e.pos.min(text.len())];
            let line = upto.iter().filter(|&&b| b == b'\n').count() + 1;
            let column =
                upto.len() - upto.iter().rposition(|&b| b == b'\n').map_or(0, |i| i + 1) + 1;
            return ConvertError::new(format!(
                "{prefix}{} at line {line}, column {column} (byte {})",
                e.msg, e.pos
            ));
        }
        match self.render_path(root) {
            Some(path) if e.missing => {
                ConvertError::new(format!("{} (at {path}, which is missing)", e.msg))
            }
            Some(path) => ConvertError::new(format!("{} (at {path})", e.msg)),
            None => ConvertError::new(e.msg.clone()),
        }
    }
}

/// Jackson's `JsonNodeType` of the value starting with `c`, for messages.
fn node_type(c: u8) -> &'static str {
    match c {
        b'{' => "OBJECT",
        b'[' => "ARRAY",
        b'"' => "STRING",
        b't' | b'f' => "BOOLEAN",
        b'n' => "NULL",
        _ => "NUMBER",
    }
}

fn is_value_start(c: u8) -> bool {
    matches!(
        c,
        b'{' | b'[' | b'"' | b't' | b'f' | b'n' | b'-' | b'0'..=b'9'
    )
}

// ---------------------------------------------------------------------------------------------
// The reader

/// A number's text and whether it is an integer token (no fraction, no exponent).
#[derive(Clone, Copy)]
pub(super) struct Num<'a> {
    text: &'a str,
    integral: bool,
}

/// The end of the run of plain string bytes starting at `from`: the position of the first `"`,
/// `\\` or control character, or the end of `b`. Eight bytes at a time (a SWAR test: no crate
/// offers this three-way scan for the short strings JSON fields hold, where `memchr`'s set-up
/// costs more than the scan).
#[inline]
pub(super) fn plain_run(b: &[u8], from: usize) -> usize {
    const ONES: u64 = u64::from_ne_bytes([0x01; 8]);
    const HIGHS: u64 = u64::from_ne_bytes([0x80; 8]);
    let mut i = from;
    while let Some(chunk) = b.get(i..i + 8) {
        let mut word = [0; 8];
        word.copy_from_slice(chunk);
        let w = u64::from_le_bytes(word);
        let quote = w ^ (ONES * u64::from(b'"'));
        let slash = w ^ (ONES * u64::from(b'\\'));
        // A byte below 0x20, a zero byte of `quote` or of `slash`, sets its high bit here
        // (bytes at or above 0x80 are excluded by `!w`, `!quote` and `!slash`).
        let special = (w.wrapping_sub(ONES * 0x20) & !w)
            | (quote.wrapping_sub(ONES) & !quote)
            | (slash.wrapping_sub(ONES) & !slash);
        let found = special & HIGHS;
        if found != 0 {
            // The lowest flagged byte is exact: a borrow only ever flags bytes above a byte
            // that really is special.
            return i + (found.trailing_zeros() / 8) as usize;
        }
        i += 8;
    }
    while let Some(&c) = b.get(i) {
        if c == b'"' || c == b'\\' || c < 0x20 {
            break;
        }
        i += 1;
    }
    i
}

/// A cursor over JSON text.
pub(super) struct Reader<'a> {
    text: &'a str,
    b: &'a [u8],
    pos: usize,
    depth: u32,
    /// Every field name of the schema being read needs no escaping in JSON
    /// ([`plain_names`]): a member key can be matched against the expected name in place.
    pub(super) plain_names: bool,
}

impl<'a> Reader<'a> {
    pub(super) fn new(text: &'a str) -> Self {
        Reader {
            text,
            b: text.as_bytes(),
            pos: 0,
            depth: 0,
            plain_names: false,
        }
    }

    pub(super) fn text(&self) -> &'a str {
        self.text
    }

    pub(super) fn bytes(&self) -> &'a [u8] {
        self.b
    }

    pub(super) fn pos(&self) -> usize {
        self.pos
    }

    pub(super) fn set_pos(&mut self, pos: usize) {
        self.pos = pos;
    }

    /// The position and nesting depth, to [`Reader::reset`] to after an error.
    pub(super) fn mark(&self) -> (usize, u32) {
        (self.pos, self.depth)
    }

    pub(super) fn reset(&mut self, (pos, depth): (usize, u32)) {
        self.pos = pos;
        self.depth = depth;
    }

    #[inline]
    pub(super) fn ws(&mut self) {
        while let Some(&c) = self.b.get(self.pos) {
            if matches!(c, b' ' | b'\n' | b'\r' | b'\t') {
                self.pos += 1;
            } else {
                break;
            }
        }
    }

    #[inline]
    pub(super) fn peek(&self) -> Option<u8> {
        self.b.get(self.pos).copied()
    }

    pub(super) fn at_end(&self) -> bool {
        self.pos >= self.b.len()
    }

    /// Requires that only whitespace follows.
    pub(super) fn end(&mut self) -> Result<(), JErr> {
        self.ws();
        if self.at_end() {
            Ok(())
        } else {
            Err(self.unexpected("end of input"))
        }
    }

    fn unexpected(&self, expected: &str) -> JErr {
        match self.text[self.pos.min(self.text.len())..].chars().next() {
            None => JErr::syntax(
                format!("unexpected end of input, expected {expected}"),
                self.pos,
            ),
            Some(c) => JErr::syntax(
                format!("unexpected character {c:?}, expected {expected}"),
                self.pos,
            ),
        }
    }

    /// Skips whitespace and returns the next byte, which must start a value.
    #[inline]
    fn value_start(&mut self) -> Result<u8, JErr> {
        self.ws();
        match self.peek() {
            Some(c) if is_value_start(c) => Ok(c),
            _ => Err(self.unexpected("a JSON value")),
        }
    }

    fn literal(&mut self, word: &'static [u8]) -> Result<(), JErr> {
        if self.b[self.pos..].starts_with(word) {
            self.pos += word.len();
            Ok(())
        } else {
            Err(JErr::syntax(
                format!(
                    "invalid literal, expected {:?}",
                    std::str::from_utf8(word).unwrap_or_default()
                ),
                self.pos,
            ))
        }
    }

    fn enter(&mut self) -> Result<(), JErr> {
        self.depth += 1;
        if self.depth > MAX_DEPTH {
            return Err(JErr::syntax(
                format!("nesting deeper than {MAX_DEPTH} levels"),
                self.pos,
            ));
        }
        self.pos += 1;
        Ok(())
    }

    fn leave(&mut self) {
        self.depth -= 1;
    }

    /// After an element of a container: `,` (true, more follow) or the closing byte (false).
    #[inline]
    fn next_or_close(&mut self, close: u8) -> Result<bool, JErr> {
        self.ws();
        match self.peek() {
            Some(b',') => {
                self.pos += 1;
                Ok(true)
            }
            Some(c) if c == close => {
                self.pos += 1;
                Ok(false)
            }
            _ => Err(self.unexpected(if close == b'}' {
                "',' or '}'"
            } else {
                "',' or ']'"
            })),
        }
    }

    /// Reads an object (at `{`) calling `f` with each key, positioned at its value, which `f`
    /// must consume.
    pub(super) fn object(
        &mut self,
        mut f: impl FnMut(&mut Self, &str) -> Result<(), JErr>,
    ) -> Result<(), JErr> {
        self.object_owning_keys(|r, key| f(r, &key))
    }

    /// [`Reader::object`], handing `f` each key itself (borrowed from the text unless it has
    /// escapes).
    fn object_owning_keys(
        &mut self,
        mut f: impl FnMut(&mut Self, Cow<'a, str>) -> Result<(), JErr>,
    ) -> Result<(), JErr> {
        self.enter()?;
        self.ws();
        if self.peek() == Some(b'}') {
            self.pos += 1;
        } else {
            loop {
                self.ws();
                if self.peek() != Some(b'"') {
                    return Err(self.unexpected("a field name"));
                }
                let key = self.string()?;
                self.ws();
                if self.peek() != Some(b':') {
                    return Err(self.unexpected("':'"));
                }
                self.pos += 1;
                f(self, key)?;
                if !self.next_or_close(b'}')? {
                    break;
                }
            }
        }
        self.leave();
        Ok(())
    }

    /// Reads an array (at `[`) calling `f` with each index, positioned before the element,
    /// which `f` must consume.
    fn array(
        &mut self,
        mut f: impl FnMut(&mut Self, usize) -> Result<(), JErr>,
    ) -> Result<(), JErr> {
        self.enter()?;
        self.ws();
        if self.peek() == Some(b']') {
            self.pos += 1;
        } else {
            let mut i = 0;
            loop {
                f(self, i)?;
                i += 1;
                if !self.next_or_close(b']')? {
                    break;
                }
            }
        }
        self.leave();
        Ok(())
    }

    /// Reads a string (at `"`), borrowing it when it has no escapes.
    pub(super) fn string(&mut self) -> Result<Cow<'a, str>, JErr> {
        self.pos += 1;
        let start = self.pos;
        let b = self.b;
        self.pos = plain_run(b, start);
        match b.get(self.pos) {
            Some(b'"') => {
                let s = &self.text[start..self.pos];
                self.pos += 1;
                return Ok(Cow::Borrowed(s));
            }
            Some(b'\\') => {}
            Some(&c) => return Err(self.control_char(c)),
            None => return Err(self.unexpected("'\"' closing a string")),
        }
        let mut out = String::with_capacity(self.pos - start + 16);
        out.push_str(&self.text[start..self.pos]);
        loop {
            let run = self.pos;
            self.pos = plain_run(b, run);
            out.push_str(&self.text[run..self.pos]);
            match b.get(self.pos) {
                Some(b'"') => {
                    self.pos += 1;
                    return Ok(Cow::Owned(out));
                }
                Some(b'\\') => self.escape(Some(&mut out))?,
                Some(&c) => return Err(self.control_char(c)),
                None => return Err(self.unexpected("'\"' closing a string")),
            }
        }
    }

    fn control_char(&self, c: u8) -> JErr {
        JErr::syntax(
            format!("illegal unquoted control character (code {c}) in a string"),
            self.pos,
        )
    }

    /// Reads an escape (at `\`), appending what it stands for to `out` if given.
    fn escape(&mut self, out: Option<&mut String>) -> Result<(), JErr> {
        let at = self.pos;
        let c = match self.b.get(self.pos + 1) {
            Some(&c) => c,
            None => return Err(JErr::syntax("unexpected end of input in an escape", at)),
        };
        self.pos += 2;
        let ch = match c {
            b'"' => '"',
            b'\\' => '\\',
            b'/' => '/',
            b'b' => '\u{8}',
            b'f' => '\u{c}',
            b'n' => '\n',
            b'r' => '\r',
            b't' => '\t',
            b'u' => {
                let hi = self.hex4(at)?;
                let code = if (0xD800..0xDC00).contains(&hi) {
                    if self.b.get(self.pos) != Some(&b'\\')
                        || self.b.get(self.pos + 1) != Some(&b'u')
                    {
                        return Err(JErr::syntax("lone UTF-16 surrogate in a \\u escape", at));
                    }
                    self.pos += 2;
                    let lo = self.hex4(at)?;
                    if !(0xDC00..0xE000).contains(&lo) {
                        return Err(JErr::syntax("lone UTF-16 surrogate in a \\u escape", at));
                    }
                    0x10000 + ((hi - 0xD800) << 10) + (lo - 0xDC00)
                } else {
                    hi
                };
                match char::from_u32(code) {
                    Some(ch) => ch,
                    None => return Err(JErr::syntax("lone UTF-16 surrogate in a \\u escape", at)),
                }
            }
            other => {
                return Err(JErr::syntax(
                    format!("unrecognized character escape {:?}", char::from(other)),
                    at,
                ));
            }
        };
        if let Some(out) = out {
            out.push(ch);
        }
        Ok(())
    }

    fn hex4(&mut self, at: usize) -> Result<u32, JErr> {
        let digits = self
            .b
            .get(self.pos..self.pos + 4)
            .ok_or_else(|| JErr::syntax("unexpected end of input in a \\u escape", at))?;
        let mut code = 0;
        for &d in digits {
            let v = (d as char)
                .to_digit(16)
                .ok_or_else(|| JErr::syntax("invalid hex digit in a \\u escape", at))?;
            code = code * 16 + v;
        }
        self.pos += 4;
        Ok(code)
    }

    /// Skips a string (at `"`), checking it.
    fn skip_string(&mut self) -> Result<(), JErr> {
        self.pos += 1;
        let b = self.b;
        loop {
            self.pos = plain_run(b, self.pos);
            match b.get(self.pos) {
                Some(b'"') => {
                    self.pos += 1;
                    return Ok(());
                }
                Some(b'\\') => self.escape(None)?,
                Some(&c) => return Err(self.control_char(c)),
                None => return Err(self.unexpected("'\"' closing a string")),
            }
        }
    }

    /// Reads a number (at `-` or a digit). Leading zeros are accepted, as Kafka's
    /// `JsonDeserializer` enables `ALLOW_LEADING_ZEROS_FOR_NUMBERS`.
    fn number(&mut self) -> Result<Num<'a>, JErr> {
        let start = self.pos;
        let b = self.b;
        if b.get(self.pos) == Some(&b'-') {
            self.pos += 1;
        }
        self.digits("a digit")?;
        let mut integral = true;
        if b.get(self.pos) == Some(&b'.') {
            self.pos += 1;
            self.digits("a digit after the decimal point")?;
            integral = false;
        }
        if matches!(b.get(self.pos), Some(b'e' | b'E')) {
            self.pos += 1;
            if matches!(b.get(self.pos), Some(b'+' | b'-')) {
                self.pos += 1;
            }
            self.digits("a digit in the exponent")?;
            integral = false;
        }
        Ok(Num {
            text: &self.text[start..self.pos],
            integral,
        })
    }

    fn digits(&mut self, what: &str) -> Result<(), JErr> {
        let start = self.pos;
        while matches!(self.b.get(self.pos), Some(b'0'..=b'9')) {
            self.pos += 1;
        }
        if self.pos == start {
            return Err(self.unexpected(what));
        }
        Ok(())
    }

    /// Skips one value, checking it.
    pub(super) fn skip_value(&mut self) -> Result<(), JErr> {
        match self.value_start()? {
            b'{' => self.skip_object(None),
            b'[' => self.array(|r, _| r.skip_value()),
            b'"' => self.skip_string(),
            b't' => self.literal(b"true"),
            b'f' => self.literal(b"false"),
            b'n' => self.literal(b"null"),
            _ => self.number().map(|_| ()),
        }
    }

    /// Skips an object (at `{`), checking it; keys are checked, not unescaped. With `seen`, a
    /// member that is an object is first looked up there, and a long one that had to be
    /// scanned is remembered: callers pass it at one depth only, so a remembered object is
    /// within the depth limit again.
    fn skip_object(&mut self, mut seen: Option<&mut SeenObjects>) -> Result<(), JErr> {
        self.enter()?;
        self.ws();
        if self.peek() == Some(b'}') {
            self.pos += 1;
        } else {
            loop {
                self.ws();
                if self.peek() != Some(b'"') {
                    return Err(self.unexpected("a field name"));
                }
                self.skip_string()?;
                self.ws();
                if self.peek() != Some(b':') {
                    return Err(self.unexpected("':'"));
                }
                self.pos += 1;
                self.ws();
                let start = self.pos;
                match seen.as_deref_mut() {
                    Some(seen) => match seen.known(&self.b[start..]) {
                        Some(len) => self.pos += len,
                        None => {
                            self.skip_value()?;
                            if self.b[start] == b'{' {
                                seen.remember(&self.b[start..self.pos]);
                            }
                        }
                    },
                    None => self.skip_value()?,
                }
                if !self.next_or_close(b'}')? {
                    break;
                }
            }
        }
        self.leave();
        Ok(())
    }

    // -----------------------------------------------------------------------------------------
    // Values

    /// Reads a value with `schema`, or schemaless when it is `None`.
    pub(super) fn value_opt(
        &mut self,
        schema: Option<&Schema>,
        replace: bool,
    ) -> Result<Value, JErr> {
        match schema {
            Some(schema) => self.value(schema, replace),
            None => self.any(),
        }
    }

    /// Reads a schemaless value (`convertToConnect` with a null schema).
    pub(super) fn any(&mut self) -> Result<Value, JErr> {
        Ok(match self.value_start()? {
            b'n' => {
                self.literal(b"null")?;
                Value::Null
            }
            b't' => {
                self.literal(b"true")?;
                Value::Boolean(true)
            }
            b'f' => {
                self.literal(b"false")?;
                Value::Boolean(false)
            }
            b'"' => Value::String(self.string()?.into()),
            b'[' => {
                let mut items = Vec::new();
                self.array(|r, i| {
                    items.push(r.any().map_err(|e| e.at(|| Seg::Index(i)))?);
                    Ok(())
                })?;
                Value::Array(items)
            }
            b'{' => {
                let mut entries = Vec::new();
                let mut keys = KeySet::default();
                self.object(|r, key| {
                    keys.add(key);
                    let value = r.any().map_err(|e| e.at(|| Seg::Key(key.to_string())))?;
                    entries.push((Value::String(key.into()), value));
                    Ok(())
                })?;
                if keys.maybe_repeated {
                    dedup_entries(&mut entries);
                }
                Value::Map(entries)
            }
            _ => {
                let n = self.number()?;
                if n.integral {
                    Value::Int64(parse_i64_wrapping(n.text))
                } else {
                    Value::Float64(n.text.parse().unwrap_or(f64::NAN))
                }
            }
        })
    }

    /// Reads a value with a schema (`convertToConnect` with a schema), strictly.
    pub(super) fn value(&mut self, schema: &Schema, replace: bool) -> Result<Value, JErr> {
        let mut value = Value::Null;
        self.value_into(schema, replace, &mut value)?;
        Ok(value)
    }

    /// [`Reader::value`] written into `slot`: the common nodes (strings, integers, structs)
    /// are built where they end up instead of being returned and moved, which on a change
    /// event's payload cost a fifth of the decode (the moved results stalled on their loads).
    fn value_into(&mut self, schema: &Schema, replace: bool, slot: &mut Value) -> Result<(), JErr> {
        let c = self.value_start()?;
        if c == b'n' {
            self.literal(b"null")?;
            fill(slot, null_value(schema, replace)?);
            return Ok(());
        }
        match schema.kind {
            SchemaType::String if c == b'"' => {
                fill(slot, Value::String(self.string()?.into()));
            }
            SchemaType::Int8 | SchemaType::Int16 | SchemaType::Int32 | SchemaType::Int64
                if matches!(c, b'-' | b'0'..=b'9') =>
            {
                match integer_at(self.b, self.pos).and_then(|(v, end)| {
                    let value = match schema.kind {
                        SchemaType::Int8 => Value::Int8(i8::try_from(v).ok()?),
                        SchemaType::Int16 => Value::Int16(i16::try_from(v).ok()?),
                        SchemaType::Int32 => Value::Int32(i32::try_from(v).ok()?),
                        _ => Value::Int64(v),
                    };
                    Some((value, end))
                }) {
                    Some((value, end)) => {
                        self.pos = end;
                        fill(slot, value);
                    }
                    // Longer, not integral, or out of range: read as the token it is.
                    None => {
                        let n = self.number()?;
                        fill(slot, int_value(schema, n)?);
                    }
                }
            }
            SchemaType::Struct if c == b'{' => self.structure_into(schema, replace, slot)?,
            _ => fill(slot, self.value_after(schema, replace, c)?),
        }
        Ok(())
    }

    /// [`Reader::value`] of a node that is not null, from its first byte `c` on.
    fn value_after(&mut self, schema: &Schema, replace: bool, c: u8) -> Result<Value, JErr> {
        match schema.kind {
            SchemaType::Boolean => match c {
                b't' => self.literal(b"true").map(|()| Value::Boolean(true)),
                b'f' => self.literal(b"false").map(|()| Value::Boolean(false)),
                _ => Err(mismatch(schema, "true or false", c)),
            },
            SchemaType::Int8 | SchemaType::Int16 | SchemaType::Int32 | SchemaType::Int64 => {
                if !matches!(c, b'-' | b'0'..=b'9') {
                    return Err(int_mismatch(schema, node_type(c)));
                }
                let n = self.number()?;
                int_value(schema, n)
            }
            SchemaType::Float32 | SchemaType::Float64 => {
                let (text, special) = match c {
                    b'-' | b'0'..=b'9' => (self.number()?.text, None),
                    b'"' => {
                        let s = self.string()?;
                        let special = match &*s {
                            "NaN" => f64::NAN,
                            "Infinity" => f64::INFINITY,
                            "-Infinity" => f64::NEG_INFINITY,
                            _ => {
                                return Err(JErr::here(format!(
                                    "expected a JSON number for {} but found STRING {:?}",
                                    schema.kind.upper_name(),
                                    s
                                )));
                            }
                        };
                        ("", Some(special))
                    }
                    _ => return Err(mismatch(schema, "a JSON number", c)),
                };
                Ok(match (schema.kind, special) {
                    (SchemaType::Float32, Some(v)) => Value::Float32(v as f32),
                    (SchemaType::Float32, None) => Value::Float32(text.parse().unwrap_or(f32::NAN)),
                    (_, Some(v)) => Value::Float64(v),
                    (_, None) => Value::Float64(text.parse().unwrap_or(f64::NAN)),
                })
            }
            SchemaType::String => match c {
                b'"' => Ok(Value::String(self.string()?.into())),
                _ => Err(mismatch(schema, "a JSON string", c)),
            },
            SchemaType::Bytes if schema.name.as_deref() == Some(DECIMAL_LOGICAL_NAME) => {
                self.decimal(schema, c)
            }
            SchemaType::Bytes => match c {
                b'"' => {
                    let s = self.string()?;
                    decode_base64(&s)
                        .map(Value::Bytes)
                        .ok_or_else(|| JErr::here("Invalid bytes field: not Base64"))
                }
                _ => Err(mismatch(schema, "a Base64 JSON string", c)),
            },
            SchemaType::Array => {
                if c != b'[' {
                    return Err(mismatch(schema, "a JSON array", c));
                }
                let element = schema
                    .value_schema
                    .as_deref()
                    .ok_or_else(|| JErr::here("array schema without an element schema"))?;
                let mut items = Vec::new();
                self.array(|r, i| {
                    items.push(
                        r.value(element, replace)
                            .map_err(|e| e.at(|| Seg::Index(i)))?,
                    );
                    Ok(())
                })?;
                Ok(Value::Array(items))
            }
            SchemaType::Map => self.map(schema, c, replace),
            SchemaType::Struct => {
                if c != b'{' {
                    return Err(JErr::here(format!(
                        "Structs should be encoded as JSON objects, but found {}",
                        node_type(c)
                    )));
                }
                let mut value = Value::Null;
                self.structure_into(schema, replace, &mut value)?;
                Ok(value)
            }
        }
    }

    fn structure_into(
        &mut self,
        schema: &Schema,
        replace: bool,
        slot: &mut Value,
    ) -> Result<(), JErr> {
        let fields = &schema.fields;
        let mut values = Vec::with_capacity(fields.len());
        values.resize_with(fields.len(), || Value::Null);
        self.members(fields, |r, index| match index {
            Some(i) => {
                let field: &Field = &fields[i];
                r.value_into(&field.schema, replace, &mut values[i])
                    .map_err(|e| e.at_field(&field.name))
            }
            None => r.skip_value(),
        })?;
        // Missing fields read as JSON null would (explicit nulls were resolved already; the
        // resolution is idempotent).
        for (value, field) in values.iter_mut().zip(fields) {
            if value.is_null() {
                fill(
                    value,
                    null_value(&field.schema, replace)
                        .map_err(|e| e.missing().at_field(&field.name))?,
                );
            }
        }
        fill(slot, Value::Struct(values));
        Ok(())
    }

    /// Reads an object (at `{`) whose members are the struct fields `fields`, calling `f`
    /// with the index of each member's field (`None` for a key no field has), positioned at
    /// its value, which `f` must consume. Fields usually come in schema order, so the next
    /// one is tried first: with [`Reader::plain_names`], by comparing its name with the text
    /// in place, without reading the key as a string.
    fn members(
        &mut self,
        fields: &[Field],
        mut f: impl FnMut(&mut Self, Option<usize>) -> Result<(), JErr>,
    ) -> Result<(), JErr> {
        self.enter()?;
        self.ws();
        if self.peek() == Some(b'}') {
            self.pos += 1;
            self.leave();
            return Ok(());
        }
        let mut hint = 0;
        loop {
            self.ws();
            if self.peek() != Some(b'"') {
                return Err(self.unexpected("a field name"));
            }
            let index = match fields.get(hint) {
                Some(field) if self.plain_names && self.key_in_place(&field.name) => Some(hint),
                expected => {
                    let key = self.string()?;
                    match expected {
                        Some(field) if field.name == key => Some(hint),
                        _ => fields.iter().position(|f| f.name == key),
                    }
                }
            };
            self.ws();
            if self.peek() != Some(b':') {
                return Err(self.unexpected("':'"));
            }
            self.pos += 1;
            if let Some(i) = index {
                hint = i + 1;
            }
            f(self, index)?;
            if !self.next_or_close(b'}')? {
                break;
            }
        }
        self.leave();
        Ok(())
    }

    /// Whether the key here (at `"`) is `name`, a name that needs no escaping: then the key
    /// is consumed. Its text is `name` followed by the closing quote exactly then.
    #[inline]
    fn key_in_place(&mut self, name: &str) -> bool {
        let at = self.pos + 1;
        let end = at + name.len();
        let found = self.b.get(end) == Some(&b'"')
            && self
                .b
                .get(at..end)
                .is_some_and(|key| switchyard_data::text::same(key, name.as_bytes()));
        if found {
            self.pos = end + 1;
        }
        found
    }

    fn map(&mut self, schema: &Schema, c: u8, replace: bool) -> Result<Value, JErr> {
        let (Some(key_schema), Some(value_schema)) = (&schema.key_schema, &schema.value_schema)
        else {
            return Err(JErr::here("map schema without key and value schemas"));
        };
        let mut entries = Vec::new();
        if key_schema.kind == SchemaType::String {
            if c != b'{' {
                return Err(JErr::here(format!(
                    "Maps with string fields should be encoded as JSON objects, but found {}",
                    node_type(c)
                )));
            }
            let mut keys = KeySet::default();
            self.object(|r, key| {
                keys.add(key);
                let value = r
                    .value(value_schema, replace)
                    .map_err(|e| e.at(|| Seg::Key(key.to_string())))?;
                entries.push((Value::String(key.into()), value));
                Ok(())
            })?;
            if keys.maybe_repeated {
                dedup_entries(&mut entries);
            }
            return Ok(Value::Map(entries));
        } else {
            if c != b'[' {
                return Err(JErr::here(format!(
                    "Maps with non-string fields should be encoded as JSON array of tuples, but found {}",
                    node_type(c)
                )));
            }
            self.array(|r, i| {
                let c = r.value_start()?;
                if c != b'[' {
                    return Err(JErr::here(format!(
                        "Found invalid map entry instead of array tuple: {}",
                        node_type(c)
                    ))
                    .at(|| Seg::Index(i)));
                }
                let start = r.pos;
                let pair = r.pair(key_schema, value_schema, replace);
                let pair = match pair {
                    Ok(Some(pair)) => pair,
                    Ok(None) => {
                        // Count the elements for Kafka's message.
                        r.pos = start;
                        let mut n = 0;
                        r.array(|r, _| {
                            n += 1;
                            r.skip_value()
                        })?;
                        return Err(JErr::here(format!(
                            "Found invalid map entry, expected length 2 but found :{n}"
                        ))
                        .at(|| Seg::Index(i)));
                    }
                    Err(e) => return Err(e.at(|| Seg::Index(i))),
                };
                entries.push(pair);
                Ok(())
            })?;
        }
        dedup_entries(&mut entries);
        Ok(Value::Map(entries))
    }

    /// Reads a `[key, value]` map entry (at `[`); `None` if it does not have two elements.
    fn pair(
        &mut self,
        key_schema: &Schema,
        value_schema: &Schema,
        replace: bool,
    ) -> Result<Option<(Value, Value)>, JErr> {
        self.enter()?;
        let pair = self.pair_inner(key_schema, value_schema, replace);
        self.leave();
        pair
    }

    fn pair_inner(
        &mut self,
        key_schema: &Schema,
        value_schema: &Schema,
        replace: bool,
    ) -> Result<Option<(Value, Value)>, JErr> {
        self.ws();
        if self.peek() == Some(b']') {
            return Ok(None);
        }
        let key = self.value(key_schema, replace)?;
        if !self.next_or_close(b']')? {
            return Ok(None);
        }
        let value = self.value(value_schema, replace)?;
        if self.next_or_close(b']')? {
            return Ok(None);
        }
        Ok(Some((key, value)))
    }

    fn decimal(&mut self, schema: &Schema, c: u8) -> Result<Value, JErr> {
        let scale = decimal_scale(schema)?;
        match c {
            b'"' => {
                let s = self.string()?;
                match decode_base64(&s) {
                    Some(bytes) if !bytes.is_empty() => {
                        Ok(Value::Bytes(minimal_twos_complement(bytes)))
                    }
                    Some(_) => Err(JErr::here("Invalid bytes for Decimal field: zero length")),
                    None => Err(JErr::here("Invalid bytes for Decimal field: not Base64")),
                }
            }
            b'-' | b'0'..=b'9' => {
                let n = self.number()?;
                decimal_from_text(n.text, scale)
                    .map(Value::Bytes)
                    .map_err(JErr::here)
            }
            _ => Err(JErr::here(format!(
                "Invalid type for Decimal, underlying representation should be numeric or bytes but was {}",
                node_type(c)
            ))),
        }
    }
}

/// Whether every struct field name in `schema` (nested ones too) is written in JSON as it is:
/// no `"`, `\\` or control character, which would be escaped.
pub(super) fn plain_names(schema: &Schema) -> bool {
    schema
        .fields
        .iter()
        .all(|f| plain_run(f.name.as_bytes(), 0) == f.name.len() && plain_names(&f.schema))
        && [&schema.key_schema, &schema.value_schema]
            .into_iter()
            .flatten()
            .all(|s| plain_names(s))
}

/// Puts `value` in `slot`, which a struct's reading starts as null: a null is not dropped
/// (its drop would be a call per node), anything else is.
#[inline]
fn fill(slot: &mut Value, value: Value) {
    if slot.is_null() {
        std::mem::forget(std::mem::replace(slot, value));
    } else {
        *slot = value;
    }
}

/// The integer token at `at` of `b` and where it ends, when it is a plain one: an optional
/// `-` and one to 19 digits not followed by a fraction or an exponent, within the range of an
/// `i64`. Digits are read eight at a time while eight are there. `None` for anything else,
/// which [`Reader::number`] and [`int_value`] then read (or refuse) as the token it is.
pub(super) fn integer_at(b: &[u8], at: usize) -> Option<(i64, usize)> {
    const NIBBLES: u64 = 0xF0F0_F0F0_F0F0_F0F0;
    const THREES: u64 = 0x3030_3030_3030_3030;
    let negative = b.get(at) == Some(&b'-');
    let start = at + usize::from(negative);
    let mut i = start;
    let mut v: u64 = 0;
    while i - start <= 11
        && let Some(chunk) = b.get(i..i + 8)
    {
        let chunk: &[u8; 8] = chunk.try_into().ok()?;
        let w = u64::from_le_bytes(*chunk);
        // Every byte is 0x30..=0x3F, and stays so with 6 added: '0'..='9'.
        if w & NIBBLES != THREES || w.wrapping_add(0x0606_0606_0606_0606) & NIBBLES != THREES {
            break;
        }
        v = v * 100_000_000 + eight_digits(chunk);
        i += 8;
    }
    while let Some(&d @ b'0'..=b'9') = b.get(i) {
        if i - start == 19 {
            return None;
        }
        v = v * 10 + u64::from(d - b'0');
        i += 1;
    }
    if i == start || matches!(b.get(i), Some(b'.' | b'e' | b'E')) {
        return None;
    }
    let v = match negative {
        true => 0i64.checked_sub_unsigned(v)?,
        false => i64::try_from(v).ok()?,
    };
    Some((v, i))
}

/// What a JSON null (or a missing struct field) reads as: the default, null, or an error.
fn null_value(schema: &Schema, replace: bool) -> Result<Value, JErr> {
    if replace && let Some(default) = &schema.default {
        return Ok(default.clone());
    }
    if schema.optional {
        Ok(Value::Null)
    } else {
        Err(JErr::here(format!(
            "Invalid null value for required {} field",
            schema.kind.upper_name()
        )))
    }
}

fn mismatch(schema: &Schema, expected: &str, c: u8) -> JErr {
    JErr::here(format!(
        "expected {expected} for {} but found {}",
        schema.kind.upper_name(),
        node_type(c)
    ))
}

/// The mismatch message for integer types, in Kafka's words for the logical types.
fn int_mismatch(schema: &Schema, found: &str) -> JErr {
    let logical = match (schema.kind, schema.name.as_deref()) {
        (SchemaType::Int32, Some("org.apache.kafka.connect.data.Date")) => {
            Some(("Date", "integer"))
        }
        (SchemaType::Int32, Some("org.apache.kafka.connect.data.Time")) => {
            Some(("Time", "integer"))
        }
        (SchemaType::Int64, Some("org.apache.kafka.connect.data.Timestamp")) => {
            Some(("Timestamp", "integral"))
        }
        _ => None,
    };
    match logical {
        Some((name, what)) => JErr::here(format!(
            "Invalid type for {name}, underlying representation should be {what} but was {found}"
        )),
        None => JErr::here(format!(
            "expected a JSON integer for {} but found {found}",
            schema.kind.upper_name()
        )),
    }
}

fn int_value(schema: &Schema, n: Num<'_>) -> Result<Value, JErr> {
    let out_of_range = || {
        JErr::here(format!(
            "JSON integer {} is out of range for {}",
            n.text,
            schema.kind.upper_name()
        ))
    };
    let v = if n.integral {
        parse_i64(n.text).ok_or_else(out_of_range)?
    } else {
        match whole_number(n.text) {
            Whole::Yes(v) => v,
            Whole::OutOfRange => return Err(out_of_range()),
            Whole::No => {
                return Err(int_mismatch(
                    schema,
                    &format!("the non-integral number {}", n.text),
                ));
            }
        }
    };
    Ok(match schema.kind {
        SchemaType::Int8 => Value::Int8(i8::try_from(v).map_err(|_| out_of_range())?),
        SchemaType::Int16 => Value::Int16(i16::try_from(v).map_err(|_| out_of_range())?),
        SchemaType::Int32 => Value::Int32(i32::try_from(v).map_err(|_| out_of_range())?),
        _ => Value::Int64(v),
    })
}

/// What a number token written with a fraction or an exponent stands for as an integer.
#[derive(Debug, PartialEq)]
enum Whole {
    /// A whole number within a long's range.
    Yes(i64),
    /// A whole number beyond it.
    OutOfRange,
    /// Not a whole number.
    No,
}

/// The integer a token such as `1.0E2`, `100.0` or `2e1` stands for. Jackson, as Kafka's
/// `JsonConverter` configures it, reads such a token as a `BigDecimal`, and `longValue()` /
/// `intValue()` give the whole number it holds (`1.0E2` → 100); a fraction is an error here
/// (Kafka truncates it: see the module documentation).
fn whole_number(text: &str) -> Whole {
    let (negative, text) = match text.strip_prefix('-') {
        Some(rest) => (true, rest),
        None => (false, text),
    };
    let (mantissa, exponent) = match text.find(['e', 'E']) {
        Some(i) => (&text[..i], &text[i + 1..]),
        None => (text, "0"),
    };
    let Ok(exponent) = exponent.parse::<i64>() else {
        return Whole::No;
    };
    let (int, fraction) = mantissa.split_once('.').unwrap_or((mantissa, ""));
    let digits = int.bytes().chain(fraction.bytes());
    // The value is `digits × 10^shift`.
    let mut shift = exponent.saturating_sub(fraction.len() as i64);
    let all: Vec<u8> = digits.collect();
    let mut significant = all.as_slice();
    while shift < 0 && significant.last() == Some(&b'0') {
        significant = &significant[..significant.len() - 1];
        shift += 1;
    }
    let first = significant.iter().position(|&d| d != b'0');
    let Some(first) = first else {
        return Whole::Yes(0);
    };
    if shift < 0 {
        return Whole::No;
    }
    let significant = &significant[first..];
    if significant.len() as i64 + shift > 20 {
        return Whole::OutOfRange;
    }
    let mut v: u64 = 0;
    for &d in significant
        .iter()
        .chain(std::iter::repeat_n(&b'0', shift as usize))
    {
        match v
            .checked_mul(10)
            .and_then(|v| v.checked_add(u64::from(d - b'0')))
        {
            Some(next) => v = next,
            None => return Whole::OutOfRange,
        }
    }
    let signed = if negative {
        0i64.checked_sub_unsigned(v)
    } else {
        i64::try_from(v).ok()
    };
    signed.map_or(Whole::OutOfRange, Whole::Yes)
}

/// The value of eight ASCII digits, the first the most significant: three multiply-and-mask
/// steps instead of eight dependent multiply-adds (the well-known SWAR digit parse). Written by
/// hand: five lines, where an integer-parsing crate would be a dependency for one loop.
fn eight_digits(digits: &[u8; 8]) -> u64 {
    let lower = u64::from_le_bytes(*digits).wrapping_sub(0x3030_3030_3030_3030);
    let pairs = (lower.wrapping_mul(10) + (lower >> 8)) & 0x00ff_00ff_00ff_00ff;
    let quads = (pairs.wrapping_mul(100) + (pairs >> 16)) & 0x0000_ffff_0000_ffff;
    (quads.wrapping_mul(10_000) + (quads >> 32)) & 0xffff_ffff
}

/// An integer token's value, `None` beyond the range of i64.
fn parse_i64(text: &str) -> Option<i64> {
    let (neg, digits) = match text.strip_prefix('-') {
        Some(d) => (true, d),
        None => (false, text),
    };
    let mut v: u64 = 0;
    let bytes = digits.as_bytes();
    if bytes.len() <= 19 {
        // At most 19 digits cannot overflow a u64 (10^19 - 1 < 2^64); Debezium's timestamps in
        // nanoseconds have 19.
        let mut chunks = bytes.chunks_exact(8);
        for chunk in &mut chunks {
            let chunk: &[u8; 8] = chunk.try_into().ok()?;
            v = v * 100_000_000 + eight_digits(chunk);
        }
        for &d in chunks.remainder() {
            v = v * 10 + u64::from(d - b'0');
        }
    } else {
        for &d in bytes {
            v = v.checked_mul(10)?.checked_add(u64::from(d - b'0'))?;
        }
    }
    if neg {
        0i64.checked_sub_unsigned(v)
    } else {
        i64::try_from(v).ok()
    }
}

/// An integer token's low 64 bits, as `BigInteger.longValue()` gives them for a number
/// beyond the range of a long (what Kafka does for schemaless integers).
fn parse_i64_wrapping(text: &str) -> i64 {
    let (neg, digits) = match text.strip_prefix('-') {
        Some(d) => (true, d),
        None => (false, text),
    };
    let mut v: u64 = 0;
    for d in digits.bytes() {
        v = v.wrapping_mul(10).wrapping_add(u64::from(d - b'0'));
    }
    if neg {
        (v as i64).wrapping_neg()
    } else {
        v as i64
    }
}

/// Base64 as Jackson reads it; also skipping whitespace between quads as Jackson does.
pub(super) fn decode_base64(s: &str) -> Option<Vec<u8>> {
    match BASE64_READ.decode(s) {
        Ok(bytes) => Some(bytes),
        Err(_) if s.bytes().any(|b| b <= b' ') => {
            let compact: String = s.chars().filter(|&c| c > ' ').collect();
            BASE64_READ.decode(compact).ok()
        }
        Err(_) => None,
    }
}

/// Spots repeated keys of a JSON object cheaply: a fingerprint per key for the first 16 keys
/// (a false alarm only costs the exact check), and "maybe" beyond.
#[derive(Default)]
struct KeySet {
    fingerprints: [u64; 16],
    len: usize,
    maybe_repeated: bool,
}

impl KeySet {
    #[inline]
    fn add(&mut self, key: &str) {
        if self.maybe_repeated {
            return;
        }
        if self.len == self.fingerprints.len() {
            self.maybe_repeated = true;
            return;
        }
        let bytes = key.as_bytes();
        let mut fp = bytes.len() as u64;
        for chunk in bytes.chunks(8) {
            let mut word = [0u8; 8];
            word[..chunk.len()].copy_from_slice(chunk);
            fp = (fp.rotate_left(5) ^ u64::from_le_bytes(word))
                .wrapping_mul(0x51_7c_c1_b7_27_22_0a_95);
        }
        if self.fingerprints[..self.len].contains(&fp) {
            self.maybe_repeated = true;
        }
        self.fingerprints[self.len] = fp;
        self.len += 1;
    }
}

/// Keeps the last value of a repeated key at the first key's place, as Jackson's `ObjectNode`
/// (and Java's `HashMap`) do.
fn dedup_entries(entries: &mut Vec<(Value, Value)>) {
    if entries.len() < 2 {
        return;
    }
    let duplicated = if entries.len() <= 16 {
        (1..entries.len()).any(|i| entries[..i].iter().any(|(k, _)| *k == entries[i].0))
    } else {
        let mut order: Vec<usize> = (0..entries.len()).collect();
        order.sort_by(|&a, &b| key_order(&entries[a].0, &entries[b].0));
        order.windows(2).any(|w| entries[w[0]].0 == entries[w[1]].0)
    };
    if !duplicated {
        return;
    }
    let mut out: Vec<(Value, Value)> = Vec::with_capacity(entries.len());
    for (k, v) in entries.drain(..) {
        match out.iter_mut().find(|(existing, _)| *existing == k) {
            Some(slot) => slot.1 = v,
            None => out.push((k, v)),
        }
    }
    *entries = out;
}

/// An order that keeps equal keys adjacent (only string keys need to be fast).
fn key_order(a: &Value, b: &Value) -> std::cmp::Ordering {
    match (a, b) {
        (Value::String(a), Value::String(b)) => a.cmp(b),
        _ => format!("{a:?}").cmp(&format!("{b:?}")),
    }
}

// ---------------------------------------------------------------------------------------------
// Decimals

/// The `scale` parameter of a `Decimal` schema (`Decimal.scale`).
pub(super) fn decimal_scale(schema: &Schema) -> Result<i32, JErr> {
    let scale = schema
        .parameter("scale")
        .ok_or_else(|| JErr::here("Invalid Decimal schema: scale parameter not found."))?;
    scale.parse().map_err(|_| {
        JErr::here(format!(
            "Invalid Decimal schema: scale {scale:?} is not an int"
        ))
    })
}

/// The shortest big-endian two's complement form of the same integer
/// (`BigInteger.toByteArray()`).
pub(super) fn minimal_twos_complement(mut bytes: Vec<u8>) -> Vec<u8> {
    let redundant = bytes
        .windows(2)
        .take_while(|w| (w[0] == 0x00 && w[1] < 0x80) || (w[0] == 0xFF && w[1] >= 0x80))
        .count();
    if redundant > 0 {
        bytes.drain(..redundant);
    }
    bytes
}

/// The unscaled value at `scale` of a JSON number, as minimal two's complement bytes; an error
/// if the number has more fractional digits than `scale` (other than trailing zeros).
fn decimal_from_text(text: &str, scale: i32) -> Result<Vec<u8>, String> {
    let (neg, rest) = match text.strip_prefix('-') {
        Some(r) => (true, r),
        None => (false, text),
    };
    let (mantissa, exp) = match rest.find(['e', 'E']) {
        Some(i) => (
            &rest[..i],
            rest[i + 1..]
                .parse::<i64>()
                .map_err(|_| format!("Decimal {text} is out of range"))?,
        ),
        None => (rest, 0),
    };
    let (int, frac) = mantissa.split_once('.').unwrap_or((mantissa, ""));
    let mut digits: Vec<u8> = int.bytes().chain(frac.bytes()).map(|d| d - b'0').collect();
    // value = digits × 10^(exp - frac.len()); unscaled = value × 10^scale.
    let shift = exp - frac.len() as i64 + i64::from(scale);
    if shift >= 0 {
        if shift > 10_000 {
            return Err(format!("Decimal {text} is out of range for scale {scale}"));
        }
        digits.extend(std::iter::repeat_n(0, shift as usize));
    } else {
        let drop = usize::try_from(-shift).unwrap_or(usize::MAX);
        let keep = digits.len().saturating_sub(drop);
        if digits[keep..].iter().any(|&d| d != 0) {
            return Err(format!(
                "Decimal {text} has more fractional digits than the schema's scale {scale}"
            ));
        }
        digits.truncate(keep);
    }
    Ok(digits_to_twos_complement(&digits, neg))
}

/// Decimal digits (most significant first) to minimal big-endian two's complement bytes.
fn digits_to_twos_complement(digits: &[u8], neg: bool) -> Vec<u8> {
    // Magnitude in little-endian base-2^32 limbs.
    let mut limbs: Vec<u32> = vec![0];
    for &d in digits {
        let mut carry = u64::from(d);
        for limb in &mut limbs {
            let v = u64::from(*limb) * 10 + carry;
            *limb = v as u32;
            carry = v >> 32;
        }
        if carry > 0 {
            limbs.push(carry as u32);
        }
    }
    // Big-endian bytes of the magnitude, with a leading zero byte for the sign.
    let mut bytes = vec![0u8];
    for limb in limbs.iter().rev() {
        bytes.extend_from_slice(&limb.to_be_bytes());
    }
    if neg {
        // Two's complement negation: invert and add one.
        for b in bytes.iter_mut() {
            *b = !*b;
        }
        for b in bytes.iter_mut().rev() {
            let (v, overflow) = b.overflowing_add(1);
            *b = v;
            if !overflow {
                break;
            }
        }
    }
    minimal_twos_complement(bytes)
}

// ---------------------------------------------------------------------------------------------
// Schemas

/// A JSON value with its extent in the text (schemas are parsed into this small tree; their
/// defaults are read again from their text, guided by the schema).
#[derive(Debug)]
enum Node<'a> {
    Null,
    Bool(bool),
    Num(Num<'a>),
    Str(Cow<'a, str>),
    Arr(Vec<Spanned<'a>>),
    Obj(Vec<(Cow<'a, str>, Spanned<'a>)>),
}

impl std::fmt::Debug for Num<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.text)
    }
}

#[derive(Debug)]
struct Spanned<'a> {
    node: Node<'a>,
    start: usize,
}

impl<'a> Spanned<'a> {
    /// The value of `key` (the last one if repeated, as in Jackson's `ObjectNode`).
    fn get(&self, key: &str) -> Option<&Spanned<'a>> {
        match &self.node {
            Node::Obj(entries) => entries.iter().rev().find(|(k, _)| k == key).map(|(_, v)| v),
            _ => None,
        }
    }

    fn text(&self) -> Option<&str> {
        match &self.node {
            Node::Str(s) => Some(s),
            _ => None,
        }
    }

    fn is_null(&self) -> bool {
        matches!(self.node, Node::Null)
    }
}

impl<'a> Reader<'a> {
    fn node(&mut self) -> Result<Spanned<'a>, JErr> {
        let c = self.value_start()?;
        let start = self.pos;
        let node = match c {
            b'n' => self.literal(b"null").map(|()| Node::Null)?,
            b't' => self.literal(b"true").map(|()| Node::Bool(true))?,
            b'f' => self.literal(b"false").map(|()| Node::Bool(false))?,
            b'"' => Node::Str(self.string()?),
            b'[' => {
                let mut items = Vec::new();
                self.array(|r, _| {
                    items.push(r.node()?);
                    Ok(())
                })?;
                Node::Arr(items)
            }
            b'{' => {
                let mut entries = Vec::new();
                self.object(|r, key| {
                    let value = r.node()?;
                    entries.push((Cow::Owned(key.to_string()), value));
                    Ok(())
                })?;
                Node::Obj(entries)
            }
            _ => Node::Num(self.number()?),
        };
        Ok(Spanned { node, start })
    }
}

/// Parses the schema JSON starting at `start` in `text` (`asConnectSchema`), reading
/// defaults with `replace` as `replace.null.with.default`.
pub(super) fn schema_at(text: &str, start: usize, replace: bool) -> Result<Arc<Schema>, JErr> {
    let mut r = Reader::new(text);
    r.pos = start;
    let node = r.node()?;
    build_schema(text, &node, replace, 0).map(Arc::new)
}

fn build_schema(text: &str, node: &Spanned<'_>, replace: bool, depth: u32) -> Result<Schema, JErr> {
    if depth >= MAX_SCHEMA_DEPTH {
        return Err(JErr::here(format!(
            "schema nested deeper than {MAX_SCHEMA_DEPTH} levels"
        )));
    }
    let type_name = node
        .get("type")
        .and_then(Spanned::text)
        .ok_or_else(|| JErr::here("Schema must contain 'type' field"))?;
    let kind = SchemaType::from_json_name(type_name)
        .ok_or_else(|| JErr::here(format!("Unknown schema type: {type_name}")))?;
    let mut schema = Schema::new(kind);
    match kind {
        SchemaType::Array => {
            let items = node
                .get("items")
                .filter(|n| !n.is_null())
                .ok_or_else(|| JErr::here("Array schema did not specify the element type"))?;
            schema.value_schema = Some(Arc::new(
                build_schema(text, items, replace, depth + 1).map_err(|e| e.at_field("items"))?,
            ));
        }
        SchemaType::Map => {
            let keys = node
                .get("keys")
                .filter(|n| !n.is_null())
                .ok_or_else(|| JErr::here("Map schema did not specify the key type"))?;
            let values = node
                .get("values")
                .filter(|n| !n.is_null())
                .ok_or_else(|| JErr::here("Map schema did not specify the value type"))?;
            schema.key_schema = Some(Arc::new(
                build_schema(text, keys, replace, depth + 1).map_err(|e| e.at_field("keys"))?,
            ));
            schema.value_schema = Some(Arc::new(
                build_schema(text, values, replace, depth + 1).map_err(|e| e.at_field("values"))?,
            ));
        }
        SchemaType::Struct => {
            let Some(Node::Arr(fields)) = node.get("fields").map(|n| &n.node) else {
                return Err(JErr::here(
                    "Struct schema's \"fields\" argument is not an array.",
                ));
            };
            for (i, field) in fields.iter().enumerate() {
                let in_fields = |e: JErr| e.at(|| Seg::Index(i)).at_field("fields");
                let name = field.get("field").and_then(Spanned::text).ok_or_else(|| {
                    in_fields(JErr::here(
                        "Struct schema's field name not specified properly",
                    ))
                })?;
                if schema.field_index(name).is_some() {
                    return Err(in_fields(JErr::here(format!(
                        "Cannot create field because of field name duplication {name}"
                    ))));
                }
                let field_schema =
                    build_schema(text, field, replace, depth + 1).map_err(in_fields)?;
                schema.fields.push(Field {
                    name: name.to_string(),
                    schema: Arc::new(field_schema),
                });
            }
        }
        _ => {}
    }
    schema.optional = matches!(
        node.get("optional").map(|n| &n.node),
        Some(Node::Bool(true))
    );
    schema.name = node.get("name").and_then(Spanned::text).map(str::to_string);
    if let Some(Node::Num(n)) = node.get("version").map(|n| &n.node)
        && n.integral
    {
        let version = parse_i64(n.text)
            .and_then(|v| i32::try_from(v).ok())
            .ok_or_else(|| {
                JErr::here(format!("schema version {} does not fit an int", n.text))
                    .at_field("version")
            })?;
        schema.version = Some(version);
    }
    schema.doc = node.get("doc").and_then(Spanned::text).map(str::to_string);
    if let Some(Node::Obj(params)) = node.get("parameters").map(|n| &n.node) {
        for (key, value) in params {
            let value = value.text().ok_or_else(|| {
                JErr::here("Schema parameters must have string values.").at_field("parameters")
            })?;
            match schema.parameters.iter_mut().find(|(k, _)| k == key) {
                Some(slot) => slot.1 = value.to_string(),
                None => schema.parameters.push((key.to_string(), value.to_string())),
            }
        }
    }
    if let Some(default) = node.get("default") {
        let mut r = Reader::new(text);
        r.pos = default.start;
        let value = r
            .value(&schema, replace)
            .map_err(|e| e.at_field("default"))?;
        if !value.is_null() {
            schema.default = Some(value);
        }
    }
    Ok(schema)
}

/// Objects that earlier texts held and that were found well-formed, kept by their bytes: a
/// stream of change events repeats the same schema object on every record, and bytes equal to
/// a well-formed object are that object, so the scan of a repeat is one comparison.
#[derive(Debug, Default)]
pub struct SeenObjects {
    /// Most used first: a hit moves one place up, a new object replaces the last one once
    /// all places are taken, so objects that recur (schemas) stay and one-offs (payloads)
    /// take turns in the last place.
    texts: Vec<Box<[u8]>>,
}

impl SeenObjects {
    /// How many objects are kept: a schema per table of a typical stream.
    const KEPT: usize = 16;
    /// Objects shorter than this are scanned: comparing would save little.
    const SHORTEST: usize = 256;
    /// Objects longer than this are not kept, so that what is kept stays small (16 × 64 KiB
    /// at most) whatever the input holds; a schema is a few KB.
    const LONGEST: usize = 64 * 1024;

    /// The length of the kept object `rest` starts with, if any.
    fn known(&mut self, rest: &[u8]) -> Option<usize> {
        let i = self.texts.iter().position(|text| rest.starts_with(text))?;
        let len = self.texts[i].len();
        if i > 0 {
            self.texts.swap(i, i - 1);
        }
        Some(len)
    }

    fn remember(&mut self, text: &[u8]) {
        if !(Self::SHORTEST..=Self::LONGEST).contains(&text.len()) {
            return;
        }
        if self.texts.len() < Self::KEPT {
            self.texts.push(text.into());
        } else if let Some(last) = self.texts.last_mut() {
            *last = text.into();
        }
    }
}

/// The fields of the JSON object `text`, in order: each key and the text of its value exactly
/// as it appears (checked to be well-formed JSON, not decoded). For the record JSONL format,
/// whose embedded keys and values are only sliced out here and decoded by the converters; the
/// members of an object-valued field are looked up in `seen` (see [`SeenObjects`]).
pub(super) fn raw_fields<'t>(
    text: &'t str,
    seen: &mut SeenObjects,
) -> Result<Vec<(Cow<'t, str>, &'t str)>, JErr> {
    let mut r = Reader::new(text);
    r.ws();
    if r.peek() != Some(b'{') {
        return Err(r.unexpected("'{'"));
    }
    let mut fields = Vec::with_capacity(8);
    r.object_owning_keys(|r, key| {
        r.ws();
        let start = r.pos;
        if r.peek() == Some(b'{') {
            r.skip_object(Some(&mut *seen))?;
        } else {
            r.skip_value()?;
        }
        fields.push((key, &text[start..r.pos]));
        Ok(())
    })?;
    r.end()?;
    Ok(fields)
}

#[cfg(test)]
mod tests {
    use super::plain_run;
    use proptest::prelude::*;

    /// Mostly plain bytes, with now and then a quote, a backslash, a control character or a
    /// byte of a multi-byte UTF-8 sequence.
    fn text_byte() -> impl Strategy<Value = u8> {
        prop_oneof![
            8 => 0x20u8..0x7f,
            1 => Just(b'"'),
            1 => Just(b'\\'),
            1 => 0u8..0x20,
            1 => 0x80u8..=0xff,
        ]
    }

    proptest! {
        #[test]
        fn plain_run_stops_where_a_byte_by_byte_scan_stops(
            bytes in proptest::collection::vec(text_byte(), 0..80),
            from in 0usize..80,
        ) {
            let from = from.min(bytes.len());
            let expected = bytes[from..]
                .iter()
                .position(|&c| c == b'"' || c == b'\\' || c < 0x20)
                .map_or(bytes.len(), |p| from + p);
            prop_assert_eq!(plain_run(&bytes, from), expected);
        }
    }

    #[test]
    fn seen_objects_keep_what_recurs_within_bounds() {
        use super::SeenObjects;
        let schema = format!(r#"{{"type":"struct","name":"{}"}}"#, "s".repeat(300));
        let mut seen = SeenObjects::default();
        seen.remember(schema.as_bytes());
        let rest = format!("{schema},\"payload\":1}}");
        assert_eq!(seen.known(rest.as_bytes()), Some(schema.len()));
        // A different object of the same start is not taken for it.
        assert_eq!(seen.known(schema.replace("ss", "st").as_bytes()), None);
        // Too short or too long to keep.
        seen.remember(br#"{"a":1}"#);
        seen.remember(format!(r#"{{"a":"{}"}}"#, "x".repeat(70_000)).as_bytes());
        assert_eq!(seen.texts.len(), 1);
        // Once full, newcomers take turns in the last place; the most used stay.
        for n in 0..40 {
            seen.remember(format!(r#"{{"n":{n},"pad":"{}"}}"#, "p".repeat(300)).as_bytes());
            assert!(seen.known(rest.as_bytes()).is_some());
        }
        assert_eq!(seen.texts.len(), SeenObjects::KEPT);
        assert_eq!(&*seen.texts[0], schema.as_bytes());
    }
}

#[cfg(test)]
mod whole_numbers {
    use super::{Whole, whole_number};

    #[test]
    fn whole_numbers_with_a_fraction_or_an_exponent() {
        assert_eq!(whole_number("1.0E2"), Whole::Yes(100));
        assert_eq!(whole_number("100.0"), Whole::Yes(100));
        assert_eq!(whole_number("2e1"), Whole::Yes(20));
        assert_eq!(whole_number("-1.50E1"), Whole::Yes(-15));
        assert_eq!(whole_number("0.0"), Whole::Yes(0));
        assert_eq!(
            whole_number("-9.223372036854775808E18"),
            Whole::Yes(i64::MIN)
        );
        assert_eq!(whole_number("9.223372036854775808E18"), Whole::OutOfRange);
        assert_eq!(whole_number("1e30"), Whole::OutOfRange);
        assert_eq!(whole_number("1.5"), Whole::No);
        assert_eq!(whole_number("1e-1"), Whole::No);
        assert_eq!(whole_number("1e99999999999999999999"), Whole::No);
    }
}

#[cfg(test)]
mod parse_tests {
    use super::{integer_at, parse_i64};
    use proptest::prelude::*;

    proptest! {
        /// A plain integer token is read in place as the standard library parses it; anything
        /// else (a fraction, an exponent, a 20th digit, beyond an `i64`) is left to the token
        /// reader.
        #[test]
        fn integers_read_in_place_are_the_tokens_values(
            negative in any::<bool>(),
            digits in "[0-9]{0,24}",
            after in prop_oneof![Just(""), Just(","), Just("}"), Just(" "), Just(".5"), Just("e3"), Just("E-1"), Just("x")],
        ) {
            let text = format!("{}{digits}{after}", if negative { "-" } else { "" });
            let token = text.len() - after.len();
            let expected = match after.as_bytes().first() {
                Some(b'.' | b'e' | b'E') => None,
                _ if digits.len() > 19 => None,
                _ => text[..token].parse::<i64>().ok().map(|v| (v, token)),
            };
            prop_assert_eq!(integer_at(text.as_bytes(), 0), expected);
        }

        #[test]
        fn integers_parse_as_the_standard_library_parses_them(v in any::<i64>()) {
            prop_assert_eq!(parse_i64(&v.to_string()), Some(v));
        }

        #[test]
        fn digit_strings_of_any_length_parse_or_are_out_of_range(
            negative in any::<bool>(),
            digits in "[0-9]{1,25}",
        ) {
            let text = if negative { format!("-{digits}") } else { digits };
            prop_assert_eq!(parse_i64(&text), text.parse::<i64>().ok());
        }
    }
}
