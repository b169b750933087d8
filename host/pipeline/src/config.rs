//! Switchyard's own pipeline model, and the TOML pipeline file that describes it.
//!
//! Everything downstream (the chain, `apply`, `validate`) sees only [`Pipeline`]. A Kafka
//! Connect connector JSON is translated into it by [`crate::connect`]; [`load`] picks the reader
//! from the file's content.

use std::path::{Path, PathBuf};
use std::time::Duration;

use serde::Deserialize;

use switchyard_engine::Limits;

/// The class of Kafka's JsonConverter, the default converter of a Connect worker.
pub const JSON_CONVERTER: &str = "org.apache.kafka.connect.json.JsonConverter";

/// A whole pipeline: how records are decoded, the chain of steps, and what happens on errors.
#[derive(Debug, Clone, PartialEq)]
pub struct Pipeline {
    /// The pipeline's name (the connector name for a connector JSON); used in error reports.
    pub name: String,
    /// The file it was read from; component paths are relative to its folder.
    pub file: PathBuf,
    /// How keys are converted.
    pub key_converter: ConverterSpec,
    /// How values are converted.
    pub value_converter: ConverterSpec,
    /// The transforms, in order.
    pub transforms: Vec<StepSpec>,
    /// The predicates transforms refer to.
    pub predicates: Vec<StepSpec>,
    /// Error handling (`errors.*`).
    pub errors: ErrorPolicy,
    /// What each guest may use.
    pub limits: Limits,
    /// The lookup tables transforms may read (`[lookups.<name>]`, `lookups.<name>.*`).
    pub lookups: Vec<switchyard_engine::lookup::LookupSpec>,
    /// What `switchyard run` consumes and how it delivers (`[source]`, or a connector's
    /// `topics`, `topic.prefix`, `exactly.once.support`, `transaction.boundary`, …).
    pub source: SourceSpec,
}

impl Pipeline {
    /// The folder of the pipeline file: component and lookup files are relative to it.
    pub fn folder(&self) -> &Path {
        self.file.parent().unwrap_or(Path::new("."))
    }

    /// The predicate with `alias`.
    pub fn predicate(&self, alias: &str) -> Option<&StepSpec> {
        self.predicates.iter().find(|p| p.alias == alias)
    }
}

/// What `switchyard run` consumes and what it guarantees; the command line overrides each part.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct SourceSpec {
    /// The topics to consume; `None` when the configuration names none.
    pub subscription: Option<Subscription>,
    /// The delivery guarantee the configuration demands; `None` leaves it to the worker file
    /// (`exactly.once.source.support`) and the command line, else at-least-once.
    pub delivery: Option<DeliveryGuarantee>,
    /// How often a transaction is committed in exactly-once mode; `None` for the default.
    pub transaction_interval: Option<Duration>,
    /// How many tasks `run` starts (Kafka Connect's `tasks.max`); `None` for one.
    pub tasks: Option<u32>,
}

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

/// What `switchyard run` guarantees about its outputs.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum DeliveryGuarantee {
    /// Offsets are committed once every output is acknowledged; a crash may duplicate outputs.
    #[default]
    AtLeastOnce,
    /// Outputs and input offsets are committed together in Kafka transactions.
    ExactlyOnce,
}

/// A converter class and its settings.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ConverterSpec {
    /// The converter class, e.g. `org.apache.kafka.connect.json.JsonConverter`.
    pub class: String,
    /// Its settings without the `key.converter.` / `value.converter.` prefix.
    pub settings: Vec<(String, String)>,
    /// Whether the configuration names it; a worker file's converter replaces only a default
    /// one, as a Connect worker's `key.converter` applies only to connectors that set none.
    pub explicit: bool,
}

impl ConverterSpec {
    /// Kafka's JsonConverter with its defaults (`schemas.enable=true`), as a default.
    pub fn json() -> Self {
        ConverterSpec {
            class: JSON_CONVERTER.into(),
            settings: Vec::new(),
            explicit: false,
        }
    }
}

/// One transform or predicate of the pipeline.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StepSpec {
    /// The alias (`transforms.<alias>`).
    pub alias: String,
    /// Where the component comes from.
    pub component: ComponentRef,
    /// Its configuration, prefix removed, in file order.
    pub config: Vec<(String, String)>,
    /// The predicate alias that guards the transform (transforms only).
    pub predicate: Option<String>,
    /// Whether the predicate's result is negated (transforms only).
    pub negate: bool,
}

