//! Protobuf messages ↔ Connect values, as Confluent's `ProtobufData.toConnectData` and
//! `fromConnectData` convert them.

use std::collections::HashMap;

use prost_reflect::{
    DynamicMessage, FieldDescriptor, Kind, MapKey, MessageDescriptor, ReflectMessage as _,
    Value as Proto,
};
use switchyard_data::calendar::{civil_from_days, days_from_civil};
use switchyard_data::{Schema, SchemaType, Value};

use super::schema::{
    DATE, DATE_TYPE, DECIMAL_TYPE, ENUM, Options, TIME, TIME_TYPE, TIMESTAMP, TIMESTAMP_TYPE,
    is_union, plain_fields, unwrapped,
};
use crate::ConvertError;
use crate::json::DECIMAL_LOGICAL_NAME;

const MILLIS_PER_DAY: i64 = 86_400_000;

fn bad(message: impl Into<String>) -> ConvertError {
    ConvertError::new(message.into())
}

/// The Connect value of a message whose Connect schema is `schema`
/// ([`to_connect`](super::schema::to_connect) of the message's descriptor).
pub fn to_connect(
    message: &DynamicMessage,
    schema: &Schema,
    options: Options,
) -> Result<Value, ConvertError> {
    // `schema` is the message's own mapping (`schema::to_connect`), whose fields are the
    // message's oneofs, then its other fields, in the descriptor's order: they are walked
    // side by side, without a lookup by name.
    let descriptor = message.descriptor();
    let mismatch = || {
        bad(format!(
            "the schema does not map the message {}",
            descriptor.full_name()
        ))
    };
    let mut values = Vec::with_capacity(schema.fields.len());
    let mut schema_fields = schema.fields.iter();
    for oneof in descriptor.oneofs().filter(|o| !o.is_synthetic()) {
        let field = schema_fields.next().ok_or_else(mismatch)?;
        let value = match oneof.fields().find(|f| message.has_field(f)) {
            Some(set) => {
                let mut members = vec![Value::Null; field.schema.fields.len()];
                let index = field
                    .schema
                    .field_index(set.name())
                    .ok_or_else(|| bad(format!("no union member {}", set.name())))?;
                let member = &field.schema.fields[index].schema;
                members[index] = proto_to_connect(&message.get_field(&set), member, options)?;
                Value::Struct(members)
            }
            None => Value::Null,
        };
        values.push(value);
    }
    for descriptor_field in plain_fields(&descriptor) {
        let field = schema_fields.next().ok_or_else(mismatch)?;
        let absent_message = matches!(descriptor_field.kind(), Kind::Message(_))
            && !descriptor_field.is_list()
            && !descriptor_field.is_map()
            && !message.has_field(&descriptor_field);
        let value = if absent_message {
            Value::Null
        } else {
            proto_to_connect(
                &message.get_field(&descriptor_field),
                &field.schema,
                options,
            )
            .map_err(|e| e.context(&format!("field {}", field.name)))?
        };
        values.push(value);
    }
    Ok(Value::Struct(values))
}

/// The `int32` fields of a message by name (the logical types' messages).
fn int_field(message: &DynamicMessage, name: &str) -> i64 {
    match message.get_field_by_name(name).as_deref() {
        Some(Proto::I32(v)) => i64::from(*v),
        Some(Proto::U32(v)) => i64::from(*v),
        Some(Proto::I64(v)) => *v,
        _ => 0,
    }
}

