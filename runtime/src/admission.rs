//! Event admission: the rules that decide what becomes of an incoming event, as pure functions
//! of plain data. A store reads what [`reads`] asks for (in its own transaction, under its own
//! locks), hands it to [`admit`] as [`Facts`], and applies the [`Admission`] it gets back; both
//! stores go by the same rules:
//!
//! 1. **dedupe**: an event id already recorded for the workflow starts no second run;
//! 2. **echo**: an event reporting a quantity we just wrote to its channel is our own write
//!    coming back: recorded, no run (and the key's older events become stale);
//! 3. **stale**: an event older than the newest one recorded for its workflow and key is
//!    recorded, with no run;
//! 4. **coalesce**: within the trigger's window, an event joins the run of its key still waiting
//!    (the newest payload, the others in `conflicts`);
//! 5. otherwise a run is queued, to start once the window (if any) has passed.
//!
//! [`stale_when_claimed`] is the same stale rule applied again when a queued run comes up.

use crate::connector::Json;
use crate::store::{EventOutcome, NewEvent};

/// What a store reads about an event, each only when [`reads`] asks for it.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Facts {
    /// The event id was already recorded for the workflow.
    pub seen: bool,
    /// The id of our write that the event reports back (the newest matching one since
    /// `echo_since_ms`), if any.
    pub echoed_write: Option<i64>,
    /// When the newest event recorded for the workflow and key happened.
    pub last_occurred_ms: Option<i64>,
    /// The run of the workflow and key still waiting out its coalesce window, if any.
    pub waiting: Option<WaitingRun>,
}

/// A queued run that has not started and whose coalesce window is still open.
#[derive(Clone, Debug, PartialEq)]
pub struct WaitingRun {
    /// Its id.
    pub run_id: String,
    /// Its payload so far.
    pub payload: Json,
}

/// What a store has to read for an event, derived from the event alone.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Reads<'a> {
    /// Look for our write this reports: (channel, SKU, quantity), since `echo_since_ms`.
    pub echo: Option<(&'a str, &'a str, i64)>,
    /// Read the key's newest event time: (key, when this one happened).
    pub order: Option<(&'a str, i64)>,
    /// Look for a run of this key waiting out its coalesce window.
    pub coalesce: Option<&'a str>,
}

/// What the store has to read to decide about `event`.
pub fn reads(event: &NewEvent) -> Reads<'_> {
    Reads {
        echo: event
            .echo
            .as_ref()
            .map(|(channel, sku, quantity)| (channel.as_str(), sku.as_str(), *quantity)),
        order: event.key.as_deref().zip(event.occurred_at_ms),
        coalesce: event.coalesce_ms.and(event.key.as_deref()),
    }
}

/// What becomes of an event.
#[derive(Clone, Debug, PartialEq)]
pub enum Admission {
    /// Seen before: nothing is recorded.
    Duplicate,
    /// Our own write coming back: the write's record is consumed, the channel noted as one
    /// that echoes, and the event recorded with no run.
    Echo {
        /// The id of the write it reports.
        write: i64,
        /// The channel that reported it.
        channel: String,
        /// The key and when the echo happened: the channel holds what we wrote as of then, so
        /// the key's events that happened before are stale.
        key_at: Option<(String, i64)>,
    },
    /// Older than the newest event of its key: recorded with no run.
    Stale,
    /// Joins a run still waiting out its window.
    Coalesce {
        /// The run it joins.
        run_id: String,
        /// The run's new payload.
        payload: Json,
        /// The key's newest event time, to record.
        key_at: Option<(String, i64)>,
    },
    /// A new run, queued.
    Queue {
        /// When it may start (its coalesce window closes).
        run_at_ms: i64,
        /// The key's newest event time, to record.
        key_at: Option<(String, i64)>,
    },
}

impl Admission {
    /// The status its event is recorded with (none for a duplicate).
    pub fn event_status(&self) -> Option<&'static str> {
        match self {
            Admission::Duplicate => None,
            Admission::Echo { .. } => Some(ECHO),
            Admission::Stale => Some(STALE),
            Admission::Coalesce { .. } | Admission::Queue { .. } => Some(QUEUED),
        }
    }

    /// The run the event belongs to, if any.
    pub fn run_id<'a>(&'a self, event: &'a NewEvent) -> Option<&'a str> {
        match self {
            Admission::Coalesce { run_id, .. } => Some(run_id),
            Admission::Queue { .. } => Some(&event.run_id),
            _ => None,
        }
    }

    /// Why the event gets no run of its own, in words for the run history page: for an echo,
    /// the write it reports; none for an event that queues or joins a run.
    pub fn reason(&self) -> Option<String> {
        match self {
            Admission::Duplicate => Some("duplicate: an event with this id was seen before".into()),
            Admission::Echo { write, channel, .. } => {
                Some(format!("echo: {channel} reporting our own write #{write}"))
            }
            Admission::Stale => {
                Some("stale: older than the newest event already seen for its key".into())
            }
            Admission::Coalesce { .. } | Admission::Queue { .. } => None,
        }
    }

    /// What the store answers.
    pub fn outcome(&self, event: &NewEvent) -> EventOutcome {
        match self {
            Admission::Duplicate => EventOutcome::Duplicate,
            Admission::Echo { .. } => EventOutcome::Echo,
            Admission::Stale => EventOutcome::Stale,
            Admission::Coalesce { run_id, .. } => EventOutcome::Queued(run_id.clone()),
            Admission::Queue { .. } => EventOutcome::Queued(event.run_id.clone()),
        }
    }
}

