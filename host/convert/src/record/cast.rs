//! The WIT `cast` operation: Kafka's `Cast.castValueToType` for the casts whose result depends
//! on the value's type alone, run by the host so that a `Cast` guest reads schemas, not values,
//! and its calls can be replayed.
//!
//! The casts left out — from a string to a number (Java's `Integer.parseInt` and friends), from
//! a float to a string (`Double.toString`), from `bytes` and the logical types — answer
//! `wrong-type`; the guest casts those itself.

use std::sync::Arc;

use switchyard_data::compact_str::ToCompactString as _;
use switchyard_data::derive::{Derivation, addr, derived};
use switchyard_data::{ConnectData, DataError, Schema, SchemaType, Value};

use super::{null_on_the_way, place, schema_at, walk};

/// The Connect logical types, which `Cast` reads through their Java classes (`Date`,
/// `BigDecimal`), not as the integers or bytes that hold them.
const LOGICAL: [&str; 4] = [
    "org.apache.kafka.connect.data.Decimal",
    "org.apache.kafka.connect.data.Date",
    "org.apache.kafka.connect.data.Time",
    "org.apache.kafka.connect.data.Timestamp",
];

/// Whether the host casts a node of type `from` (named `name`) to `to`.
pub fn host_casts(from: SchemaType, name: Option<&str>, to: SchemaType) -> bool {
    use SchemaType as T;
    if name.is_some_and(|n| LOGICAL.contains(&n)) {
        return false;
    }
    match from {
        T::Int8 | T::Int16 | T::Int32 | T::Int64 | T::Boolean => true,
        T::Float32 | T::Float64 => to != T::String,
        T::String => to == T::String,
        T::Bytes | T::Array | T::Map | T::Struct => false,
    }
}

/// `Cast.castValueToType` of a non-null value the host casts (see [`host_casts`]).
pub(super) fn cast_value(value: &Value, to: SchemaType) -> Result<Value, DataError> {
    use SchemaType as T;
    // Java's `Number` views of the value: `longValue()` wraps or saturates as a Java
    // narrowing does, which is what Rust's `as` does too.
    let (long, double): (i64, f64) = match value {
        Value::Int8(v) => (i64::from(*v), f64::from(*v)),
        Value::Int16(v) => (i64::from(*v), f64::from(*v)),
        Value::Int32(v) => (i64::from(*v), f64::from(*v)),
        Value::Int64(v) => (*v, *v as f64),
        Value::Float32(v) => (*v as i64, f64::from(*v)),
        Value::Float64(v) => (*v as i64, *v),
        Value::Boolean(b) => (i64::from(*b), f64::from(u8::from(*b))),
        Value::String(s) if to == T::String => return Ok(Value::String(s.clone())),
        other => {
            return Err(DataError::WrongType(format!(
                "the host does not cast a {} to {}",
                other.type_name(),
                to.upper_name()
            )));
        }
    };
    // `intValue()`: a float saturates to an int first, then narrows (`(byte) intValue()`).
    let int = match value {
        Value::Float32(v) => *v as i32,
        Value::Float64(v) => *v as i32,
        _ => long as i32,
    };
    Ok(match (to, value) {
        (T::Boolean, Value::Boolean(b)) => Value::Boolean(*b),
        (T::Boolean, _) => Value::Boolean(long != 0),
        (T::Int8, _) => Value::Int8(int as i8),
        (T::Int16, _) => Value::Int16(int as i16),
        (T::Int32, _) => Value::Int32(int),
        (T::Int64, _) => Value::Int64(long),
        // `floatValue()`: a long rounds to the nearest float directly, not through a double.
        (T::Float32, Value::Int64(v)) => Value::Float32(*v as f32),
        (T::Float32, Value::Float32(v)) => Value::Float32(*v),
        (T::Float32, _) => Value::Float32(double as f32),
        (T::Float64, _) => Value::Float64(double),
        // `String.valueOf` of a Byte, Short, Integer, Long or Boolean.
        (T::String, Value::Boolean(b)) => Value::String(b.to_compact_string()),
        (T::String, _) => Value::String(long.to_compact_string()),
        (T::Bytes | T::Array | T::Map | T::Struct, _) => {
            return Err(DataError::Invalid(format!(
                "Cast does not cast to {}",
                to.upper_name()
            )));
        }
    })
}

