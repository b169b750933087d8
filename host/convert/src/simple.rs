//! Kafka's simple converters: `org.apache.kafka.connect.storage.StringConverter` and
//! `org.apache.kafka.connect.converters.ByteArrayConverter`.
//!
//! As in Kafka, null bytes decode to a null value *with* the converter's optional schema
//! (`OPTIONAL_STRING_SCHEMA` / `OPTIONAL_BYTES_SCHEMA`), not to [`ConnectData::NULL`]; a null
//! value encodes to null bytes whatever its schema.

use std::sync::{Arc, LazyLock};

use super::json::{
    DECIMAL_LOGICAL_NAME, decimal_to_string, java_double_to_string, java_float_to_string,
};
use super::{ConvertError, ConverterConfigError};
use switchyard_data::{CompactString, ConnectData, Schema, SchemaType, Value};

/// `Schema.OPTIONAL_STRING_SCHEMA`, shared by every record a [`StringConverter`] decodes.
static OPTIONAL_STRING: LazyLock<Arc<Schema>> =
    LazyLock::new(|| Arc::new(Schema::new(SchemaType::String).optional()));

/// `Schema.OPTIONAL_BYTES_SCHEMA`, shared by every record [`byte_array_to_connect`] decodes.
static OPTIONAL_BYTES: LazyLock<Arc<Schema>> =
    LazyLock::new(|| Arc::new(Schema::new(SchemaType::Bytes).optional()));

/// `org.apache.kafka.connect.storage.StringConverter`: UTF-8 text ⇔ an optional STRING.
///
/// Encoding writes the value's Java `toString()` (see [`java_to_string`]), whatever its schema.
/// Decoding differs from Kafka in one way: bytes that are not valid UTF-8 are an error, where
/// Java's decoder would replace them with U+FFFD.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct StringConverter {
    _private: (),
}

impl StringConverter {
    /// Configures the converter (`StringConverterConfig`): `converter.encoding` must name UTF-8
    /// (`UTF-8`, `UTF8`, in any case; the default); other keys are ignored.
    pub fn configure(settings: &[(String, String)]) -> Result<Self, ConverterConfigError> {
        for (key, value) in settings {
            if key == "converter.encoding" {
                let encoding = value.trim();
                if !(encoding.eq_ignore_ascii_case("UTF-8")
                    || encoding.eq_ignore_ascii_case("UTF8"))
                {
                    return Err(ConverterConfigError {
                        key: key.clone(),
                        message: format!(
                            "unsupported encoding {encoding:?}: Switchyard's StringConverter supports only UTF-8"
                        ),
                    });
                }
            }
        }
        Ok(StringConverter { _private: () })
    }

    /// Decodes UTF-8 text into an optional STRING (`toConnectData`); null bytes give a null
    /// value with the optional STRING schema, as in Kafka.
    pub fn to_connect(
        &self,
        _topic: &str,
        bytes: Option<&[u8]>,
    ) -> Result<ConnectData, ConvertError> {
        let value = match bytes {
            None => Value::Null,
            Some(bytes) => Value::String(CompactString::from_utf8(bytes).map_err(|e| {
                ConvertError::new(format!(
                    "Failed to deserialize string: invalid UTF-8 at byte {}",
                    e.valid_up_to()
                ))
            })?),
        };
        Ok(ConnectData {
            schema: Some(OPTIONAL_STRING.clone()),
            value,
        })
    }

    /// Encodes the value's Java `toString()` as UTF-8 (`fromConnectData`); a null value gives
    /// null bytes.
    pub fn from_connect(
        &self,
        _topic: &str,
        data: &ConnectData,
    ) -> Result<Option<Vec<u8>>, ConvertError> {
        if data.value.is_null() {
            return Ok(None);
        }
        java_to_string(data.schema.as_deref(), &data.value)
            .map(|s| Some(s.into_bytes()))
            .map_err(|e| {
                ConvertError::new(format!("Failed to serialize to a string: {}", e.message()))
            })
    }
}

