//! A JSON Schema document loaded into the schema objects Confluent's registry compares: the
//! ones the everit library (`org.everit.json.schema.loader.SchemaLoader`) builds, which
//! decide what `SchemaDiff` sees.
//!
//! The shape matters as much as the keywords: everit turns each keyword group of an object
//! into a schema of its own — `enum`, then `allOf`, `anyOf`, `oneOf`, then `not`, then
//! `const`, then `type` with its keywords, then keywords found without a `type` (array,
//! object, number, string) — and an object that yields several becomes a synthetic `allOf`
//! of them (`{"type": "string", "enum": […]}` is `allOf[string, enum]`). A `type` array is an
//! `anyOf` of one schema per type. A `$ref` hides its sibling keywords. `true` and `{}` accept
//! anything, `false` nothing.

use std::collections::{HashMap, HashSet};

use regex::Regex;
use serde_json::{Map, Value};

use super::LoadError;

/// The index of a node in a [`super::Schema`].
pub(crate) type NodeId = usize;

/// A combined schema's criterion.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Criterion {
    All,
    Any,
    One,
}

impl Criterion {
    /// The keyword, as Confluent's paths write it (`allOf/0`).
    pub fn keyword(self) -> &'static str {
        match self {
            Criterion::All => "allOf",
            Criterion::Any => "anyOf",
            Criterion::One => "oneOf",
        }
    }
}

/// `StringSchema`.
#[derive(Debug, Clone, Default)]
pub(crate) struct StringNode {
    pub min_length: Option<u64>,
    pub max_length: Option<u64>,
    pub pattern: Option<String>,
}

/// `NumberSchema`.
#[derive(Debug, Clone, Default)]
pub(crate) struct NumberNode {
    pub minimum: Option<f64>,
    pub maximum: Option<f64>,
    pub exclusive_minimum: Option<f64>,
    pub exclusive_maximum: Option<f64>,
    pub multiple_of: Option<f64>,
    pub requires_integer: bool,
}

/// `ObjectSchema`.
#[derive(Debug, Clone)]
pub(crate) struct ObjectNode {
    pub properties: Vec<(String, NodeId)>,
    pub required: Vec<String>,
    /// `additionalProperties` is not `false`.
    pub permits_additional: bool,
    /// `additionalProperties` as a schema.
    pub additional: Option<NodeId>,
    pub pattern_properties: Vec<(Regex, NodeId)>,
    pub min_properties: Option<u64>,
    pub max_properties: Option<u64>,
    pub property_dependencies: Vec<(String, Vec<String>)>,
    pub schema_dependencies: Vec<(String, NodeId)>,
}

/// `ArraySchema`.
#[derive(Debug, Clone)]
pub(crate) struct ArrayNode {
    /// `items` as one schema.
    pub all_items: Option<NodeId>,
    /// `items` as a list of schemas (a tuple).
    pub item_schemas: Option<Vec<NodeId>>,
    /// `additionalItems` is not `false`.
    pub permits_additional: bool,
    pub additional: Option<NodeId>,
    pub min_items: Option<u64>,
    pub max_items: Option<u64>,
    pub unique_items: bool,
}

/// What a node is: the everit schema class.
#[derive(Debug, Clone)]
pub(crate) enum Kind {
    /// `EmptySchema` (`{}`) or `TrueSchema` (`true`): anything.
    Empty,
    /// `FalseSchema`: nothing.
    False,
    Boolean,
    Null,
    String(StringNode),
    Number(NumberNode),
    Object(Box<ObjectNode>),
    Array(Box<ArrayNode>),
    Enum(Vec<Value>),
    Const(Value),
    Combined {
        criterion: Criterion,
        subschemas: Vec<NodeId>,
    },
    Not(NodeId),
    /// `ReferenceSchema`: the schema a `$ref` points to.
    Reference(NodeId),
}

