//! JSON Schema ↔ Connect schema, as Confluent's `JsonSchemaData.toConnectSchema` and
//! `fromConnectSchema` map them (the schema classes of everit-json-schema, which Confluent's
//! `JsonSchema` parses into, are recognised here from the JSON itself).

use std::collections::BTreeMap;
use std::sync::Arc;

use serde_json::{Map, Value as Json, json};
use switchyard_data::{Schema, SchemaType};

use crate::ConvertError;
use crate::json::{DECIMAL_LOGICAL_NAME, JsonConverter};

/// The namespace of the parameters `JsonSchemaData` keeps for itself (`NAMESPACE`).
pub const NAMESPACE: &str = "io.confluent.connect.json";
/// The parameter that marks a string schema read from a JSON `enum` (`JSON_TYPE_ENUM`).
pub const ENUM: &str = "io.confluent.connect.json.Enum";
/// The name of the struct a `oneOf` / `anyOf` of several types becomes (`JSON_TYPE_ONE_OF`).
pub const ONE_OF: &str = "io.confluent.connect.json.OneOf";

const CONNECT_TYPE: &str = "connect.type";
const CONNECT_VERSION: &str = "connect.version";
const CONNECT_PARAMETERS: &str = "connect.parameters";
const CONNECT_INDEX: &str = "connect.index";

/// How deep a schema may nest (a `$ref` cycle is cut there).
const MAX_DEPTH: usize = 64;

fn bad(message: impl Into<String>) -> ConvertError {
    ConvertError::new(message.into())
}

/// The documents a schema's `$ref`s may point into: the schema itself and the schemas it
/// references in the registry, by the name the reference gives them.
pub struct Documents<'a> {
    /// The schema being read.
    pub root: &'a Json,
    /// The referenced schemas, by reference name.
    pub references: &'a [(String, Json)],
}

impl Documents<'_> {
    /// The schema a `$ref` points at: `#/json/pointer` in the document it appears in, or a
    /// referenced schema by name, optionally with a fragment.
    fn resolve<'d>(
        &'d self,
        reference: &str,
        within: &'d Json,
    ) -> Result<(&'d Json, &'d Json), ConvertError> {
        let (document, fragment) = match reference.split_once('#') {
            Some(("", fragment)) => (within, fragment),
            Some((name, fragment)) => (self.named(name)?, fragment),
            None => (self.named(reference)?, ""),
        };
        let target = if fragment.is_empty() {
            Some(document)
        } else {
            document.pointer(fragment)
        };
        target
            .map(|t| (t, document))
            .ok_or_else(|| bad(format!("cannot resolve the $ref {reference}")))
    }

    fn named(&self, name: &str) -> Result<&Json, ConvertError> {
        self.references
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, doc)| doc)
            .ok_or_else(|| bad(format!("the $ref {name} names no schema reference")))
    }
}

/// Reads a JSON Schema as a Connect schema (`JsonSchemaData.toConnectSchema`).
pub fn to_connect(documents: &Documents<'_>) -> Result<Schema, ConvertError> {
    Reader { documents }.schema(documents.root, documents.root, false, 0)
}

struct Reader<'a> {
    documents: &'a Documents<'a>,
}

/// The JSON types a schema's `type` allows.
fn types(schema: &Map<String, Json>) -> Vec<&str> {
    match schema.get("type") {
        Some(Json::String(t)) => vec![t.as_str()],
        Some(Json::Array(ts)) => ts.iter().filter_map(Json::as_str).collect(),
        _ => Vec::new(),
    }
}