/// The text Java's `toString()` gives for the Connect value (what `StringConverter` writes):
/// numbers as `Integer.toString`, `Double.toString` (`1.0E10`), …; strings as themselves;
/// a `Decimal` as `BigDecimal.toString()`; `Date`, `Time` and `Timestamp` as
/// `java.util.Date.toString()` in UTC (`Mon Jan 15 10:30:00 UTC 2024`; Java uses the JVM's
/// time zone); a struct as `Struct{a=1,b=x}` (null fields left out); an array as `[1, 2]`; a
/// map as `{k=v, k2=v2}` in its order; null inside containers as `null`.
///
/// BYTES is an error: Java prints an identity hash (`[B@1b6d3586`) that no one can use.
pub fn java_to_string(schema: Option<&Schema>, value: &Value) -> Result<String, ConvertError> {
    let mut out = String::new();
    write_java(&mut out, schema, value)?;
    Ok(out)
}

fn write_java(
    out: &mut String,
    schema: Option<&Schema>,
    value: &Value,
) -> Result<(), ConvertError> {
    let name = schema.and_then(|s| s.name.as_deref());
    match value {
        Value::Null => out.push_str("null"),
        Value::Boolean(b) => out.push_str(if *b { "true" } else { "false" }),
        Value::Int8(i) => out.push_str(&i.to_string()),
        Value::Int16(i) => out.push_str(&i.to_string()),
        Value::Int32(i) => match name {
            Some("org.apache.kafka.connect.data.Date") => {
                out.push_str(&java_date(i64::from(*i) * 86_400_000))
            }
            Some("org.apache.kafka.connect.data.Time") => out.push_str(&java_date(i64::from(*i))),
            _ => out.push_str(&i.to_string()),
        },
        Value::Int64(i) => match name {
            Some("org.apache.kafka.connect.data.Timestamp") => out.push_str(&java_date(*i)),
            _ => out.push_str(&i.to_string()),
        },
        Value::Float32(f) => out.push_str(&java_float_to_string(*f)),
        Value::Float64(f) => out.push_str(&java_double_to_string(*f)),
        Value::String(s) => out.push_str(s),
        Value::Bytes(b) if name == Some(DECIMAL_LOGICAL_NAME) => {
            let scale = schema
                .and_then(|s| s.parameter("scale"))
                .and_then(|s| s.parse().ok())
                .ok_or_else(|| {
                    ConvertError::new("Invalid Decimal schema: scale parameter not found.".into())
                })?;
            out.push_str(&decimal_to_string(b, scale));
        }
        Value::Bytes(_) => {
            return Err(ConvertError::new(
                "cannot write BYTES as text (Java's toString() would print an identity hash like [B@1b6d3586); use the ByteArrayConverter"
                    .into(),
            ));
        }
        Value::Array(items) => {
            let element = schema.and_then(|s| s.value_schema.as_deref());
            out.push('[');
            for (i, item) in items.iter().enumerate() {
                if i > 0 {
                    out.push_str(", ");
                }
                write_java(out, element, item)?;
            }
            out.push(']');
        }
        Value::Map(entries) => {
            let (keys, values) = match schema {
                Some(s) => (s.key_schema.as_deref(), s.value_schema.as_deref()),
                None => (None, None),
            };
            out.push('{');
            for (i, (k, v)) in entries.iter().enumerate() {
                if i > 0 {
                    out.push_str(", ");
                }
                write_java(out, keys, k)?;
                out.push('=');
                write_java(out, values, v)?;
            }
            out.push('}');
        }
        Value::Struct(values) => {
            let fields = schema.map(|s| s.fields.as_slice()).unwrap_or_default();
            out.push_str("Struct{");
            let mut first = true;
            for (i, v) in values.iter().enumerate() {
                if v.is_null() {
                    continue;
                }
                if !first {
                    out.push(',');
                }
                first = false;
                let field = fields.get(i);
                out.push_str(field.map_or("?", |f| f.name.as_str()));
                out.push('=');
                write_java(out, field.map(|f| &*f.schema), v)?;
            }
            out.push('}');
        }
    }
    Ok(())
}

/// `java.util.Date.toString()` in UTC: `EEE MMM dd HH:mm:ss zzz yyyy` (proleptic Gregorian).
fn java_date(epoch_ms: i64) -> String {
    const DAYS: [&str; 7] = ["Thu", "Fri", "Sat", "Sun", "Mon", "Tue", "Wed"];
    const MONTHS: [&str; 12] = [
        "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
    ];
    let days = epoch_ms.div_euclid(86_400_000);
    let ms = epoch_ms.rem_euclid(86_400_000);
    let (h, m, s) = (ms / 3_600_000, ms / 60_000 % 60, ms / 1000 % 60);
    let (year, month, day) = switchyard_data::calendar::civil_from_days(days);
    format!(
        "{} {} {day:02} {h:02}:{m:02}:{s:02} UTC {year}",
        DAYS[days.rem_euclid(7) as usize],
        MONTHS[(month - 1) as usize]
    )
}

