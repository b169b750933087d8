//! Connect schemas as a guest sees them ([`SchemaInfo`]), and the data-API rules the Debezium
//! SMTs rely on.
//!
//! * `Struct.get(field)` returns the field's default when the value is null;
//!   `Struct.getWithoutDefault(field)` does not. [`struct_get`] is the former, the SDK's plain
//!   `get` the latter.
//! * `SchemaUtil.copySchemaBasics(schema)` copies type, name, version, doc and parameters, not
//!   optionality nor default: [`optional_copy`] is that copy made optional, the schema Debezium
//!   gives every field it adds (`ExtractNewRecordState`'s `add.fields`).

use switchyard_sdk::prelude::*;

use crate::java::base64_decode;
use crate::json::{self, Json};

/// The scalar a schema's default stands for (`default-json` read as `JsonConverter` reads a
/// payload of that type); `None` without a default or for a struct, map or array default.
pub fn default_scalar(info: &SchemaInfo) -> Option<Scalar> {
    let text = info.default_json.as_deref()?;
    let value = json::parse(text).ok()?;
    scalar_from_json(info.type_, &value)
}

/// A JSON payload node read as a scalar of `kind`, as `JsonConverter` would (bytes as Base64).
pub fn scalar_from_json(kind: SchemaType, value: &Json) -> Option<Scalar> {
    let number = || match value {
        Json::Number(n) => Some(n.as_str()),
        _ => None,
    };
    Some(match (kind, value) {
        (_, Json::Null) => Scalar::Null,
        (SchemaType::Boolean, Json::Bool(b)) => Scalar::Boolean(*b),
        (SchemaType::String, Json::String(s)) => Scalar::String(s.clone()),
        (SchemaType::Bytes, Json::String(s)) => Scalar::Bytes(base64_decode(s)?),
        (SchemaType::Int8, _) => Scalar::Int8(number()?.parse().ok()?),
        (SchemaType::Int16, _) => Scalar::Int16(number()?.parse().ok()?),
        (SchemaType::Int32, _) => Scalar::Int32(number()?.parse().ok()?),
        (SchemaType::Int64, _) => Scalar::Int64(number()?.parse().ok()?),
        (SchemaType::Float32, _) => Scalar::Float32(number()?.parse().ok()?),
        (SchemaType::Float64, _) => Scalar::Float64(number()?.parse().ok()?),
        _ => return None,
    })
}

/// `Struct.get`: the scalar at `path`, or the default of its schema when it is null.
pub fn struct_get(view: &PartView<'_>, path: &[&str]) -> Result<Scalar, DataError> {
    let value = view.get(path)?;
    if value != Scalar::Null {
        return Ok(value);
    }
    Ok(view
        .schema(path)?
        .as_ref()
        .and_then(default_scalar)
        .unwrap_or(Scalar::Null))
}

/// `SchemaUtil.copySchemaBasics(schema).optional().build()`: the same type, name, version, doc
/// and parameters, optional, without a default.
pub fn optional_copy(info: &SchemaInfo) -> SchemaInfo {
    SchemaInfo {
        optional: true,
        default_json: None,
        ..info.clone()
    }
}

/// A plain schema of `kind` (`Schema.STRING_SCHEMA`, `Schema.OPTIONAL_STRING_SCHEMA`, …).
pub fn plain(kind: SchemaType, optional: bool) -> SchemaInfo {
    SchemaInfo::plain(kind, optional)
}

/// The schema type named as `JsonConverter` names it (`"int32"`, `"float"`, `"double"`, …).
pub fn type_from_json_name(name: &str) -> Option<SchemaType> {
    Some(match name {
        "boolean" => SchemaType::Boolean,
        "int8" => SchemaType::Int8,
        "int16" => SchemaType::Int16,
        "int32" => SchemaType::Int32,
        "int64" => SchemaType::Int64,
        "float" => SchemaType::Float32,
        "double" => SchemaType::Float64,
        "string" => SchemaType::String,
        "bytes" => SchemaType::Bytes,
        "array" => SchemaType::Array,
        "map" => SchemaType::Map,
        "struct" => SchemaType::Struct,
        _ => return None,
    })
}

/// The `JsonConverter` name of a schema type.
pub fn type_json_name(kind: SchemaType) -> &'static str {
    match kind {
        SchemaType::Boolean => "boolean",
        SchemaType::Int8 => "int8",
        SchemaType::Int16 => "int16",
        SchemaType::Int32 => "int32",
        SchemaType::Int64 => "int64",
        SchemaType::Float32 => "float",
        SchemaType::Float64 => "double",
        SchemaType::String => "string",
        SchemaType::Bytes => "bytes",
        SchemaType::Array => "array",
        SchemaType::Map => "map",
        SchemaType::Struct => "struct",
    }
}

