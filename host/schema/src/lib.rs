//! Avro schema compatibility, for `switchyard schema check`: the CI gate that fails a change
//! whose new schema would break the consumers or producers of a topic.
//!
//! [`parse`] reads `.avsc` JSON into a node graph; [`compat`] decides whether a reader schema
//! can decode what a writer schema wrote, exactly as Avro Java's `SchemaCompatibility` does;
//! this module applies a Confluent compatibility [`Level`] to a new schema and its earlier
//! versions, and [`report`] renders the outcome as text, JSON or GitHub Actions annotations
//! (on the line [`source`] finds).
#![deny(missing_docs)]

pub mod compat;
pub mod parse;
pub mod report;
pub mod source;

use std::fmt;
use std::str::FromStr;

use serde::Serialize;

pub use compat::{CompatibilityError, Incompatibility, IncompatibilityType, check_reader_writer};
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
/// or every one for the transitive levels; backward, forward or both. Returns every check
/// made, in that order.
pub fn check_level(
    new: &Schema,
    earlier: &[Schema],
    level: Level,
) -> Result<Vec<PairCheck>, CompatibilityError> {
    let count = if level.is_transitive() {
        earlier.len()
    } else {
        earlier.len().min(1)
    };
    let mut checks = Vec::new();
    for (index, old) in earlier.iter().enumerate().take(count) {
        for &direction in level.directions() {
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
    }
    Ok(checks)
}

#[cfg(test)]
mod tests;
