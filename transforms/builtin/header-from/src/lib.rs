//! `org.apache.kafka.connect.transforms.HeaderFrom$Key` and `HeaderFrom$Value` as a Switchyard
//! transform: copies or moves fields of the key or value into headers.
//!
//! | key | type | default |
//! |---|---|---|
//! | `fields` | LIST, not empty | required |
//! | `headers` | LIST, not empty, as long as `fields` | required |
//! | `operation` | `move` or `copy` | required |
//! | `replace.null.with.default` | BOOLEAN | `true` — a null field with a default gives the default |
//!
//! The i-th field goes to the i-th header; headers are appended (a header already there with the
//! same key stays). A header's bytes are what Kafka Connect's default header converter
//! (`SimpleHeaderConverter`) writes for the field: strings as they are, numbers and booleans as
//! Java prints them, bytes in Base64, `Date` / `Time` / `Timestamp` in ISO-8601, `Decimal`s as
//! `BigDecimal.toString`, structs, maps and arrays as `Values.convertToString` renders them
//! (`{"a":1,"b":"x"}`); null is a null header.
//!
//! As in Kafka: there is no special case for a null key or value, which is a bad record;
//! without a schema a missing field gives a null header; with a schema a field the schema does
//! not have is a bad record (`x is not a valid field name`); `move` then removes the fields
//! (the new struct schema keeps the name, version, doc and parameters of the old one). Scalar
//! fields are read one by one; a struct, array or map field reads the part as JSON; removal is
//! done by the host (`reshape`).

use connect_util::fields::value_at;
use connect_util::json::{self, JsonPart, Value};
use connect_util::shape::{Top, class_part, non_empty_list};
use connect_util::values;
use switchyard_sdk::prelude::*;

/// Whether the fields stay in the key or value.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Operation {
    /// Remove the fields.
    Move,
    /// Keep the fields.
    Copy,
}

/// The transform: which part, which fields to which headers, and the operation.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HeaderFrom {
    part: Part,
    fields: Vec<String>,
    headers: Vec<String>,
    operation: Operation,
    replace_null_with_default: bool,
}

impl HeaderFrom {
    /// Reads the configuration (`HeaderFrom.CONFIG_DEF` and `configure`).
    pub fn from_config(part: Part, config: &Config) -> Result<Self, ConfigError> {
        let fields = non_empty_list(config, "fields")?;
        let headers = non_empty_list(config, "headers")?;
        let operation = match config.string("operation")?.as_str() {
            "move" => Operation::Move,
            "copy" => Operation::Copy,
            _ => {
                return Err(ConfigError::new(
                    "operation",
                    "String must be one of: move, copy",
                ));
            }
        };
        if fields.len() != headers.len() {
            return Err(ConfigError::new(
                "headers",
                "'fields' config must have the same number of elements as 'headers' config.",
            ));
        }
        Ok(HeaderFrom {
            part,
            fields,
            headers,
            operation,
            replace_null_with_default: config.boolean_or("replace.null.with.default", true)?,
        })
    }

    fn purpose(&self) -> &'static str {
        match self.operation {
            Operation::Move => "header move",
            Operation::Copy => "header copy",
        }
    }

    /// The header values, in the order of `fields`.
    fn header_values(&self, record: &Record, top: &Top) -> Result<Vec<Option<String>>, Error> {
        let view = record.part(self.part);
        let mut data: Option<JsonPart> = None;
        let mut values = Vec::with_capacity(self.fields.len());
        for field in &self.fields {
            let path = [field.as_str()];
            let text = if top.has_schema() {
                let info = match view.schema(&path) {
                    Ok(Some(info)) => info,
                    Err(DataError::NoSuchField(_)) | Ok(None) => {
                        return Err(Error::bad_record(format!(
                            "{field} is not a valid field name"
                        )));
                    }
                    Err(e) => return Err(e.into()),
                };
                match info.type_ {
                    SchemaType::Struct | SchemaType::Array | SchemaType::Map => {
                        let null = view.get(&path) == Ok(Scalar::Null);
                        if null && !self.replace_null_with_default {
                            None
                        } else {
                            let data = match &mut data {
                                Some(d) => d,
                                None => data.insert(json::read(&view)?),
                            };
                            let schema = data.schema.as_ref().and_then(|s| json::field(s, field));
                            let payload = data.payload.get(field).unwrap_or(&Value::Null);
                            values::to_string(schema, payload)
                        }
                    }
                    _ => {
                        let value =
                            value_at(&view, &path, Some(&info), self.replace_null_with_default)?;
                        values::scalar_to_string(Some(&info), &value)
                    }
                }
            } else {
                match view.get(&path) {
                    Ok(value) => values::scalar_to_string(None, &value),
                    Err(DataError::NoSuchField(_)) => None,
                    Err(DataError::WrongType(_)) => {
                        let data = match &mut data {
                            Some(d) => d,
                            None => data.insert(json::read(&view)?),
                        };
                        values::to_string(None, data.payload.get(field).unwrap_or(&Value::Null))
                    }
                    Err(e) => return Err(e.into()),
                }
            };
            values.push(text);
        }
        Ok(values)
    }
}

impl Transform for HeaderFrom {
    fn configure(ctx: &Context) -> Result<Self, ConfigError> {
        HeaderFrom::from_config(class_part(ctx, "HeaderFrom")?, ctx.config())
    }

    fn apply(&self, mut record: Record) -> Result<Output, Error> {
        let top = Top::inspect(&record.part(self.part))?;
        top.require_container(self.purpose())?;
        let values = self.header_values(&record, &top)?;
        if self.operation == Operation::Move {
            let kept: Vec<FieldMapping> = record
                .part(self.part)
                .field_names(&[])?
                .into_iter()
                .filter(|name| !self.fields.contains(name))
                .map(FieldMapping::keep)
                .collect();
            record
                .part_mut(self.part)
                .reshape(&[], &kept, self.replace_null_with_default)?;
        }
        for (header, value) in self.headers.iter().zip(values) {
            record.add_header(header, value.as_deref().map(str::as_bytes));
        }
        Ok(Output::One(record))
    }
}

switchyard_sdk::export_transform!(HeaderFrom);

#[cfg(test)]
mod tests {
    use super::*;

    fn configure(entries: &[(&str, &str)]) -> Result<HeaderFrom, ConfigError> {
        HeaderFrom::from_config(Part::Value, &entries.iter().copied().collect())
    }

    /// `HeaderFromTest` configuration cases.
    #[test]
    fn config() {
        assert_eq!(
            configure(&[("fields", "a,b"), ("headers", "h"), ("operation", "copy")]),
            Err(ConfigError::new(
                "headers",
                "'fields' config must have the same number of elements as 'headers' config."
            ))
        );
        assert_eq!(
            configure(&[("fields", ""), ("headers", ""), ("operation", "copy")]),
            Err(ConfigError::new("fields", "Empty list"))
        );
        assert_eq!(
            configure(&[("fields", "a"), ("headers", "h"), ("operation", "COPY")]),
            Err(ConfigError::new(
                "operation",
                "String must be one of: move, copy"
            ))
        );
        assert_eq!(
            configure(&[("fields", "a"), ("headers", "h")]),
            Err(ConfigError::missing("operation"))
        );
        let t = configure(&[("fields", "a"), ("headers", "h"), ("operation", "move")]);
        assert_eq!(t.map(|t| t.operation), Ok(Operation::Move));
    }
}
