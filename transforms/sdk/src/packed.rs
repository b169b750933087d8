//! The packed encoding of `connect-record.batch-packed` on the guest side: operations written as
//! a [`crate::Batch`] builds them, answers read back into the WIT types. Every value is written
//! by one rule from its WIT type (wit/README.md, "Packed batches"): integers and floats
//! little-endian, `bool` and enum cases one byte, a string or list its `u32` length then its
//! items, an option or result one byte then the payload, a variant its case index as one byte
//! then the payload, a record its fields in order.
//!
//! Written by hand: no crate encodes WIT values by this rule, and the point is a buffer the
//! host copies in one go.

use crate::__bindings::connect::{Answer, DataError, Part, Scalar, SchemaInfo, SchemaType, Typed};

/// Appends packed values to a buffer.
pub(crate) struct Writer<'a>(pub(crate) &'a mut Vec<u8>);

impl Writer<'_> {
    pub(crate) fn u8(&mut self, b: u8) {
        self.0.push(b);
    }

    pub(crate) fn bool(&mut self, b: bool) {
        self.0.push(u8::from(b));
    }

    pub(crate) fn u32(&mut self, v: u32) {
        self.0.extend_from_slice(&v.to_le_bytes());
    }

    fn len(&mut self, n: usize) {
        // A guest's own lists are far shorter than 4 GiB (its memory is 32-bit).
        self.u32(u32::try_from(n).unwrap_or(u32::MAX));
    }

    pub(crate) fn string(&mut self, s: &str) {
        self.len(s.len());
        self.0.extend_from_slice(s.as_bytes());
    }

    pub(crate) fn opt_string(&mut self, s: Option<&str>) {
        match s {
            Some(s) => {
                self.u8(1);
                self.string(s);
            }
            None => self.u8(0),
        }
    }

    pub(crate) fn opt_s32(&mut self, v: Option<i32>) {
        match v {
            Some(v) => {
                self.u8(1);
                self.0.extend_from_slice(&v.to_le_bytes());
            }
            None => self.u8(0),
        }
    }

    pub(crate) fn strings<S: AsRef<str>>(&mut self, items: &[S]) {
        self.len(items.len());
        for s in items {
            self.string(s.as_ref());
        }
    }

    pub(crate) fn part(&mut self, part: Part) {
        self.u8(match part {
            Part::Key => 0,
            Part::Value => 1,
        });
    }

    pub(crate) fn node(&mut self, part: Part, path: u32) {
        self.part(part);
        self.u32(path);
    }

    pub(crate) fn schema_type(&mut self, kind: SchemaType) {
        self.u8(match kind {
            SchemaType::Int8 => 0,
            SchemaType::Int16 => 1,
            SchemaType::Int32 => 2,
            SchemaType::Int64 => 3,
            SchemaType::Float32 => 4,
            SchemaType::Float64 => 5,
            SchemaType::Boolean => 6,
            SchemaType::String => 7,
            SchemaType::Bytes => 8,
            SchemaType::Array => 9,
            SchemaType::Map => 10,
            SchemaType::Struct => 11,
        });
    }

    pub(crate) fn opt_schema(&mut self, info: Option<&SchemaInfo>) {
        let Some(info) = info else {
            self.u8(0);
            return;
        };
        self.u8(1);
        self.schema_type(info.type_);
        self.bool(info.optional);
        self.opt_string(info.name.as_deref());
        self.opt_s32(info.version);
        self.opt_string(info.doc.as_deref());
        self.len(info.parameters.len());
        for (k, v) in &info.parameters {
            self.string(k);
            self.string(v);
        }
        self.opt_string(info.default_json.as_deref());
    }

    pub(crate) fn scalar(&mut self, s: &Scalar) {
        match s {
            Scalar::Null => self.u8(0),
            Scalar::Boolean(b) => {
                self.u8(1);
                self.bool(*b);
            }
            Scalar::Int8(v) => {
                self.u8(2);
                self.0.extend_from_slice(&v.to_le_bytes());
            }
            Scalar::Int16(v) => {
                self.u8(3);
                self.0.extend_from_slice(&v.to_le_bytes());
            }
            Scalar::Int32(v) => {
                self.u8(4);
                self.0.extend_from_slice(&v.to_le_bytes());
            }
            Scalar::Int64(v) => {
                self.u8(5);
                self.0.extend_from_slice(&v.to_le_bytes());
            }
            Scalar::Float32(v) => {
                self.u8(6);
                self.0.extend_from_slice(&v.to_le_bytes());
            }
            Scalar::Float64(v) => {
                self.u8(7);
                self.0.extend_from_slice(&v.to_le_bytes());
            }
            Scalar::String(v) => {
                self.u8(8);
                self.string(v);
            }
            Scalar::Bytes(v) => {
                self.u8(9);
                self.len(v.len());
                self.0.extend_from_slice(v);
            }
        }
    }
}

