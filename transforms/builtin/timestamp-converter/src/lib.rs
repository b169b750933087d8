//! `org.apache.kafka.connect.transforms.TimestampConverter$Key` and `TimestampConverter$Value`
//! as a Switchyard transform: converts a timestamp field, or the whole key or value, between
//! Unix time, formatted strings and Connect's `Date`, `Time` and `Timestamp`.
//!
//! | key | type | default |
//! |---|---|---|
//! | `field` | STRING | `""` — empty: the whole key or value |
//! | `target.type` | `string`, `unix`, `Date`, `Time`, `Timestamp` | required |
//! | `format` | STRING, a `SimpleDateFormat` pattern (UTC) | `""` — required for `string` targets and string inputs |
//! | `unix.precision` | `seconds`, `milliseconds`, `microseconds`, `nanoseconds` | `milliseconds` |
//! | `replace.null.with.default` | BOOLEAN | `true` — a null field with a default is read as the default |
//!
//! The input type comes from the schema (`Timestamp`, `Date`, `Time` by name, else STRING is a
//! formatted string and INT64 Unix time, anything else a bad record) or, without a schema, from
//! the value (a long is Unix time, a string is formatted). Every conversion goes through
//! milliseconds since the epoch, as Kafka's goes through `java.util.Date`: `unix.precision`
//! scales Unix input and output (sub-millisecond digits are dropped), `Date` keeps the UTC day,
//! `Time` the time of day on 1970-01-01.
//!
//! As in Kafka: with a schema the converted field keeps its optionality but not its default,
//! and a null struct keeps its new schema; without a schema a null passes unchanged and a
//! missing field is added as null. Scalars are converted in place by the host (`put`); a null
//! struct, or a struct schema with a default, goes through the part's JSON form.
//!
//! The `format` pattern letters are those of `connect_util::date`; a pattern Java rejects is a
//! configuration error naming `format`. The week-based letters `Y`, `w`, `W` are written and
//! read as a JVM with the default en_US locale writes and reads them (a string timestamp read
//! through them resolves to the date `GregorianCalendar` resolves).
//!
//! Deviation: without a schema, Kafka holds a `Date`, `Time` or `Timestamp` result as a
//! `java.util.Date`, which its `JsonConverter` cannot write; Switchyard writes its
//! milliseconds since the epoch.

use connect_util::date::{DateFormat, MILLIS_PER_DAY};
use connect_util::fields::{self, DATE, TIME, TIMESTAMP, apply_defaults, value_at};
use connect_util::java;
use connect_util::json::{self, Value};
use connect_util::shape::{Kind, Top, class_part};
use switchyard_sdk::prelude::*;

const PURPOSE: &str = "converting timestamp formats";

/// A timestamp representation (`TimestampConverter`'s translators).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Type {
    /// A string in `format`.
    String,
    /// A long: time since the epoch in `unix.precision`.
    Unix,
    /// Connect `Date`: days since the epoch.
    Date,
    /// Connect `Time`: milliseconds since midnight.
    Time,
    /// Connect `Timestamp`: milliseconds since the epoch.
    Timestamp,
}

/// The unit of Unix time.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Precision {
    /// Seconds.
    Seconds,
    /// Milliseconds.
    Milliseconds,
    /// Microseconds.
    Microseconds,
    /// Nanoseconds.
    Nanoseconds,
}

/// The transform's configuration.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TimestampConverter {
    part: Part,
    field: String,
    target: Type,
    format: Option<DateFormat>,
    precision: Precision,
    replace_null_with_default: bool,
}

impl Type {
    /// The schema of the type (`typeSchema(isOptional)`).
    fn schema(self, optional: bool) -> SchemaInfo {
        match self {
            Type::String => fields::plain(SchemaType::String, optional),
            Type::Unix => fields::plain(SchemaType::Int64, optional),
            Type::Date => fields::logical(DATE, optional),
            Type::Time => fields::logical(TIME, optional),
            Type::Timestamp => fields::logical(TIMESTAMP, optional),
        }
    }

    /// `timestampTypeFromSchema`.
    fn from_schema(info: &SchemaInfo) -> Result<Type, Error> {
        Ok(match (info.name.as_deref(), info.type_) {
            (Some(TIMESTAMP), _) => Type::Timestamp,
            (Some(DATE), _) => Type::Date,
            (Some(TIME), _) => Type::Time,
            (_, SchemaType::String) => Type::String,
            (_, SchemaType::Int64) => Type::Unix,
            _ => {
                return Err(Error::bad_record(format!(
                    "Schema {} does not correspond to a known timestamp type format",
                    java::schema_to_string(info)
                )));
            }
        })
    }
}

