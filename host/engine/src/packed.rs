//! The packed encoding of `connect-record.batch-packed`: the operations of a batch and their
//! answers as bytes, written by one rule from their WIT types (see wit/README.md, "Packed
//! batches"). The guest's buffer crosses as one `list<u8>` copy instead of being lifted value
//! by value, and the answers are lowered with one `cabi_realloc` instead of one per string.
//!
//! Written by hand: the rule is the canonical ABI's shape without its alignment and pointers,
//! and no crate encodes WIT values that way.

use super::wit;

/// Why a packed batch did not decode: what was expected, at which byte.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("malformed packed batch at byte {at}: {what}")]
pub(super) struct Malformed {
    at: usize,
    what: &'static str,
}

/// Reads WIT values from a packed buffer.
struct Reader<'a> {
    bytes: &'a [u8],
    at: usize,
}

impl<'a> Reader<'a> {
    fn fail<T>(&self, what: &'static str) -> Result<T, Malformed> {
        Err(Malformed { at: self.at, what })
    }

    fn take(&mut self, n: usize, what: &'static str) -> Result<&'a [u8], Malformed> {
        match self
            .at
            .checked_add(n)
            .filter(|&end| end <= self.bytes.len())
        {
            Some(end) => {
                let slice = &self.bytes[self.at..end];
                self.at = end;
                Ok(slice)
            }
            None => self.fail(what),
        }
    }

    fn array<const N: usize>(&mut self, what: &'static str) -> Result<[u8; N], Malformed> {
        let slice = self.take(N, what)?;
        let mut out = [0; N];
        out.copy_from_slice(slice);
        Ok(out)
    }

    fn u8(&mut self, what: &'static str) -> Result<u8, Malformed> {
        Ok(self.array::<1>(what)?[0])
    }

    fn bool(&mut self, what: &'static str) -> Result<bool, Malformed> {
        match self.u8(what)? {
            0 => Ok(false),
            1 => Ok(true),
            _ => {
                self.at -= 1;
                self.fail("a bool that is not 0 or 1")
            }
        }
    }

    fn u32(&mut self, what: &'static str) -> Result<u32, Malformed> {
        Ok(u32::from_le_bytes(self.array(what)?))
    }

    /// A list's length, refused when the rest of the buffer cannot hold that many items of at
    /// least `min_item` bytes (so a forged length cannot make the host reserve memory).
    fn len(&mut self, min_item: usize, what: &'static str) -> Result<usize, Malformed> {
        let n = self.u32(what)? as usize;
        if n.saturating_mul(min_item) > self.bytes.len() - self.at {
            self.at -= 4;
            return self.fail("a length longer than the rest of the buffer");
        }
        Ok(n)
    }

    fn bytes(&mut self, what: &'static str) -> Result<Vec<u8>, Malformed> {
        let n = self.len(1, what)?;
        Ok(self.take(n, what)?.to_vec())
    }

    fn string(&mut self, what: &'static str) -> Result<String, Malformed> {
        let start = self.at;
        let n = self.len(1, what)?;
        let slice = self.take(n, what)?;
        match std::str::from_utf8(slice) {
            Ok(s) => Ok(s.to_owned()),
            Err(_) => Err(Malformed {
                at: start,
                what: "a string that is not UTF-8",
            }),
        }
    }

    fn option<T>(
        &mut self,
        what: &'static str,
        read: impl FnOnce(&mut Self) -> Result<T, Malformed>,
    ) -> Result<Option<T>, Malformed> {
        if self.bool(what)? {
            read(self).map(Some)
        } else {
            Ok(None)
        }
    }

    fn part(&mut self) -> Result<wit::Part, Malformed> {
        match self.u8("a part")? {
            0 => Ok(wit::Part::Key),
            1 => Ok(wit::Part::Value),
            _ => {
                self.at -= 1;
                self.fail("a part that is not 0 (key) or 1 (value)")
            }
        }
    }

    fn node(&mut self) -> Result<wit::Node, Malformed> {
        Ok(wit::Node {
            part: self.part()?,
            path: self.u32("a path id")?,
        })
    }

    fn schema_type(&mut self) -> Result<wit::SchemaType, Malformed> {
        use wit::SchemaType as T;
        Ok(match self.u8("a schema type")? {
            0 => T::Int8,
            1 => T::Int16,
            2 => T::Int32,
            3 => T::Int64,
            4 => T::Float32,
            5 => T::Float64,
            6 => T::Boolean,
            7 => T::String,
            8 => T::Bytes,
            9 => T::Array,
            10 => T::Map,
            11 => T::Struct,
            _ => {
                self.at -= 1;
                return self.fail("an unknown schema type");
            }
        })
    }

    fn schema_info(&mut self) -> Result<wit::SchemaInfo, Malformed> {
        Ok(wit::SchemaInfo {
            type_: self.schema_type()?,
            optional: self.bool("optional")?,
            name: self.option("a name", |r| r.string("a name"))?,
            version: self.option("a version", |r| {
                Ok(i32::from_le_bytes(r.array("a version")?))
            })?,
            doc: self.option("a doc", |r| r.string("a doc"))?,
            parameters: {
                let n = self.len(8, "parameters")?;
                let mut out = Vec::with_capacity(n);
                for _ in 0..n {
                    out.push((self.string("a parameter")?, self.string("a parameter")?));
                }
                out
            },
            default_json: self.option("a default", |r| r.string("a default"))?,
        })
    }

    fn scalar(&mut self) -> Result<wit::Scalar, Malformed> {
        use wit::Scalar as S;
        Ok(match self.u8("a scalar")? {
            0 => S::Null,
            1 => S::Boolean(self.bool("a boolean")?),
            2 => S::Int8(i8::from_le_bytes(self.array("an int8")?)),
            3 => S::Int16(i16::from_le_bytes(self.array("an int16")?)),
            4 => S::Int32(i32::from_le_bytes(self.array("an int32")?)),
            5 => S::Int64(i64::from_le_bytes(self.array("an int64")?)),
            6 => S::Float32(f32::from_le_bytes(self.array("a float32")?)),
            7 => S::Float64(f64::from_le_bytes(self.array("a float64")?)),
            8 => S::String(self.string("a string")?),
            9 => S::Bytes(self.bytes("bytes")?),
            _ => {
                self.at -= 1;
                return self.fail("an unknown scalar case");
            }
        })
    }

    fn strings(&mut self, what: &'static str) -> Result<Vec<String>, Malformed> {
        let n = self.len(4, what)?;
        let mut out = Vec::with_capacity(n);
        for _ in 0..n {
            out.push(self.string(what)?);
        }
        Ok(out)
    }

    fn op(&mut self) -> Result<crate::Op, Malformed> {
        use wit::Op;
        Ok(crate::Op::Wit(match self.u8("an operation")? {
            0 => Op::IsNull(self.part()?),
            1 => Op::IsNullAt(self.node()?),
            2 => Op::Exists(self.node()?),
            3 => Op::HasSchema(self.part()?),
            4 => Op::Schema(self.node()?),
            5 => Op::FieldNames(self.node()?),
            6 => Op::Get(self.node()?),
            7 => Op::GetTyped(self.node()?),
            8 => Op::Set(wit::SetOp {
                node: self.node()?,
                value: self.scalar()?,
            }),
            9 => Op::Reshape(wit::ReshapeOp {
                node: self.node()?,
                fields: {
                    let n = self.len(8, "field mappings")?;
                    let mut out = Vec::with_capacity(n);
                    for _ in 0..n {
                        out.push(wit::FieldMapping {
                            source: self.string("a source field")?,
                            target: self.string("a target field")?,
                        });
                    }
                    out
                },
                apply_defaults: self.bool("apply-defaults")?,
            }),
            10 => Op::Extract(wit::ExtractOp {
                node: self.node()?,
                apply_defaults: self.bool("apply-defaults")?,
            }),
            11 => Op::Hoist(wit::HoistOp {
                part: self.part()?,
                field: self.string("a field")?,
            }),
            12 => Op::Put(wit::PutOp {
                node: self.node()?,
                schema: self.option("a schema", Self::schema_info)?,
                value: self.scalar()?,
            }),
            13 => Op::RenameSchema(wit::RenameOp {
                node: self.node()?,
                name: self.option("a name", |r| r.string("a name"))?,
                version: self.option("a version", |r| {
                    Ok(i32::from_le_bytes(r.array("a version")?))
                })?,
            }),
            14 => Op::Copy(wit::CopyOp {
                part: self.part()?,
                from: self.u32("a path id")?,
                to: self.u32("a path id")?,
                optional: self.bool("optional")?,
            }),
            15 => Op::Rebuild(wit::RebuildOp {
                node: self.node()?,
                apply_defaults: self.bool("apply-defaults")?,
            }),
            16 => Op::Flatten(wit::FlattenOp {
                part: self.part()?,
                delimiter: self.string("a delimiter")?,
            }),
            17 => Op::FillDefaults(wit::FillDefaultsOp {
                node: self.node()?,
                skip: self.strings("skipped fields")?,
            }),
            // `packed-op`'s cases follow `op`'s.
            18 => {
                return Ok(crate::Op::Packed(wit::PackedOp::Cast(wit::CastOp {
                    node: self.node()?,
                    to: self.schema_type()?,
                    apply_defaults: self.bool("apply-defaults")?,
                })));
            }
            19 => {
                return Ok(crate::Op::Packed(wit::PackedOp::Diff(wit::DiffOp {
                    part: self.part()?,
                    from: self.u32("a path id")?,
                    to: self.u32("a path id")?,
                })));
            }
            _ => {
                self.at -= 1;
                return self.fail("an unknown operation");
            }
        }))
    }
}

/// The operations of a packed `list<op>`.
pub(super) fn decode_ops(bytes: &[u8]) -> Result<Vec<crate::Op>, Malformed> {
    let mut reader = Reader { bytes, at: 0 };
    // Every operation takes at least two bytes.
    let n = reader.len(2, "the operation count")?;
    let mut ops = Vec::with_capacity(n);
    for _ in 0..n {
        ops.push(reader.op()?);
    }
    if reader.at != bytes.len() {
        return reader.fail("bytes after the last operation");
    }
    Ok(ops)
}

/// Writes WIT values to a packed buffer.
struct Writer<'a>(&'a mut Vec<u8>);