impl Reader<'_> {
    fn schema(
        &self,
        json: &Json,
        document: &Json,
        force_optional: bool,
        depth: usize,
    ) -> Result<Schema, ConvertError> {
        if depth > MAX_DEPTH {
            return Err(bad("the JSON schema nests too deep (a $ref cycle?)"));
        }
        let Json::Object(object) = json else {
            return Err(bad(format!("Unsupported schema {json}")));
        };
        if let Some(Json::String(reference)) = object.get("$ref") {
            let (target, document) = self.documents.resolve(reference, document)?;
            return self.schema(target, document, force_optional, depth + 1);
        }
        let mut schema = if let Some(subschemas) = ["oneOf", "anyOf"]
            .iter()
            .find_map(|k| object.get(*k).and_then(Json::as_array))
        {
            let subschemas: Vec<&Json> = subschemas.iter().collect();
            match self.union(&subschemas, document, depth)? {
                Union::Optional(inner) => {
                    return self.schema(inner, document, true, depth + 1);
                }
                Union::Struct(schema) => schema,
            }
        } else if let Some(all) = object.get("allOf").and_then(Json::as_array) {
            return self.all_of(all, document, force_optional, depth);
        } else if let Some(symbols) = object.get("enum").and_then(Json::as_array) {
            let mut schema = Schema::new(SchemaType::String);
            schema.parameters.push((ENUM.into(), String::new()));
            for symbol in symbols {
                let symbol = match symbol {
                    Json::String(s) => s.clone(),
                    other => other.to_string(),
                };
                schema.parameters.push((format!("{ENUM}.{symbol}"), symbol));
            }
            schema
        } else {
            let types = types(object);
            let non_null: Vec<&str> = types.iter().copied().filter(|t| *t != "null").collect();
            if types.len() > 1 {
                // `"type": [...]` is an `anyOf` of one schema per type (everit's loader).
                let each: Vec<Json> = types
                    .iter()
                    .map(|t| {
                        let mut one = object.clone();
                        one.insert("type".into(), Json::String((*t).into()));
                        Json::Object(one)
                    })
                    .collect();
                let each: Vec<&Json> = each.iter().collect();
                if non_null.len() == 1 && types.len() == 2 {
                    let inner = each
                        .iter()
                        .find(|s| s.get("type") != Some(&json!("null")))
                        .copied()
                        .ok_or_else(|| bad("a type list without a non-null type"))?;
                    return self.schema(inner, document, true, depth + 1);
                }
                match self.union(&each, document, depth)? {
                    Union::Optional(inner) => {
                        return self.schema(inner, document, true, depth + 1);
                    }
                    Union::Struct(schema) => schema,
                }
            } else {
                let kind = types.first().copied().or_else(|| {
                    if object.contains_key("properties")
                        || object.contains_key("additionalProperties")
                    {
                        Some("object")
                    } else if object.contains_key("items") {
                        Some("array")
                    } else {
                        None
                    }
                });
                self.typed(kind, object, document, depth)?
            }
        };
        if let Some(Json::String(title)) = object.get("title")
            && schema.name.is_none()
        {
            schema.name = Some(title.clone());
        }
        if let Some(version) = object.get(CONNECT_VERSION).and_then(Json::as_i64) {
            schema.version = i32::try_from(version).ok();
        }
        if let Some(Json::String(doc)) = object.get("description") {
            schema.doc = Some(doc.clone());
        }
        if let Some(Json::Object(parameters)) = object.get(CONNECT_PARAMETERS) {
            for (key, value) in parameters {
                let value = value
                    .as_str()
                    .map_or_else(|| value.to_string(), str::to_owned);
                schema.parameters.retain(|(k, _)| k != key);
                schema.parameters.push((key.clone(), value));
            }
        }
        // A `null` default is no default (`JsonSchemaData` reads it as a null default value).
        if let Some(default) = object.get("default").filter(|d| !d.is_null()) {
            let converter = JsonConverter::new(Default::default(), false);
            let value = converter
                .payload_from_json(Some(&Arc::new(schema.clone())), &default.to_string())
                .map_err(|e| bad(format!("invalid default {default}: {}", e.message())))?;
            schema.default = Some(value);
        }
        if force_optional {
            schema.optional = true;
        }
        Ok(schema)
    }

    /// A schema of one JSON type.
    fn typed(
        &self,
        kind: Option<&str>,
        object: &Map<String, Json>,
        document: &Json,
        depth: usize,
    ) -> Result<Schema, ConvertError> {
        let connect_type = object.get(CONNECT_TYPE).and_then(Json::as_str);
        Ok(match kind {
            Some("boolean") => Schema::new(SchemaType::Boolean),
            Some(number @ ("integer" | "number")) => Schema::new(match connect_type {
                None if number == "integer" => SchemaType::Int64,
                None => SchemaType::Float64,
                Some("int8") => SchemaType::Int8,
                Some("int16") => SchemaType::Int16,
                Some("int32") => SchemaType::Int32,
                Some("int64") => SchemaType::Int64,
                Some("float32") => SchemaType::Float32,
                Some("float64") => SchemaType::Float64,
                // The `Decimal` logical type.
                Some("bytes") => SchemaType::Bytes,
                Some(other) => return Err(bad(format!("Unsupported type {other}"))),
            }),
            Some("string") => Schema::new(if connect_type == Some("bytes") {
                SchemaType::Bytes
            } else {
                SchemaType::String
            }),
            Some("array") => {
                let items = object
                    .get("items")
                    .filter(|i| i.is_object())
                    .ok_or_else(|| bad("Array schema did not specify the items type"))?;
                let entry = items.as_object().filter(|_| connect_type == Some("map"));
                match entry
                    .and_then(|e| e.get("properties"))
                    .and_then(Json::as_object)
                {
                    Some(properties) => {
                        let part = |name: &str| -> Result<Schema, ConvertError> {
                            let schema = properties
                                .get(name)
                                .ok_or_else(|| bad(format!("a map entry without a {name}")))?;
                            self.schema(schema, document, false, depth + 1)
                        };
                        let mut map = Schema::new(SchemaType::Map);
                        map.key_schema = Some(Arc::new(part("key")?));
                        map.value_schema = Some(Arc::new(part("value")?));
                        map
                    }
                    None => {
                        let mut array = Schema::new(SchemaType::Array);
                        array.value_schema =
                            Some(Arc::new(self.schema(items, document, false, depth + 1)?));
                        array
                    }
                }
            }
            Some("object") if connect_type == Some("map") => {
                let values = object
                    .get("additionalProperties")
                    .filter(|v| v.is_object())
                    .ok_or_else(|| bad("a map schema without additionalProperties"))?;
                let mut map = Schema::new(SchemaType::Map);
                map.key_schema = Some(Arc::new(Schema::new(SchemaType::String)));
                map.value_schema =
                    Some(Arc::new(self.schema(values, document, false, depth + 1)?));
                map
            }
            Some("object") => {
                let mut fields: BTreeMap<i64, (&String, &Json)> = BTreeMap::new();
                if let Some(properties) = object.get("properties").and_then(Json::as_object) {
                    for (name, property) in properties {
                        // `connect.index` orders the fields; a property without one takes
                        // the count so far (and a later one of the same index replaces it,
                        // as the `TreeMap` of `JsonSchemaData` does).
                        let index = property
                            .get(CONNECT_INDEX)
                            .and_then(Json::as_i64)
                            .unwrap_or(fields.len() as i64);
                        fields.insert(index, (name, property));
                    }
                }
                let mut schema = Schema::new(SchemaType::Struct);
                for (name, property) in fields.into_values() {
                    let field = self.schema(property, document, false, depth + 1)?;
                    schema = schema.field(name.clone(), field);
                }
                schema
            }
            Some(other) => return Err(bad(format!("Unsupported schema type {other}"))),
            None => {
                return Err(bad(format!(
                    "Unsupported schema {}",
                    Json::Object(object.clone())
                )));
            }
        })
    }

    /// A `oneOf` / `anyOf`: null and one other type is that type, optional; anything else a
    /// struct named [`ONE_OF`] with one optional field per type.
    fn union<'j>(
        &self,
        subschemas: &[&'j Json],
        document: &Json,
        depth: usize,
    ) -> Result<Union<'j>, ConvertError> {
        let is_null = |s: &Json| s.get("type") == Some(&json!("null"));
        if subschemas.len() == 2
            && let Some(other) = subschemas.iter().find(|s| !is_null(s))
            && subschemas.iter().any(|s| is_null(s))
        {
            return Ok(Union::Optional(other));
        }
        let mut schema = Schema::new(SchemaType::Struct).named(ONE_OF);
        let mut index = 0;
        for subschema in subschemas {
            if is_null(subschema) {
                schema.optional = true;
            } else {
                let field = self.schema(subschema, document, true, depth + 1)?;
                schema = schema.field(format!("{ONE_OF}.field.{index}"), field);
                index += 1;
            }
        }
        Ok(Union::Struct(schema))
    }

    /// An `allOf` (`allOfToConnectSchema`): a const or enum with a string or number schema, or
    /// a number with a formatted string.
    fn all_of(
        &self,
        all: &[Json],
        document: &Json,
        force_optional: bool,
        depth: usize,
    ) -> Result<Schema, ConvertError> {
        let has = |key: &str| all.iter().find(|s| s.get(key).is_some());
        let typed = |kind: &str| {
            all.iter()
                .find(|s| s.get("type") == Some(&json!(kind)) && s.get("enum").is_none())
        };
        let number = typed("number").or_else(|| typed("integer"));
        let string = typed("string");
        let chosen = match (has("const"), has("enum"), number, string) {
            (Some(_), _, _, Some(string)) => string,
            (Some(_), _, Some(number), None) => number,
            (None, Some(enumeration), _, Some(_)) => enumeration,
            (None, None, Some(number), Some(string)) if string.get("format").is_some() => number,
            _ => {
                return Err(bad(format!(
                    "Unsupported criterion allOf for {}",
                    Json::Array(all.to_vec())
                )));
            }
        };
        self.schema(chosen, document, force_optional, depth + 1)
    }
}

