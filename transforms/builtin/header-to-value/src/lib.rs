//! `io.debezium.transforms.HeaderToValue` as a Switchyard transform: copies or moves record
//! headers into fields of the value.
//!
//! | key | type | default |
//! |---|---|---|
//! | `headers` | LIST of header names, no empty items, no spaces | required |
//! | `fields` | LIST of field names, one per header; `a.b` adds `b` inside the struct `a` | required |
//! | `operation` | `copy` (keep the headers) or `move` (remove them) | required |
//!
//! Per record, as upstream (`HeaderToValue.apply`, `ConnectRecordUtil.makeNewSchema` /
//! `makeUpdatedValue`): a tombstone passes unchanged; the value must be a struct; every header of
//! the record whose key is listed (a repeated key gives several entries) becomes a field with the
//! header's schema and value, appended to the value (or to the nested struct its dotted name
//! leads to; the structs on the way must exist). A record without such a header passes
//! unchanged. The value and the nested structs that receive fields are rebuilt with
//! `copySchemaBasics` (required, same name) and `Struct.get` (a null field with a default takes
//! it). With `move`, every header with a listed key is then removed.
//!
//! Switchyard headers are bytes: a header's schema and value are what Kafka's
//! `SimpleHeaderConverter` reads from them (see [`debezium_support::headers::from_header`]:
//! text as `STRING`, `true`/`false` as `BOOLEAN`, integers as the smallest `INT8`…`INT64`,
//! decimals as `FLOAT32`/`FLOAT64`). A null header value has no schema and fails the record, as
//! upstream (`fieldSchema for field … cannot be null.`).
//!
//! Differences from upstream: the value schema is not cached per value schema (upstream reuses
//! the first record's new schema for later records with the same value schema, whatever their
//! headers), and a dotted field name matches the struct names on its path exactly (upstream
//! matches them as substrings).

use debezium_support::config::{
    check_no_empty_elements, check_no_spaces, enumerated, field_invalid, list,
};
use debezium_support::headers::from_header;
use debezium_support::java::{class_name, require_struct_message};
use switchyard_sdk::prelude::*;

/// `copy` or `move`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Operation {
    /// The headers stay.
    Copy,
    /// The headers are removed.
    Move,
}

/// The transform, configured.
#[derive(Debug, Clone)]
pub struct HeaderToValue {
    headers: Vec<String>,
    fields: Vec<String>,
    operation: Operation,
}

impl HeaderToValue {
    /// Reads the configuration (`HeaderToValue.configure`).
    pub fn from_config(config: &Config) -> Result<Self, ConfigError> {
        for key in ["fields", "headers"] {
            if config.raw(key).is_none_or(|v| v.trim().is_empty()) {
                return Err(field_invalid(key, "null", "A value is required"));
            }
            check_no_spaces(config, key)?;
            check_no_empty_elements(config, key)?;
        }
        if config.raw("operation").is_none_or(|v| v.trim().is_empty()) {
            return Err(field_invalid("operation", "null", "A value is required"));
        }
        let operation = enumerated(
            config,
            "operation",
            &[("move", Operation::Move), ("copy", Operation::Copy)],
            Operation::Copy,
        )?;
        let fields = list(config, "fields").unwrap_or_default();
        let headers = list(config, "headers").unwrap_or_default();
        if headers.len() != fields.len() {
            return Err(ConfigError::new(
                "fields",
                "'fields' config must have the same number of elements as 'headers' config.",
            ));
        }
        Ok(HeaderToValue {
            headers,
            fields,
            operation,
        })
    }

    /// The field a header goes to, if the header is listed (`headers.indexOf`).
    pub fn field_for(&self, header: &str) -> Option<&str> {
        let index = self.headers.iter().position(|h| h == header)?;
        self.fields.get(index).map(String::as_str)
    }
}

/// Rebuilds the struct at `path` with `copySchemaBasics` and `Struct.get`.
fn rebuild(record: &mut Record, path: &[&str]) -> Result<(), Error> {
    let names = record.value().field_names(path)?;
    let identity: Vec<FieldMapping> = names.iter().map(FieldMapping::keep).collect();
    record.value_mut().reshape(path, &identity, true)?;
    Ok(())
}

impl Transform for HeaderToValue {
    fn configure(ctx: &Context) -> Result<Self, ConfigError> {
        HeaderToValue::from_config(ctx.config())
    }

