//! Many operations on one record in one call to the host (`connect-record.batch`, WIT 0.1.1).
//!
//! Every [`Record`] accessor crosses from the guest into the host and back, which costs far
//! more than the work of a `get` or a `put` itself. A [`Batch`] lists operations — reads,
//! changes, or both — and [`Record::run`] sends them in one crossing:
//!
//! ```no_run
//! use switchyard_sdk::prelude::*;
//!
//! fn unwrap(record: &mut Record) -> Result<(), Error> {
//!     // Reads: built once (in `configure`, say) and reused for every record.
//!     let mut reads = Batch::new();
//!     let op = reads.get(Part::Value, &["op"]);
//!     let after = reads.is_null_at(Part::Value, &["after"]);
//!     let answers = record.run(&reads);
//!     if *answers.scalar(op)? == Scalar::String("d".into()) || answers.flag(after)? {
//!         return Ok(());
//!     }
//!     // Changes: the row becomes the value, with the operation appended.
//!     let mut changes = Batch::new();
//!     changes.extract(Part::Value, &["after"], true);
//!     changes.put(Part::Value, &["__op"], Some(&SchemaInfo::plain(SchemaType::String, true)), "c");
//!     record.run(&changes).check()?;
//!     Ok(())
//! }
//! ```
//!
//! A read that fails (a missing field, a wrong type) answers its error and the batch goes on, so
//! a batch can probe several paths; a change that fails ends the batch.

use std::cell::OnceCell;

use crate::__bindings::connect::{self, Answer, Typed};
use crate::packed::{self, Writer};
use crate::record::{DataError, FieldMapping, Part, Record, Scalar, SchemaInfo};

/// A list of operations to run on a record in one host call; each method appends one and
/// returns its index among the answers.
///
/// The operations are kept packed (see `connect-record.batch-packed`), so running a batch
/// hands the host one buffer: build a batch of reads once and run it on every record.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Batch {
    /// The packed `list<op>`: its `u32` count, then the operations.
    packed: Vec<u8>,
    count: u32,
}

impl Default for Batch {
    fn default() -> Self {
        // Room for a few operations: a batch built per record then grows once at most.
        let mut packed = Vec::with_capacity(128);
        packed.extend_from_slice(&[0; 4]);
        Batch { packed, count: 0 }
    }
}

/// The case numbers of the WIT `op` variant, in its order.
mod case {
    pub const IS_NULL: u8 = 0;
    pub const IS_NULL_AT: u8 = 1;
    pub const EXISTS: u8 = 2;
    pub const HAS_SCHEMA: u8 = 3;
    pub const SCHEMA: u8 = 4;
    pub const FIELD_NAMES: u8 = 5;
    pub const GET: u8 = 6;
    pub const GET_TYPED: u8 = 7;
    pub const SET: u8 = 8;
    pub const RESHAPE: u8 = 9;
    pub const EXTRACT: u8 = 10;
    pub const HOIST: u8 = 11;
    pub const PUT: u8 = 12;
    pub const RENAME_SCHEMA: u8 = 13;
    pub const COPY: u8 = 14;
    pub const REBUILD: u8 = 15;
    pub const FLATTEN: u8 = 16;
    pub const FILL_DEFAULTS: u8 = 17;
    /// `packed-op`'s cases follow `op`'s (WIT 0.1.3).
    pub const CAST: u8 = 18;
    pub const DIFF: u8 = 19;
}

/// A path registered with the host once (`connect.register-path`), usually in `configure`:
/// batches name it by its number, so using it costs nothing per record.
///
/// Every [`Batch`] method takes a path as any [`AsPath`]: a `Path`, or the names themselves
/// (`&["after", "id"]`), which are looked up among the paths already registered.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Path(u32);

impl Path {
    /// Registers `path` (struct field names or map keys from the top of a part; the empty
    /// path is the part itself).
    pub fn new(path: &[&str]) -> Path {
        Path(path_id(path))
    }

