//! A key or value in the JSON form of Kafka's `JsonConverter` (schema and payload), for the
//! transforms that rebuild a struct in a way the host's record operations do not offer
//! (`Flatten`, `ValueToKey`, …).
//!
//! The host writes the payload as `JsonConverter` does with `replace.null.with.default=true`:
//! a null field whose schema has a default appears as the default, which is `Struct.get`'s
//! reading. A transform that reads with `Struct.getWithoutDefault` finds those fields with
//! [`hidden_nulls`] and puts the nulls back with [`restore_nulls`] after writing.

pub use serde_json::{Map, Value};
use switchyard_sdk::prelude::*;

use crate::base64;

/// A key or value as schema JSON (`None` when schemaless) and payload JSON.
#[derive(Debug, Clone, PartialEq)]
pub struct JsonPart {
    /// The schema as `JsonConverter` writes it, or `None` for schemaless data.
    pub schema: Option<Value>,
    /// The payload; `Value::Null` for a null key or value.
    pub payload: Value,
}

/// Reads a part in its JSON form.
pub fn read(view: &PartView<'_>) -> Result<JsonPart, Error> {
    let data = view.to_json()?;
    let parse = |text: &str| {
        serde_json::from_str::<Value>(text)
            .map_err(|e| Error::bad_record(format!("the host's JSON does not parse: {e}")))
    };
    Ok(JsonPart {
        schema: data.schema.as_deref().map(parse).transpose()?,
        payload: parse(&data.payload)?,
    })
}

/// Replaces a part with data in JSON form.
pub fn write(record: &mut Record, part: Part, data: &JsonPart) -> Result<(), Error> {
    let json = JsonData {
        schema: data.schema.as_ref().map(Value::to_string),
        payload: data.payload.to_string(),
    };
    record.part_mut(part).set_json(&json)?;
    Ok(())
}

