//! `org.apache.kafka.connect.transforms.predicates.TopicNameMatches` as a Switchyard predicate.
//!
//! True for a record whose whole topic matches the Java regular expression `pattern`
//! (`Matcher.matches()`: `my-prefix-.*` matches `my-prefix-foo` but not `x-my-prefix-foo`).
//!
//! | key | type | default |
//! |---|---|---|
//! | `pattern` | STRING, non-empty, a Java regex | required |
//!
//! The pattern runs on `regex-lite` through [`switchyard_sdk::java::JavaRegex`], or on the
//! backtracking `fancy-regex` where it needs look-around, back-references, atomic groups or
//! possessive quantifiers (a match that exceeds its backtrack limit fails the record).

use switchyard_sdk::java::JavaRegex;
use switchyard_sdk::memo::Memo;
use switchyard_sdk::prelude::*;

/// The predicate, configured with the compiled pattern.
#[derive(Debug)]
pub struct TopicNameMatches {
    /// The pattern, anchored at both ends.
    pattern: JavaRegex,
    /// Answers already computed, by topic.
    answers: Memo<Result<bool, String>>,
}

impl TopicNameMatches {
    /// Reads the configuration (`TopicNameMatches.CONFIG_DEF`): `pattern` must be present,
    /// non-empty (`String must be non-empty`) and a valid regex (`Invalid regex: …`).
    pub fn from_config(config: &Config) -> Result<Self, ConfigError> {
        let pattern = config.non_empty_string("pattern")?;
        let invalid = |m: String| ConfigError::new("pattern", format!("Invalid regex: {m}"));
        let pattern = JavaRegex::new(&pattern, true).map_err(invalid)?;
        Ok(TopicNameMatches {
            pattern,
            answers: Memo::new(4096),
        })
    }

    /// Whether `topic` matches the whole pattern; an error when a backtracking match gives
    /// up.
    pub fn matches(&self, topic: &str) -> Result<bool, String> {
        self.pattern.is_match(topic)
    }
}

impl Predicate for TopicNameMatches {
    fn configure(ctx: &Context) -> Result<Self, ConfigError> {
        let predicate = TopicNameMatches::from_config(ctx.config())?;
        // The answer is a function of the topic: the host asks once per topic.
        switchyard_sdk::declare::depends_only_on_topic();
        Ok(predicate)
    }

    /// `topic != null && pattern.matcher(topic).matches()` (`TopicNameMatches.test`); a
    /// Switchyard record always has a topic.
    fn test(&self, record: &Record) -> Result<bool, Error> {
        let topic = record.topic();
        self.answers
            .get_or_insert_with(&topic, |t| self.matches(t))
            .map_err(Error::bad_record)
    }
}

switchyard_sdk::export_predicate!(TopicNameMatches);

#[cfg(test)]
mod tests {
    use super::*;

    fn configure(entries: &[(&str, &str)]) -> Result<TopicNameMatches, ConfigError> {
        TopicNameMatches::from_config(&entries.iter().copied().collect())
    }

    /// `TopicNameMatchesTest.testTest`.
    #[test]
    fn matches_whole_topic() {
        let p = configure(&[("pattern", "my-prefix-.*")]).unwrap_or_else(|e| panic!("{e}"));
        for (topic, want) in [
            ("my-prefix-", true),
            ("my-prefix-foo", true),
            ("x-my-prefix-", false),
            ("x-my-prefix-foo", false),
            ("your-prefix-", false),
            ("your-prefix-foo", false),
        ] {
            assert_eq!(p.matches(topic), Ok(want), "{topic}");
        }
    }

    #[test]
    fn anchors_are_redundant() {
        let p = configure(&[("pattern", ".*products$")]).unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(p.matches("product.public.products"), Ok(true));
        let p = configure(&[("pattern", "products")]).unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(p.matches("x.products"), Ok(false));
    }

    #[test]
    fn alternation_must_cover_the_whole_topic() {
        let p = configure(&[("pattern", "a|ab")]).unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(p.matches("ab"), Ok(true));
        assert_eq!(p.matches("a"), Ok(true));
        assert_eq!(p.matches("abc"), Ok(false));
    }

    /// Look-around runs on the backtracking engine, as `java.util.regex` runs it.
    #[test]
    fn look_around_selects_as_in_java() {
        let p = configure(&[("pattern", r"(?!.*heartbeat).*\.products")])
            .unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(p.matches("db.public.products"), Ok(true));
        assert_eq!(p.matches("db.heartbeat.products"), Ok(false));
        let p = configure(&[("pattern", r".*(?<!_old)")]).unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(p.matches("orders"), Ok(true));
        assert_eq!(p.matches("orders_old"), Ok(false));
    }

    /// `TopicNameMatchesTest.testConfig`.
    #[test]
    fn config_errors() {
        let err = |entries: &[(&str, &str)]| configure(entries).map(|_| ()).unwrap_err();
        assert_eq!(err(&[]), ConfigError::missing("pattern"));
        assert_eq!(
            err(&[("pattern", "")]),
            ConfigError::new("pattern", "String must be non-empty")
        );
        for bad in ["[", "*", "(?=x", "[a&&[b]]"] {
            let e = err(&[("pattern", bad)]);
            assert_eq!(e.key, "pattern");
            assert!(
                e.message.starts_with("Invalid regex"),
                "{bad}: {}",
                e.message
            );
        }
    }
}
