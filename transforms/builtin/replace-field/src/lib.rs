//! `org.apache.kafka.connect.transforms.ReplaceField$Key` and `ReplaceField$Value` as a
//! Switchyard transform: keeps, drops and renames the top-level fields of the key or value.
//!
//! One component serves both classes; it reads `$Key` or `$Value` from the class it is
//! configured with.
//!
//! | key | type | default |
//! |---|---|---|
//! | `exclude` | LIST | `[]` — fields to drop; wins over `include` |
//! | `include` | LIST | `[]` — if not empty, only these fields are kept |
//! | `renames` | LIST of `old:new` | `[]` |
//! | `replace.null.with.default` | BOOLEAN | `true` — a null field with a default takes it |
//! | `blacklist`, `whitelist` | LIST | deprecated Kafka 3.x aliases of `exclude`, `include` |
//!
//! As in Kafka: a null key or value passes unchanged, schema included; `include`, `exclude`
//! and the keys of `renames` name the fields before renaming; fields named in the
//! configuration but absent from the data are ignored; the new struct schema keeps the name,
//! version, doc and parameters of the old one. Two fields renamed to one name are a bad record
//! (Kafka: `Cannot create field because of field name duplication …`); Kafka only fails so for
//! a struct, and for a schemaless map keeps whichever entry its `HashMap` visits last.
//!
//! The transform never copies the data: it reads the field names and asks the host to
//! rebuild the struct or map with `reshape`.

use std::collections::{BTreeMap, BTreeSet};

use switchyard_sdk::log::{self, Level};
use switchyard_sdk::prelude::*;

/// What the transform keeps and renames, and in which part.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReplaceField {
    part: Part,
    exclude: BTreeSet<String>,
    include: BTreeSet<String>,
    renames: BTreeMap<String, String>,
    replace_null_with_default: bool,
    /// What a record is read with, in one host call.
    reads: Reads,
}

/// The reads of a record, built once: whether the part is null, its field names, and whether
/// it has a schema (for the message when it is not a struct or map).
#[derive(Debug, Clone, PartialEq, Eq)]
struct Reads {
    batch: Batch,
    null: usize,
    names: usize,
    has_schema: usize,
}

impl Reads {
    fn new(part: Part) -> Self {
        let mut batch = Batch::new();
        let null = batch.is_null(part);
        let names = batch.field_names(part, &[]);
        let has_schema = batch.has_schema(part);
        Reads {
            batch,
            null,
            names,
            has_schema,
        }
    }
}

/// A log line to write once the transform is configured.
pub type Notice = (Level, String);

impl ReplaceField {
    /// Reads the configuration for `part` (`ReplaceField.configure`), with the deprecated keys
    /// translated as Kafka 3.x's `ConfigUtils.translateDeprecatedConfigs` does; returns the log
    /// lines that translation writes.
    pub fn from_config(part: Part, config: &Config) -> Result<(Self, Vec<Notice>), ConfigError> {
        let mut notices = Vec::new();
        let mut list = |target: &str, alias: &str| {
            let key = match (config.contains(target), config.contains(alias)) {
                (true, true) => {
                    notices.push((
                        Level::Error,
                        format!(
                            "{target} was configured, as well as the deprecated alias(es) \
                             {alias}.  Using the value of {target}"
                        ),
                    ));
                    target
                }
                (false, true) => {
                    notices.push((
                        Level::Warn,
                        format!(
                            "Configuration key {alias} is deprecated and may be removed in the \
                             future.  Please update your configuration to use {target} instead."
                        ),
                    ));
                    alias
                }
                _ => target,
            };
            config.list_or(key, &[])
        };
        let exclude = list("exclude", "blacklist").into_iter().collect();
        let include = list("include", "whitelist").into_iter().collect();
        let renames = parse_renames(&config.list_or("renames", &[]))?;
        let replace_null_with_default = config.boolean_or("replace.null.with.default", true)?;
        Ok((
            ReplaceField {
                reads: Reads::new(part),
                part,
                exclude,
                include,
                renames,
                replace_null_with_default,
            },
            notices,
        ))
    }

    /// Whether a field is kept (`ReplaceField.filter`): not excluded, and included if `include`
    /// is set.
    pub fn keeps(&self, field: &str) -> bool {
        !self.exclude.contains(field) && (self.include.is_empty() || self.include.contains(field))
    }

