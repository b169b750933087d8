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
//! `fill-defaults`.

use switchyard_sdk::prelude::*;

/// The configured probe: the batch, and whether `put`s carry a schema.
struct BatchProbe {
    ops: String,
    with_schema: bool,
}

fn names(path: &str) -> Vec<&str> {
    if path == "-" {
        Vec::new()
    } else {
        path.split('.').collect()
    }
}

impl BatchProbe {
    fn batch(&self) -> Result<Batch, Error> {
        let mut batch = Batch::new();
        let schema = SchemaInfo::plain(SchemaType::String, true);
        for op in self.ops.split(';').map(str::trim).filter(|o| !o.is_empty()) {
            let words: Vec<&str> = op.split(' ').collect();
            let part = match words.get(1) {
                Some(&"key") => Part::Key,
                Some(&"value") => Part::Value,
                _ => return Err(Error::broken(format!("no part in `{op}`"))),
            };
            let path = names(words.get(2).copied().unwrap_or("-"));
            let arg = words.get(3).copied().unwrap_or("");
            match words[0] {
                "is-null" => batch.is_null(part),
                "is-null-at" => batch.is_null_at(part, &path),
                "exists" => batch.exists(part, &path),
                "get" => batch.get(part, &path),
                "get-typed" => batch.get_typed(part, &path),
                "schema" => batch.schema(part, &path),
                "field-names" => batch.field_names(part, &path),
                "set" => batch.set(part, &path, arg),
                "put" => batch.put(part, &path, self.with_schema.then_some(&schema), arg),
                "extract" => batch.extract(part, &path, true),
                "rebuild" => batch.rebuild(part, &path, false),
                "flatten" => batch.flatten(part, words.get(2).copied().unwrap_or(".")),
                "copy" => batch.copy(part, &path, &names(arg), true),
                "fill-defaults" => batch.fill_defaults(part, &path, &[]),
                other => return Err(Error::broken(format!("unknown op `{other}`"))),
            };
        }
        Ok(batch)
    }
}

impl Transform for BatchProbe {
    fn configure(ctx: &Context) -> Result<Self, ConfigError> {
        Ok(BatchProbe {
            ops: ctx.config().string_or("ops", ""),
            with_schema: ctx.config().boolean_or("schema", true)?,
        })
    }

    fn apply(&self, mut record: Record) -> Result<Output, Error> {
        let batch = self.batch()?;
        let answers = record.run(&batch);
        let mut count = 0;
        for index in 0..batch.len() {
            let text = match answers.get(index) {
                Ok(answer) => format!("Ok({answer:?})"),
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
