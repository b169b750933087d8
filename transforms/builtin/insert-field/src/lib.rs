//! `org.apache.kafka.connect.transforms.InsertField$Key` and `InsertField$Value` as a Switchyard
//! transform: adds fields holding the record's topic, partition, timestamp or a static string.
//!
//! | key | type | default |
//! |---|---|---|
//! | `topic.field` | STRING | — field for the topic (STRING) |
//! | `partition.field` | STRING | — field for the partition (INT32) |
//! | `offset.field` | STRING | — field for the offset (INT64): sink records only |
//! | `timestamp.field` | STRING | — field for the timestamp (`Timestamp`, or a long without a schema) |
//! | `static.field` | STRING | — field for `static.value` (STRING) |
//! | `static.value` | STRING | — required with `static.field` |
//! | `replace.null.with.default` | BOOLEAN | `true` — how the existing fields are copied |
//!
//! A field name ending in `!` makes the new field's schema required; `?` or nothing makes it
//! optional. At least one field must be configured (`No field insertion configured`).
//!
//! As in Kafka: a null key or value passes unchanged; without a schema the fields are put in
//! the map (replacing a key of the same name), and a missing partition or timestamp adds no
//! field; with a schema the new struct schema keeps the name, version, doc and parameters of
//! the old one (not its optionality), the fields are appended in the order topic, partition,
//! offset, timestamp, static, and a field that already exists is an error. The host copies the
//! struct (`reshape`) and appends each field (`put`); the data never passes through the guest.
//!
//! `offset.field`: Switchyard runs a connector's transforms as Kafka Connect runs a source
//! connector's, where Kafka fails every record (`Only SinkRecord supported for [field
//! insertion]`); so does this transform.

use connect_util::fields;
use connect_util::shape::{Kind, Top, class_part};
use switchyard_sdk::prelude::*;

const PURPOSE: &str = "field insertion";

/// A configured field: its name and whether its schema is optional (`InsertionSpec`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Spec {
    /// The field name.
    pub name: String,
    /// Whether the field's schema is optional.
    pub optional: bool,
}

impl Spec {
    /// `InsertionSpec.parse`: `name!` is required, `name?` and `name` optional.
    pub fn parse(spec: &str) -> Spec {
        if let Some(name) = spec.strip_suffix('?') {
            Spec {
                name: name.to_owned(),
                optional: true,
            }
        } else if let Some(name) = spec.strip_suffix('!') {
            Spec {
                name: name.to_owned(),
                optional: false,
            }
        } else {
            Spec {
                name: spec.to_owned(),
                optional: true,
            }
        }
    }
}

/// The transform: which part, and the fields to insert.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InsertField {
    part: Part,
    topic: Option<Spec>,
    partition: Option<Spec>,
    offset: Option<Spec>,
    timestamp: Option<Spec>,
    static_field: Option<(Spec, String)>,
    replace_null_with_default: bool,
}

impl InsertField {
    /// Reads the configuration (`InsertField.CONFIG_DEF` and `configure`).
    pub fn from_config(part: Part, config: &Config) -> Result<Self, ConfigError> {
        let spec = |key: &str| config.optional_string(key).map(|s| Spec::parse(&s));
        let topic = spec("topic.field");
        let partition = spec("partition.field");
        let offset = spec("offset.field");
        let timestamp = spec("timestamp.field");
        let static_spec = spec("static.field");
        let static_value = config.optional_string("static.value");
        if topic.is_none()
            && partition.is_none()
            && offset.is_none()
            && timestamp.is_none()
            && static_spec.is_none()
        {
            return Err(ConfigError::new(
                "topic.field",
                "No field insertion configured",
            ));
        }
        let static_field = match (static_spec, static_value) {
            (Some(spec), Some(value)) => Some((spec, value)),
            (Some(spec), None) => {
                return Err(ConfigError::new(
                    "static.value",
                    format!("No value specified for static field: {}", spec.name),
                ));
            }
            (None, _) => None,
        };
        Ok(InsertField {
            part,
            topic,
            partition,
            offset,
            timestamp,
            static_field,
            replace_null_with_default: config.boolean_or("replace.null.with.default", true)?,
        })
    }