/// The status of an event that has (or joined) a run: what a store records an event with
/// before it has decided.
pub const QUEUED: &str = "queued";
/// The status of an event that was our own write coming back.
pub const ECHO: &str = "echo";
/// The status of an event found stale, on arrival or when its run came up.
pub const STALE: &str = "stale";

/// Decides what becomes of `event`, from what the store read.
pub fn admit(event: &NewEvent, facts: Facts) -> Admission {
    if facts.seen {
        return Admission::Duplicate;
    }
    let key_at = event.key.clone().zip(event.occurred_at_ms);
    if let (Some(write), Some((channel, _, _))) = (facts.echoed_write, &event.echo) {
        return Admission::Echo {
            write,
            channel: channel.clone(),
            key_at,
        };
    }
    if is_stale(event.occurred_at_ms, facts.last_occurred_ms) {
        return Admission::Stale;
    }
    if let (Some(_), Some(waiting)) = (reads(event).coalesce, facts.waiting) {
        return Admission::Coalesce {
            run_id: waiting.run_id,
            payload: merge_payloads(waiting.payload, event.payload.clone()),
            key_at,
        };
    }
    Admission::Queue {
        run_at_ms: event.received_at_ms + event.coalesce_ms.unwrap_or(0),
        key_at,
    }
}

/// Whether an event that happened at `occurred_ms` is older than the newest one of its key.
pub fn is_stale(occurred_ms: Option<i64>, last_occurred_ms: Option<i64>) -> bool {
    match (occurred_ms, last_occurred_ms) {
        (Some(at), Some(last)) => at < last,
        _ => false,
    }
}

/// Why a queued run whose event happened at `at` is stale when it comes up, if it is: its
/// channel reported our own write of a newer state for its key (`echo_ms`) while it waited, or
/// an event of its key that happened later was applied first (`applied_ms`, by any workflow).
pub fn stale_when_claimed(
    at: i64,
    echo_ms: Option<i64>,
    applied_ms: Option<i64>,
) -> Option<&'static str> {
    if echo_ms.is_some_and(|echo| at < echo) {
        return Some(
            "before this run started, its channel reported our own write of a newer state for its key",
        );
    }
    if applied_ms.is_some_and(|applied| at < applied) {
        return Some("an event of its key that happened later was applied first");
    }
    None
}

/// The error a run found stale when it came up ends with.
pub fn stale_error(reason: &str) -> Json {
    serde_json::json!({ "message": format!("stale: {reason}"), "stale": true })
}

