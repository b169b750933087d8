//! Reads a Kafka Connect connector JSON, as is, into a [`Pipeline`].
//!
//! Follows `org.apache.kafka.connect.runtime.ConnectorConfig`: `transforms` and `predicates` are
//! LIST values (trimmed, split on `\s*,\s*`); every `transforms.<alias>.*` key except `type`,
//! `predicate`, `negate` (and Kafka 4's `version`) is the transform's own configuration; a
//! predicate named by `transforms.<alias>.predicate` need not be listed in `predicates`
//! (`ConnectorConfigTest.missingPredicateAliasProperty`). Keys of the connector itself
//! (`connector.class`, `database.*`, …) are reported once as ignored. Keys Switchyard cannot
//! honour are errors.

use std::collections::{HashMap, HashSet};
use std::path::Path;

use crate::config::{
    self, ComponentRef, ConfigError, ConverterSpec, DeliveryGuarantee, ErrorPolicy, Pipeline,
    SourceSpec, StepSpec, Subscription, Tolerance,
};
use switchyard_engine::Limits;

/// The `errors.*` keys of `ConnectorConfig` and `SinkConnectorConfig`; any other `errors.` key
/// is refused rather than silently dropped.
const ERROR_KEYS: &[&str] = &[
    "errors.tolerance",
    "errors.log.enable",
    "errors.log.include.messages",
    "errors.retry.timeout",
    "errors.retry.delay.max.ms",
    "errors.deadletterqueue.topic.name",
    "errors.deadletterqueue.context.headers.enable",
    "errors.deadletterqueue.topic.replication.factor",
];

/// The keys `switchyard run` reads for what it consumes and how it delivers.
const SOURCE_KEYS: &[&str] = &[
    "topics",
    "topics.regex",
    "topic.prefix",
    "table.include.list",
    "exactly.once.support",
    "transaction.boundary",
    "transaction.boundary.interval.ms",
    "tasks.max",
    "parking.topic.name",
    "parking.topic.replication.factor",
];

/// Header converters whose output equals the raw header bytes Switchyard passes through.
const HEADER_CONVERTERS: &[&str] = &[
    "org.apache.kafka.connect.storage.SimpleHeaderConverter",
    "org.apache.kafka.connect.storage.StringConverter",
    "org.apache.kafka.connect.converters.ByteArrayConverter",
];

/// Parses a connector JSON (the flat config map, or `{"name":…,"config":{…}}`).
pub fn from_connector_json(path: &Path, text: &str) -> Result<Pipeline, ConfigError> {
    let file_err = |message: String| ConfigError::File {
        file: path.to_path_buf(),
        message,
    };
    let root: serde_json::Value =
        serde_json::from_str(text).map_err(|e| file_err(format!("not valid JSON: {e}")))?;
    let serde_json::Value::Object(root) = root else {
        return Err(file_err("expected a JSON object".into()));
    };
    let (name, map) = match root.get("config") {
        Some(serde_json::Value::Object(config)) => (
            root.get("name")
                .and_then(|n| n.as_str())
                .map(str::to_string),
            config.clone(),
        ),
        Some(_) => return Err(file_err("`config` must be a JSON object".into())),
        None => (None, root),
    };
    let mut entries = Vec::with_capacity(map.len());
    for (key, value) in map {
        let text = match value {
            serde_json::Value::String(s) => s,
            serde_json::Value::Number(n) => n.to_string(),
            serde_json::Value::Bool(b) => b.to_string(),
            serde_json::Value::Null => continue,
            other => {
                return Err(ConfigError::Key {
                    file: path.to_path_buf(),
                    key,
                    message: format!("expected a string value, found {other}"),
                });
            }
        };
        entries.push((key, text));
    }
    let name = name
        .or_else(|| lookup(&entries, "name").map(str::to_string))
        .unwrap_or_else(|| "connector".into());
    ConnectorConfig::new(path, entries).into_pipeline(name)
}

fn lookup<'a>(entries: &'a [(String, String)], key: &str) -> Option<&'a str> {
    entries
        .iter()
        .find(|(k, _)| k == key)
        .map(|(_, v)| v.as_str())
}