impl Kind {
    /// How messages name it.
    pub fn describe(&self) -> &'static str {
        match self {
            Kind::Empty => "any value",
            Kind::False => "no value",
            Kind::Boolean => "boolean",
            Kind::Null => "null",
            Kind::String(_) => "string",
            Kind::Number(n) if n.requires_integer => "integer",
            Kind::Number(_) => "number",
            Kind::Object(_) => "object",
            Kind::Array(_) => "array",
            Kind::Enum(_) => "enum",
            Kind::Const(_) => "const",
            Kind::Combined { criterion, .. } => criterion.keyword(),
            Kind::Not(_) => "not",
            Kind::Reference(_) => "$ref",
        }
    }
}

/// The keywords every schema carries (`loadCommonSchemaProperties`), and the unprocessed
/// `connect.type` Confluent reads.
#[derive(Debug, Clone, Default)]
pub(crate) struct Common {
    pub id: Option<String>,
    pub title: Option<String>,
    pub description: Option<String>,
    pub default: Option<Value>,
    pub connect_type: Option<String>,
}

/// A schema object.
#[derive(Debug, Clone)]
pub(crate) struct Node {
    pub kind: Kind,
    pub common: Common,
    /// What tells two subschemas of a combined schema apart (Confluent collapses equal ones).
    pub key: String,
}

/// The JSON Schema draft, from `$schema`; Confluent's registry loads draft 7 unless told.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Draft {
    Draft4,
    Draft6,
    Draft7,
}

impl Draft {
    fn object_keywords(self) -> &'static [&'static str] {
        const V4: &[&str] = &[
            "properties",
            "required",
            "minProperties",
            "maxProperties",
            "dependencies",
            "patternProperties",
            "additionalProperties",
        ];
        const V6: &[&str] = &[
            "properties",
            "required",
            "minProperties",
            "maxProperties",
            "dependencies",
            "patternProperties",
            "additionalProperties",
            "propertyNames",
        ];
        if self == Draft::Draft4 { V4 } else { V6 }
    }

    fn array_keywords(self) -> &'static [&'static str] {
        const V4: &[&str] = &[
            "items",
            "additionalItems",
            "minItems",
            "maxItems",
            "uniqueItems",
        ];
        const V6: &[&str] = &[
            "items",
            "additionalItems",
            "minItems",
            "maxItems",
            "uniqueItems",
            "contains",
        ];
        if self == Draft::Draft4 { V4 } else { V6 }
    }

    fn id_keyword(self) -> &'static str {
        if self == Draft::Draft4 { "id" } else { "$id" }
    }
}

const NUMBER_KEYWORDS: &[&str] = &[
    "minimum",
    "maximum",
    "exclusiveMinimum",
    "exclusiveMaximum",
    "multipleOf",
];
const STRING_KEYWORDS: &[&str] = &["minLength", "maxLength", "pattern", "format"];
const CONDITIONAL_KEYWORDS: &[&str] = &["if", "then", "else"];

/// A document: the schema itself (name empty) or a reference.
#[derive(Debug, Clone)]
pub(crate) struct Document {
    pub name: String,
    pub value: Value,
}

impl Document {
    /// The document's `$id`, against which its relative `$ref`s resolve.
    fn id(&self, draft: Draft) -> Option<&str> {
        self.value.get(draft.id_keyword()).and_then(Value::as_str)
    }
}

/// Loads the first document (the schema) with the others (its references) at hand.
pub(crate) fn load(documents: &[Document]) -> Result<(Vec<Node>, NodeId), LoadError> {
    let draft = draft(&documents[0].value)?;
    let mut loader = Loader {
        documents,
        draft,
        nodes: Vec::new(),
        loaded: HashMap::new(),
    };
    let root = loader.load(0, String::new())?;
    Ok((loader.nodes, root))
}

