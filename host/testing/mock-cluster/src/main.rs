//! `switchyard-mock-cluster`: librdkafka's mock Kafka cluster (`rdkafka::mocking::MockCluster`)
//! in a process of its own, so that a broker outlives the `switchyard run` processes a test
//! kills and restarts. Not a Kafka for production: it keeps about 5 MiB per partition.
//!
//! Usage: `switchyard-mock-cluster [--brokers N] [--topic NAME:PARTITIONS]...`. It prints
//! `bootstrap.servers=<list>` on standard output once the cluster is up, then runs until its
//! standard input is closed (or it is killed). Commands on standard input inject faults:
//! `broker-down <id>`, `broker-up <id>`, `produce-errors <count>` (that many produce requests fail
//! with a retriable `NOT_ENOUGH_REPLICAS`), `clear-produce-errors`, and for any of the APIs a
//! transactional producer uses, `request-errors <API> <ERROR> <count>` (the next `count`
//! requests of `API` — `Produce`, `InitProducerId`, `AddPartitionsToTxn`, `AddOffsetsToTxn`,
//! `TxnOffsetCommit`, `EndTxn` — fail with `ERROR`, a Kafka error name such as
//! `UNKNOWN_PRODUCER_ID`; see [`error_named`]); the same for `Fetch`, with the retriable errors
//! a consumer meets during leader changes (`NOT_LEADER_FOR_PARTITION`, `LEADER_NOT_AVAILABLE`,
//! `UNKNOWN_LEADER_EPOCH`, `REQUEST_TIMED_OUT`, `KAFKA_STORAGE_ERROR`); and
//! `rtt <broker> <milliseconds>` delays every response of a broker by that much;
//! `request-delay <broker> <API> <milliseconds> <count>` delays only the broker's answers to
//! the next `count` requests of `API` (answered without error).

use std::io::{BufRead, Write};
use std::process::ExitCode;
use std::time::Duration;

use rdkafka::ClientConfig;
use rdkafka::producer::{BaseProducer, Producer};
use rdkafka::types::{RDKafkaApiKey, RDKafkaRespErr};

fn main() -> ExitCode {
    match serve() {
        Ok(()) => ExitCode::SUCCESS,
        Err(message) => {
            eprintln!("error: {message}");
            ExitCode::from(2)
        }
    }
}

