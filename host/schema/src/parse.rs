//! Avro schema JSON (`.avsc`) parsed into a graph the compatibility checker can walk.
//!
//! Hand-written over `serde_json` rather than `apache_avro::Schema`, because the checker must
//! reproduce Avro Java's `SchemaCompatibility` exactly, and that needs three things
//! `apache_avro::Schema` does not give:
//!
//! - **identity of schema nodes.** Java memoises reader/writer pairs by object identity: a named
//!   type is one object however often it is referenced, every other occurrence is a new object.
//!   The memo decides which locations repeated incompatibilities carry (a second reference to
//!   the same pair of records reports the first one's location). Here every occurrence is a node
//!   in an arena and a reference to a named type is the id of its definition; apache-avro keeps
//!   references as `Schema::Ref { name }` to be looked up again.
//! - **aliases qualified as Java qualifies them** (an alias without a dot takes the namespace of
//!   the schema that declares it, `Schema.Name(alias, space)`), and the unqualified name beside
//!   the full one (`SchemaCompatibility.schemaNameEquals` compares unqualified names).
//! - **Java's parse rules and messages** (`Schema.Parser`): names defined before use, no
//!   redefinition, no nested unions or duplicate branches, enum defaults among the symbols,
//!   field defaults valid for their type (`Schema.isValidDefault`, where a union default may
//!   match any branch as in Avro 1.12).

use std::collections::{HashMap, HashSet};
use std::fmt;

use serde_json::{Map, Value};

/// The index of a node in a [`Schema`]'s arena.
pub type NodeId = usize;

/// Avro's schema types, displayed as Java's `Schema.Type` names (`INT`, `RECORD`, …), which
/// appear in `SchemaCompatibility`'s messages.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Type {
    /// `null`.
    Null,
    /// `boolean`.
    Boolean,
    /// `int`.
    Int,
    /// `long`.
    Long,
    /// `float`.
    Float,
    /// `double`.
    Double,
    /// `bytes`.
    Bytes,
    /// `string`.
    String,
    /// `array`.
    Array,
    /// `map`.
    Map,
    /// A union (a JSON array of schemas).
    Union,
    /// `record` (or `error`).
    Record,
    /// `enum`.
    Enum,
    /// `fixed`.
    Fixed,
}

impl Type {
    fn primitive(name: &str) -> Option<Type> {
        Some(match name {
            "null" => Type::Null,
            "boolean" => Type::Boolean,
            "int" => Type::Int,
            "long" => Type::Long,
            "float" => Type::Float,
            "double" => Type::Double,
            "bytes" => Type::Bytes,
            "string" => Type::String,
            _ => return None,
        })
    }

    /// Java's `Schema.Type.name()`.
    pub fn java_name(self) -> &'static str {
        match self {
            Type::Null => "NULL",
            Type::Boolean => "BOOLEAN",
            Type::Int => "INT",
            Type::Long => "LONG",
            Type::Float => "FLOAT",
            Type::Double => "DOUBLE",
            Type::Bytes => "BYTES",
            Type::String => "STRING",
            Type::Array => "ARRAY",
            Type::Map => "MAP",
            Type::Union => "UNION",
            Type::Record => "RECORD",
            Type::Enum => "ENUM",
            Type::Fixed => "FIXED",
        }
    }
}

impl fmt::Display for Type {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.java_name())
    }
}

/// The name of a named type (record, enum, fixed).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Name {
    /// The unqualified name.
    pub name: String,
    /// The namespace, if any.
    pub namespace: Option<String>,
}

impl Name {
    /// `Schema.Name(name, space)`: a name with a dot is already full; otherwise it takes the
    /// given namespace (an empty namespace is none).
    fn new(name: &str, space: Option<&str>) -> Name {
        match name.rfind('.') {
            Some(dot) => Name {
                name: name[dot + 1..].to_string(),
                namespace: Some(name[..dot].to_string()).filter(|s| !s.is_empty()),
            },
            None => Name {
                name: name.to_string(),
                namespace: space.filter(|s| !s.is_empty()).map(str::to_string),
            },
        }
    }

    /// The full name: `namespace.name`, or the name alone.
    pub fn full(&self) -> String {
        match &self.namespace {
            Some(ns) => format!("{ns}.{}", self.name),
            None => self.name.clone(),
        }
    }
}

