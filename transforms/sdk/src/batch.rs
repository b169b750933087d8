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

use crate::__bindings::connect::{
    self, Answer, CopyOp, ExtractOp, FillDefaultsOp, FlattenOp, HoistOp, Node, Op, PutOp,
    RebuildOp, RenameOp, ReshapeOp, SetOp, Typed,
};
use crate::record::{DataError, FieldMapping, Part, Record, Scalar, SchemaInfo};

/// A list of operations to run on a record in one host call; each method appends one and
/// returns its index among the answers.
#[derive(Debug, Clone, Default)]
pub struct Batch {
    ops: Vec<Op>,
}

fn node(part: Part, path: &[&str]) -> Node {
    Node {
        part,
        path: path_id(path),
    }
}

/// The number the host gave `path` (`connect.register-path`), asked once per path and
/// instance: later uses are a lookup in the guest. A path the host refused gets a number no
/// path has, so the operations using it answer `invalid`.
pub fn path_id(path: &[&str]) -> u32 {
    use std::cell::RefCell;
    use std::collections::HashMap;
    use std::hash::{BuildHasher, BuildHasherDefault, DefaultHasher};
    /// Registered paths with their numbers, by the hash of the path.
    type Registered = HashMap<u64, Vec<(Vec<String>, u32)>>;
    thread_local! {
        static IDS: RefCell<Registered> = RefCell::new(HashMap::new());
    }
    let hash = BuildHasherDefault::<DefaultHasher>::default().hash_one(path);
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
        self.ops.len()
    }

    /// Whether the batch holds no operation.
    pub fn is_empty(&self) -> bool {
        self.ops.is_empty()
    }

    /// Removes every operation, keeping the allocation.
    pub fn clear(&mut self) {
        self.ops.clear();
    }

    fn push(&mut self, op: Op) -> usize {
        self.ops.push(op);
        self.ops.len() - 1
    }

    /// Whether the part is null; answers [`Answers::flag`].
    pub fn is_null(&mut self, part: Part) -> usize {
        self.push(Op::IsNull(part))
    }

    /// Whether the node at `path` is null; answers [`Answers::flag`] (a struct, map or array is
    /// not null, a missing field is an error; with a schema, a node inside a null struct is
    /// null).
    pub fn is_null_at(&mut self, part: Part, path: &[&str]) -> usize {
        self.push(Op::IsNullAt(node(part, path)))
    }

    /// Whether the node at `path` exists (with a schema: whether the schema has it); answers
    /// [`Answers::flag`].
    pub fn exists(&mut self, part: Part, path: &[&str]) -> usize {
        self.push(Op::Exists(node(part, path)))
    }

    /// Whether the part has a schema; answers [`Answers::flag`].
    pub fn has_schema(&mut self, part: Part) -> usize {
        self.push(Op::HasSchema(part))
    }

    /// The schema at `path`; answers [`Answers::schema`].
    pub fn schema(&mut self, part: Part, path: &[&str]) -> usize {
        self.push(Op::Schema(node(part, path)))
    }

    /// The field names (or map keys) at `path`; answers [`Answers::names`].
    pub fn field_names(&mut self, part: Part, path: &[&str]) -> usize {
        self.push(Op::FieldNames(node(part, path)))
    }

    /// The scalar at `path`; answers [`Answers::scalar`].
    pub fn get(&mut self, part: Part, path: &[&str]) -> usize {
        self.push(Op::Get(node(part, path)))
    }

    /// The schema and the scalar at `path` (with a schema, a node inside a null struct is null
    /// with its schema); answers [`Answers::typed`].
    pub fn get_typed(&mut self, part: Part, path: &[&str]) -> usize {
        self.push(Op::GetTyped(node(part, path)))
    }

    /// Replaces the scalar at `path` (see [`crate::PartViewMut::set`]).
    pub fn set(&mut self, part: Part, path: &[&str], value: impl Into<Scalar>) -> usize {
        self.push(Op::Set(SetOp {
            node: node(part, path),
            value: value.into(),
        }))
    }

    /// Rebuilds the struct or map at `path` with `fields` (see [`crate::PartViewMut::reshape`]).
    pub fn reshape(
        &mut self,
        part: Part,
        path: &[&str],
        fields: &[FieldMapping],
        apply_defaults: bool,
    ) -> usize {
        self.push(Op::Reshape(ReshapeOp {
            node: node(part, path),
            fields: fields.to_vec(),
            apply_defaults,
        }))
    }

    /// Makes the node at `path` the whole part (see [`crate::PartViewMut::extract`]).
    pub fn extract(&mut self, part: Part, path: &[&str], apply_defaults: bool) -> usize {
        self.push(Op::Extract(ExtractOp {
            node: node(part, path),
            apply_defaults,
        }))
    }

    /// Wraps the whole part in a one-field struct or map (see [`crate::PartViewMut::hoist`]).
    pub fn hoist(&mut self, part: Part, field: &str) -> usize {
        self.push(Op::Hoist(HoistOp {
            part,
            field: field.to_owned(),
        }))
    }

    /// Puts a scalar with its schema at `path` (see [`crate::PartViewMut::put`]).
    pub fn put(
        &mut self,
        part: Part,
        path: &[&str],
        schema: Option<&SchemaInfo>,
        value: impl Into<Scalar>,
    ) -> usize {
        self.push(Op::Put(PutOp {
            node: node(part, path),
            schema: schema.cloned(),
            value: value.into(),
        }))
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
        self.push(Op::RenameSchema(RenameOp {
            node: node(part, path),
            name: name.map(str::to_owned),
            version,
        }))
    }

    /// Copies the node at `from`, with its schema, to `to` in the same part: any node, a
    /// struct-valued field too, without it crossing into the guest. `to` follows `put`'s rules;
    /// `optional` makes the copy's schema optional without a default.
    pub fn copy(&mut self, part: Part, from: &[&str], to: &[&str], optional: bool) -> usize {
        self.push(Op::Copy(CopyOp {
            part,
            from: path_id(from),
            to: path_id(to),
            optional,
        }))
    }

    /// Rebuilds the struct at `path` keeping every field (`reshape` with all fields under their
    /// names, without listing them): the schema keeps its name, version, doc and parameters but
    /// not its optionality or default.
    pub fn rebuild(&mut self, part: Part, path: &[&str], apply_defaults: bool) -> usize {
        self.push(Op::Rebuild(RebuildOp {
            node: node(part, path),
            apply_defaults,
        }))
    }

    /// Gives every null field of the struct at `path` whose schema has a default that default,
    /// except the fields in `skip` (Kafka's `Struct.get` copy); answers [`Answers::flag`]:
    /// whether a default was a struct, map or array.
    pub fn fill_defaults(&mut self, part: Part, path: &[&str], skip: &[&str]) -> usize {
        self.push(Op::FillDefaults(FillDefaultsOp {
            node: node(part, path),
            skip: skip.iter().map(|s| (*s).to_owned()).collect(),
        }))
    }

    /// Flattens the whole part into one level as Kafka's `Flatten` does, joining names with
    /// `delimiter`.
    pub fn flatten(&mut self, part: Part, delimiter: &str) -> usize {
        self.push(Op::Flatten(FlattenOp {
            part,
            delimiter: delimiter.to_owned(),
        }))
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
    /// Runs `batch` on this record in one host call.
    pub fn run(&mut self, batch: &Batch) -> Answers {
        Answers {
            answers: self.raw().batch(&batch.ops),
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