enum Union<'j> {
    /// Null and one other schema.
    Optional(&'j Json),
    /// Several types.
    Struct(Schema),
}

/// Writes a Connect schema as a JSON Schema (`JsonSchemaData.fromConnectSchema`);
/// `additional_properties` is `object.additional.properties`. Fails when a default value does
/// not fit its schema.
pub fn from_connect(schema: &Schema, additional_properties: bool) -> Result<Json, ConvertError> {
    Writer {
        additional_properties,
    }
    .schema(schema, None, false, 0)
}

struct Writer {
    additional_properties: bool,
}

/// A copy of `schema` that is required.
fn non_optional(schema: &Schema) -> Schema {
    let mut required = schema.clone();
    required.optional = false;
    required
}

impl Writer {
    fn schema(
        &self,
        schema: &Schema,
        index: Option<usize>,
        ignore_optional: bool,
        depth: usize,
    ) -> Result<Json, ConvertError> {
        if depth > MAX_DEPTH {
            return Err(bad("the Connect schema nests too deep"));
        }
        let mut out = Map::new();
        let connect_type = |out: &mut Map<String, Json>, name: &str| {
            out.insert(CONNECT_TYPE.into(), Json::String(name.into()));
        };
        let number = |out: &mut Map<String, Json>, integer: bool| {
            out.insert(
                "type".into(),
                Json::String(if integer { "integer" } else { "number" }.into()),
            );
        };
        match schema.kind {
            SchemaType::Int8 => (number(&mut out, true), connect_type(&mut out, "int8")).0,
            SchemaType::Int16 => (number(&mut out, true), connect_type(&mut out, "int16")).0,
            SchemaType::Int32 => (number(&mut out, true), connect_type(&mut out, "int32")).0,
            SchemaType::Int64 => (number(&mut out, true), connect_type(&mut out, "int64")).0,
            SchemaType::Float32 => (number(&mut out, false), connect_type(&mut out, "float32")).0,
            SchemaType::Float64 => (number(&mut out, false), connect_type(&mut out, "float64")).0,
            SchemaType::Boolean => {
                out.insert("type".into(), json!("boolean"));
            }
            SchemaType::String if schema.parameter(ENUM).is_some() => {
                let prefix = format!("{ENUM}.");
                let symbols = schema
                    .parameters
                    .iter()
                    .filter(|(k, _)| k.starts_with(&prefix))
                    .map(|(_, v)| Json::String(v.clone()))
                    .collect();
                out.insert("enum".into(), Json::Array(symbols));
            }
            SchemaType::String => {
                out.insert("type".into(), json!("string"));
            }
            SchemaType::Bytes => {
                let decimal = schema.name.as_deref() == Some(DECIMAL_LOGICAL_NAME);
                out.insert(
                    "type".into(),
                    json!(if decimal { "number" } else { "string" }),
                );
                connect_type(&mut out, "bytes");
            }
            SchemaType::Array => {
                let items = schema
                    .value_schema
                    .as_deref()
                    .ok_or_else(|| bad("an array schema without its element schema"))?;
                out.insert("type".into(), json!("array"));
                out.insert("items".into(), self.schema(items, None, false, depth + 1)?);
            }
            SchemaType::Map => {
                let (Some(key), Some(value)) =
                    (schema.key_schema.as_deref(), schema.value_schema.as_deref())
                else {
                    return Err(bad("a map schema without its key or value schema"));
                };
                if key.kind == SchemaType::String && !key.optional {
                    out.insert("type".into(), json!("object"));
                    out.insert(
                        "additionalProperties".into(),
                        self.schema(value, None, false, depth + 1)?,
                    );
                } else {
                    let mut properties = Map::new();
                    properties.insert("key".into(), self.schema(key, Some(0), false, depth + 1)?);
                    properties.insert(
                        "value".into(),
                        self.schema(value, Some(1), false, depth + 1)?,
                    );
                    out.insert("type".into(), json!("array"));
                    out.insert(
                        "items".into(),
                        json!({"type": "object", "properties": properties}),
                    );
                }
                connect_type(&mut out, "map");
            }
            SchemaType::Struct if schema.name.as_deref() == Some(ONE_OF) => {
                let mut subschemas = Vec::new();
                if schema.optional {
                    subschemas.push(json!({"type": "null"}));
                }
                for (i, field) in schema.fields.iter().enumerate() {
                    subschemas.push(self.schema(
                        &non_optional(&field.schema),
                        Some(i),
                        true,
                        depth + 1,
                    )?);
                }
                return Ok(combined(subschemas, index));
            }
            SchemaType::Struct if schema.optional && !ignore_optional => {
                let inner = self.schema(&non_optional(schema), None, false, depth + 1)?;
                return Ok(combined(vec![json!({"type": "null"}), inner], index));
            }
            SchemaType::Struct => {
                let mut properties = Map::new();
                for (i, field) in schema.fields.iter().enumerate() {
                    properties.insert(
                        field.name.clone(),
                        self.schema(&field.schema, Some(i), false, depth + 1)?,
                    );
                }
                out.insert("type".into(), json!("object"));
                out.insert("properties".into(), Json::Object(properties));
                if !self.additional_properties {
                    out.insert("additionalProperties".into(), json!(false));
                }
            }
        }
        if let Some(name) = &schema.name {
            out.insert("title".into(), Json::String(name.clone()));
        }
        if let Some(version) = schema.version {
            out.insert(CONNECT_VERSION.into(), json!(version));
        }
        if let Some(doc) = &schema.doc {
            out.insert("description".into(), Json::String(doc.clone()));
        }
        let parameters: Map<String, Json> = schema
            .parameters
            .iter()
            .filter(|(k, _)| !k.starts_with(NAMESPACE))
            .map(|(k, v)| (k.clone(), Json::String(v.clone())))
            .collect();
        if !parameters.is_empty() {
            out.insert(CONNECT_PARAMETERS.into(), Json::Object(parameters));
        }
        if let Some(default) = &schema.default {
            let converter = JsonConverter::new(Default::default(), false);
            let text = converter.payload_to_json(Some(schema), default)?;
            let value: Json = serde_json::from_str(&text)
                .map_err(|e| bad(format!("invalid default value: {e}")))?;
            out.insert("default".into(), value);
        }
        if schema.optional && !ignore_optional {
            return Ok(combined(
                vec![json!({"type": "null"}), Json::Object(out)],
                index,
            ));
        }
        if let Some(index) = index {
            out.insert(CONNECT_INDEX.into(), json!(index));
        }
        Ok(Json::Object(out))
    }
}

/// A `oneOf` of `subschemas`, with the field index of the schema it stands for.
fn combined(subschemas: Vec<Json>, index: Option<usize>) -> Json {
    let mut out = Map::new();
    out.insert("oneOf".into(), Json::Array(subschemas));
    if let Some(index) = index {
        out.insert(CONNECT_INDEX.into(), json!(index));
    }
    Json::Object(out)
}
