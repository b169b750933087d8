//! Declarations a step makes while it is configured, so that the host can run it less often.

/// Declares that the step's outcome is a function of the record's topic alone: a transform
/// returns the record with nothing but its topic changed, or no record; a predicate's answer
/// depends on the topic only. The host then runs the step once per distinct topic and reuses the
/// outcome for the topic's later records, without calling the guest — a router or a topic
/// predicate costs a hash lookup per record instead of a call.
///
/// Call it from `configure`; anywhere else it does nothing. Promise only what holds: a
/// transform whose first outcome for a topic changes anything else is called for every record
/// of that topic, but a predicate is taken at its word.
pub fn depends_only_on_topic() {
    crate::__bindings::host::depends_only_on_topic()
}

/// Declares that the transform's `apply` is a function of what the record answers (WIT 0.1.2,
/// `host.depends-only-on-answers`): a record whose batched reads and topic answer as an earlier
/// record's did would get the same changes. The host then records what one call did and
/// replays the changes on later records whose answers match, without calling the guest — a
/// transform that reads a few fields and changes the record in one or two batches costs a few
/// host operations per record instead of a call into WebAssembly.
///
/// Call it from `configure`, and only if `apply` keeps no state between records (no counters,
/// no caches whose contents change the outcome). Calls that read field by field, use headers,
/// log, look up tables or read after changing are never replayed, so they need no care.
pub fn depends_only_on_answers() {
    crate::__bindings::host::depends_only_on_answers()
}
