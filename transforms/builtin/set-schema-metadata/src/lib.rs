//! `org.apache.kafka.connect.transforms.SetSchemaMetadata$Key` and `SetSchemaMetadata$Value` as
//! a Switchyard transform: sets the name and/or version of the key or value schema.
//!
//! | key | type | default |
//! |---|---|---|
//! | `schema.name` | STRING | — |
//! | `schema.version` | INT | — |
//! | `replace.null.with.default` | BOOLEAN | `true` — null fields with a default take it |
//!
//! One of `schema.name` and `schema.version` is required (`Neither schema name nor version
//! configured`). As in Kafka: a null without a schema passes unchanged; data without a schema
//! is a bad record (`Schema required for [updating schema metadata]`); everything else of the
//! schema (type, optionality, default, doc, parameters, fields) is kept, and a struct is
//! copied into the renamed schema with `Struct.get` (or `getWithoutDefault`). The host renames
//! the schema in place (`rename-schema`).

use connect_util::fields::apply_defaults;
use connect_util::shape::class_part;
use switchyard_sdk::prelude::*;

/// The transform: which part, and the new name and version.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SetSchemaMetadata {
    part: Part,
    name: Option<String>,
    version: Option<i32>,
    replace_null_with_default: bool,
}

impl SetSchemaMetadata {
    /// Reads the configuration (`SetSchemaMetadata.CONFIG_DEF` and `configure`).
    pub fn from_config(part: Part, config: &Config) -> Result<Self, ConfigError> {
        let name = config.optional_string("schema.name");
        let version = match config.contains("schema.version") {
            true => Some(config.int("schema.version")?),
            false => None,
        };
        if name.is_none() && version.is_none() {
            return Err(ConfigError::new(
                "schema.name",
                "Neither schema name nor version configured",
            ));
        }
        Ok(SetSchemaMetadata {
            part,
            name,
            version,
            replace_null_with_default: config.boolean_or("replace.null.with.default", true)?,
        })
    }
}

impl Transform for SetSchemaMetadata {
    fn configure(ctx: &Context) -> Result<Self, ConfigError> {
        SetSchemaMetadata::from_config(class_part(ctx, "SetSchemaMetadata")?, ctx.config())
    }

    fn apply(&self, mut record: Record) -> Result<Output, Error> {
        let view = record.part(self.part);
        let null = view.is_null()?;
        let Some(schema) = view.schema(&[])? else {
            if null {
                return Ok(Output::One(record));
            }
            return Err(Error::bad_record(
                "Schema required for [updating schema metadata]",
            ));
        };
        record
            .part_mut(self.part)
            .rename_schema(&[], self.name.as_deref(), self.version)?;
        if self.replace_null_with_default && !null && schema.type_ == SchemaType::Struct {
            apply_defaults(&mut record, self.part, &[])?;
        }
        Ok(Output::One(record))
    }
}

switchyard_sdk::export_transform!(SetSchemaMetadata);

#[cfg(test)]
mod tests {
    use super::*;

    fn configure(entries: &[(&str, &str)]) -> Result<SetSchemaMetadata, ConfigError> {
        SetSchemaMetadata::from_config(Part::Value, &entries.iter().copied().collect())
    }

    #[test]
    fn config() {
        assert_eq!(
            configure(&[]),
            Err(ConfigError::new(
                "schema.name",
                "Neither schema name nor version configured"
            ))
        );
        assert_eq!(
            configure(&[("schema.version", "x")]),
            Err(ConfigError::new(
                "schema.version",
                "Not a number of type INT"
            ))
        );
        let t = configure(&[("schema.version", " 42 ")]).unwrap_or_else(|e| panic!("{e}"));
        assert_eq!((t.name, t.version), (None, Some(42)));
        let t = configure(&[("schema.name", "foo")]).unwrap_or_else(|e| panic!("{e}"));
        assert_eq!((t.name.as_deref(), t.version), (Some("foo"), None));
    }
}
