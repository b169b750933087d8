//! Replaying a transform's changes on a record that answers as an earlier one did.
//!
//! A transform that declared `host.depends-only-on-answers` promises that its `apply` is a
//! function of what the record answers. While such a transform runs, the host records what the
//! call did — each batch of reads (`batch-packed` or the typed `batch`) with its packed answers,
//! each `topic` read, then each batch of changes and `set-topic`, then whether the record was
//! returned or dropped: a [`Trace`]. For a later record, the host runs the reads of the step's
//! [`Traces`] itself and compares the answers byte for byte; when a trace's answers all match,
//! the guest would make the same changes, so the host makes them (checking their answers too)
//! and returns what the guest returned, without entering WebAssembly. The changes run on the
//! later record's own data: a `copy` copies that record's field, a `flatten` flattens its value.
//!
//! A call is recorded only if it keeps to that shape: any other host call (the field-by-field
//! methods, headers, partition, timestamp, new or duplicated records, `log`, `lookup`), a batch
//! that mixes reads and changes, or a read after a change leaves it unrecorded, and the guest
//! is simply called for every record that no trace matches.
//!
//! A step keeps up to [`CAPACITY`] traces, and a record that none matches would be compared
//! with each of them. Each trace therefore carries a fingerprint of its first batch of reads —
//! a hash of the answers that do not depend on the schema alone, a necessary condition of a
//! match — and a record's answers to that batch are hashed once: only the traces whose
//! fingerprint is equal are compared answer by answer.

use std::hash::Hasher as _;
use std::sync::Arc;

use rustc_hash::FxHasher;

use switchyard_convert::record::Which;
use switchyard_convert::record::plan::Plan;
use switchyard_data::Schema;

/// The key's and the value's schemas as a batch of reads saw them (`None`: not decoded, or
/// schemaless). Held, not just compared by address, so that an address cannot be reused by
/// another schema while the recording lives.
pub(crate) type PartSchemas = [Option<Arc<Schema>>; 2];

/// One host call of a recorded `apply`.
#[derive(Debug, Clone)]
pub(crate) enum Call {
    /// A batch of reads only, and what it answered: the packed list, where each
    /// answer ends in it, and the schemas the reads saw. A read that depends on the schema
    /// alone (`exists`, `schema`, `has-schema` of schema'd data) answers the same for a part
    /// whose schema is the same `Arc`, and is not run again.
    Reads {
        ops: Arc<[crate::Op]>,
        answers: Arc<[u8]>,
        ends: Arc<[u32]>,
        schemas: PartSchemas,
    },
    /// `topic`, and what it answered.
    Topic(Arc<str>),
    /// A batch of changes only, what it answered (packed), the schemas of the parts
    /// before it ran, and each change's plan where one can do it (see [`Planned`]).
    Changes {
        ops: Arc<[crate::Op]>,
        answers: Arc<[u8]>,
        schemas: PartSchemas,
        plans: Arc<[Option<Planned>]>,
    },
    /// `set-topic`.
    SetTopic(Arc<str>),
}

/// A recorded change resolved against the schema of the part it changed
/// (`switchyard_convert::record::plan`): a replay on a part with that schema runs the plan, not
/// the operation.
#[derive(Debug)]
pub(crate) struct Planned {
    /// The part the change changes.
    pub(crate) part: Which,
    /// Its plan.
    pub(crate) plan: Plan,
}

/// What the guest returned.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Outcome {
    /// The input record, changed.
    Keep,
    /// No record (a filter).
    Drop,
}

/// What one `apply` did: its host calls in order, and its outcome.
#[derive(Debug)]
pub(crate) struct Trace {
    pub(crate) calls: Vec<Call>,
    pub(crate) outcome: Outcome,
    /// The fingerprint of the first call when it is a batch of reads (see [`Fingerprint`]).
    pub(crate) print: Option<u64>,
}

