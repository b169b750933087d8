//! A transform that misbehaves on purpose, so the host's tests can show that a guest which
//! panics, loops forever or allocates without bound costs one record an error and never the
//! host. Records whose topic is not `poison` pass through unchanged.
//!
//! Configuration: `mode` = `trap` | `loop` | `alloc` | `bad-record` | `broken` | `transient` |
//! `unhandled` (`transient` fails the first two attempts at each poison record, then lets it
//! pass).
//!
//! Two more modes check how the host memoises steps that declare they depend only on the
//! topic; they apply to every record: `count-calls` makes that promise and renames the topic
//! to `<topic>-<number of calls so far>`, so the output shows how often the guest ran;
//! `break-promise` makes it and breaks it, adding a header `call` with that number.
//!
//! `leak` leaks 256 KiB on every record and passes it on, as a guest runtime that leaks would.
//!
//! Two modes check how the host replays steps that declare they depend only on what the record
//! answers: `count-answers` makes that promise, reads in one batch whether the value is null,
//! then renames the topic `<topic>-<number of calls so far>` (so the output shows which records
//! the guest ran on and which the host replayed), dropping records whose value is the text
//! `drop`; `count-answers-logging` does the same and logs a line per call, which a replay
//! could not repeat; `count-values` reads whether the value is null in one batch and the value
//! itself in a second, then renames the topic the same way.

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
    /// Reports the record as not handled yet.
    Unhandled,
    /// Declares it depends only on the topic; renames every topic `<topic>-<calls>`.
    CountCalls,
    /// Declares it depends only on the topic, but adds a header `call: <calls>`.
    BreakPromise,
    /// Leaks 256 KiB per record.
    Leak,
    /// Declares it depends only on the answers; renames every topic `<topic>-<calls>`.
    CountAnswers {
        /// Whether each call also logs a line.
        logging: bool,
    },
    /// Declares it depends only on the answers, reads the value in a second batch; renames
    /// every topic `<topic>-<calls>`.
    CountValues,
}

/// The misbehaving transform.
pub struct Misbehave {
    mode: Mode,
    attempts: std::cell::Cell<u32>,
    calls: std::cell::Cell<u64>,
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
            "unhandled" => Mode::Unhandled,
            "count-calls" => Mode::CountCalls,
            "break-promise" => Mode::BreakPromise,
            "leak" => Mode::Leak,
            "count-answers" => Mode::CountAnswers { logging: false },
            "count-answers-logging" => Mode::CountAnswers { logging: true },
            "count-values" => Mode::CountValues,
            other => {
                return Err(ConfigError::new(
                    "mode",
                    format!(
                        "expected trap, loop, alloc, bad-record, broken, transient, unhandled, count-calls, break-promise, leak, count-answers, count-answers-logging or count-values, found `{other}`"
                    ),
                ));
            }
        };
        if matches!(mode, Mode::CountCalls | Mode::BreakPromise) {
            switchyard_sdk::declare::depends_only_on_topic();
        }
        if matches!(mode, Mode::CountAnswers { .. } | Mode::CountValues) {
            switchyard_sdk::declare::depends_only_on_answers();
        }
        Ok(Misbehave {
            mode,
            attempts: std::cell::Cell::new(0),
            calls: std::cell::Cell::new(0),
        })
    }

    fn apply(&self, mut record: Record) -> Result<Output, Error> {
        let calls = self.calls.get() + 1;
        self.calls.set(calls);
        match self.mode {
            Mode::CountCalls => {
                record.set_topic(&format!("{}-{calls}", record.topic()));
                return Ok(Output::One(record));
            }
            Mode::BreakPromise => {
                record.add_header("call", Some(calls.to_string().as_bytes()));
                return Ok(Output::One(record));
            }
            Mode::Leak => {
                std::mem::forget(std::hint::black_box(vec![1u8; 256 << 10]));
                return Ok(Output::One(record));
            }
            Mode::CountAnswers { logging } => {
                if logging {
                    switchyard_sdk::log::info(&format!("call {calls}"));
                }
                let mut reads = Batch::new();
                let null = reads.is_null(Part::Value);
                let drop = reads.get(Part::Value, &[] as &[&str]);
                let answers = record.run(&reads);
                if !answers.flag(null)?
                    && matches!(answers.scalar(drop), Ok(Scalar::String(s)) if s == "drop")
                {
                    return Ok(Output::Drop);
                }
                record.set_topic(&format!("{}-{calls}", record.topic()));
                return Ok(Output::One(record));
            }
            Mode::CountValues => {
                let mut first = Batch::new();
                let null = first.is_null(Part::Value);
                if !record.run(&first).flag(null)? {
                    let mut second = Batch::new();
                    let value = second.get(Part::Value, &[] as &[&str]);
                    record.run(&second).scalar(value)?;
                }
                record.set_topic(&format!("{}-{calls}", record.topic()));
                return Ok(Output::One(record));
            }
            _ => {}
        }
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
            Mode::Unhandled => Err(Error::unhandled("no rule for this record yet")),
            Mode::Transient => {
                let attempt = self.attempts.get() + 1;
                if attempt <= 2 {
                    self.attempts.set(attempt);
                    return Err(Error::transient(format!("not yet (attempt {attempt})")));
                }
                self.attempts.set(0);
                Ok(Output::One(record))
            }
            Mode::CountCalls
            | Mode::BreakPromise
            | Mode::Leak
            | Mode::CountAnswers { .. }
            | Mode::CountValues => Ok(Output::One(record)),
        }
    }
}

switchyard_sdk::export_transform!(Misbehave);