/// Where a step's component comes from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ComponentRef {
    /// A built-in, by the Kafka Connect / Debezium class it implements.
    Class(String),
    /// A user-supplied component file (`.wasm`), relative to the pipeline file.
    File(PathBuf),
}

impl ComponentRef {
    /// The class name a guest is told it was configured as.
    pub fn class_name(&self) -> String {
        match self {
            ComponentRef::Class(c) => c.clone(),
            ComponentRef::File(p) => p.display().to_string(),
        }
    }
}

/// `errors.tolerance`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Tolerance {
    /// Stop at the first failing record.
    #[default]
    None,
    /// Skip failing records.
    All,
}

/// Connect's `errors.*` settings (`org.apache.kafka.connect.runtime.ConnectorConfig`,
/// `SinkConnectorConfig`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ErrorPolicy {
    /// `errors.tolerance`.
    pub tolerance: Tolerance,
    /// `errors.log.enable`.
    pub log_enable: bool,
    /// `errors.log.include.messages`.
    pub log_include_messages: bool,
    /// `errors.retry.timeout`: how long a transient failure is retried; `None` retries forever
    /// (`-1`), zero not at all (the default).
    pub retry_timeout: Option<Duration>,
    /// `errors.retry.delay.max.ms`: the longest wait between retries (default 60 s).
    pub retry_delay_max: Duration,
    /// `errors.deadletterqueue.topic.name`: where failed records go; `None` (blank) for none.
    pub dead_letter_topic: Option<String>,
    /// `errors.deadletterqueue.context.headers.enable`: add the `__connect.errors.*` headers.
    pub dead_letter_context_headers: bool,
    /// `errors.deadletterqueue.topic.replication.factor` (default 3), for creating the topic.
    pub dead_letter_replication_factor: i16,
    /// `parking.topic.name` (Switchyard's own): the topic whose partition 0 holds the parking
    /// log ([`crate::parking`]); `None` (blank) for none: a record a transform does not handle
    /// yet then fails as a bad record.
    pub parking_topic: Option<String>,
    /// `parking.topic.replication.factor` (default 3), for creating the topic.
    pub parking_replication_factor: i16,
}

impl Default for ErrorPolicy {
    fn default() -> Self {
        ErrorPolicy {
            tolerance: Tolerance::None,
            log_enable: false,
            log_include_messages: false,
            retry_timeout: Some(Duration::ZERO),
            retry_delay_max: Duration::from_millis(60_000),
            dead_letter_topic: None,
            dead_letter_context_headers: false,
            dead_letter_replication_factor: 3,
            parking_topic: None,
            parking_replication_factor: 3,
        }
    }
}

impl ErrorPolicy {
    /// Parses `errors.retry.timeout` (milliseconds; `-1` is forever).
    pub fn retry_timeout_from_millis(ms: i64) -> Option<Duration> {
        (ms >= 0).then(|| Duration::from_millis(ms as u64))
    }
}

/// A configuration that cannot be used.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum ConfigError {
    /// The file cannot be read or parsed.
    #[error("{file}: {message}")]
    File {
        /// The file.
        file: PathBuf,
        /// What went wrong.
        message: String,
    },
    /// A key has a value that cannot be used, or is missing.
    #[error("{file}: {key}: {message}")]
    Key {
        /// The file.
        file: PathBuf,
        /// The full key, e.g. `transforms.Route.regex`.
        key: String,
        /// What was expected.
        message: String,
    },
}

/// Reads a pipeline file: a Kafka Connect connector JSON (a flat config map or the
/// `{"name":…,"config":{…}}` body of the Connect REST API) or a Switchyard TOML pipeline.
pub fn load(path: &Path) -> Result<Pipeline, ConfigError> {
    let limit = switchyard_data::files::CONFIG_LIMIT;
    let text = switchyard_data::files::read_text(path, limit).map_err(|e| ConfigError::File {
        file: path.to_path_buf(),
        message: format!("cannot read: {e}"),
    })?;
    from_text(path, &text)
}

