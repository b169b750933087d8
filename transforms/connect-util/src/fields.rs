//! Field values as Kafka's `Struct.get` and `Struct.getWithoutDefault` read them, and the
//! schemas of Connect's logical types (`org.apache.kafka.connect.data.Date`, `Time`,
//! `Timestamp`, `Decimal`).

use switchyard_sdk::prelude::*;

use crate::json;

/// `Date.LOGICAL_NAME`: INT32 days since the epoch.
pub const DATE: &str = "org.apache.kafka.connect.data.Date";
/// `Time.LOGICAL_NAME`: INT32 milliseconds since midnight.
pub const TIME: &str = "org.apache.kafka.connect.data.Time";
/// `Timestamp.LOGICAL_NAME`: INT64 milliseconds since the epoch.
pub const TIMESTAMP: &str = "org.apache.kafka.connect.data.Timestamp";
/// `Decimal.LOGICAL_NAME`: BYTES holding an unscaled integer, with a `scale` parameter.
pub const DECIMAL: &str = "org.apache.kafka.connect.data.Decimal";

/// A plain schema of `kind` (`SchemaBuilder.int32()` …), optional or required.
pub fn plain(kind: SchemaType, optional: bool) -> SchemaInfo {
    SchemaInfo::plain(kind, optional)
}

/// A logical schema: `Date.SCHEMA`, `Time.SCHEMA` or `Timestamp.SCHEMA` (version 1), optional
/// or required.
pub fn logical(name: &str, optional: bool) -> SchemaInfo {
    let kind = if name == TIMESTAMP {
        SchemaType::Int64
    } else {
        SchemaType::Int32
    };
    SchemaInfo {
        name: Some(name.to_owned()),
        version: Some(1),
        ..plain(kind, optional)
    }
}

/// The `scale` parameter of a `Decimal` schema (0 when absent or not a number).
pub fn decimal_scale(info: &SchemaInfo) -> i32 {
    info.parameters
        .iter()
        .find(|(k, _)| k == "scale")
        .and_then(|(_, v)| v.parse().ok())
        .unwrap_or(0)
}

/// The schema's default value as a scalar, if it has one and it is a scalar.
pub fn default_of(info: &SchemaInfo) -> Option<Scalar> {
    let text = info.default_json.as_deref()?;
    let value: serde_json::Value = serde_json::from_str(text).ok()?;
    json::scalar_from_json(info.type_, &value)
}

/// The scalar at `path` as `Struct.get` (`with_default`) or `Struct.getWithoutDefault` reads
/// it: with `with_default`, null becomes the default of the field's schema `info`.
pub fn value_at(
    view: &PartView<'_>,
    path: &[&str],
    info: Option<&SchemaInfo>,
    with_default: bool,
) -> Result<Scalar, DataError> {
    let value = view.get(path)?;
    if value == Scalar::Null
        && with_default
        && let Some(default) = info.and_then(default_of)
    {
        return Ok(default);
    }
    Ok(value)
}

/// Does what Kafka's transforms do when they copy a struct into a new one with `Struct.get`:
/// every top-level field of the struct in `part` that is null and whose schema has a default
/// takes the default. Fields named in `skip` are left alone. Scalar defaults are set in place;
/// a struct, array or map default makes the whole part go through its JSON form, which gives
/// every null field with a default (nested ones too) its default.
pub fn apply_defaults(record: &mut Record, part: Part, skip: &[&str]) -> Result<(), Error> {
    // One host call: the host fills the defaults where the data lives (WIT `fill-defaults`).
    let mut fill = Batch::new();
    let filled = fill.fill_defaults(part, &[], skip);
    let whole = record.run(&fill).flag(filled)?;
    if whole {
        let view = record.part(part);
        let data = json::read(&view)?;
        json::write(record, part, &data)?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn logical_schemas() {
        let ts = logical(TIMESTAMP, true);
        assert_eq!(ts.type_, SchemaType::Int64);
        assert_eq!(ts.version, Some(1));
        assert!(ts.optional);
        assert_eq!(logical(DATE, false).type_, SchemaType::Int32);
    }

    #[test]
    fn defaults_parse_by_type() {
        let mut info = plain(SchemaType::Int64, true);
        info.default_json = Some("42".into());
        assert_eq!(default_of(&info), Some(Scalar::Int64(42)));
        info.type_ = SchemaType::String;
        info.default_json = Some("\"x\"".into());
        assert_eq!(default_of(&info), Some(Scalar::String("x".into())));
        info.type_ = SchemaType::Struct;
        info.default_json = Some("{}".into());
        assert_eq!(default_of(&info), None);
        info.type_ = SchemaType::Bytes;
        info.parameters = vec![("scale".into(), "2".into())];
        info.default_json = Some("\"B88=\"".into());
        assert_eq!(default_of(&info), Some(Scalar::Bytes(vec![0x07, 0xCF])));
        assert_eq!(decimal_scale(&info), 2);
    }
}
