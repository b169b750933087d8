//! A transform that misbehaves on purpose, so the host's tests can show that a guest which
//! panics, loops forever or allocates without bound costs one record an error and never the
//! host. Records whose topic is not `poison` pass through unchanged.
//!
//! Configuration: `mode` = `trap` | `loop` | `alloc` | `bad-record` | `broken` | `transient`
//! (`transient` fails the first two attempts at each poison record, then lets it pass).

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
    /// Reports the transform as broken.
    Broken,
    /// Reports a transient failure twice, then passes the record.
    Transient,
}

/// The misbehaving transform.
pub struct Misbehave {
    mode: Mode,
    attempts: std::cell::Cell<u32>,
}

impl Transform for Misbehave {
    fn configure(ctx: &Context) -> Result<Self, ConfigError> {
        let mode = match ctx.config().string("mode")?.as_str() {
            "trap" => Mode::Trap,
            "loop" => Mode::Loop,
            "alloc" => Mode::Alloc,
            "bad-record" => Mode::BadRecord,
            "broken" => Mode::Broken,
            "transient" => Mode::Transient,
            other => {
                return Err(ConfigError::new(
                    "mode",
                    format!(
                        "expected trap, loop, alloc, bad-record, broken or transient, found `{other}`"
                    ),
                ));
            }
        };
        Ok(Misbehave {
            mode,
            attempts: std::cell::Cell::new(0),
        })
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
            Mode::Broken => Err(Error::broken("cannot go on")),
            Mode::Transient => {
                let attempt = self.attempts.get() + 1;
                if attempt <= 2 {
                    self.attempts.set(attempt);
                    return Err(Error::transient(format!("not yet (attempt {attempt})")));
                }
                self.attempts.set(0);
                Ok(Output::One(record))
            }
        }
    }
}

switchyard_sdk::export_transform!(Misbehave);
