//! Which input offsets may be committed: the at-least-once bookkeeping of `switchyard run`.
//!
//! Every consumed record is registered with the number of records that must reach the broker
//! for it (its transformed outputs, or one dead-letter record; zero when it was filtered). An
//! input offset becomes committable only once it and every offset before it in its partition
//! are fully acknowledged, so a crash at any moment replays from an offset whose predecessors
//! all reached the broker: nothing is lost, and what is replayed comes out again in order.
//!
//! Invariant: the position reported for a partition never passes the lowest offset that still
//! has unacknowledged outputs, and never moves backwards. A revoked partition is dropped with
//! whatever is pending; acknowledgements for it that arrive later carry a stale generation and
//! are ignored.

use std::collections::{HashMap, VecDeque};
use std::sync::Arc;

/// A topic and partition.
pub type TopicPartition = (String, i32);

/// The tracker's maps: looked up for every record and every acknowledgement, with short keys
/// that come from the brokers, not from an adversary choosing collisions.
type Map<K, V> = HashMap<K, V, foldhash::fast::RandomState>;

/// Identifies the consumed record an acknowledgement belongs to. Plain numbers: a ticket
/// goes with every output to the producer's delivery thread, and sharing a reference-counted
/// topic name between the two threads would bounce its count between their caches per record.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Ticket {
    /// The input topic, as the tracker numbers it ([`OffsetTracker::topic_name`]).
    pub topic: u32,
    /// The input partition.
    pub partition: i32,
    /// The partition's assignment generation when the record was consumed.
    pub generation: u64,
    /// The input offset.
    pub offset: i64,
}

#[derive(Debug)]
struct PartitionState {
    generation: u64,
    /// Offsets with outputs not yet acknowledged, and how many.
    pending: Pending,
    /// The offset after the highest one consumed.
    next: Option<i64>,
    /// The position last handed out by [`OffsetTracker::committable`].
    reported: Option<i64>,
}

impl PartitionState {
    /// The offset a consumer may resume from: the lowest pending offset, or the one after the
    /// highest consumed when nothing is pending.
    fn position(&self) -> Option<i64> {
        self.pending.lowest().or(self.next)
    }
}

/// The records of a partition with outputs not yet acknowledged, and how many each.
///
/// A partition's records are consumed in offset order, and mostly acknowledged in it: a queue
/// sorted by offset, searched by halving, takes a record and its acknowledgements without the
/// node splits and merges of an ordered tree (in a profile of the `run` bench, a `BTreeMap`'s
/// insert and remove took about half of the tracker's time). A record done
/// ahead of a lower one keeps its place, with no outputs left, until it reaches the front;
/// when such places outnumber the records still waiting, they are swept out, so the queue
/// stays within twice the records in flight.
#[derive(Debug, Default)]
struct Pending {
    /// (offset, outputs not yet acknowledged), by offset; the front one has outputs left.
    records: VecDeque<(i64, u32)>,
    /// How many entries of `records` have outputs left.
    waiting: usize,
}

impl Pending {
    /// Registers `outputs` (more than zero) outputs of the record at `offset`.
    fn add(&mut self, offset: i64, outputs: u32) {
        match self.records.back() {
            Some(&(last, _)) if last >= offset => match self.find(offset) {
                Ok(i) => {
                    let count = &mut self.records[i].1;
                    if *count == 0 {
                        self.waiting += 1;
                    }
                    *count += outputs;
                }
                // An offset below one consumed already (a record read again): kept in order.
                Err(i) => {
                    self.records.insert(i, (offset, outputs));
                    self.waiting += 1;
                }
            },
            _ => {
                self.records.push_back((offset, outputs));
                self.waiting += 1;
            }
        }
    }

    /// Counts one acknowledged output of the record at `offset`; one not waiting is ignored.
    fn acknowledge(&mut self, offset: i64) {
        let Ok(i) = self.find(offset) else {
            return;
        };
        let count = &mut self.records[i].1;
        if *count == 0 {
            return;
        }
        *count -= 1;
        if *count > 0 {
            return;
        }
        self.waiting -= 1;
        while self.records.front().is_some_and(|&(_, n)| n == 0) {
            self.records.pop_front();
        }
        if self.records.len() > 2 * self.waiting + 64 {
            self.records.retain(|&(_, n)| n > 0);
        }
    }

