//! What `switchyard run` subscribes to: topics named on the command line, else the
//! configuration's ([`switchyard_pipeline::config::SourceSpec`]: a sink connector's `topics` /
//! `topics.regex`, the topics a Debezium source connector writes, or a TOML `[source]`).

use std::time::Duration;

use rdkafka::ClientConfig;
use rdkafka::admin::{AdminClient, AdminOptions, NewTopic, TopicReplication};
use rdkafka::client::DefaultClientContext;
use rdkafka::error::KafkaError;
use rdkafka::types::RDKafkaErrorCode;

pub use switchyard_pipeline::config::Subscription;

/// Creates `topic` with one partition and `replication_factor` replicas when the cluster does
/// not have it, as Kafka Connect's `DeadLetterQueueReporter.createAndSetup` does for the
/// dead-letter topic (`errors.deadletterqueue.topic.replication.factor`). Returns whether it
/// was created; a topic that exists, or that another process creates first, is left as it is.
pub fn ensure_topic(
    config: &ClientConfig,
    topic: &str,
    replication_factor: i16,
    timeout: Duration,
) -> Result<bool, KafkaError> {
    let admin: AdminClient<DefaultClientContext> = config.create()?;
    let metadata = admin.inner().fetch_metadata(Some(topic), timeout)?;
    let exists = metadata
        .topics()
        .iter()
        .any(|t| t.name() == topic && t.error().is_none() && !t.partitions().is_empty());
    if exists {
        return Ok(false);
    }
    let new = NewTopic::new(
        topic,
        1,
        TopicReplication::Fixed(i32::from(replication_factor)),
    );
    let options = AdminOptions::new().operation_timeout(Some(timeout));
    let results = futures::executor::block_on(admin.create_topics([&new], &options))?;
    for result in results {
        match result {
            Ok(_) => {}
            Err((_, RDKafkaErrorCode::TopicAlreadyExists)) => return Ok(false),
            Err((_, code)) => return Err(KafkaError::AdminOp(code)),
        }
    }
    Ok(true)
}

/// The partitions `metadata` lists for `topic`; none when it does not exist.
pub fn partitions(metadata: &rdkafka::metadata::Metadata, topic: &str) -> Vec<i32> {
    metadata
        .topics()
        .iter()
        .filter(|t| t.name() == topic && t.error().is_none())
        .flat_map(|t| t.partitions().iter().map(|p| p.id()))
        .collect()
}
