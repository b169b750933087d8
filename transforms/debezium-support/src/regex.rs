//! Java regular expressions with Java replacements, as Kafka's `RegexRouter` and Debezium's
//! routers use them: the pattern must match the whole text (`Matcher.matches()`), then its
//! first match is replaced (`Matcher.replaceFirst`).

use switchyard_sdk::java::{JavaRegex, Replacement};
use switchyard_sdk::prelude::*;

use crate::config::field_invalid;

/// A Java regex with a Java replacement: `Matcher.matches()` then `replaceFirst`.
///
/// The pattern runs on `regex-lite`, or on the backtracking `fancy-regex` where it needs
/// look-around, back-references, atomic groups or possessive quantifiers; a backtracking match
/// that exceeds that engine's backtrack limit counts as no match.
#[derive(Debug, Clone)]
pub struct Rewrite {
    whole: JavaRegex,
    first: JavaRegex,
    replacement: Replacement,
}

impl Rewrite {
    /// Compiles `regex` (the configuration key `regex_key`) and parses `replacement`
    /// (`replacement_key`).
    pub fn new(
        regex_key: &str,
        regex: &str,
        replacement_key: &str,
        replacement: &str,
    ) -> Result<Self, ConfigError> {
        let invalid = |m: String| {
            field_invalid(
                regex_key,
                regex,
                &format!("A valid regular expression is expected, but: Invalid regex: {m}"),
            )
        };
        let first = JavaRegex::new(regex, false).map_err(invalid)?;
        let whole = JavaRegex::new(regex, true).map_err(invalid)?;
        let replacement = Replacement::parse(replacement, first.group_count(), |name| {
            first.group_index(name)
        })
        .map_err(|m| ConfigError::new(replacement_key, m))?;
        Ok(Rewrite {
            whole,
            first,
            replacement,
        })
    }

    /// The rewritten text if the whole `text` matches, else `None`.
    pub fn apply(&self, text: &str) -> Option<String> {
        if !self.whole.is_match(text).ok()? {
            return None;
        }
        let groups = self.first.first_match(text).ok()??;
        let (start, end) = (*groups.first()?)?;
        let mut out = String::with_capacity(text.len() + 16);
        out.push_str(&text[..start]);
        self.replacement.expand(
            |n| groups.get(n).copied().flatten().map(|(s, e)| &text[s..e]),
            &mut out,
        );
        out.push_str(&text[end..]);
        Some(out)
    }
}
