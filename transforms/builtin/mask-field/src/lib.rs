//! `org.apache.kafka.connect.transforms.MaskField$Key` and `MaskField$Value` as a Switchyard
//! transform: replaces the value of fields with the "empty" value of their type, or with a
//! replacement.
//!
//! | key | type | default |
//! |---|---|---|
//! | `fields` | LIST, not empty | required |
//! | `replacement` | STRING, not empty | — numeric or string fields only |
//! | `replace.null.with.default` | BOOLEAN | `true` — a null field with a default is read as the default |
//!
//! Without `replacement` a field becomes `false`, `0`, `0.0`, `""`, the epoch (`Date`, `Time`,
//! `Timestamp`), zero (`Decimal`), an empty array or an empty map; bytes and structs cannot be
//! masked (`Cannot mask value of type: …`). With `replacement` the text is converted to the
//! field's type as Kafka's `Values` does (`123.7` into an `int32` is 123); booleans, dates,
//! bytes, arrays, maps and structs cannot take one. A null field stays null.
//!
//! As in Kafka: there is no special case for a null key or value, which is a bad record; without
//! a schema a listed field missing from the map is added as null; with a schema the schema is
//! kept and listed fields the schema does not have are ignored. Scalars are masked in place by
//! the host (`set` / `put`); masking an array or a map goes through the part's JSON form.
//!
//! A `Decimal` is masked to `BigDecimal.ZERO` (scale 0) or to the replacement at its own scale,
//! and a scale other than the schema's fails the record with Kafka's message (`Decimal value
//! has mismatching scale …`, which Kafka's value converter raises when it writes the record:
//! here the stage is the transformation).

use std::collections::BTreeSet;

use connect_util::decimal::BigDecimal;
use connect_util::fields::{self, DATE, DECIMAL, TIME, TIMESTAMP, apply_defaults, value_at};
use connect_util::java;
use connect_util::json::{self, Value};
use connect_util::shape::{Top, class_part, non_empty_list};
use switchyard_sdk::prelude::*;

const PURPOSE: &str = "mask fields";

/// What a field becomes.
#[derive(Debug, Clone, PartialEq)]
enum Masked {
    Scalar(Scalar),
    EmptyList,
    EmptyMap,
}

/// The transform: which part, which fields, and the replacement.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MaskField {
    part: Part,
    fields: BTreeSet<String>,
    replacement: Option<String>,
    replace_null_with_default: bool,
}

impl MaskField {
    /// Reads the configuration (`MaskField.CONFIG_DEF`).
    pub fn from_config(part: Part, config: &Config) -> Result<Self, ConfigError> {
        let fields = non_empty_list(config, "fields")?.into_iter().collect();
        let replacement = config.optional_string("replacement");
        if replacement.as_deref() == Some("") {
            return Err(ConfigError::new("replacement", "String must be non-empty"));
        }
        Ok(MaskField {
            part,
            fields,
            replacement,
            replace_null_with_default: config.boolean_or("replace.null.with.default", true)?,
        })
    }

