//! Reader/writer compatibility, as Avro Java's `org.apache.avro.SchemaCompatibility`
//! (`ReaderWriterCompatibilityChecker`, Avro 1.12) computes it.
//!
//! A reader schema is compatible with a writer schema when every datum written with the writer
//! can be decoded with the reader (Avro's schema resolution). The walk, the order of the
//! incompatibilities, their types, messages and JSON-pointer locations are Java's, including
//! its quirks:
//!
//! - reader/writer pairs are memoised by node identity; a pair met again while it is being
//!   checked counts as compatible (recursive schemas), and a pair met again afterwards returns
//!   the first result, with the locations it had then;
//! - branches of unions are checked from a fresh root (Java calls its public two-argument
//!   `getCompatibility`), and only `MISSING_UNION_BRANCH` at the union's location is reported,
//!   not why the branch failed;
//! - names match on the unqualified name, or on a reader alias equal to the writer's full name;
//! - a reader field missing from the writer, without a default, whose type is an enum with its
//!   own default is checked as that enum against the writer *record* (so it reports
//!   `TYPE_MISMATCH` at `…/type`).

use std::collections::{BTreeSet, HashMap};
use std::fmt;

use serde::Serialize;

use super::parse::{Field, Node, NodeId, Schema, Type, pointer};

/// Java's `SchemaCompatibility.SchemaIncompatibilityType`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum IncompatibilityType {
    /// Named types whose names (and reader aliases) do not match.
    NameMismatch,
    /// Fixed types of different sizes.
    FixedSizeMismatch,
    /// Writer enum symbols the reader lacks (and the reader enum has no default).
    MissingEnumSymbols,
    /// A reader field absent from the writer record, without a default value.
    ReaderFieldMissingDefaultValue,
    /// Types that do not resolve (no promotion from the writer's type to the reader's).
    TypeMismatch,
    /// A writer type no branch of the reader union can read.
    MissingUnionBranch,
}

impl IncompatibilityType {
    /// Java's constant name, e.g. `READER_FIELD_MISSING_DEFAULT_VALUE`.
    pub fn as_str(self) -> &'static str {
        match self {
            IncompatibilityType::NameMismatch => "NAME_MISMATCH",
            IncompatibilityType::FixedSizeMismatch => "FIXED_SIZE_MISMATCH",
            IncompatibilityType::MissingEnumSymbols => "MISSING_ENUM_SYMBOLS",
            IncompatibilityType::ReaderFieldMissingDefaultValue => {
                "READER_FIELD_MISSING_DEFAULT_VALUE"
            }
            IncompatibilityType::TypeMismatch => "TYPE_MISMATCH",
            IncompatibilityType::MissingUnionBranch => "MISSING_UNION_BRANCH",
        }
    }
}

impl fmt::Display for IncompatibilityType {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// One incompatibility: Java's `SchemaCompatibility.Incompatibility` without the schema
/// fragments.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Incompatibility {
    /// What kind of incompatibility.
    #[serde(rename = "type")]
    pub kind: IncompatibilityType,
    /// Where, as Java's `getLocation()`: a JSON pointer into the reader schema's document
    /// (`/fields/1/type`), `/` for the root.
    pub location: String,
    /// Java's message (`reader type: INT not compatible with writer type: LONG`, the missing
    /// symbols `[C]`, the field name, …).
    pub message: String,
    /// For `MISSING_UNION_BRANCH`, which Java reports without a reason: why the reader
    /// branch of the same type (and name) cannot read the writer's, located in the reader
    /// schema. Not part of Java's result; empty when no branch corresponds.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub causes: Vec<Incompatibility>,
}

/// A check that Java aborts with an `AvroRuntimeException`.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum CompatibilityError {
    /// `SchemaCompatibility.lookupWriterField`: a reader field whose name and aliases match
    /// more than one writer field.
    #[error("reader record field {field} matches multiple fields in writer record schema {record}")]
    AmbiguousField {
        /// The reader field.
        field: String,
        /// The writer record's full name.
        record: String,
    },
}

/// Checks whether `reader` can decode every datum written with `writer`. An empty list means
/// compatible.
pub fn check_reader_writer(
    reader: &Schema,
    writer: &Schema,
) -> Result<Vec<Incompatibility>, CompatibilityError> {
    let mut checker = Checker {
        reader,
        writer,
        memo: HashMap::new(),
    };
    checker.fresh(reader.root(), writer.root())
}

enum Memo {
    InProgress,
    Done(Vec<Incompatibility>),
}

type Outcome = Result<Vec<Incompatibility>, CompatibilityError>;

struct Checker<'a> {
    reader: &'a Schema,
    writer: &'a Schema,
    memo: HashMap<(NodeId, NodeId), Memo>,
}

