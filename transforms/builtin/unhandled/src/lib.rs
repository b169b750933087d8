//! `io.switchyard.transforms.Unhandled` as a Switchyard transform: says of the records it applies
//! to that no transform handles them yet (WIT `transform-error.unhandled`). A pipeline with a
//! parking lot (`parking.topic.name` for `run`, `--parked FILE` for `apply`) parks them, each
//! key's records kept in order, until a chain that knows them runs them again; without one they
//! fail as bad records.
//!
//! | key | type | default |
//! |---|---|---|
//! | `reason` | STRING, non-empty | `no transform handles this record yet` — the message the record is parked with |
//! | `field` | STRING, a dotted path into the value (`op`, `source.table`) | none: every record it applies to is unhandled |
//! | `handled.values` | LIST, non-empty | required with `field` — the values of `field` the chain handles |
//!
//! Without `field` it is meant to run under a predicate, as `Filter` is: every record of a table
//! the chain does not know yet is parked.
//!
//! ```toml
//! [[transforms]]
//! alias = "parkUnknownTables"
//! class = "io.switchyard.transforms.Unhandled"
//! predicate = "knownTables"
//! negate = true
//! config = { reason = "no rule for this table yet" }
//! [[predicates]]
//! alias = "knownTables"
//! class = "org.apache.kafka.connect.transforms.predicates.TopicNameMatches"
//! config = { pattern = "product\\.public\\.(products|reviews)" }
//! ```
//!
//! With `field`, a record whose value at `field` is one of `handled.values` passes unchanged, and
//! any other is unhandled (its message names the value): `field = "op"`,
//! `"handled.values" = "c,u,d,r"` parks Debezium events of an operation the chain was not written
//! for. A string, an integer or a boolean is compared as text (`7`, `true`); a float or bytes
//! value is never among `handled.values`. A record with nothing to judge passes unchanged: a
//! tombstone (a null value), a value without `field` (a heartbeat, a schema change event), a
//! null at `field`. A struct, map or array at `field`, or a scalar on the way to it, fails the
//! record as a bad record.

use switchyard_sdk::prelude::*;

/// The message of an unhandled record when `reason` is not set.
pub const DEFAULT_REASON: &str = "no transform handles this record yet";

/// The transform: its message and, with `field`, the values it lets pass.
#[derive(Debug)]
pub struct Unhandled {
    reason: String,
    rule: Option<Rule>,
}

/// Which records pass: those whose value at a field is one of a list.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Rule {
    /// The path as configured, for messages.
    field: String,
    /// Its field names.
    steps: Vec<String>,
    /// The values that pass, as text.
    handled: Vec<String>,
    /// The reads of a record, built in `configure` (registering the path asks the host).
    reads: Option<Reads>,
}

/// One batch that reads whether the value is null and the scalar at the field.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Reads {
    batch: Batch,
    null: usize,
    value: usize,
}

impl Unhandled {
    /// Reads the configuration; a key that cannot work is named in the error.
    pub fn from_config(config: &Config) -> Result<Self, ConfigError> {
        let reason = match config.optional_string("reason") {
            Some(reason) if reason.is_empty() => {
                return Err(ConfigError::new("reason", "String must be non-empty"));
            }
            Some(reason) => reason,
            None => DEFAULT_REASON.to_owned(),
        };
        let rule = match config.optional_string("field") {
            Some(field) => Some(Rule::new(field, config)?),
            None if config.contains("handled.values") => {
                return Err(ConfigError::new(
                    "handled.values",
                    "needs `field`, the field of the value whose values these are",
                ));
            }
            None => None,
        };
        Ok(Unhandled { reason, rule })
    }

    /// What happens to a record whose value is not null and whose `field` answered `value`:
    /// `Ok` passes it unchanged. Without `field`, every record is unhandled.
    pub fn judge(&self, value: Result<&Scalar, DataError>) -> Result<(), Error> {
        let Some(rule) = &self.rule else {
            return Err(Error::unhandled(self.reason.as_str()));
        };
        let scalar = match value {
            // Nothing to judge by: a value without the field, or a null at it.
            Err(DataError::NoSuchField(_)) | Ok(Scalar::Null) => return Ok(()),
            Err(e) => return Err(e.into()),
            Ok(scalar) => scalar,
        };
        match text(scalar) {
            Some(text) if rule.handled.contains(&text) => Ok(()),
            Some(text) => Err(Error::unhandled(format!(
                "{} ({} = {text})",
                self.reason, rule.field
            ))),
            None => Err(Error::unhandled(format!(
                "{} ({} is {})",
                self.reason,
                rule.field,
                kind(scalar)
            ))),
        }
    }
}

impl Rule {
    /// `field` and its `handled.values`.
    fn new(field: String, config: &Config) -> Result<Self, ConfigError> {
        if field.is_empty() {
            return Err(ConfigError::new("field", "String must be non-empty"));
        }
        let steps: Vec<String> = field.split('.').map(str::to_owned).collect();
        if steps.iter().any(String::is_empty) {
            return Err(ConfigError::new(
                "field",
                format!("Invalid field path: {field} (field names separated by dots, none empty)"),
            ));
        }
        let handled = config.list("handled.values")?;
        if handled.is_empty() {
            return Err(ConfigError::new("handled.values", "Empty list"));
        }
        Ok(Rule {
            field,
            steps,
            handled,
            reads: None,
        })
    }
}