/// A schema node in `JsonConverter`'s JSON form read as a [`SchemaInfo`] (its children, if
/// any, are left out).
pub fn info_from_json(node: &Json) -> Option<SchemaInfo> {
    let kind = type_from_json_name(node.get("type")?.as_str()?)?;
    let mut info = plain(
        kind,
        node.get("optional")
            .and_then(Json::as_bool)
            .unwrap_or(false),
    );
    info.name = node.get("name").and_then(Json::as_str).map(str::to_owned);
    info.version = match node.get("version") {
        Some(Json::Number(n)) => n.parse().ok(),
        _ => None,
    };
    info.doc = node.get("doc").and_then(Json::as_str).map(str::to_owned);
    if let Some(Json::Object(params)) = node.get("parameters") {
        info.parameters = params
            .iter()
            .filter_map(|(k, v)| Some((k.clone(), v.as_str()?.to_owned())))
            .collect();
    }
    info.default_json = node.get("default").map(Json::to_text);
    Some(info)
}

/// The schema of the field `field` of a struct schema in `JsonConverter`'s JSON form.
pub fn field_info_from_json(struct_schema: &Json, field: &str) -> Option<SchemaInfo> {
    struct_schema
        .get("fields")?
        .as_array()?
        .iter()
        .find(|f| f.get("field").and_then(Json::as_str) == Some(field))
        .and_then(info_from_json)
}

/// Writes a scalar schema in `JsonConverter`'s JSON form (`{"type":"string","optional":true,…}`),
/// keys in `JsonConverter`'s order.
pub fn info_to_json(info: &SchemaInfo) -> String {
    let mut members = vec![
        (
            "type".to_owned(),
            Json::String(type_json_name(info.type_).into()),
        ),
        ("optional".to_owned(), Json::Bool(info.optional)),
    ];
    if let Some(name) = &info.name {
        members.push(("name".into(), Json::String(name.clone())));
    }
    if let Some(version) = info.version {
        members.push(("version".into(), Json::Number(version.to_string())));
    }
    if let Some(doc) = &info.doc {
        members.push(("doc".into(), Json::String(doc.clone())));
    }
    if !info.parameters.is_empty() {
        members.push((
            "parameters".into(),
            Json::Object(
                info.parameters
                    .iter()
                    .map(|(k, v)| (k.clone(), Json::String(v.clone())))
                    .collect(),
            ),
        ));
    }
    let mut out = Json::Object(members).to_text();
    if let Some(default) = &info.default_json {
        out.pop();
        out.push_str(",\"default\":");
        out.push_str(default);
        out.push('}');
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn with_default(kind: SchemaType, default: &str) -> SchemaInfo {
        SchemaInfo {
            default_json: Some(default.into()),
            ..plain(kind, true)
        }
    }

    #[test]
    fn defaults_are_read_by_type() {
        assert_eq!(
            default_scalar(&with_default(SchemaType::String, "\"false\"")),
            Some(Scalar::String("false".into()))
        );
        assert_eq!(
            default_scalar(&with_default(SchemaType::Int8, "42")),
            Some(Scalar::Int8(42))
        );
        assert_eq!(
            default_scalar(&with_default(SchemaType::Float64, "1.5")),
            Some(Scalar::Float64(1.5))
        );
        assert_eq!(
            default_scalar(&with_default(SchemaType::Bytes, "\"B88=\"")),
            Some(Scalar::Bytes(vec![7, 0xcf]))
        );
        assert_eq!(
            default_scalar(&with_default(SchemaType::Boolean, "true")),
            Some(Scalar::Boolean(true))
        );
        assert_eq!(default_scalar(&plain(SchemaType::Int8, true)), None);
    }

    #[test]
    fn schema_json_both_ways() {
        let text = r#"{"type":"struct","fields":[{"type":"string","optional":false,"field":"id"},{"type":"int64","optional":true,"name":"io.debezium.time.MicroTimestamp","version":1,"parameters":{"a":"b"},"default":5,"field":"t"}],"optional":true,"name":"event.block"}"#;
        let json = json::parse(text).unwrap_or_else(|e| panic!("{e}"));
        let id = field_info_from_json(&json, "id").unwrap_or_else(|| panic!("id"));
        assert_eq!((id.type_, id.optional), (SchemaType::String, false));
        let t = field_info_from_json(&json, "t").unwrap_or_else(|| panic!("t"));
        assert_eq!(t.name.as_deref(), Some("io.debezium.time.MicroTimestamp"));
        assert_eq!(t.version, Some(1));
        assert_eq!(t.default_json.as_deref(), Some("5"));
        assert_eq!(
            info_to_json(&t),
            r#"{"type":"int64","optional":true,"name":"io.debezium.time.MicroTimestamp","version":1,"parameters":{"a":"b"},"default":5}"#
        );
        assert!(field_info_from_json(&json, "nope").is_none());
        let copy = optional_copy(&id);
        assert!(copy.optional && copy.default_json.is_none());
    }
}