/// Kafka's LIST parsing (`ConfigDef.parseType`): trimmed, empty is no items, split on commas
/// with the whitespace around them.
pub fn parse_list(value: &str) -> Vec<String> {
    let trimmed = value.trim();
    if trimmed.is_empty() {
        return Vec::new();
    }
    trimmed.split(',').map(|s| s.trim().to_string()).collect()
}

/// Kafka's BOOLEAN parsing: trimmed, case-insensitive `true` / `false`.
pub fn parse_bool(value: &str) -> Option<bool> {
    match value.trim().to_ascii_lowercase().as_str() {
        "true" => Some(true),
        "false" => Some(false),
        _ => None,
    }
}

struct ConnectorConfig<'a> {
    path: &'a Path,
    entries: Vec<(String, String)>,
    /// Each key's first entry.
    index: HashMap<String, usize>,
    /// The entries under each `transforms.<x>.` and `predicates.<x>.` prefix that ends at a dot
    /// (an alias may hold dots), in order: a connector with thousands of steps is read in one
    /// pass, not once per step.
    prefixed: HashMap<String, Vec<usize>>,
}

impl<'a> ConnectorConfig<'a> {
    fn new(path: &'a Path, entries: Vec<(String, String)>) -> Self {
        let mut index = HashMap::with_capacity(entries.len());
        let mut prefixed: HashMap<String, Vec<usize>> = HashMap::new();
        for (i, (key, _)) in entries.iter().enumerate() {
            index.entry(key.clone()).or_insert(i);
            for section in ["transforms.", "predicates."] {
                let Some(rest) = key.strip_prefix(section) else {
                    continue;
                };
                for (dot, _) in rest.match_indices('.') {
                    let prefix = &key[..section.len() + dot + 1];
                    prefixed.entry(prefix.to_owned()).or_default().push(i);
                }
            }
        }
        ConnectorConfig {
            path,
            entries,
            index,
            prefixed,
        }
    }

    fn get(&self, key: &str) -> Option<&str> {
        let &i = self.index.get(key)?;
        self.entries.get(i).map(|(_, v)| v.as_str())
    }

    fn err(&self, key: &str, message: impl Into<String>) -> ConfigError {
        ConfigError::Key {
            file: self.path.to_path_buf(),
            key: key.to_string(),
            message: message.into(),
        }
    }

    fn boolean(&self, key: &str, default: bool) -> Result<bool, ConfigError> {
        match self.get(key) {
            None => Ok(default),
            Some(v) => parse_bool(v).ok_or_else(|| {
                self.err(
                    key,
                    format!("Expected value to be either true or false, found `{v}`"),
                )
            }),
        }
    }

    /// A LONG / SHORT key (`ConfigDef.parseType`: trimmed, then parsed).
    fn number(&self, key: &str, default: i64) -> Result<i64, ConfigError> {
        match self.get(key) {
            None => Ok(default),
            Some(v) => v
                .trim()
                .parse()
                .map_err(|_| self.err(key, format!("Not a number of type LONG: `{v}`"))),
        }
    }

    fn converter(&self, which: &str) -> ConverterSpec {
        let class_key = format!("{which}.converter");
        let prefix = format!("{which}.converter.");
        match self.get(&class_key) {
            None => ConverterSpec::json(),
            Some(class) => ConverterSpec {
                class: class.trim().to_string(),
                settings: self
                    .entries
                    .iter()
                    .filter_map(|(k, v)| {
                        k.strip_prefix(&prefix).map(|s| (s.to_string(), v.clone()))
                    })
                    .collect(),
                explicit: true,
            },
        }
    }

