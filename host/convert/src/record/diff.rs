//! The WIT `diff` operation: which fields of a struct differ from another's — what an update
//! changed, as Debezium's `ExtractChangedRecordState` finds it — answered by the host, so that
//! a guest reads the names, not the values, and updates that change the same fields answer
//! alike.

use std::sync::Arc;

use switchyard_data::{ConnectData, DataError, Schema, Value};

use super::schema_walk;

/// A node found read-only: its schema (if any) and its value.
type Found<'a> = (Option<&'a Arc<Schema>>, &'a Value);

/// The node at `path`, or `None` when it or a struct on the way is null. With a schema the
/// path is checked against the schema first, so a field the schema lacks is `no-such-field`
/// even inside a null struct.
fn find<'a>(data: &'a ConnectData, path: &[String]) -> Result<Option<Found<'a>>, DataError> {
    if let Some(schema) = &data.schema {
        schema_walk(schema, path)?;
    }
    let mut node: Found<'a> = (data.schema.as_ref(), &data.value);
    for (depth, name) in path.iter().enumerate() {
        node = match node {
            (_, Value::Null) => return Ok(None),
            (Some(schema), Value::Struct(values)) => {
                let Some(i) = schema.field_index(name) else {
                    return Err(DataError::NoSuchField(path[..=depth].join(".")));
                };
                (Some(&schema.fields[i].schema), &values[i])
            }
            (schema, Value::Map(entries)) => {
                let value = entries
                    .iter()
                    .find(|(k, _)| matches!(k, Value::String(k) if k == name))
                    .map(|(_, v)| v)
                    .ok_or_else(|| DataError::NoSuchField(path[..=depth].join(".")))?;
                (schema.and_then(|s| s.value_schema.as_ref()), value)
            }
            (_, other) => {
                return Err(DataError::WrongType(format!(
                    "{} is a {}, not a struct or map",
                    path[..depth].join("."),
                    other.type_name()
                )));
            }
        };
    }
    Ok((!node.1.is_null()).then_some(node))
}

/// The fields of a struct (by its schema) or a map (by its string keys), in order.
fn fields<'a>(
    (schema, value): Found<'a>,
    path: &[String],
) -> Result<Vec<(&'a str, &'a Value)>, DataError> {
    match (schema, value) {
        (Some(schema), Value::Struct(values)) => Ok(schema
            .fields
            .iter()
            .zip(values)
            .map(|(f, v)| (f.name.as_str(), v))
            .collect()),
        (_, Value::Map(entries)) => Ok(entries
            .iter()
            .filter_map(|(k, v)| match k {
                Value::String(k) => Some((k.as_str(), v)),
                _ => None,
            })
            .collect()),
        (_, other) => Err(DataError::WrongType(format!(
            "{} is a {}, not a struct or map",
            path.join("."),
            other.type_name()
        ))),
    }
}

fn is_container(value: &Value) -> bool {
    matches!(value, Value::Struct(_) | Value::Array(_) | Value::Map(_))
}

/// The names of the fields of the struct or map at `to` whose value differs from the
/// same-named field at `from` (the WIT `diff`); see the WIT for the rules.
pub fn diff(data: &ConnectData, from: &[String], to: &[String]) -> Result<Vec<String>, DataError> {
    let (Some(earlier), Some(later)) = (find(data, from)?, find(data, to)?) else {
        return Ok(Vec::new());
    };
    let earlier = fields(earlier, from)?;
    let later = fields(later, to)?;
    Ok(later
        .into_iter()
        .filter(|(name, value)| {
            earlier
                .iter()
                .find(|(n, _)| n == name)
                .is_some_and(|(_, before)| {
                    !is_container(before) && !is_container(value) && before != value
                })
        })
        .map(|(name, _)| name.to_owned())
        .collect())
}

#[cfg(test)]
mod tests {
    use super::*;
    use switchyard_data::SchemaType;

    fn names(path: &[&str]) -> Vec<String> {
        path.iter().map(|s| (*s).to_owned()).collect()
    }

    fn envelope(before: Value, after: Value) -> ConnectData {
        let mut optional = Schema::new(SchemaType::Int64);
        optional.optional = true;
        let mut nested = Schema::new(SchemaType::Struct).field("x", Schema::new(SchemaType::Int32));
        nested.optional = true;
        let mut row = Schema::new(SchemaType::Struct)
            .field("id", Schema::new(SchemaType::Int64))
            .field("name", Schema::new(SchemaType::String))
            .field("price", optional)
            .field("dims", nested)
            .field("ratio", Schema::new(SchemaType::Float64));
        row.optional = true;
        let row = Arc::new(row);
        let mut schema = Schema::new(SchemaType::Struct);
        for name in ["before", "after"] {
            schema.fields.push(switchyard_data::Field {
                name: name.into(),
                schema: Arc::clone(&row),
            });
        }
        ConnectData {
            schema: Some(Arc::new(schema)),
            value: Value::Struct(vec![before, after]),
        }
    }

    fn row(name: &str, price: Option<i64>, x: i32, ratio: f64) -> Value {
        Value::Struct(vec![
            Value::Int64(1),
            Value::String(name.into()),
            price.map_or(Value::Null, Value::Int64),
            Value::Struct(vec![Value::Int32(x)]),
            Value::Float64(ratio),
        ])
    }

    #[test]
    fn scalars_that_differ_are_named_in_order_and_structs_are_not_compared() {
        let data = envelope(row("tea", Some(3), 1, 0.5), row("tee", None, 2, f64::NAN));
        assert_eq!(
            diff(&data, &names(&["before"]), &names(&["after"])),
            Ok(vec![
                "name".to_owned(),
                "price".to_owned(),
                "ratio".to_owned()
            ])
        );
        let same = envelope(row("tea", None, 1, 0.0), row("tea", None, 9, -0.0));
        assert_eq!(
            diff(&same, &names(&["before"]), &names(&["after"])),
            Ok(vec![])
        );
    }

    #[test]
    fn a_null_side_answers_empty_and_bad_paths_are_errors() {
        let insert = envelope(Value::Null, row("tea", None, 1, 0.5));
        assert_eq!(
            diff(&insert, &names(&["before"]), &names(&["after"])),
            Ok(vec![])
        );
        assert!(matches!(
            diff(&insert, &names(&["nope"]), &names(&["after"])),
            Err(DataError::NoSuchField(_))
        ));
        assert!(matches!(
            diff(&insert, &names(&["after", "id"]), &names(&["after"])),
            Err(DataError::WrongType(_))
        ));
    }

    #[test]
    fn schemaless_maps_compare_by_key() {
        let map = |pairs: &[(&str, i64)]| {
            Value::Map(
                pairs
                    .iter()
                    .map(|(k, v)| (Value::String((*k).into()), Value::Int64(*v)))
                    .collect(),
            )
        };
        let data = ConnectData {
            schema: None,
            value: Value::Map(vec![
                (Value::String("before".into()), map(&[("a", 1), ("b", 2)])),
                (
                    Value::String("after".into()),
                    map(&[("b", 3), ("a", 1), ("c", 4)]),
                ),
            ]),
        };
        assert_eq!(
            diff(&data, &names(&["before"]), &names(&["after"])),
            Ok(vec!["b".to_owned()])
        );
    }
}
