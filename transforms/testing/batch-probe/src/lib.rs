//! A test guest for `connect-record.batch`: runs, on every record, the batch its `ops`
//! configuration describes, then reports how many answers came back in the header `answers` and
//! each answer, as the Rust bindings print it (`Ok(Flag(true))`, `Err(NoSuchField("a.b"))`), in
//! the header `a<index>`.
//!
//! `ops` lists operations separated by `;`, each `kind part path [argument]` separated by spaces:
//! `part` is `key` or `value`, a path's names are joined by `.` and `-` is the empty path. Kinds:
//! `is-null` (no path), `is-null-at`, `exists`, `get`, `get-typed`, `schema`, `field-names`,
//! `set` (argument: a string value), `put` (argument: a string value, put with an optional
//! string schema when the part has one, per the `schema` key), `extract`, `rebuild`, `flatten`
//! (the delimiter in place of the path), `copy` (argument: the target path),
//! `fill-defaults`, `cast` (argument: the target type, e.g. `string`; packed only, with
//! `apply-defaults`), `diff` (argument: the later node; packed only). With `typed` true the operations go through the typed `batch` instead of the
//! SDK's `batch-packed`, so the two can be compared.

use switchyard_sdk::__bindings::connect;
use switchyard_sdk::batch::path_id;
use switchyard_sdk::prelude::*;

/// The configured probe: the batch, whether `put`s carry a schema, and whether the batch
/// goes through the typed `batch` instead of `batch-packed`.
struct BatchProbe {
    ops: String,
    with_schema: bool,
    typed: bool,
}

fn names(path: &str) -> Vec<&str> {
    if path == "-" {
        Vec::new()
    } else {
        path.split('.').collect()
    }
}

/// A schema type by its lower-case WIT name.
fn schema_type(name: &str) -> Result<SchemaType, Error> {
    Ok(match name {
        "int8" => SchemaType::Int8,
        "int16" => SchemaType::Int16,
        "int32" => SchemaType::Int32,
        "int64" => SchemaType::Int64,
        "float32" => SchemaType::Float32,
        "float64" => SchemaType::Float64,
        "boolean" => SchemaType::Boolean,
        "string" => SchemaType::String,
        "bytes" => SchemaType::Bytes,
        other => return Err(Error::broken(format!("unknown type `{other}`"))),
    })
}

/// One operation of the `ops` configuration: kind, part, path, argument.
struct Step<'a> {
    kind: &'a str,
    part: Part,
    path: Vec<&'a str>,
    /// The path word as written (`flatten`'s delimiter).
    word: &'a str,
    arg: &'a str,
}