impl Writer<'_> {
    fn u8(&mut self, b: u8) {
        self.0.push(b);
    }

    fn len(&mut self, n: usize) {
        // Every list here is built by the host from data that fits in a guest's memory.
        self.0
            .extend_from_slice(&u32::try_from(n).unwrap_or(u32::MAX).to_le_bytes());
    }

    fn string(&mut self, s: &str) {
        self.len(s.len());
        self.0.extend_from_slice(s.as_bytes());
    }

    fn opt_string(&mut self, s: Option<&str>) {
        match s {
            Some(s) => {
                self.u8(1);
                self.string(s);
            }
            None => self.u8(0),
        }
    }

    fn schema_info(&mut self, info: &wit::SchemaInfo) {
        use wit::SchemaType as T;
        self.u8(match info.type_ {
            T::Int8 => 0,
            T::Int16 => 1,
            T::Int32 => 2,
            T::Int64 => 3,
            T::Float32 => 4,
            T::Float64 => 5,
            T::Boolean => 6,
            T::String => 7,
            T::Bytes => 8,
            T::Array => 9,
            T::Map => 10,
            T::Struct => 11,
        });
        self.u8(u8::from(info.optional));
        self.opt_string(info.name.as_deref());
        match info.version {
            Some(v) => {
                self.u8(1);
                self.0.extend_from_slice(&v.to_le_bytes());
            }
            None => self.u8(0),
        }
        self.opt_string(info.doc.as_deref());
        self.len(info.parameters.len());
        for (k, v) in &info.parameters {
            self.string(k);
            self.string(v);
        }
        self.opt_string(info.default_json.as_deref());
    }

    fn opt_schema(&mut self, info: Option<&wit::SchemaInfo>) {
        match info {
            Some(info) => {
                self.u8(1);
                self.schema_info(info);
            }
            None => self.u8(0),
        }
    }

    fn scalar(&mut self, s: &wit::Scalar) {
        use wit::Scalar as S;
        match s {
            S::Null => self.u8(0),
            S::Boolean(b) => {
                self.u8(1);
                self.u8(u8::from(*b));
            }
            S::Int8(v) => {
                self.u8(2);
                self.0.extend_from_slice(&v.to_le_bytes());
            }
            S::Int16(v) => {
                self.u8(3);
                self.0.extend_from_slice(&v.to_le_bytes());
            }
            S::Int32(v) => {
                self.u8(4);
                self.0.extend_from_slice(&v.to_le_bytes());
            }
            S::Int64(v) => {
                self.u8(5);
                self.0.extend_from_slice(&v.to_le_bytes());
            }
            S::Float32(v) => {
                self.u8(6);
                self.0.extend_from_slice(&v.to_le_bytes());
            }
            S::Float64(v) => {
                self.u8(7);
                self.0.extend_from_slice(&v.to_le_bytes());
            }
            S::String(v) => {
                self.u8(8);
                self.string(v);
            }
            S::Bytes(v) => {
                self.u8(9);
                self.len(v.len());
                self.0.extend_from_slice(v);
            }
        }
    }

    fn answer(&mut self, answer: &Result<wit::Answer, wit::DataError>) {
        use wit::Answer as A;
        match answer {
            Ok(answer) => {
                self.u8(0);
                match answer {
                    A::Done => self.u8(0),
                    A::Flag(b) => {
                        self.u8(1);
                        self.u8(u8::from(*b));
                    }
                    A::Schema(s) => {
                        self.u8(2);
                        self.opt_schema(s.as_ref());
                    }
                    A::Names(names) => {
                        self.u8(3);
                        self.len(names.len());
                        for n in names {
                            self.string(n);
                        }
                    }
                    A::Scalar(s) => {
                        self.u8(4);
                        self.scalar(s);
                    }
                    A::Typed(t) => {
                        self.u8(5);
                        self.opt_schema(t.schema.as_ref());
                        self.scalar(&t.value);
                    }
                }
            }
            Err(e) => {
                self.u8(1);
                let (case, message) = match e {
                    wit::DataError::Conversion(m) => (0, m),
                    wit::DataError::NoSuchField(m) => (1, m),
                    wit::DataError::WrongType(m) => (2, m),
                    wit::DataError::Invalid(m) => (3, m),
                };
                self.u8(case);
                self.string(message);
            }
        }
    }
}

