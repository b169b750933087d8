//! `org.apache.kafka.connect.transforms.ValueToKey` as a Switchyard transform: replaces the key
//! with a struct (or map) of fields copied from the value.
//!
//! | key | type | default |
//! |---|---|---|
//! | `fields` | LIST, not empty | required |
//! | `replace.null.with.default` | BOOLEAN | `true` — a null field with a default gives the default |
//!
//! With a schema the new key schema is a required struct without a name, holding the listed
//! fields with their schemas, in the order of `fields`; a field the value does not have is a
//! bad record (`Field does not exist: …`). Without a schema the key is a map of the listed
//! fields, a missing one mapped to null. As in Kafka there is no special case for a tombstone:
//! a null value is a bad record. The value is left as it is.
//!
//! Scalar fields are copied one by one with their schemas (`put`); when a listed field is a
//! struct, array or map, the value is read as JSON and the key written in that form.

use connect_util::fields::value_at;
use connect_util::json::{self, JsonPart, Map, Value};
use connect_util::shape::{Top, non_empty_list};
use switchyard_sdk::prelude::*;

const PURPOSE: &str = "copying fields from value to key";

/// The transform: the fields that make the key.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ValueToKey {
    fields: Vec<String>,
    replace_null_with_default: bool,
}

impl ValueToKey {
    /// Reads the configuration (`ValueToKey.CONFIG_DEF`).
    pub fn from_config(config: &Config) -> Result<Self, ConfigError> {
        Ok(ValueToKey {
            fields: non_empty_list(config, "fields")?,
            replace_null_with_default: config.boolean_or("replace.null.with.default", true)?,
        })
    }

    /// An empty key of the right kind, for the fields to be put into.
    fn empty_key(record: &mut Record, schema: bool) -> Result<(), Error> {
        let empty = JsonPart {
            schema: schema.then(|| {
                serde_json_object(&[
                    ("type", Value::from("struct")),
                    ("fields", Value::Array(Vec::new())),
                    ("optional", Value::from(false)),
                ])
            }),
            payload: Value::Object(Map::new()),
        };
        json::write(record, Part::Key, &empty)
    }

    fn schemaless(&self, record: &mut Record) -> Result<(), Error> {
        let view = record.value();
        let mut entries = Vec::with_capacity(self.fields.len());
        for field in &self.fields {
            match view.get(&[field.as_str()]) {
                Ok(value) => entries.push((field, value)),
                Err(DataError::NoSuchField(_)) => entries.push((field, Scalar::Null)),
                Err(DataError::WrongType(_)) => return self.schemaless_json(record),
                Err(e) => return Err(e.into()),
            }
        }
        Self::empty_key(record, false)?;
        let mut key = record.key_mut();
        for (field, value) in entries {
            key.put(&[field.as_str()], None, value)?;
        }
        Ok(())
    }

    fn schemaless_json(&self, record: &mut Record) -> Result<(), Error> {
        let data = json::read(&record.value())?;
        let mut key = Map::new();
        for field in &self.fields {
            let value = data.payload.get(field).cloned().unwrap_or(Value::Null);
            key.insert(field.clone(), value);
        }
        let key = JsonPart {
            schema: None,
            payload: Value::Object(key),
        };
        json::write(record, Part::Key, &key)
    }

    fn with_schema(&self, record: &mut Record) -> Result<(), Error> {
        let view = record.value();
        let mut entries = Vec::with_capacity(self.fields.len());
        let mut scalars = true;
        for (i, field) in self.fields.iter().enumerate() {
            let info = match view.schema(&[field.as_str()]) {
                Ok(Some(info)) => info,
                Err(DataError::NoSuchField(_)) | Ok(None) => {
                    return Err(Error::bad_record(format!("Field does not exist: {field}")));
                }
                Err(e) => return Err(e.into()),
            };
            if self.fields[..i].contains(field) {
                return Err(Error::bad_record(format!(
                    "Cannot create field because of field name duplication {field}"
                )));
            }
            scalars &= !matches!(
                info.type_,
                SchemaType::Struct | SchemaType::Array | SchemaType::Map
            );
            entries.push((field, info));
        }
        if !scalars {
            return self.with_schema_json(record);
        }
        let mut values = Vec::with_capacity(entries.len());
        for (field, info) in &entries {
            let value = value_at(
                &view,
                &[field.as_str()],
                Some(info),
                self.replace_null_with_default,
            )?;
            values.push(value);
        }
        Self::empty_key(record, true)?;
        let mut key = record.key_mut();
        for ((field, info), value) in entries.iter().zip(values) {
            key.put(&[field.as_str()], Some(info), value)?;
        }
        Ok(())
    }

    fn with_schema_json(&self, record: &mut Record) -> Result<(), Error> {
        let view = record.value();
        let data = json::read(&view)?;
        // `Struct.get` gives a field's default for a null field, but keeps the nulls inside a
        // struct field as they are; the JSON form gives defaults everywhere.
        let restore: Vec<Vec<String>> = json::hidden_nulls(&view, &data)?
            .into_iter()
            .filter(|path| {
                self.fields.contains(&path[0])
                    && (path.len() > 1 || !self.replace_null_with_default)
            })
            .collect();
        let schema = data.schema.as_ref();
        let mut fields = Vec::with_capacity(self.fields.len());
        let mut payload = Map::new();
        for field in &self.fields {
            let field_schema = schema.and_then(|s| json::field(s, field));
            let Some(field_schema) = field_schema else {
                return Err(Error::bad_record(format!("Field does not exist: {field}")));
            };
            fields.push(json::field_entry(field_schema, field));
            let value = data.payload.get(field).cloned().unwrap_or(Value::Null);
            payload.insert(field.clone(), value);
        }
        let key = JsonPart {
            schema: Some(serde_json_object(&[
                ("type", Value::from("struct")),
                ("fields", Value::Array(fields)),
                ("optional", Value::from(false)),
            ])),
            payload: Value::Object(payload),
        };
        json::write(record, Part::Key, &key)?;
        json::restore_nulls(record, Part::Key, &restore)
    }
}

fn serde_json_object(entries: &[(&str, Value)]) -> Value {
    Value::Object(
        entries
            .iter()
            .map(|(k, v)| ((*k).to_owned(), v.clone()))
            .collect(),
    )
}

impl Transform for ValueToKey {
    fn configure(ctx: &Context) -> Result<Self, ConfigError> {
        ValueToKey::from_config(ctx.config())
    }

    fn apply(&self, mut record: Record) -> Result<Output, Error> {
        let top = Top::inspect(&record.value())?;
        if top.has_schema() {
            top.require_struct(PURPOSE)?;
            self.with_schema(&mut record)?;
        } else {
            top.require_map(PURPOSE)?;
            self.schemaless(&mut record)?;
        }
        Ok(Output::One(record))
    }
}

switchyard_sdk::export_transform!(ValueToKey);

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn config() {
        let configure = |v: &str| ValueToKey::from_config(&[("fields", v)].into_iter().collect());
        assert_eq!(configure(""), Err(ConfigError::new("fields", "Empty list")));
        assert_eq!(
            ValueToKey::from_config(&Config::default()),
            Err(ConfigError::missing("fields"))
        );
        assert_eq!(
            configure("a,b").map(|t| t.fields),
            Ok(vec!["a".into(), "b".into()])
        );
    }
}