    /// `MaskField.masked` of a non-null scalar with its schema (`None` without one).
    fn mask_scalar(&self, info: Option<&SchemaInfo>, value: &Scalar) -> Result<Masked, Error> {
        let logical = info.and_then(|i| i.name.as_deref());
        let temporal = matches!(
            (logical, value),
            (Some(DATE | TIME), Scalar::Int32(_)) | (Some(TIMESTAMP), Scalar::Int64(_))
        );
        let decimal = matches!((logical, value), (Some(DECIMAL), Scalar::Bytes(_)));
        let class = if temporal {
            "java.util.Date"
        } else if decimal {
            "java.math.BigDecimal"
        } else {
            java::class_of_scalar(value).unwrap_or("null")
        };
        let mismatching = |scale: i32, value_scale: i32| {
            Error::bad_record(format!(
                "Decimal value has mismatching scale for given Decimal schema. Schema has scale \
                 {scale}, value has scale {value_scale}."
            ))
        };
        let Some(replacement) = &self.replacement else {
            return Ok(Masked::Scalar(match value {
                _ if decimal => match info.map_or(0, fields::decimal_scale) {
                    0 => Scalar::Bytes(vec![0]),
                    scale => return Err(mismatching(scale, 0)),
                },
                Scalar::Boolean(_) => Scalar::Boolean(false),
                Scalar::Int8(_) => Scalar::Int8(0),
                Scalar::Int16(_) => Scalar::Int16(0),
                Scalar::Int32(_) => Scalar::Int32(0),
                Scalar::Int64(_) => Scalar::Int64(0),
                Scalar::Float32(_) => Scalar::Float32(0.0),
                Scalar::Float64(_) => Scalar::Float64(0.0),
                Scalar::String(_) => Scalar::String(String::new()),
                _ => {
                    return Err(Error::bad_record(format!(
                        "Cannot mask value of type: class {class}"
                    )));
                }
            }));
        };
        let cannot = || {
            Error::bad_record(format!(
                "Cannot mask value of type class {class} with custom replacement."
            ))
        };
        if temporal {
            return Err(cannot());
        }
        // `Values.convertToXxx(null, replacement)`: the text read as a `BigDecimal`.
        let number = || {
            BigDecimal::parse(replacement).ok_or_else(|| {
                Error::bad_record(format!(
                    "Unable to convert {replacement} (class java.lang.String) to a number"
                ))
            })
        };
        Ok(Masked::Scalar(match value {
            _ if decimal => {
                let scale = info.map_or(0, fields::decimal_scale);
                let parsed = BigDecimal::parse(replacement).ok_or_else(|| {
                    Error::bad_record(format!(
                        "Unable to convert {replacement} (class java.lang.String) to number"
                    ))
                })?;
                // `Decimal.fromLogical` takes only a value of the schema's own scale.
                if parsed.scale != scale {
                    return Err(mismatching(scale, parsed.scale));
                }
                let bytes = parsed
                    .to_connect(scale)
                    .ok_or_else(|| mismatching(scale, parsed.scale))?;
                Scalar::Bytes(bytes)
            }
            Scalar::Int8(_) => Scalar::Int8(number()?.long_value() as i8),
            Scalar::Int16(_) => Scalar::Int16(number()?.long_value() as i16),
            Scalar::Int32(_) => Scalar::Int32(number()?.long_value() as i32),
            Scalar::Int64(_) => Scalar::Int64(number()?.long_value()),
            Scalar::Float32(_) => Scalar::Float32(number()?.double_value() as f32),
            Scalar::Float64(_) => Scalar::Float64(number()?.double_value()),
            Scalar::String(_) => Scalar::String(replacement.clone()),
            _ => return Err(cannot()),
        }))
    }

    /// `MaskField.masked` of a non-null array or map.
    fn mask_container(&self, array: bool) -> Result<Masked, Error> {
        if self.replacement.is_some() {
            let class = if array {
                "java.util.ArrayList"
            } else {
                "java.util.HashMap"
            };
            return Err(Error::bad_record(format!(
                "Cannot mask value of type class {class} with custom replacement."
            )));
        }
        Ok(if array {
            Masked::EmptyList
        } else {
            Masked::EmptyMap
        })
    }

    fn schemaless(&self, record: &mut Record) -> Result<Vec<(String, Masked)>, Error> {
        let mut containers = Vec::new();
        for field in &self.fields {
            let masked = match record.part(self.part).get(&[field]) {
                Ok(Scalar::Null) => continue,
                Ok(value) => self.mask_scalar(None, &value)?,
                Err(DataError::NoSuchField(_)) => Masked::Scalar(Scalar::Null),
                Err(DataError::WrongType(m)) => self.mask_container(m.contains("array"))?,
                Err(e) => return Err(e.into()),
            };
            match masked {
                Masked::Scalar(value) => record.part_mut(self.part).put(&[field], None, value)?,
                other => containers.push((field.clone(), other)),
            }
        }
        Ok(containers)
    }