/// A packed `list<result<answer, data-error>>` written one answer at a time, as the
/// operations run: no list of answers is built first.
pub(super) struct AnswerList {
    out: Vec<u8>,
    count: u32,
}

impl AnswerList {
    /// An empty list, with room for about `ops` answers.
    pub(super) fn new(ops: usize) -> Self {
        // Most answers are a flag or `done`; a schema takes a few dozen bytes.
        let mut out = Vec::with_capacity(16 + ops * 24);
        out.extend_from_slice(&0u32.to_le_bytes());
        AnswerList { out, count: 0 }
    }

    /// Appends one answer.
    pub(super) fn push(&mut self, answer: &Result<wit::Answer, wit::DataError>) {
        Writer(&mut self.out).answer(answer);
        self.count += 1;
    }

    /// How many bytes are packed so far (where the next answer starts).
    pub(super) fn len(&self) -> usize {
        self.out.len()
    }

    /// The packed bytes.
    pub(super) fn finish(mut self) -> Vec<u8> {
        self.out[..4].copy_from_slice(&self.count.to_le_bytes());
        self.out
    }
}

/// The packed answer list of one `done`: a count of one, then `ok` and `done`.
pub(super) const ONE_DONE: [u8; 6] = [1, 0, 0, 0, 0, 0];