    fn find(&self, offset: i64) -> Result<usize, usize> {
        self.records.binary_search_by_key(&offset, |&(o, _)| o)
    }

    /// The lowest offset with outputs not yet acknowledged.
    fn lowest(&self) -> Option<i64> {
        self.records.front().map(|&(offset, _)| offset)
    }

    /// How many outputs are not yet acknowledged.
    fn outputs(&self) -> u64 {
        self.records.iter().map(|&(_, n)| u64::from(n)).sum()
    }
}

/// Tracks in-flight records per partition and the offsets safe to commit.
#[derive(Debug, Default)]
pub struct OffsetTracker {
    /// The topics seen, numbered by their place here (a number is never reused), each with its
    /// tracked partitions.
    topics: Vec<TopicState>,
    /// The number of each topic, looked up by `&str` without allocating.
    numbers: Map<Arc<str>, u32>,
    generations: u64,
}

#[derive(Debug)]
struct TopicState {
    name: Arc<str>,
    partitions: Map<i32, PartitionState>,
}

impl OffsetTracker {
    /// An empty tracker.
    #[cfg(test)]
    pub fn new() -> Self {
        Self::default()
    }

    /// The number of `topic`, numbering it if it is new.
    fn number(&mut self, topic: &str) -> u32 {
        if let Some(&number) = self.numbers.get(topic) {
            return number;
        }
        let number = u32::try_from(self.topics.len()).unwrap_or(u32::MAX);
        let name: Arc<str> = Arc::from(topic);
        self.topics.push(TopicState {
            name: Arc::clone(&name),
            partitions: Map::default(),
        });
        self.numbers.insert(name, number);
        number
    }

    /// The name of the topic numbered `number` in tickets.
    pub fn topic_name(&self, number: u32) -> Option<&Arc<str>> {
        self.topics.get(number as usize).map(|t| &t.name)
    }

    fn state(&self, topic: &str, partition: i32) -> Option<&PartitionState> {
        let number = *self.numbers.get(topic)?;
        self.topics[number as usize].partitions.get(&partition)
    }

    fn state_of(&mut self, ticket: &Ticket) -> Option<&mut PartitionState> {
        self.topics
            .get_mut(ticket.topic as usize)?
            .partitions
            .get_mut(&ticket.partition)
            .filter(|s| s.generation == ticket.generation)
    }

    /// Starts tracking a newly assigned partition, dropping any earlier state for it.
    pub fn assign(&mut self, topic: &str, partition: i32) {
        let number = self.number(topic);
        self.assign_number(number, partition);
    }

    fn assign_number(&mut self, number: u32, partition: i32) -> &mut PartitionState {
        self.generations += 1;
        let state = PartitionState {
            generation: self.generations,
            pending: Pending::default(),
            next: None,
            reported: None,
        };
        let partitions = &mut self.topics[number as usize].partitions;
        partitions.insert(partition, state);
        partitions.get_mut(&partition).expect("just inserted")
    }

    /// Starts a new generation of every tracked partition, forgetting what is pending: used
    /// after an aborted transaction, whose late delivery reports must not count.
    pub fn renew(&mut self) {
        let partitions: Vec<(u32, i32)> = self
            .topics
            .iter()
            .enumerate()
            .flat_map(|(number, topic)| {
                let number = u32::try_from(number).unwrap_or(u32::MAX);
                topic.partitions.keys().map(move |&p| (number, p))
            })
            .collect();
        for (number, partition) in partitions {
            self.assign_number(number, partition);
        }
    }

    /// Whether a ticket belongs to the current generation of its partition.
    pub fn is_current(&mut self, ticket: &Ticket) -> bool {
        self.state_of(ticket).is_some()
    }

    /// Stops tracking a partition; its pending records are forgotten.
    pub fn revoke(&mut self, topic: &str, partition: i32) {
        if let Some(&number) = self.numbers.get(topic) {
            self.topics[number as usize].partitions.remove(&partition);
        }
    }

    /// Registers a consumed record that `outputs` produced records stand for (zero when it was
    /// filtered out: it is done at once). Returns the ticket each acknowledgement must carry.
    pub fn consumed(&mut self, topic: &str, partition: i32, offset: i64, outputs: u32) -> Ticket {
        let number = self.number(topic);
        let state = match self.topics[number as usize].partitions.get_mut(&partition) {
            Some(state) => state,
            None => self.assign_number(number, partition),
        };
        state.next = Some(state.next.map_or(offset + 1, |n| n.max(offset + 1)));
        if outputs > 0 {
            state.pending.add(offset, outputs);
        }
        Ticket {
            topic: number,
            partition,
            generation: state.generation,
            offset,
        }
    }

