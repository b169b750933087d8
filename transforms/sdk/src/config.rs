//! A step's context and configuration, parsed as Kafka's `ConfigDef` parses it.
//!
//! Kafka Connect passes every `transforms.<alias>.*` key to a transform as a string; the
//! transform's `ConfigDef` then parses each by its declared type
//! (`org.apache.kafka.common.config.ConfigDef#parseType`). [`Config`] offers one accessor per
//! type with the same rules and the same error messages, so a port behaves like the original:
//!
//! | type | rule | error |
//! |---|---|---|
//! | STRING | trimmed | — |
//! | LIST | trimmed; empty → `[]`; else split on `\s*,\s*`, empty items kept | — |
//! | BOOLEAN | trimmed, `true`/`false` in any case | `Expected value to be either true or false` |
//! | INT / LONG / DOUBLE | trimmed, parsed | `Not a number of type INT` (`LONG`, `DOUBLE`) |
//!
//! A required key that is absent gives `Missing required configuration "x" which has no default
//! value.`; unknown keys are ignored, as Kafka's `SimpleConfig` does.

use crate::error::ConfigError;
use crate::record::Part;

/// What the host tells a transform about its place in the pipeline.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Context {
    alias: String,
    class: String,
    config: Config,
}

impl Context {
    /// A context; the host makes these, tests may too.
    pub fn new(alias: impl Into<String>, class: impl Into<String>, config: Config) -> Self {
        Context {
            alias: alias.into(),
            class: class.into(),
            config,
        }
    }

    /// The alias the pipeline gives this step (`transforms.<alias>.*`).
    pub fn alias(&self) -> &str {
        &self.alias
    }

    /// The class the step was configured with, e.g.
    /// `org.apache.kafka.connect.transforms.ReplaceField$Value`.
    pub fn class(&self) -> &str {
        &self.class
    }

    /// The step's own configuration.
    pub fn config(&self) -> &Config {
        &self.config
    }

    /// The part a `$Key` / `$Value` class operates on: [`Part::Key`] for a class ending in
    /// `$Key`, [`Part::Value`] for one ending in `$Value`, `None` otherwise.
    pub fn class_part(&self) -> Option<Part> {
        if self.class.ends_with("$Key") {
            Some(Part::Key)
        } else if self.class.ends_with("$Value") {
            Some(Part::Value)
        } else {
            None
        }
    }
}

/// A step's configuration: its keys (prefix removed) and string values, in file order.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Config {
    entries: Vec<(String, String)>,
}

impl Config {
    /// A configuration from key/value pairs.
    pub fn new<K: Into<String>, V: Into<String>>(
        entries: impl IntoIterator<Item = (K, V)>,
    ) -> Self {
        Config {
            entries: entries
                .into_iter()
                .map(|(k, v)| (k.into(), v.into()))
                .collect(),
        }
    }

    /// The raw value of `key`, untrimmed; the last one if the key repeats.
    pub fn raw(&self, key: &str) -> Option<&str> {
        self.entries
            .iter()
            .rev()
            .find(|(k, _)| k == key)
            .map(|(_, v)| v.as_str())
    }

    /// Whether `key` is set.
    pub fn contains(&self, key: &str) -> bool {
        self.raw(key).is_some()
    }

    /// The keys, in order.
    pub fn keys(&self) -> impl Iterator<Item = &str> {
        self.entries.iter().map(|(k, _)| k.as_str())
    }

    /// A required STRING, trimmed.
    pub fn string(&self, key: &str) -> Result<String, ConfigError> {
        self.required(key).map(|v| java_trim(v).to_owned())
    }

    /// A STRING with a default, trimmed.
    pub fn string_or(&self, key: &str, default: &str) -> String {
        self.optional_string(key)
            .unwrap_or_else(|| default.to_owned())
    }

    /// A STRING whose default is `null`, trimmed.
    pub fn optional_string(&self, key: &str) -> Option<String> {
        self.raw(key).map(|v| java_trim(v).to_owned())
    }

    /// A required STRING that must not be empty after trimming (`ConfigDef.NonEmptyString`:
    /// `String must be non-empty`).
    pub fn non_empty_string(&self, key: &str) -> Result<String, ConfigError> {
        let value = self.string(key)?;
        if value.is_empty() {
            return Err(ConfigError::new(key, "String must be non-empty"));
        }
        Ok(value)
    }

