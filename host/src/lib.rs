//! Switchyard: WebAssembly single message transforms for Kafka.
//!
//! Data flows one way through the modules: records are read ([`jsonl`]), their key and value
//! decoded on demand by a converter ([`convert`]) into Connect data ([`data`]), passed through
//! the chain of WebAssembly transforms ([`chain`], run by the [`engine`]) and encoded again.
//! A pipeline is described by [`config`]; a Kafka Connect connector JSON is translated into it
//! by [`connect`]. `switchyard run` reads from and writes to Kafka through [`kafka`], and
//! reports through [`metrics`].
#![deny(missing_docs)]

pub mod backoff;
pub mod builtin;
pub mod chain;
pub mod cli;
pub mod config;
pub mod connect;
pub mod convert;
pub mod data;
mod derive;
pub mod engine;
pub mod errors;
pub mod jsonl;
pub mod kafka;
pub mod lookup;
pub mod metrics;
pub mod record;
pub mod registry;
pub mod scaffold;
pub mod schema;
pub mod task;
mod text;