    fn with_schema(&self, record: &mut Record) -> Result<Vec<(String, Masked)>, Error> {
        let names = record.part(self.part).field_names(&[])?;
        let mut containers = Vec::new();
        let mut masked_fields = Vec::new();
        for name in names.iter().filter(|n| self.fields.contains(*n)) {
            masked_fields.push(name.as_str());
            let view = record.part(self.part);
            let Some(info) = view.schema(&[name])? else {
                continue;
            };
            let masked = match info.type_ {
                SchemaType::Array | SchemaType::Map | SchemaType::Struct => {
                    let null = view.get(&[name]) == Ok(Scalar::Null);
                    let defaulted = self.replace_null_with_default && info.default_json.is_some();
                    if null && !defaulted {
                        continue;
                    }
                    match info.type_ {
                        SchemaType::Array => self.mask_container(true)?,
                        SchemaType::Map => self.mask_container(false)?,
                        _ => {
                            return Err(Error::bad_record(if self.replacement.is_some() {
                                "Cannot mask value of type class org.apache.kafka.connect.data.Struct with custom replacement."
                            } else {
                                "Cannot mask value of type: class org.apache.kafka.connect.data.Struct"
                            }));
                        }
                    }
                }
                _ => {
                    let value =
                        value_at(&view, &[name], Some(&info), self.replace_null_with_default)?;
                    if value == Scalar::Null {
                        continue;
                    }
                    self.mask_scalar(Some(&info), &value)?
                }
            };
            match masked {
                Masked::Scalar(value) => record.part_mut(self.part).set(&[name], value)?,
                other => containers.push((name.clone(), other)),
            }
        }
        if self.replace_null_with_default {
            apply_defaults(record, self.part, &masked_fields)?;
        }
        Ok(containers)
    }

    /// Empties the masked arrays and maps, through the part's JSON form.
    fn empty_containers(
        &self,
        record: &mut Record,
        containers: &[(String, Masked)],
    ) -> Result<(), Error> {
        let view = record.part(self.part);
        let mut data = json::read(&view)?;
        let hidden = if self.replace_null_with_default {
            Vec::new()
        } else {
            json::hidden_nulls(&view, &data)?
        };
        if let Value::Object(map) = &mut data.payload {
            for (name, masked) in containers {
                let empty = match masked {
                    Masked::EmptyList => Value::Array(Vec::new()),
                    _ => Value::Object(json::Map::new()),
                };
                map.insert(name.clone(), empty);
            }
        }
        json::write(record, self.part, &data)?;
        json::restore_nulls(record, self.part, &hidden)
    }
}

impl Transform for MaskField {
    fn configure(ctx: &Context) -> Result<Self, ConfigError> {
        MaskField::from_config(class_part(ctx, "MaskField")?, ctx.config())
    }

    fn apply(&self, mut record: Record) -> Result<Output, Error> {
        let top = Top::inspect(&record.part(self.part))?;
        top.require_container(PURPOSE)?;
        let containers = if top.has_schema() {
            self.with_schema(&mut record)?
        } else {
            self.schemaless(&mut record)?
        };
        if !containers.is_empty() {
            self.empty_containers(&mut record, &containers)?;
        }
        Ok(Output::One(record))
    }
}

switchyard_sdk::export_transform!(MaskField);

#[cfg(test)]
mod tests {
    use super::*;

    fn configure(entries: &[(&str, &str)]) -> Result<MaskField, ConfigError> {
        MaskField::from_config(Part::Value, &entries.iter().copied().collect())
    }

    fn mask(
        replacement: Option<&str>,
        info: Option<&SchemaInfo>,
        value: Scalar,
    ) -> Result<Masked, Error> {
        let mut entries = vec![("fields", "f")];
        if let Some(r) = replacement {
            entries.push(("replacement", r));
        }
        configure(&entries)
            .unwrap_or_else(|e| panic!("{e}"))
            .mask_scalar(info, &value)
    }