/// `ByteArrayConverter.toConnectData`: the bytes as an optional BYTES value; null bytes give a
/// null value with the optional BYTES schema, as in Kafka.
pub fn byte_array_to_connect(bytes: Option<&[u8]>) -> Result<ConnectData, ConvertError> {
    Ok(ConnectData {
        schema: Some(OPTIONAL_BYTES.clone()),
        value: bytes.map_or(Value::Null, |b| Value::Bytes(b.to_vec())),
    })
}

/// `ByteArrayConverter.fromConnectData`: the bytes of a BYTES value; a schema of another type
/// or a value that is not bytes is an error with Kafka's message.
pub fn byte_array_from_connect(data: &ConnectData) -> Result<Option<Vec<u8>>, ConvertError> {
    if let Some(schema) = &data.schema
        && schema.kind != SchemaType::Bytes
    {
        return Err(ConvertError::new(format!(
            "Invalid schema type for ByteArrayConverter: {}",
            schema.kind.upper_name()
        )));
    }
    match &data.value {
        Value::Null => Ok(None),
        Value::Bytes(b) => Ok(Some(b.clone())),
        other => Err(ConvertError::new(format!(
            "ByteArrayConverter is not compatible with objects of type {}",
            java_class_name(other)
        ))),
    }
}

fn java_class_name(value: &Value) -> &'static str {
    match value {
        Value::Null | Value::Bytes(_) => "class [B",
        Value::Boolean(_) => "class java.lang.Boolean",
        Value::Int8(_) => "class java.lang.Byte",
        Value::Int16(_) => "class java.lang.Short",
        Value::Int32(_) => "class java.lang.Integer",
        Value::Int64(_) => "class java.lang.Long",
        Value::Float32(_) => "class java.lang.Float",
        Value::Float64(_) => "class java.lang.Double",
        Value::String(_) => "class java.lang.String",
        Value::Array(_) => "class java.util.ArrayList",
        Value::Map(_) => "class java.util.HashMap",
        Value::Struct(_) => "class org.apache.kafka.connect.data.Struct",
    }
}

#[cfg(test)]
mod tests {
    use super::super::json::parse_bool;
    use super::*;

    fn settings(pairs: &[(&str, &str)]) -> Vec<(String, String)> {
        pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect()
    }

    #[test]
    fn string_converter_round_trips_text_and_null() {
        let c = StringConverter::configure(&[]).unwrap();
        let data = c.to_connect("t", Some("héllo".as_bytes())).unwrap();
        assert_eq!(data.value, Value::String("héllo".into()));
        assert_eq!(
            data.schema.as_deref(),
            Some(&Schema::new(SchemaType::String).optional())
        );
        assert_eq!(
            c.from_connect("t", &data).unwrap().unwrap(),
            "héllo".as_bytes()
        );

        let null = c.to_connect("t", None).unwrap();
        assert_eq!(null.value, Value::Null);
        assert!(
            null.schema.is_some(),
            "Kafka keeps OPTIONAL_STRING_SCHEMA for null"
        );
        assert_eq!(c.from_connect("t", &null).unwrap(), None);
        assert_eq!(c.from_connect("t", &ConnectData::NULL).unwrap(), None);
    }

    #[test]
    fn string_converter_rejects_invalid_utf8_and_other_encodings() {
        let c = StringConverter::configure(&settings(&[("converter.encoding", " utf8 ")])).unwrap();
        let err = c.to_connect("t", Some(&[0x66, 0xFF])).unwrap_err();
        assert!(err.message().contains("invalid UTF-8 at byte 1"), "{err}");
        let err = StringConverter::configure(&settings(&[("converter.encoding", "ISO-8859-1")]))
            .unwrap_err();
        assert_eq!(err.key, "converter.encoding");
        assert!(err.message.contains("ISO-8859-1"), "{err}");
        assert!(StringConverter::configure(&settings(&[("converter.encoding", "UTF-8")])).is_ok());
    }

