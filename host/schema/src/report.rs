//! The outcome of `switchyard schema check`, rendered for people (`text`), for programs
//! (`json`, a stable document) and for GitHub Actions (`github`: workflow commands that
//! annotate the new schema file in a pull request).

use std::fmt::Write as _;

use serde::Serialize;

use super::{Comparison, Direction, Finding, IncompatibilityType, Level, SchemaType};

/// What was checked and what was found.
#[derive(Debug, Clone)]
pub struct Report<'a> {
    /// How the new schema is named in messages (its file).
    pub schema: &'a str,
    /// Its type, which names the rules in annotation titles.
    pub schema_type: SchemaType,
    /// The level applied.
    pub level: Level,
    /// How each earlier version is named (a file, or `REF:PATH` from git), newest first.
    pub earlier: &'a [String],
    /// The checks made: [`super::check_level`]'s for Avro ([`super::PairCheck::to_comparison`]),
    /// [`super::protobuf::check_level`]'s, [`super::json_schema::check_level`]'s.
    pub checks: &'a [Comparison],
}

impl Report<'_> {
    /// Whether every check passed.
    pub fn is_compatible(&self) -> bool {
        self.checks.iter().all(|c| c.incompatibilities.is_empty())
    }

    /// The number of incompatibilities found.
    pub fn incompatibility_count(&self) -> usize {
        self.checks.iter().map(|c| c.incompatibilities.len()).sum()
    }

    /// How many earlier versions the level checks against.
    fn checked_versions(&self) -> usize {
        if self.level == Level::None {
            0
        } else if self.level.is_transitive() {
            self.earlier.len()
        } else {
            self.earlier.len().min(1)
        }
    }

    /// One line saying what the check concluded.
    pub fn summary(&self) -> String {
        let n = self.checked_versions();
        if self.level == Level::None {
            return format!("{}: level NONE, nothing to check", self.schema);
        }
        if n == 0 {
            return format!(
                "{}: no earlier version to check against at level {}",
                self.schema, self.level
            );
        }
        let versions = if n == 1 {
            self.earlier[0].clone()
        } else {
            format!("{n} earlier versions")
        };
        if self.is_compatible() {
            format!(
                "{}: compatible with {versions} at level {}",
                self.schema, self.level
            )
        } else {
            let count = self.incompatibility_count();
            format!(
                "{}: incompatible with {versions} at level {}: {count} incompatibilit{}",
                self.schema,
                self.level,
                if count == 1 { "y" } else { "ies" }
            )
        }
    }

    fn reader_writer(&self, check: &Comparison) -> (&str, &str) {
        let old = self.earlier[check.against].as_str();
        match check.direction {
            Direction::Backward => (self.schema, old),
            Direction::Forward => (old, self.schema),
        }
    }

    /// Text for a terminal or a CI log: the summary, then every failed check with its
    /// incompatibilities (the rule's type, the location — in the reader schema for Avro — and
    /// message, and what that means).
    pub fn text(&self) -> String {
        let mut out = self.summary();
        out.push('\n');
        for check in self
            .checks
            .iter()
            .filter(|c| !c.incompatibilities.is_empty())
        {
            let (reader, writer) = self.reader_writer(check);
            let _ = writeln!(
                out,
                "  {} against {} (earlier version {} of {}, newest first): {reader} cannot read data written with {writer}",
                check.direction.as_str(),
                self.earlier[check.against],
                check.against + 1,
                self.earlier.len(),
            );
            for i in &check.incompatibilities {
                let _ = writeln!(
                    out,
                    "    {}: {}\n      {}",
                    self.where_(i, reader),
                    i.message,
                    i.explanation
                );
                for cause in causes(i) {
                    let _ = writeln!(
                        out,
                        "      because: {} at {}: {}",
                        cause.kind, cause.location, cause.message
                    );
                }
            }
        }
        out
    }

    /// `TYPE at LOCATION`, with `in READER` for Avro, whose locations are in the reader schema
    /// (those of Protobuf and JSON Schema name an element of both schemas).
    fn where_(&self, found: &Finding, reader: &str) -> String {
        match self.schema_type {
            SchemaType::Avro => format!("{} at {} in {reader}", found.kind, found.location),
            _ => format!("{} at {}", found.kind, found.location),
        }
    }

    /// The JSON document (`--format json`), pretty-printed; its shape is stable:
    /// `{schema, level, compatible, earlier: [..], checks: [{against, version, direction,
    /// reader, writer, compatible, incompatibilities: [{type, location, message}]}]}`.
    pub fn json(&self) -> String {
        #[derive(Serialize)]
        struct Doc<'a> {
            schema: &'a str,
            level: Level,
            compatible: bool,
            earlier: &'a [String],
            checks: Vec<Check<'a>>,
        }
        #[derive(Serialize)]
        struct Check<'a> {
            against: &'a str,
            /// 1 for the latest earlier version.
            version: usize,
            direction: Direction,
            reader: &'a str,
            writer: &'a str,
            compatible: bool,
            incompatibilities: &'a [Finding],
        }
        let checks = self
            .checks
            .iter()
            .map(|c| {
                let (reader, writer) = self.reader_writer(c);
                Check {
                    against: &self.earlier[c.against],
                    version: c.against + 1,
                    direction: c.direction,
                    reader,
                    writer,
                    compatible: c.incompatibilities.is_empty(),
                    incompatibilities: &c.incompatibilities,
                }
            })
            .collect();
        let doc = Doc {
            schema: self.schema,
            level: self.level,
            compatible: self.is_compatible(),
            earlier: self.earlier,
            checks,
        };
        let mut text = serde_json::to_string_pretty(&doc).unwrap_or_default();
        text.push('\n');
        text
    }

    /// GitHub Actions workflow commands: one `::error` per incompatibility on the new schema's
    /// file (on the line it concerns, when known), or one `::notice` when it is compatible.
    pub fn github(&self) -> String {
        let file = escape_property(self.schema);
        let rules = self.schema_type.title();
        if self.is_compatible() {
            return format!(
                "::notice file={file},title={}::{}\n",
                escape_property(&format!("{rules} schema compatible")),
                escape_data(&self.summary())
            );
        }
        let mut out = String::new();
        for check in self.checks {
            let (reader, writer) = self.reader_writer(check);
            for i in &check.incompatibilities {
                let title = format!("{rules} {} incompatibility: {}", self.level, i.kind);
                let mut message = format!(
                    "{} against {}: {reader} cannot read data written with {writer}. {}: {}. {}",
                    check.direction.as_str(),
                    self.earlier[check.against],
                    self.where_(i, reader),
                    i.message,
                    i.explanation
                );
                for cause in causes(i) {
                    let _ = write!(
                        message,
                        "\nbecause: {} at {}: {}",
                        cause.kind, cause.location, cause.message
                    );
                }
                let line = i.line.map(|n| format!(",line={n}")).unwrap_or_default();
                let _ = writeln!(
                    out,
                    "::error file={file}{line},title={}::{}",
                    escape_property(&title),
                    escape_data(&message)
                );
            }
        }
        out
    }
}

