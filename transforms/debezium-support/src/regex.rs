//! Java regular expressions with Java replacements, as Kafka's `RegexRouter` and Debezium's
//! routers use them: the pattern must match the whole text (`Matcher.matches()`), then its
//! first match is replaced (`Matcher.replaceFirst`).

use regex_lite::Regex;
use switchyard_sdk::java::{self, Replacement};
use switchyard_sdk::prelude::*;

use crate::config::field_invalid;

/// A Java regex with a Java replacement: `Matcher.matches()` then `replaceFirst`.
#[derive(Debug, Clone)]
pub struct Rewrite {
    whole: Regex,
    first: Regex,
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
        let translated = java::translate_regex(regex).map_err(invalid)?;
        let first = Regex::new(&translated).map_err(|e| invalid(e.to_string()))?;
        let whole =
            Regex::new(&java::full_match(&translated)).map_err(|e| invalid(e.to_string()))?;
        let groups = first.captures_len().saturating_sub(1);
        let replacement = Replacement::parse(replacement, groups, |name| {
            first.capture_names().position(|n| n == Some(name))
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
        if !self.whole.is_match(text) {
            return None;
        }
        let captures = self.first.captures(text)?;
        let found = captures.get(0)?;
        let mut out = String::with_capacity(text.len() + 16);
        out.push_str(&text[..found.start()]);
        self.replacement
            .expand(|n| captures.get(n).map(|m| m.as_str()), &mut out);
        out.push_str(&text[found.end()..]);
        Some(out)
    }
}