impl TimestampConverter {
    /// Reads the configuration (`TimestampConverter.CONFIG_DEF` and `configure`).
    pub fn from_config(part: Part, config: &Config) -> Result<Self, ConfigError> {
        let field = config.string_or("field", "");
        let target = match config.string("target.type")?.as_str() {
            "string" => Type::String,
            "unix" => Type::Unix,
            "Date" => Type::Date,
            "Time" => Type::Time,
            "Timestamp" => Type::Timestamp,
            _ => {
                return Err(ConfigError::new(
                    "target.type",
                    "String must be one of: string, unix, Date, Time, Timestamp",
                ));
            }
        };
        let pattern = config.string_or("format", "");
        let precision = match config.string_or("unix.precision", "milliseconds").as_str() {
            "seconds" => Precision::Seconds,
            "milliseconds" => Precision::Milliseconds,
            "microseconds" => Precision::Microseconds,
            "nanoseconds" => Precision::Nanoseconds,
            _ => {
                return Err(ConfigError::new(
                    "unix.precision",
                    "String must be one of: nanoseconds, microseconds, milliseconds, seconds",
                ));
            }
        };
        let replace_null_with_default = config.boolean_or("replace.null.with.default", true)?;
        if target == Type::String && pattern.is_empty() {
            return Err(ConfigError::new(
                "format",
                "TimestampConverter requires format option to be specified when using string \
                 timestamps",
            ));
        }
        let format = if pattern.is_empty() {
            None
        } else {
            Some(DateFormat::new(&pattern).map_err(|_| {
                ConfigError::new(
                    "format",
                    format!(
                        "TimestampConverter requires a SimpleDateFormat-compatible pattern for \
                         string timestamps: {pattern}"
                    ),
                )
            })?)
        };
        Ok(TimestampConverter {
            part,
            field,
            target,
            format,
            precision,
            replace_null_with_default,
        })
    }

    /// A timestamp of type `from` to milliseconds since the epoch (`toRaw`); `None` for null.
    pub fn to_millis(&self, from: Type, value: &Scalar) -> Result<Option<i64>, Error> {
        let class = || java::class_of_scalar(value).unwrap_or("null");
        Ok(Some(match (from, value) {
            (_, Scalar::Null) => return Ok(None),
            (Type::String, Scalar::String(text)) => {
                let Some(format) = &self.format else {
                    return Err(Error::bad_record(
                        "TimestampConverter requires format option to be specified when using \
                         string timestamps",
                    ));
                };
                format.parse(text).ok_or_else(|| {
                    Error::bad_record(format!(
                        "Could not parse timestamp: value ({text}) does not match pattern ({})",
                        format.pattern()
                    ))
                })?
            }
            (Type::String, _) => {
                return Err(Error::bad_record(format!(
                    "Expected string timestamp to be a String, but found class {}",
                    class()
                )));
            }
            (Type::Unix, Scalar::Int64(v)) => match self.precision {
                Precision::Seconds => v.saturating_mul(1000),
                Precision::Milliseconds => *v,
                Precision::Microseconds => v / 1000,
                Precision::Nanoseconds => v / 1_000_000,
            },
            (Type::Unix, _) => {
                return Err(Error::bad_record(format!(
                    "Expected Unix timestamp to be a Long, but found class {}",
                    class()
                )));
            }
            (Type::Date, Scalar::Int32(days)) => i64::from(*days) * MILLIS_PER_DAY,
            (Type::Time, Scalar::Int32(millis)) => i64::from(*millis),
            (Type::Timestamp, Scalar::Int64(millis)) => *millis,
            (kind, _) => {
                return Err(Error::bad_record(format!(
                    "Expected {kind:?} to be a java.util.Date, but found class {}",
                    class()
                )));
            }
        }))
    }

    /// Milliseconds since the epoch to the target type (`toType`); `schemaless` gives the
    /// temporal types as milliseconds.
    pub fn from_millis(&self, millis: i64, schemaless: bool) -> Scalar {
        let day = millis.div_euclid(MILLIS_PER_DAY);
        let in_day = millis.rem_euclid(MILLIS_PER_DAY);
        match self.target {
            Type::String => Scalar::String(
                self.format
                    .as_ref()
                    .map_or_else(String::new, |f| f.format(millis)),
            ),
            Type::Unix => Scalar::Int64(match self.precision {
                Precision::Seconds => millis / 1000,
                Precision::Milliseconds => millis,
                Precision::Microseconds => millis.saturating_mul(1000),
                Precision::Nanoseconds => millis.saturating_mul(1_000_000),
            }),
            Type::Date if schemaless => Scalar::Int64(day * MILLIS_PER_DAY),
            Type::Date => Scalar::Int32(day as i32),
            Type::Time if schemaless => Scalar::Int64(in_day),
            Type::Time => Scalar::Int32(in_day as i32),
            Type::Timestamp => Scalar::Int64(millis),
        }
    }

