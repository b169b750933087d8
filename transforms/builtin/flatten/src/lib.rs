//! `org.apache.kafka.connect.transforms.Flatten$Key` and `Flatten$Value` as a Switchyard
//! transform: flattens nested structs (or maps) into one level, joining the names.
//!
//! | key | type | default |
//! |---|---|---|
//! | `delimiter` | STRING | `.` |
//!
//! `{"a":{"b":1},"c":2}` becomes `{"a.b":1,"c":2}`. Arrays are kept as they are, not descended
//! into; an empty nested map adds nothing; a null nested struct leaves its flattened fields
//! null.
//!
//! With a schema, as in Kafka: the new struct schema keeps the name, version, doc and
//! parameters of the old one (not its optionality); a flattened field is optional when it or
//! any struct above it is, and takes its own default or the one the defaults of the structs
//! above it give; a MAP field is a bad record (`Flatten transformation does not support MAP for
//! record with schemas (for field …)`). A null key or value passes unchanged. The host
//! flattens the part where it lives (WIT `flatten`, one call).

use connect_util::shape::{Top, class_part};
use switchyard_sdk::prelude::*;

const PURPOSE: &str = "flattening";

/// The transform: which part, and the delimiter between names.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Flatten {
    part: Part,
    delimiter: String,
    /// The one operation a record needs, packed once.
    batch: Batch,
}

impl Flatten {
    /// Reads the configuration (`Flatten.CONFIG_DEF`).
    pub fn from_config(part: Part, config: &Config) -> Self {
        let delimiter = config.string_or("delimiter", ".");
        let mut batch = Batch::new();
        batch.flatten(part, &delimiter);
        Flatten {
            part,
            delimiter,
            batch,
        }
    }
}

impl Transform for Flatten {
    fn configure(ctx: &Context) -> Result<Self, ConfigError> {
        // `apply` keeps nothing between records: the host may replay its batch.
        switchyard_sdk::declare::depends_only_on_answers();
        Ok(Flatten::from_config(
            class_part(ctx, "Flatten")?,
            ctx.config(),
        ))
    }

    fn apply(&self, mut record: Record) -> Result<Output, Error> {
        // One host call: the host flattens the part where it lives (WIT `flatten`).
        match record.run(&self.batch).check() {
            Ok(()) => Ok(Output::One(record)),
            // Not a struct or map: inspect the part to name it as Kafka does.
            Err(error @ DataError::WrongType(_)) => {
                let top = Top::inspect(&record.part(self.part))?;
                if top.has_schema() {
                    top.require_struct(PURPOSE)?;
                } else {
                    top.require_map(PURPOSE)?;
                }
                Err(error.into())
            }
            Err(e) => Err(e.into()),
        }
    }
}

switchyard_sdk::export_transform!(Flatten);