fn proto_to_connect(
    value: &Proto,
    schema: &Schema,
    options: Options,
) -> Result<Value, ConvertError> {
    if let Some(logical) = schema.name.as_deref()
        && let Proto::Message(message) = value
    {
        match logical {
            DECIMAL_LOGICAL_NAME => {
                let Some(Proto::Bytes(unscaled)) =
                    message.get_field_by_name("value").as_deref().cloned()
                else {
                    return Err(bad("a Decimal without its value"));
                };
                let scale = int_field(message, "scale");
                let expected = schema
                    .parameter("scale")
                    .and_then(|s| s.parse::<i64>().ok())
                    .unwrap_or(0);
                if scale != expected {
                    return Err(bad(format!(
                        "a Decimal of scale {scale} for a schema of scale {expected}"
                    )));
                }
                return Ok(Value::Bytes(unscaled.to_vec()));
            }
            DATE => {
                let (year, month, day) = (
                    int_field(message, "year"),
                    int_field(message, "month"),
                    int_field(message, "day"),
                );
                let days = u32::try_from(month)
                    .ok()
                    .zip(u32::try_from(day).ok())
                    .and_then(|(m, d)| days_from_civil(year, m, d))
                    .and_then(|d| i32::try_from(d).ok())
                    .ok_or_else(|| bad(format!("{year}-{month}-{day} is not a date")))?;
                return Ok(Value::Int32(days));
            }
            TIME => {
                let (h, m, s, n) = (
                    int_field(message, "hours"),
                    int_field(message, "minutes"),
                    int_field(message, "seconds"),
                    int_field(message, "nanos"),
                );
                if !(0..24).contains(&h)
                    || !(0..60).contains(&m)
                    || !(0..60).contains(&s)
                    || !(0..1_000_000_000).contains(&n)
                {
                    return Err(bad(format!("{h}:{m}:{s}.{n} is not a time of day")));
                }
                let millis = ((h * 60 + m) * 60 + s) * 1000 + n / 1_000_000;
                return Ok(Value::Int32(millis as i32));
            }
            TIMESTAMP => {
                let seconds = int_field(message, "seconds");
                let nanos = int_field(message, "nanos");
                let millis = seconds
                    .checked_mul(1000)
                    .and_then(|ms| ms.checked_add(nanos / 1_000_000))
                    .ok_or_else(|| bad("a Timestamp out of range"))?;
                return Ok(Value::Int64(millis));
            }
            _ => {}
        }
    }
    Ok(match (value, schema.kind) {
        // A wrapper message (`wrapper.for.nullables`).
        (Proto::Message(message), kind) if kind != SchemaType::Struct => {
            match message.get_field_by_name("value") {
                Some(inner) => proto_to_connect(&inner, schema, options)?,
                None => return Err(bad("a wrapper message without its value")),
            }
        }
        (Proto::I32(v), SchemaType::Int8) => Value::Int8(*v as i8),
        (Proto::I32(v), SchemaType::Int16) => Value::Int16(*v as i16),
        (Proto::I32(v), SchemaType::Int32) => Value::Int32(*v),
        (Proto::I64(v), SchemaType::Int64) => Value::Int64(*v),
        (Proto::U32(v), SchemaType::Int64) => Value::Int64(i64::from(*v)),
        // A uint64 above i64::MAX wraps, as Java's long does.
        (Proto::U64(v), SchemaType::Int64) => Value::Int64(*v as i64),
        (Proto::F32(v), SchemaType::Float32) => Value::Float32(*v),
        (Proto::F64(v), SchemaType::Float64) => Value::Float64(*v),
        (Proto::Bool(v), SchemaType::Boolean) => Value::Boolean(*v),
        (Proto::String(v), SchemaType::String) => Value::String(v.as_str().into()),
        (Proto::EnumNumber(n), SchemaType::String) => {
            let prefix = format!("{ENUM}.");
            let number = n.to_string();
            let symbol = schema
                .parameters
                .iter()
                .find(|(k, v)| k.starts_with(&prefix) && *v == number)
                .map(|(k, _)| &k[prefix.len()..])
                .ok_or_else(|| bad(format!("enum number {n} has no symbol")))?;
            Value::String(symbol.into())
        }
        (Proto::Bytes(v), SchemaType::Bytes) => Value::Bytes(v.to_vec()),
        (Proto::List(items), SchemaType::Array) => {
            let element = schema
                .value_schema
                .as_deref()
                .ok_or_else(|| bad("an array schema without its element schema"))?;
            Value::Array(
                items
                    .iter()
                    .map(|v| proto_to_connect(v, element, options))
                    .collect::<Result<_, _>>()?,
            )
        }
        (Proto::Map(entries), SchemaType::Map) => {
            let (Some(key), Some(value)) =
                (schema.key_schema.as_deref(), schema.value_schema.as_deref())
            else {
                return Err(bad("a map schema without its key or value schema"));
            };
            // The wire order of map entries is not kept (nor by Confluent's HashMap): sorted
            // by key, the output is at least the same every time.
            let mut sorted: Vec<(&MapKey, &Proto)> = entries.iter().collect();
            sorted.sort_by(|a, b| a.0.cmp(b.0));
            let mut out = Vec::with_capacity(sorted.len());
            for (k, v) in sorted {
                let k = match k {
                    MapKey::Bool(b) => Proto::Bool(*b),
                    MapKey::I32(i) => Proto::I32(*i),
                    MapKey::I64(i) => Proto::I64(*i),
                    MapKey::U32(i) => Proto::U32(*i),
                    MapKey::U64(i) => Proto::U64(*i),
                    MapKey::String(s) => Proto::String(s.clone()),
                };
                out.push((
                    proto_to_connect(&k, key, options)?,
                    proto_to_connect(v, value, options)?,
                ));
            }
            Value::Map(out)
        }
        (Proto::Message(message), SchemaType::Struct) => to_connect(message, schema, options)?,
        (other, kind) => {
            return Err(bad(format!(
                "a Protobuf {other:?} for a Connect {}",
                kind.upper_name()
            )));
        }
    })
}