impl Trace {
    /// The operations of the first call, its fingerprint and the schemas its reads saw, when it
    /// is a batch of reads.
    pub(crate) fn first_reads(&self) -> Option<(&Arc<[crate::Op]>, u64, &PartSchemas)> {
        match (self.calls.first(), self.print) {
            (Some(Call::Reads { ops, schemas, .. }), Some(print)) => Some((ops, print, schemas)),
            _ => None,
        }
    }
}

/// A hash of the answers of a batch of reads, leaving out the reads that depend on the schema
/// alone (which a replay may skip): two records whose answers match have equal fingerprints,
/// so unequal fingerprints rule a trace out without comparing its answers one by one.
pub(crate) struct Fingerprint(FxHasher);

impl Fingerprint {
    /// An empty fingerprint.
    pub(crate) fn new() -> Self {
        Fingerprint(FxHasher::default())
    }

    /// Adds the packed answer of the next read that does not depend on the schema alone.
    pub(crate) fn answer(&mut self, packed: &[u8]) {
        self.0.write_usize(packed.len());
        self.0.write(packed);
    }

    /// The hash.
    pub(crate) fn finish(&self) -> u64 {
        self.0.finish()
    }

    /// The fingerprint of a recorded batch of reads.
    fn of_recorded(call: &Call) -> Option<u64> {
        let Call::Reads {
            ops, answers, ends, ..
        } = call
        else {
            return None;
        };
        let mut print = Fingerprint::new();
        // The list's answers start after its 4-byte count.
        let mut start = 4;
        for (i, op) in ops.iter().enumerate() {
            let end = ends.get(i).map_or(answers.len(), |&e| e as usize);
            if crate::schema_only(op).is_none() {
                print.answer(answers.get(start..end).unwrap_or_default());
            }
            start = end;
        }
        Some(print.finish())
    }
}

/// The host calls of the `apply` being recorded.
#[derive(Debug, Default)]
pub(crate) struct Recording {
    calls: Vec<Call>,
    changed: bool,
    broken: bool,
}

impl Recording {
    /// A call that a trace cannot hold was made.
    pub(crate) fn untraceable(&mut self) {
        self.broken = true;
    }

    /// Whether the batch `ops` can be recorded (reads only and before any change, or changes
    /// only); `Some(true)` for changes.
    pub(crate) fn batch_kind(&mut self, ops: &[crate::Op]) -> Option<bool> {
        if self.broken {
            return None;
        }
        let changes = ops.iter().filter(|op| crate::is_change(op)).count();
        let kind = match changes {
            0 if !self.changed => Some(false),
            n if n == ops.len() && n > 0 => Some(true),
            _ => None,
        };
        if kind.is_none() {
            self.broken = true;
        }
        kind
    }

    /// Records a batch whose kind [`Recording::batch_kind`] gave, its packed answers, where
    /// each answer ends in them, and the schemas its reads saw (for changes: the schemas
    /// before they ran); `plans` is `Some` for changes, one for each change.
    pub(crate) fn batch(
        &mut self,
        ops: Vec<crate::Op>,
        answers: &[u8],
        ends: Vec<u32>,
        schemas: PartSchemas,
        plans: Option<Vec<Option<Planned>>>,
    ) {
        let (ops, answers) = (Arc::from(ops), Arc::from(answers));
        self.calls.push(if let Some(plans) = plans {
            self.changed = true;
            Call::Changes {
                ops,
                answers,
                schemas,
                plans: Arc::from(plans),
            }
        } else {
            Call::Reads {
                ops,
                answers,
                ends: Arc::from(ends),
                schemas,
            }
        });
    }

    /// Records a `topic` read.
    pub(crate) fn topic(&mut self, topic: &str) {
        if self.changed {
            self.broken = true;
        } else {
            self.calls.push(Call::Topic(Arc::from(topic)));
        }
    }

    /// Records a `set-topic`.
    pub(crate) fn set_topic(&mut self, topic: &str) {
        self.changed = true;
        self.calls.push(Call::SetTopic(Arc::from(topic)));
    }

