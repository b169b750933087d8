//! The two shapes `JsonSchemaData` writes differently from the JsonConverter: a map whose keys
//! are not required strings (an array of `{"key": k, "value": v}` objects, where the
//! JsonConverter writes `[k, v]` pairs) and a `oneOf` of several types (a struct named
//! [`ONE_OF`] whose one non-null member is the value). Values of schemas that hold neither are
//! read and written by the JsonConverter's reader and writer; these are walked here, down to
//! the parts that hold neither, which are handed to those again (raw JSON text is kept, so
//! numbers stay exact).

use std::collections::BTreeMap;
use std::sync::Arc;

use serde_json::Value as Json;
use serde_json::value::RawValue;
use switchyard_data::{Schema, SchemaType, Value};

use super::schema::ONE_OF;
use crate::ConvertError;
use crate::json::JsonConverter;

fn bad(message: impl Into<String>) -> ConvertError {
    ConvertError::new(message.into())
}

/// Whether values of `schema` hold one of the two shapes (and must be walked here).
pub fn walked(schema: &Schema) -> bool {
    match schema.kind {
        SchemaType::Map => {
            let string_keys = schema
                .key_schema
                .as_deref()
                .is_some_and(|k| k.kind == SchemaType::String && !k.optional);
            !string_keys || schema.value_schema.as_deref().is_some_and(walked)
        }
        SchemaType::Array => schema.value_schema.as_deref().is_some_and(walked),
        SchemaType::Struct => {
            schema.name.as_deref() == Some(ONE_OF)
                || schema.fields.iter().any(|f| walked(&f.schema))
        }
        _ => false,
    }
}

fn parse<'t, T: serde::Deserialize<'t>>(text: &'t str) -> Result<T, ConvertError> {
    serde_json::from_str(text).map_err(|e| bad(format!("invalid JSON: {e}")))
}

/// The value a null reads as (`toConnectData` with a null node).
fn null_for(schema: &Schema) -> Result<Value, ConvertError> {
    if let Some(default) = &schema.default {
        return Ok(default.clone());
    }
    if schema.optional {
        return Ok(Value::Null);
    }
    Err(bad(format!(
        "Invalid null value for required {} field",
        schema.kind.upper_name()
    )))
}

/// Reads the JSON `text` as a value of `schema` (`JsonSchemaData.toConnectData`).
pub fn read(schema: &Arc<Schema>, text: &str, json: &JsonConverter) -> Result<Value, ConvertError> {
    if !walked(schema) {
        return json.payload_from_json(Some(schema), text);
    }
    if text.trim() == "null" {
        return null_for(schema);
    }
    match schema.kind {
        SchemaType::Struct if schema.name.as_deref() == Some(ONE_OF) => {
            let node: Json = parse(text)?;
            for (index, member) in schema.fields.iter().enumerate() {
                if instance_of(&member.schema, &node) {
                    let mut members = vec![Value::Null; schema.fields.len()];
                    members[index] = read(&member.schema, text, json)?;
                    return Ok(Value::Struct(members));
                }
            }
            Err(bad(format!(
                "Did not find matching oneof field for data: {node}"
            )))
        }
        SchemaType::Struct => {
            let object: BTreeMap<String, &RawValue> =
                parse(text).map_err(|_| bad("Structs should be encoded as JSON objects"))?;
            let mut values = Vec::with_capacity(schema.fields.len());
            for field in &schema.fields {
                values.push(
                    match object.get(&field.name) {
                        Some(raw) => read(&field.schema, raw.get(), json),
                        None => null_for(&field.schema),
                    }
                    .map_err(|e| e.context(&format!("field {}", field.name)))?,
                );
            }
            Ok(Value::Struct(values))
        }
        SchemaType::Array => {
            let element = schema
                .value_schema
                .as_ref()
                .ok_or_else(|| bad("an array schema without its element schema"))?;
            let items: Vec<&RawValue> = parse(text)?;
            Ok(Value::Array(
                items
                    .iter()
                    .map(|raw| read(element, raw.get(), json))
                    .collect::<Result<_, _>>()?,
            ))
        }
        SchemaType::Map => {
            let (Some(key), Some(value)) = (&schema.key_schema, &schema.value_schema) else {
                return Err(bad("a map schema without its key or value schema"));
            };
            let string_keys = key.kind == SchemaType::String && !key.optional;
            let mut entries = Vec::new();
            if string_keys {
                let object: BTreeMap<String, &RawValue> = parse(text).map_err(|_| {
                    bad("Maps with string fields should be encoded as JSON objects")
                })?;
                for (k, raw) in object {
                    entries.push((
                        Value::String(k.as_str().into()),
                        read(value, raw.get(), json)?,
                    ));
                }
            } else {
                let items: Vec<BTreeMap<String, &RawValue>> = parse(text).map_err(|_| {
                    bad("Maps with non-string fields should be encoded as JSON array of objects")
                })?;
                for entry in items {
                    if entry.len() != 2 {
                        return Err(bad(format!(
                            "Found invalid map entry, expected length 2 but found :{}",
                            entry.len()
                        )));
                    }
                    let part = |name: &str, schema: &Arc<Schema>| match entry.get(name) {
                        Some(raw) => read(schema, raw.get(), json),
                        None => null_for(schema),
                    };
                    entries.push((part("key", key)?, part("value", value)?));
                }
            }
            Ok(Value::Map(entries))
        }
        _ => json.payload_from_json(Some(schema), text),
    }
}