    /// The number the host gave the path.
    pub fn id(self) -> u32 {
        self.0
    }
}

/// A path, as [`Batch`] methods take it: a registered [`Path`] or a list of names.
pub trait AsPath {
    /// The path's number from `connect.register-path`.
    fn path_id(&self) -> u32;
}

impl AsPath for Path {
    fn path_id(&self) -> u32 {
        self.0
    }
}

impl AsPath for [&str] {
    fn path_id(&self) -> u32 {
        path_id(self)
    }
}

impl<const N: usize> AsPath for [&str; N] {
    fn path_id(&self) -> u32 {
        path_id(self)
    }
}

impl AsPath for Vec<&str> {
    fn path_id(&self) -> u32 {
        path_id(self)
    }
}

/// The number the host gave `path` (`connect.register-path`), asked once per path and
/// instance: later uses are a lookup in the guest. A path the host refused gets a number no
/// path has, so the operations using it answer `invalid`.
pub fn path_id(path: &[&str]) -> u32 {
    use std::cell::RefCell;
    use std::collections::HashMap;
    use std::hash::BuildHasher;
    /// Registered paths with their numbers, by the hash of the path.
    type Registered = HashMap<u64, Vec<(Vec<String>, u32)>>;
    thread_local! {
        static IDS: RefCell<Registered> = RefCell::new(HashMap::new());
    }
    // A batch built per record looks its paths up every time: a fast hash (the paths are the
    // transform's own, so flooding is no concern), the path compared on a match.
    let hash = rustc_hash::FxBuildHasher.hash_one(path);
    let known = IDS.with_borrow(|ids| {
        ids.get(&hash)?
            .iter()
            .find(|(p, _)| p.iter().map(String::as_str).eq(path.iter().copied()))
            .map(|(_, id)| *id)
    });
    if let Some(id) = known {
        return id;
    }
    let owned: Vec<String> = path.iter().map(|s| (*s).to_owned()).collect();
    let id = register(&owned);
    IDS.with_borrow_mut(|ids| ids.entry(hash).or_default().push((owned, id)));
    id
}

#[cfg(target_arch = "wasm32")]
fn register(path: &[String]) -> u32 {
    connect::register_path(path).unwrap_or(u32::MAX)
}

/// Off wasm there is no host: paths are numbered in the guest, for unit tests that build
/// batches.
#[cfg(not(target_arch = "wasm32"))]
fn register(_path: &[String]) -> u32 {
    use std::sync::atomic::{AtomicU32, Ordering};
    static NEXT: AtomicU32 = AtomicU32::new(0);
    NEXT.fetch_add(1, Ordering::Relaxed)
}

impl Batch {
    /// An empty batch.
    pub fn new() -> Self {
        Batch::default()
    }

    /// How many operations the batch holds.
    pub fn len(&self) -> usize {
        self.count as usize
    }

    /// Whether the batch holds no operation.
    pub fn is_empty(&self) -> bool {
        self.count == 0
    }

    /// Removes every operation, keeping the allocation.
    pub fn clear(&mut self) {
        self.packed.truncate(4);
        self.count = 0;
        self.packed[..4].copy_from_slice(&0u32.to_le_bytes());
    }

