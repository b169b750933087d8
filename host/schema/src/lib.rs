//! Schema compatibility, for `switchyard schema check`: the CI gate that fails a change whose
//! new schema would break the consumers or producers of a topic, offline, with the rules of
//! Confluent Schema Registry for each schema type.
//!
//! - **Avro**: [`parse`] reads `.avsc` JSON into a node graph; [`compat`] decides whether a
//!   reader schema can decode what a writer schema wrote, exactly as Avro Java's
//!   `SchemaCompatibility` does.
//! - **Protobuf**: [`protobuf`] compiles `.proto` text with `protox` and compares two files
//!   as Confluent's `ProtobufSchema` does (its `SchemaDiff`).
//! - **JSON Schema**: [`json_schema`] loads a schema as Confluent's registry does (with the
//!   everit library) and compares two as its `JsonSchema` does (its `SchemaDiff`).
//!
//! This module applies a Confluent compatibility [`Level`] to a new schema and its earlier
//! versions ([`Level::pairs`]), and [`report`] renders the outcome as text, JSON or GitHub
//! Actions annotations (on the line [`source`] finds).
#![deny(missing_docs)]

/// Defines the difference types of a schema type's diff: an enum whose variants carry
/// Confluent's constant name, whether Confluent counts the change as compatible, and what the
/// change means (the variant's documentation, and what its `explain` returns).
macro_rules! difference_types {
    (
        $(#[$meta:meta])*
        pub enum $name:ident {
            $($variant:ident = ($text:literal, $compatible:literal, $explain:literal),)*
        }
    ) => {
        $(#[$meta])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, serde::Serialize)]
        #[serde(rename_all = "SCREAMING_SNAKE_CASE")]
        pub enum $name {
            $(#[doc = $explain] $variant,)*
        }

        impl $name {
            /// Every difference type, in Confluent's order.
            pub const ALL: &'static [$name] = &[$($name::$variant,)*];

            /// Confluent's constant name, e.g. `FIELD_REMOVED`.
            pub fn as_str(self) -> &'static str {
                match self {
                    $($name::$variant => $text,)*
                }
            }

            /// Whether Confluent's registry accepts this change (its `COMPATIBLE_CHANGES`).
            pub fn is_compatible(self) -> bool {
                match self {
                    $($name::$variant => $compatible,)*
                }
            }

            /// What the change means for the data, in a sentence.
            pub fn explain(self) -> &'static str {
                match self {
                    $($name::$variant => $explain,)*
                }
            }
        }

        impl std::fmt::Display for $name {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str(self.as_str())
            }
        }
    };
}

pub mod compat;
pub mod json_schema;
pub mod parse;
pub mod protobuf;
pub mod report;
pub mod source;

use std::fmt;
use std::str::FromStr;

use serde::Serialize;

pub use compat::{CompatibilityError, Incompatibility, IncompatibilityType, check_reader_writer};

/// One change between two versions of a Protobuf or JSON Schema schema, where Confluent's
/// `SchemaDiff` for that type finds it; `K` is the type's list of difference kinds.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Difference<K> {
    /// What changed.
    pub kind: K,
    /// Where, as Confluent writes it after `#/` (see each type's `Difference`).
    pub path: Vec<String>,
    /// What the original schema has there (a value, a type, a name, a label), when it says
    /// more.
    pub original: Option<String>,
    /// What the updated schema has there.
    pub update: Option<String>,
}

/// The comparisons a level makes between `new` and its `earlier` versions (newest first), for
/// the types whose rules are Confluent's `SchemaDiff`: a backward check compares the earlier
/// version (Confluent's original) with the new one (its update), a forward check the new one
/// with the earlier; only the differences `compatible` refuses are kept, as `finding`s.
fn differences_by_level<S, K>(
    new: &S,
    earlier: &[S],
    level: Level,
    compare: impl Fn(&S, &S) -> Vec<Difference<K>>,
    compatible: impl Fn(&Difference<K>) -> bool,
    finding: impl Fn(&Difference<K>, Direction, &S) -> Finding,
) -> Vec<Comparison> {
    level
        .pairs(earlier.len())
        .into_iter()
        .map(|(index, direction)| {
            let (original, update) = match direction {
                Direction::Backward => (&earlier[index], new),
                Direction::Forward => (new, &earlier[index]),
            };
            let incompatibilities = compare(original, update)
                .into_iter()
                .filter(|d| !compatible(d))
                .map(|d| finding(&d, direction, new))
                .collect();
            Comparison {
                against: index,
                direction,
                incompatibilities,
            }
        })
        .collect()
}