fn serve() -> Result<(), String> {
    let mut brokers = 1;
    let mut topics: Vec<(String, i32)> = Vec::new();
    let mut args = std::env::args().skip(1);
    while let Some(arg) = args.next() {
        let mut value = || args.next().ok_or_else(|| format!("{arg} needs a value"));
        match arg.as_str() {
            "--brokers" => {
                brokers = value()?.parse().map_err(|e| format!("--brokers: {e}"))?;
            }
            "--topic" => {
                let v = value()?;
                let (name, partitions) = v
                    .rsplit_once(':')
                    .ok_or_else(|| format!("--topic {v}: expected NAME:PARTITIONS"))?;
                let partitions = partitions
                    .parse()
                    .map_err(|e| format!("--topic {v}: {e}"))?;
                topics.push((name.to_string(), partitions));
            }
            other => return Err(format!("unknown argument {other}")),
        }
    }
    // The cluster lives in a client of its own (`test.mock.num.brokers`), whose handle also
    // gives the raw cluster for what `MockCluster` does not wrap (`request-delay`).
    let owner: BaseProducer = ClientConfig::new()
        .set("test.mock.num.brokers", brokers.to_string())
        .create()
        .map_err(|e| format!("starting the cluster: {e}"))?;
    let cluster = owner
        .client()
        .mock_cluster()
        .ok_or("starting the cluster: librdkafka made no mock cluster")?;
    for (name, partitions) in &topics {
        cluster
            .create_topic(name, *partitions, 1)
            .map_err(|e| format!("creating {name}: {e}"))?;
    }
    let mut stdout = std::io::stdout().lock();
    writeln!(stdout, "bootstrap.servers={}", cluster.bootstrap_servers())
        .and_then(|()| stdout.flush())
        .map_err(|e| e.to_string())?;
    for line in std::io::stdin().lock().lines() {
        let line = line.map_err(|e| e.to_string())?;
        let mut words = line.split_whitespace();
        let result = match (words.next(), words.next().map(str::parse::<i32>)) {
            (Some("broker-down"), Some(Ok(id))) => cluster.broker_down(id),
            (Some("broker-up"), Some(Ok(id))) => cluster.broker_up(id),
            (Some("rtt"), Some(Ok(id))) => match words.next().map(str::parse::<u64>) {
                Some(Ok(ms)) => cluster.broker_round_trip_time(id, Duration::from_millis(ms)),
                _ => {
                    eprintln!("expected rtt <broker> <milliseconds>: {line}");
                    Ok(())
                }
            },
            (Some("produce-errors"), Some(Ok(n))) => {
                let errors =
                    vec![RDKafkaRespErr::RD_KAFKA_RESP_ERR_NOT_ENOUGH_REPLICAS; n.max(0) as usize];
                cluster.request_errors(RDKafkaApiKey::Produce, &errors);
                Ok(())
            }
            (Some("request-errors"), _) => {
                let words: Vec<&str> = line.split_whitespace().skip(1).collect();
                match words[..] {
                    [api, error, count] => {
                        match (api_named(api), error_named(error), count.parse::<usize>()) {
                            (Some(api), Some(error), Ok(count)) => {
                                cluster.request_errors(api, &vec![error; count]);
                                Ok(())
                            }
                            _ => {
                                eprintln!("unknown API, error or count: {line}");
                                Ok(())
                            }
                        }
                    }
                    _ => {
                        eprintln!("expected request-errors <API> <ERROR> <count>: {line}");
                        Ok(())
                    }
                }
            }
            (Some("request-delay"), Some(Ok(broker))) => {
                let words: Vec<&str> = words.collect();
                match words[..] {
                    [api, ms, count] => match (api_named(api), ms.parse(), count.parse()) {
                        (Some(api), Ok(ms), Ok(count)) => {
                            delay_requests(&owner, broker, api, ms, count);
                            Ok(())
                        }
                        _ => {
                            eprintln!("unknown API, delay or count: {line}");
                            Ok(())
                        }
                    },
                    _ => {
                        eprintln!(
                            "expected request-delay <broker> <API> <milliseconds> <count>: {line}"
                        );
                        Ok(())
                    }
                }
            }
            (Some("clear-produce-errors"), None) => {
                cluster.clear_request_errors(RDKafkaApiKey::Produce);
                Ok(())
            }
            _ => {
                eprintln!("unknown command: {line}");
                Ok(())
            }
        };
        let reply = match result {
            Ok(()) => "ok".to_string(),
            Err(e) => format!("error {e}"),
        };
        writeln!(stdout, "{reply}")
            .and_then(|()| stdout.flush())
            .map_err(|e| e.to_string())?;
    }
    Ok(())
}

/// Has the mock broker `broker` of `owner`'s cluster answer the next `count` requests of `api`
/// without error, `ms` milliseconds late (librdkafka's
/// `rd_kafka_mock_broker_push_request_error_rtts`, which `MockCluster` does not wrap).
#[allow(unsafe_code)]
fn delay_requests(owner: &BaseProducer, broker: i32, api: RDKafkaApiKey, ms: i32, count: usize) {
    // SAFETY: `owner` made the cluster (`test.mock.num.brokers`) and outlives this call, so the
    // handle `rd_kafka_handle_mock_cluster` returns is valid; it is checked for null. The
    // variadic arguments are `count` pairs of (`rd_kafka_resp_err_t`, `int` round-trip time in
    // milliseconds), as librdkafka's `rdkafka_mock.h` declares them.
    unsafe {
        let cluster = rdkafka::bindings::rd_kafka_handle_mock_cluster(owner.client().native_ptr());
        if cluster.is_null() {
            return;
        }
        for _ in 0..count {
            rdkafka::bindings::rd_kafka_mock_broker_push_request_error_rtts(
                cluster,
                broker,
                api as i16,
                1,
                RDKafkaRespErr::RD_KAFKA_RESP_ERR_NO_ERROR,
                ms,
            );
        }
    }
}