    /// `convertTimestamp`: null stays null.
    fn convert(&self, from: Type, value: &Scalar, schemaless: bool) -> Result<Scalar, Error> {
        Ok(match self.to_millis(from, value)? {
            Some(millis) => self.from_millis(millis, schemaless),
            None => Scalar::Null,
        })
    }

    /// `inferTimestampType`, for schemaless data.
    fn infer(value: &Scalar) -> Result<Type, Error> {
        match value {
            Scalar::Int64(_) => Ok(Type::Unix),
            Scalar::String(_) => Ok(Type::String),
            other => Err(Error::bad_record(format!(
                "TimestampConverter does not support class {} objects as timestamps",
                java::class_of_scalar(other).unwrap_or("null")
            ))),
        }
    }

    fn not_a_timestamp(kind: Kind) -> Error {
        let class = if kind == Kind::Array {
            "java.util.ArrayList"
        } else {
            "java.util.HashMap"
        };
        Error::bad_record(format!(
            "TimestampConverter does not support class {class} objects as timestamps"
        ))
    }

    /// A `java.util.Date` in schemaless data: Kafka's transform puts one there, and the
    /// JsonConverter then cannot write it (`JsonConverter.convertToJson` finds no schema type
    /// for the class). Switchyard fails the record here, with Kafka's message; the stage is
    /// the transformation, where Kafka names the value converter.
    fn schemaless_date(&self, converted: &Scalar) -> Result<(), Error> {
        match (self.target, converted) {
            (_, Scalar::Null) | (Type::String | Type::Unix, _) => Ok(()),
            _ => Err(Error::bad_record(
                "Java class class java.util.Date does not have corresponding schema type.",
            )),
        }
    }

    fn schemaless(&self, record: &mut Record, top: &Top) -> Result<(), Error> {
        if top.kind == Kind::Null {
            return Ok(());
        }
        if self.field.is_empty() {
            let Some(value) = &top.scalar else {
                return Err(Self::not_a_timestamp(top.kind));
            };
            let converted = self.convert(Self::infer(value)?, value, true)?;
            self.schemaless_date(&converted)?;
            record.part_mut(self.part).put(&[], None, converted)?;
            return Ok(());
        }
        top.require_map(PURPOSE)?;
        let path = [self.field.as_str()];
        let converted = match record.part(self.part).get(&path) {
            Ok(Scalar::Null) | Err(DataError::NoSuchField(_)) => Scalar::Null,
            Ok(value) => self.convert(Self::infer(&value)?, &value, true)?,
            Err(DataError::WrongType(m)) => {
                let kind = if m.contains("array") {
                    Kind::Array
                } else {
                    Kind::Map
                };
                return Err(Self::not_a_timestamp(kind));
            }
            Err(e) => return Err(e.into()),
        };
        self.schemaless_date(&converted)?;
        record.part_mut(self.part).put(&path, None, converted)?;
        Ok(())
    }

    fn with_schema(
        &self,
        record: &mut Record,
        top: &Top,
        schema: &SchemaInfo,
    ) -> Result<(), Error> {
        if self.field.is_empty() {
            let from = Type::from_schema(schema)?;
            let value = top.scalar.clone().unwrap_or(Scalar::Null);
            if top.kind != Kind::Null && top.kind != Kind::Scalar {
                return Err(Error::bad_record(format!(
                    "Expected {from:?} to be a scalar, but found class {}",
                    top.class_name()
                )));
            }
            let converted = self.convert(from, &value, false)?;
            let target = self.target.schema(schema.optional);
            record
                .part_mut(self.part)
                .put(&[], Some(&target), converted)?;
            return Ok(());
        }
        if top.kind == Kind::Null || schema.default_json.is_some() {
            if top.kind != Kind::Null {
                top.require_struct(PURPOSE)?;
            }
            return self.with_schema_json(record);
        }
        top.require_struct(PURPOSE)?;
        let path = [self.field.as_str()];
        let view = record.part(self.part);
        if view.field_names(&[])?.contains(&self.field) {
            let Some(info) = view.schema(&path)? else {
                return Ok(());
            };
            let from = Type::from_schema(&info)?;
            let value = value_at(&view, &path, Some(&info), self.replace_null_with_default)?;
            let converted = self.convert(from, &value, false)?;
            let target = self.target.schema(info.optional);
            record
                .part_mut(self.part)
                .put(&path, Some(&target), converted)?;
        }
        if self.replace_null_with_default {
            apply_defaults(record, self.part, &path)?;
        }
        Ok(())
    }

