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

use crate::__bindings::connect::{self, Answer, Typed};
use crate::packed::{self, Writer};
use crate::record::{DataError, FieldMapping, Part, Record, Scalar, SchemaInfo};

/// A list of operations to run on a record in one host call; each method appends one and
/// returns its index among the answers.
///
/// The operations are kept packed (see `connect-record.batch-packed`), so running a batch
/// hands the host one buffer: build a batch of reads once and run it on every record.
#[derive(Debug, Clone)]
pub struct Batch {
    /// The packed `list<op>`: its `u32` count, then the operations.
    packed: Vec<u8>,
    count: u32,
}

impl Default for Batch {
    fn default() -> Self {
        Batch {
            packed: vec![0; 4],
            count: 0,
        }
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

    /// Appends an operation whose payload is one node.
    fn push_node(&mut self, case: u8, part: Part, path: &[&str]) -> usize {
        let id = path_id(path);
        self.push(case, |w| w.node(part, id))
    }

    /// Whether the part is null; answers [`Answers::flag`].
    pub fn is_null(&mut self, part: Part) -> usize {
        self.push(case::IS_NULL, |w| w.part(part))
    }

    /// Whether the node at `path` is null; answers [`Answers::flag`] (a struct, map or array is
    /// not null, a missing field is an error; with a schema, a node inside a null struct is
    /// null).
    pub fn is_null_at(&mut self, part: Part, path: &[&str]) -> usize {
        self.push_node(case::IS_NULL_AT, part, path)
    }

    /// Whether the node at `path` exists (with a schema: whether the schema has it); answers
    /// [`Answers::flag`].
    pub fn exists(&mut self, part: Part, path: &[&str]) -> usize {
        self.push_node(case::EXISTS, part, path)
    }

    /// Whether the part has a schema; answers [`Answers::flag`].
    pub fn has_schema(&mut self, part: Part) -> usize {
        self.push(case::HAS_SCHEMA, |w| w.part(part))
    }

    /// The schema at `path`; answers [`Answers::schema`].
    pub fn schema(&mut self, part: Part, path: &[&str]) -> usize {
        self.push_node(case::SCHEMA, part, path)
    }

    /// The field names (or map keys) at `path`; answers [`Answers::names`].
    pub fn field_names(&mut self, part: Part, path: &[&str]) -> usize {
        self.push_node(case::FIELD_NAMES, part, path)
    }

    /// The scalar at `path`; answers [`Answers::scalar`].
    pub fn get(&mut self, part: Part, path: &[&str]) -> usize {
        self.push_node(case::GET, part, path)
    }

    /// The schema and the scalar at `path` (with a schema, a node inside a null struct is null
    /// with its schema); answers [`Answers::typed`].
    pub fn get_typed(&mut self, part: Part, path: &[&str]) -> usize {
        self.push_node(case::GET_TYPED, part, path)
    }

    /// Replaces the scalar at `path` (see [`crate::PartViewMut::set`]).
    pub fn set(&mut self, part: Part, path: &[&str], value: impl Into<Scalar>) -> usize {
        let id = path_id(path);
        let value = value.into();
        self.push(case::SET, |w| {
            w.node(part, id);
            w.scalar(&value);
        })
    }

    /// Rebuilds the struct or map at `path` with `fields` (see [`crate::PartViewMut::reshape`]).
    pub fn reshape(
        &mut self,
        part: Part,
        path: &[&str],
        fields: &[FieldMapping],
        apply_defaults: bool,
    ) -> usize {
        let id = path_id(path);
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
    pub fn extract(&mut self, part: Part, path: &[&str], apply_defaults: bool) -> usize {
        let id = path_id(path);
        self.push(case::EXTRACT, |w| {
            w.node(part, id);
            w.bool(apply_defaults);
        })
    }

    /// Wraps the whole part in a one-field struct or map (see [`crate::PartViewMut::hoist`]).
    pub fn hoist(&mut self, part: Part, field: &str) -> usize {
        self.push(case::HOIST, |w| {
            w.part(part);
            w.string(field);
        })
    }

    /// Puts a scalar with its schema at `path` (see [`crate::PartViewMut::put`]).
    pub fn put(
        &mut self,
        part: Part,
        path: &[&str],
        schema: Option<&SchemaInfo>,
        value: impl Into<Scalar>,
    ) -> usize {
        let id = path_id(path);
        let value = value.into();
        self.push(case::PUT, |w| {
            w.node(part, id);
            w.opt_schema(schema);
            w.scalar(&value);
        })
    }

    /// Sets the name and version of the schema at `path` (see
    /// [`crate::PartViewMut::rename_schema`]).
    pub fn rename_schema(
        &mut self,
        part: Part,
        path: &[&str],
        name: Option<&str>,
        version: Option<i32>,
    ) -> usize {
        let id = path_id(path);
        self.push(case::RENAME_SCHEMA, |w| {
            w.node(part, id);
            w.opt_string(name);
            w.opt_s32(version);
        })
    }

    /// Copies the node at `from`, with its schema, to `to` in the same part: any node, a
    /// struct-valued field too, without it crossing into the guest. `to` follows `put`'s rules;
    /// `optional` makes the copy's schema optional without a default.
    pub fn copy(&mut self, part: Part, from: &[&str], to: &[&str], optional: bool) -> usize {
        let (from, to) = (path_id(from), path_id(to));
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
    pub fn rebuild(&mut self, part: Part, path: &[&str], apply_defaults: bool) -> usize {
        let id = path_id(path);
        self.push(case::REBUILD, |w| {
            w.node(part, id);
            w.bool(apply_defaults);
        })
    }

    /// Gives every null field of the struct at `path` whose schema has a default that default,
    /// except the fields in `skip` (Kafka's `Struct.get` copy); answers [`Answers::flag`]:
    /// whether a default was a struct, map or array.
    pub fn fill_defaults(&mut self, part: Part, path: &[&str], skip: &[&str]) -> usize {
        let id = path_id(path);
        self.push(case::FILL_DEFAULTS, |w| {
            w.node(part, id);
            w.strings(skip);
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

/// The answers to a [`Batch`], by the indices its methods returned.
#[derive(Debug, Clone)]
pub struct Answers {
    answers: Vec<Result<Answer, DataError>>,
}

/// What an operation that did not run answers: an earlier change in the batch failed.
fn not_run() -> DataError {
    DataError::Invalid("not run: an earlier change in the batch failed".into())
}

fn unexpected(answer: &Answer) -> DataError {
    DataError::Invalid(format!("unexpected answer {answer:?}"))
}

impl Answers {
    /// The raw answer to operation `index`.
    pub fn get(&self, index: usize) -> Result<&Answer, DataError> {
        match self.answers.get(index) {
            Some(Ok(answer)) => Ok(answer),
            Some(Err(e)) => Err(e.clone()),
            None => Err(not_run()),
        }
    }

    /// The error of the first operation that failed, if any: for a batch of changes.
    pub fn check(&self) -> Result<(), DataError> {
        match self.answers.iter().find_map(|a| a.as_ref().err()) {
            Some(e) => Err(e.clone()),
            None => Ok(()),
        }
    }

    /// A yes or no: `is-null`, `is-null-at`, `exists`, `has-schema`, `fill-defaults`.
    pub fn flag(&self, index: usize) -> Result<bool, DataError> {
        match self.get(index)? {
            Answer::Flag(b) => Ok(*b),
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
        Answers {
            answers: packed::decode_answers(&self.as_raw().batch_packed(&batch.packed)),
        }
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