    /// The trace of a call that ended with `outcome`, if it kept to what a trace can hold.
    pub(crate) fn finish(self, outcome: Option<Outcome>) -> Option<Trace> {
        match (self.broken, outcome) {
            (false, Some(outcome)) => Some(Trace {
                print: self.calls.first().and_then(Fingerprint::of_recorded),
                calls: self.calls,
                outcome,
            }),
            _ => None,
        }
    }
}

/// How many traces a step keeps; the least recently matched goes first.
const CAPACITY: usize = 64;

/// Traces of records with the same schemas that answered a record's first batch of reads as it
/// did, but not its later ones, after which the record is not recorded: its later reads are
/// values that vary from record to record (an update's changed columns, say), and one more
/// trace of them would only push out traces that do match.
pub(crate) const VALUE_DEPENDENT_AFTER: usize = 4;

/// Whether two records' parts have the same decoded schemas (the same `Arc`s).
pub(crate) fn same_schemas(a: &PartSchemas, b: &PartSchemas) -> bool {
    a.iter().zip(b).all(|(a, b)| match (a, b) {
        (Some(a), Some(b)) => Arc::ptr_eq(a, b),
        (None, None) => true,
        _ => false,
    })
}

/// Records in a row that no trace matched after which a step stops replaying and recording:
/// its calls use what traces cannot hold, or read what varies from record to record.
const GIVE_UP_AFTER: u32 = 64;

/// The traces of one live instance, most recently matched first.
#[derive(Debug, Default)]
pub(crate) struct Traces {
    list: Vec<Arc<Trace>>,
    misses: u32,
}

impl Traces {
    /// Whether replaying is still worth its reads for this step.
    pub(crate) fn active(&self) -> bool {
        self.misses < GIVE_UP_AFTER
    }

    /// Notes a record that no trace matched.
    pub(crate) fn missed(&mut self) {
        self.misses = self.misses.saturating_add(1);
    }

    /// The traces to try, in order (borrowed: cloning the list would cost an atomic count
    /// per trace and record).
    pub(crate) fn candidates(&self) -> &[Arc<Trace>] {
        &self.list
    }

    /// Remembers that `trace` matched.
    pub(crate) fn matched(&mut self, trace: &Arc<Trace>) {
        self.misses = 0;
        if let Some(i) = self.list.iter().position(|t| Arc::ptr_eq(t, trace))
            && i > 0
        {
            let t = self.list.remove(i);
            self.list.insert(0, t);
        }
    }

    /// Adds what a recording gave. Batches of reads equal to those of a kept trace share their
    /// operations, so that a replay runs them once for all the traces that hold them (batches
    /// of changes run for the one trace chosen: sharing them would cost a comparison with
    /// every kept batch and save nothing).
    pub(crate) fn add(&mut self, trace: Option<Trace>) {
        let Some(mut trace) = trace else {
            return;
        };
        for call in &mut trace.calls {
            let Call::Reads { ops, .. } = call else {
                continue;
            };
            let shared = self
                .list
                .iter()
                .flat_map(|t| &t.calls)
                .find_map(|c| match c {
                    Call::Reads { ops: o, .. } if o == ops => Some(Arc::clone(o)),
                    _ => None,
                });
            if let Some(shared) = shared {
                *ops = shared;
            }
        }
        if self.list.len() >= CAPACITY {
            self.list.pop();
        }
        self.list.insert(0, Arc::new(trace));
    }
}

/// The answers of the recorded reads run on the record being replayed, packed, by batch: the
/// traces that share a batch's operations share its answers, so each read runs once per
/// record. Kept by the step between records so that its buffers are reused.
#[derive(Debug, Default)]
pub(crate) struct Answered {
    /// Each batch run so far (by the address of its shared operations) and its first slot.
    batches: Vec<(usize, usize)>,
    /// Per operation, where its packed answer lies in `bytes`, once run.
    slots: Vec<Option<(usize, usize)>>,
    bytes: Vec<u8>,
    /// The record's fingerprint of each first batch of reads computed so far (by the address
    /// of its shared operations); `None` when running the reads failed to convert the data.
    prints: Vec<(usize, Option<u64>)>,
}

