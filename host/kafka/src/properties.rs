//! Client settings for `switchyard run`: a Kafka Connect worker properties file
//! (`connect-distributed.properties`) read as a drop-in, and `key=value` librdkafka properties
//! from the command line.
//!
//! From a worker file: `bootstrap.servers` (and the other shared client keys Switchyard passes
//! to librdkafka, such as `security.protocol`) go to both clients, `consumer.*` to the consumer,
//! `producer.*` to the producer, and `key.converter` / `value.converter` with their settings are
//! the converters' defaults when the connector names none. Worker-only keys (`group.id` of the
//! Connect cluster, `config.storage.topic`, `rest.*`, …) are skipped.

use std::path::{Path, PathBuf};

use switchyard_pipeline::config::ConverterSpec;

/// Shared client keys a worker file may set that librdkafka understands under the same name.
const SHARED_CLIENT_KEYS: &[&str] = &[
    "bootstrap.servers",
    "client.id",
    "security.protocol",
    "sasl.mechanism",
    "sasl.mechanisms",
    "sasl.username",
    "sasl.password",
    "ssl.ca.location",
    "ssl.certificate.location",
    "ssl.key.location",
    "ssl.key.password",
    "ssl.endpoint.identification.algorithm",
    "client.rack",
];

/// A worker file or property that cannot be used.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PropertiesError {
    /// The file cannot be read.
    #[error("{file}: cannot read: {message}")]
    Read {
        /// The file.
        file: PathBuf,
        /// What went wrong.
        message: String,
    },
    /// A `--property` is not `key=value`.
    #[error("--property {0}: expected key=value")]
    Malformed(String),
}

/// librdkafka properties for both clients, and converter defaults.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ClientSettings {
    /// Properties for both the consumer and the producer.
    pub common: Vec<(String, String)>,
    /// Properties for the consumer only.
    pub consumer: Vec<(String, String)>,
    /// Properties for the producer only.
    pub producer: Vec<(String, String)>,
    /// The worker's `key.converter` and its settings.
    pub key_converter: Option<ConverterSpec>,
    /// The worker's `value.converter` and its settings.
    pub value_converter: Option<ConverterSpec>,
    /// The worker's `exactly.once.source.support=enabled`: `run` defaults to exactly-once.
    pub exactly_once_source_support: bool,
}

impl ClientSettings {
    /// Adds one property: `consumer.` / `producer.` prefixes select one client, anything else
    /// goes to both. Later settings override earlier ones.
    pub fn add(&mut self, key: &str, value: &str) {
        let (list, key) = if let Some(k) = key.strip_prefix("consumer.") {
            (&mut self.consumer, k)
        } else if let Some(k) = key.strip_prefix("producer.") {
            (&mut self.producer, k)
        } else {
            (&mut self.common, key)
        };
        list.retain(|(k, _)| k != key);
        list.push((key.to_string(), value.to_string()));
    }

    /// Reads a Connect worker properties file.
    pub fn from_worker_file(path: &Path) -> Result<Self, PropertiesError> {
        let text = std::fs::read_to_string(path).map_err(|e| PropertiesError::Read {
            file: path.to_path_buf(),
            message: e.to_string(),
        })?;
        Ok(Self::from_worker_properties(&parse_properties(&text)))
    }

    /// Picks what Switchyard uses out of a worker's properties.
    pub fn from_worker_properties(props: &[(String, String)]) -> Self {
        let mut settings = ClientSettings::default();
        let converter = |which: &str| {
            let class = props.iter().find(|(k, _)| k == which)?.1.clone();
            let prefix = format!("{which}.");
            let settings = props
                .iter()
                .filter_map(|(k, v)| Some((k.strip_prefix(&prefix)?.to_string(), v.clone())))
                .collect();
            Some(ConverterSpec {
                class,
                settings,
                explicit: true,
            })
        };
        settings.key_converter = converter("key.converter");
        settings.value_converter = converter("value.converter");
        settings.exactly_once_source_support = props.iter().any(|(k, v)| {
            k == "exactly.once.source.support" && v.trim().eq_ignore_ascii_case("enabled")
        });
        for (key, value) in props {
            if SHARED_CLIENT_KEYS.contains(&key.as_str())
                || key.starts_with("consumer.")
                || key.starts_with("producer.")
            {
                settings.add(key, value);
            }
        }
        settings
    }

    /// Adds `key=value` properties from the command line.
    pub fn add_cli_properties(&mut self, properties: &[String]) -> Result<(), PropertiesError> {
        for property in properties {
            let (key, value) = property
                .split_once('=')
                .filter(|(k, _)| !k.trim().is_empty())
                .ok_or_else(|| PropertiesError::Malformed(property.clone()))?;
            self.add(key.trim(), value.trim());
        }
        Ok(())
    }
}

/// Parses Java properties text: `key=value`, `key: value` or `key value` lines, `#` and `!`
/// comments, trailing-backslash continuations.
pub fn parse_properties(text: &str) -> Vec<(String, String)> {
    let mut out = Vec::new();
    let mut logical = String::new();
    for line in text.lines() {
        let line = line.trim_start();
        if logical.is_empty() && (line.is_empty() || line.starts_with('#') || line.starts_with('!'))
        {
            continue;
        }
        if let Some(continued) = line.strip_suffix('\\') {
            logical.push_str(continued);
            continue;
        }
        logical.push_str(line);
        let entry = std::mem::take(&mut logical);
        let split = entry.find(['=', ':', ' ', '\t']).unwrap_or(entry.len());
        let key = entry[..split].trim().to_string();
        let rest = entry[split..].trim_start();
        let value = rest
            .strip_prefix(['=', ':'])
            .unwrap_or(rest)
            .trim()
            .to_string();
        out.retain(|(k, _): &(String, String)| k != &key);
        out.push((key, value));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_worker_file_gives_servers_client_keys_and_converter_defaults() {
        let props = parse_properties(
            "# Connect worker\nbootstrap.servers=kafka:9092\ngroup.id=connect-cluster\n\
             key.converter=org.apache.kafka.connect.storage.StringConverter\n\
             value.converter: org.apache.kafka.connect.json.JsonConverter\n\
             value.converter.schemas.enable=false\nconsumer.fetch.min.bytes = 1024\n\
             producer.linger.ms=10\nconfig.storage.topic=connect-configs\n",
        );
        let s = ClientSettings::from_worker_properties(&props);
        assert_eq!(
            s.common,
            vec![("bootstrap.servers".into(), "kafka:9092".into())]
        );
        assert_eq!(s.consumer, vec![("fetch.min.bytes".into(), "1024".into())]);
        assert_eq!(s.producer, vec![("linger.ms".into(), "10".into())]);
        assert_eq!(
            s.key_converter.unwrap().class,
            "org.apache.kafka.connect.storage.StringConverter"
        );
        let value = s.value_converter.unwrap();
        assert_eq!(
            value.settings,
            vec![("schemas.enable".to_string(), "false".to_string())]
        );
    }

    #[test]
    fn cli_properties_override_and_reject_malformed_ones() {
        let mut s = ClientSettings::default();
        s.add("bootstrap.servers", "a:1");
        s.add_cli_properties(&["bootstrap.servers=b:2".into(), "consumer.x=1".into()])
            .unwrap();
        assert_eq!(s.common, vec![("bootstrap.servers".into(), "b:2".into())]);
        assert_eq!(s.consumer, vec![("x".into(), "1".into())]);
        assert!(s.add_cli_properties(&["nokey".into()]).is_err());
    }
}