    /// A ticket of the partition's current generation for `offset` that registers nothing: its
    /// acknowledgement moves no position.
    pub fn detached(&mut self, topic: &str, partition: i32, offset: i64) -> Ticket {
        let generation = self.state(topic, partition).map_or(0, |s| s.generation);
        Ticket {
            topic: self.number(topic),
            partition,
            generation,
            offset,
        }
    }

    /// Records that one output of the ticket's record was acknowledged by the broker.
    pub fn acknowledged(&mut self, ticket: &Ticket) {
        if let Some(state) = self.state_of(ticket) {
            state.pending.acknowledge(ticket.offset);
        }
    }

    /// The offsets to store (the next offset to consume, as Kafka commits them) for every
    /// partition whose position moved since the last call.
    pub fn committable(&mut self) -> Vec<(TopicPartition, i64)> {
        let mut out = Vec::new();
        for topic in &mut self.topics {
            for (&partition, state) in &mut topic.partitions {
                if let Some(position) = state.position()
                    && state.reported.is_none_or(|r| position > r)
                {
                    state.reported = Some(position);
                    out.push(((topic.name.to_string(), partition), position));
                }
            }
        }
        out.sort();
        out
    }

    /// The safe position of one partition, whether reported already or not.
    pub fn position(&self, topic: &str, partition: i32) -> Option<i64> {
        self.state(topic, partition)
            .and_then(PartitionState::position)
    }

    /// How many outputs are not yet acknowledged, over all partitions.
    pub fn pending(&self) -> u64 {
        self.topics
            .iter()
            .flat_map(|topic| topic.partitions.values())
            .map(|s| s.pending.outputs())
            .sum()
    }