impl<K: fmt::Display> Difference<K> {
    /// Confluent's path, e.g. `#/properties/color` or `#/Product/6`.
    pub fn location(&self) -> String {
        format!("#/{}", self.path.join("/"))
    }

    /// `TYPE #/PATH`, as Confluent's own tests list differences.
    pub fn summary(&self) -> String {
        format!("{} {}", self.kind, self.location())
    }
}
pub use parse::{ParseError, Schema};

/// A compatibility level, as Confluent Schema Registry defines them
/// (`io.confluent.kafka.schemaregistry.CompatibilityLevel`). "Earlier versions" are given
/// newest first.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum Level {
    /// The new schema reads data written with the latest earlier version.
    #[default]
    Backward,
    /// The new schema reads data written with every earlier version.
    BackwardTransitive,
    /// The latest earlier version reads data written with the new schema.
    Forward,
    /// Every earlier version reads data written with the new schema.
    ForwardTransitive,
    /// Backward and forward against the latest earlier version.
    Full,
    /// Backward and forward against every earlier version.
    FullTransitive,
    /// No check.
    None,
}

impl Level {
    /// Every level, in Confluent's order.
    pub const ALL: [Level; 7] = [
        Level::Backward,
        Level::BackwardTransitive,
        Level::Forward,
        Level::ForwardTransitive,
        Level::Full,
        Level::FullTransitive,
        Level::None,
    ];

    /// Confluent's name, e.g. `BACKWARD_TRANSITIVE`.
    pub fn as_str(self) -> &'static str {
        match self {
            Level::Backward => "BACKWARD",
            Level::BackwardTransitive => "BACKWARD_TRANSITIVE",
            Level::Forward => "FORWARD",
            Level::ForwardTransitive => "FORWARD_TRANSITIVE",
            Level::Full => "FULL",
            Level::FullTransitive => "FULL_TRANSITIVE",
            Level::None => "NONE",
        }
    }

    /// Whether every earlier version is checked, not only the latest.
    pub fn is_transitive(self) -> bool {
        matches!(
            self,
            Level::BackwardTransitive | Level::ForwardTransitive | Level::FullTransitive
        )
    }

    /// The directions checked against each earlier version.
    pub fn directions(self) -> &'static [Direction] {
        match self {
            Level::Backward | Level::BackwardTransitive => &[Direction::Backward],
            Level::Forward | Level::ForwardTransitive => &[Direction::Forward],
            Level::Full | Level::FullTransitive => &[Direction::Backward, Direction::Forward],
            Level::None => &[],
        }
    }

    /// The checks this level makes against `earlier` versions (given newest first): the
    /// latest only, or every one for the transitive levels; backward, forward or both. Each is
    /// the index of the earlier version (0 is the latest) and the direction, in the order they
    /// are made and reported. Every schema type's checker follows it.
    pub fn pairs(self, earlier: usize) -> Vec<(usize, Direction)> {
        let count = if self.is_transitive() {
            earlier
        } else {
            earlier.min(1)
        };
        (0..count)
            .flat_map(|index| self.directions().iter().map(move |&d| (index, d)))
            .collect()
    }
}

impl fmt::Display for Level {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// An unknown level name.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error(
    "unknown compatibility level `{0}`: expected one of BACKWARD, BACKWARD_TRANSITIVE, FORWARD, FORWARD_TRANSITIVE, FULL, FULL_TRANSITIVE, NONE"
)]
pub struct UnknownLevel(pub String);

impl FromStr for Level {
    type Err = UnknownLevel;

    /// Confluent's names, case-insensitive, `-` accepted for `_`.
    fn from_str(s: &str) -> Result<Level, UnknownLevel> {
        let wanted = s.to_ascii_uppercase().replace('-', "_");
        Level::ALL
            .into_iter()
            .find(|l| l.as_str() == wanted)
            .ok_or_else(|| UnknownLevel(s.to_string()))
    }
}

/// Which schema reads and which wrote.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Direction {
    /// The new schema reads data written with the earlier one.
    Backward,
    /// The earlier schema reads data written with the new one.
    Forward,
}

impl Direction {
    /// `backward` or `forward`.
    pub fn as_str(self) -> &'static str {
        match self {
            Direction::Backward => "backward",
            Direction::Forward => "forward",
        }
    }
}

/// One reader/writer check of the new schema against one earlier version.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct PairCheck {
    /// Which earlier version (0 is the latest).
    pub against: usize,
    /// Which way.
    pub direction: Direction,
    /// What fails; empty when compatible.
    pub incompatibilities: Vec<Incompatibility>,
}