    /// Appends one operation: its case, then what `write` packs; returns its index.
    fn push(&mut self, case: u8, write: impl FnOnce(&mut Writer<'_>)) -> usize {
        let mut w = Writer(&mut self.packed);
        w.u8(case);
        write(&mut w);
        let index = self.count as usize;
        self.count += 1;
        self.packed[..4].copy_from_slice(&self.count.to_le_bytes());
        index
    }

    /// Appends an operation whose payload is one node and a flag.
    fn push_node_flag<P: AsPath + ?Sized>(
        &mut self,
        case: u8,
        part: Part,
        path: &P,
        flag: bool,
    ) -> usize {
        let id = path.path_id();
        self.push(case, |w| {
            w.node(part, id);
            w.bool(flag);
        })
    }

    /// Appends an operation whose payload is one node.
    fn push_node<P: AsPath + ?Sized>(&mut self, case: u8, part: Part, path: &P) -> usize {
        let id = path.path_id();
        self.push(case, |w| w.node(part, id))
    }

    /// Whether the part is null; answers [`Answers::flag`].
    pub fn is_null(&mut self, part: Part) -> usize {
        self.push(case::IS_NULL, |w| w.part(part))
    }

    /// Whether the node at `path` is null; answers [`Answers::flag`] (a struct, map or array is
    /// not null, a missing field is an error; with a schema, a node inside a null struct is
    /// null).
    pub fn is_null_at<P: AsPath + ?Sized>(&mut self, part: Part, path: &P) -> usize {
        self.push_node(case::IS_NULL_AT, part, path)
    }

    /// Whether the node at `path` exists (with a schema: whether the schema has it); answers
    /// [`Answers::flag`].
    pub fn exists<P: AsPath + ?Sized>(&mut self, part: Part, path: &P) -> usize {
        self.push_node(case::EXISTS, part, path)
    }

    /// Whether the part has a schema; answers [`Answers::flag`].
    pub fn has_schema(&mut self, part: Part) -> usize {
        self.push(case::HAS_SCHEMA, |w| w.part(part))
    }

    /// The schema at `path`; answers [`Answers::schema`].
    pub fn schema<P: AsPath + ?Sized>(&mut self, part: Part, path: &P) -> usize {
        self.push_node(case::SCHEMA, part, path)
    }

    /// The field names (or map keys) at `path`; answers [`Answers::names`].
    pub fn field_names<P: AsPath + ?Sized>(&mut self, part: Part, path: &P) -> usize {
        self.push_node(case::FIELD_NAMES, part, path)
    }

    /// The scalar at `path`; answers [`Answers::scalar`].
    pub fn get<P: AsPath + ?Sized>(&mut self, part: Part, path: &P) -> usize {
        self.push_node(case::GET, part, path)
    }

    /// The schema and the scalar at `path` (with a schema, a node inside a null struct is null
    /// with its schema); answers [`Answers::typed`].
    pub fn get_typed<P: AsPath + ?Sized>(&mut self, part: Part, path: &P) -> usize {
        self.push_node(case::GET_TYPED, part, path)
    }

    /// Replaces the scalar at `path` (see [`crate::PartViewMut::set`]).
    pub fn set<P: AsPath + ?Sized>(
        &mut self,
        part: Part,
        path: &P,
        value: impl Into<Scalar>,
    ) -> usize {
        let id = path.path_id();
        let value = value.into();
        self.push(case::SET, |w| {
            w.node(part, id);
            w.scalar(&value);
        })
    }

    /// Rebuilds the struct or map at `path` with `fields` (see [`crate::PartViewMut::reshape`]).
    pub fn reshape<P: AsPath + ?Sized>(
        &mut self,
        part: Part,
        path: &P,
        fields: &[FieldMapping],
        apply_defaults: bool,
    ) -> usize {
        let id = path.path_id();
        self.push(case::RESHAPE, |w| {
            w.node(part, id);
            w.u32(u32::try_from(fields.len()).unwrap_or(u32::MAX));
            for f in fields {
                w.string(&f.source);
                w.string(&f.target);
            }
            w.bool(apply_defaults);
        })
    }

    /// Makes the node at `path` the whole part (see [`crate::PartViewMut::extract`]).
    pub fn extract<P: AsPath + ?Sized>(
        &mut self,
        part: Part,
        path: &P,
        apply_defaults: bool,
    ) -> usize {
        self.push_node_flag(case::EXTRACT, part, path, apply_defaults)
    }

    /// Wraps the whole part in a one-field struct or map (see [`crate::PartViewMut::hoist`]).
    pub fn hoist(&mut self, part: Part, field: &str) -> usize {
        self.push(case::HOIST, |w| {
            w.part(part);
            w.string(field);
        })
    }

    /// Puts a scalar with its schema at `path` (see [`crate::PartViewMut::put`]).
    pub fn put<P: AsPath + ?Sized>(
        &mut self,
        part: Part,
        path: &P,
        schema: Option<&SchemaInfo>,
        value: impl Into<Scalar>,
    ) -> usize {
        let id = path.path_id();
        let value = value.into();
        self.push(case::PUT, |w| {
            w.node(part, id);
            w.opt_schema(schema);
            w.scalar(&value);
        })
    }

    /// Sets the name and version of the schema at `path` (see
    /// [`crate::PartViewMut::rename_schema`]).
    pub fn rename_schema<P: AsPath + ?Sized>(
        &mut self,
        part: Part,
        path: &P,
        name: Option<&str>,
        version: Option<i32>,
    ) -> usize {
        let id = path.path_id();
        self.push(case::RENAME_SCHEMA, |w| {
            w.node(part, id);
            w.opt_string(name);
            w.opt_s32(version);
        })
    }

    /// Copies the node at `from`, with its schema, to `to` in the same part: any node, a
    /// struct-valued field too, without it crossing into the guest. `to` follows `put`'s rules;
    /// `optional` makes the copy's schema optional without a default.
    pub fn copy<F: AsPath + ?Sized, T: AsPath + ?Sized>(
        &mut self,
        part: Part,
        from: &F,
        to: &T,
        optional: bool,
    ) -> usize {
        let (from, to) = (from.path_id(), to.path_id());
        self.push(case::COPY, |w| {
            w.part(part);
            w.u32(from);
            w.u32(to);
            w.bool(optional);
        })
    }

    /// Rebuilds the struct at `path` keeping every field (`reshape` with all fields under their
    /// names, without listing them): the schema keeps its name, version, doc and parameters but
    /// not its optionality or default.
    pub fn rebuild<P: AsPath + ?Sized>(
        &mut self,
        part: Part,
        path: &P,
        apply_defaults: bool,
    ) -> usize {
        self.push_node_flag(case::REBUILD, part, path, apply_defaults)
    }

    /// Gives every null field of the struct at `path` whose schema has a default that default,
    /// except the fields in `skip` (Kafka's `Struct.get` copy); answers [`Answers::flag`]:
    /// whether a default was a struct, map or array.
    pub fn fill_defaults<P: AsPath + ?Sized>(
        &mut self,
        part: Part,
        path: &P,
        skip: &[&str],
    ) -> usize {
        let id = path.path_id();
        self.push(case::FILL_DEFAULTS, |w| {
            w.node(part, id);
            w.strings(skip);
        })
    }

    /// Casts the scalar at `path` to `to` in the host, as Kafka's `Cast` does (WIT 0.1.3's
    /// packed-only `cast`), for the casts [`host_casts`] accepts; with `apply_defaults` a null
    /// takes its schema's default first. Answers [`Answers::ok`]. A guest that casts by schema
    /// this way reads no values, so a transform that declares
    /// [`crate::declare::depends_only_on_answers`] is replayed on records that differ only in
    /// the values cast.
    pub fn cast<P: AsPath + ?Sized>(
        &mut self,
        part: Part,
        path: &P,
        to: connect::SchemaType,
        apply_defaults: bool,
    ) -> usize {
        let id = path.path_id();
        self.push(case::CAST, |w| {
            w.node(part, id);
            w.schema_type(to);
            w.bool(apply_defaults);
        })
    }

    /// The fields of the struct at `to` whose value differs from the same-named field at
    /// `from` (WIT 0.1.3's packed-only `diff`): what an update changed, with `from` its
    /// `before` and `to` its `after`. Only scalars and nulls are compared; a field that is a
    /// struct, map or array on either side, or that `from` lacks, is left out; a null side
    /// answers no names. Answers [`Answers::names`]: updates that change the same fields
    /// answer alike, so a transform that declares
    /// [`crate::declare::depends_only_on_answers`] is replayed on them.
    pub fn diff<F: AsPath + ?Sized, T: AsPath + ?Sized>(
        &mut self,
        part: Part,
        from: &F,
        to: &T,
    ) -> usize {
        let (from, to) = (from.path_id(), to.path_id());
        self.push(case::DIFF, |w| {
            w.part(part);
            w.u32(from);
            w.u32(to);
        })
    }

    /// Flattens the whole part into one level as Kafka's `Flatten` does, joining names with
    /// `delimiter`.
    pub fn flatten(&mut self, part: Part, delimiter: &str) -> usize {
        self.push(case::FLATTEN, |w| {
            w.part(part);
            w.string(delimiter);
        })
    }
}

/// Whether the host's `cast` ([`Batch::cast`]) casts a node of schema `from` to `to`: from
/// `int8`…`int64` and `boolean` to any primitive type, from `float32` and `float64` to any but
/// `string`, from `string` to `string`; never a logical type (`Decimal`, `Date`, `Time`,
/// `Timestamp`). The other casts (a string parsed as a number, a float printed as Java prints
/// it, bytes, dates) are the guest's own.
pub fn host_casts(from: &SchemaInfo, to: connect::SchemaType) -> bool {
    use connect::SchemaType as T;
    const LOGICAL: [&str; 4] = [
        "org.apache.kafka.connect.data.Decimal",
        "org.apache.kafka.connect.data.Date",
        "org.apache.kafka.connect.data.Time",
        "org.apache.kafka.connect.data.Timestamp",
    ];
    if from.name.as_deref().is_some_and(|n| LOGICAL.contains(&n))
        || matches!(to, T::Bytes | T::Array | T::Map | T::Struct)
    {
        return false;
    }
    match from.type_ {
        T::Int8 | T::Int16 | T::Int32 | T::Int64 | T::Boolean => true,
        T::Float32 | T::Float64 => to != T::String,
        T::String => to == T::String,
        T::Bytes | T::Array | T::Map | T::Struct => false,
    }
}

/// The answers to a [`Batch`], by the indices its methods returned.
///
/// The host's packed answers are kept as they came: an answer is decoded only when it is asked
/// for, and [`Answers::flag`], [`Answers::ok`], [`Answers::check`] and
/// [`Answers::schema_name`] read the bytes without decoding anything into owned values.
#[derive(Debug, Clone)]
pub struct Answers {
    bytes: Vec<u8>,
    /// Where each answer starts in `bytes`.
    starts: Vec<u32>,
    /// Why the bytes did not decode (a host that breaks the packing rule): then the first
    /// answer is this error and the others were not run.
    broken: Option<DataError>,
    /// Answers decoded so far, by index (allocated on the first [`Answers::get`]).
    decoded: OnceCell<Box<[Decoded]>>,
}

/// One answer, decoded the first time it is asked for.
type Decoded = OnceCell<Result<Answer, DataError>>;

/// What an operation that did not run answers: an earlier change in the batch failed.
fn not_run() -> DataError {
    DataError::Invalid("not run: an earlier change in the batch failed".into())
}

fn unexpected(answer: &Answer) -> DataError {
    DataError::Invalid(format!("unexpected answer {answer:?}"))
}

impl Answers {
    /// The answers in a packed `list<result<answer, data-error>>`.
    fn from_packed(bytes: Vec<u8>) -> Answers {
        let (starts, broken) = match packed::answer_starts(&bytes) {
            Ok(starts) => (starts, None),
            Err(at) => (
                Vec::new(),
                Some(DataError::Invalid(format!(
                    "the host's packed answers do not decode at byte {at}"
                ))),
            ),
        };
        Answers {
            bytes,
            starts,
            broken,
            decoded: OnceCell::new(),
        }
    }