/// The registry's answer for one version (`schema check --registry`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct RegistryVerdict {
    /// The version tested against (`latest` or a number).
    pub version: String,
    /// The registry's `is_compatible`.
    pub is_compatible: bool,
    /// The registry's reasons (`messages` of a verbose answer).
    pub messages: Vec<String>,
}

/// What a registry said about the new schema.
#[derive(Debug, Clone)]
pub struct RegistryReport<'a> {
    /// How the new schema is named in messages (its file).
    pub schema: &'a str,
    /// The registry's URL.
    pub registry: &'a str,
    /// The subject.
    pub subject: &'a str,
    /// One verdict per version asked.
    pub verdicts: &'a [RegistryVerdict],
}

impl RegistryReport<'_> {
    /// Whether the registry found the schema compatible with every version asked.
    pub fn is_compatible(&self) -> bool {
        self.verdicts.iter().all(|v| v.is_compatible)
    }

    fn versions(&self) -> String {
        match self.verdicts {
            [one] => format!("version {}", one.version),
            all => format!("{} versions", all.len()),
        }
    }

    /// One line saying what the registry concluded.
    pub fn summary(&self) -> String {
        if self.verdicts.is_empty() {
            return format!(
                "{}: subject {} has no version to check against",
                self.schema, self.subject
            );
        }
        format!(
            "{}: {} with subject {} {} according to {}",
            self.schema,
            if self.is_compatible() {
                "compatible"
            } else {
                "incompatible"
            },
            self.subject,
            self.versions(),
            self.registry
        )
    }

    /// The summary, then the registry's reasons for each version it refused.
    pub fn text(&self) -> String {
        let mut out = self.summary();
        out.push('\n');
        for verdict in self.verdicts.iter().filter(|v| !v.is_compatible) {
            let _ = writeln!(out, "  version {}:", verdict.version);
            for message in &verdict.messages {
                let _ = writeln!(out, "    {message}");
            }
        }
        out
    }

    /// `{schema, registry, subject, compatible, verdicts: [{version, is_compatible,
    /// messages}]}`, pretty-printed.
    pub fn json(&self) -> String {
        let doc = serde_json::json!({
            "schema": self.schema,
            "registry": self.registry,
            "subject": self.subject,
            "compatible": self.is_compatible(),
            "verdicts": self.verdicts,
        });
        let mut text = serde_json::to_string_pretty(&doc).unwrap_or_default();
        text.push('\n');
        text
    }

    /// One `::error` per reason (or per refused version without reasons), or a `::notice`.
    pub fn github(&self) -> String {
        let file = escape_property(self.schema);
        if self.is_compatible() {
            return format!(
                "::notice file={file},title={}::{}\n",
                escape_property("Schema registry: compatible"),
                escape_data(&self.summary())
            );
        }
        let mut out = String::new();
        for verdict in self.verdicts.iter().filter(|v| !v.is_compatible) {
            let title = escape_property(&format!(
                "Schema registry: incompatible with {} version {}",
                self.subject, verdict.version
            ));
            let reasons: Vec<&str> = if verdict.messages.is_empty() {
                vec!["the registry gave no reason"]
            } else {
                verdict.messages.iter().map(String::as_str).collect()
            };
            for reason in reasons {
                let _ = writeln!(
                    out,
                    "::error file={file},title={title}::{}",
                    escape_data(reason)
                );
            }
        }
        out
    }
}

