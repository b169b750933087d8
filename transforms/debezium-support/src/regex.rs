//! Java regular expressions with Java replacements, as Kafka's `RegexRouter` and Debezium's
//! routers use them: the pattern must match the whole text (`Matcher.matches()`), then its
//! first match is replaced (`Matcher.replaceFirst`).

use switchyard_sdk::java::{JavaRewrite, RewriteError};
use switchyard_sdk::prelude::*;

use crate::config::field_invalid;

/// A Java regex with a Java replacement: `Matcher.matches()` then `replaceFirst`.
///
/// The pattern runs on `regex-lite`, or on the backtracking `fancy-regex` where it needs
/// look-around, back-references, atomic groups or possessive quantifiers; a backtracking match
/// that exceeds that engine's backtrack limit counts as no match.
#[derive(Debug, Clone)]
pub struct Rewrite(JavaRewrite);

impl Rewrite {
    /// Compiles `regex` (the configuration key `regex_key`) and parses `replacement`
    /// (`replacement_key`).
    pub fn new(
        regex_key: &str,
        regex: &str,
        replacement_key: &str,
        replacement: &str,
    ) -> Result<Self, ConfigError> {
        JavaRewrite::new(regex, replacement)
            .map(Rewrite)
            .map_err(|e| match e {
                RewriteError::Regex(m) => field_invalid(
                    regex_key,
                    regex,
                    &format!("A valid regular expression is expected, but: Invalid regex: {m}"),
                ),
                RewriteError::Replacement(m) => ConfigError::new(replacement_key, m),
            })
    }

    /// The rewritten text if the whole `text` matches, else `None` (also when a backtracking
    /// match gives up).
    pub fn apply(&self, text: &str) -> Option<String> {
        self.0.apply(text).ok().flatten()
    }
}
