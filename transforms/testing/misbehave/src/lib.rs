//! A transform that misbehaves on purpose, so the host's tests can show that a guest which
//! panics, loops forever or allocates without bound costs one record an error and never the
//! host. Records whose topic is not `poison` pass through unchanged.
//!
//! Configuration: `mode` = `trap` | `loop` | `alloc` | `bad-record`.

use switchyard_sdk::prelude::*;

/// How the transform fails on a `poison` record.
pub enum Mode {
    /// Panics (a trap in the host).
    Trap,
    /// Never returns.
    Loop,
    /// Allocates until memory runs out.
    Alloc,
    /// Reports the record as bad.
    BadRecord,
}

/// The misbehaving transform.
pub struct Misbehave {
    mode: Mode,
}

impl Transform for Misbehave {
    fn configure(ctx: &Context) -> Result<Self, ConfigError> {
        let mode = match ctx.config().string("mode")?.as_str() {
            "trap" => Mode::Trap,
            "loop" => Mode::Loop,
            "alloc" => Mode::Alloc,
            "bad-record" => Mode::BadRecord,
            other => {
                return Err(ConfigError::new(
                    "mode",
                    format!("expected trap, loop, alloc or bad-record, found `{other}`"),
                ));
            }
        };
        Ok(Misbehave { mode })
    }

    fn apply(&self, record: Record) -> Result<Output, Error> {
        if record.topic() != "poison" {
            return Ok(Output::One(record));
        }
        match self.mode {
            Mode::Trap => panic!("poisoned record"),
            Mode::Loop => {
                let mut n: u64 = 0;
                loop {
                    n = std::hint::black_box(n.wrapping_add(1));
                }
            }
            Mode::Alloc => {
                let mut hoard: Vec<Vec<u8>> = Vec::new();
                loop {
                    hoard.push(vec![1u8; 1 << 20]);
                    std::hint::black_box(&hoard);
                }
            }
            Mode::BadRecord => Err(Error::bad_record("this record is poison")),
        }
    }
}

switchyard_sdk::export_transform!(Misbehave);