/// A record field.
#[derive(Debug, Clone)]
pub struct Field {
    /// The field's name.
    pub name: String,
    /// The field's aliases, as written.
    pub aliases: Vec<String>,
    /// The field's type.
    pub schema: NodeId,
    /// The default value, when there is one (a JSON `null` default is a default).
    pub default: Option<Value>,
}

/// One node of a parsed schema.
#[derive(Debug, Clone)]
pub enum Node {
    /// A primitive type (logical types are primitives with attributes, which resolution
    /// ignores).
    Primitive(Type),
    /// `{"type": "array", "items": …}`.
    Array {
        /// The element type.
        items: NodeId,
    },
    /// `{"type": "map", "values": …}`.
    Map {
        /// The value type.
        values: NodeId,
    },
    /// A union.
    Union {
        /// The branches, in order.
        branches: Vec<NodeId>,
    },
    /// A record.
    Record {
        /// Its name.
        name: Name,
        /// Its aliases, as full names.
        aliases: Vec<String>,
        /// Its fields, in order.
        fields: Vec<Field>,
    },
    /// An enum.
    Enum {
        /// Its name.
        name: Name,
        /// Its aliases, as full names.
        aliases: Vec<String>,
        /// Its symbols, in order.
        symbols: Vec<String>,
        /// The enum's own default symbol (Avro 1.9+), used for unknown writer symbols.
        default: Option<String>,
    },
    /// A fixed-size byte string.
    Fixed {
        /// Its name.
        name: Name,
        /// Its aliases, as full names.
        aliases: Vec<String>,
        /// Its size in bytes.
        size: u64,
    },
}

impl Node {
    /// The node's type.
    pub fn kind(&self) -> Type {
        match self {
            Node::Primitive(t) => *t,
            Node::Array { .. } => Type::Array,
            Node::Map { .. } => Type::Map,
            Node::Union { .. } => Type::Union,
            Node::Record { .. } => Type::Record,
            Node::Enum { .. } => Type::Enum,
            Node::Fixed { .. } => Type::Fixed,
        }
    }

    /// The name and aliases of a named type.
    pub fn name(&self) -> Option<(&Name, &[String])> {
        match self {
            Node::Record { name, aliases, .. }
            | Node::Enum { name, aliases, .. }
            | Node::Fixed { name, aliases, .. } => Some((name, aliases)),
            _ => None,
        }
    }
}

/// A parsed Avro schema: an arena of nodes and its root.
#[derive(Debug, Clone)]
pub struct Schema {
    nodes: Vec<Node>,
    root: NodeId,
}

impl Schema {
    /// Parses schema JSON text.
    pub fn parse(text: &str) -> Result<Schema, ParseError> {
        let json: Value = serde_json::from_str(text).map_err(|e| ParseError {
            path: String::new(),
            message: format!("not JSON: {e}"),
        })?;
        Schema::from_json(&json)
    }

    /// Parses a schema from JSON already read.
    pub fn from_json(json: &Value) -> Result<Schema, ParseError> {
        Schema::from_json_with_references(json, &[])
    }

    /// Parses schema text that names types defined by `references` (the texts of a registry's
    /// schema references), each of which may name types of the ones before it: Avro Java's
    /// `Schema.Parser` fed the references first, then the schema.
    pub fn parse_with_references(text: &str, references: &[&str]) -> Result<Schema, ParseError> {
        let json = |text: &str| -> Result<Value, ParseError> {
            serde_json::from_str(text).map_err(|e| ParseError {
                path: String::new(),
                message: format!("not JSON: {e}"),
            })
        };
        let references = references
            .iter()
            .map(|text| json(text))
            .collect::<Result<Vec<_>, _>>()?;
        Schema::from_json_with_references(&json(text)?, &references)
    }

    fn from_json_with_references(json: &Value, references: &[Value]) -> Result<Schema, ParseError> {
        let mut parser = Parser {
            nodes: Vec::new(),
            names: HashMap::new(),
            path: Vec::new(),
            defaults: Vec::new(),
        };
        for reference in references {
            parser.parse(reference, None)?;
        }
        let root = parser.parse(json, None)?;
        for (record, index, path) in std::mem::take(&mut parser.defaults) {
            parser.check_default(record, index, &path)?;
        }
        Ok(Schema {
            nodes: parser.nodes,
            root,
        })
    }