    /// The name a field gets (`ReplaceField.renamed`).
    pub fn renamed<'a>(&'a self, field: &'a str) -> &'a str {
        self.renames.get(field).map_or(field, String::as_str)
    }

    /// The fields of the result, in the order of `fields`, or Kafka's message when two of them
    /// get one name.
    pub fn mapping(&self, fields: &[String]) -> Result<Vec<FieldMapping>, String> {
        let mut targets = BTreeSet::new();
        let mut mapping = Vec::with_capacity(fields.len());
        for field in fields.iter().filter(|f| self.keeps(f)) {
            let target = self.renamed(field);
            if !targets.insert(target) {
                return Err(format!(
                    "Cannot create field because of field name duplication {target}"
                ));
            }
            mapping.push(FieldMapping::rename(field.as_str(), target));
        }
        Ok(mapping)
    }
}

/// Parses `renames` (`ReplaceField.parseRenameMappings`): each item is split on `:` as Java's
/// `String.split` does (trailing empty parts dropped) and must give exactly two parts; a later
/// mapping of the same field wins.
pub fn parse_renames(mappings: &[String]) -> Result<BTreeMap<String, String>, ConfigError> {
    let mut renames = BTreeMap::new();
    for mapping in mappings {
        let mut parts: Vec<&str> = mapping.split(':').collect();
        while parts.last() == Some(&"") {
            parts.pop();
        }
        let [from, to] = parts[..] else {
            return Err(ConfigError::new(
                "renames",
                format!("Invalid rename mapping: {mapping}"),
            ));
        };
        renames.insert(from.to_owned(), to.to_owned());
    }
    Ok(renames)
}

impl Transform for ReplaceField {
    fn configure(ctx: &Context) -> Result<Self, ConfigError> {
        let part = ctx.class_part().ok_or_else(|| {
            ConfigError::new(
                "type",
                format!(
                    "ReplaceField needs its $Key or $Value class, found {}",
                    ctx.class()
                ),
            )
        })?;
        let (transform, notices) = ReplaceField::from_config(part, ctx.config())?;
        for (level, message) in notices {
            log::write(level, &message);
        }
        // `apply` is a function of its two batches' answers: the host may replay it.
        switchyard_sdk::declare::depends_only_on_answers();
        Ok(transform)
    }

    fn apply(&self, mut record: Record) -> Result<Output, Error> {
        // Two host calls: the reads, then the reshape.
        let answers = record.run(&self.reads.batch);
        if answers.flag(self.reads.null)? {
            return Ok(Output::One(record));
        }
        let fields = match answers.names(self.reads.names) {
            Ok(fields) => fields,
            Err(DataError::WrongType(found)) => {
                return Err(Error::bad_record(if answers.flag(self.reads.has_schema)? {
                    format!("Only Struct objects supported for [field replacement], found: {found}")
                } else {
                    format!(
                        "Only Map objects supported in absence of schema for [field replacement], \
                         found: {found}"
                    )
                }));
            }
            Err(e) => return Err(e.into()),
        };
        let mapping = self.mapping(fields).map_err(Error::bad_record)?;
        let mut changes = Batch::new();
        changes.reshape(self.part, &[], &mapping, self.replace_null_with_default);
        record.run(&changes).check()?;
        Ok(Output::One(record))
    }
}

switchyard_sdk::export_transform!(ReplaceField);

#[cfg(test)]
mod tests {
    use super::*;

    fn configure(entries: &[(&str, &str)]) -> Result<(ReplaceField, Vec<Notice>), ConfigError> {
        ReplaceField::from_config(Part::Value, &entries.iter().copied().collect())
    }

    fn transform(entries: &[(&str, &str)]) -> ReplaceField {
        configure(entries).unwrap_or_else(|e| panic!("{e}")).0
    }

    fn names(fields: &[&str]) -> Vec<String> {
        fields.iter().map(|f| (*f).to_owned()).collect()
    }

    fn pairs(mapping: &[FieldMapping]) -> Vec<(&str, &str)> {
        mapping
            .iter()
            .map(|m| (m.source.as_str(), m.target.as_str()))
            .collect()
    }

    /// `ReplaceFieldTest.schemaless`.
    #[test]
    fn exclude_and_rename() {
        let t = transform(&[("exclude", "dont"), ("renames", "abc:xyz,foo:bar")]);
        let mapping = t
            .mapping(&names(&["dont", "abc", "foo", "etc"]))
            .unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(
            pairs(&mapping),
            vec![("abc", "xyz"), ("foo", "bar"), ("etc", "etc")]
        );
    }