    #[test]
    fn config() {
        assert_eq!(configure(&[]), Err(ConfigError::missing("fields")));
        assert_eq!(
            configure(&[("fields", "")]),
            Err(ConfigError::new("fields", "Empty list"))
        );
        assert_eq!(
            configure(&[("fields", "a"), ("replacement", " ")]),
            Err(ConfigError::new("replacement", "String must be non-empty"))
        );
    }

    /// `MaskFieldTest.testSchemaless`.
    #[test]
    fn empty_values() {
        let m = |v| mask(None, None, v);
        assert_eq!(
            m(Scalar::Boolean(true)),
            Ok(Masked::Scalar(Scalar::Boolean(false)))
        );
        assert_eq!(m(Scalar::Int8(42)), Ok(Masked::Scalar(Scalar::Int8(0))));
        assert_eq!(
            m(Scalar::Float32(42.0)),
            Ok(Masked::Scalar(Scalar::Float32(0.0)))
        );
        assert_eq!(
            m(Scalar::String("55.121.20.20".into())),
            Ok(Masked::Scalar(Scalar::String(String::new())))
        );
        assert_eq!(
            m(Scalar::Bytes(vec![1])),
            Err(Error::bad_record("Cannot mask value of type: class [B"))
        );
        let date = fields::logical(DATE, false);
        assert_eq!(
            mask(None, Some(&date), Scalar::Int32(5)),
            Ok(Masked::Scalar(Scalar::Int32(0)))
        );
    }

    /// `MaskFieldTest.testSchemalessWithReplacement`, `testSchemalessUnsupportedReplacementType`,
    /// `testReplacementTypeMismatch`.
    #[test]
    fn replacements() {
        let m = |v| mask(Some("123"), None, v);
        assert_eq!(m(Scalar::Int16(1)), Ok(Masked::Scalar(Scalar::Int16(123))));
        assert_eq!(m(Scalar::Int8(1)), Ok(Masked::Scalar(Scalar::Int8(123))));
        assert_eq!(m(Scalar::Int64(1)), Ok(Masked::Scalar(Scalar::Int64(123))));
        assert_eq!(
            m(Scalar::Float32(1.0)),
            Ok(Masked::Scalar(Scalar::Float32(123.0)))
        );
        assert_eq!(
            m(Scalar::Float64(1.0)),
            Ok(Masked::Scalar(Scalar::Float64(123.0)))
        );
        assert_eq!(
            m(Scalar::String("x".into())),
            Ok(Masked::Scalar(Scalar::String("123".into())))
        );
        assert_eq!(
            m(Scalar::Boolean(true)),
            Err(Error::bad_record(
                "Cannot mask value of type class java.lang.Boolean with custom replacement."
            ))
        );
        let date = fields::logical(TIMESTAMP, false);
        assert_eq!(
            mask(Some("123"), Some(&date), Scalar::Int64(1)),
            Err(Error::bad_record(
                "Cannot mask value of type class java.util.Date with custom replacement."
            ))
        );
        assert_eq!(
            mask(Some("foo"), None, Scalar::Int32(1)),
            Err(Error::bad_record(
                "Unable to convert foo (class java.lang.String) to a number"
            ))
        );
        let decimal = SchemaInfo {
            name: Some(DECIMAL.into()),
            parameters: vec![("scale".into(), "1".into())],
            ..fields::plain(SchemaType::Bytes, false)
        };
        assert_eq!(
            mask(Some("123.0"), Some(&decimal), Scalar::Bytes(vec![1])),
            Ok(Masked::Scalar(Scalar::Bytes(vec![0x04, 0xCE])))
        );
        // Another scale, or BigDecimal.ZERO at a scale other than 0: Kafka refuses the value.
        assert_eq!(
            mask(Some("123"), Some(&decimal), Scalar::Bytes(vec![1])),
            Err(Error::bad_record(
                "Decimal value has mismatching scale for given Decimal schema. Schema has scale 1, value has scale 0."
            ))
        );
        assert_eq!(
            mask(None, Some(&decimal), Scalar::Bytes(vec![1])),
            Err(Error::bad_record(
                "Decimal value has mismatching scale for given Decimal schema. Schema has scale 1, value has scale 0."
            ))
        );
    }
}
