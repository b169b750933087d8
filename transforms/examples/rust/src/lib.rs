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

/// A string field's schema, for `put` on schema'd data.
fn string_schema(optional: bool) -> SchemaInfo {
    SchemaInfo::plain(SchemaType::String, optional)
}

impl ChangeRouter {
    /// The fields of an update whose value changed; `None` when `before` is absent.
    fn changed_fields(record: &Record) -> Result<Option<String>, Error> {
        let value = record.value();
        if value.get(&["before"]) == Ok(Scalar::Null) {
            return Ok(None);
        }
        let mut changed = Vec::new();
        for field in value.field_names(&["after"])? {
            let before = value.get(&["before", &field]);
            let after = value.get(&["after", &field]);
            // Nested structures are not compared: only scalars are.
            if let (Ok(before), Ok(after)) = (before, after)
                && before != after
            {
                changed.push(field);
            }
        }
        Ok(Some(changed.join(",")))
    }

    fn mask(&self, record: &mut Record) -> Result<(), Error> {
        for row in ["before", "after"] {
            for field in &self.mask_fields {
                let value = match record.value().get(&[row, field]) {
                    Ok(value) => value,
                    // This table has no such field, or the row is null.
                    Err(DataError::NoSuchField(_)) => continue,
                    Err(e) => return Err(e.into()),
                };
                let masked = masked(&value, &self.replacement)
                    .map_err(|m| Error::bad_record(format!("cannot mask {row}.{field}: {m}")))?;
                if let Some(masked) = masked {
                    record.value_mut().set(&[row, field], masked)?;
                }
            }
        }
        Ok(())
    }
}

impl Transform for ChangeRouter {
    fn configure(ctx: &Context) -> Result<Self, ConfigError> {
        let config = ctx.config();
        Ok(ChangeRouter {
            mask_fields: split_list(&config.string_or("mask.fields", "")),
            replacement: config.string_or("mask.replacement", "****"),
            changes_topic: config.string_or("topic.changes", "product-changes"),
            deletes_topic: config.string_or("topic.deletes", "product-deletes"),
        })
    }

    fn apply(&self, mut record: Record) -> Result<Output, Error> {
        if record.value().is_null()? {
            record.set_topic(&self.changes_topic);
            return Ok(Output::One(record));
        }
        let op = match record.value().get(&["op"]) {
            Ok(Scalar::String(op)) => op,
            _ => {
                return Err(Error::bad_record(
                    "not a Debezium change event: no string `op`",
                ));
            }
        };
        let name =
            op_name(&op).ok_or_else(|| Error::bad_record(format!("unknown Debezium op `{op}`")))?;
        let changed = if op == "u" {
            Self::changed_fields(&record)?
        } else {
            None
        };
        self.mask(&mut record)?;

        let schema_d = record.value().has_schema()?;
        let (name_schema, changed_schema) = (string_schema(false), string_schema(true));
        let mut value = record.value_mut();
        value.put(&["op_name"], schema_d.then_some(&name_schema), name)?;
        let changed = changed.map_or(Scalar::Null, Scalar::String);
        value.put(
            &["changed_fields"],
            schema_d.then_some(&changed_schema),
            changed,
        )?;

        let topic = if op == "d" {
            &self.deletes_topic
        } else {
            &self.changes_topic
        };
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