    /// How many operations answered (fewer than the batch held when a change failed).
    pub fn len(&self) -> usize {
        self.starts.len()
    }

    /// Whether no operation answered.
    pub fn is_empty(&self) -> bool {
        self.starts.is_empty()
    }

    /// The packed bytes of answer `index`, or the error that stands in for it.
    fn raw(&self, index: usize) -> Result<&[u8], DataError> {
        match self.starts.get(index) {
            Some(&start) => Ok(&self.bytes[start as usize..]),
            None => Err(match (&self.broken, index) {
                (Some(broken), 0) => broken.clone(),
                _ => not_run(),
            }),
        }
    }

    /// The answer to operation `index`, decoded.
    pub fn get(&self, index: usize) -> Result<&Answer, DataError> {
        self.raw(index)?;
        let cells = self
            .decoded
            .get_or_init(|| (0..self.starts.len()).map(|_| OnceCell::new()).collect());
        let answer = cells[index].get_or_init(|| {
            packed::decode_answer(&self.bytes, self.starts[index] as usize).unwrap_or_else(|| {
                Err(DataError::Invalid(format!(
                    "the host's packed answer {index} does not decode"
                )))
            })
        });
        answer.as_ref().map_err(Clone::clone)
    }

    /// Whether operation `index` succeeded; its error if not.
    pub fn ok(&self, index: usize) -> Result<(), DataError> {
        match self.raw(index)?.first() {
            Some(0) => Ok(()),
            _ => self.get(index).map(|_| ()),
        }
    }

