//! `org.apache.kafka.connect.transforms.RegexRouter` as a Switchyard transform.
//!
//! Renames the topic: if the whole topic matches the Java regular expression `regex`
//! (`Matcher.matches()`), the first match of `regex` in it (`Matcher.replaceFirst`, which
//! searches again from the start) is replaced by `replacement`. Anything else in the record is
//! left as it is, so tombstones pass too.
//!
//! | key | type | default |
//! |---|---|---|
//! | `regex` | STRING, a Java regex | required |
//! | `replacement` | STRING, Java replacement syntax (`$1`, `${name}`, `\$`) | required |
//!
//! The pattern runs on `regex-lite` through [`switchyard_sdk::java::JavaRegex`], or on the
//! backtracking `fancy-regex` where it needs look-around, back-references, atomic groups or
//! possessive quantifiers, with Java's meaning either way.
//!
//! Differences from Kafka:
//! * a backtracking match that exceeds `fancy-regex`'s backtrack limit fails the record
//!   (Java's engine would keep going);
//! * the replacement's group references are checked when the transform is configured (Kafka
//!   fails on each matching record instead): a reference to a group the pattern does not have
//!   (`No group 2`) or a `$` not followed by a digit or `{` (`Illegal group reference`) is a
//!   configuration error naming `replacement`.

use switchyard_sdk::java::{JavaRewrite, RewriteError};
use switchyard_sdk::memo::Memo;
use switchyard_sdk::prelude::*;

/// How many topics' routes are remembered (a pipeline sees few distinct topics).
const ROUTE_MEMO_CAPACITY: usize = 4096;

/// The transform, configured.
#[derive(Debug)]
pub struct RegexRouter {
    /// The regex and the replacement.
    rewrite: JavaRewrite,
    /// Routes already computed, by input topic (`None`: the regex does not match).
    routes: Memo<Result<Option<String>, String>>,
}

impl RegexRouter {
    /// Reads the configuration (`RegexRouter.CONFIG_DEF`, in its order: `regex`, then
    /// `replacement`).
    pub fn from_config(config: &Config) -> Result<Self, ConfigError> {
        let regex = config.string("regex")?;
        let replacement = config.string("replacement")?;
        let rewrite = JavaRewrite::new(&regex, &replacement).map_err(|e| match e {
            RewriteError::Regex(m) => ConfigError::new("regex", format!("Invalid regex: {m}")),
            RewriteError::Replacement(m) => ConfigError::new("replacement", m),
        })?;
        Ok(RegexRouter {
            rewrite,
            routes: Memo::new(ROUTE_MEMO_CAPACITY),
        })
    }

    /// The new topic for `topic`, or `None` to leave it unchanged; an error when a
    /// backtracking match gives up.
    pub fn route(&self, topic: &str) -> Result<Option<String>, String> {
        self.rewrite.apply(topic)
    }
}

impl Transform for RegexRouter {
    fn configure(ctx: &Context) -> Result<Self, ConfigError> {
        let router = RegexRouter::from_config(ctx.config())?;
        // The route is a function of the topic, and nothing else changes: the host asks once
        // per topic.
        switchyard_sdk::declare::depends_only_on_topic();
        Ok(router)
    }

    fn apply(&self, mut record: Record) -> Result<Output, Error> {
        let routed = self
            .routes
            .get_or_insert_with(&record.topic(), |t| self.route(t))
            .map_err(Error::bad_record)?;
        if let Some(topic) = routed {
            record.set_topic(&topic);
        }
        Ok(Output::One(record))
    }
}

switchyard_sdk::export_transform!(RegexRouter);

#[cfg(test)]
mod tests {
    use super::*;

    fn router(regex: &str, replacement: &str) -> Result<RegexRouter, ConfigError> {
        RegexRouter::from_config(
            &[("regex", regex), ("replacement", replacement)]
                .into_iter()
                .collect(),
        )
    }

    fn route(regex: &str, replacement: &str, topic: &str) -> String {
        let router = router(regex, replacement).unwrap_or_else(|e| panic!("{e}"));
        router
            .route(topic)
            .unwrap_or_else(|e| panic!("{e}"))
            .unwrap_or_else(|| topic.to_owned())
    }