/// Appends one packed answer to `out`, as an element of a packed answer list.
pub(super) fn pack_answer(out: &mut Vec<u8>, answer: &Result<wit::Answer, wit::DataError>) {
    Writer(out).answer(answer);
}

/// The packed `list<result<answer, data-error>>` of `answers`.
pub(super) fn encode_answers(answers: &[Result<wit::Answer, wit::DataError>]) -> Vec<u8> {
    let mut list = AnswerList::new(answers.len());
    for a in answers {
        list.push(a);
    }
    list.finish()
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A packed `list<op>` of `ops` (each already packed).
    fn program(ops: &[&[u8]]) -> Vec<u8> {
        let mut out = (ops.len() as u32).to_le_bytes().to_vec();
        for op in ops {
            out.extend_from_slice(op);
        }
        out
    }

    #[test]
    fn operations_decode_by_the_rule() {
        let put: Vec<u8> = [
            &[12, 1][..],                 // put, value
            &7u32.to_le_bytes(),          // path 7
            &[1, 7, 1],                   // some(schema): string, optional
            &[1, 2, 0, 0, 0, b'n', b'm'], // name "nm"
            &[1],                         // version:
            &3i32.to_le_bytes(),          //   3
            &[0],                         // no doc
            &1u32.to_le_bytes(),          // one parameter
            &[1, 0, 0, 0, b'k', 1, 0, 0, 0, b'v'],
            &[0],                         // no default
            &[8, 2, 0, 0, 0, b'h', b'i'], // string "hi"
        ]
        .concat();
        let ops = decode_ops(&program(&[
            &[0, 0],
            &[7, 1, 3, 0, 0, 0],
            &put,
            &[16, 1, 1, 0, 0, 0, b'_'],
            &[17, 0, 0, 0, 0, 0, 1, 0, 0, 0, 1, 0, 0, 0, b'x'],
            &[18, 1, 2, 0, 0, 0, 7, 1], // cast, value, path 2, to string, apply-defaults
        ]))
        .expect("decodes");
        assert_eq!(ops.len(), 6);
        assert_eq!(
            ops[5],
            crate::Op::Packed(wit::PackedOp::Cast(wit::CastOp {
                node: wit::Node {
                    part: wit::Part::Value,
                    path: 2
                },
                to: wit::SchemaType::String,
                apply_defaults: true,
            }))
        );
        let ops: Vec<wit::Op> = ops[..5]
            .iter()
            .map(|op| match op {
                crate::Op::Wit(op) => op.clone(),
                other => panic!("not an `op`: {other:?}"),
            })
            .collect();
        assert_eq!(ops[0], wit::Op::IsNull(wit::Part::Key));
        assert_eq!(
            ops[1],
            wit::Op::GetTyped(wit::Node {
                part: wit::Part::Value,
                path: 3
            })
        );
        assert_eq!(
            ops[2],
            wit::Op::Put(wit::PutOp {
                node: wit::Node {
                    part: wit::Part::Value,
                    path: 7
                },
                schema: Some(wit::SchemaInfo {
                    type_: wit::SchemaType::String,
                    optional: true,
                    name: Some("nm".into()),
                    version: Some(3),
                    doc: None,
                    parameters: vec![("k".into(), "v".into())],
                    default_json: None,
                }),
                value: wit::Scalar::String("hi".into()),
            })
        );
        assert_eq!(
            ops[3],
            wit::Op::Flatten(wit::FlattenOp {
                part: wit::Part::Value,
                delimiter: "_".into()
            })
        );
        assert_eq!(
            ops[4],
            wit::Op::FillDefaults(wit::FillDefaultsOp {
                node: wit::Node {
                    part: wit::Part::Key,
                    path: 0
                },
                skip: vec!["x".into()]
            })
        );
    }

    #[test]
    fn malformed_programs_are_refused_with_the_byte() {
        let cases: &[(&[u8], usize, &str)] = &[
            (&[], 0, "the operation count"),
            (
                &[1, 0, 0, 0],
                0,
                "a length longer than the rest of the buffer",
            ),
            (&[1, 0, 0, 0, 99, 0], 4, "an unknown operation"),
            (
                &[1, 0, 0, 0, 0, 2],
                5,
                "a part that is not 0 (key) or 1 (value)",
            ),
            (&[1, 0, 0, 0, 1, 1, 0, 0], 6, "a path id"),
            (&[1, 0, 0, 0, 0, 0, 0], 6, "bytes after the last operation"),
            // A count no buffer this size can hold is refused before anything is reserved.
            (
                &[255, 255, 255, 255, 0, 0],
                0,
                "a length longer than the rest of the buffer",
            ),
            (
                &[1, 0, 0, 0, 16, 1, 255, 255, 255, 127],
                6,
                "a length longer than the rest of the buffer",
            ),
            (
                &[1, 0, 0, 0, 16, 1, 1, 0, 0, 0, 0xff],
                6,
                "a string that is not UTF-8",
            ),
            (
                &[1, 0, 0, 0, 10, 1, 0, 0, 0, 0, 2],
                10,
                "a bool that is not 0 or 1",
            ),
        ];
        for (bytes, at, what) in cases {
            let e = decode_ops(bytes).expect_err("malformed");
            assert_eq!((e.at, e.what), (*at, *what), "{bytes:?}");
        }
    }

    #[test]
    fn one_done_is_the_list_of_one_done() {
        assert_eq!(encode_answers(&[Ok(wit::Answer::Done)]), ONE_DONE);
    }

    #[test]
    fn answers_encode_by_the_rule() {
        let bytes = encode_answers(&[
            Ok(wit::Answer::Flag(true)),
            Ok(wit::Answer::Scalar(wit::Scalar::Int64(-2))),
            Ok(wit::Answer::Typed(wit::Typed {
                schema: None,
                value: wit::Scalar::Null,
            })),
            Ok(wit::Answer::Names(vec!["a".into()])),
            Err(wit::DataError::NoSuchField("x".into())),
        ]);
        let expected: Vec<u8> = [
            &5u32.to_le_bytes()[..],
            &[0, 1, 1],
            &[0, 4, 5],
            &(-2i64).to_le_bytes(),
            &[0, 5, 0, 0],
            &[0, 3, 1, 0, 0, 0, 1, 0, 0, 0, b'a'],
            &[1, 1, 1, 0, 0, 0, b'x'],
        ]
        .concat();
        assert_eq!(bytes, expected);
    }
}
