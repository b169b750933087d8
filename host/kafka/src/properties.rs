//! Client settings for `switchyard run`: a Kafka Connect worker properties file
//! (`connect-distributed.properties`) read as a drop-in, and `key=value` librdkafka properties
//! from the command line.
//!
//! From a worker file: `bootstrap.servers` (and the other shared client keys Switchyard passes
//! to librdkafka, such as `security.protocol`) go to both clients, `consumer.*` to the consumer,
//! `producer.*` to the producer, and `key.converter` / `value.converter` with their settings are
//! the converters' defaults when the connector names none. Worker-only keys (`group.id` of the
//! Connect cluster, `config.storage.topic`, `rest.*`, …) are skipped.
//!
//! The Java clients' `sasl.jaas.config` (what every SASL worker file has) is translated to
//! librdkafka's `sasl.username` and `sasl.password`; and the values of keys that carry secrets
//! are kept out of every message ([`Secrets`]).

use std::path::{Path, PathBuf};

use switchyard_pipeline::config::ConverterSpec;

/// Shared client keys a worker file may set that librdkafka understands under the same name.
const SHARED_CLIENT_KEYS: &[&str] = &[
    "bootstrap.servers",
    "client.id",
    "security.protocol",
    "sasl.mechanism",
    "sasl.mechanisms",
    "sasl.jaas.config",
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
    /// A `sasl.jaas.config` that cannot be translated for librdkafka (its value is not shown:
    /// it holds a password).
    #[error("{key}: {reason}")]
    Jaas {
        /// The key as given (`sasl.jaas.config`, `consumer.sasl.jaas.config`, …).
        key: String,
        /// Why.
        reason: String,
    },
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
    /// goes to both. Later settings override earlier ones. A `sasl.jaas.config` becomes
    /// `sasl.username` and `sasl.password`.
    pub fn add(&mut self, key: &str, value: &str) -> Result<(), PropertiesError> {
        let (list, name) = if let Some(k) = key.strip_prefix("consumer.") {
            (&mut self.consumer, k)
        } else if let Some(k) = key.strip_prefix("producer.") {
            (&mut self.producer, k)
        } else {
            (&mut self.common, key)
        };
        let mut set = |name: &str, value: &str| {
            list.retain(|(k, _)| k != name);
            list.push((name.to_string(), value.to_string()));
        };
        if name == "sasl.jaas.config" {
            let (username, password) =
                jaas_credentials(value).map_err(|reason| PropertiesError::Jaas {
                    key: key.to_string(),
                    reason,
                })?;
            set("sasl.username", &username);
            set("sasl.password", &password);
        } else {
            set(name, value);
        }
        Ok(())
    }

    /// The values of every secret setting (see [`is_secret`]), to keep out of messages.
    pub fn secrets(&self) -> Secrets {
        let all = self
            .common
            .iter()
            .chain(&self.consumer)
            .chain(&self.producer);
        Secrets::new(all.filter(|(k, _)| is_secret(k)).map(|(_, v)| v.as_str()))
    }

    /// Reads a Connect worker properties file.
    pub fn from_worker_file(path: &Path) -> Result<Self, PropertiesError> {
        let limit = switchyard_data::files::CONFIG_LIMIT;
        let text =
            switchyard_data::files::read_text(path, limit).map_err(|e| PropertiesError::Read {
                file: path.to_path_buf(),
                message: e.to_string(),
            })?;
        Self::from_worker_properties(&parse_properties(&text))
    }

    /// Picks what Switchyard uses out of a worker's properties.
    pub fn from_worker_properties(props: &[(String, String)]) -> Result<Self, PropertiesError> {
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
                settings.add(key, value)?;
            }
        }
        Ok(settings)
    }

    /// Adds `key=value` properties from the command line.
    pub fn add_cli_properties(&mut self, properties: &[String]) -> Result<(), PropertiesError> {
        for property in properties {
            let (key, value) = property
                .split_once('=')
                .filter(|(k, _)| !k.trim().is_empty())
                .ok_or_else(|| PropertiesError::Malformed(property.clone()))?;
            self.add(key.trim(), value.trim())?;
        }
        Ok(())
    }
}

