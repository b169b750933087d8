//! What `switchyard run` subscribes to: topics named on the command line, a sink connector's
//! `topics` / `topics.regex`, or the topics a Debezium source connector writes, derived from
//! `topic.prefix` and `table.include.list` the way Debezium names them
//! (`<topic.prefix>.<schema>.<table>`).

use std::path::Path;

use crate::config::ConfigError;
use crate::connect::parse_list;

/// A consumer subscription.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Subscription {
    /// These topics.
    Topics(Vec<String>),
    /// Every topic matching this regular expression (librdkafka's `^…` pattern form).
    Regex(String),
}

impl Subscription {
    /// The strings to pass to the consumer's `subscribe`.
    pub fn patterns(&self) -> Vec<String> {
        match self {
            Subscription::Topics(topics) => topics.clone(),
            Subscription::Regex(regex) if regex.starts_with('^') => vec![regex.clone()],
            Subscription::Regex(regex) => vec![format!("^{regex}")],
        }
    }
}

/// The keys of a connector JSON as flat string pairs (the flat map or the `config` object of a
/// `{"name":…,"config":{…}}` body); `None` when the file is not JSON (a TOML pipeline).
pub fn connector_settings(path: &Path) -> Result<Option<Vec<(String, String)>>, ConfigError> {
    let text = std::fs::read_to_string(path).map_err(|e| ConfigError::File {
        file: path.to_path_buf(),
        message: format!("cannot read: {e}"),
    })?;
    if !text.trim_start().starts_with('{') {
        return Ok(None);
    }
    let root: serde_json::Value = serde_json::from_str(&text).map_err(|e| ConfigError::File {
        file: path.to_path_buf(),
        message: format!("not valid JSON: {e}"),
    })?;
    let map = match root.get("config") {
        Some(serde_json::Value::Object(config)) => config.clone(),
        _ => match root {
            serde_json::Value::Object(map) => map,
            _ => return Ok(None),
        },
    };
    Ok(Some(
        map.into_iter()
            .filter_map(|(k, v)| match v {
                serde_json::Value::String(s) => Some((k, s)),
                serde_json::Value::Number(n) => Some((k, n.to_string())),
                serde_json::Value::Bool(b) => Some((k, b.to_string())),
                _ => None,
            })
            .collect(),
    ))
}

fn get<'a>(settings: &'a [(String, String)], key: &str) -> Option<&'a str> {
    settings
        .iter()
        .find(|(k, _)| k == key)
        .map(|(_, v)| v.as_str())
        .filter(|v| !v.trim().is_empty())
}

/// The subscription a connector's settings imply: `topics`, `topics.regex` (a sink
/// connector), or `topic.prefix` with `table.include.list` (a Debezium source connector).
pub fn from_connector(
    file: &Path,
    settings: &[(String, String)],
) -> Result<Option<Subscription>, ConfigError> {
    let err = |key: &str, message: String| ConfigError::Key {
        file: file.to_path_buf(),
        key: key.to_string(),
        message,
    };
    match (get(settings, "topics"), get(settings, "topics.regex")) {
        (Some(_), Some(_)) => {
            return Err(err(
                "topics.regex",
                "set either `topics` or `topics.regex`, not both (as Kafka Connect requires)"
                    .into(),
            ));
        }
        (Some(topics), None) => return Ok(Some(Subscription::Topics(parse_list(topics)))),
        (None, Some(regex)) => {
            regex::Regex::new(regex).map_err(|e| err("topics.regex", e.to_string()))?;
            return Ok(Some(Subscription::Regex(regex.to_string())));
        }
        (None, None) => {}
    }
    let Some(prefix) = get(settings, "topic.prefix") else {
        return Ok(None);
    };
    let prefix = prefix.trim();
    let tables = get(settings, "table.include.list").map(parse_list);
    Ok(Some(debezium_topics(prefix, tables.as_deref())))
}

/// Debezium's topic names for a prefix and a `table.include.list`. Entries are regular
/// expressions matched against `<schema>.<table>`; entries that are plain names become topic
/// names, anything else a regex subscription. No list means every table.
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

    fn settings(pairs: &[(&str, &str)]) -> Vec<(String, String)> {
        pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect()
    }

    #[test]
    fn debezium_names_topics_prefix_schema_table() {
        let s = settings(&[
            ("topic.prefix", "product"),
            ("table.include.list", "public.products, public.reviews"),
        ]);
        assert_eq!(
            from_connector(Path::new("c.json"), &s).unwrap(),
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
        let s = settings(&[("topics", "a,b"), ("topic.prefix", "x")]);
        assert_eq!(
            from_connector(Path::new("c.json"), &s).unwrap(),
            Some(Subscription::Topics(vec!["a".into(), "b".into()]))
        );
        let s = settings(&[("topics", "a"), ("topics.regex", "a.*")]);
        let e = from_connector(Path::new("c.json"), &s).unwrap_err();
        assert!(e.to_string().contains("topics.regex"), "{e}");
        let s = settings(&[("topics.regex", "raw-.*")]);
        assert_eq!(
            from_connector(Path::new("c.json"), &s)
                .unwrap()
                .unwrap()
                .patterns(),
            vec!["^raw-.*".to_string()]
        );
    }
}