/// Whether `node` is of `schema`'s type (`isInstanceOfSchemaTypeForSimpleSchema`).
fn instance_of(schema: &Schema, node: &Json) -> bool {
    match schema.kind {
        SchemaType::Int8 | SchemaType::Int16 | SchemaType::Int32 | SchemaType::Int64 => {
            node.is_i64() || node.is_u64()
        }
        SchemaType::Float32 | SchemaType::Float64 => node.is_number(),
        SchemaType::Boolean => node.is_boolean(),
        SchemaType::String => node.is_string(),
        // Base64 text (bytes) or a number that is not an integer (a decimal).
        SchemaType::Bytes => node.is_string() || node.is_f64(),
        SchemaType::Array => node.is_array(),
        SchemaType::Map => node.is_object() || node.is_array(),
        SchemaType::Struct => node
            .as_object()
            .is_some_and(|o| o.keys().all(|k| schema.field_index(k).is_some())),
    }
}

/// Writes a value of `schema` as JSON text (`JsonSchemaData.fromConnectData`).
pub fn write(schema: &Schema, value: &Value, json: &JsonConverter) -> Result<String, ConvertError> {
    if !walked(schema) {
        return json.payload_to_json(Some(schema), value);
    }
    if value.is_null() {
        if let Some(default) = &schema.default {
            return write(schema, default, json);
        }
        if schema.optional {
            return Ok("null".into());
        }
        return Err(bad(
            "Conversion error: null value for field that is required and has no default value",
        ));
    }
    let name = |n: &str| serde_json::to_string(n).unwrap_or_else(|_| format!("\"{n}\""));
    match (schema.kind, value) {
        (SchemaType::Struct, Value::Struct(members)) if schema.name.as_deref() == Some(ONE_OF) => {
            match schema
                .fields
                .iter()
                .zip(members)
                .find(|(_, v)| !v.is_null())
            {
                Some((field, member)) => write(&field.schema, member, json),
                None => write(schema, &Value::Null, json),
            }
        }
        (SchemaType::Struct, Value::Struct(values)) if values.len() == schema.fields.len() => {
            let mut out = String::from("{");
            for (i, (field, value)) in schema.fields.iter().zip(values).enumerate() {
                if i > 0 {
                    out.push(',');
                }
                out.push_str(&name(&field.name));
                out.push(':');
                out.push_str(
                    &write(&field.schema, value, json)
                        .map_err(|e| e.context(&format!("field {}", field.name)))?,
                );
            }
            out.push('}');
            Ok(out)
        }
        (SchemaType::Array, Value::Array(items)) => {
            let element = schema
                .value_schema
                .as_deref()
                .ok_or_else(|| bad("an array schema without its element schema"))?;
            let items = items
                .iter()
                .map(|v| write(element, v, json))
                .collect::<Result<Vec<_>, _>>()?;
            Ok(format!("[{}]", items.join(",")))
        }
        (SchemaType::Map, Value::Map(entries)) => {
            let (Some(key), Some(value_schema)) =
                (schema.key_schema.as_deref(), schema.value_schema.as_deref())
            else {
                return Err(bad("a map schema without its key or value schema"));
            };
            let string_keys = key.kind == SchemaType::String && !key.optional;
            let mut parts = Vec::with_capacity(entries.len());
            for (k, v) in entries {
                let v = write(value_schema, v, json)?;
                if string_keys {
                    let Value::String(k) = k else {
                        return Err(bad("a map key that is not a string"));
                    };
                    parts.push(format!("{}:{v}", name(k)));
                } else {
                    parts.push(format!(
                        "{{\"key\":{},\"value\":{v}}}",
                        write(key, k, json)?
                    ));
                }
            }
            Ok(if string_keys {
                format!("{{{}}}", parts.join(","))
            } else {
                format!("[{}]", parts.join(","))
            })
        }
        (kind, value) => Err(bad(format!(
            "Invalid type for {}: a {} value",
            kind.upper_name(),
            value.type_name()
        ))),
    }
}