/// Casts the scalar at `path` to `to` (the WIT `cast`); see the WIT for the rules.
pub fn cast(
    data: &mut ConnectData,
    path: &[String],
    to: SchemaType,
    apply_defaults: bool,
) -> Result<(), DataError> {
    if matches!(
        to,
        SchemaType::Bytes | SchemaType::Array | SchemaType::Map | SchemaType::Struct
    ) {
        return Err(DataError::Invalid(format!(
            "Cast transformation does not support casting to {}",
            to.upper_name()
        )));
    }
    if data.value.is_null() {
        // A null key or value passes unchanged, as in Kafka's `Cast`.
        return Ok(());
    }
    let schema = schema_at(data, path)?;
    let value = if schema.is_some() && null_on_the_way(data, path) {
        return Err(DataError::NoSuchField(path.join(".")));
    } else {
        walk(data, path)?.value
    };
    let (kind, name) = match &schema {
        Some(s) => (s.kind, s.name.as_deref()),
        None => match value.scalar_type() {
            Some(kind) => (kind, None),
            None if value.is_null() => {
                // Schemaless null: stays null, as `castValueToType` returns null.
                return Ok(());
            }
            None => {
                return Err(DataError::WrongType(format!(
                    "the host does not cast a {}",
                    value.type_name()
                )));
            }
        },
    };
    if !host_casts(kind, name, to) {
        return Err(DataError::WrongType(format!(
            "the host does not cast a {} to {}",
            name.unwrap_or(kind.upper_name()),
            to.upper_name()
        )));
    }
    let source = match (&*value, &schema) {
        (Value::Null, Some(s)) if apply_defaults => s.default.as_ref().unwrap_or(&Value::Null),
        (other, _) => other,
    };
    let cast = match source {
        Value::Null => Value::Null,
        other => cast_value(other, to)?,
    };
    let schema = match schema {
        None => None,
        Some(from) => Some(derived::<DataError>(
            Derivation::Cast {
                node: addr(&from),
                to,
                basics: path.is_empty(),
            },
            &[&from],
            || cast_schema(&from, to, path.is_empty()),
        )?),
    };
    place(data, path, schema, cast)
}

