//! The Kafka Connect data model: schemas and values, as `org.apache.kafka.connect.data` defines
//! them.
//!
//! A [`Schema`] is shared behind an [`Arc`] (converters cache them, many records point at one).
//! A [`Value`] is the data; a struct's values are stored in the order of its schema's fields.
//! Schemaless data (JsonConverter with `schemas.enable=false`) has no schema: objects become
//! [`Value::Map`] with string keys in their original order, integers [`Value::Int64`] and other
//! numbers [`Value::Float64`], as `JsonConverter.convertToConnect` does.

#![deny(missing_docs)]

pub mod calendar;
pub mod derive;
pub mod files;
pub mod text;

use std::sync::Arc;

pub use compact_str::{self, CompactString};

/// The type of a Connect schema (`org.apache.kafka.connect.data.Schema.Type`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum SchemaType {
    /// 8-bit signed integer.
    Int8,
    /// 16-bit signed integer.
    Int16,
    /// 32-bit signed integer.
    Int32,
    /// 64-bit signed integer.
    Int64,
    /// 32-bit IEEE 754 float.
    Float32,
    /// 64-bit IEEE 754 float.
    Float64,
    /// Boolean.
    Boolean,
    /// UTF-8 string.
    String,
    /// Byte array.
    Bytes,
    /// Array of values of one schema.
    Array,
    /// Map from key schema to value schema.
    Map,
    /// Struct of named, ordered fields.
    Struct,
}

impl SchemaType {
    /// The name JsonConverter uses for the type (`float` for FLOAT32, `double` for FLOAT64).
    pub fn json_name(self) -> &'static str {
        match self {
            SchemaType::Int8 => "int8",
            SchemaType::Int16 => "int16",
            SchemaType::Int32 => "int32",
            SchemaType::Int64 => "int64",
            SchemaType::Float32 => "float",
            SchemaType::Float64 => "double",
            SchemaType::Boolean => "boolean",
            SchemaType::String => "string",
            SchemaType::Bytes => "bytes",
            SchemaType::Array => "array",
            SchemaType::Map => "map",
            SchemaType::Struct => "struct",
        }
    }

    /// The type for a JsonConverter type name, if it is one.
    pub fn from_json_name(name: &str) -> Option<Self> {
        Some(match name {
            "int8" => SchemaType::Int8,
            "int16" => SchemaType::Int16,
            "int32" => SchemaType::Int32,
            "int64" => SchemaType::Int64,
            "float" => SchemaType::Float32,
            "double" => SchemaType::Float64,
            "boolean" => SchemaType::Boolean,
            "string" => SchemaType::String,
            "bytes" => SchemaType::Bytes,
            "array" => SchemaType::Array,
            "map" => SchemaType::Map,
            "struct" => SchemaType::Struct,
            _ => return None,
        })
    }

    /// The upper-case name Kafka uses in messages (`INT32`, `STRUCT`, …).
    pub fn upper_name(self) -> &'static str {
        match self {
            SchemaType::Int8 => "INT8",
            SchemaType::Int16 => "INT16",
            SchemaType::Int32 => "INT32",
            SchemaType::Int64 => "INT64",
            SchemaType::Float32 => "FLOAT32",
            SchemaType::Float64 => "FLOAT64",
            SchemaType::Boolean => "BOOLEAN",
            SchemaType::String => "STRING",
            SchemaType::Bytes => "BYTES",
            SchemaType::Array => "ARRAY",
            SchemaType::Map => "MAP",
            SchemaType::Struct => "STRUCT",
        }
    }
}

/// A Connect schema (`ConnectSchema`).
#[derive(Debug, Clone, PartialEq)]
pub struct Schema {
    /// The type.
    pub kind: SchemaType,
    /// Whether null is a valid value.
    pub optional: bool,
    /// The name, e.g. `product.public.products.Key` or a logical type name.
    pub name: Option<String>,
    /// The version.
    pub version: Option<i32>,
    /// The documentation.
    pub doc: Option<String>,
    /// Parameters in insertion order (Connect keeps them in a `LinkedHashMap`).
    pub parameters: Vec<(String, String)>,
    /// The default value.
    pub default: Option<Value>,
    /// The fields of a struct, in order; empty for other types.
    pub fields: Vec<Field>,
    /// The key schema of a map.
    pub key_schema: Option<Arc<Schema>>,
    /// The value schema of a map, or the element schema of an array.
    pub value_schema: Option<Arc<Schema>>,
}