/// The draft `$schema` names: 4, 6 and 7 by their meta-schema URLs, anything else 7, as
/// Confluent's registry reads it; 2019-09 and 2020-12, which the registry compares with other
/// rules, are not checked offline.
fn draft(root: &Value) -> Result<Draft, LoadError> {
    let Some(url) = root.get("$schema").and_then(Value::as_str) else {
        return Ok(Draft::Draft7);
    };
    if url.contains("/draft/2019-09/") || url.contains("/draft/2020-12/") {
        return Err(LoadError::NotChecked {
            location: "#/$schema".into(),
            reason: format!(
                "a draft 2019-09 or 2020-12 schema ({url}), which the registry compares with rules of its own"
            ),
        });
    }
    Ok(if url.contains("draft-04/") {
        Draft::Draft4
    } else if url.contains("draft-06/") {
        Draft::Draft6
    } else {
        Draft::Draft7
    })
}

struct Loader<'d> {
    documents: &'d [Document],
    draft: Draft,
    nodes: Vec<Node>,
    /// The node loaded from each place (document, JSON pointer), so that references share
    /// one node and a schema may refer to itself.
    loaded: HashMap<(usize, String), NodeId>,
}

/// A keyword group extracted from a schema object, before it becomes a node.
struct Part {
    kind: Kind,
    tag: String,
}

impl<'d> Loader<'d> {
    /// Where a pointer is, for messages: `#/properties/a` in the schema, `money.json#/…` in a
    /// reference.
    fn location(&self, document: usize, pointer: &str) -> String {
        format!("{}#{pointer}", self.documents[document].name)
    }

    fn invalid(&self, document: usize, pointer: &str, message: impl Into<String>) -> LoadError {
        LoadError::Invalid {
            location: self.location(document, pointer),
            message: message.into(),
        }
    }

    fn push(&mut self, kind: Kind, common: Common, key: String) -> NodeId {
        self.nodes.push(Node { kind, common, key });
        self.nodes.len() - 1
    }

    /// The node of the schema at `pointer` in `document`, loaded once.
    fn load(&mut self, document: usize, pointer: String) -> Result<NodeId, LoadError> {
        if let Some(&id) = self.loaded.get(&(document, pointer.clone())) {
            return Ok(id);
        }
        let documents = self.documents;
        let Some(value) = documents[document].value.pointer(&pointer) else {
            return Err(self.invalid(document, &pointer, "no such location"));
        };
        // Reserved first, so that a schema that refers to itself finds its node.
        let id = self.push(Kind::Empty, Common::default(), String::new());
        self.loaded.insert((document, pointer.clone()), id);
        let (kind, common) = match value {
            Value::Bool(true) => (Kind::Empty, Common::default()),
            Value::Bool(false) => (Kind::False, Common::default()),
            Value::Object(object) => self.object(document, &pointer, object)?,
            _ => {
                return Err(self.invalid(document, &pointer, "a schema is an object or a boolean"));
            }
        };
        self.nodes[id] = Node {
            kind,
            common,
            key: canonical(value),
        };
        Ok(id)
    }

