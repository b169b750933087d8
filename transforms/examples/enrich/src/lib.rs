//! Enrichment: joins each product document with the pipeline's lookup tables into the
//! denormalised document a search index wants (a product with its price, category and tag), a
//! stream-table join as Kafka Streams' `KStream#join(KTable)` does it.
//!
//! | key | default | meaning |
//! |---|---|---|
//! | `key.field` | `id` | the value field whose scalar is the lookup key (`6` for `{"id":6}`) |
//! | `fields` | — | `target=table.path` list: put the scalar at `path` of `table`'s entry as field `target`, e.g. `price=prices.price,tag=tags.tag` (`get-field`) |
//! | `rows` | — | `target=table` list: put `table`'s whole entry as JSON text in the string field `target` (`get`); at least one of `fields` and `rows` |
//! | `match.field` / `match.value` | — | enrich only records whose value field `match.field` is the string `match.value` (e.g. `__table` = `products`); others pass unchanged |
//! | `on.missing` | `skip` | a key a table does not hold: `skip` leaves the field out, `fail` makes the record bad (dead-letter it with `errors.tolerance=all`) |
//! | `topic` | — | the topic of enriched documents; unchanged when absent |
//!
//! Tombstones (null values) pass unchanged. A joined scalar keeps its schema: a `Decimal` price
//! is put as a `Decimal`, so the value converter writes it as Kafka's JsonConverter does. A
//! table named in `fields` that the pipeline does not define is a configuration error, found
//! when the transform is configured.

use switchyard_sdk::lookup;
use switchyard_sdk::prelude::*;

/// One joined field: `target=table.path`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Join {
    /// The field added to the document.
    pub target: String,
    /// The lookup table.
    pub table: String,
    /// The path inside the table's value.
    pub path: Vec<String>,
}

/// Parses one `target=table.path` item of `fields`.
pub fn parse_join(item: &str) -> Result<Join, String> {
    let (target, source) = item
        .split_once('=')
        .ok_or_else(|| format!("`{item}` is not target=table.path"))?;
    let mut parts = source.trim().split('.');
    let table = parts.next().unwrap_or_default().trim();
    let path: Vec<String> = parts.map(|p| p.trim().to_string()).collect();
    let target = target.trim();
    if target.is_empty() || table.is_empty() || path.is_empty() || path.iter().any(String::is_empty)
    {
        return Err(format!("`{item}` is not target=table.path"));
    }
    Ok(Join {
        target: target.to_string(),
        table: table.to_string(),
        path,
    })
}

/// A scalar as a lookup key: strings as they are, integers and booleans as their digits.
pub fn key_text(scalar: &Scalar) -> Option<String> {
    Some(match scalar {
        Scalar::String(s) => s.clone(),
        Scalar::Int8(v) => v.to_string(),
        Scalar::Int16(v) => v.to_string(),
        Scalar::Int32(v) => v.to_string(),
        Scalar::Int64(v) => v.to_string(),
        Scalar::Boolean(v) => v.to_string(),
        _ => return None,
    })
}

/// The schema a joined scalar gets in a schema'd document when its table is schemaless.
fn schema_of(value: &Scalar) -> Option<SchemaInfo> {
    let kind = match value {
        Scalar::Null => return None,
        Scalar::Boolean(_) => SchemaType::Boolean,
        Scalar::Int8(_) => SchemaType::Int8,
        Scalar::Int16(_) => SchemaType::Int16,
        Scalar::Int32(_) => SchemaType::Int32,
        Scalar::Int64(_) => SchemaType::Int64,
        Scalar::Float32(_) => SchemaType::Float32,
        Scalar::Float64(_) => SchemaType::Float64,
        Scalar::String(_) => SchemaType::String,
        Scalar::Bytes(_) => SchemaType::Bytes,
    };
    Some(SchemaInfo {
        type_: kind,
        optional: true,
        name: None,
        version: None,
        doc: None,
        parameters: Vec::new(),
        default_json: None,
    })
}

/// Parses one `target=table` item of `rows`.
pub fn parse_row(item: &str) -> Result<(String, String), String> {
    match item.split_once('=') {
        Some((target, table)) if !target.trim().is_empty() && !table.trim().is_empty() => {
            Ok((target.trim().to_string(), table.trim().to_string()))
        }
        _ => Err(format!("`{item}` is not target=table")),
    }
}

/// The configured enrichment.
struct Enrich {
    key_field: String,
    joins: Vec<Join>,
    rows: Vec<(String, String)>,
    only_if: Option<(String, String)>,
    fail_on_missing: bool,
    topic: Option<String>,
}