    fn apply(&self, mut record: Record) -> Result<Output, Error> {
        if record.value().is_null()? {
            return Ok(Output::One(record));
        }
        let value = record.value();
        if value
            .schema(&[])?
            .is_none_or(|s| s.type_ != SchemaType::Struct)
        {
            return Err(Error::bad_record(require_struct_message(
                "Header field insertion",
                &class_name(&value, &[]),
            )));
        }

        let mut entries = Vec::new();
        for header in record.headers() {
            if let Some(field) = self.field_for(&header.key) {
                entries.push((field.to_owned(), from_header(header.value.as_deref())));
            }
        }
        if entries.is_empty() {
            return Ok(Output::One(record));
        }

        // `validateNestedFieldsExist`.
        for (name, _) in &entries {
            let parts: Vec<&str> = name.split('.').collect();
            for i in 0..parts.len().saturating_sub(1) {
                let parent = &parts[..=i];
                let known = record.value().field_names(&parts[..i])?;
                if !known.iter().any(|f| f == parts[i]) {
                    return Err(Error::bad_record(format!(
                        "Field '{}' does not exist in the schema. Cannot add nested field '{name}'.",
                        parts[i]
                    )));
                }
                let is_struct = record.value().schema(parent)?.is_some_and(|s| {
                    matches!(
                        s.type_,
                        SchemaType::Struct | SchemaType::Map | SchemaType::Array
                    )
                });
                if !is_struct {
                    return Err(Error::bad_record(format!(
                        "Field '{}' is a primitive type, not a struct. Cannot add nested field '{name}'.",
                        parts[i]
                    )));
                }
            }
        }

        // The value, and every struct that receives a field, is rebuilt, top down.
        rebuild(&mut record, &[])?;
        let mut rebuilt: Vec<Vec<String>> = Vec::new();
        for (name, _) in &entries {
            let parts: Vec<&str> = name.split('.').collect();
            for depth in 1..parts.len() {
                let parent: Vec<String> = parts[..depth].iter().map(|s| (*s).to_owned()).collect();
                if rebuilt.contains(&parent) {
                    continue;
                }
                let path: Vec<&str> = parent.iter().map(String::as_str).collect();
                if record.value().get(&path) != Ok(Scalar::Null) {
                    rebuild(&mut record, &path)?;
                }
                rebuilt.push(parent);
            }
        }

        for (name, header) in entries {
            let parts: Vec<&str> = name.split('.').collect();
            let Some((schema, scalar)) = header else {
                return Err(Error::bad_record(format!(
                    "fieldSchema for field {} cannot be null.",
                    parts.last().copied().unwrap_or(&name)
                )));
            };
            let (last, parent) = parts.split_last().unwrap_or((&"", &[]));
            if record
                .value()
                .field_names(parent)?
                .iter()
                .any(|f| f == last)
            {
                return Err(Error::bad_record(format!(
                    "Cannot create field because of field name duplication {last}"
                )));
            }
            record.value_mut().put(&parts, Some(&schema), scalar)?;
        }

        if self.operation == Operation::Move {
            for header in &self.headers {
                record.remove_headers(header);
            }
        }
        Ok(Output::One(record))
    }
}

switchyard_sdk::export_transform!(HeaderToValue);

#[cfg(test)]
mod tests {
    use super::*;

    fn configure(entries: &[(&str, &str)]) -> Result<HeaderToValue, ConfigError> {
        HeaderToValue::from_config(&entries.iter().copied().collect())
    }

    fn message(entries: &[(&str, &str)]) -> String {
        configure(entries).map(|_| ()).unwrap_err().message
    }

    /// The configuration cases of `HeaderToValueTest`.
    #[test]
    fn config() {
        let ok = configure(&[
            ("headers", " h1 , h2"),
            ("fields", " f1, f2 "),
            ("operation", "copy"),
        ])
        .unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(ok.field_for("h2"), Some("f2"));
        assert_eq!(ok.field_for("h3"), None);
        assert_eq!(
            message(&[
                ("headers", "h1,h2"),
                ("fields", "f1,f2"),
                ("operation", "invalidOp")
            ]),
            "Invalid value invalidOp for configuration operation: The 'operation' value is \
             invalid: Value must be one of move, copy"
        );
        assert!(
            message(&[("headers", "h1,h2"), ("operation", "copy")]).contains("A value is required")
        );
        assert_eq!(
            message(&[
                ("headers", "h1,h2"),
                ("fields", "f1"),
                ("operation", "copy")
            ]),
            "'fields' config must have the same number of elements as 'headers' config."
        );
        assert!(
            message(&[
                ("headers", "h1,h2"),
                ("fields", ",f2"),
                ("operation", "copy")
            ])
            .contains("Empty string element(s) not permitted")
        );
        assert!(
            message(&[
                ("headers", "header one"),
                ("fields", "f1"),
                ("operation", "copy")
            ])
            .contains("Element(s) containing space not permitted")
        );
    }
}