    /// `SchemaLoader.loadSchemaObject`: the extracted parts, one or a synthetic `allOf`.
    fn object(
        &mut self,
        document: usize,
        pointer: &str,
        object: &'d Map<String, Value>,
    ) -> Result<(Kind, Common), LoadError> {
        let common = self.common(document, pointer, object)?;
        if let Some(reference) = object.get("$ref") {
            let Some(reference) = reference.as_str() else {
                return Err(self.invalid(document, pointer, "$ref is not a string"));
            };
            let target = self.reference(document, pointer, reference)?;
            return Ok((Kind::Reference(target), common));
        }
        let mut consumed: HashSet<&str> = HashSet::new();
        let mut parts: Vec<Part> = Vec::new();
        if let Some(values) = object.get("enum") {
            consumed.insert("enum");
            let Some(values) = values.as_array() else {
                return Err(self.invalid(document, pointer, "enum is not an array"));
            };
            parts.push(Part {
                kind: Kind::Enum(values.clone()),
                tag: "enum".into(),
            });
        }
        for criterion in [Criterion::All, Criterion::Any, Criterion::One] {
            let keyword = criterion.keyword();
            let Some(list) = object.get(keyword) else {
                continue;
            };
            consumed.insert(keyword);
            let Some(list) = list.as_array() else {
                return Err(self.invalid(document, pointer, format!("{keyword} is not an array")));
            };
            let subschemas = (0..list.len())
                .map(|i| self.load(document, format!("{pointer}/{keyword}/{i}")))
                .collect::<Result<Vec<_>, _>>()?;
            parts.push(Part {
                kind: Kind::Combined {
                    criterion,
                    subschemas,
                },
                tag: keyword.into(),
            });
        }
        if object.contains_key("not") {
            consumed.insert("not");
            let inner = self.load(document, format!("{pointer}/not"))?;
            parts.push(Part {
                kind: Kind::Not(inner),
                tag: "not".into(),
            });
        }
        if self.draft != Draft::Draft4
            && let Some(value) = object.get("const")
        {
            consumed.insert("const");
            parts.push(Part {
                kind: Kind::Const(value.clone()),
                tag: "const".into(),
            });
        }
        match object.get("type") {
            None => {}
            Some(Value::String(name)) => {
                let kind = self.typed(document, pointer, object, name, &mut consumed)?;
                parts.push(Part {
                    kind,
                    tag: format!("type {name}"),
                });
            }
            Some(Value::Array(names)) => {
                let mut subschemas = Vec::new();
                for name in names {
                    let Some(name) = name.as_str() else {
                        return Err(self.invalid(document, pointer, "a type is not a string"));
                    };
                    let kind = self.typed(document, pointer, object, name, &mut consumed)?;
                    let key = format!("type {name} {}", canonical_object(object));
                    subschemas.push(self.push(kind, Common::default(), key));
                }
                parts.push(Part {
                    kind: Kind::Combined {
                        criterion: Criterion::Any,
                        subschemas,
                    },
                    tag: "types".into(),
                });
            }
            Some(_) => {
                return Err(self.invalid(document, pointer, "type is not a string or an array"));
            }
        }
        consumed.insert("type");
        // Keywords of a type no `type` named.
        let unconsumed = |keywords: &[&str]| {
            keywords
                .iter()
                .any(|k| object.contains_key(*k) && !consumed.contains(k))
        };
        let (array, object_keywords, number, string) = (
            unconsumed(self.draft.array_keywords()),
            unconsumed(self.draft.object_keywords()),
            unconsumed(NUMBER_KEYWORDS),
            unconsumed(STRING_KEYWORDS),
        );
        if array {
            let kind = Kind::Array(Box::new(self.array(document, pointer, object)?));
            parts.push(Part {
                kind,
                tag: "array keywords".into(),
            });
        }
        if object_keywords {
            let kind = Kind::Object(Box::new(self.object_schema(document, pointer, object)?));
            parts.push(Part {
                kind,
                tag: "object keywords".into(),
            });
        }
        if number {
            let kind = Kind::Number(self.number(document, pointer, object, false)?);
            parts.push(Part {
                kind,
                tag: "number keywords".into(),
            });
        }
        if string {
            let kind = Kind::String(self.string(document, pointer, object)?);
            parts.push(Part {
                kind,
                tag: "string keywords".into(),
            });
        }
        if self.draft == Draft::Draft7
            && CONDITIONAL_KEYWORDS.iter().any(|k| object.contains_key(*k))
        {
            return Err(LoadError::NotChecked {
                location: self.location(document, pointer),
                reason: "conditional subschemas (`if`, `then`, `else`)".into(),
            });
        }
        let kind = match parts.len() {
            0 => Kind::Empty,
            1 => parts.remove(0).kind,
            _ => {
                let base = canonical_object(object);
                let subschemas = parts
                    .into_iter()
                    .map(|p| self.push(p.kind, Common::default(), format!("{} {base}", p.tag)))
                    .collect();
                Kind::Combined {
                    criterion: Criterion::All,
                    subschemas,
                }
            }
        };
        Ok((kind, common))
    }