/// Whether a client setting's value is a secret, never to be shown: passwords, JAAS
/// configurations, tokens, client secrets, private keys and credentials. Matched loosely (any
/// key that mentions `pass`, `secret`, …), so that a misspelled key such as `sasl.passwrd` is
/// hidden too.
pub fn is_secret(key: &str) -> bool {
    const MARKS: &[&str] = &[
        "pass",
        "secret",
        "jaas",
        "token",
        "credential",
        "user.info",
        "private",
        "key.pem",
        "oauthbearer.config",
    ];
    let key = key.to_ascii_lowercase();
    MARKS.iter().any(|mark| key.contains(mark))
}

/// Secret values to hide in messages: a message from librdkafka about a setting can quote its
/// value (`Client config error: … sasl.passwrd <value>`).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Secrets(Vec<String>);

impl Secrets {
    /// What hides `values` (blank ones are ignored).
    pub fn new<'a>(values: impl IntoIterator<Item = &'a str>) -> Secrets {
        let mut list: Vec<String> = values
            .into_iter()
            .map(str::trim)
            .filter(|v| !v.is_empty())
            .map(str::to_owned)
            .collect();
        // The longest first, so that a secret inside another is not half-hidden.
        list.sort_by_key(|v| std::cmp::Reverse(v.len()));
        list.dedup();
        Secrets(list)
    }

    /// `text` with every secret value replaced by `[hidden]`.
    pub fn hide(&self, text: &str) -> String {
        self.0.iter().fold(text.to_owned(), |text, secret| {
            text.replace(secret.as_str(), "[hidden]")
        })
    }
}

/// The `username` and `password` options of a Java `sasl.jaas.config` for the PLAIN or SCRAM
/// login modules (`org.apache.kafka.common.security.plain.PlainLoginModule required
/// username="alice" password="…";`), parsed as Kafka's `JaasConfig` reads one module entry:
/// the class, a control flag, `name=value` options (values quoted with `"` or bare) and `;`.
/// The error never quotes the text: it holds a password.
fn jaas_credentials(text: &str) -> Result<(String, String), String> {
    let mut rest = text.trim();
    let module = word(&mut rest).ok_or("no login module")?;
    let supported = ["PlainLoginModule", "ScramLoginModule"];
    if !supported.iter().any(|m| module.ends_with(m)) {
        return Err(format!(
            "the login module {module} has no librdkafka equivalent that Switchyard translates \
             (PLAIN and SCRAM are translated to sasl.username / sasl.password; set librdkafka's \
             own sasl.* properties for other mechanisms)"
        ));
    }
    word(&mut rest).ok_or("no control flag after the login module")?;
    let (mut username, mut password) = (None, None);
    loop {
        rest = rest.trim_start();
        if rest.is_empty() || rest.starts_with(';') {
            break;
        }
        let name = word(&mut rest).ok_or("an option without a name")?;
        rest = rest
            .trim_start()
            .strip_prefix('=')
            .ok_or_else(|| format!("the option {name} has no `=`"))?
            .trim_start();
        let value = match rest.strip_prefix('"') {
            Some(quoted) => {
                let end = quoted
                    .find('"')
                    .ok_or_else(|| format!("the value of {name} has no closing quote"))?;
                rest = &quoted[end + 1..];
                quoted[..end].to_owned()
            }
            None => word(&mut rest).unwrap_or_default(),
        };
        match name.as_str() {
            "username" => username = Some(value),
            "password" => password = Some(value),
            _ => {}
        }
    }
    match (username, password) {
        (Some(u), Some(p)) => Ok((u, p)),
        _ => Err("needs both a username and a password option".into()),
    }
}