    /// The `<section>.<alias>.*` keys of one step.
    fn step(&self, section: &str, alias: &str) -> Result<StepSpec, ConfigError> {
        let prefix = format!("{section}.{alias}.");
        let type_key = format!("{prefix}type");
        let kind = if section == "transforms" {
            "Transformation"
        } else {
            "Predicate"
        };
        let class = self
            .get(&type_key)
            .map(str::trim)
            .filter(|c| !c.is_empty())
            .ok_or_else(|| {
                self.err(&type_key, format!("Missing required configuration: Not a {kind} (expected a class name or a .wasm file)"))
            })?;
        let component = if class.ends_with(".wasm") {
            ComponentRef::File(class.into())
        } else {
            ComponentRef::Class(class.to_string())
        };
        let mut config = Vec::new();
        let mut predicate = None;
        let mut negate = None;
        let own_entries = self.prefixed.get(&prefix).map_or(&[][..], Vec::as_slice);
        for (key, value) in own_entries.iter().filter_map(|&i| self.entries.get(i)) {
            let Some(own) = key.strip_prefix(&prefix) else {
                continue;
            };
            match (section, own) {
                (_, "type") | (_, "version") => {}
                ("transforms", "predicate") => predicate = Some(value.trim().to_string()),
                ("transforms", "negate") => negate = Some(value.clone()),
                _ => config.push((own.to_string(), value.clone())),
            }
        }
        // `ConnectorConfig` reads `negate` with `Boolean.parseBoolean`: anything but "true" is
        // false; validation rejects values that are not booleans.
        let negate = match negate {
            None => false,
            Some(v) => parse_bool(&v).ok_or_else(|| {
                self.err(
                    &format!("{prefix}negate"),
                    format!("Expected value to be either true or false, found `{v}`"),
                )
            })?,
        };
        Ok(StepSpec {
            alias: alias.to_string(),
            component,
            config,
            predicate: predicate.filter(|p| !p.is_empty()),
            negate,
        })
    }

    /// Switchyard's own `lookups` (a LIST of table names, like `transforms`) and
    /// `lookups.<name>.*` keys; Kafka Connect has no such keys. A `lookups.` key of a table not
    /// in the list is an error, not ignored.
    fn lookups(&self) -> Result<Vec<switchyard_engine::lookup::LookupSpec>, ConfigError> {
        let names = parse_list(self.get("lookups").unwrap_or(""));
        let mut specs: Vec<switchyard_engine::lookup::LookupSpec> = Vec::with_capacity(names.len());
        for (i, name) in names.iter().enumerate() {
            if name.is_empty() || names[..i].contains(name) {
                return Err(self.err("lookups", format!("empty or duplicate table name `{name}`")));
            }
            specs.push(switchyard_engine::lookup::LookupSpec::new(name));
        }
        for (key, value) in &self.entries {
            let Some(rest) = key.strip_prefix("lookups.") else {
                continue;
            };
            let spec = specs
                .iter_mut()
                .find(|s| rest.starts_with(&format!("{}.", s.name)))
                .ok_or_else(|| {
                    self.err(
                        key,
                        "the table is not named in `lookups` (a list of table names)",
                    )
                })?;
            let setting = &rest[spec.name.len() + 1..];
            spec.set(setting, value)
                .map_err(|message| self.err(key, message))?;
        }
        Ok(specs)
    }

    /// What `run` consumes and guarantees: a sink connector's `topics` / `topics.regex`
    /// (`SinkConnectorConfig`: exactly one of them), or the topics a Debezium source connector
    /// writes (`topic.prefix` with `table.include.list`); a source connector's
    /// `exactly.once.support` and `transaction.boundary` (`SourceConnectorConfig`, matched
    /// case-insensitively as its validators do).
    fn source(&self) -> Result<SourceSpec, ConfigError> {
        // An empty value is no value, as for Connect's LIST and STRING keys with null defaults.
        let get = |key: &str| self.get(key).filter(|v| !v.trim().is_empty());
        let subscription = match (get("topics"), get("topics.regex")) {
            (Some(_), Some(_)) => {
                return Err(self.err(
                    "topics.regex",
                    "set either `topics` or `topics.regex`, not both (as Kafka Connect requires)",
                ));
            }
            (Some(topics), None) => Some(Subscription::Topics(parse_list(topics))),
            (None, Some(regex)) => {
                regex::Regex::new(regex).map_err(|e| self.err("topics.regex", e.to_string()))?;
                Some(Subscription::Regex(regex.to_string()))
            }
            (None, None) => get("topic.prefix").map(|prefix| {
                let tables = get("table.include.list").map(parse_list);
                debezium_topics(prefix.trim(), tables.as_deref())
            }),
        };
        let lower = |key: &str| get(key).map(|v| v.trim().to_ascii_lowercase());
        let delivery = match lower("exactly.once.support").as_deref() {
            None | Some("requested") => None,
            Some("required") => Some(DeliveryGuarantee::ExactlyOnce),
            Some(other) => {
                return Err(self.err(
                    "exactly.once.support",
                    format!("expected `requested` or `required` (as Kafka Connect accepts), found `{other}`"),
                ));
            }
        };
        // `poll` (the default) commits a transaction per batch the task polls: Switchyard's
        // default interval. `interval` commits every `transaction.boundary.interval.ms`
        // (Connect falls back to the worker's `offset.flush.interval.ms`, 60 s by default).
        // `connector` lets the connector define boundaries, and there is no connector here.
        let transaction_interval = match lower("transaction.boundary").as_deref() {
            None | Some("poll") => None,
            Some("interval") => Some(std::time::Duration::from_millis(
                self.number("transaction.boundary.interval.ms", 60_000)?
                    .max(0) as u64,
            )),
            Some("connector") => {
                return Err(self.err(
                    "transaction.boundary",
                    "`connector` lets a source connector define transactions, and Switchyard runs no connector; use `poll` or `interval`",
                ));
            }
            Some(other) => {
                return Err(self.err(
                    "transaction.boundary",
                    format!("expected `poll`, `interval` or `connector`, found `{other}`"),
                ));
            }
        };
        // `ConnectorConfig`'s `tasks.max`: an INT, at least 1, default 1.
        let tasks = match get("tasks.max") {
            None => None,
            Some(v) => match v.trim().parse::<i32>() {
                Ok(n) if n >= 1 => Some(n as u32),
                Ok(n) => {
                    return Err(self.err(
                        "tasks.max",
                        format!("Invalid value {n} for configuration tasks.max: Value must be at least 1"),
                    ));
                }
                Err(_) => {
                    return Err(self.err(
                        "tasks.max",
                        format!("Invalid value {} for configuration tasks.max: Not a number of type INT", v.trim()),
                    ));
                }
            },
        };
        Ok(SourceSpec {
            subscription,
            delivery,
            transaction_interval,
            tasks,
        })
    }