/// The schema a cast to `to` gives a node of schema `from`: the plain type with `from`'s
/// optionality and its default cast; with `basics`, also its name, version, doc and parameters.
fn cast_schema(from: &Schema, to: SchemaType, basics: bool) -> Result<Arc<Schema>, DataError> {
    let mut schema = Schema::new(to);
    if basics {
        schema.name.clone_from(&from.name);
        schema.version = from.version;
        schema.doc.clone_from(&from.doc);
        schema.parameters.clone_from(&from.parameters);
    }
    schema.optional = from.optional;
    schema.default = match &from.default {
        None | Some(Value::Null) => None,
        Some(default) => Some(cast_value(default, to)?),
    };
    Ok(Arc::new(schema))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn names(path: &[&str]) -> Vec<String> {
        path.iter().map(|s| (*s).to_owned()).collect()
    }

    fn row() -> ConnectData {
        let mut with_default = Schema::new(SchemaType::Int32);
        with_default.optional = true;
        with_default.default = Some(Value::Int32(7));
        let mut optional_long = Schema::new(SchemaType::Int64);
        optional_long.optional = true;
        let schema = Schema::new(SchemaType::Struct)
            .field("id", Schema::new(SchemaType::Int64))
            .field("n", with_default)
            .field("f", Schema::new(SchemaType::Float64))
            .field("flag", Schema::new(SchemaType::Boolean))
            .field("lsn", optional_long);
        ConnectData {
            schema: Some(Arc::new(schema)),
            value: Value::Struct(vec![
                Value::Int64(300),
                Value::Null,
                Value::Float64(-1.0e20),
                Value::Boolean(true),
                Value::Null,
            ]),
        }
    }

    fn field(data: &ConnectData, i: usize) -> (&Schema, &Value) {
        let (Some(schema), Value::Struct(values)) = (&data.schema, &data.value) else {
            panic!("not a struct: {data:?}");
        };
        (&schema.fields[i].schema, &values[i])
    }

    #[test]
    fn integers_wrap_floats_saturate_and_strings_print_as_java_does() {
        let mut data = row();
        cast(&mut data, &names(&["id"]), SchemaType::Int8, true).unwrap();
        assert_eq!(field(&data, 0).1, &Value::Int8(44));
        assert_eq!(field(&data, 0).0.kind, SchemaType::Int8);
        cast(&mut data, &names(&["f"]), SchemaType::Int32, true).unwrap();
        assert_eq!(field(&data, 2).1, &Value::Int32(i32::MIN));
        cast(&mut data, &names(&["flag"]), SchemaType::String, true).unwrap();
        assert_eq!(field(&data, 3).1, &Value::String("true".into()));
        cast(&mut data, &names(&["id"]), SchemaType::String, true).unwrap();
        assert_eq!(field(&data, 0).1, &Value::String("44".into()));
    }

    #[test]
    fn a_null_takes_its_default_only_when_asked_and_the_default_is_cast_too() {
        let mut with = row();
        cast(&mut with, &names(&["n"]), SchemaType::String, true).unwrap();
        let (schema, value) = field(&with, 1);
        assert_eq!(value, &Value::String("7".into()));
        assert!(schema.optional);
        assert_eq!(schema.default, Some(Value::String("7".into())));
        let mut without = row();
        cast(&mut without, &names(&["n"]), SchemaType::String, false).unwrap();
        assert_eq!(field(&without, 1).1, &Value::Null);
        let mut null = row();
        cast(&mut null, &names(&["lsn"]), SchemaType::String, true).unwrap();
        let (schema, value) = field(&null, 4);
        assert_eq!(
            (schema.kind, schema.optional, value),
            (SchemaType::String, true, &Value::Null)
        );
    }

    #[test]
    fn the_same_cast_on_the_same_schema_yields_the_same_schema() {
        let (mut a, mut b) = (row(), row());
        let shared = a.schema.clone();
        b.schema.clone_from(&shared);
        cast(&mut a, &names(&["lsn"]), SchemaType::String, true).unwrap();
        cast(&mut b, &names(&["lsn"]), SchemaType::String, true).unwrap();
        assert!(Arc::ptr_eq(
            a.schema.as_ref().unwrap(),
            b.schema.as_ref().unwrap()
        ));
    }

    #[test]
    fn what_the_host_does_not_cast_is_wrong_type_and_left_unchanged() {
        let mut data = row();
        let before = data.clone();
        let err = cast(&mut data, &names(&["f"]), SchemaType::String, true).unwrap_err();
        assert!(matches!(err, DataError::WrongType(_)), "{err:?}");
        assert_eq!(data, before);
        let err = cast(&mut data, &names(&["id"]), SchemaType::Bytes, true).unwrap_err();
        assert!(matches!(err, DataError::Invalid(_)), "{err:?}");
        let err = cast(&mut data, &names(&["nope"]), SchemaType::String, true).unwrap_err();
        assert!(matches!(err, DataError::NoSuchField(_)), "{err:?}");
        assert_eq!(data, before);
        let mut date = Schema::new(SchemaType::Int32);
        date.name = Some("org.apache.kafka.connect.data.Date".into());
        let mut logical = ConnectData {
            schema: Some(Arc::new(Schema::new(SchemaType::Struct).field("d", date))),
            value: Value::Struct(vec![Value::Int32(1)]),
        };
        let err = cast(&mut logical, &names(&["d"]), SchemaType::Int64, true).unwrap_err();
        assert!(matches!(err, DataError::WrongType(_)), "{err:?}");
    }

    #[test]
    fn schemaless_values_cast_by_their_type_and_a_null_part_is_left_alone() {
        let mut data = ConnectData {
            schema: None,
            value: Value::Map(vec![(Value::String("n".into()), Value::Int32(5))]),
        };
        cast(&mut data, &names(&["n"]), SchemaType::Float64, true).unwrap();
        assert_eq!(
            data.value,
            Value::Map(vec![(Value::String("n".into()), Value::Float64(5.0))])
        );
        let mut null = ConnectData {
            schema: None,
            value: Value::Null,
        };
        cast(&mut null, &names(&["n"]), SchemaType::String, true).unwrap();
        assert_eq!(null.value, Value::Null);
    }
}