/// The payload of a coalesced run: the newest event's, with the payloads it replaces in
/// `conflicts`, oldest first.
pub fn merge_payloads(older: Json, newest: Json) -> Json {
    let mut conflicts = Vec::new();
    let mut older = older;
    if let Json::Object(map) = &mut older
        && let Some(Json::Array(earlier)) = map.remove("conflicts")
    {
        conflicts.extend(earlier);
    }
    conflicts.push(older);
    match newest {
        Json::Object(mut map) => {
            map.insert("conflicts".to_string(), Json::Array(conflicts));
            Json::Object(map)
        }
        other => other,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn event() -> NewEvent {
        NewEvent {
            workflow: "W".into(),
            event_id: "e1".into(),
            key: Some("SKU-1".into()),
            occurred_at_ms: Some(100),
            payload: json!({ "quantity": 3 }),
            received_at_ms: 1_000,
            run_id: "r1".into(),
            echo: Some(("shopify".into(), "SKU-1".into(), 3)),
            echo_since_ms: 0,
            start_now: false,
            coalesce_ms: None,
        }
    }

    fn key_at() -> Option<(String, i64)> {
        Some(("SKU-1".into(), 100))
    }

    #[test]
    fn reads_only_what_a_rule_needs() {
        let e = event();
        assert_eq!(
            reads(&e),
            Reads {
                echo: Some(("shopify", "SKU-1", 3)),
                order: Some(("SKU-1", 100)),
                coalesce: None,
            }
        );
        let mut bare = event();
        bare.key = None;
        bare.echo = None;
        bare.coalesce_ms = Some(500);
        assert_eq!(
            reads(&bare),
            Reads {
                echo: None,
                order: None,
                coalesce: None,
            }
        );
        let mut windowed = event();
        windowed.coalesce_ms = Some(500);
        assert_eq!(reads(&windowed).coalesce, Some("SKU-1"));
    }

    #[test]
    fn a_seen_event_is_a_duplicate_whatever_else_holds() {
        let facts = Facts {
            seen: true,
            echoed_write: Some(7),
            last_occurred_ms: Some(500),
            waiting: None,
        };
        let decided = admit(&event(), facts);
        assert_eq!(decided, Admission::Duplicate);
        assert_eq!(decided.outcome(&event()), EventOutcome::Duplicate);
        assert_eq!(decided.event_status(), None);
        assert!(decided.reason().is_some_and(|r| r.starts_with("duplicate")));
    }

    #[test]
    fn our_own_write_coming_back_is_an_echo_even_when_old() {
        let facts = Facts {
            echoed_write: Some(7),
            last_occurred_ms: Some(500),
            ..Facts::default()
        };
        let decided = admit(&event(), facts);
        assert_eq!(
            decided,
            Admission::Echo {
                write: 7,
                channel: "shopify".into(),
                key_at: key_at()
            }
        );
        assert_eq!(decided.outcome(&event()), EventOutcome::Echo);
        assert_eq!(
            decided.reason().as_deref(),
            Some("echo: shopify reporting our own write #7")
        );
        assert_eq!(decided.event_status(), Some("echo"));
        assert_eq!(decided.run_id(&event()), None);
    }

    #[test]
    fn an_event_older_than_the_newest_of_its_key_is_stale() {
        let older = Facts {
            last_occurred_ms: Some(101),
            ..Facts::default()
        };
        assert_eq!(admit(&event(), older), Admission::Stale);
        assert_eq!(
            Admission::Stale.reason().as_deref(),
            Some("stale: older than the newest event already seen for its key")
        );
        let same_time = Facts {
            last_occurred_ms: Some(100),
            ..Facts::default()
        };
        assert!(matches!(
            admit(&event(), same_time),
            Admission::Queue { .. }
        ));
        // Without a time (or a key) there is no order to keep.
        assert!(!is_stale(None, Some(5)));
        assert!(!is_stale(Some(5), None));
    }

    #[test]
    fn within_the_window_an_event_joins_the_waiting_run() {
        let mut e = event();
        e.coalesce_ms = Some(500);
        let facts = Facts {
            waiting: Some(WaitingRun {
                run_id: "r0".into(),
                payload: json!({ "quantity": 1 }),
            }),
            ..Facts::default()
        };
        let decided = admit(&e, facts);
        assert_eq!(
            decided,
            Admission::Coalesce {
                run_id: "r0".into(),
                payload: json!({ "quantity": 3, "conflicts": [{ "quantity": 1 }] }),
                key_at: key_at(),
            }
        );
        assert_eq!(decided.outcome(&e), EventOutcome::Queued("r0".into()));
        assert_eq!(decided.run_id(&e), Some("r0"));
        // No waiting run: a new one, which waits out its own window.
        assert_eq!(
            admit(&e, Facts::default()),
            Admission::Queue {
                run_at_ms: 1_500,
                key_at: key_at()
            }
        );
    }

    #[test]
    fn otherwise_a_run_is_queued_at_once() {
        let decided = admit(&event(), Facts::default());
        assert_eq!(
            decided,
            Admission::Queue {
                run_at_ms: 1_000,
                key_at: key_at()
            }
        );
        assert_eq!(decided.outcome(&event()), EventOutcome::Queued("r1".into()));
        assert_eq!(decided.event_status(), Some(QUEUED));
        assert_eq!(decided.run_id(&event()), Some("r1"));
    }

    #[test]
    fn merged_payloads_keep_every_replaced_one_oldest_first() {
        let once = merge_payloads(json!({ "q": 1 }), json!({ "q": 2 }));
        let twice = merge_payloads(once, json!({ "q": 3 }));
        assert_eq!(
            twice,
            json!({ "q": 3, "conflicts": [{ "q": 1 }, { "q": 2 }] })
        );
    }

    #[test]
    fn a_run_is_stale_when_claimed_after_a_newer_echo_or_a_later_event() {
        assert!(
            stale_when_claimed(10, Some(11), None).is_some_and(|r| r.contains("our own write"))
        );
        assert!(
            stale_when_claimed(10, None, Some(11)).is_some_and(|r| r.contains("applied first"))
        );
        assert_eq!(stale_when_claimed(10, Some(10), Some(9)), None);
        assert_eq!(stale_when_claimed(10, None, None), None);
        assert_eq!(
            stale_error("why"),
            json!({ "message": "stale: why", "stale": true })
        );
    }
}