    /// `TypeBasedSchemaExtractor.loadForExplicitType`.
    fn typed(
        &mut self,
        document: usize,
        pointer: &str,
        object: &'d Map<String, Value>,
        name: &str,
        consumed: &mut HashSet<&str>,
    ) -> Result<Kind, LoadError> {
        Ok(match name {
            "string" => {
                consumed.extend(STRING_KEYWORDS);
                Kind::String(self.string(document, pointer, object)?)
            }
            "integer" | "number" => {
                consumed.extend(NUMBER_KEYWORDS);
                Kind::Number(self.number(document, pointer, object, name == "integer")?)
            }
            "boolean" => Kind::Boolean,
            "null" => Kind::Null,
            "array" => {
                consumed.extend(self.draft.array_keywords());
                Kind::Array(Box::new(self.array(document, pointer, object)?))
            }
            "object" => {
                consumed.extend(self.draft.object_keywords());
                Kind::Object(Box::new(self.object_schema(document, pointer, object)?))
            }
            other => {
                return Err(self.invalid(document, pointer, format!("unknown type: [{other}]")));
            }
        })
    }

    fn common(
        &self,
        document: usize,
        pointer: &str,
        object: &Map<String, Value>,
    ) -> Result<Common, LoadError> {
        let text = |key: &str| -> Result<Option<String>, LoadError> {
            match object.get(key) {
                None => Ok(None),
                Some(Value::String(s)) => Ok(Some(s.clone())),
                Some(_) => Err(self.invalid(document, pointer, format!("{key} is not a string"))),
            }
        };
        Ok(Common {
            id: text(self.draft.id_keyword())?,
            title: text("title")?,
            description: text("description")?,
            default: object.get("default").cloned(),
            connect_type: object
                .get("connect.type")
                .and_then(Value::as_str)
                .map(str::to_string),
        })
    }

    fn count(
        &self,
        document: usize,
        pointer: &str,
        object: &Map<String, Value>,
        key: &str,
    ) -> Result<Option<u64>, LoadError> {
        match object.get(key) {
            None => Ok(None),
            Some(v) => v.as_u64().map(Some).ok_or_else(|| {
                self.invalid(
                    document,
                    pointer,
                    format!("{key} is not a non-negative integer"),
                )
            }),
        }
    }

    fn string(
        &self,
        document: usize,
        pointer: &str,
        object: &Map<String, Value>,
    ) -> Result<StringNode, LoadError> {
        let pattern = match object.get("pattern") {
            None => None,
            Some(Value::String(p)) => Some(p.clone()),
            Some(_) => return Err(self.invalid(document, pointer, "pattern is not a string")),
        };
        Ok(StringNode {
            min_length: self.count(document, pointer, object, "minLength")?,
            max_length: self.count(document, pointer, object, "maxLength")?,
            pattern,
        })
    }

    fn number(
        &self,
        document: usize,
        pointer: &str,
        object: &Map<String, Value>,
        requires_integer: bool,
    ) -> Result<NumberNode, LoadError> {
        let number = |key: &str| -> Result<Option<f64>, LoadError> {
            match object.get(key) {
                None => Ok(None),
                Some(Value::Number(n)) => Ok(n.as_f64()),
                // Draft 4's `exclusiveMaximum: true` flags `maximum`; Confluent does not
                // compare the flag.
                Some(Value::Bool(_)) if key.starts_with("exclusive") => Ok(None),
                Some(_) => Err(self.invalid(document, pointer, format!("{key} is not a number"))),
            }
        };
        let multiple_of = number("multipleOf")?;
        if multiple_of == Some(0.0) {
            return Err(self.invalid(document, pointer, "multipleOf should not be 0"));
        }
        Ok(NumberNode {
            minimum: number("minimum")?,
            maximum: number("maximum")?,
            exclusive_minimum: number("exclusiveMinimum")?,
            exclusive_maximum: number("exclusiveMaximum")?,
            multiple_of,
            requires_integer,
        })
    }