    /// The error of the first operation that failed, if any: for a batch of changes.
    pub fn check(&self) -> Result<(), DataError> {
        if let Some(broken) = &self.broken {
            return Err(broken.clone());
        }
        for index in 0..self.starts.len() {
            self.ok(index)?;
        }
        Ok(())
    }

    /// A yes or no: `is-null`, `is-null-at`, `exists`, `has-schema`, `fill-defaults`.
    pub fn flag(&self, index: usize) -> Result<bool, DataError> {
        if let Some(flag) = packed::answered_flag(self.raw(index)?) {
            return Ok(flag);
        }
        match self.get(index)? {
            Answer::Flag(b) => Ok(*b),
            other => Err(unexpected(other)),
        }
    }

    /// The name of an answered schema (`schema` or `get-typed`), read in place: `None` for a
    /// schema without a name or schemaless data.
    pub fn schema_name(&self, index: usize) -> Result<Option<&str>, DataError> {
        if let Some(name) = packed::answered_schema_name(self.raw(index)?) {
            return Ok(name);
        }
        match self.get(index)? {
            Answer::Schema(s) => Ok(s.as_ref().and_then(|s| s.name.as_deref())),
            Answer::Typed(t) => Ok(t.schema.as_ref().and_then(|s| s.name.as_deref())),
            other => Err(unexpected(other)),
        }
    }