impl BatchProbe {
    fn steps(&self) -> Result<Vec<Step<'_>>, Error> {
        let mut steps = Vec::new();
        for op in self.ops.split(';').map(str::trim).filter(|o| !o.is_empty()) {
            let words: Vec<&str> = op.split(' ').collect();
            let part = match words.get(1) {
                Some(&"key") => Part::Key,
                Some(&"value") => Part::Value,
                _ => return Err(Error::broken(format!("no part in `{op}`"))),
            };
            steps.push(Step {
                kind: words[0],
                part,
                path: names(words.get(2).copied().unwrap_or("-")),
                word: words.get(2).copied().unwrap_or("."),
                arg: words.get(3).copied().unwrap_or(""),
            });
        }
        Ok(steps)
    }

    /// The SDK's (packed) batch.
    fn batch(&self, steps: &[Step<'_>]) -> Result<Batch, Error> {
        let mut batch = Batch::new();
        let schema = SchemaInfo::plain(SchemaType::String, true);
        for step in steps {
            let (part, path, word, arg) = (step.part, step.path.as_slice(), step.word, step.arg);
            match step.kind {
                "is-null" => batch.is_null(part),
                "is-null-at" => batch.is_null_at(part, path),
                "exists" => batch.exists(part, path),
                "get" => batch.get(part, path),
                "get-typed" => batch.get_typed(part, path),
                "schema" => batch.schema(part, path),
                "field-names" => batch.field_names(part, path),
                "set" => batch.set(part, path, arg),
                "put" => batch.put(part, path, self.with_schema.then_some(&schema), arg),
                "extract" => batch.extract(part, path, true),
                "rebuild" => batch.rebuild(part, path, false),
                "flatten" => batch.flatten(part, word),
                "copy" => batch.copy(part, path, &names(arg), true),
                "fill-defaults" => batch.fill_defaults(part, path, &[]),
                "cast" => batch.cast(part, path, schema_type(arg)?, true),
                "diff" => batch.diff(part, path, &names(arg)),
                other => return Err(Error::broken(format!("unknown op `{other}`"))),
            };
        }
        Ok(batch)
    }

    /// The same operations as the typed `list<op>`.
    fn typed_ops(&self, steps: &[Step<'_>]) -> Result<Vec<connect::Op>, Error> {
        use connect::{
            CopyOp, ExtractOp, FillDefaultsOp, FlattenOp, Node, Op, PutOp, RebuildOp, SetOp,
        };
        let schema = SchemaInfo::plain(SchemaType::String, true);
        let mut ops = Vec::new();
        for step in steps {
            let (part, path, word) = (step.part, step.path.as_slice(), step.word);
            let node = Node {
                part,
                path: path_id(path),
            };
            let value = || Scalar::String(step.arg.to_owned());
            ops.push(match step.kind {
                "is-null" => Op::IsNull(part),
                "is-null-at" => Op::IsNullAt(node),
                "exists" => Op::Exists(node),
                "get" => Op::Get(node),
                "get-typed" => Op::GetTyped(node),
                "schema" => Op::Schema(node),
                "field-names" => Op::FieldNames(node),
                "set" => Op::Set(SetOp {
                    node,
                    value: value(),
                }),
                "put" => Op::Put(PutOp {
                    node,
                    schema: self.with_schema.then(|| schema.clone()),
                    value: value(),
                }),
                "extract" => Op::Extract(ExtractOp {
                    node,
                    apply_defaults: true,
                }),
                "rebuild" => Op::Rebuild(RebuildOp {
                    node,
                    apply_defaults: false,
                }),
                "flatten" => Op::Flatten(FlattenOp {
                    part,
                    delimiter: word.to_owned(),
                }),
                "copy" => Op::Copy(CopyOp {
                    part,
                    from: path_id(path),
                    to: path_id(&names(step.arg)),
                    optional: true,
                }),
                "fill-defaults" => Op::FillDefaults(FillDefaultsOp {
                    node,
                    skip: Vec::new(),
                }),
                other => return Err(Error::broken(format!("unknown op `{other}`"))),
            });
        }
        Ok(ops)
    }
}

impl Transform for BatchProbe {
    fn configure(ctx: &Context) -> Result<Self, ConfigError> {
        Ok(BatchProbe {
            ops: ctx.config().string_or("ops", ""),
            with_schema: ctx.config().boolean_or("schema", true)?,
            typed: ctx.config().boolean_or("typed", false)?,
        })
    }

    fn apply(&self, mut record: Record) -> Result<Output, Error> {
        let steps = self.steps()?;
        let answers: Vec<Result<String, DataError>> = if self.typed {
            let ops = self.typed_ops(&steps)?;
            let answers = record.as_raw().batch(&ops);
            (0..ops.len())
                .map(|i| match answers.get(i) {
                    Some(Ok(a)) => Ok(format!("{a:?}")),
                    Some(Err(e)) => Err(e.clone()),
                    None => Err(DataError::Invalid("not run".into())),
                })
                .collect()
        } else {
            let batch = self.batch(&steps)?;
            let answers = record.run(&batch);
            (0..batch.len())
                .map(|i| answers.get(i).map(|a| format!("{a:?}")))
                .collect()
        };
        let mut count = 0;
        for (index, answer) in answers.into_iter().enumerate() {
            let text = match answer {
                Ok(answer) => format!("Ok({answer})"),
                Err(DataError::Invalid(m)) if m.starts_with("not run") => break,
                Err(e) => format!("Err({e:?})"),
            };
            record.add_header(&format!("a{index}"), Some(text.as_bytes()));
            count += 1;
        }
        record.add_header("answers", Some(count.to_string().as_bytes()));
        Ok(Output::One(record))
    }
}

switchyard_sdk::export_transform!(BatchProbe);