    /// How many outputs of one partition are not yet acknowledged.
    pub fn pending_in(&self, topic: &str, partition: i32) -> u64 {
        self.state(topic, partition)
            .map_or(0, |s| s.pending.outputs())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn a_filtered_record_is_committable_at_once() {
        let mut t = OffsetTracker::new();
        t.consumed("a", 0, 5, 0);
        assert_eq!(t.committable(), vec![(("a".into(), 0), 6)]);
        assert_eq!(t.committable(), vec![]);
    }

    #[test]
    fn the_position_waits_for_the_lowest_pending_offset() {
        let mut t = OffsetTracker::new();
        let first = t.consumed("a", 0, 0, 2);
        let second = t.consumed("a", 0, 1, 1);
        t.acknowledged(&second);
        assert_eq!(t.committable(), vec![(("a".into(), 0), 0)]);
        t.acknowledged(&first);
        assert_eq!(t.committable(), vec![]);
        t.acknowledged(&first);
        assert_eq!(t.committable(), vec![(("a".into(), 0), 2)]);
    }

    #[test]
    fn records_done_behind_a_waiting_one_are_swept_out() {
        let mut pending = Pending::default();
        for offset in 0..200 {
            pending.add(offset, 1);
        }
        for offset in 1..200 {
            pending.acknowledge(offset);
        }
        assert_eq!(pending.records.len(), 1, "only the waiting record is left");
        assert_eq!((pending.lowest(), pending.outputs()), (Some(0), 1));
        pending.acknowledge(0);
        assert_eq!((pending.lowest(), pending.outputs()), (None, 0));
    }

    #[test]
    fn acknowledgements_of_a_revoked_generation_are_ignored() {
        let mut t = OffsetTracker::new();
        let old = t.consumed("a", 0, 0, 1);
        t.revoke("a", 0);
        t.assign("a", 0);
        let new = t.consumed("a", 0, 0, 1);
        t.acknowledged(&old);
        assert_eq!(t.pending(), 1);
        t.acknowledged(&new);
        assert_eq!(t.pending(), 0);
        assert_eq!(t.committable(), vec![(("a".into(), 0), 1)]);
    }

    #[test]
    fn renewing_forgets_pending_records_and_their_late_acknowledgements() {
        let mut t = OffsetTracker::new();
        let old = t.consumed("a", 0, 0, 1);
        t.renew();
        assert!(!t.is_current(&old));
        assert_eq!(t.pending(), 0);
        let new = t.consumed("a", 0, 0, 1);
        assert!(t.is_current(&new));
        t.acknowledged(&old);
        assert_eq!(t.pending(), 1);
    }

    #[derive(Debug, Clone)]
    enum Op {
        /// Consume the next offset of a partition with this many outputs.
        Consume(i32, u32),
        /// Acknowledge one output of the n-th (modulo) record with pending outputs.
        Ack(usize),
        /// Ask for committable offsets.
        Commit,
    }

    fn op() -> impl Strategy<Value = Op> {
        prop_oneof![
            (0..3i32, 0..4u32).prop_map(|(p, n)| Op::Consume(p, n)),
            any::<usize>().prop_map(Op::Ack),
            Just(Op::Commit),
        ]
    }

    proptest! {
        /// `Pending` against an ordered map of the outputs left per offset, with records read
        /// again and out of order, acknowledgements of records not waiting, and enough records
        /// done ahead of a lower one to sweep the queue.
        #[test]
        fn pending_records_match_an_ordered_map(
            ops in prop::collection::vec((any::<bool>(), 0..400i64, 1..3u32), 0..1500)
        ) {
            let mut pending = Pending::default();
            let mut model: std::collections::BTreeMap<i64, u32> = Default::default();
            let mut next = 0;
            for (add, n, outputs) in ops {
                if add {
                    // Mostly the next offset; sometimes one read before.
                    let offset = if n % 8 == 0 { n % (next + 1) } else { next };
                    next = next.max(offset + 1);
                    pending.add(offset, outputs);
                    *model.entry(offset).or_default() += outputs;
                } else {
                    // Mostly the lowest waiting record's, else any offset at all.
                    let offset = match model.keys().next() {
                        Some(&lowest) if n % 4 != 0 => lowest + n % 3,
                        _ => n,
                    };
                    pending.acknowledge(offset);
                    if let Some(count) = model.get_mut(&offset) {
                        *count -= 1;
                        if *count == 0 {
                            model.remove(&offset);
                        }
                    }
                }
                prop_assert_eq!(pending.lowest(), model.keys().next().copied());
                prop_assert_eq!(pending.outputs(), model.values().map(|&n| u64::from(n)).sum::<u64>());
                prop_assert_eq!(pending.waiting, model.len());
                prop_assert!(pending.records.len() <= 2 * model.len() + 65);
            }
        }

        /// Model: per partition, the list of consumed offsets with their remaining outputs. The
        /// safe position is the first offset with outputs remaining, else the next offset.
        /// Every committed position must be exactly that, and must never move backwards.
        #[test]
        fn committed_positions_never_pass_an_unacknowledged_record(ops in prop::collection::vec(op(), 0..200)) {
            let mut tracker = OffsetTracker::new();
            let mut model: HashMap<i32, Vec<(i64, u32, Ticket)>> = HashMap::new();
            let mut committed: HashMap<i32, i64> = HashMap::new();
            for op in ops {
                match op {
                    Op::Consume(p, n) => {
                        let records = model.entry(p).or_default();
                        let offset = records.len() as i64;
                        let ticket = tracker.consumed("t", p, offset, n);
                        records.push((offset, n, ticket));
                    }
                    Op::Ack(i) => {
                        let mut open: Vec<(i32, usize)> = Vec::new();
                        for (p, records) in &model {
                            for (j, r) in records.iter().enumerate() {
                                if r.1 > 0 { open.push((*p, j)); }
                            }
                        }
                        open.sort();
                        if !open.is_empty() {
                            let (p, j) = open[i % open.len()];
                            let r = &mut model.get_mut(&p).expect("partition")[j];
                            r.1 -= 1;
                            tracker.acknowledged(&r.2);
                        }
                    }
                    Op::Commit => {
                        for ((_, p), position) in tracker.committable() {
                            let records = &model[&p];
                            let safe = records
                                .iter()
                                .find(|r| r.1 > 0)
                                .map_or(records.len() as i64, |r| r.0);
                            prop_assert_eq!(position, safe);
                            if let Some(&before) = committed.get(&p) {
                                prop_assert!(position > before);
                            }
                            committed.insert(p, position);
                        }
                    }
                }
                let pending: u64 = model.values().flatten().map(|r| u64::from(r.1)).sum();
                prop_assert_eq!(tracker.pending(), pending);
            }
        }
    }
}