    /// A schema (`None` for schemaless data).
    pub fn schema(&self, index: usize) -> Result<Option<&SchemaInfo>, DataError> {
        match self.get(index)? {
            Answer::Schema(s) => Ok(s.as_ref()),
            Answer::Typed(t) => Ok(t.schema.as_ref()),
            other => Err(unexpected(other)),
        }
    }

    /// Field names or map keys.
    pub fn names(&self, index: usize) -> Result<&[String], DataError> {
        match self.get(index)? {
            Answer::Names(n) => Ok(n),
            other => Err(unexpected(other)),
        }
    }

    /// A scalar.
    pub fn scalar(&self, index: usize) -> Result<&Scalar, DataError> {
        match self.get(index)? {
            Answer::Scalar(s) => Ok(s),
            Answer::Typed(t) => Ok(&t.value),
            other => Err(unexpected(other)),
        }
    }

    /// A scalar with its schema.
    pub fn typed(&self, index: usize) -> Result<&Typed, DataError> {
        match self.get(index)? {
            Answer::Typed(t) => Ok(t),
            other => Err(unexpected(other)),
        }
    }
}

impl Record {
    /// Runs `batch` on this record in one host call (`batch-packed`).
    pub fn run(&mut self, batch: &Batch) -> Answers {
        Answers::from_packed(self.as_raw().batch_packed(&batch.packed))
    }
}

impl SchemaInfo {
    /// A schema of `kind` without name, version, doc, parameters or default
    /// (`Schema.STRING_SCHEMA`, `Schema.OPTIONAL_STRING_SCHEMA`, …).
    pub fn plain(kind: connect::SchemaType, optional: bool) -> SchemaInfo {
        SchemaInfo {
            type_: kind,
            optional,
            name: None,
            version: None,
            doc: None,
            parameters: Vec::new(),
            default_json: None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::packed::Writer;

    /// Packed answers as the host writes them: `done`, `flag(true)`, a named schema, a `typed`
    /// string, a `no-such-field` error, `flag(false)`.
    fn packed_answers() -> Vec<u8> {
        let mut bytes = Vec::new();
        let mut w = Writer(&mut bytes);
        w.u32(6);
        w.u8(0);
        w.u8(0);
        w.u8(0);
        w.u8(1);
        w.bool(true);
        let envelope = SchemaInfo {
            name: Some("product.public.products.Envelope".into()),
            version: Some(1),
            parameters: vec![("a".into(), "b".into())],
            ..SchemaInfo::plain(connect::SchemaType::Struct, false)
        };
        w.u8(0);
        w.u8(2);
        w.opt_schema(Some(&envelope));
        w.u8(0);
        w.u8(5);
        w.opt_schema(Some(&SchemaInfo::plain(connect::SchemaType::String, true)));
        w.scalar(&Scalar::String("products".into()));
        w.u8(1);
        w.u8(1);
        w.string("source.nope");
        w.u8(0);
        w.u8(1);
        w.bool(false);
        bytes
    }

    #[test]
    fn answers_read_in_place_agree_with_decoded_ones() {
        let answers = Answers::from_packed(packed_answers());
        assert_eq!(answers.len(), 6);
        assert_eq!(answers.get(0), Ok(&Answer::Done));
        assert_eq!(answers.flag(1), Ok(true));
        assert_eq!(answers.flag(5), Ok(false));
        assert_eq!(
            answers.schema_name(2),
            Ok(Some("product.public.products.Envelope"))
        );
        assert_eq!(
            answers.schema(2).map(|s| s.and_then(|s| s.version)),
            Ok(Some(1))
        );
        assert_eq!(answers.schema_name(3), Ok(None));
        assert_eq!(answers.scalar(3), Ok(&Scalar::String("products".into())));
        assert_eq!(answers.ok(3), Ok(()));
        let missing = DataError::NoSuchField("source.nope".into());
        assert_eq!(answers.ok(4), Err(missing.clone()));
        assert_eq!(answers.flag(4), Err(missing.clone()));
        assert_eq!(answers.check(), Err(missing));
        // A flag asked of another answer, and an index past the answers.
        assert!(matches!(answers.flag(0), Err(DataError::Invalid(_))));
        assert!(matches!(answers.ok(6), Err(DataError::Invalid(m)) if m.starts_with("not run")));
    }

    #[test]
    fn answers_that_break_the_packing_rule_are_one_invalid_error() {
        let mut bytes = packed_answers();
        bytes.pop();
        let answers = Answers::from_packed(bytes);
        assert!(answers.is_empty());
        assert!(
            matches!(answers.get(0), Err(DataError::Invalid(m)) if m.contains("do not decode"))
        );
        assert!(matches!(answers.check(), Err(DataError::Invalid(_))));
        assert!(matches!(answers.flag(1), Err(DataError::Invalid(m)) if m.starts_with("not run")));
        // A count that claims more answers than there are bytes.
        let answers = Answers::from_packed(vec![0xff, 0xff, 0, 0, 0]);
        assert!(
            matches!(answers.get(0), Err(DataError::Invalid(m)) if m.contains("do not decode at byte 4"))
        );
    }
}
