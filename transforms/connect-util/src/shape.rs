//! What a key or value is (null, struct, map, array or scalar, with or without a schema), and
//! the messages of Kafka's `org.apache.kafka.connect.transforms.util.Requirements` when it is not
//! what a transform needs.

use switchyard_sdk::prelude::*;

use crate::java;

/// The kind of a key or value.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    /// Null (a tombstone, for a value).
    Null,
    /// A struct (schema'd data).
    Struct,
    /// A map (a JSON object without a schema, or a schema'd MAP).
    Map,
    /// An array.
    Array,
    /// A scalar.
    Scalar,
}

/// A key or value at a glance: its kind, its schema, and its value when it is a scalar.
#[derive(Debug, Clone, PartialEq)]
pub struct Top {
    /// The kind.
    pub kind: Kind,
    /// The schema of the whole part, `None` when schemaless.
    pub schema: Option<SchemaInfo>,
    /// The value, when it is a scalar.
    pub scalar: Option<Scalar>,
}

impl Top {
    /// Looks at the key or value: one or two calls to the host.
    pub fn inspect(view: &PartView<'_>) -> Result<Top, Error> {
        let schema = view.schema(&[])?;
        if view.is_null()? {
            return Ok(Top {
                kind: Kind::Null,
                schema,
                scalar: None,
            });
        }
        let from_type = |t: SchemaType| match t {
            SchemaType::Struct => Kind::Struct,
            SchemaType::Map => Kind::Map,
            SchemaType::Array => Kind::Array,
            _ => Kind::Scalar,
        };
        if let Some(info) = &schema {
            let kind = from_type(info.type_);
            let scalar = if kind == Kind::Scalar {
                Some(view.get(&[])?)
            } else {
                None
            };
            return Ok(Top {
                kind,
                schema,
                scalar,
            });
        }
        match view.get(&[]) {
            Ok(scalar) => Ok(Top {
                kind: Kind::Scalar,
                schema,
                scalar: Some(scalar),
            }),
            // The host names the kind: "… is a map, not a scalar" / "… is a array, …".
            Err(DataError::WrongType(message)) => Ok(Top {
                kind: if message.contains("array") {
                    Kind::Array
                } else {
                    Kind::Map
                },
                schema,
                scalar: None,
            }),
            Err(e) => Err(e.into()),
        }
    }

    /// Whether the part carries a schema.
    pub fn has_schema(&self) -> bool {
        self.schema.is_some()
    }

    /// The Java class name of the value as Kafka would hold it, or `null`
    /// (`Requirements.nullSafeClassName`).
    pub fn class_name(&self) -> &'static str {
        match (self.kind, &self.schema, &self.scalar) {
            (Kind::Null, _, _) => "null",
            (_, Some(info), _) => java::class_of_schema(info),
            (Kind::Map, None, _) => "java.util.HashMap",
            (Kind::Array, None, _) => "java.util.ArrayList",
            (_, None, Some(scalar)) => java::class_of_scalar(scalar).unwrap_or("null"),
            _ => "null",
        }
    }

    /// `Requirements.requireMap`: a map without a schema.
    pub fn require_map(&self, purpose: &str) -> Result<(), Error> {
        if self.kind == Kind::Map {
            return Ok(());
        }
        Err(Error::bad_record(format!(
            "Only Map objects supported in absence of schema for [{purpose}], found: {}",
            self.class_name()
        )))
    }

    /// `Requirements.requireStruct`: a struct.
    pub fn require_struct(&self, purpose: &str) -> Result<(), Error> {
        if self.kind == Kind::Struct {
            return Ok(());
        }
        Err(Error::bad_record(format!(
            "Only Struct objects supported for [{purpose}], found: {}",
            self.class_name()
        )))
    }

    /// `Requirements.requireMap` or `requireStruct`, by whether the part has a schema.
    pub fn require_container(&self, purpose: &str) -> Result<(), Error> {
        if self.has_schema() {
            self.require_struct(purpose)
        } else {
            self.require_map(purpose)
        }
    }
}

/// The part named by a `$Key` / `$Value` class, or a configuration error naming `type`.
pub fn class_part(ctx: &Context, transform: &str) -> Result<Part, ConfigError> {
    ctx.class_part().ok_or_else(|| {
        ConfigError::new(
            "type",
            format!(
                "{transform} needs its $Key or $Value class, found {}",
                ctx.class()
            ),
        )
    })
}

/// `ConfigDef.NonEmptyList`-style validation of Kafka's `NonEmptyListValidator`: a required
/// LIST with at least one item (`Empty list`).
pub fn non_empty_list(config: &Config, key: &str) -> Result<Vec<String>, ConfigError> {
    let list = config.list(key)?;
    if list.is_empty() {
        return Err(ConfigError::new(key, "Empty list"));
    }
    Ok(list)
}