    /// A required LIST.
    pub fn list(&self, key: &str) -> Result<Vec<String>, ConfigError> {
        self.required(key).map(parse_list)
    }

    /// A LIST with a default.
    pub fn list_or(&self, key: &str, default: &[&str]) -> Vec<String> {
        self.optional_list(key)
            .unwrap_or_else(|| default.iter().map(|s| (*s).to_owned()).collect())
    }

    /// A LIST whose default is `null`.
    pub fn optional_list(&self, key: &str) -> Option<Vec<String>> {
        self.raw(key).map(parse_list)
    }

    /// A required BOOLEAN.
    pub fn boolean(&self, key: &str) -> Result<bool, ConfigError> {
        let value = self.required(key)?;
        parse_boolean(value).map_err(|m| ConfigError::new(key, m))
    }

    /// A BOOLEAN with a default.
    pub fn boolean_or(&self, key: &str, default: bool) -> Result<bool, ConfigError> {
        match self.raw(key) {
            None => Ok(default),
            Some(value) => parse_boolean(value).map_err(|m| ConfigError::new(key, m)),
        }
    }

    /// A required INT (32 bits).
    pub fn int(&self, key: &str) -> Result<i32, ConfigError> {
        self.number(key, "INT", None)
    }

    /// An INT (32 bits) with a default.
    pub fn int_or(&self, key: &str, default: i32) -> Result<i32, ConfigError> {
        self.number(key, "INT", Some(default))
    }

    /// A required LONG (64 bits).
    pub fn long(&self, key: &str) -> Result<i64, ConfigError> {
        self.number(key, "LONG", None)
    }

    /// A LONG (64 bits) with a default.
    pub fn long_or(&self, key: &str, default: i64) -> Result<i64, ConfigError> {
        self.number(key, "LONG", Some(default))
    }

    /// A required DOUBLE.
    pub fn double(&self, key: &str) -> Result<f64, ConfigError> {
        self.number(key, "DOUBLE", None)
    }

    /// A DOUBLE with a default.
    pub fn double_or(&self, key: &str, default: f64) -> Result<f64, ConfigError> {
        self.number(key, "DOUBLE", Some(default))
    }

    fn required(&self, key: &str) -> Result<&str, ConfigError> {
        self.raw(key).ok_or_else(|| ConfigError::missing(key))
    }

    fn number<T: std::str::FromStr>(
        &self,
        key: &str,
        type_name: &str,
        default: Option<T>,
    ) -> Result<T, ConfigError> {
        let value = match (self.raw(key), default) {
            (Some(value), _) => value,
            (None, Some(default)) => return Ok(default),
            (None, None) => return Err(ConfigError::missing(key)),
        };
        java_trim(value)
            .parse()
            .map_err(|_| ConfigError::new(key, format!("Not a number of type {type_name}")))
    }
}

impl<K: Into<String>, V: Into<String>> FromIterator<(K, V)> for Config {
    fn from_iter<I: IntoIterator<Item = (K, V)>>(iter: I) -> Self {
        Config::new(iter)
    }
}

/// Java's `String.trim()`: strips every character up to U+0020 from both ends (Rust's `trim`
/// strips Unicode whitespace instead).
pub fn java_trim(s: &str) -> &str {
    s.trim_matches(|c: char| c <= '\u{20}')
}

/// Whether `c` is in Java regex's `\s` (`[ \t\n\x0B\f\r]`).
fn is_java_space(c: char) -> bool {
    matches!(c, ' ' | '\t' | '\n' | '\u{0B}' | '\u{0C}' | '\r')
}

/// A LIST as `ConfigDef` parses it: trimmed; empty → no items; else split on `\s*,\s*`,
/// keeping empty items (`"a,,b"` → `["a", "", "b"]`, `"a,"` → `["a", ""]`).
pub fn parse_list(value: &str) -> Vec<String> {
    let value = java_trim(value);
    if value.is_empty() {
        return Vec::new();
    }
    value
        .split(',')
        .map(|item| item.trim_matches(is_java_space).to_owned())
        .collect()
}