/// The causes of an incompatibility, depth first.
fn causes(found: &Finding) -> Vec<&Finding> {
    let mut all = Vec::new();
    for cause in &found.causes {
        all.push(cause);
        all.extend(causes(cause));
    }
    all
}

/// What an Avro incompatibility means for the data, in a sentence.
pub fn explain(kind: IncompatibilityType) -> &'static str {
    match kind {
        IncompatibilityType::NameMismatch => {
            "The named types differ in name; a reader alias can map the writer's full name."
        }
        IncompatibilityType::FixedSizeMismatch => "The fixed types differ in size.",
        IncompatibilityType::MissingEnumSymbols => {
            "The writer may write these symbols, which the reader's enum lacks, and the reader's enum has no default symbol."
        }
        IncompatibilityType::ReaderFieldMissingDefaultValue => {
            "The reader's field is absent from the writer's record and has no default value."
        }
        IncompatibilityType::TypeMismatch => {
            "The writer's type cannot be read as, or promoted to, the reader's type."
        }
        IncompatibilityType::MissingUnionBranch => {
            "No branch of the reader's union can read this type of the writer."
        }
    }
}

/// GitHub's escaping of a workflow command's message (`toCommandValue` in `@actions/core`).
fn escape_data(s: &str) -> String {
    s.replace('%', "%25")
        .replace('\r', "%0D")
        .replace('\n', "%0A")
}

/// GitHub's escaping of a workflow command's property value.
fn escape_property(s: &str) -> String {
    escape_data(s).replace(':', "%3A").replace(',', "%2C")
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{Incompatibility, PairCheck};

    #[test]
    fn github_commands_escape_their_values() {
        let earlier = ["main:a,b.avsc".to_string()];
        let text = "{\n  \"type\": \"enum\",\n  \"symbols\": [\"A\"]\n}";
        let checks = [PairCheck {
            against: 0,
            direction: Direction::Backward,
            incompatibilities: vec![Incompatibility {
                kind: IncompatibilityType::MissingEnumSymbols,
                location: "/symbols".into(),
                message: "[C]\n100%".into(),
                causes: Vec::new(),
            }],
        }
        .to_comparison(Some(text))];
        let report = Report {
            schema: "x:y,z.avsc",
            schema_type: SchemaType::Avro,
            level: Level::Backward,
            earlier: &earlier,
            checks: &checks,
        };
        let out = report.github();
        assert!(out.starts_with("::error file=x%3Ay%2Cz.avsc,line=3,title=Avro BACKWARD incompatibility%3A MISSING_ENUM_SYMBOLS::backward against main:a,b.avsc"), "{out}");
        assert!(out.contains("[C]%0A100%25"), "{out}");
        assert_eq!(out.lines().count(), 1);
    }
}
