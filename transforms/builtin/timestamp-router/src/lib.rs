//! `org.apache.kafka.connect.transforms.TimestampRouter` as a Switchyard transform: routes a
//! record to a topic named after its topic and its timestamp.
//!
//! | key | type | default |
//! |---|---|---|
//! | `topic.format` | STRING | `${topic}-${timestamp}` |
//! | `timestamp.format` | STRING, a `SimpleDateFormat` pattern (UTC) | `yyyyMMdd` |
//!
//! Every `${topic}` in `topic.format` is replaced by the topic, then every `${timestamp}` in the
//! result by the record's timestamp in `timestamp.format`: topic `test` at 1483425001864 goes
//! to `test-20170103`. A record without a timestamp is a bad record. Key and value are never
//! decoded.
//!
//! The pattern letters are those of `connect_util::date`, the week-based `Y`, `w`, `W` as a JVM
//! with the default en_US locale prints them; a pattern Java rejects is a configuration error
//! naming `timestamp.format` (Kafka reports it when the first record arrives).

use connect_util::date::DateFormat;
use switchyard_sdk::prelude::*;

/// The transform: the topic template and the timestamp format.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TimestampRouter {
    topic_format: String,
    timestamp_format: DateFormat,
}

impl TimestampRouter {
    /// Reads the configuration (`TimestampRouter.CONFIG_DEF`).
    pub fn from_config(config: &Config) -> Result<Self, ConfigError> {
        let pattern = config.string_or("timestamp.format", "yyyyMMdd");
        let timestamp_format = DateFormat::new(&pattern)
            .map_err(|e| ConfigError::new("timestamp.format", e.to_string()))?;
        Ok(TimestampRouter {
            topic_format: config.string_or("topic.format", "${topic}-${timestamp}"),
            timestamp_format,
        })
    }

    /// The topic for `topic` at `timestamp` (milliseconds since the epoch).
    pub fn route(&self, topic: &str, timestamp: i64) -> String {
        let formatted = self.timestamp_format.format(timestamp);
        self.topic_format
            .replace("${topic}", topic)
            .replace("${timestamp}", &formatted)
    }
}

impl Transform for TimestampRouter {
    fn configure(ctx: &Context) -> Result<Self, ConfigError> {
        TimestampRouter::from_config(ctx.config())
    }

    fn apply(&self, mut record: Record) -> Result<Output, Error> {
        let topic = record.topic();
        let Some(timestamp) = record.timestamp() else {
            let partition = record
                .partition()
                .map_or_else(|| "null".to_owned(), |p| p.to_string());
            return Err(Error::bad_record(format!(
                "Timestamp missing on record: ConnectRecord{{topic='{topic}', \
                 kafkaPartition={partition}, timestamp=null}}"
            )));
        };
        record.set_topic(&self.route(&topic, timestamp));
        Ok(Output::One(record))
    }
}

switchyard_sdk::export_transform!(TimestampRouter);

#[cfg(test)]
mod tests {
    use super::*;

    fn router(entries: &[(&str, &str)]) -> TimestampRouter {
        TimestampRouter::from_config(&entries.iter().copied().collect())
            .unwrap_or_else(|e| panic!("{e}"))
    }

    /// `TimestampRouterTest.defaultConfiguration`.
    #[test]
    fn default_configuration() {
        assert_eq!(
            router(&[]).route("test", 1_483_425_001_864),
            "test-20170103"
        );
    }

    #[test]
    fn templates_and_formats() {
        let r = router(&[
            ("topic.format", "${timestamp}/${topic}/${topic}"),
            ("timestamp.format", "yyyy-MM-dd'T'HH"),
        ]);
        assert_eq!(r.route("t", 1_483_425_001_864), "2017-01-03T06/t/t");
        // The topic is substituted first, so a `${timestamp}` in it is substituted too.
        assert_eq!(router(&[]).route("${timestamp}", 0), "19700101-19700101");
        let err =
            TimestampRouter::from_config(&[("timestamp.format", "yyyy-bb")].into_iter().collect());
        assert_eq!(
            err,
            Err(ConfigError::new(
                "timestamp.format",
                "Illegal pattern character 'b'"
            ))
        );
    }
}