/// A field of a struct schema.
#[derive(Debug, Clone, PartialEq)]
pub struct Field {
    /// The field name.
    pub name: String,
    /// The field's schema.
    pub schema: Arc<Schema>,
}

impl Schema {
    /// A schema of `kind` with nothing else set (required, unnamed).
    pub fn new(kind: SchemaType) -> Self {
        Schema {
            kind,
            optional: false,
            name: None,
            version: None,
            doc: None,
            parameters: Vec::new(),
            default: None,
            fields: Vec::new(),
            key_schema: None,
            value_schema: None,
        }
    }

    /// Makes the schema optional.
    pub fn optional(mut self) -> Self {
        self.optional = true;
        self
    }

    /// Sets the schema's name.
    pub fn named(mut self, name: impl Into<String>) -> Self {
        self.name = Some(name.into());
        self
    }

    /// Appends a field to a struct schema.
    pub fn field(mut self, name: impl Into<String>, schema: Schema) -> Self {
        self.fields.push(Field {
            name: name.into(),
            schema: Arc::new(schema),
        });
        self
    }

    /// The index of the field called `name`.
    pub fn field_index(&self, name: &str) -> Option<usize> {
        let name = name.as_bytes();
        self.fields
            .iter()
            .position(|f| text::same(f.name.as_bytes(), name))
    }

    /// The value of parameter `key`.
    pub fn parameter(&self, key: &str) -> Option<&str> {
        self.parameters
            .iter()
            .find(|(k, _)| k == key)
            .map(|(_, v)| v.as_str())
    }

    /// Checks that `value` is valid for this schema, as `ConnectSchema.validateValue` does.
    pub fn validate(&self, value: &Value) -> Result<(), DataError> {
        match value {
            Value::Null => {
                if self.optional || self.default.is_some() {
                    Ok(())
                } else {
                    Err(DataError::Invalid(format!(
                        "null used for required schema of type {}",
                        self.kind.upper_name()
                    )))
                }
            }
            Value::Struct(values) => {
                if self.kind != SchemaType::Struct || values.len() != self.fields.len() {
                    return Err(self.mismatch(value));
                }
                for (field, value) in self.fields.iter().zip(values) {
                    field.schema.validate(value).map_err(|e| match e {
                        DataError::Invalid(m) => {
                            DataError::Invalid(format!("field \"{}\": {m}", field.name))
                        }
                        other => other,
                    })?;
                }
                Ok(())
            }
            Value::Array(items) => {
                let element = self
                    .value_schema
                    .as_ref()
                    .filter(|_| self.kind == SchemaType::Array);
                let element = element.ok_or_else(|| self.mismatch(value))?;
                items.iter().try_for_each(|v| element.validate(v))
            }
            Value::Map(entries) => {
                let (Some(k), Some(v)) = (&self.key_schema, &self.value_schema) else {
                    return Err(self.mismatch(value));
                };
                entries.iter().try_for_each(|(key, value)| {
                    k.validate(key)?;
                    v.validate(value)
                })
            }
            scalar if scalar.scalar_type() == Some(self.kind) => Ok(()),
            _ => Err(self.mismatch(value)),
        }
    }

    fn mismatch(&self, value: &Value) -> DataError {
        DataError::Invalid(format!(
            "{} value for schema of type {}",
            value.type_name(),
            self.kind.upper_name()
        ))
    }
}

/// A Connect value.
#[derive(Debug, Clone, PartialEq)]
pub enum Value {
    /// Null.
    Null,
    /// Boolean.
    Boolean(bool),
    /// INT8.
    Int8(i8),
    /// INT16.
    Int16(i16),
    /// INT32, also `Date` (days since the epoch) and `Time` (milliseconds of the day).
    Int32(i32),
    /// INT64, also `Timestamp` (milliseconds since the epoch).
    Int64(i64),
    /// FLOAT32.
    Float32(f32),
    /// FLOAT64.
    Float64(f64),
    /// STRING, inline up to 24 bytes: most strings of a change event (names, codes, the
    /// source block's fields) are short, and decoding them then allocates nothing.
    String(CompactString),
    /// BYTES, also `Decimal` (unscaled value, big-endian two's complement).
    Bytes(Vec<u8>),
    /// ARRAY.
    Array(Vec<Value>),
    /// MAP, in insertion order; schemaless objects are maps with string keys.
    Map(Vec<(Value, Value)>),
    /// STRUCT: one value per field of the schema, in the schema's order.
    Struct(Vec<Value>),
}