/// A scalar as `handled.values` lists it, if it can be listed.
fn text(scalar: &Scalar) -> Option<String> {
    match scalar {
        Scalar::String(s) => Some(s.clone()),
        Scalar::Boolean(b) => Some(b.to_string()),
        Scalar::Int8(n) => Some(n.to_string()),
        Scalar::Int16(n) => Some(n.to_string()),
        Scalar::Int32(n) => Some(n.to_string()),
        Scalar::Int64(n) => Some(n.to_string()),
        Scalar::Null | Scalar::Float32(_) | Scalar::Float64(_) | Scalar::Bytes(_) => None,
    }
}

/// What kind of scalar `text` cannot list.
fn kind(scalar: &Scalar) -> &'static str {
    match scalar {
        Scalar::Float32(_) | Scalar::Float64(_) => "a float",
        Scalar::Bytes(_) => "bytes",
        _ => "not comparable",
    }
}

impl Transform for Unhandled {
    fn configure(ctx: &Context) -> Result<Self, ConfigError> {
        let mut unhandled = Unhandled::from_config(ctx.config())?;
        if let Some(rule) = &mut unhandled.rule {
            let steps: Vec<&str> = rule.steps.iter().map(String::as_str).collect();
            let mut batch = Batch::new();
            let null = batch.is_null(Part::Value);
            let value = batch.get(Part::Value, &Path::new(&steps));
            rule.reads = Some(Reads { batch, null, value });
            // A record passes or not by what its one batch answers: the host may replay the
            // records that pass.
            switchyard_sdk::declare::depends_only_on_answers();
        }
        Ok(unhandled)
    }

    fn apply(&self, mut record: Record) -> Result<Output, Error> {
        let Some(reads) = self.rule.as_ref().and_then(|r| r.reads.as_ref()) else {
            return Err(Error::unhandled(self.reason.as_str()));
        };
        let answers = record.run(&reads.batch);
        if answers.flag(reads.null)? {
            return Ok(Output::One(record));
        }
        self.judge(answers.scalar(reads.value))?;
        Ok(Output::One(record))
    }
}

switchyard_sdk::export_transform!(Unhandled);

#[cfg(test)]
mod tests {
    use super::*;

    fn configure(entries: &[(&str, &str)]) -> Result<Unhandled, ConfigError> {
        Unhandled::from_config(&entries.iter().copied().collect())
    }

    fn configured(entries: &[(&str, &str)]) -> Unhandled {
        configure(entries).unwrap_or_else(|e| panic!("{e}"))
    }

    #[test]
    fn without_a_field_every_record_is_unhandled() {
        let t = configured(&[]);
        assert_eq!(
            t.judge(Ok(&Scalar::String("c".into()))),
            Err(Error::unhandled(DEFAULT_REASON))
        );
        let t = configured(&[("reason", " no rule for this table yet ")]);
        assert_eq!(
            t.judge(Err(DataError::NoSuchField("op".into()))),
            Err(Error::unhandled("no rule for this table yet"))
        );
    }

    #[test]
    fn with_a_field_the_handled_values_pass() {
        let t = configured(&[("field", "op"), ("handled.values", "c, u,d,r")]);
        for op in ["c", "u", "d", "r"] {
            assert_eq!(t.judge(Ok(&Scalar::String(op.into()))), Ok(()), "{op}");
        }
        assert_eq!(
            t.judge(Ok(&Scalar::String("t".into()))),
            Err(Error::unhandled(format!("{DEFAULT_REASON} (op = t)")))
        );
        let t = configured(&[
            ("field", "source.version"),
            ("handled.values", "1,2,true"),
            ("reason", "unknown version"),
        ]);
        assert_eq!(t.judge(Ok(&Scalar::Int32(2))), Ok(()));
        assert_eq!(t.judge(Ok(&Scalar::Int64(1))), Ok(()));
        assert_eq!(t.judge(Ok(&Scalar::Boolean(true))), Ok(()));
        assert_eq!(
            t.judge(Ok(&Scalar::Int8(3))),
            Err(Error::unhandled("unknown version (source.version = 3)"))
        );
        assert_eq!(
            t.judge(Ok(&Scalar::Float64(1.0))),
            Err(Error::unhandled(
                "unknown version (source.version is a float)"
            ))
        );
    }

    #[test]
    fn nothing_to_judge_by_passes_and_a_struct_is_a_bad_record() {
        let t = configured(&[("field", "source.table"), ("handled.values", "products")]);
        assert_eq!(
            t.judge(Err(DataError::NoSuchField("source".into()))),
            Ok(())
        );
        assert_eq!(t.judge(Ok(&Scalar::Null)), Ok(()));
        assert!(matches!(
            t.judge(Err(DataError::WrongType("a struct".into()))),
            Err(Error::BadRecord(_))
        ));
    }

    #[test]
    fn config_errors_name_the_key() {
        let err = |entries: &[(&str, &str)]| configure(entries).map(|_| ()).unwrap_err();
        assert_eq!(
            err(&[("reason", " ")]),
            ConfigError::new("reason", "String must be non-empty")
        );
        assert_eq!(
            err(&[("field", "")]),
            ConfigError::new("field", "String must be non-empty")
        );
        for bad in ["a..b", ".a", "a."] {
            assert_eq!(err(&[("field", bad), ("handled.values", "x")]).key, "field");
        }
        assert_eq!(
            err(&[("field", "op")]),
            ConfigError::missing("handled.values")
        );
        assert_eq!(
            err(&[("field", "op"), ("handled.values", " ")]),
            ConfigError::new("handled.values", "Empty list")
        );
        assert_eq!(err(&[("handled.values", "c")]).key, "handled.values");
    }
}
