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