/// The next word of a JAAS entry (up to blank, `;` or `=`), consumed from `rest`.
fn word(rest: &mut &str) -> Option<String> {
    *rest = rest.trim_start();
    let end = rest
        .find(|c: char| c.is_whitespace() || c == ';' || c == '=')
        .unwrap_or(rest.len());
    let (word, tail) = rest.split_at(end);
    *rest = tail;
    (!word.is_empty()).then(|| word.to_owned())
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
        let s = ClientSettings::from_worker_properties(&props).unwrap();
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
        s.add("bootstrap.servers", "a:1").unwrap();
        s.add_cli_properties(&["bootstrap.servers=b:2".into(), "consumer.x=1".into()])
            .unwrap();
        assert_eq!(s.common, vec![("bootstrap.servers".into(), "b:2".into())]);
        assert_eq!(s.consumer, vec![("x".into(), "1".into())]);
        assert!(s.add_cli_properties(&["nokey".into()]).is_err());
    }

    /// A Java worker's SASL settings reach librdkafka as `sasl.username` / `sasl.password`.
    #[test]
    fn a_jaas_config_becomes_username_and_password() {
        let props = parse_properties(
            "security.protocol=SASL_SSL\nsasl.mechanism=PLAIN\n\
             sasl.jaas.config=org.apache.kafka.common.security.plain.PlainLoginModule required \\\n\
             \tusername=\"alice\" password=\"p w;=x\";\n\
             producer.sasl.jaas.config=org.apache.kafka.common.security.scram.ScramLoginModule \
             required username=bob password=hunter2;\n",
        );
        let s = ClientSettings::from_worker_properties(&props).unwrap();
        assert_eq!(
            s.common,
            vec![
                ("security.protocol".into(), "SASL_SSL".into()),
                ("sasl.mechanism".into(), "PLAIN".into()),
                ("sasl.username".into(), "alice".into()),
                ("sasl.password".into(), "p w;=x".into()),
            ]
        );
        assert_eq!(
            s.producer,
            vec![
                ("sasl.username".into(), "bob".into()),
                ("sasl.password".into(), "hunter2".into()),
            ]
        );
    }

    #[test]
    fn a_jaas_config_that_cannot_be_translated_is_refused_without_its_text() {
        for (text, reason) in [
            (
                "com.sun.security.auth.module.Krb5LoginModule required keyTab=\"/k\";",
                "has no librdkafka equivalent",
            ),
            (
                "org.apache.kafka.common.security.plain.PlainLoginModule required password=\"s3cr3t\";",
                "needs both a username and a password",
            ),
            (
                "org.apache.kafka.common.security.plain.PlainLoginModule required username=\"a\" password=\"s3cr3t",
                "no closing quote",
            ),
        ] {
            let mut s = ClientSettings::default();
            let error = s.add("sasl.jaas.config", text).unwrap_err().to_string();
            assert!(error.contains(reason), "{error}");
            assert!(!error.contains("s3cr3t"), "{error}");
        }
    }

    #[test]
    fn secret_values_are_hidden_in_messages() {
        let mut s = ClientSettings::default();
        for (k, v) in [
            ("bootstrap.servers", "kafka:9092"),
            ("sasl.passwrd", "typo-secret"),
            ("consumer.ssl.key.password", "key-secret"),
            ("sasl.username", "alice"),
        ] {
            s.add(k, v).unwrap();
        }
        let message = "Client config error: No such configuration property: \"sasl.passwrd\" \
                       sasl.passwrd typo-secret; ssl.key.password=key-secret; user alice";
        assert_eq!(
            s.secrets().hide(message),
            "Client config error: No such configuration property: \"sasl.passwrd\" \
             sasl.passwrd [hidden]; ssl.key.password=[hidden]; user alice"
        );
        assert!(is_secret("basic.auth.user.info"));
        assert!(is_secret("sasl.oauthbearer.client.secret"));
        assert!(!is_secret("key.converter"));
        assert!(!is_secret("ssl.ca.location"));
    }
}
