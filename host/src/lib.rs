//! Switchyard: WebAssembly single message transforms for Kafka.
//!
//! This crate is the `switchyard` command line (`cli`, `scaffold`) over the crates of
//! `host/`, which it re-exports under their module names. Data flows one way through them:
//! records are read ([`jsonl`] or [`kafka`]), their key and value decoded on demand by a
//! converter ([`convert`]) into Connect data ([`data`]), passed through the chain of
//! WebAssembly transforms ([`chain`], run by the [`engine`]) by one Kafka Connect [`task`], and
//! encoded again. A pipeline is described by [`config`]; a Kafka Connect connector JSON is
//! translated into it by [`connect`]. ARCHITECTURE.md draws the crates and the path of a record.
#![deny(missing_docs)]

pub mod cli;
pub mod scaffold;

pub use switchyard_convert as convert;
pub use switchyard_convert::{backoff, jsonl, record};
pub use switchyard_data as data;
pub use switchyard_engine as engine;
pub use switchyard_engine::lookup;
pub use switchyard_kafka as kafka;
pub use switchyard_kafka::metrics;
pub use switchyard_pipeline::{builtin, chain, config, connect, errors, parking, replay, task};
pub use switchyard_registry as registry;
pub use switchyard_schema as schema;