/// The APIs `request-errors` accepts.
fn api_named(name: &str) -> Option<RDKafkaApiKey> {
    Some(match name {
        "Produce" => RDKafkaApiKey::Produce,
        "Fetch" => RDKafkaApiKey::Fetch,
        "InitProducerId" => RDKafkaApiKey::InitProducerId,
        "AddPartitionsToTxn" => RDKafkaApiKey::AddPartitionsToTxn,
        "AddOffsetsToTxn" => RDKafkaApiKey::AddOffsetsToTxn,
        "TxnOffsetCommit" => RDKafkaApiKey::TxnOffsetCommit,
        "EndTxn" => RDKafkaApiKey::EndTxn,
        "OffsetCommit" => RDKafkaApiKey::OffsetCommit,
        _ => return None,
    })
}

/// The Kafka errors `request-errors` accepts, by their protocol names.
fn error_named(name: &str) -> Option<RDKafkaRespErr> {
    use RDKafkaRespErr::*;
    Some(match name {
        "NOT_ENOUGH_REPLICAS" => RD_KAFKA_RESP_ERR_NOT_ENOUGH_REPLICAS,
        "UNKNOWN_PRODUCER_ID" => RD_KAFKA_RESP_ERR_UNKNOWN_PRODUCER_ID,
        "INVALID_PRODUCER_ID_MAPPING" => RD_KAFKA_RESP_ERR_INVALID_PRODUCER_ID_MAPPING,
        "GROUP_AUTHORIZATION_FAILED" => RD_KAFKA_RESP_ERR_GROUP_AUTHORIZATION_FAILED,
        "TOPIC_AUTHORIZATION_FAILED" => RD_KAFKA_RESP_ERR_TOPIC_AUTHORIZATION_FAILED,
        "TRANSACTIONAL_ID_AUTHORIZATION_FAILED" => {
            RD_KAFKA_RESP_ERR_TRANSACTIONAL_ID_AUTHORIZATION_FAILED
        }
        "COORDINATOR_NOT_AVAILABLE" => RD_KAFKA_RESP_ERR_COORDINATOR_NOT_AVAILABLE,
        "CONCURRENT_TRANSACTIONS" => RD_KAFKA_RESP_ERR_CONCURRENT_TRANSACTIONS,
        "PRODUCER_FENCED" => RD_KAFKA_RESP_ERR_PRODUCER_FENCED,
        "INVALID_PRODUCER_EPOCH" => RD_KAFKA_RESP_ERR_INVALID_PRODUCER_EPOCH,
        "INVALID_MSG_SIZE" => RD_KAFKA_RESP_ERR_INVALID_MSG_SIZE,
        "NOT_LEADER_FOR_PARTITION" => RD_KAFKA_RESP_ERR_NOT_LEADER_FOR_PARTITION,
        "LEADER_NOT_AVAILABLE" => RD_KAFKA_RESP_ERR_LEADER_NOT_AVAILABLE,
        "UNKNOWN_LEADER_EPOCH" => RD_KAFKA_RESP_ERR_UNKNOWN_LEADER_EPOCH,
        "REQUEST_TIMED_OUT" => RD_KAFKA_RESP_ERR_REQUEST_TIMED_OUT,
        "KAFKA_STORAGE_ERROR" => RD_KAFKA_RESP_ERR_KAFKA_STORAGE_ERROR,
        _ => return None,
    })
}