    fn object_schema(
        &mut self,
        document: usize,
        pointer: &str,
        object: &'d Map<String, Value>,
    ) -> Result<ObjectNode, LoadError> {
        let mut properties = Vec::new();
        if let Some(map) = object.get("properties") {
            let Some(map) = map.as_object() else {
                return Err(self.invalid(document, pointer, "properties is not an object"));
            };
            for key in map.keys() {
                let at = format!("{pointer}/properties/{}", escape(key));
                properties.push((key.clone(), self.load(document, at)?));
            }
        }
        let required = match object.get("required") {
            None => Vec::new(),
            Some(Value::Array(names)) => names
                .iter()
                .map(|n| n.as_str().map(str::to_string))
                .collect::<Option<Vec<_>>>()
                .ok_or_else(|| self.invalid(document, pointer, "required lists a non-string"))?,
            Some(_) => return Err(self.invalid(document, pointer, "required is not an array")),
        };
        let (permits_additional, additional) = match object.get("additionalProperties") {
            None => (true, None),
            Some(Value::Bool(b)) => (*b, None),
            Some(_) => (
                true,
                Some(self.load(document, format!("{pointer}/additionalProperties"))?),
            ),
        };
        let mut pattern_properties = Vec::new();
        if let Some(map) = object.get("patternProperties") {
            let Some(map) = map.as_object() else {
                return Err(self.invalid(document, pointer, "patternProperties is not an object"));
            };
            for pattern in map.keys() {
                let at = format!("{pointer}/patternProperties/{}", escape(pattern));
                let regex = Regex::new(pattern).map_err(|e| LoadError::NotChecked {
                    location: self.location(document, &at),
                    reason: format!(
                        "the pattern `{pattern}`, which is not a regular expression Rust's `regex` reads the way Java does ({e})"
                    ),
                })?;
                pattern_properties.push((regex, self.load(document, at)?));
            }
        }
        let mut property_dependencies = Vec::new();
        let mut schema_dependencies = Vec::new();
        if let Some(map) = object.get("dependencies") {
            let Some(map) = map.as_object() else {
                return Err(self.invalid(document, pointer, "dependencies is not an object"));
            };
            for (key, value) in map {
                match value {
                    Value::Array(names) => {
                        let names = names
                            .iter()
                            .map(|n| n.as_str().map(str::to_string))
                            .collect::<Option<Vec<_>>>()
                            .ok_or_else(|| {
                                self.invalid(document, pointer, "a dependency lists a non-string")
                            })?;
                        property_dependencies.push((key.clone(), names));
                    }
                    _ => {
                        let at = format!("{pointer}/dependencies/{}", escape(key));
                        schema_dependencies.push((key.clone(), self.load(document, at)?));
                    }
                }
            }
        }
        Ok(ObjectNode {
            properties,
            required,
            permits_additional,
            additional,
            pattern_properties,
            min_properties: self.count(document, pointer, object, "minProperties")?,
            max_properties: self.count(document, pointer, object, "maxProperties")?,
            property_dependencies,
            schema_dependencies,
        })
    }

    fn array(
        &mut self,
        document: usize,
        pointer: &str,
        object: &'d Map<String, Value>,
    ) -> Result<ArrayNode, LoadError> {
        let (all_items, item_schemas) = match object.get("items") {
            None => (None, None),
            Some(Value::Array(list)) => (
                None,
                Some(
                    (0..list.len())
                        .map(|i| self.load(document, format!("{pointer}/items/{i}")))
                        .collect::<Result<Vec<_>, _>>()?,
                ),
            ),
            Some(_) => (Some(self.load(document, format!("{pointer}/items"))?), None),
        };
        let (permits_additional, additional) = match object.get("additionalItems") {
            None => (true, None),
            Some(Value::Bool(b)) => (*b, None),
            Some(_) => (
                true,
                Some(self.load(document, format!("{pointer}/additionalItems"))?),
            ),
        };
        let unique_items = match object.get("uniqueItems") {
            None => false,
            Some(Value::Bool(b)) => *b,
            Some(_) => return Err(self.invalid(document, pointer, "uniqueItems is not a boolean")),
        };
        Ok(ArrayNode {
            all_items,
            item_schemas,
            permits_additional,
            additional,
            min_items: self.count(document, pointer, object, "minItems")?,
            max_items: self.count(document, pointer, object, "maxItems")?,
            unique_items,
        })
    }