    /// The root node.
    pub fn root(&self) -> NodeId {
        self.root
    }

    /// A node by id.
    pub fn node(&self, id: NodeId) -> &Node {
        &self.nodes[id]
    }
}

/// A schema that Avro's parser would reject: where (a JSON pointer into the schema document)
/// and why, in the words of Java's `SchemaParseException` where it has them.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{}{message}", if path.is_empty() { String::new() } else { format!("at {path}: ") })]
pub struct ParseError {
    /// The JSON pointer of the offending element (empty for the document).
    pub path: String,
    /// What is wrong.
    pub message: String,
}

struct Parser {
    nodes: Vec<Node>,
    names: HashMap<String, NodeId>,
    path: Vec<String>,
    /// Field defaults to validate once every type is complete: (record, field index, path).
    defaults: Vec<(NodeId, usize, String)>,
}

impl Parser {
    fn error(&self, message: impl Into<String>) -> ParseError {
        ParseError {
            path: pointer(&self.path),
            message: message.into(),
        }
    }

    fn push(&mut self, node: Node) -> NodeId {
        self.nodes.push(node);
        self.nodes.len() - 1
    }

    fn at<T>(
        &mut self,
        token: impl ToString,
        f: impl FnOnce(&mut Self) -> Result<T, ParseError>,
    ) -> Result<T, ParseError> {
        self.path.push(token.to_string());
        let result = f(self);
        self.path.pop();
        result
    }

    fn parse(&mut self, json: &Value, space: Option<&str>) -> Result<NodeId, ParseError> {
        match json {
            Value::String(name) => self.lookup(name, space),
            Value::Array(branches) => self.parse_union(branches, space),
            Value::Object(map) => self.parse_object(map, space),
            other => Err(self.error(format!("Schema not yet supported: {other}"))),
        }
    }

    /// `Schema.Names.get`: a primitive, else the name in the current namespace, else the name
    /// in no namespace.
    fn lookup(&mut self, name: &str, space: Option<&str>) -> Result<NodeId, ParseError> {
        if let Some(t) = Type::primitive(name) {
            return Ok(self.push(Node::Primitive(t)));
        }
        let qualified = Name::new(name, space).full();
        if let Some(&id) = self.names.get(&qualified) {
            return Ok(id);
        }
        if let Some(&id) = self.names.get(name) {
            return Ok(id);
        }
        Err(self.error(format!("Undefined name: \"{name}\"")))
    }

    fn parse_union(
        &mut self,
        branches: &[Value],
        space: Option<&str>,
    ) -> Result<NodeId, ParseError> {
        let mut ids = Vec::with_capacity(branches.len());
        let mut seen = HashSet::new();
        for (i, branch) in branches.iter().enumerate() {
            let id = self.at(i, |p| p.parse(branch, space))?;
            let node = &self.nodes[id];
            if node.kind() == Type::Union {
                return Err(self.error(format!("Nested union at branch {i}")));
            }
            let key = match node.name() {
                Some((name, _)) => name.full(),
                None => node.kind().java_name().to_ascii_lowercase(),
            };
            if !seen.insert(key.clone()) {
                return Err(self.error(format!("Duplicate in union:{key}")));
            }
            ids.push(id);
        }
        Ok(self.push(Node::Union { branches: ids }))
    }

    fn parse_object(
        &mut self,
        map: &Map<String, Value>,
        space: Option<&str>,
    ) -> Result<NodeId, ParseError> {
        let Some(kind) = map.get("type") else {
            return Err(self.error("No type"));
        };
        // `getRequiredText(schema, "type", "No type")`: a nested schema is not a type name.
        let Value::String(kind) = kind else {
            return Err(self.error("No type"));
        };
        let kind = kind.as_str();
        if let Some(t) = Type::primitive(kind) {
            return Ok(self.push(Node::Primitive(t)));
        }
        match kind {
            "array" => {
                let items = self.required(map, "items", "Array has no items type")?;
                let items = self.at("items", |p| p.parse(items, space))?;
                Ok(self.push(Node::Array { items }))
            }
            "map" => {
                let values = self.required(map, "values", "Map has no values type")?;
                let values = self.at("values", |p| p.parse(values, space))?;
                Ok(self.push(Node::Map { values }))
            }
            "record" | "error" | "enum" | "fixed" => self.parse_named(kind, map, space),
            other => self.lookup(other, space),
        }
    }