impl Checker<'_> {
    /// Java's public `getCompatibility(reader, writer)`: a fresh location stack.
    fn fresh(&mut self, r: NodeId, w: NodeId) -> Outcome {
        let mut location = Vec::new();
        self.get("", r, w, &mut location)
    }

    /// Java's private `getCompatibility(token, reader, writer, location)`, memoised.
    fn get(&mut self, token: &str, r: NodeId, w: NodeId, location: &mut Vec<String>) -> Outcome {
        location.push(token.to_string());
        let result = match self.memo.get(&(r, w)) {
            // Recursion: compatible unless proven otherwise.
            Some(Memo::InProgress) => Ok(Vec::new()),
            Some(Memo::Done(result)) => Ok(result.clone()),
            None => {
                self.memo.insert((r, w), Memo::InProgress);
                let result = self.calculate(r, w, location);
                if let Ok(found) = &result {
                    self.memo.insert((r, w), Memo::Done(found.clone()));
                }
                result
            }
        };
        location.pop();
        result
    }

    fn calculate(&mut self, r: NodeId, w: NodeId, location: &mut Vec<String>) -> Outcome {
        // Copies of the schema references: nodes borrowed from them outlive `&mut self`.
        let (reader_schema, writer_schema) = (self.reader, self.writer);
        let reader = reader_schema.node(r);
        let writer = writer_schema.node(w);
        let (rt, wt) = (reader.kind(), writer.kind());
        let mut result = Vec::new();
        if rt == wt {
            match (reader, writer) {
                (Node::Array { items: ri }, Node::Array { items: wi }) => {
                    return self.get("items", *ri, *wi, location);
                }
                (Node::Map { values: rv }, Node::Map { values: wv }) => {
                    return self.get("values", *rv, *wv, location);
                }
                (Node::Fixed { size: rs, .. }, Node::Fixed { size: ws, .. }) => {
                    result.extend(self.check_names(reader, writer, location));
                    if rs != ws {
                        location.push("size".into());
                        result.push(incompatible(
                            IncompatibilityType::FixedSizeMismatch,
                            format!("expected: {ws}, found: {rs}"),
                            location,
                        ));
                        location.pop();
                    }
                }
                (
                    Node::Enum {
                        symbols: rs,
                        default: rd,
                        ..
                    },
                    Node::Enum { symbols: ws, .. },
                ) => {
                    result.extend(self.check_names(reader, writer, location));
                    let missing: BTreeSet<&String> =
                        ws.iter().filter(|s| !rs.contains(s)).collect();
                    let has_default = rd.as_ref().is_some_and(|d| rs.contains(d));
                    if !missing.is_empty() && !has_default {
                        location.push("symbols".into());
                        let list: Vec<&str> = missing.iter().map(|s| s.as_str()).collect();
                        result.push(incompatible(
                            IncompatibilityType::MissingEnumSymbols,
                            format!("[{}]", list.join(", ")),
                            location,
                        ));
                        location.pop();
                    }
                }
                (Node::Record { fields: rf, .. }, Node::Record { .. }) => {
                    result.extend(self.check_names(reader, writer, location));
                    let fields = rf.clone();
                    result.extend(self.check_fields(&fields, w, location)?);
                }
                (Node::Union { .. }, Node::Union { branches }) => {
                    // Every branch of the writer union must be readable.
                    for (i, branch) in branches.clone().into_iter().enumerate() {
                        let union_location = pointer(&location[1..]);
                        location.push(i.to_string());
                        let inner = self.fresh(r, branch)?;
                        if !inner.is_empty() {
                            let mut found = incompatible(
                                IncompatibilityType::MissingUnionBranch,
                                format!(
                                    "reader union lacking writer type: {}",
                                    self.writer.node(branch).kind()
                                ),
                                location,
                            );
                            found.causes = inner
                                .into_iter()
                                .flat_map(|i| i.causes)
                                .map(|c| relocate(c, &union_location))
                                .collect();
                            result.push(found);
                        }
                        location.pop();
                    }
                }
                // Primitives of the same type.
                _ => {}
            }
            return Ok(result);
        }
        // A reader that can read every branch of a writer union is compatible with it.
        if let Node::Union { branches } = writer {
            for (i, branch) in branches.clone().into_iter().enumerate() {
                result.extend(self.get(&i.to_string(), r, branch, location)?);
            }
            return Ok(result);
        }
        let promoted = match rt {
            Type::Long => wt == Type::Int,
            Type::Float => matches!(wt, Type::Int | Type::Long),
            Type::Double => matches!(wt, Type::Int | Type::Long | Type::Float),
            Type::Bytes => wt == Type::String,
            Type::String => wt == Type::Bytes,
            _ => false,
        };
        if promoted {
            return Ok(result);
        }
        if let Node::Union { branches } = reader {
            for branch in branches.clone() {
                if self.fresh(branch, w)?.is_empty() {
                    return Ok(result);
                }
            }
            let mut found = incompatible(
                IncompatibilityType::MissingUnionBranch,
                format!("reader union lacking writer type: {wt}"),
                location,
            );
            found.causes = self.union_causes(branches, w, location)?;
            result.push(found);
            return Ok(result);
        }
        result.push(incompatible(
            IncompatibilityType::TypeMismatch,
            format!("reader type: {rt} not compatible with writer type: {wt}"),
            location,
        ));
        Ok(result)
    }

    /// Why the reader union's branch of the writer's type (and, for named types, name)
    /// cannot read it. Every branch was checked before, so this reads the memo and changes
    /// nothing Java would compute.
    fn union_causes(
        &mut self,
        branches: &[NodeId],
        w: NodeId,
        location: &[String],
    ) -> Result<Vec<Incompatibility>, CompatibilityError> {
        let writer = self.writer.node(w);
        let corresponding = branches.iter().position(|&b| {
            let reader = self.reader.node(b);
            reader.kind() == writer.kind()
                && match (reader.name(), writer.name()) {
                    (Some((rn, aliases)), Some((wn, _))) => {
                        rn.name == wn.name || aliases.contains(&wn.full())
                    }
                    _ => true,
                }
        });
        let Some(index) = corresponding else {
            return Ok(Vec::new());
        };
        let base = format!("{}/{index}", pointer(&location[1..]));
        Ok(self
            .fresh(branches[index], w)?
            .into_iter()
            .map(|c| relocate(c, &base))
            .collect())
    }

    /// `checkReaderWriterRecordFields`.
    fn check_fields(
        &mut self,
        reader_fields: &[Field],
        w: NodeId,
        location: &mut Vec<String>,
    ) -> Outcome {
        let mut result = Vec::new();
        location.push("fields".into());
        for (pos, field) in reader_fields.iter().enumerate() {
            location.push(pos.to_string());
            match self.lookup_writer_field(w, field)? {
                Some(writer_schema) => {
                    result.extend(self.get("type", field.schema, writer_schema, location)?);
                }
                None if field.default.is_some() => {}
                None => {
                    let enum_with_default = matches!(
                        self.reader.node(field.schema),
                        Node::Enum {
                            default: Some(_),
                            ..
                        }
                    );
                    if enum_with_default {
                        result.extend(self.get("type", field.schema, w, location)?);
                    } else {
                        result.push(incompatible(
                            IncompatibilityType::ReaderFieldMissingDefaultValue,
                            field.name.clone(),
                            location,
                        ));
                    }
                }
            }
            location.pop();
        }
        location.pop();
        Ok(result)
    }

    /// `lookupWriterField`: the writer field named like the reader field or one of its
    /// aliases.
    fn lookup_writer_field(
        &self,
        w: NodeId,
        field: &Field,
    ) -> Result<Option<NodeId>, CompatibilityError> {
        let Node::Record {
            fields: writer_fields,
            name,
            ..
        } = self.writer.node(w)
        else {
            return Ok(None);
        };
        let find = |n: &str| writer_fields.iter().find(|f| f.name == n);
        let mut found: Vec<&Field> = find(&field.name).into_iter().collect();
        found.extend(field.aliases.iter().filter_map(|a| find(a)));
        match found.as_slice() {
            [] => Ok(None),
            [one] => Ok(Some(one.schema)),
            _ => Err(CompatibilityError::AmbiguousField {
                field: field.name.clone(),
                record: name.full(),
            }),
        }
    }

    /// `checkSchemaNames` with `schemaNameEquals`.
    fn check_names(
        &self,
        reader: &Node,
        writer: &Node,
        location: &mut Vec<String>,
    ) -> Option<Incompatibility> {
        let (rn, aliases) = reader.name()?;
        let (wn, _) = writer.name()?;
        let writer_full = wn.full();
        if rn.name == wn.name || aliases.contains(&writer_full) {
            return None;
        }
        location.push("name".into());
        let found = incompatible(
            IncompatibilityType::NameMismatch,
            format!("expected: {writer_full}"),
            location,
        );
        location.pop();
        Some(found)
    }
}

/// An incompatibility at the current location (Java's `getLocation()`: the root token is
/// dropped, the rest joined as a JSON pointer).
fn incompatible(
    kind: IncompatibilityType,
    message: String,
    location: &[String],
) -> Incompatibility {
    let location = match location.split_first() {
        Some((_, rest)) if !rest.is_empty() => pointer(rest),
        _ => "/".to_string(),
    };
    Incompatibility {
        kind,
        location,
        message,
        causes: Vec::new(),
    }
}

/// An incompatibility found from a fresh root, placed under `base` (a JSON pointer).
fn relocate(mut found: Incompatibility, base: &str) -> Incompatibility {
    found.location = match found.location.as_str() {
        "/" if base.is_empty() => "/".to_string(),
        "/" => base.to_string(),
        rest => format!("{base}{rest}"),
    };
    found.causes = found
        .causes
        .into_iter()
        .map(|c| relocate(c, base))
        .collect();
    found
}