impl Answered {
    /// Forgets the answers of the last record.
    pub(crate) fn clear(&mut self) {
        self.batches.clear();
        self.slots.clear();
        self.bytes.clear();
        self.prints.clear();
    }

    /// The record's fingerprint of the batch `ops`, if computed already.
    pub(crate) fn print(&self, ops: &[crate::Op]) -> Option<Option<u64>> {
        let key = ops.as_ptr() as usize;
        self.prints.iter().find(|(k, _)| *k == key).map(|&(_, p)| p)
    }

    /// Keeps the record's fingerprint of the batch `ops`.
    pub(crate) fn set_print(&mut self, ops: &[crate::Op], print: Option<u64>) {
        self.prints.push((ops.as_ptr() as usize, print));
    }

    /// The first slot of the batch `ops`, made room for on its first use.
    pub(crate) fn batch(&mut self, ops: &[crate::Op]) -> usize {
        let key = ops.as_ptr() as usize;
        if let Some(&(_, first)) = self.batches.iter().find(|(k, _)| *k == key) {
            return first;
        }
        let first = self.slots.len();
        self.slots.resize(first + ops.len(), None);
        self.batches.push((key, first));
        first
    }

    /// The answer in `slot`, once run.
    pub(crate) fn get(&self, slot: usize) -> Option<&[u8]> {
        let (start, end) = (*self.slots.get(slot)?)?;
        self.bytes.get(start..end)
    }

    /// Packs an answer into `slot` with `pack`.
    pub(crate) fn put(&mut self, slot: usize, pack: impl FnOnce(&mut Vec<u8>)) {
        let start = self.bytes.len();
        pack(&mut self.bytes);
        let end = self.bytes.len();
        if let Some(s) = self.slots.get_mut(slot) {
            *s = Some((start, end));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::packed::AnswerList;
    use crate::{Op, wit};

    /// A recorded batch of `has-schema(value)` then `get(value, path 0)`, answering `schema`
    /// and `value`.
    fn reads(schema: bool, value: i64) -> Call {
        let node = wit::Node {
            part: wit::Part::Value,
            path: 0,
        };
        let ops = [
            Op::Wit(wit::Op::HasSchema(wit::Part::Value)),
            Op::Wit(wit::Op::Get(node)),
        ];
        let mut answers = AnswerList::new(ops.len());
        let mut ends = Vec::new();
        for answer in [
            wit::Answer::Flag(schema),
            wit::Answer::Scalar(wit::Scalar::Int64(value)),
        ] {
            answers.push(&Ok(answer));
            ends.push(answers.len() as u32);
        }
        Call::Reads {
            ops: Arc::from(ops),
            answers: Arc::from(answers.finish()),
            ends: Arc::from(ends),
            schemas: [None, None],
        }
    }

    #[test]
    fn fingerprints_leave_out_reads_of_the_schema_alone() {
        let print = |call| Fingerprint::of_recorded(&call);
        // A replay may skip `has-schema`: its answer must not make two prints differ.
        assert_eq!(print(reads(true, 7)), print(reads(false, 7)));
        assert_ne!(print(reads(true, 7)), print(reads(true, 8)));
        assert_eq!(Fingerprint::of_recorded(&Call::Topic(Arc::from("t"))), None);
    }

    #[test]
    fn a_record_is_fingerprinted_as_its_recording() {
        // What the replay computes from a record's answers, one by one.
        let mut answers = Vec::new();
        crate::packed::pack_answer(
            &mut answers,
            &Ok(wit::Answer::Scalar(wit::Scalar::Int64(7))),
        );
        let mut print = Fingerprint::new();
        print.answer(&answers);
        assert_eq!(
            Some(print.finish()),
            Fingerprint::of_recorded(&reads(true, 7))
        );
    }
}