    /// `RegexRouterTest`.
    #[test]
    fn upstream_cases() {
        assert_eq!(route("foo", "bar", "foo"), "bar");
        assert_eq!(route("foo", "bar", "orig"), "orig");
        assert_eq!(route("(.*)", "$1", "orig"), "orig");
        assert_eq!(route("(.*)", "prefix-$1", "orig"), "prefix-orig");
        assert_eq!(route("(.*)", "$1-suffix", "orig"), "orig-suffix");
        assert_eq!(
            route(r"(.*)-(\d\d\d\d\d\d\d\d)", "$1", "index-20160117"),
            "index"
        );
    }

    #[test]
    fn full_match_then_replace_first() {
        // `matches()` succeeds through the second branch, `replaceFirst` finds the first.
        assert_eq!(route("a|ab", "X", "ab"), "Xb");
        assert_eq!(route("b", "X", "abc"), "abc");
    }

    #[test]
    fn java_replacement_syntax() {
        let debezium = r"([^.]+)\.([^.]+)\.([^.]+)";
        assert_eq!(route(debezium, "$3", "product.public.products"), "products");
        assert_eq!(
            route(debezium, "$1a", "product.public.products"),
            "producta"
        );
        assert_eq!(
            route(debezium, r"\$$2", "product.public.products"),
            "$public"
        );
        assert_eq!(
            route(r"(?<db>[^.]+)\..*", "${db}-all", "product.public.products"),
            "product-all"
        );
        assert_eq!(route("(.*)", r"a\\b", "t"), r"a\b");
    }

    #[test]
    fn strings_are_trimmed() {
        assert_eq!(route(" (.*) ", " x-$1 ", "t"), "x-t");
    }

    #[test]
    fn config_errors() {
        let err = |regex: Option<&str>, replacement: Option<&str>| {
            let mut entries = Vec::new();
            if let Some(r) = regex {
                entries.push(("regex", r));
            }
            if let Some(r) = replacement {
                entries.push(("replacement", r));
            }
            RegexRouter::from_config(&entries.into_iter().collect())
                .map(|_| ())
                .unwrap_err()
        };
        assert_eq!(err(None, Some("x")), ConfigError::missing("regex"));
        assert_eq!(err(Some("(.*)"), None), ConfigError::missing("replacement"));
        let bad = err(Some("("), Some("x"));
        assert_eq!(bad.key, "regex");
        assert!(
            bad.message.starts_with("Invalid regex: "),
            "{}",
            bad.message
        );
        assert_eq!(
            err(Some("(.*)"), Some("$2")),
            ConfigError::new("replacement", "No group 2")
        );
        assert_eq!(
            err(Some("(.*)"), Some("$x")),
            ConfigError::new("replacement", "Illegal group reference")
        );
        assert_eq!(
            err(Some("(.*)"), Some("${nope}")),
            ConfigError::new("replacement", "No group with name {nope}")
        );
        assert_eq!(err(Some("[a-z&&[^b]]"), Some("x")).key, "regex");
    }

    /// Patterns that need a backtracking engine run on one, with Java's meaning.
    #[test]
    fn look_around_back_references_and_possessive_quantifiers() {
        // Negative look-ahead: every topic but the heartbeats.
        let skip = r"^(?!.*heartbeat)(.*)\.public\.(.*)$";
        assert_eq!(route(skip, "$2", "db.public.orders"), "orders");
        assert_eq!(
            route(skip, "$2", "db.heartbeat.public.x"),
            "db.heartbeat.public.x"
        );
        // Look-behind, a back-reference, an atomic group, a possessive quantifier.
        assert_eq!(route(r"(?<=v)(\d+)", "n", "v12"), "v12");
        assert_eq!(route(r"v(?<=v)(\d+)", "n$1", "v12"), "n12");
        assert_eq!(route(r"(\w)\1-(.*)", "$2", "aa-topic"), "topic");
        assert_eq!(route(r"(\w)\1-(.*)", "$2", "ab-topic"), "ab-topic");
        assert_eq!(route(r"(?>a+)b", "x", "aab"), "x");
        assert_eq!(route(r"a++a", "x", "aaa"), "aaa");
        assert_eq!(route(r"(?<p>[a-z]+)\k<p>", "${p}", "abab"), "ab");
        // Case-insensitive (ASCII, as Java's default), a dot over non-ASCII text.
        assert_eq!(route(r"(?i)(?=a)(ABC)\..*", "$1", "abc.é"), "abc");
        // `\d` and `\w` stay ASCII, as in Java.
        assert_eq!(route(r"(?=.)\d+", "n", "١٢"), "١٢");
    }
}
