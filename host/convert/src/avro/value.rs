//! Connect values ↔ `apache-avro` values, walking the Connect schema beside the value, as
//! `AvroData.fromConnectData` / `toConnectData` do.

use std::collections::HashMap;

use apache_avro::types::Value as Avro;

use super::schema::{DATE, TIME, TIMESTAMP};
use crate::ConvertError;
use crate::json::DECIMAL_LOGICAL_NAME;
use switchyard_data::{Schema, SchemaType, Value};

fn bad(message: String) -> ConvertError {
    ConvertError::new(message)
}

/// The Avro value of Connect `value` of `schema` (the schema [`super::schema::ToAvro`] gave).
pub fn to_avro(schema: &Schema, value: &Value, path: &str) -> Result<Avro, ConvertError> {
    if schema.optional {
        let null_first = !matches!(&schema.default, Some(d) if !d.is_null());
        let (null_index, value_index) = if null_first { (0, 1) } else { (1, 0) };
        return Ok(match value {
            Value::Null => Avro::Union(null_index, Box::new(Avro::Null)),
            other => Avro::Union(value_index, Box::new(base(schema, other, path)?)),
        });
    }
    if value.is_null() {
        return match &schema.default {
            Some(d) => base(schema, d, path),
            None => Err(bad(format!(
                "{}null used for required schema of type {}",
                at(path),
                schema.kind.upper_name()
            ))),
        };
    }
    base(schema, value, path)
}

fn at(path: &str) -> String {
    if path.is_empty() {
        String::new()
    } else {
        format!("{path}: ")
    }
}

fn base(schema: &Schema, value: &Value, path: &str) -> Result<Avro, ConvertError> {
    let mismatch = || {
        bad(format!(
            "{}{} value for schema of type {}",
            at(path),
            value.type_name(),
            schema.kind.upper_name()
        ))
    };
    let name = schema.name.as_deref();
    Ok(match (schema.kind, value) {
        (SchemaType::Bytes, Value::Bytes(b)) if name == Some(DECIMAL_LOGICAL_NAME) => {
            Avro::Decimal(apache_avro::Decimal::from(b.as_slice()))
        }
        (SchemaType::Int32, Value::Int32(n)) if name == Some(DATE) => Avro::Date(*n),
        (SchemaType::Int32, Value::Int32(n)) if name == Some(TIME) => Avro::TimeMillis(*n),
        (SchemaType::Int64, Value::Int64(n)) if name == Some(TIMESTAMP) => {
            Avro::TimestampMillis(*n)
        }
        (SchemaType::Int8, Value::Int8(n)) => Avro::Int(i32::from(*n)),
        (SchemaType::Int16, Value::Int16(n)) => Avro::Int(i32::from(*n)),
        (SchemaType::Int32, Value::Int32(n)) => Avro::Int(*n),
        (SchemaType::Int64, Value::Int64(n)) => Avro::Long(*n),
        (SchemaType::Float32, Value::Float32(n)) => Avro::Float(*n),
        (SchemaType::Float64, Value::Float64(n)) => Avro::Double(*n),
        (SchemaType::Boolean, Value::Boolean(b)) => Avro::Boolean(*b),
        (SchemaType::String, Value::String(s)) => Avro::String(s.to_string()),
        (SchemaType::Bytes, Value::Bytes(b)) => Avro::Bytes(b.clone()),
        (SchemaType::Array, Value::Array(items)) => {
            let element = schema.value_schema.as_ref().ok_or_else(mismatch)?;
            Avro::Array(
                items
                    .iter()
                    .map(|v| to_avro(element, v, path))
                    .collect::<Result<_, _>>()?,
            )
        }
        (SchemaType::Map, Value::Map(entries)) => {
            let value_schema = schema.value_schema.as_ref().ok_or_else(mismatch)?;
            let mut map = HashMap::with_capacity(entries.len());
            for (k, v) in entries {
                let Value::String(k) = k else {
                    return Err(mismatch());
                };
                map.insert(k.to_string(), to_avro(value_schema, v, path)?);
            }
            Avro::Map(map)
        }
        (SchemaType::Struct, Value::Struct(values)) if values.len() == schema.fields.len() => {
            let mut fields = Vec::with_capacity(values.len());
            for (field, v) in schema.fields.iter().zip(values) {
                let here = if path.is_empty() {
                    field.name.clone()
                } else {
                    format!("{path}.{}", field.name)
                };
                fields.push((field.name.clone(), to_avro(&field.schema, v, &here)?));
            }
            Avro::Record(fields)
        }
        _ => return Err(mismatch()),
    })
}