    #[test]
    fn string_converter_writes_java_to_string() {
        let c = StringConverter::default();
        let text = |schema: Option<Schema>, value: Value| {
            let data = ConnectData {
                schema: schema.map(Arc::new),
                value,
            };
            String::from_utf8(c.from_connect("t", &data).unwrap().unwrap()).unwrap()
        };
        assert_eq!(text(None, Value::Int64(-42)), "-42");
        assert_eq!(text(None, Value::Float64(1e10)), "1.0E10");
        assert_eq!(text(None, Value::Float64(0.5)), "0.5");
        assert_eq!(text(None, Value::Float32(0.1)), "0.1");
        assert_eq!(text(None, Value::Boolean(true)), "true");
        let schema = Schema::new(SchemaType::Struct)
            .field("id", Schema::new(SchemaType::Int32))
            .field("gone", Schema::new(SchemaType::String).optional())
            .field(
                "tags",
                Schema {
                    value_schema: Some(Arc::new(Schema::new(SchemaType::String))),
                    ..Schema::new(SchemaType::Array)
                },
            );
        let value = Value::Struct(vec![
            Value::Int32(7),
            Value::Null,
            Value::Array(vec![Value::String("a".into()), Value::String("b".into())]),
        ]);
        assert_eq!(text(Some(schema), value), "Struct{id=7,tags=[a, b]}");
        let map = Value::Map(vec![
            (Value::String("k".into()), Value::Int64(1)),
            (Value::String("n".into()), Value::Null),
        ]);
        assert_eq!(text(None, map), "{k=1, n=null}");
        let mut decimal = Schema::new(SchemaType::Bytes).named(DECIMAL_LOGICAL_NAME);
        decimal.parameters.push(("scale".into(), "2".into()));
        assert_eq!(text(Some(decimal), Value::Bytes(vec![0x07, 0xCF])), "19.99");
        let date = Schema::new(SchemaType::Int32).named("org.apache.kafka.connect.data.Date");
        assert_eq!(
            text(Some(date), Value::Int32(19737)),
            "Mon Jan 15 00:00:00 UTC 2024"
        );
        let ts = Schema::new(SchemaType::Int64).named("org.apache.kafka.connect.data.Timestamp");
        assert_eq!(
            text(Some(ts.clone()), Value::Int64(1_705_314_600_123)),
            "Mon Jan 15 10:30:00 UTC 2024"
        );
        assert_eq!(
            text(Some(ts), Value::Int64(-1)),
            "Wed Dec 31 23:59:59 UTC 1969"
        );
        let err = c
            .from_connect(
                "t",
                &ConnectData {
                    schema: None,
                    value: Value::Bytes(vec![1]),
                },
            )
            .unwrap_err();
        assert!(err.message().contains("BYTES"), "{err}");
    }

    #[test]
    fn byte_array_converter_passes_bytes_and_rejects_others() {
        let data = byte_array_to_connect(Some(&[1, 2, 3])).unwrap();
        assert_eq!(data.value, Value::Bytes(vec![1, 2, 3]));
        assert_eq!(
            data.schema.as_deref(),
            Some(&Schema::new(SchemaType::Bytes).optional())
        );
        assert_eq!(byte_array_from_connect(&data).unwrap(), Some(vec![1, 2, 3]));
        let null = byte_array_to_connect(None).unwrap();
        assert_eq!(null.value, Value::Null);
        assert_eq!(byte_array_from_connect(&null).unwrap(), None);

        let err = byte_array_from_connect(&ConnectData {
            schema: None,
            value: Value::String("x".into()),
        })
        .unwrap_err();
        assert_eq!(
            err.message(),
            "ByteArrayConverter is not compatible with objects of type class java.lang.String"
        );
        let err = byte_array_from_connect(&ConnectData {
            schema: Some(Arc::new(Schema::new(SchemaType::String))),
            value: Value::Bytes(vec![]),
        })
        .unwrap_err();
        assert_eq!(
            err.message(),
            "Invalid schema type for ByteArrayConverter: STRING"
        );
    }

    #[test]
    fn parse_bool_follows_config_def() {
        assert!(parse_bool("k", " TRUE ").unwrap());
        assert!(!parse_bool("k", "False").unwrap());
        let err = parse_bool("schemas.enable", "yes").unwrap_err();
        assert_eq!(err.key, "schemas.enable");
        assert!(
            err.message
                .contains("Expected value to be either true or false")
        );
    }
}