    fn required<'a>(
        &self,
        map: &'a Map<String, Value>,
        key: &str,
        message: &str,
    ) -> Result<&'a Value, ParseError> {
        map.get(key).ok_or_else(|| self.error(message))
    }

    fn parse_named(
        &mut self,
        kind: &str,
        map: &Map<String, Value>,
        space: Option<&str>,
    ) -> Result<NodeId, ParseError> {
        let Some(Value::String(raw_name)) = map.get("name") else {
            return Err(self.error("No name in schema"));
        };
        let explicit_space = match map.get("namespace") {
            None | Some(Value::Null) => space.map(str::to_string),
            Some(Value::String(s)) => Some(s.clone()),
            Some(other) => return Err(self.error(format!("namespace not a string: {other}"))),
        };
        let name = Name::new(raw_name, explicit_space.as_deref());
        validate_name(&name.name).map_err(|m| self.error(m))?;
        if Type::primitive(&name.name).is_some() && name.namespace.is_none() {
            return Err(self.error(format!(
                "Schemas may not be named after primitives: {}",
                name.name
            )));
        }
        let full = name.full();
        if self.names.contains_key(&full) {
            return Err(self.error(format!("Can't redefine: {full}")));
        }
        let aliases = self.aliases(map)?;
        let own_space = name.namespace.clone();
        let aliases: Vec<String> = aliases
            .iter()
            .map(|a| Name::new(a, own_space.as_deref()).full())
            .collect();
        match kind {
            "enum" => {
                let Some(Value::Array(raw)) = map.get("symbols") else {
                    return Err(self.error("Enum has no symbols"));
                };
                let mut symbols = Vec::with_capacity(raw.len());
                for s in raw {
                    let Value::String(s) = s else {
                        return Err(self.error(format!("Enum symbol not a string: {s}")));
                    };
                    validate_name(s).map_err(|m| self.error(m))?;
                    if symbols.contains(s) {
                        return Err(self.error(format!("Duplicate enum symbol: {s}")));
                    }
                    symbols.push(s.clone());
                }
                let default = match map.get("default") {
                    None | Some(Value::Null) => None,
                    Some(Value::String(d)) if symbols.contains(d) => Some(d.clone()),
                    Some(d) => {
                        return Err(self.error(format!(
                            "The Enum Default: {} is not in the enum symbol set: [{}]",
                            d.as_str().unwrap_or(&d.to_string()),
                            symbols.join(", ")
                        )));
                    }
                };
                let id = self.push(Node::Enum {
                    name,
                    aliases,
                    symbols,
                    default,
                });
                self.names.insert(full, id);
                Ok(id)
            }
            "fixed" => {
                let size = match map.get("size") {
                    Some(Value::Number(n)) => n.as_u64().filter(|s| *s <= i32::MAX as u64),
                    _ => None,
                };
                let Some(size) = size else {
                    return Err(
                        self.error("Invalid or no size: fixed needs a non-negative int size")
                    );
                };
                let id = self.push(Node::Fixed {
                    name,
                    aliases,
                    size,
                });
                self.names.insert(full, id);
                Ok(id)
            }
            _ => {
                let Some(Value::Array(raw_fields)) = map.get("fields") else {
                    return Err(self.error("Record has no fields"));
                };
                // Defined before its fields, so that a field may refer to the record itself.
                let id = self.push(Node::Record {
                    name,
                    aliases,
                    fields: Vec::new(),
                });
                self.names.insert(full.clone(), id);
                let mut fields: Vec<Field> = Vec::with_capacity(raw_fields.len());
                self.path.push("fields".into());
                for (i, raw) in raw_fields.iter().enumerate() {
                    let field = self.at(i, |p| p.parse_field(raw, own_space.as_deref()))?;
                    if fields.iter().any(|f| f.name == field.name) {
                        // The path is left as it is: an error ends the parse.
                        let message = format!("Duplicate field {} in record {full}", field.name);
                        return Err(self.error(message));
                    }
                    if field.default.is_some() {
                        let mut path = self.path.clone();
                        path.push(i.to_string());
                        path.push("default".into());
                        self.defaults.push((id, i, pointer(&path)));
                    }
                    fields.push(field);
                }
                self.path.pop();
                if let Node::Record { fields: slot, .. } = &mut self.nodes[id] {
                    *slot = fields;
                }
                Ok(id)
            }
        }
    }

    fn aliases(&self, map: &Map<String, Value>) -> Result<Vec<String>, ParseError> {
        match map.get("aliases") {
            None | Some(Value::Null) => Ok(Vec::new()),
            Some(Value::Array(list)) => list
                .iter()
                .map(|a| match a {
                    Value::String(s) => Ok(s.clone()),
                    other => Err(self.error(format!("alias not a string: {other}"))),
                })
                .collect(),
            Some(other) => Err(self.error(format!("aliases not an array: {other}"))),
        }
    }

    fn parse_field(&mut self, raw: &Value, space: Option<&str>) -> Result<Field, ParseError> {
        let Value::Object(map) = raw else {
            return Err(self.error("Field not an object"));
        };
        let Some(Value::String(name)) = map.get("name") else {
            return Err(self.error("No field name"));
        };
        validate_name(name).map_err(|m| self.error(m))?;
        let Some(kind) = map.get("type") else {
            return Err(self.error(format!("No field type: {name}")));
        };
        let schema = self.at("type", |p| p.parse(kind, space))?;
        Ok(Field {
            name: name.clone(),
            aliases: self.aliases(map)?,
            schema,
            default: map.get("default").cloned(),
        })
    }

    fn check_default(&self, record: NodeId, index: usize, path: &str) -> Result<(), ParseError> {
        let Node::Record { fields, .. } = &self.nodes[record] else {
            return Ok(());
        };
        let field = &fields[index];
        let Some(default) = &field.default else {
            return Ok(());
        };
        if self.valid_default(field.schema, default, 0) {
            return Ok(());
        }
        Err(ParseError {
            path: path.to_string(),
            message: format!(
                "Invalid default for field {}: {} not a {}",
                field.name,
                default,
                self.describe(field.schema)
            ),
        })
    }

    fn describe(&self, id: NodeId) -> String {
        let node = &self.nodes[id];
        match node {
            Node::Union { branches } => format!(
                "[{}]",
                branches
                    .iter()
                    .map(|b| self.describe(*b))
                    .collect::<Vec<_>>()
                    .join(",")
            ),
            _ => match node.name() {
                Some((name, _)) => name.full(),
                None => node.kind().java_name().to_ascii_lowercase(),
            },
        }
    }

    /// `Schema.isValidDefault` (Avro 1.12): a union's default may match any branch.
    fn valid_default(&self, id: NodeId, value: &Value, depth: usize) -> bool {
        // A default nested deeper than any sane schema: recursive records with object defaults.
        if depth > 64 {
            return false;
        }
        match &self.nodes[id] {
            Node::Primitive(t) => match t {
                Type::Null => value.is_null(),
                Type::Boolean => value.is_boolean(),
                Type::Int => value.as_i64().is_some_and(|n| i32::try_from(n).is_ok()),
                Type::Long => value.is_i64(),
                Type::Float | Type::Double => value.is_number(),
                Type::Bytes | Type::String => value.is_string(),
                _ => false,
            },
            Node::Enum { .. } | Node::Fixed { .. } => value.is_string(),
            Node::Array { items } => value.as_array().is_some_and(|values| {
                values
                    .iter()
                    .all(|v| self.valid_default(*items, v, depth + 1))
            }),
            Node::Map { values } => value.as_object().is_some_and(|map| {
                map.values()
                    .all(|v| self.valid_default(*values, v, depth + 1))
            }),
            Node::Union { branches } => branches
                .iter()
                .any(|b| self.valid_default(*b, value, depth + 1)),
            Node::Record { fields, .. } => value.as_object().is_some_and(|map| {
                fields
                    .iter()
                    .all(|f| match map.get(&f.name).or(f.default.as_ref()) {
                        Some(v) => self.valid_default(f.schema, v, depth + 1),
                        None => false,
                    })
            }),
        }
    }
}