/// The Connect value of Avro `value`, read with `schema` (the Connect schema of the writer's
/// Avro schema).
pub fn to_connect(schema: &Schema, value: Avro, path: &str) -> Result<Value, ConvertError> {
    let mismatch = |v: &Avro| {
        bad(format!(
            "{}the Avro value {v:?} does not fit a {} schema",
            at(path),
            schema.kind.upper_name()
        ))
    };
    Ok(match (schema.kind, value) {
        (_, Avro::Union(_, inner)) => return to_connect(schema, *inner, path),
        (_, Avro::Null) => Value::Null,
        (SchemaType::Int8, Avro::Int(n)) => {
            Value::Int8(i8::try_from(n).map_err(|_| mismatch(&Avro::Int(n)))?)
        }
        (SchemaType::Int16, Avro::Int(n)) => {
            Value::Int16(i16::try_from(n).map_err(|_| mismatch(&Avro::Int(n)))?)
        }
        (SchemaType::Int32, Avro::Int(n) | Avro::Date(n) | Avro::TimeMillis(n)) => Value::Int32(n),
        (
            SchemaType::Int64,
            Avro::Long(n)
            | Avro::TimestampMillis(n)
            | Avro::TimestampMicros(n)
            | Avro::TimeMicros(n),
        ) => Value::Int64(n),
        (SchemaType::Float32, Avro::Float(n)) => Value::Float32(n),
        (SchemaType::Float64, Avro::Double(n)) => Value::Float64(n),
        (SchemaType::Boolean, Avro::Boolean(b)) => Value::Boolean(b),
        (SchemaType::String, Avro::String(s) | Avro::Enum(_, s)) => Value::String(s.into()),
        (SchemaType::String, Avro::Uuid(u)) => Value::String(u.to_string().into()),
        (SchemaType::Bytes, Avro::Bytes(b) | Avro::Fixed(_, b)) => Value::Bytes(b),
        (SchemaType::Bytes, Avro::Decimal(d)) => {
            Value::Bytes(Vec::<u8>::try_from(&d).map_err(|e| bad(format!("{}{e}", at(path))))?)
        }
        (SchemaType::Array, Avro::Array(items)) => {
            let element = schema
                .value_schema
                .as_ref()
                .ok_or_else(|| bad("array schema without an element schema".into()))?;
            Value::Array(
                items
                    .into_iter()
                    .map(|v| to_connect(element, v, path))
                    .collect::<Result<_, _>>()?,
            )
        }
        (SchemaType::Map, Avro::Map(entries)) => {
            let value_schema = schema
                .value_schema
                .as_ref()
                .ok_or_else(|| bad("map schema without a value schema".into()))?;
            // Avro maps carry no order; keys are sorted so a record always decodes the same.
            let mut entries: Vec<(String, Avro)> = entries.into_iter().collect();
            entries.sort_by(|a, b| a.0.cmp(&b.0));
            Value::Map(
                entries
                    .into_iter()
                    .map(|(k, v)| Ok((Value::String(k.into()), to_connect(value_schema, v, path)?)))
                    .collect::<Result<_, ConvertError>>()?,
            )
        }
        (SchemaType::Struct, Avro::Record(fields)) if fields.len() == schema.fields.len() => {
            let mut values = Vec::with_capacity(fields.len());
            for (field, (_, v)) in schema.fields.iter().zip(fields) {
                let here = if path.is_empty() {
                    field.name.clone()
                } else {
                    format!("{path}.{}", field.name)
                };
                values.push(to_connect(&field.schema, v, &here)?);
            }
            Value::Struct(values)
        }
        (_, other) => return Err(mismatch(&other)),
    })
}