/// Reads packed answers; `None` on bytes the host would never write.
struct Reader<'a> {
    bytes: &'a [u8],
    at: usize,
}

impl<'a> Reader<'a> {
    fn take(&mut self, n: usize) -> Option<&'a [u8]> {
        let end = self
            .at
            .checked_add(n)
            .filter(|&end| end <= self.bytes.len())?;
        let slice = &self.bytes[self.at..end];
        self.at = end;
        Some(slice)
    }

    fn array<const N: usize>(&mut self) -> Option<[u8; N]> {
        self.take(N)?.try_into().ok()
    }

    fn u8(&mut self) -> Option<u8> {
        Some(self.array::<1>()?[0])
    }

    fn bool(&mut self) -> Option<bool> {
        match self.u8()? {
            0 => Some(false),
            1 => Some(true),
            _ => None,
        }
    }

    fn len(&mut self) -> Option<usize> {
        let n = u32::from_le_bytes(self.array()?) as usize;
        // Every item takes at least one byte.
        (n <= self.bytes.len() - self.at).then_some(n)
    }

    fn string(&mut self) -> Option<String> {
        let n = self.len()?;
        String::from_utf8(self.take(n)?.to_vec()).ok()
    }

    fn opt_string(&mut self) -> Option<Option<String>> {
        Some(if self.bool()? {
            Some(self.string()?)
        } else {
            None
        })
    }

    fn schema_type(&mut self) -> Option<SchemaType> {
        Some(match self.u8()? {
            0 => SchemaType::Int8,
            1 => SchemaType::Int16,
            2 => SchemaType::Int32,
            3 => SchemaType::Int64,
            4 => SchemaType::Float32,
            5 => SchemaType::Float64,
            6 => SchemaType::Boolean,
            7 => SchemaType::String,
            8 => SchemaType::Bytes,
            9 => SchemaType::Array,
            10 => SchemaType::Map,
            11 => SchemaType::Struct,
            _ => return None,
        })
    }

    fn opt_schema(&mut self) -> Option<Option<SchemaInfo>> {
        if !self.bool()? {
            return Some(None);
        }
        Some(Some(SchemaInfo {
            type_: self.schema_type()?,
            optional: self.bool()?,
            name: self.opt_string()?,
            version: if self.bool()? {
                Some(i32::from_le_bytes(self.array()?))
            } else {
                None
            },
            doc: self.opt_string()?,
            parameters: {
                let n = self.len()?;
                let mut out = Vec::with_capacity(n);
                for _ in 0..n {
                    out.push((self.string()?, self.string()?));
                }
                out
            },
            default_json: self.opt_string()?,
        }))
    }

    fn scalar(&mut self) -> Option<Scalar> {
        Some(match self.u8()? {
            0 => Scalar::Null,
            1 => Scalar::Boolean(self.bool()?),
            2 => Scalar::Int8(i8::from_le_bytes(self.array()?)),
            3 => Scalar::Int16(i16::from_le_bytes(self.array()?)),
            4 => Scalar::Int32(i32::from_le_bytes(self.array()?)),
            5 => Scalar::Int64(i64::from_le_bytes(self.array()?)),
            6 => Scalar::Float32(f32::from_le_bytes(self.array()?)),
            7 => Scalar::Float64(f64::from_le_bytes(self.array()?)),
            8 => Scalar::String(self.string()?),
            9 => {
                let n = self.len()?;
                Scalar::Bytes(self.take(n)?.to_vec())
            }
            _ => return None,
        })
    }

    fn answer(&mut self) -> Option<Result<Answer, DataError>> {
        if self.bool()? {
            let case = self.u8()?;
            let message = self.string()?;
            return Some(Err(match case {
                0 => DataError::Conversion(message),
                1 => DataError::NoSuchField(message),
                2 => DataError::WrongType(message),
                3 => DataError::Invalid(message),
                _ => return None,
            }));
        }
        Some(Ok(match self.u8()? {
            0 => Answer::Done,
            1 => Answer::Flag(self.bool()?),
            2 => Answer::Schema(self.opt_schema()?),
            3 => {
                let n = self.len()?;
                let mut names = Vec::with_capacity(n);
                for _ in 0..n {
                    names.push(self.string()?);
                }
                Answer::Names(names)
            }
            4 => Answer::Scalar(self.scalar()?),
            5 => Answer::Typed(Typed {
                schema: self.opt_schema()?,
                value: self.scalar()?,
            }),
            _ => return None,
        }))
    }
}