/// `Schema.validateName`: a letter or `_`, then letters, digits or `_`.
fn validate_name(name: &str) -> Result<(), String> {
    let mut chars = name.chars();
    match chars.next() {
        None => return Err("Empty name".into()),
        Some(c) if !(c.is_alphabetic() || c == '_') => {
            return Err(format!("Illegal initial character: {name}"));
        }
        _ => {}
    }
    if chars.any(|c| !(c.is_alphanumeric() || c == '_')) {
        return Err(format!("Illegal character in: {name}"));
    }
    Ok(())
}

/// A JSON pointer (RFC 6901) from reference tokens.
pub(crate) fn pointer(tokens: &[String]) -> String {
    let mut s = String::new();
    for t in tokens {
        s.push('/');
        s.push_str(&t.replace('~', "~0").replace('/', "~1"));
    }
    s
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn references_resolve_to_the_definition() {
        let s = Schema::parse(
            r#"{"type":"record","name":"List","namespace":"n","fields":[
                {"name":"head","type":"int"},{"name":"tail","type":["null","List"]}]}"#,
        )
        .unwrap();
        let Node::Record { fields, name, .. } = s.node(s.root()) else {
            panic!("record")
        };
        assert_eq!(name.full(), "n.List");
        let Node::Union { branches } = s.node(fields[1].schema) else {
            panic!("union")
        };
        assert_eq!(branches[1], s.root());
    }

    #[test]
    fn aliases_take_the_schema_namespace() {
        let s = Schema::parse(
            r#"{"type":"enum","name":"a.E","aliases":["Old","x.Other"],"symbols":["A"]}"#,
        )
        .unwrap();
        let (_, aliases) = s.node(s.root()).name().unwrap();
        assert_eq!(aliases, ["a.Old", "x.Other"]);
    }

    #[test]
    fn java_parse_errors() {
        let cases = [
            (
                r#"{"type":"record","name":"R","fields":[{"name":"a","type":"Nope"}]}"#,
                "at /fields/0/type: Undefined name: \"Nope\"",
            ),
            (r#"["int",["long"]]"#, "Nested union at branch 1"),
            (r#"["int","int"]"#, "Duplicate in union:int"),
            (
                r#"{"type":"enum","name":"E","symbols":["A","A"]}"#,
                "Duplicate enum symbol: A",
            ),
            (
                r#"{"type":"enum","name":"E","symbols":["A"],"default":"B"}"#,
                "The Enum Default: B is not in the enum symbol set: [A]",
            ),
            (
                r#"{"type":"record","name":"R","fields":[{"name":"a","type":"int","default":"x"}]}"#,
                "at /fields/0/default: Invalid default for field a: \"x\" not a int",
            ),
            (
                r#"{"type":"record","name":"R","fields":[{"name":"a","type":["null","int"],"default":1.5}]}"#,
                "at /fields/0/default: Invalid default for field a: 1.5 not a [null,int]",
            ),
            (
                r#"{"type":"fixed","name":"F"}"#,
                "Invalid or no size: fixed needs a non-negative int size",
            ),
            (r#"{"type":{"type":"int"}}"#, "No type"),
            (
                r#"{"type":"record","name":"1R","fields":[]}"#,
                "Illegal initial character: 1R",
            ),
            (
                r#"{"type":"record","name":"R","fields":[{"name":"a","type":"int"},{"name":"a","type":"int"}]}"#,
                "at /fields: Duplicate field a in record R",
            ),
            (
                r#"[{"type":"fixed","name":"F","size":1},{"type":"fixed","name":"F","size":2}]"#,
                "at /1: Can't redefine: F",
            ),
            (
                "{",
                "not JSON: EOF while parsing an object at line 1 column 1",
            ),
        ];
        for (text, expected) in cases {
            let e = Schema::parse(text).expect_err(text);
            assert_eq!(e.to_string(), expected, "{text}");
        }
    }

    #[test]
    fn union_defaults_may_match_any_branch() {
        Schema::parse(
            r#"{"type":"record","name":"R","fields":[{"name":"a","type":["string","null"],"default":null}]}"#,
        )
        .expect("Avro 1.12 accepts a default matching a later branch");
    }
}