impl Value {
    /// The schema type a scalar value has, `None` for null and containers.
    pub fn scalar_type(&self) -> Option<SchemaType> {
        Some(match self {
            Value::Boolean(_) => SchemaType::Boolean,
            Value::Int8(_) => SchemaType::Int8,
            Value::Int16(_) => SchemaType::Int16,
            Value::Int32(_) => SchemaType::Int32,
            Value::Int64(_) => SchemaType::Int64,
            Value::Float32(_) => SchemaType::Float32,
            Value::Float64(_) => SchemaType::Float64,
            Value::String(_) => SchemaType::String,
            Value::Bytes(_) => SchemaType::Bytes,
            _ => return None,
        })
    }

    /// A short name of the value's kind, for messages.
    pub fn type_name(&self) -> &'static str {
        match self {
            Value::Null => "null",
            Value::Array(_) => "array",
            Value::Map(_) => "map",
            Value::Struct(_) => "struct",
            other => other.scalar_type().map_or("null", SchemaType::upper_name),
        }
    }

    /// Whether this is [`Value::Null`].
    pub fn is_null(&self) -> bool {
        matches!(self, Value::Null)
    }

    /// The entry of a string-keyed map called `key`.
    pub fn map_get(&self, key: &str) -> Option<&Value> {
        match self {
            Value::Map(entries) => entries
                .iter()
                .find(|(k, _)| matches!(k, Value::String(s) if s == key))
                .map(|(_, v)| v),
            _ => None,
        }
    }
}

/// A schema and a value together (`SchemaAndValue`): a record's key or value once decoded.
#[derive(Debug, Clone, PartialEq)]
pub struct ConnectData {
    /// The schema; `None` for schemaless data.
    pub schema: Option<Arc<Schema>>,
    /// The value.
    pub value: Value,
}

impl ConnectData {
    /// A null key or value without a schema (what converters return for null bytes).
    pub const NULL: ConnectData = ConnectData {
        schema: None,
        value: Value::Null,
    };
}

/// An operation on Connect data that does not fit the data.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum DataError {
    /// A value does not satisfy its schema.
    #[error("invalid value: {0}")]
    Invalid(String),
    /// A path names a field or key that does not exist.
    #[error("no such field: {0}")]
    NoSuchField(String),
    /// The node has another type than the operation needs.
    #[error("wrong type: {0}")]
    WrongType(String),
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn validate_rejects_null_for_required_and_accepts_for_optional() {
        let required = Schema::new(SchemaType::Int32);
        assert!(required.validate(&Value::Null).is_err());
        assert!(required.clone().optional().validate(&Value::Null).is_ok());
        assert!(required.validate(&Value::Int64(1)).is_err());
        assert!(required.validate(&Value::Int32(1)).is_ok());
    }

    #[test]
    fn validate_checks_struct_fields() {
        let schema = Schema::new(SchemaType::Struct)
            .field("id", Schema::new(SchemaType::Int64))
            .field("name", Schema::new(SchemaType::String).optional());
        assert!(
            schema
                .validate(&Value::Struct(vec![Value::Int64(1), Value::Null]))
                .is_ok()
        );
        let err = schema
            .validate(&Value::Struct(vec![Value::Null, Value::Null]))
            .unwrap_err();
        assert!(err.to_string().contains("\"id\""), "{err}");
    }

    #[test]
    fn json_type_names_round_trip() {
        for kind in [
            SchemaType::Int8,
            SchemaType::Float32,
            SchemaType::Float64,
            SchemaType::Struct,
        ] {
            assert_eq!(SchemaType::from_json_name(kind.json_name()), Some(kind));
        }
        assert_eq!(SchemaType::from_json_name("float32"), None);
    }
}