/// Checks `new` against its `earlier` versions (newest first) at `level`: the latest only,
/// or every one for the transitive levels; backward, forward or both ([`Level::pairs`]).
/// Returns every check made, in that order.
pub fn check_level(
    new: &Schema,
    earlier: &[Schema],
    level: Level,
) -> Result<Vec<PairCheck>, CompatibilityError> {
    let mut checks = Vec::new();
    for (index, direction) in level.pairs(earlier.len()) {
        let old = &earlier[index];
        let incompatibilities = match direction {
            Direction::Backward => check_reader_writer(new, old)?,
            Direction::Forward => check_reader_writer(old, new)?,
        };
        checks.push(PairCheck {
            against: index,
            direction,
            incompatibilities,
        });
    }
    Ok(checks)
}

/// The type of a schema: which rules check it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum SchemaType {
    /// Avro (`.avsc`).
    Avro,
    /// Protobuf (`.proto`).
    Protobuf,
    /// JSON Schema.
    Json,
}

impl SchemaType {
    /// How people call the type, e.g. in annotation titles: `Avro`, `Protobuf`, `JSON Schema`.
    pub fn title(self) -> &'static str {
        match self {
            SchemaType::Avro => "Avro",
            SchemaType::Protobuf => "Protobuf",
            SchemaType::Json => "JSON Schema",
        }
    }
}

/// One reason a check failed, whatever the schema type: what the report renders.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Finding {
    /// The rule's name for it: Avro Java's `SchemaIncompatibilityType` or Confluent's
    /// difference type (`READER_FIELD_MISSING_DEFAULT_VALUE`, `FIELD_REMOVED`, …).
    #[serde(rename = "type")]
    pub kind: &'static str,
    /// Where: a JSON pointer into the reading schema for Avro (`/fields/1/type`); Confluent's
    /// path for Protobuf (`#/Product/6`: messages by name, fields by number) and JSON Schema
    /// (`#/properties/color`).
    pub location: String,
    /// What was found there.
    pub message: String,
    /// Why, when the rules give a cause (Avro's union branches).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub causes: Vec<Finding>,
    /// What it means for the data, in a sentence.
    #[serde(skip)]
    pub explanation: &'static str,
    /// The 1-based line of the new schema's file it concerns, when known.
    #[serde(skip)]
    pub line: Option<usize>,
}

impl Finding {
    /// An Avro incompatibility; `line` finds the line of a location in the new schema, when
    /// the location is in it (`None` otherwise).
    fn from_avro(found: &Incompatibility, line: &dyn Fn(&str) -> Option<usize>) -> Finding {
        Finding {
            kind: found.kind.as_str(),
            location: found.location.clone(),
            message: found.message.clone(),
            causes: found
                .causes
                .iter()
                .map(|c| Finding::from_avro(c, line))
                .collect(),
            explanation: report::explain(found.kind),
            line: line(&found.location),
        }
    }
}

/// One check of the new schema against one earlier version, whatever the schema type.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Comparison {
    /// Which earlier version (0 is the latest).
    pub against: usize,
    /// Which way.
    pub direction: Direction,
    /// What fails; empty when compatible.
    pub incompatibilities: Vec<Finding>,
}

impl PairCheck {
    /// This check as the report renders it. `new_text`, the new schema's text, gives the lines
    /// of backward incompatibilities, whose locations are in the new schema (the reader).
    pub fn to_comparison(&self, new_text: Option<&str>) -> Comparison {
        let line = |location: &str| match (self.direction, new_text) {
            (Direction::Backward, Some(text)) => source::line_of(text, location),
            _ => None,
        };
        Comparison {
            against: self.against,
            direction: self.direction,
            incompatibilities: self
                .incompatibilities
                .iter()
                .map(|i| Finding::from_avro(i, &line))
                .collect(),
        }
    }
}

/// What a difference's two sides are called in messages: in a backward check Confluent's
/// "original" schema is the earlier version and its "update" the new schema; in a forward
/// check the other way round.
pub(crate) fn side_names(direction: Direction) -> (&'static str, &'static str) {
    match direction {
        Direction::Backward => ("the earlier version", "the new schema"),
        Direction::Forward => ("the new schema", "the earlier version"),
    }
}

/// A difference's message: what each side has there, or `what` when neither says more.
pub(crate) fn difference_message(
    what: &str,
    original: Option<&str>,
    update: Option<&str>,
    direction: Direction,
) -> String {
    let (original_name, update_name) = side_names(direction);
    match (original, update) {
        (Some(o), Some(u)) => format!("{o} in {original_name}, {u} in {update_name}"),
        (Some(o), None) => format!("{o}, only in {original_name}"),
        (None, Some(u)) => format!("{u}, only in {update_name}"),
        (None, None) => what.to_string(),
    }
}

#[cfg(test)]
mod tests;