    /// The fields to insert into this record, in Kafka's order, with their schemas (for
    /// schema'd data) and values; a missing partition or timestamp gives `None`.
    fn insertions(&self, record: &Record) -> Vec<(&Spec, SchemaInfo, Option<Scalar>)> {
        let mut out = Vec::new();
        if let Some(spec) = &self.topic {
            let schema = fields::plain(SchemaType::String, spec.optional);
            out.push((spec, schema, Some(Scalar::String(record.topic()))));
        }
        if let Some(spec) = &self.partition {
            let schema = fields::plain(SchemaType::Int32, spec.optional);
            out.push((spec, schema, record.partition().map(Scalar::Int32)));
        }
        if let Some(spec) = &self.timestamp {
            let schema = fields::logical(fields::TIMESTAMP, spec.optional);
            out.push((spec, schema, record.timestamp().map(Scalar::Int64)));
        }
        if let Some((spec, value)) = &self.static_field {
            let schema = fields::plain(SchemaType::String, spec.optional);
            out.push((spec, schema, Some(Scalar::String(value.clone()))));
        }
        out
    }
}

impl Transform for InsertField {
    fn configure(ctx: &Context) -> Result<Self, ConfigError> {
        InsertField::from_config(class_part(ctx, "InsertField")?, ctx.config())
    }

    fn apply(&self, mut record: Record) -> Result<Output, Error> {
        let top = Top::inspect(&record.part(self.part))?;
        if top.kind == Kind::Null {
            return Ok(Output::One(record));
        }
        top.require_container(PURPOSE)?;
        if self.offset.is_some() {
            return Err(Error::bad_record(format!(
                "Only SinkRecord supported for [{PURPOSE}], found: \
                 org.apache.kafka.connect.source.SourceRecord"
            )));
        }
        let insertions = self.insertions(&record);
        if !top.has_schema() {
            let mut view = record.part_mut(self.part);
            for (spec, _, value) in insertions {
                if let Some(value) = value {
                    view.put(&[&spec.name], None, value)?;
                }
            }
            return Ok(Output::One(record));
        }
        let mut names = record.part(self.part).field_names(&[])?;
        let mapping: Vec<FieldMapping> = names.iter().map(FieldMapping::keep).collect();
        for (spec, _, _) in &insertions {
            if names.contains(&spec.name) {
                return Err(Error::bad_record(format!(
                    "Cannot create field because of field name duplication {}",
                    spec.name
                )));
            }
            names.push(spec.name.clone());
        }
        let mut view = record.part_mut(self.part);
        view.reshape(&[], &mapping, self.replace_null_with_default)?;
        for (spec, schema, value) in insertions {
            view.put(&[&spec.name], Some(&schema), value.unwrap_or(Scalar::Null))?;
        }
        Ok(Output::One(record))
    }
}

switchyard_sdk::export_transform!(InsertField);

#[cfg(test)]
mod tests {
    use super::*;

    fn configure(entries: &[(&str, &str)]) -> Result<InsertField, ConfigError> {
        InsertField::from_config(Part::Value, &entries.iter().copied().collect())
    }

    #[test]
    fn specs_mark_optionality() {
        assert_eq!(
            Spec::parse("a!"),
            Spec {
                name: "a".into(),
                optional: false
            }
        );
        assert_eq!(
            Spec::parse("a?"),
            Spec {
                name: "a".into(),
                optional: true
            }
        );
        assert_eq!(
            Spec::parse("a"),
            Spec {
                name: "a".into(),
                optional: true
            }
        );
    }

    #[test]
    fn config_errors() {
        assert_eq!(
            configure(&[]),
            Err(ConfigError::new(
                "topic.field",
                "No field insertion configured"
            ))
        );
        assert_eq!(
            configure(&[("static.field", "instance_id")]),
            Err(ConfigError::new(
                "static.value",
                "No value specified for static field: instance_id"
            ))
        );
        assert!(configure(&[("static.field", "s"), ("static.value", "v")]).is_ok());
        assert!(configure(&[("topic.field", "t"), ("replace.null.with.default", "x")]).is_err());
    }
}