impl Transform for Enrich {
    fn configure(ctx: &Context) -> Result<Self, ConfigError> {
        let config = ctx.config();
        let joins = config
            .list_or("fields", &[])
            .iter()
            .map(|item| parse_join(item).map_err(|m| ConfigError::new("fields", m)))
            .collect::<Result<Vec<_>, _>>()?;
        let rows = config
            .list_or("rows", &[])
            .iter()
            .map(|item| parse_row(item).map_err(|m| ConfigError::new("rows", m)))
            .collect::<Result<Vec<_>, _>>()?;
        if joins.is_empty() && rows.is_empty() {
            return Err(ConfigError::new("fields", "at least one join is needed"));
        }
        // Every table must exist: asking for any key tells.
        let tables = joins
            .iter()
            .map(|j| ("fields", &j.table))
            .chain(rows.iter().map(|(_, table)| ("rows", table)));
        for (key, table) in tables {
            if let Err(e @ lookup::LookupError::NoSuchTable(_)) = lookup::get_field(table, "", &[])
            {
                return Err(ConfigError::new(key, lookup::describe(&e)));
            }
        }
        let only_if = match (
            config.optional_string("match.field"),
            config.optional_string("match.value"),
        ) {
            (Some(field), Some(value)) => Some((field, value)),
            (None, None) => None,
            _ => {
                return Err(ConfigError::new(
                    "match.field",
                    "match.field and match.value go together",
                ));
            }
        };
        let fail_on_missing = match config.string_or("on.missing", "skip").as_str() {
            "skip" => false,
            "fail" => true,
            other => {
                return Err(ConfigError::new(
                    "on.missing",
                    format!("expected `skip` or `fail`, found `{other}`"),
                ));
            }
        };
        Ok(Enrich {
            key_field: config.string_or("key.field", "id"),
            joins,
            rows,
            only_if,
            fail_on_missing,
            topic: config.optional_string("topic"),
        })
    }

    fn apply(&self, mut record: Record) -> Result<Output, Error> {
        if record.value().is_null()? {
            return Ok(Output::One(record));
        }
        if let Some((field, expected)) = &self.only_if {
            match record.value().get(&[field.as_str()]) {
                Ok(Scalar::String(found)) if &found == expected => {}
                _ => return Ok(Output::One(record)),
            }
        }
        let id = record.value().get(&[self.key_field.as_str()])?;
        let key = key_text(&id).ok_or_else(|| {
            Error::bad_record(format!(
                "key.field `{}` holds no string or integer",
                self.key_field
            ))
        })?;
        let schema_d = record.value().has_schema()?;
        for join in &self.joins {
            let path: Vec<&str> = join.path.iter().map(String::as_str).collect();
            match lookup::get_field(&join.table, &key, &path)? {
                Some(found) => {
                    let schema = match (schema_d, found.schema) {
                        (false, _) => None,
                        (true, Some(schema)) => Some(schema),
                        (true, None) => schema_of(&found.value),
                    };
                    if schema_d && schema.is_none() {
                        // A null from a schemaless table: nothing to put in a schema'd document.
                        continue;
                    }
                    record.value_mut().put(
                        &[join.target.as_str()],
                        schema.as_ref(),
                        found.value,
                    )?;
                }
                None if self.fail_on_missing => {
                    return Err(Error::bad_record(format!(
                        "lookup table `{}` holds no entry for key `{key}`",
                        join.table
                    )));
                }
                None => {}
            }
        }
        for (target, table) in &self.rows {
            match lookup::get(table, &key)? {
                Some(json) => {
                    let schema = schema_d.then(|| SchemaInfo {
                        type_: SchemaType::String,
                        optional: true,
                        name: None,
                        version: None,
                        doc: None,
                        parameters: Vec::new(),
                        default_json: None,
                    });
                    record.value_mut().put(
                        &[target.as_str()],
                        schema.as_ref(),
                        Scalar::String(json),
                    )?;
                }
                None if self.fail_on_missing => {
                    return Err(Error::bad_record(format!(
                        "lookup table `{table}` holds no entry for key `{key}`"
                    )));
                }
                None => {}
            }
        }
        if let Some(topic) = &self.topic {
            record.set_topic(topic);
        }
        Ok(Output::One(record))
    }
}

switchyard_sdk::export_transform!(Enrich);

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn joins_parse_and_reject_malformed_items() {
        assert_eq!(
            parse_join("price = prices.price"),
            Ok(Join {
                target: "price".into(),
                table: "prices".into(),
                path: vec!["price".into()],
            })
        );
        assert_eq!(parse_join("x=t.a.b").map(|j| j.path.len()), Ok(2));
        assert!(parse_join("price").is_err());
        assert!(parse_join("price=prices").is_err());
        assert!(parse_join("=prices.price").is_err());
    }

    #[test]
    fn keys_are_digits_or_strings() {
        assert_eq!(key_text(&Scalar::Int64(6)), Some("6".into()));
        assert_eq!(key_text(&Scalar::String("a".into())), Some("a".into()));
        assert_eq!(key_text(&Scalar::Float64(1.5)), None);
    }
}