/// A BOOLEAN as `ConfigDef` parses it: `true` or `false` in any case after trimming.
pub fn parse_boolean(value: &str) -> Result<bool, &'static str> {
    let value = java_trim(value);
    if value.eq_ignore_ascii_case("true") {
        Ok(true)
    } else if value.eq_ignore_ascii_case("false") {
        Ok(false)
    } else {
        Err("Expected value to be either true or false")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn config(entries: &[(&str, &str)]) -> Config {
        entries.iter().copied().collect()
    }

    #[test]
    fn strings_are_trimmed() {
        let c = config(&[("a", "  x y \t"), ("e", "   ")]);
        assert_eq!(c.string("a").as_deref(), Ok("x y"));
        assert_eq!(c.string("e").as_deref(), Ok(""));
        assert_eq!(c.string_or("zz", "dflt"), "dflt");
        assert_eq!(c.optional_string("zz"), None);
    }

    #[test]
    fn missing_required_key_uses_kafka_message() {
        let err = config(&[]).string("pattern").unwrap_err();
        assert_eq!(err.key, "pattern");
        assert_eq!(
            err.message,
            "Missing required configuration \"pattern\" which has no default value."
        );
    }

    #[test]
    fn non_empty_string() {
        let err = config(&[("name", " ")])
            .non_empty_string("name")
            .unwrap_err();
        assert_eq!(err, ConfigError::new("name", "String must be non-empty"));
        assert_eq!(
            config(&[("name", "foo")])
                .non_empty_string("name")
                .as_deref(),
            Ok("foo")
        );
    }

    #[test]
    fn lists_follow_config_def() {
        assert_eq!(parse_list(""), Vec::<String>::new());
        assert_eq!(parse_list("   "), Vec::<String>::new());
        assert_eq!(parse_list("a"), vec!["a"]);
        assert_eq!(parse_list(" a , b,c "), vec!["a", "b", "c"]);
        assert_eq!(parse_list("a,,b"), vec!["a", "", "b"]);
        assert_eq!(parse_list("a,"), vec!["a", ""]);
        assert_eq!(parse_list(",a"), vec!["", "a"]);
        assert_eq!(parse_list("a b , c"), vec!["a b", "c"]);
        let c = config(&[("l", "x,y")]);
        assert_eq!(c.list_or("l", &[]), vec!["x", "y"]);
        assert_eq!(c.list_or("m", &["d"]), vec!["d"]);
        assert_eq!(c.optional_list("m"), None);
        assert!(c.list("m").is_err());
    }

    #[test]
    fn booleans_are_case_insensitive() {
        assert_eq!(parse_boolean("TRUE"), Ok(true));
        assert_eq!(parse_boolean(" false "), Ok(false));
        assert_eq!(parse_boolean("FaLsE"), Ok(false));
        for bad in ["yes", "1", "", "t"] {
            assert_eq!(
                parse_boolean(bad),
                Err("Expected value to be either true or false")
            );
        }
        let c = config(&[("b", "nope")]);
        assert_eq!(c.boolean_or("missing", true), Ok(true));
        assert_eq!(
            c.boolean_or("b", true).unwrap_err().message,
            "Expected value to be either true or false"
        );
    }

    #[test]
    fn numbers() {
        let c = config(&[
            ("i", " 42 "),
            ("neg", "-7"),
            ("bad", "4x"),
            ("big", "3000000000"),
        ]);
        assert_eq!(c.int("i"), Ok(42));
        assert_eq!(c.int("neg"), Ok(-7));
        assert_eq!(c.int_or("none", 5), Ok(5));
        assert_eq!(
            c.int("bad").unwrap_err().message,
            "Not a number of type INT"
        );
        assert_eq!(
            c.int("big").unwrap_err().message,
            "Not a number of type INT"
        );
        assert_eq!(c.long("big"), Ok(3_000_000_000));
        assert_eq!(
            c.long("bad").unwrap_err().message,
            "Not a number of type LONG"
        );
        assert_eq!(c.double_or("i", 1.0), Ok(42.0));
    }

    #[test]
    fn last_duplicate_wins() {
        let c = config(&[("k", "1"), ("k", "2")]);
        assert_eq!(c.raw("k"), Some("2"));
        assert_eq!(c.keys().collect::<Vec<_>>(), vec!["k", "k"]);
    }

    #[test]
    fn class_part() {
        let ctx = |class: &str| Context::new("a", class, Config::default());
        assert_eq!(
            ctx("org.apache.kafka.connect.transforms.ReplaceField$Key").class_part(),
            Some(Part::Key)
        );
        assert_eq!(
            ctx("org.apache.kafka.connect.transforms.ReplaceField$Value").class_part(),
            Some(Part::Value)
        );
        assert_eq!(ctx("RegexRouter").class_part(), None);
    }
}