    /// `ReplaceFieldTest.withSchema`.
    #[test]
    fn include_and_rename() {
        let t = transform(&[("include", "abc,foo"), ("renames", "abc:xyz,foo:bar")]);
        let mapping = t
            .mapping(&names(&["dont", "abc", "foo", "etc"]))
            .unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(pairs(&mapping), vec![("abc", "xyz"), ("foo", "bar")]);
    }

    #[test]
    fn exclude_wins_and_filters_use_original_names() {
        let t = transform(&[
            ("include", "a,b,xyz"),
            ("exclude", "b"),
            ("renames", "a:xyz"),
        ]);
        assert!(t.keeps("a"));
        assert!(!t.keeps("b"));
        assert!(t.keeps("xyz"));
        assert!(!t.keeps("c"));
        let mapping = t
            .mapping(&names(&["a", "b", "c"]))
            .unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(pairs(&mapping), vec![("a", "xyz")]);
    }

    #[test]
    fn swapped_names_are_fine() {
        let t = transform(&[("renames", "a:b,b:a")]);
        let mapping = t
            .mapping(&names(&["a", "b"]))
            .unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(pairs(&mapping), vec![("a", "b"), ("b", "a")]);
    }

    #[test]
    fn rename_collisions_are_bad_records() {
        let t = transform(&[("renames", "a:b")]);
        assert_eq!(
            t.mapping(&names(&["a", "b"])),
            Err("Cannot create field because of field name duplication b".to_owned())
        );
        // Nothing collides when the other field is excluded.
        let t = transform(&[("renames", "a:b"), ("exclude", "b")]);
        assert!(t.mapping(&names(&["a", "b"])).is_ok());
    }

    #[test]
    fn rename_mappings_split_like_java() {
        let ok = |m: &str| parse_renames(&[m.to_owned()]);
        assert_eq!(
            ok("a:b"),
            Ok(BTreeMap::from([("a".to_owned(), "b".to_owned())]))
        );
        assert_eq!(
            ok(":b"),
            Ok(BTreeMap::from([(String::new(), "b".to_owned())]))
        );
        assert_eq!(
            ok("a:b::"),
            Ok(BTreeMap::from([("a".to_owned(), "b".to_owned())]))
        );
        for bad in ["a", "a:", "a:b:c", "", "::"] {
            assert_eq!(
                ok(bad),
                Err(ConfigError::new(
                    "renames",
                    format!("Invalid rename mapping: {bad}")
                )),
                "{bad}"
            );
        }
        assert_eq!(
            configure(&[("renames", "a:b,,c:d")]).map(|_| ()),
            Err(ConfigError::new("renames", "Invalid rename mapping: "))
        );
    }

    #[test]
    fn later_rename_wins() {
        let t = transform(&[("renames", "a:x,a:y")]);
        assert_eq!(t.renamed("a"), "y");
    }

    #[test]
    fn replace_null_with_default() {
        assert!(transform(&[]).replace_null_with_default);
        assert!(!transform(&[("replace.null.with.default", "FALSE")]).replace_null_with_default);
        assert_eq!(
            configure(&[("replace.null.with.default", "no")]).map(|_| ()),
            Err(ConfigError::new(
                "replace.null.with.default",
                "Expected value to be either true or false"
            ))
        );
    }

    #[test]
    fn deprecated_aliases() {
        let (t, notices) =
            configure(&[("whitelist", "a"), ("blacklist", "b")]).unwrap_or_else(|e| panic!("{e}"));
        assert!(t.include.contains("a"));
        assert!(t.exclude.contains("b"));
        assert_eq!(notices.len(), 2);
        assert!(notices.iter().all(|(level, _)| *level == Level::Warn));
        assert_eq!(
            notices[0].1,
            "Configuration key blacklist is deprecated and may be removed in the future.  \
             Please update your configuration to use exclude instead."
        );

        let (t, notices) =
            configure(&[("include", "a"), ("whitelist", "z")]).unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(t.include, BTreeSet::from(["a".to_owned()]));
        assert_eq!(
            notices,
            vec![(
                Level::Error,
                "include was configured, as well as the deprecated alias(es) whitelist.  \
                 Using the value of include"
                    .to_owned()
            )]
        );
    }
}