    fn into_pipeline(self, name: String) -> Result<Pipeline, ConfigError> {
        if let Some((key, _)) = self
            .entries
            .iter()
            .find(|(k, _)| k.starts_with("errors.") && !ERROR_KEYS.contains(&k.as_str()))
        {
            return Err(self.err(
                key,
                format!(
                    "unknown error-handling key; expected one of {}",
                    ERROR_KEYS.join(", ")
                ),
            ));
        }
        if let Some(class) = self.get("header.converter")
            && !HEADER_CONVERTERS.contains(&class.trim())
        {
            return Err(self.err(
                "header.converter",
                format!(
                    "expected one of {}; Switchyard passes header bytes through unchanged",
                    HEADER_CONVERTERS.join(", ")
                ),
            ));
        }
        let aliases = |key: &str| -> Result<Vec<String>, ConfigError> {
            let list = parse_list(self.get(key).unwrap_or(""));
            let mut seen = HashSet::with_capacity(list.len());
            for a in &list {
                if a.is_empty() {
                    return Err(self.err(key, "empty alias in list"));
                }
                if !seen.insert(a.as_str()) {
                    return Err(self.err(key, format!("Duplicate alias provided: {a}")));
                }
            }
            Ok(list)
        };
        let transforms = aliases("transforms")?
            .iter()
            .map(|a| self.step("transforms", a))
            .collect::<Result<Vec<_>, _>>()?;
        let mut predicate_aliases = aliases("predicates")?;
        let mut listed: HashSet<String> = predicate_aliases.iter().cloned().collect();
        for t in &transforms {
            if let Some(p) = &t.predicate
                && listed.insert(p.clone())
            {
                predicate_aliases.push(p.clone());
            }
        }
        let predicates = predicate_aliases
            .iter()
            .map(|a| self.step("predicates", a))
            .collect::<Result<Vec<_>, _>>()?;

        // `ConnectorConfig.ERRORS_TOLERANCE_CONFIG`: a trimmed string, one of `none`, `all`,
        // case-sensitive (`ValidString.in`).
        let tolerance = match self.get("errors.tolerance").map(str::trim) {
            None | Some("none") => Tolerance::None,
            Some("all") => Tolerance::All,
            Some(v) => {
                return Err(self.err(
                    "errors.tolerance",
                    format!(
                        "Invalid value {v} for configuration errors.tolerance: String must be one of: none, all"
                    ),
                ));
            }
        };
        let errors = ErrorPolicy {
            tolerance,
            log_enable: self.boolean("errors.log.enable", false)?,
            log_include_messages: self.boolean("errors.log.include.messages", false)?,
            retry_timeout: ErrorPolicy::retry_timeout_from_millis(
                self.number("errors.retry.timeout", 0)?,
            ),
            retry_delay_max: std::time::Duration::from_millis(
                self.number("errors.retry.delay.max.ms", 60_000)?.max(0) as u64,
            ),
            dead_letter_topic: self
                .get("errors.deadletterqueue.topic.name")
                .map(|t| t.trim().to_string())
                .filter(|t| !t.is_empty()),
            dead_letter_context_headers: self
                .boolean("errors.deadletterqueue.context.headers.enable", false)?,
            dead_letter_replication_factor: i16::try_from(
                self.number("errors.deadletterqueue.topic.replication.factor", 3)?,
            )
            .map_err(|_| {
                self.err(
                    "errors.deadletterqueue.topic.replication.factor",
                    "Not a number of type SHORT",
                )
            })?,
            parking_topic: self
                .get("parking.topic.name")
                .map(|t| t.trim().to_string())
                .filter(|t| !t.is_empty()),
            parking_replication_factor: i16::try_from(
                self.number("parking.topic.replication.factor", 3)?,
            )
            .map_err(|_| {
                self.err(
                    "parking.topic.replication.factor",
                    "Not a number of type SHORT",
                )
            })?,
        };

        let lookups = self.lookups()?;
        let source = self.source()?;
        // `transforms.<alias>.` and `predicates.<alias>.` of the configured steps.
        let step_prefixes: HashSet<String> = transforms
            .iter()
            .map(|t| format!("transforms.{}.", t.alias))
            .chain(
                predicates
                    .iter()
                    .map(|p| format!("predicates.{}.", p.alias)),
            )
            .collect();
        let of_a_step = |key: &str| {
            ["transforms.", "predicates."].iter().any(|section| {
                key.strip_prefix(section).is_some_and(|rest| {
                    rest.match_indices('.')
                        .any(|(dot, _)| step_prefixes.contains(&key[..section.len() + dot + 1]))
                })
            })
        };
        let used = |key: &str| {
            key == "transforms"
                || key == "predicates"
                || key == "lookups"
                || key.starts_with("lookups.")
                || key == "name"
                || key.starts_with("key.converter")
                || key.starts_with("value.converter")
                || key == "header.converter"
                || key.starts_with("errors.")
                || SOURCE_KEYS.contains(&key)
                || of_a_step(key)
        };
        let ignored: Vec<&str> = self
            .entries
            .iter()
            .map(|(k, _)| k.as_str())
            .filter(|k| !used(k))
            .collect();
        if !ignored.is_empty() {
            tracing::info!(
                file = %self.path.display(),
                "ignoring {} connector keys Switchyard does not use: {}",
                ignored.len(),
                ignored.join(", ")
            );
        }

        let pipeline = Pipeline {
            name,
            file: self.path.to_path_buf(),
            key_converter: self.converter("key"),
            value_converter: self.converter("value"),
            transforms,
            predicates,
            errors,
            limits: Limits::default(),
            lookups,
            source,
        };
        config::check_references(&pipeline)?;
        Ok(pipeline)
    }
}