/// The message of `descriptor` holding a Connect struct of `schema`
/// (`ProtobufData.fromConnectData`): fields by name, nulls left unset, a union struct's one
/// non-null member set as its `oneof` field.
pub fn from_connect(
    descriptor: &MessageDescriptor,
    schema: &Schema,
    value: &Value,
) -> Result<DynamicMessage, ConvertError> {
    let Value::Struct(values) = value else {
        return Err(bad(format!(
            "a {} value for a struct schema",
            value.type_name()
        )));
    };
    if values.len() != schema.fields.len() {
        return Err(bad("a struct value that does not fit its schema"));
    }
    let mut message = DynamicMessage::new(descriptor.clone());
    for (field, value) in schema.fields.iter().zip(values) {
        if value.is_null() {
            continue;
        }
        let (name, member_schema, member) = if is_union(&field.schema) {
            let Value::Struct(members) = value else {
                return Err(bad(format!(
                    "field {}: a union that is not a struct",
                    field.name
                )));
            };
            let found = field
                .schema
                .fields
                .iter()
                .zip(members)
                .find(|(_, v)| !v.is_null())
                .ok_or_else(|| bad("Cannot find non-null field"))?;
            (found.0.name.as_str(), &*found.0.schema, found.1)
        } else {
            (field.name.as_str(), &*field.schema, value)
        };
        let target = descriptor
            .get_field_by_name(name)
            .ok_or_else(|| bad(format!("Cannot find field with name {name}")))?;
        if let Some(converted) = connect_to_field(&target, member_schema, member)
            .map_err(|e| e.context(&format!("field {name}")))?
        {
            message.set_field(&target, converted);
        }
    }
    Ok(message)
}

/// The value of `field` holding `value`; `None` for what is left unset (an empty array).
fn connect_to_field(
    field: &FieldDescriptor,
    schema: &Schema,
    value: &Value,
) -> Result<Option<Proto>, ConvertError> {
    if field.is_map() {
        let (Value::Map(entries), Kind::Message(entry)) = (value, field.kind()) else {
            return Err(bad("a map field for a value that is not a map"));
        };
        let (Some(key_schema), Some(value_schema)) =
            (schema.key_schema.as_deref(), schema.value_schema.as_deref())
        else {
            return Err(bad("a map schema without its key or value schema"));
        };
        let (key_field, value_field) = (entry.map_entry_key_field(), entry.map_entry_value_field());
        let mut out = HashMap::with_capacity(entries.len());
        for (k, v) in entries {
            let Some(k) = connect_to_kind(&key_field.kind(), key_schema, k)? else {
                continue;
            };
            let key = match k {
                Proto::Bool(b) => MapKey::Bool(b),
                Proto::I32(i) => MapKey::I32(i),
                Proto::I64(i) => MapKey::I64(i),
                Proto::U32(i) => MapKey::U32(i),
                Proto::U64(i) => MapKey::U64(i),
                Proto::String(s) => MapKey::String(s),
                other => return Err(bad(format!("{other:?} cannot be a map key"))),
            };
            let value = connect_to_kind(&value_field.kind(), value_schema, v)?
                .unwrap_or_else(|| Proto::default_value(&value_field.kind()));
            out.insert(key, value);
        }
        return Ok(Some(Proto::Map(out)));
    }
    if field.is_list() {
        let Value::Array(items) = value else {
            return Err(bad("a repeated field for a value that is not an array"));
        };
        if items.is_empty() {
            return Ok(None);
        }
        let element = schema
            .value_schema
            .as_deref()
            .ok_or_else(|| bad("an array schema without its element schema"))?;
        let kind = field.kind();
        let mut out = Vec::with_capacity(items.len());
        for item in items {
            // A null element cannot be written: Protobuf lists have none.
            let item = connect_to_kind(&kind, element, item)?
                .ok_or_else(|| bad("a null element in an array written as Protobuf"))?;
            out.push(item);
        }
        return Ok(Some(Proto::List(out)));
    }
    connect_to_kind(&field.kind(), schema, value)
}