/// A pipeline from the text of the file at `path` (named in messages, and the folder relative
/// paths start from): a connector JSON when it starts with `{`, else a TOML pipeline.
pub fn from_text(path: &Path, text: &str) -> Result<Pipeline, ConfigError> {
    if text.trim_start().starts_with('{') {
        crate::connect::from_connector_json(path, text)
    } else {
        from_toml(path, text)
    }
}

/// The TOML pipeline file. Configuration values may be strings, numbers or booleans; they
/// reach transforms as the strings Kafka Connect would see.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct PipelineFile {
    /// The pipeline's name.
    name: Option<String>,
    /// Key and value converters; JsonConverter with schemas when absent.
    #[serde(default)]
    converters: ConvertersFile,
    /// The transforms, in order.
    #[serde(default)]
    transforms: Vec<StepFile>,
    /// The predicates.
    #[serde(default)]
    predicates: Vec<StepFile>,
    /// Error handling.
    #[serde(default)]
    errors: ErrorsFile,
    /// Guest limits.
    #[serde(default)]
    limits: LimitsFile,
    /// Lookup tables by name, in file order.
    #[serde(default)]
    lookups: toml::map::Map<String, toml::Value>,
    /// What `run` consumes.
    #[serde(default)]
    source: SourceFile,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct SourceFile {
    /// Topics to consume.
    topics: Option<Vec<String>>,
    /// A regular expression of topics to consume (exclusive with `topics`).
    topics_regex: Option<String>,
    /// `at-least-once` or `exactly-once`.
    delivery: Option<String>,
    /// How often a transaction is committed in exactly-once mode, in milliseconds.
    transaction_interval_ms: Option<u64>,
    /// How many tasks `run` starts, each a consumer-group member (Kafka Connect's
    /// `tasks.max`); at least 1.
    tasks: Option<u32>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct ConvertersFile {
    /// The key converter.
    key: Option<ConverterFile>,
    /// The value converter.
    value: Option<ConverterFile>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct ConverterFile {
    /// The converter class.
    class: String,
    /// Its settings, e.g. `"schemas.enable" = false`.
    #[serde(default)]
    config: toml::Table,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct StepFile {
    /// The step's alias.
    alias: String,
    /// A built-in class (exclusive with `component`).
    class: Option<String>,
    /// A component file (exclusive with `class`).
    component: Option<PathBuf>,
    /// The guarding predicate's alias.
    predicate: Option<String>,
    /// Negates the predicate.
    #[serde(default)]
    negate: bool,
    /// The step's configuration.
    #[serde(default)]
    config: toml::Table,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct ErrorsFile {
    /// `none` or `all`.
    tolerance: Option<String>,
    /// Log each failure.
    #[serde(default)]
    log_enable: bool,
    /// Include the record's coordinates in the log line.
    #[serde(default)]
    log_include_messages: bool,
    /// How long transient failures are retried, in milliseconds; -1 forever.
    retry_timeout_ms: Option<i64>,
    /// The longest wait between retries, in milliseconds.
    retry_delay_max_ms: Option<u64>,
    /// The dead-letter topic.
    dead_letter_topic: Option<String>,
    /// Add the `__connect.errors.*` headers to dead-letter records.
    #[serde(default)]
    dead_letter_context_headers: bool,
    /// Replication factor of the dead-letter topic when it is created.
    dead_letter_replication_factor: Option<i16>,
    /// The parking topic.
    parking_topic: Option<String>,
    /// Replication factor of the parking topic when it is created.
    parking_replication_factor: Option<i16>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct LimitsFile {
    /// Memory per guest in MiB.
    memory_mib: Option<usize>,
    /// Time per guest call in milliseconds.
    call_timeout_ms: Option<u64>,
}

fn table_to_config(
    file: &Path,
    prefix: &str,
    table: toml::Table,
) -> Result<Vec<(String, String)>, ConfigError> {
    table
        .into_iter()
        .map(|(k, v)| {
            let text = match v {
                toml::Value::String(s) => s,
                toml::Value::Integer(i) => i.to_string(),
                toml::Value::Float(f) => f.to_string(),
                toml::Value::Boolean(b) => b.to_string(),
                toml::Value::Array(items) => items
                    .into_iter()
                    .map(|i| match i {
                        toml::Value::String(s) => s,
                        other => other.to_string(),
                    })
                    .collect::<Vec<_>>()
                    .join(","),
                other => {
                    return Err(ConfigError::Key {
                        file: file.to_path_buf(),
                        key: format!("{prefix}{k}"),
                        message: format!(
                            "expected a string, number, boolean or list, found {}",
                            other.type_str()
                        ),
                    });
                }
            };
            Ok((k, text))
        })
        .collect()
}

fn from_toml(path: &Path, text: &str) -> Result<Pipeline, ConfigError> {
    let file: PipelineFile = toml::from_str(text).map_err(|e| ConfigError::File {
        file: path.to_path_buf(),
        message: format!("not a valid pipeline file: {e}"),
    })?;
    let key_err = |key: String, message: String| ConfigError::Key {
        file: path.to_path_buf(),
        key,
        message,
    };
    let converter = |c: Option<ConverterFile>, which: &str| -> Result<ConverterSpec, ConfigError> {
        match c {
            None => Ok(ConverterSpec::json()),
            Some(c) => Ok(ConverterSpec {
                class: c.class,
                settings: table_to_config(path, &format!("converters.{which}.config."), c.config)?,
                explicit: true,
            }),
        }
    };
    let step = |s: StepFile, section: &str| -> Result<StepSpec, ConfigError> {
        let component = match (s.class, s.component) {
            (Some(class), None) => ComponentRef::Class(class),
            (None, Some(file)) => ComponentRef::File(file),
            _ => {
                return Err(key_err(
                    format!("{section}.{}", s.alias),
                    "expected exactly one of `class` (a built-in) or `component` (a .wasm file)"
                        .into(),
                ));
            }
        };
        Ok(StepSpec {
            config: table_to_config(path, &format!("{section}.{}.config.", s.alias), s.config)?,
            alias: s.alias,
            component,
            predicate: s.predicate,
            negate: s.negate,
        })
    };
    let tolerance = match file.errors.tolerance.as_deref().map(str::trim) {
        None | Some("none") => Tolerance::None,
        Some("all") => Tolerance::All,
        Some(other) => {
            return Err(key_err(
                "errors.tolerance".into(),
                format!("expected `none` or `all`, found `{other}`"),
            ));
        }
    };
    let mut limits = Limits::default();
    if let Some(mib) = file.limits.memory_mib {
        limits.memory_bytes = mib << 20;
    }
    if let Some(ms) = file.limits.call_timeout_ms {
        limits.call_timeout = Duration::from_millis(ms);
    }
    let pipeline = Pipeline {
        name: file.name.unwrap_or_else(|| {
            path.file_stem()
                .map_or_else(|| "pipeline".into(), |s| s.to_string_lossy().into_owned())
        }),
        file: path.to_path_buf(),
        key_converter: converter(file.converters.key, "key")?,
        value_converter: converter(file.converters.value, "value")?,
        transforms: file
            .transforms
            .into_iter()
            .map(|s| step(s, "transforms"))
            .collect::<Result<_, _>>()?,
        predicates: file
            .predicates
            .into_iter()
            .map(|s| step(s, "predicates"))
            .collect::<Result<_, _>>()?,
        errors: ErrorPolicy {
            tolerance,
            log_enable: file.errors.log_enable,
            log_include_messages: file.errors.log_include_messages,
            retry_timeout: ErrorPolicy::retry_timeout_from_millis(
                file.errors.retry_timeout_ms.unwrap_or(0),
            ),
            retry_delay_max: Duration::from_millis(
                file.errors.retry_delay_max_ms.unwrap_or(60_000),
            ),
            dead_letter_topic: file
                .errors
                .dead_letter_topic
                .map(|t| t.trim().to_string())
                .filter(|t| !t.is_empty()),
            dead_letter_context_headers: file.errors.dead_letter_context_headers,
            dead_letter_replication_factor: file.errors.dead_letter_replication_factor.unwrap_or(3),
            parking_topic: file
                .errors
                .parking_topic
                .map(|t| t.trim().to_string())
                .filter(|t| !t.is_empty()),
            parking_replication_factor: file.errors.parking_replication_factor.unwrap_or(3),
        },
        limits,
        lookups: lookups_from_toml(path, file.lookups)?,
        source: source_from_toml(path, file.source)?,
    };
    check_references(&pipeline)?;
    Ok(pipeline)
}

/// The `[source]` section.
fn source_from_toml(path: &Path, file: SourceFile) -> Result<SourceSpec, ConfigError> {
    let err = |key: &str, message: String| ConfigError::Key {
        file: path.to_path_buf(),
        key: format!("source.{key}"),
        message,
    };
    let subscription = match (file.topics, file.topics_regex) {
        (Some(_), Some(_)) => {
            return Err(err(
                "topics_regex",
                "set either `topics` or `topics_regex`, not both".into(),
            ));
        }
        (Some(topics), None) if topics.iter().any(|t| t.trim().is_empty()) => {
            return Err(err("topics", "empty topic name".into()));
        }
        (Some(topics), None) => Some(Subscription::Topics(
            topics.into_iter().map(|t| t.trim().to_string()).collect(),
        )),
        (None, Some(regex)) => {
            regex::Regex::new(&regex).map_err(|e| err("topics_regex", e.to_string()))?;
            Some(Subscription::Regex(regex))
        }
        (None, None) => None,
    };
    let delivery = match file.delivery.as_deref().map(str::trim) {
        None => None,
        Some("at-least-once") => Some(DeliveryGuarantee::AtLeastOnce),
        Some("exactly-once") => Some(DeliveryGuarantee::ExactlyOnce),
        Some(other) => {
            return Err(err(
                "delivery",
                format!("expected `at-least-once` or `exactly-once`, found `{other}`"),
            ));
        }
    };
    if file.tasks == Some(0) {
        return Err(err("tasks", "expected at least 1 task".into()));
    }
    Ok(SourceSpec {
        subscription,
        delivery,
        transaction_interval: file.transaction_interval_ms.map(Duration::from_millis),
        tasks: file.tasks,
    })
}

/// The `[lookups.<name>]` sections: `file`, `topic`, `key_field`, `value_field`, `max_bytes`
/// (the connector JSON's `lookups.<name>.key.field` and so on, with underscores).
fn lookups_from_toml(
    path: &Path,
    tables: toml::map::Map<String, toml::Value>,
) -> Result<Vec<switchyard_engine::lookup::LookupSpec>, ConfigError> {
    let mut specs = Vec::with_capacity(tables.len());
    for (name, value) in tables {
        let err = |key: String, message: String| ConfigError::Key {
            file: path.to_path_buf(),
            key,
            message,
        };
        let toml::Value::Table(settings) = value else {
            return Err(err(
                format!("lookups.{name}"),
                "expected a table ([lookups.<name>])".into(),
            ));
        };
        let mut spec = switchyard_engine::lookup::LookupSpec::new(&name);
        for (key, value) in settings {
            let text = match value {
                toml::Value::String(s) => s,
                toml::Value::Integer(i) => i.to_string(),
                other => {
                    return Err(err(
                        format!("lookups.{name}.{key}"),
                        format!(
                            "expected a string or an integer, found {}",
                            other.type_str()
                        ),
                    ));
                }
            };
            spec.set(&key.replace('_', "."), &text)
                .map_err(|message| err(format!("lookups.{name}.{key}"), message))?;
        }
        specs.push(spec);
    }
    Ok(specs)
}

/// Checks what Kafka's `ConnectorConfig` checks across steps: unique aliases, predicates that
/// exist, and `negate` only with a predicate.
pub fn check_references(pipeline: &Pipeline) -> Result<(), ConfigError> {
    let err = |key: String, message: String| ConfigError::Key {
        file: pipeline.file.clone(),
        key,
        message,
    };
    for (section, steps) in [
        ("transforms", &pipeline.transforms),
        ("predicates", &pipeline.predicates),
    ] {
        for (i, step) in steps.iter().enumerate() {
            if steps[..i].iter().any(|s| s.alias == step.alias) {
                return Err(err(
                    section.into(),
                    format!("Duplicate alias provided: {}", step.alias),
                ));
            }
        }
    }
    for step in &pipeline.transforms {
        match &step.predicate {
            Some(p) if pipeline.predicate(p).is_none() => {
                return Err(err(
                    format!("transforms.{}.predicate", step.alias),
                    format!("no predicate `{p}` is defined (expected predicates.{p}.type)"),
                ));
            }
            None if step.negate => {
                return Err(err(
                    format!("transforms.{}.negate", step.alias),
                    format!(
                        "Config 'transforms.{0}.negate' was provided but there is no config 'transforms.{0}.predicate' defining a predicate to be negated.",
                        step.alias
                    ),
                ));
            }
            _ => {}
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(text: &str) -> Result<Pipeline, ConfigError> {
        from_toml(Path::new("pipeline.toml"), text)
    }

    #[test]
    fn toml_pipeline_reads_steps_and_stringifies_values() {
        let p = parse(
            r#"
            name = "products"
            [converters.key]
            class = "org.apache.kafka.connect.json.JsonConverter"
            config = { "schemas.enable" = false }
            [[transforms]]
            alias = "Rename"
            class = "org.apache.kafka.connect.transforms.ReplaceField$Key"
            predicate = "isProducts"
            config = { renames = ["id:product_id"], "replace.null.with.default" = true }
            [[predicates]]
            alias = "isProducts"
            class = "org.apache.kafka.connect.transforms.predicates.TopicNameMatches"
            config = { pattern = ".*products$" }
            [errors]
            tolerance = "all"
            [limits]
            memory_mib = 16
            "#,
        )
        .unwrap();
        assert_eq!(p.name, "products");
        assert_eq!(
            p.key_converter.settings,
            vec![("schemas.enable".into(), "false".into())]
        );
        assert_eq!(p.value_converter, ConverterSpec::json());
        assert_eq!(
            p.transforms[0].config[0],
            ("renames".into(), "id:product_id".into())
        );
        assert_eq!(p.transforms[0].predicate.as_deref(), Some("isProducts"));
        assert_eq!(p.errors.tolerance, Tolerance::All);
        assert_eq!(p.limits.memory_bytes, 16 << 20);
    }

    #[test]
    fn toml_pipeline_rejects_unknown_keys_and_bad_references() {
        let unknown = parse("nmae = \"x\"").unwrap_err();
        assert!(unknown.to_string().contains("nmae"), "{unknown}");
        let dangling = parse(
            r#"
            [[transforms]]
            alias = "a"
            class = "org.apache.kafka.connect.transforms.RegexRouter"
            predicate = "missing"
            "#,
        )
        .unwrap_err();
        assert!(
            dangling.to_string().contains("transforms.a.predicate"),
            "{dangling}"
        );
        let negate = parse(
            r#"
            [[transforms]]
            alias = "a"
            class = "org.apache.kafka.connect.transforms.RegexRouter"
            negate = true
            "#,
        )
        .unwrap_err();
        assert!(
            negate
                .to_string()
                .contains("defining a predicate to be negated"),
            "{negate}"
        );
        let both = parse(
            r#"
            [[transforms]]
            alias = "a"
            class = "x"
            component = "x.wasm"
            "#,
        )
        .unwrap_err();
        assert!(both.to_string().contains("exactly one"), "{both}");
    }

    #[test]
    fn the_source_section_names_topics_and_delivery() {
        let p = parse(
            r#"
            [source]
            topics = ["product.public.products", " product.public.reviews "]
            delivery = "exactly-once"
            transaction_interval_ms = 500
            "#,
        )
        .unwrap();
        assert_eq!(
            p.source,
            SourceSpec {
                subscription: Some(Subscription::Topics(vec![
                    "product.public.products".into(),
                    "product.public.reviews".into()
                ])),
                delivery: Some(DeliveryGuarantee::ExactlyOnce),
                transaction_interval: Some(Duration::from_millis(500)),
                tasks: None,
            }
        );
        let p = parse("[source]\ntopics_regex = \"product\\\\..*\"\n").unwrap();
        assert_eq!(
            p.source.subscription.unwrap().patterns(),
            vec!["^product\\..*".to_string()]
        );
        for (text, key) in [
            (
                "[source]\ntopics = [\"a\"]\ntopics_regex = \"a\"\n",
                "source.topics_regex",
            ),
            ("[source]\ntopics_regex = \"(\"\n", "source.topics_regex"),
            ("[source]\ndelivery = \"twice\"\n", "source.delivery"),
            ("[source]\ntopic = \"a\"\n", "topic"),
        ] {
            let e = parse(text).unwrap_err();
            assert!(e.to_string().contains(key), "{text}: {e}");
        }
        assert_eq!(parse("").unwrap().source, SourceSpec::default());
    }
}