/// Debezium's topic names for a prefix and a `table.include.list`
/// (`<topic.prefix>.<schema>.<table>`). Entries are regular expressions matched against
/// `<schema>.<table>`; entries that are plain names become topic names, anything else a regex
/// subscription. No list means every table.
pub fn debezium_topics(prefix: &str, tables: Option<&[String]>) -> Subscription {
    let plain = |s: &str| {
        let mut parts = s.split('.');
        let ident = |p: Option<&str>| {
            p.is_some_and(|p| {
                !p.is_empty() && p.chars().all(|c| c.is_ascii_alphanumeric() || c == '_')
            })
        };
        ident(parts.next()) && ident(parts.next()) && parts.next().is_none()
    };
    match tables {
        Some(tables) if !tables.is_empty() && tables.iter().all(|t| plain(t)) => {
            Subscription::Topics(tables.iter().map(|t| format!("{prefix}.{t}")).collect())
        }
        Some(tables) if !tables.is_empty() => Subscription::Regex(format!(
            "^{}\\.({})$",
            regex::escape(prefix),
            tables.join("|")
        )),
        _ => Subscription::Regex(format!("^{}\\.[^.]+\\.[^.]+$", regex::escape(prefix))),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(json: &str) -> Result<Pipeline, ConfigError> {
        from_connector_json(Path::new("connector.json"), json)
    }

    #[test]
    fn reads_the_seed_connector() {
        let text = include_str!("../../../tests/fixtures/postgres-product-connector.json");
        let p = parse(text).unwrap();
        assert_eq!(p.name, "product-connector");
        assert_eq!(p.transforms.len(), 2);
        let rename = &p.transforms[0];
        assert_eq!(rename.alias, "RenameProductKey");
        assert_eq!(
            rename.component,
            ComponentRef::Class("org.apache.kafka.connect.transforms.ReplaceField$Key".into())
        );
        assert_eq!(
            rename.config,
            vec![("renames".to_string(), "id:product_id".to_string())]
        );
        assert_eq!(rename.predicate.as_deref(), Some("isProducts"));
        assert_eq!(
            p.predicates[0].config,
            vec![("pattern".to_string(), ".*products$".to_string())]
        );
        assert_eq!(
            p.key_converter.settings,
            vec![("schemas.enable".to_string(), "true".to_string())]
        );
    }

    #[test]
    fn flat_map_and_spaced_lists_are_accepted() {
        let p = parse(
            r#"{"transforms":"a, b","transforms.a.type":"org.apache.kafka.connect.transforms.RegexRouter",
                "transforms.a.regex":"x","transforms.a.replacement":"y","transforms.a.version":"3.9.0",
                "transforms.b.type":"RegexRouter","transforms.b.regex":"y","transforms.b.replacement":"z"}"#,
        )
        .unwrap();
        let aliases: Vec<_> = p.transforms.iter().map(|t| t.alias.as_str()).collect();
        assert_eq!(aliases, ["a", "b"]);
        assert!(p.transforms[0].config.iter().all(|(k, _)| k != "version"));
        assert_eq!(p.key_converter, ConverterSpec::json());
    }

    #[test]
    fn predicate_need_not_be_listed() {
        let p = parse(
            r#"{"transforms":"a","transforms.a.type":"RegexRouter","transforms.a.predicate":"my-pred",
                "predicates.my-pred.type":"org.apache.kafka.connect.transforms.predicates.RecordIsTombstone"}"#,
        )
        .unwrap();
        assert_eq!(p.predicates[0].alias, "my-pred");
    }

    #[test]
    fn upstream_config_errors_name_the_key() {
        let dangling = parse(r#"{"transforms":"dangler"}"#).unwrap_err();
        assert!(
            dangling.to_string().contains("transforms.dangler.type"),
            "{dangling}"
        );
        assert!(
            dangling.to_string().contains("Not a Transformation"),
            "{dangling}"
        );
        let negated = parse(
            r#"{"transforms":"a","transforms.a.type":"RegexRouter","transforms.a.negate":"true"}"#,
        )
        .unwrap_err();
        assert!(
            negated.to_string().contains(
                "there is no config 'transforms.a.predicate' defining a predicate to be negated"
            ),
            "{negated}"
        );
        let missing_pred = parse(r#"{"transforms":"a","transforms.a.type":"RegexRouter","transforms.a.predicate":"p","predicates":"p"}"#)
            .unwrap_err();
        assert!(
            missing_pred.to_string().contains("Not a Predicate"),
            "{missing_pred}"
        );
        let dup = parse(r#"{"transforms":"a,a","transforms.a.type":"RegexRouter"}"#).unwrap_err();
        assert!(dup.to_string().contains("Duplicate alias"), "{dup}");
        let tolerance = parse(r#"{"errors.tolerance":"some"}"#).unwrap_err();
        assert!(
            tolerance.to_string().contains("errors.tolerance"),
            "{tolerance}"
        );
        let unknown = parse(r#"{"errors.tolerence":"all"}"#).unwrap_err();
        assert!(
            unknown.to_string().contains("errors.tolerence"),
            "{unknown}"
        );
        let retry = parse(r#"{"errors.retry.timeout":"soon"}"#).unwrap_err();
        assert!(
            retry.to_string().contains("errors.retry.timeout"),
            "{retry}"
        );
    }

    #[test]
    fn error_keys_are_read() {
        let p = parse(
            r#"{"errors.tolerance":"all","errors.retry.timeout":"-1","errors.retry.delay.max.ms":"5000",
                "errors.deadletterqueue.topic.name":" dlq ","errors.deadletterqueue.context.headers.enable":"true"}"#,
        )
        .unwrap();
        assert_eq!(p.errors.tolerance, Tolerance::All);
        assert_eq!(p.errors.retry_timeout, None);
        assert_eq!(p.errors.retry_delay_max, std::time::Duration::from_secs(5));
        assert_eq!(p.errors.dead_letter_topic.as_deref(), Some("dlq"));
        assert!(p.errors.dead_letter_context_headers);
        assert_eq!(parse("{}").unwrap().errors, ErrorPolicy::default());
    }

    #[test]
    fn list_parsing_follows_configdef() {
        assert_eq!(parse_list(""), Vec::<String>::new());
        assert_eq!(parse_list(" a , b "), vec!["a", "b"]);
        assert_eq!(parse_list("a,,b"), vec!["a", "", "b"]);
        assert_eq!(parse_bool(" TRUE "), Some(true));
        assert_eq!(parse_bool("yes"), None);
    }

    #[test]
    fn debezium_names_topics_prefix_schema_table() {
        let p = parse(
            r#"{"topic.prefix":"product","table.include.list":"public.products, public.reviews"}"#,
        )
        .unwrap();
        assert_eq!(
            p.source.subscription,
            Some(Subscription::Topics(vec![
                "product.public.products".into(),
                "product.public.reviews".into()
            ]))
        );
    }

    #[test]
    fn a_table_pattern_becomes_a_regex_subscription() {
        assert_eq!(
            debezium_topics("shop", Some(&["public.product_.*".into()])),
            Subscription::Regex("^shop\\.(public.product_.*)$".into())
        );
        assert_eq!(
            debezium_topics("shop", None).patterns(),
            vec!["^shop\\.[^.]+\\.[^.]+$".to_string()]
        );
    }

    #[test]
    fn sink_topics_win_and_both_forms_are_refused() {
        let p = parse(r#"{"topics":"a,b","topic.prefix":"x"}"#).unwrap();
        assert_eq!(
            p.source.subscription,
            Some(Subscription::Topics(vec!["a".into(), "b".into()]))
        );
        let e = parse(r#"{"topics":"a","topics.regex":"a.*"}"#).unwrap_err();
        assert!(e.to_string().contains("topics.regex"), "{e}");
        let p = parse(r#"{"topics.regex":"raw-.*","topics":""}"#).unwrap();
        assert_eq!(
            p.source.subscription.unwrap().patterns(),
            vec!["^raw-.*".to_string()]
        );
        assert_eq!(parse("{}").unwrap().source, SourceSpec::default());
    }

    #[test]
    fn exactly_once_and_transaction_boundaries_follow_source_connector_config() {
        let p = parse(r#"{"exactly.once.support":"REQUIRED"}"#).unwrap();
        assert_eq!(p.source.delivery, Some(DeliveryGuarantee::ExactlyOnce));
        let p = parse(r#"{"exactly.once.support":"requested"}"#).unwrap();
        assert_eq!(p.source.delivery, None);
        let e = parse(r#"{"exactly.once.support":"always"}"#).unwrap_err();
        assert!(e.to_string().contains("exactly.once.support"), "{e}");

        let p = parse(r#"{"transaction.boundary":"poll"}"#).unwrap();
        assert_eq!(p.source.transaction_interval, None);
        let p = parse(r#"{"transaction.boundary":"Interval"}"#).unwrap();
        assert_eq!(
            p.source.transaction_interval,
            Some(std::time::Duration::from_secs(60))
        );
        let p = parse(
            r#"{"transaction.boundary":"interval","transaction.boundary.interval.ms":"250"}"#,
        )
        .unwrap();
        assert_eq!(
            p.source.transaction_interval,
            Some(std::time::Duration::from_millis(250))
        );
        let e = parse(r#"{"transaction.boundary":"connector"}"#).unwrap_err();
        assert!(e.to_string().contains("no connector"), "{e}");
        let e = parse(r#"{"transaction.boundary":"sometimes"}"#).unwrap_err();
        assert!(e.to_string().contains("transaction.boundary"), "{e}");
    }
}
