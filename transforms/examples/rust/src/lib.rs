//! `change-router`, the example transform written in Rust, JavaScript and Python
//! (`transforms/examples/{rust,js,python}`): the three give the same output on every record.
//!
//! Over a Debezium change event (`before`, `after`, `op`, …) it
//!
//! 1. adds `op_name` (`create`, `update`, `delete`, `read`, `truncate`, `message`) and
//!    `changed_fields` (for an update, the comma-separated names of the `after` fields whose value
//!    differs from `before`; null otherwise) to the value;
//! 2. masks the `mask.fields` of `before` and `after`: a string becomes `mask.replacement`, an
//!    integer becomes 0 (as Kafka's `MaskField` masks numbers), a null stays null;
//! 3. routes the event to `topic.deletes` when `op` is `d`, to `topic.changes` otherwise.
//!
//! A tombstone (null value) is passed on unchanged to `topic.changes`, so that compaction there
//! drops the key too.
//!
//! | key | default |
//! |---|---|
//! | `mask.fields` | none: comma-separated row fields, blanks ignored |
//! | `mask.replacement` | `****` |
//! | `topic.changes` | `product-changes` |
//! | `topic.deletes` | `product-deletes` |

use switchyard_sdk::prelude::*;

/// The configured transform.
#[derive(Debug, Clone, PartialEq, Eq)]
struct ChangeRouter {
    mask_fields: Vec<String>,
    replacement: String,
    changes_topic: String,
    deletes_topic: String,
    /// What every record is read with, built once.
    reads: Reads,
}

/// The reads of one record, in one host call (`Batch`): the paths are registered once, in
/// `configure`, and the answers are read where the host wrote them.
///
/// A masked field is read by its nullness and its schema, not its value, so that records that
/// differ only in the values of masked fields answer alike and the host can replay the first
/// one's changes on the others (`depends_only_on_answers`). Schemaless data, and a field whose
/// schema is neither a string nor an integer, are read by value in a second batch.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Reads {
    batch: Batch,
    null: usize,
    has_schema: usize,
    op: usize,
    before: usize,
    /// `diff` of `before` and `after`.
    changed: usize,
    masks: Vec<Mask>,
    op_name: Path,
    changed_fields: Path,
}

/// One masked field of one row (`before`, then `after`) and the indices of its reads.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Mask {
    field: String,
    row: &'static str,
    path: Path,
    is_null: usize,
    schema: usize,
}

impl Reads {
    fn new(mask_fields: &[String]) -> Self {
        let mut batch = Batch::new();
        let null = batch.is_null(Part::Value);
        let has_schema = batch.has_schema(Part::Value);
        let op = batch.get(Part::Value, &["op"]);
        let before = batch.get(Part::Value, &["before"]);
        // What an update changed, by the host: the names, not the values, cross, so updates
        // that change the same fields answer alike and are replayed.
        let changed = batch.diff(Part::Value, &["before"], &["after"]);
        let mut masks = Vec::new();
        for row in ["before", "after"] {
            for field in mask_fields {
                let path = Path::new(&[row, field.as_str()]);
                masks.push(Mask {
                    field: field.clone(),
                    row,
                    path,
                    is_null: batch.is_null_at(Part::Value, &path),
                    schema: batch.schema(Part::Value, &path),
                });
            }
        }
        Reads {
            batch,
            null,
            has_schema,
            op,
            before,
            changed,
            masks,
            op_name: Path::new(&["op_name"]),
            changed_fields: Path::new(&["changed_fields"]),
        }
    }
}

/// Splits a comma-separated list, trimming items and ignoring blank ones.
fn split_list(text: &str) -> Vec<String> {
    text.split(',')
        .map(str::trim)
        .filter(|item| !item.is_empty())
        .map(str::to_owned)
        .collect()
}

/// The name of a Debezium `op` code (`io.debezium.data.Envelope.Operation`).
fn op_name(op: &str) -> Option<&'static str> {
    Some(match op {
        "c" => "create",
        "u" => "update",
        "d" => "delete",
        "r" => "read",
        "t" => "truncate",
        "m" => "message",
        _ => return None,
    })
}

/// The masked form of a scalar, `None` when it stays as it is (null).
fn masked(value: &Scalar, replacement: &str) -> Result<Option<Scalar>, String> {
    Ok(Some(match value {
        Scalar::Null => return Ok(None),
        Scalar::String(_) => Scalar::String(replacement.to_owned()),
        Scalar::Int8(_) => Scalar::Int8(0),
        Scalar::Int16(_) => Scalar::Int16(0),
        Scalar::Int32(_) => Scalar::Int32(0),
        Scalar::Int64(_) => Scalar::Int64(0),
        _ => return Err("only strings and integers can be masked".into()),
    }))
}

/// The masked form of a non-null value of a schema's type, as `masked` gives it; `None` for a
/// type that is read by value instead.
fn masked_by_schema(kind: SchemaType, replacement: &str) -> Option<Scalar> {
    Some(match kind {
        SchemaType::String => Scalar::String(replacement.to_owned()),
        SchemaType::Int8 => Scalar::Int8(0),
        SchemaType::Int16 => Scalar::Int16(0),
        SchemaType::Int32 => Scalar::Int32(0),
        SchemaType::Int64 => Scalar::Int64(0),
        _ => return None,
    })
}