/// `value` as a Protobuf value of `kind`; `None` for null.
fn connect_to_kind(
    kind: &Kind,
    schema: &Schema,
    value: &Value,
) -> Result<Option<Proto>, ConvertError> {
    if value.is_null() {
        return Ok(None);
    }
    if let (Some(logical), Kind::Message(message)) = (schema.name.as_deref(), kind) {
        let mut out = DynamicMessage::new(message.clone());
        let mut set = |name: &str, v: Proto| {
            if let Some(field) = message.get_field_by_name(name) {
                out.set_field(&field, v);
            }
        };
        let done = match (logical, message.full_name(), value) {
            (DECIMAL_LOGICAL_NAME, DECIMAL_TYPE, Value::Bytes(unscaled)) => {
                let scale = schema
                    .parameter("scale")
                    .and_then(|s| s.parse::<i32>().ok())
                    .unwrap_or(0);
                set("value", Proto::Bytes(unscaled.clone().into()));
                set("precision", Proto::U32(precision(unscaled)));
                set("scale", Proto::I32(scale));
                true
            }
            (DATE, DATE_TYPE, Value::Int32(days)) => {
                let (y, m, d) = civil_from_days(i64::from(*days));
                set("year", Proto::I32(y as i32));
                set("month", Proto::I32(m as i32));
                set("day", Proto::I32(d as i32));
                true
            }
            (TIME, TIME_TYPE, Value::Int32(millis)) => {
                let millis = i64::from(*millis);
                if !(0..=MILLIS_PER_DAY).contains(&millis) {
                    return Err(bad(
                        "Time values must use number of millis greater than 0 and less than 86400000",
                    ));
                }
                set("hours", Proto::I32((millis / 3_600_000) as i32));
                set("minutes", Proto::I32((millis / 60_000 % 60) as i32));
                set("seconds", Proto::I32((millis / 1000 % 60) as i32));
                set("nanos", Proto::I32((millis % 1000 * 1_000_000) as i32));
                true
            }
            (TIMESTAMP, TIMESTAMP_TYPE, Value::Int64(millis)) => {
                set("seconds", Proto::I64(millis.div_euclid(1000)));
                set(
                    "nanos",
                    Proto::I32((millis.rem_euclid(1000) * 1_000_000) as i32),
                );
                true
            }
            _ => false,
        };
        if done {
            return Ok(Some(Proto::Message(out)));
        }
    }
    let out = match (kind, value) {
        (Kind::Message(message), Value::Struct(_)) => {
            Proto::Message(from_connect(message, schema, value)?)
        }
        // A wrapper message (`wrapper.for.nullables`).
        (Kind::Message(message), _) if unwrapped(message.full_name()).is_some() => {
            let field = message
                .get_field_by_name("value")
                .ok_or_else(|| bad("a wrapper message without its value field"))?;
            let inner = connect_to_kind(&field.kind(), schema, value)?
                .unwrap_or_else(|| Proto::default_value(&field.kind()));
            let mut out = DynamicMessage::new(message.clone());
            out.set_field(&field, inner);
            Proto::Message(out)
        }
        (Kind::Int32 | Kind::Sint32 | Kind::Sfixed32, v) => Proto::I32(integer(v)? as i32),
        (Kind::Int64 | Kind::Sint64 | Kind::Sfixed64, v) => Proto::I64(integer(v)?),
        (Kind::Uint32 | Kind::Fixed32, v) => Proto::U32(integer(v)? as u32),
        (Kind::Uint64 | Kind::Fixed64, v) => Proto::U64(integer(v)? as u64),
        (Kind::Float, Value::Float32(f)) => Proto::F32(*f),
        (Kind::Float, Value::Float64(f)) => Proto::F32(*f as f32),
        (Kind::Double, Value::Float64(f)) => Proto::F64(*f),
        (Kind::Double, Value::Float32(f)) => Proto::F64(f64::from(*f)),
        (Kind::Bool, Value::Boolean(b)) => Proto::Bool(*b),
        (Kind::String, Value::String(s)) => Proto::String(s.to_string()),
        (Kind::Bytes, Value::Bytes(b)) => Proto::Bytes(b.clone().into()),
        (Kind::Enum(enumeration), Value::String(symbol)) => {
            let number = schema
                .parameter(&format!("{ENUM}.{symbol}"))
                .and_then(|n| n.parse::<i32>().ok())
                .or_else(|| enumeration.get_value_by_name(symbol).map(|v| v.number()))
                .ok_or_else(|| {
                    bad(format!(
                        "{symbol} is not a symbol of enum {}",
                        enumeration.name()
                    ))
                })?;
            Proto::EnumNumber(number)
        }
        (kind, value) => {
            return Err(bad(format!(
                "Invalid type for {kind:?}: a {} value",
                value.type_name()
            )));
        }
    };
    Ok(Some(out))
}

/// An integer value of any Connect integer type (`((Number) value).longValue()`).
fn integer(value: &Value) -> Result<i64, ConvertError> {
    Ok(match value {
        Value::Int8(v) => i64::from(*v),
        Value::Int16(v) => i64::from(*v),
        Value::Int32(v) => i64::from(*v),
        Value::Int64(v) => *v,
        other => {
            return Err(bad(format!(
                "a {} value for an integer field",
                other.type_name()
            )));
        }
    })
}

/// The number of decimal digits of an unscaled value (big-endian two's complement), as
/// `BigDecimal.precision()` counts them (1 for zero).
fn precision(unscaled: &[u8]) -> u32 {
    let text = crate::json::decimal_to_string(unscaled, 0);
    let digits = text.trim_start_matches('-').trim_start_matches('0').len();
    digits.max(1) as u32
}
