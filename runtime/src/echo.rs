//! Echo suppression (RUNTIME.md §1.3): when we have just written quantity Q for a SKU to a
//! channel, that channel's webhook reporting the same Q back is recorded as an `echo` and
//! starts no run, so that bidirectional sync does not ping-pong.
//!
//! Each successful write call (an op the catalog does not mark read-only) records what it set;
//! an incoming event that reports the same SKU and quantity on the same channel within
//! [`ECHO_WINDOW_MS`] consumes that record and is dropped. Locations are not distinguished.
//!
//! An echo also says when the channel took our write, by the channel's own clock: events of the
//! key that the channel reported as happening before it describe a state we have since
//! overwritten, and are stale. So that this is known before such an event's run starts, a
//! queued run (not started yet) whose event came from a channel we wrote its SKU to, and whose
//! echo has not come back, waits for that echo, at most [`ECHO_WAIT_MS`] after its event
//! arrived (so that when echoes go missing a key's backlog does not wait once per run). It
//! waits only for a channel that has echoed one of our writes within [`ECHOING_MS`]: one
//! that never reports our writes back (or whose trigger does not take those events) would
//! otherwise hold every run of a SKU we write for the whole wait. A write that changed nothing
//! (`Connector::changed_nothing`: Shopify sends no webhook then) has its record taken back, so
//! nothing waits for it.

/// How long after a write its echo is expected (ms).
pub const ECHO_WINDOW_MS: i64 = 10 * 60 * 1000;

/// How long a queued run of an event from a channel we wrote its SKU to may wait for the write's
/// echo, counted from the event's arrival, before it starts anyway (ms); only writes this recent
/// are waited for.
pub const ECHO_WAIT_MS: i64 = 5_000;

/// A channel that reported one of our writes back within this long is expected to report the
/// next ones too (ms).
pub const ECHOING_MS: i64 = 24 * 60 * 60 * 1000;

/// For a claim at `now_ms`: writes since the first time are awaited, on channels that echoed a
/// write since the second.
pub fn awaiting_since(now_ms: i64) -> (i64, i64) {
    (now_ms - ECHO_WAIT_MS, now_ms - ECHOING_MS)
}

pub use handled_contract::quantity::sku_quantity;

/// Whether an op writes (echo suppression records only writes).
pub fn is_write(connector: &str, op: &str) -> bool {
    handled_catalog::op(connector, op).is_none_or(|o| !o.read_only)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_ops_are_not_writes() {
        assert!(!is_write("shopify", "getAllInventory"));
        assert!(is_write("shopify", "updateInventory"));
    }
}