/// A string field's schema, for `put` on schema'd data.
fn string_schema(optional: bool) -> SchemaInfo {
    SchemaInfo::plain(SchemaType::String, optional)
}

impl ChangeRouter {
    /// Adds the masks of schema'd data to `changes` from the nullness and schema of each masked
    /// field; `Ok(false)` when a field must be read by value.
    fn mask_by_schema(&self, answers: &Answers, changes: &mut Batch) -> Result<bool, Error> {
        for mask in &self.reads.masks {
            match answers.flag(mask.is_null) {
                // This table has no such field, or the row or the field is null.
                Err(DataError::NoSuchField(_)) | Ok(true) => continue,
                Ok(false) => {}
                // Read by value, which reports the error as it always has.
                Err(_) => return Ok(false),
            }
            let masked = match answers.schema(mask.schema) {
                Ok(Some(schema)) => masked_by_schema(schema.type_, &self.replacement),
                _ => None,
            };
            let Some(masked) = masked else {
                return Ok(false);
            };
            changes.set(Part::Value, &mask.path, masked);
        }
        Ok(true)
    }

    /// Adds the masks to `changes` from the value of each masked field (one more host call).
    fn mask_by_value(&self, record: &mut Record, changes: &mut Batch) -> Result<(), Error> {
        let mut gets = Batch::new();
        let indices: Vec<usize> = self
            .reads
            .masks
            .iter()
            .map(|mask| gets.get(Part::Value, &mask.path))
            .collect();
        let values = record.run(&gets);
        for (mask, index) in self.reads.masks.iter().zip(indices) {
            let value = match values.scalar(index) {
                Ok(value) => value,
                // This table has no such field, or the row is null.
                Err(DataError::NoSuchField(_)) => continue,
                Err(e) => return Err(e.into()),
            };
            let masked = masked(value, &self.replacement).map_err(|m| {
                Error::bad_record(format!("cannot mask {}.{}: {m}", mask.row, mask.field))
            })?;
            if let Some(masked) = masked {
                changes.set(Part::Value, &mask.path, masked);
            }
        }
        Ok(())
    }
}

impl Transform for ChangeRouter {
    fn configure(ctx: &Context) -> Result<Self, ConfigError> {
        let config = ctx.config();
        let mask_fields = split_list(&config.string_or("mask.fields", ""));
        // `apply` keeps nothing between records and reads only through batches: a record
        // that answers them as an earlier one did gets that record's changes, replayed by the
        // host without a call (most records of a table whose rows hold no masked field).
        switchyard_sdk::declare::depends_only_on_answers();
        Ok(ChangeRouter {
            reads: Reads::new(&mask_fields),
            mask_fields,
            replacement: config.string_or("mask.replacement", "****"),
            changes_topic: config.string_or("topic.changes", "product-changes"),
            deletes_topic: config.string_or("topic.deletes", "product-deletes"),
        })
    }

    fn apply(&self, mut record: Record) -> Result<Output, Error> {
        let reads = &self.reads;
        let answers = record.run(&reads.batch);
        if answers.flag(reads.null)? {
            record.set_topic(&self.changes_topic);
            return Ok(Output::One(record));
        }
        let op = match answers.scalar(reads.op) {
            Ok(Scalar::String(op)) => op.as_str(),
            _ => {
                return Err(Error::bad_record(
                    "not a Debezium change event: no string `op`",
                ));
            }
        };
        let name =
            op_name(op).ok_or_else(|| Error::bad_record(format!("unknown Debezium op `{op}`")))?;
        let changed = if op == "u" && answers.scalar(reads.before) != Ok(&Scalar::Null) {
            Some(answers.names(reads.changed)?.join(","))
        } else {
            None
        };

        let schema_d = answers.flag(reads.has_schema)?;
        let mut changes = Batch::new();
        if !(schema_d && self.mask_by_schema(&answers, &mut changes)?) {
            changes.clear();
            self.mask_by_value(&mut record, &mut changes)?;
        }
        let (name_schema, changed_schema) = (string_schema(false), string_schema(true));
        changes.put(
            Part::Value,
            &reads.op_name,
            schema_d.then_some(&name_schema),
            name,
        );
        changes.put(
            Part::Value,
            &reads.changed_fields,
            schema_d.then_some(&changed_schema),
            changed.map_or(Scalar::Null, Scalar::String),
        );
        let topic = if op == "d" {
            &self.deletes_topic
        } else {
            &self.changes_topic
        };
        record.run(&changes).check()?;
        record.set_topic(topic);
        Ok(Output::One(record))
    }
}

switchyard_sdk::export_transform!(ChangeRouter);

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lists_ignore_blanks_and_ops_have_names() {
        assert_eq!(split_list(" body, ,seller_id "), ["body", "seller_id"]);
        assert!(split_list("").is_empty());
        assert_eq!(op_name("d"), Some("delete"));
        assert_eq!(op_name("x"), None);
    }

    #[test]
    fn strings_and_integers_are_masked_nulls_kept() {
        assert_eq!(
            masked(&Scalar::String("a@b.c".into()), "**"),
            Ok(Some(Scalar::String("**".into())))
        );
        assert_eq!(
            masked(&Scalar::Int64(112), "**"),
            Ok(Some(Scalar::Int64(0)))
        );
        assert_eq!(masked(&Scalar::Null, "**"), Ok(None));
        assert!(masked(&Scalar::Boolean(true), "**").is_err());
    }
}
