//! `org.apache.kafka.connect.transforms.HoistField$Key` and `HoistField$Value` as a Switchyard
//! transform: wraps the key or value in a struct (or, without a schema, a map) with one field.
//!
//! | key | type | default |
//! |---|---|---|
//! | `field` | STRING | required |
//!
//! With a schema the new struct schema is required and has no name, its one field the old
//! schema; without a schema the result is `{field: value}`. As in Kafka there is no special case
//! for null: a schemaless tombstone becomes `{field: null}`, a null with an optional schema a
//! struct holding null, and a null with a required schema fails the record (Kafka's
//! `Struct.put` validation). The host does the wrapping (`hoist`); the data never passes
//! through the guest.

use connect_util::java;
use connect_util::shape::class_part;
use switchyard_sdk::prelude::*;

/// The transform: which part, and the field to wrap it in.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HoistField {
    part: Part,
    field: String,
}

impl Transform for HoistField {
    fn configure(ctx: &Context) -> Result<Self, ConfigError> {
        Ok(HoistField {
            part: class_part(ctx, "HoistField")?,
            field: ctx.config().string("field")?,
        })
    }

    fn apply(&self, mut record: Record) -> Result<Output, Error> {
        let view = record.part(self.part);
        if view.is_null()?
            && let Some(schema) = view.schema(&[])?
            && !schema.optional
        {
            return Err(Error::bad_record(format!(
                "Invalid value: null used for required field: \"{}\", schema type: {}",
                self.field,
                java::type_name(schema.type_)
            )));
        }
        record.part_mut(self.part).hoist(&self.field)?;
        Ok(Output::One(record))
    }
}

switchyard_sdk::export_transform!(HoistField);