/// The name `JsonConverter` gives a type (`float` for FLOAT32, `double` for FLOAT64).
pub fn type_name(kind: SchemaType) -> &'static str {
    match kind {
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

/// The type of a schema in JSON form.
pub fn type_of(schema: &Value) -> Option<SchemaType> {
    Some(match schema.get("type")?.as_str()? {
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

/// The logical name of a schema in JSON form.
pub fn name_of(schema: &Value) -> Option<&str> {
    schema.get("name").and_then(Value::as_str)
}

/// Whether a schema in JSON form is optional.
pub fn is_optional(schema: &Value) -> bool {
    schema.get("optional").and_then(Value::as_bool) == Some(true)
}

/// The fields of a struct schema in JSON form (each with its `"field"` name).
pub fn fields(schema: &Value) -> &[Value] {
    schema
        .get("fields")
        .and_then(Value::as_array)
        .map_or(&[], Vec::as_slice)
}

/// The name of a field entry of a struct schema.
pub fn field_name(field: &Value) -> &str {
    field.get("field").and_then(Value::as_str).unwrap_or("")
}

/// The schema of field `name` of a struct schema.
pub fn field<'a>(schema: &'a Value, name: &str) -> Option<&'a Value> {
    fields(schema).iter().find(|f| field_name(f) == name)
}

/// A field entry for a struct schema: the field's schema with `"field": name` last, as
/// `JsonConverter` writes it.
pub fn field_entry(schema: &Value, name: &str) -> Value {
    let mut entry = match schema {
        Value::Object(map) => map.clone(),
        _ => serde_json::Map::new(),
    };
    entry.remove("field");
    entry.insert("field".into(), Value::String(name.into()));
    Value::Object(entry)
}

/// The JSON of a scalar schema (with its default, if any).
pub fn schema_of(info: &SchemaInfo) -> Value {
    let mut map = serde_json::Map::new();
    map.insert("type".into(), type_name(info.type_).into());
    map.insert("optional".into(), info.optional.into());
    if let Some(name) = &info.name {
        map.insert("name".into(), name.as_str().into());
    }
    if let Some(version) = info.version {
        map.insert("version".into(), version.into());
    }
    if let Some(doc) = &info.doc {
        map.insert("doc".into(), doc.as_str().into());
    }
    if !info.parameters.is_empty() {
        let params = info
            .parameters
            .iter()
            .map(|(k, v)| (k.clone(), Value::String(v.clone())))
            .collect();
        map.insert("parameters".into(), Value::Object(params));
    }
    if let Some(default) = info
        .default_json
        .as_deref()
        .and_then(|d| serde_json::from_str::<Value>(d).ok())
    {
        map.insert("default".into(), default);
    }
    Value::Object(map)
}

/// A scalar in payload JSON: bytes in Base64, non-finite floats as `"NaN"`, `"Infinity"`,
/// `"-Infinity"`.
pub fn scalar_to_json(value: &Scalar) -> Value {
    let float = |v: f64| {
        if v.is_nan() {
            Value::String("NaN".into())
        } else if v.is_infinite() {
            Value::String(if v > 0.0 { "Infinity" } else { "-Infinity" }.into())
        } else {
            serde_json::Number::from_f64(v).map_or(Value::Null, Value::Number)
        }
    };
    match value {
        Scalar::Null => Value::Null,
        Scalar::Boolean(b) => Value::Bool(*b),
        Scalar::Int8(v) => (*v).into(),
        Scalar::Int16(v) => (*v).into(),
        Scalar::Int32(v) => (*v).into(),
        Scalar::Int64(v) => (*v).into(),
        Scalar::Float32(v) => float(f64::from(*v)),
        Scalar::Float64(v) => float(*v),
        Scalar::String(s) => Value::String(s.clone()),
        Scalar::Bytes(b) => Value::String(base64::encode(b)),
    }
}

/// A payload JSON value read as a scalar of `kind`; `None` if it is not one (or `kind` is a
/// struct, array or map). JSON null is [`Scalar::Null`].
pub fn scalar_from_json(kind: SchemaType, value: &Value) -> Option<Scalar> {
    if value.is_null() {
        return Some(Scalar::Null);
    }
    let float = |value: &Value| match value {
        Value::Number(n) => n.as_f64(),
        Value::String(s) => match s.as_str() {
            "NaN" => Some(f64::NAN),
            "Infinity" => Some(f64::INFINITY),
            "-Infinity" => Some(f64::NEG_INFINITY),
            _ => None,
        },
        _ => None,
    };
    Some(match kind {
        SchemaType::Int8 => Scalar::Int8(i8::try_from(value.as_i64()?).ok()?),
        SchemaType::Int16 => Scalar::Int16(i16::try_from(value.as_i64()?).ok()?),
        SchemaType::Int32 => Scalar::Int32(i32::try_from(value.as_i64()?).ok()?),
        SchemaType::Int64 => Scalar::Int64(value.as_i64()?),
        SchemaType::Float32 => Scalar::Float32(float(value)? as f32),
        SchemaType::Float64 => Scalar::Float64(float(value)?),
        SchemaType::Boolean => Scalar::Boolean(value.as_bool()?),
        SchemaType::String => Scalar::String(value.as_str()?.to_owned()),
        SchemaType::Bytes => Scalar::Bytes(base64::decode(value.as_str()?)?),
        SchemaType::Array | SchemaType::Map | SchemaType::Struct => return None,
    })
}

/// The paths of the struct fields that are null in the data but appear as their schema's
/// default in `data` (read from `view`): what `Struct.getWithoutDefault` would see as null.
/// One `get` per field that has a default.
pub fn hidden_nulls(view: &PartView<'_>, data: &JsonPart) -> Result<Vec<Vec<String>>, Error> {
    let mut found = Vec::new();
    if let Some(schema) = &data.schema {
        let mut path = Vec::new();
        walk_hidden(view, schema, &data.payload, &mut path, &mut found)?;
    }
    Ok(found)
}

fn walk_hidden(
    view: &PartView<'_>,
    schema: &Value,
    payload: &Value,
    path: &mut Vec<String>,
    found: &mut Vec<Vec<String>>,
) -> Result<(), Error> {
    if type_of(schema) != Some(SchemaType::Struct) || !payload.is_object() {
        return Ok(());
    }
    for field in fields(schema) {
        let name = field_name(field);
        path.push(name.to_owned());
        let value = payload.get(name).unwrap_or(&Value::Null);
        let nested = if field.get("default").is_some() {
            let refs: Vec<&str> = path.iter().map(String::as_str).collect();
            match view.get(&refs) {
                Ok(Scalar::Null) => {
                    found.push(path.clone());
                    false
                }
                Ok(_) => false,
                Err(_) => true,
            }
        } else {
            true
        };
        if nested {
            walk_hidden(view, field, value, path, found)?;
        }
        path.pop();
    }
    Ok(())
}

/// Sets each path of `part` to null (fields [`hidden_nulls`] found, at their new place).
pub fn restore_nulls(record: &mut Record, part: Part, paths: &[Vec<String>]) -> Result<(), Error> {
    let mut view = record.part_mut(part);
    for path in paths {
        let refs: Vec<&str> = path.iter().map(String::as_str).collect();
        view.set(&refs, Scalar::Null)?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn scalars_round_trip_through_json() {
        for (kind, scalar) in [
            (SchemaType::Int8, Scalar::Int8(-8)),
            (SchemaType::Int64, Scalar::Int64(i64::MAX)),
            (SchemaType::Float32, Scalar::Float32(0.1)),
            (SchemaType::Float64, Scalar::Float64(-1.5e300)),
            (SchemaType::Boolean, Scalar::Boolean(true)),
            (SchemaType::String, Scalar::String("x\"y".into())),
            (SchemaType::Bytes, Scalar::Bytes(vec![0, 255])),
            (SchemaType::Int32, Scalar::Null),
        ] {
            let json = scalar_to_json(&scalar);
            assert_eq!(scalar_from_json(kind, &json), Some(scalar), "{json}");
        }
        assert_eq!(
            scalar_from_json(SchemaType::Float64, &Value::String("-Infinity".into())),
            Some(Scalar::Float64(f64::NEG_INFINITY))
        );
        assert_eq!(scalar_from_json(SchemaType::Int8, &300.into()), None);
        assert_eq!(scalar_from_json(SchemaType::Struct, &1.into()), None);
    }

    #[test]
    fn schema_json_keeps_jsonconverter_names() {
        let mut info = crate::fields::logical(crate::fields::TIMESTAMP, true);
        info.default_json = Some("0".into());
        assert_eq!(
            schema_of(&info).to_string(),
            r#"{"type":"int64","optional":true,"name":"org.apache.kafka.connect.data.Timestamp","version":1,"default":0}"#
        );
        let entry = field_entry(
            &schema_of(&crate::fields::plain(SchemaType::Float32, false)),
            "f",
        );
        assert_eq!(
            entry.to_string(),
            r#"{"type":"float","optional":false,"field":"f"}"#
        );
        assert_eq!(type_of(&entry), Some(SchemaType::Float32));
    }
}