    /// Field conversion on the JSON form: a null struct (the schema changes, the value stays
    /// null), or a struct schema with a default (the default is converted too).
    fn with_schema_json(&self, record: &mut Record) -> Result<(), Error> {
        let view = record.part(self.part);
        let mut data = json::read(&view)?;
        let hidden: Vec<Vec<String>> = json::hidden_nulls(&view, &data)?
            .into_iter()
            .filter(|path| path.len() > 1 || !self.replace_null_with_default)
            .collect();
        let Some(Value::Object(schema)) = &mut data.schema else {
            return Ok(());
        };
        let Some(Value::Array(schema_fields)) = schema.get_mut("fields") else {
            return Err(Error::bad_record("Cannot list fields on non-struct type"));
        };
        let Some(entry) = schema_fields
            .iter_mut()
            .find(|f| json::field_name(f) == self.field)
        else {
            json::write(record, self.part, &data)?;
            return json::restore_nulls(record, self.part, &hidden);
        };
        let info = SchemaInfo {
            name: json::name_of(entry).map(str::to_owned),
            ..fields::plain(json::type_of(entry).unwrap_or(SchemaType::Struct), false)
        };
        let from = Type::from_schema(&info)?;
        let target = self.target.schema(json::is_optional(entry));
        *entry = json::field_entry(&json::schema_of(&target), &self.field);
        let field_is_hidden = hidden.iter().any(|p| p.len() == 1 && p[0] == self.field);
        let convert = |value: &mut Value| -> Result<(), Error> {
            let Some(fields) = value.as_object_mut() else {
                return Ok(());
            };
            let Some(old) = fields.get(&self.field) else {
                return Ok(());
            };
            let scalar = json::scalar_from_json(info.type_, old).unwrap_or(Scalar::Null);
            let converted = self.convert(from, &scalar, false)?;
            fields.insert(self.field.clone(), json::scalar_to_json(&converted));
            Ok(())
        };
        if let Some(default) = schema.get_mut("default") {
            convert(default)?;
        }
        if field_is_hidden {
            if let Some(fields) = data.payload.as_object_mut() {
                fields.insert(self.field.clone(), Value::Null);
            }
        } else {
            convert(&mut data.payload)?;
        }
        json::write(record, self.part, &data)?;
        let rest: Vec<Vec<String>> = hidden.into_iter().filter(|p| p[0] != self.field).collect();
        json::restore_nulls(record, self.part, &rest)
    }
}

impl Transform for TimestampConverter {
    fn configure(ctx: &Context) -> Result<Self, ConfigError> {
        TimestampConverter::from_config(class_part(ctx, "TimestampConverter")?, ctx.config())
    }

    fn apply(&self, mut record: Record) -> Result<Output, Error> {
        let top = Top::inspect(&record.part(self.part))?;
        match &top.schema {
            Some(schema) => self.with_schema(&mut record, &top, schema)?,
            None => self.schemaless(&mut record, &top)?,
        }
        Ok(Output::One(record))
    }
}

switchyard_sdk::export_transform!(TimestampConverter);

#[cfg(test)]
mod tests {
    use super::*;

    /// 1970-01-02T00:00:01.234Z (`TimestampConverterTest.DATE_PLUS_TIME`).
    const DATE_PLUS_TIME: i64 = 86_401_234;
    const FORMAT: &str = "yyyy MM dd HH mm ss SSS z";
    const DATE_PLUS_TIME_STRING: &str = "1970 01 02 00 00 01 234 UTC";

    fn configure(entries: &[(&str, &str)]) -> Result<TimestampConverter, ConfigError> {
        TimestampConverter::from_config(Part::Value, &entries.iter().copied().collect())
    }

    fn converter(entries: &[(&str, &str)]) -> TimestampConverter {
        configure(entries).unwrap_or_else(|e| panic!("{e}"))
    }