    /// The node a `$ref` in `document` (at `pointer`) points to: a JSON pointer into that
    /// document or into a reference, found by name or `$id` (relative to the document's
    /// `$id`).
    fn reference(
        &mut self,
        document: usize,
        pointer: &str,
        reference: &str,
    ) -> Result<NodeId, LoadError> {
        let (uri, fragment) = reference.split_once('#').unwrap_or((reference, ""));
        let target = if uri.is_empty() {
            document
        } else {
            let base = self.documents[document].id(self.draft);
            let wanted = resolve(base, uri);
            self.documents
                .iter()
                .position(|d| {
                    d.name == uri
                        || (!d.name.is_empty() && resolve(base, &d.name) == wanted)
                        || d.id(self.draft).is_some_and(|id| id == wanted)
                })
                .ok_or_else(|| LoadError::Unresolved {
                    location: self.location(document, pointer),
                    reference: reference.to_string(),
                })?
        };
        if !fragment.is_empty() && !fragment.starts_with('/') {
            return Err(LoadError::NotChecked {
                location: self.location(document, pointer),
                reason: format!("the $ref `{reference}` to a named anchor"),
            });
        }
        let fragment = percent_decode(fragment);
        if self.documents[target].value.pointer(&fragment).is_none() {
            return Err(self.invalid(
                document,
                pointer,
                format!("$ref `{reference}` points to nothing"),
            ));
        }
        self.load(target, fragment)
    }
}

/// `reference` resolved against a base URI: as is when absolute, else beside the base's last
/// segment.
fn resolve(base: Option<&str>, reference: &str) -> String {
    if reference.contains("://") || reference.starts_with("urn:") {
        return reference.to_string();
    }
    match base.and_then(|b| b.rfind('/').map(|i| &b[..=i])) {
        Some(directory) => format!("{directory}{reference}"),
        None => reference.to_string(),
    }
}

/// A JSON pointer token for `key` (`~` and `/` escaped).
pub(crate) fn escape(key: &str) -> String {
    key.replace('~', "~0").replace('/', "~1")
}

/// `%XX` escapes of a URI fragment decoded.
fn percent_decode(text: &str) -> String {
    let bytes = text.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        let hex = |b: u8| (b as char).to_digit(16);
        if bytes[i] == b'%'
            && let (Some(h), Some(l)) = (
                bytes.get(i + 1).copied().and_then(hex),
                bytes.get(i + 2).copied().and_then(hex),
            )
        {
            out.push((h * 16 + l) as u8);
            i += 3;
            continue;
        }
        out.push(bytes[i]);
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

/// A value's JSON with object keys sorted: equal schemas have equal text.
pub(crate) fn canonical(value: &Value) -> String {
    match value {
        Value::Object(object) => canonical_object(object),
        Value::Array(items) => format!(
            "[{}]",
            items.iter().map(canonical).collect::<Vec<_>>().join(",")
        ),
        other => other.to_string(),
    }
}

fn canonical_object(object: &Map<String, Value>) -> String {
    let mut keys: Vec<&String> = object.keys().collect();
    keys.sort();
    let fields: Vec<String> = keys
        .into_iter()
        .map(|k| format!("{}:{}", Value::String(k.clone()), canonical(&object[k])))
        .collect();
    format!("{{{}}}", fields.join(","))
}