impl Reader<'_> {
    fn skip(&mut self, n: usize) -> Option<()> {
        self.take(n).map(|_| ())
    }

    fn skip_string(&mut self) -> Option<()> {
        let n = self.len()?;
        self.skip(n)
    }

    fn skip_opt_string(&mut self) -> Option<()> {
        if self.bool()? {
            self.skip_string()
        } else {
            Some(())
        }
    }

    fn skip_opt_schema(&mut self) -> Option<()> {
        if !self.bool()? {
            return Some(());
        }
        self.schema_type()?;
        self.bool()?;
        self.skip_opt_string()?;
        if self.bool()? {
            self.skip(4)?;
        }
        self.skip_opt_string()?;
        for _ in 0..self.len()? {
            self.skip_string()?;
            self.skip_string()?;
        }
        self.skip_opt_string()
    }

    fn skip_scalar(&mut self) -> Option<()> {
        match self.u8()? {
            0 => Some(()),
            1 => self.bool().map(|_| ()),
            2 => self.skip(1),
            3 => self.skip(2),
            4 | 6 => self.skip(4),
            5 | 7 => self.skip(8),
            8 | 9 => self.skip_string(),
            _ => None,
        }
    }

    /// Steps over one packed answer, checking its shape but decoding nothing.
    fn skip_answer(&mut self) -> Option<()> {
        if self.bool()? {
            if self.u8()? > 3 {
                return None;
            }
            return self.skip_string();
        }
        match self.u8()? {
            0 => Some(()),
            1 => self.bool().map(|_| ()),
            2 => self.skip_opt_schema(),
            3 => {
                for _ in 0..self.len()? {
                    self.skip_string()?;
                }
                Some(())
            }
            4 => self.skip_scalar(),
            5 => {
                self.skip_opt_schema()?;
                self.skip_scalar()
            }
            _ => None,
        }
    }
}

/// Where each answer of a packed `list<result<answer, data-error>>` starts; the byte at which
/// the bytes stop following the rule (a host that breaks it), if they do.
pub(crate) fn answer_starts(bytes: &[u8]) -> Result<Vec<u32>, usize> {
    let mut reader = Reader { bytes, at: 0 };
    let starts = (|| {
        let n = reader.len()?;
        let mut starts = Vec::with_capacity(n);
        for _ in 0..n {
            // The host's answers for one record are far shorter than 4 GiB.
            starts.push(u32::try_from(reader.at).ok()?);
            reader.skip_answer()?;
        }
        (reader.at == bytes.len()).then_some(starts)
    })();
    starts.ok_or(reader.at)
}

/// The answer starting at `at`, decoded; `None` if it does not follow the rule.
pub(crate) fn decode_answer(bytes: &[u8], at: usize) -> Option<Result<Answer, DataError>> {
    Reader { bytes, at }.answer()
}

/// A successful `flag` answer's value, read in place; `None` for any other answer.
pub(crate) fn answered_flag(answer: &[u8]) -> Option<bool> {
    match answer {
        [0, 1, 0, ..] => Some(false),
        [0, 1, 1, ..] => Some(true),
        _ => None,
    }
}

/// The name of a successful `schema` or `typed` answer's schema, read in place (`Some(None)`
/// for no name or no schema); `None` for any other answer.
pub(crate) fn answered_schema_name(answer: &[u8]) -> Option<Option<&str>> {
    let mut reader = Reader {
        bytes: answer,
        at: 0,
    };
    if reader.bool()? || !matches!(reader.u8()?, 2 | 5) {
        return None;
    }
    if !reader.bool()? {
        return Some(None);
    }
    reader.schema_type()?;
    reader.bool()?;
    if !reader.bool()? {
        return Some(None);
    }
    let n = reader.len()?;
    std::str::from_utf8(reader.take(n)?).ok().map(Some)
}