    /// `TimestampConverterTest.testConfig*`.
    #[test]
    fn config_errors() {
        assert_eq!(configure(&[]), Err(ConfigError::missing("target.type")));
        assert_eq!(
            configure(&[("target.type", "invalid")]),
            Err(ConfigError::new(
                "target.type",
                "String must be one of: string, unix, Date, Time, Timestamp"
            ))
        );
        assert_eq!(
            configure(&[("target.type", "string")]).map_err(|e| e.key),
            Err("format".into())
        );
        assert_eq!(
            configure(&[("target.type", "string"), ("format", "bad-pattern")]),
            Err(ConfigError::new(
                "format",
                "TimestampConverter requires a SimpleDateFormat-compatible pattern for string \
                 timestamps: bad-pattern"
            ))
        );
        // Week-based letters are Java's too.
        assert!(configure(&[("target.type", "string"), ("format", "YYYY-ww")]).is_ok());
        assert_eq!(
            configure(&[("target.type", "unix"), ("unix.precision", "minutes")]).map_err(|e| e.key),
            Err("unix.precision".into())
        );
    }

    /// `TimestampConverterTest.testSchemaless*` (whole value, in milliseconds).
    #[test]
    fn conversions() {
        let to = |target: &str| converter(&[("target.type", target), ("format", FORMAT)]);
        let ts = Scalar::Int64(DATE_PLUS_TIME);
        assert_eq!(
            to("Timestamp").convert(Type::Timestamp, &ts, false),
            Ok(ts.clone())
        );
        assert_eq!(
            to("Date").convert(Type::Timestamp, &ts, false),
            Ok(Scalar::Int32(1))
        );
        assert_eq!(
            to("Time").convert(Type::Timestamp, &ts, false),
            Ok(Scalar::Int32(1234))
        );
        assert_eq!(
            to("unix").convert(Type::Timestamp, &ts, false),
            Ok(Scalar::Int64(DATE_PLUS_TIME))
        );
        assert_eq!(
            to("string").convert(Type::Timestamp, &ts, false),
            Ok(Scalar::String(DATE_PLUS_TIME_STRING.into()))
        );
        assert_eq!(
            to("Timestamp").convert(
                Type::String,
                &Scalar::String(DATE_PLUS_TIME_STRING.into()),
                false
            ),
            Ok(ts.clone())
        );
        assert_eq!(
            to("Timestamp").convert(Type::Unix, &Scalar::Int64(DATE_PLUS_TIME), true),
            Ok(ts.clone())
        );
        assert_eq!(
            to("Timestamp").convert(Type::String, &Scalar::String("nope".into()), false),
            Err(Error::bad_record(format!(
                "Could not parse timestamp: value (nope) does not match pattern ({FORMAT})"
            )))
        );
        assert_eq!(
            to("Date").convert(Type::Unix, &Scalar::Null, false),
            Ok(Scalar::Null)
        );
    }

    /// `TimestampConverterTest.testWithSchemaFieldConversion_Micros` / `_Nanos` / `_Seconds`
    /// and `testSchemalessStringToUnix_*`.
    #[test]
    fn precisions() {
        let with = |target: &str, precision: &str| {
            converter(&[
                ("target.type", target),
                ("unix.precision", precision),
                ("format", FORMAT),
            ])
        };
        for (precision, unix) in [
            ("microseconds", 86_401_234_123),
            ("nanoseconds", 86_401_234_123_456),
        ] {
            assert_eq!(
                with("Timestamp", precision).convert(Type::Unix, &Scalar::Int64(unix), false),
                Ok(Scalar::Int64(DATE_PLUS_TIME))
            );
        }
        assert_eq!(
            with("Timestamp", "seconds").convert(Type::Unix, &Scalar::Int64(86_401), false),
            Ok(Scalar::Int64(86_401_000))
        );
        let string = Scalar::String(DATE_PLUS_TIME_STRING.into());
        for (precision, unix) in [
            ("microseconds", 86_401_234_000),
            ("nanoseconds", 86_401_234_000_000),
            ("seconds", 86_401),
        ] {
            assert_eq!(
                with("unix", precision).convert(Type::String, &string, true),
                Ok(Scalar::Int64(unix))
            );
        }
    }

    #[test]
    fn schema_types() {
        let info = |name: Option<&str>, kind| SchemaInfo {
            name: name.map(str::to_owned),
            ..fields::plain(kind, false)
        };
        assert_eq!(
            Type::from_schema(&info(Some(DATE), SchemaType::Int32)),
            Ok(Type::Date)
        );
        assert_eq!(
            Type::from_schema(&info(None, SchemaType::Int64)),
            Ok(Type::Unix)
        );
        assert_eq!(
            Type::from_schema(&info(None, SchemaType::Int32)),
            Err(Error::bad_record(
                "Schema Schema{INT32} does not correspond to a known timestamp type format"
            ))
        );
    }
}
