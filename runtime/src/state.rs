//! The lifecycles of a run and of a connector call as data: for each, one table of the legal
//! transitions (state, event, next state). [`next_run`] and [`next_call`] refuse a pair the
//! table does not hold; the stores take the states an event applies in, and the state it leads
//! to, from the table when they build their statements ([`sql`]), so that the two stores
//! cannot disagree on a lifecycle.

use serde::{Deserialize, Serialize};

/// The states of a run.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum RunStatus {
    /// Waiting for a worker.
    Queued,
    /// A worker is running it.
    Running,
    /// Every step finished.
    Completed,
    /// A validate rule failed, or every action was skipped.
    Skipped,
    /// An expression threw, a value did not convert, or a call failed for good.
    Failed,
    /// A forEach where some items failed and the others completed.
    Partial,
}

impl RunStatus {
    /// Every state, in the order of the lifecycle.
    pub const ALL: [RunStatus; 6] = [
        RunStatus::Queued,
        RunStatus::Running,
        RunStatus::Completed,
        RunStatus::Skipped,
        RunStatus::Failed,
        RunStatus::Partial,
    ];

    /// The state a run is created in.
    pub const FIRST: RunStatus = RunStatus::Queued;

    /// The states of a run that has not ended (a key's active runs).
    pub const ACTIVE: [RunStatus; 2] = [RunStatus::Queued, RunStatus::Running];

    /// The name stored and printed (`completed`).
    pub const fn as_str(self) -> &'static str {
        match self {
            RunStatus::Queued => "queued",
            RunStatus::Running => "running",
            RunStatus::Completed => "completed",
            RunStatus::Skipped => "skipped",
            RunStatus::Failed => "failed",
            RunStatus::Partial => "partial",
        }
    }

    /// Parses a stored name.
    pub fn parse(s: &str) -> Option<Self> {
        RunStatus::ALL.into_iter().find(|state| state.as_str() == s)
    }

    /// Whether the run has ended.
    pub fn is_final(self) -> bool {
        !RunStatus::ACTIVE.contains(&self)
    }

    /// Whether the program's `exec` exits 0 for it.
    pub fn is_success(self) -> bool {
        matches!(self, RunStatus::Completed | RunStatus::Skipped)
    }
}

/// What happens to a run.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum RunEvent {
    /// A worker (or the foreground `exec`) takes it.
    Claim,
    /// Another process takes it over: the lease of the process running it ran out.
    TakeOver,
    /// Every step finished.
    Complete,
    /// A validate rule failed, or every action was skipped.
    Skip,
    /// A step failed for good.
    Fail,
    /// A forEach ended with some items failed.
    EndPartly,
    /// The process stopped in the middle of it (or took it and did not start it): it goes
    /// back to the queue and resumes at its first unfinished step.
    Interrupt,
    /// It came up after an event of its key that happened later was applied, or after an echo
    /// of our own write of a newer state: it ends without running. A store that claims before
    /// it looks finds this out on a run it has just marked running.
    FoundStale,
    /// Queued again to be replayed from its first unfinished step.
    Requeue,
}

/// Every legal transition of a run: (state, event, next state).
pub const RUN_TRANSITIONS: &[(RunStatus, RunEvent, RunStatus)] = {
    use RunEvent as E;
    use RunStatus as S;
    &[
        (S::Queued, E::Claim, S::Running),
        (S::Running, E::TakeOver, S::Running),
        (S::Running, E::Complete, S::Completed),
        (S::Running, E::Skip, S::Skipped),
        (S::Running, E::Fail, S::Failed),
        (S::Running, E::EndPartly, S::Partial),
        (S::Running, E::Interrupt, S::Queued),
        (S::Queued, E::FoundStale, S::Skipped),
        (S::Running, E::FoundStale, S::Skipped),
        (S::Queued, E::Requeue, S::Queued),
        (S::Completed, E::Requeue, S::Queued),
        (S::Skipped, E::Requeue, S::Queued),
        (S::Failed, E::Requeue, S::Queued),
        (S::Partial, E::Requeue, S::Queued),
    ]
};

impl RunEvent {
    /// The event that leaves a run in `status` when it stops running (`Queued`: interrupted);
    /// `None` for `Running`, which no run stops in.
    pub fn ending_in(status: RunStatus) -> Option<RunEvent> {
        Some(match status {
            RunStatus::Queued => RunEvent::Interrupt,
            RunStatus::Running => return None,
            RunStatus::Completed => RunEvent::Complete,
            RunStatus::Skipped => RunEvent::Skip,
            RunStatus::Failed => RunEvent::Fail,
            RunStatus::Partial => RunEvent::EndPartly,
        })
    }

    /// The states the event applies in.
    pub fn sources(self) -> Vec<RunStatus> {
        RUN_TRANSITIONS
            .iter()
            .filter(|(_, event, _)| *event == self)
            .map(|(from, _, _)| *from)
            .collect()
    }

    /// The state the event leads to (the same from every state it applies in).
    pub fn target(self) -> RunStatus {
        RUN_TRANSITIONS
            .iter()
            .find(|(_, event, _)| *event == self)
            .map_or(RunStatus::Queued, |(_, _, to)| *to)
    }
}

/// The states of a connector call.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum CallStatus {
    /// About to be sent (the params are the intent; a retry sends them again byte for byte).
    Intent,
    /// Succeeded.
    Ok,
    /// Failed for good.
    Failed,
}

impl CallStatus {
    /// The state a call is created in.
    pub const FIRST: CallStatus = CallStatus::Intent;

    /// Every state.
    pub const ALL: [CallStatus; 3] = [CallStatus::Intent, CallStatus::Ok, CallStatus::Failed];

    /// The name stored (`intent`).
    pub const fn as_str(self) -> &'static str {
        match self {
            CallStatus::Intent => "intent",
            CallStatus::Ok => "ok",
            CallStatus::Failed => "failed",
        }
    }

    /// Parses a stored name; an unknown one is an intent (the call is sent again).
    pub fn parse(s: &str) -> Self {
        CallStatus::ALL
            .into_iter()
            .find(|state| state.as_str() == s)
            .unwrap_or(CallStatus::Intent)
    }
}

/// What happens to a connector call.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum CallEvent {
    /// Sent (again): a retry, a resumed run, or a replay of a call that failed for good, with
    /// the journaled params.
    Send,
    /// The channel answered with a result.
    Succeed,
    /// It failed for good (a permanent error, or its retries ran out).
    Fail,
}

/// Every legal transition of a call: (state, event, next state). A call that succeeded is
/// never sent again: its result stands.
pub const CALL_TRANSITIONS: &[(CallStatus, CallEvent, CallStatus)] = {
    use CallEvent as E;
    use CallStatus as S;
    &[
        (S::Intent, E::Send, S::Intent),
        (S::Failed, E::Send, S::Intent),
        (S::Intent, E::Succeed, S::Ok),
        (S::Intent, E::Fail, S::Failed),
    ]
};

impl CallEvent {
    /// The state the event leads to (the same from every state it applies in).
    pub fn target(self) -> CallStatus {
        CALL_TRANSITIONS
            .iter()
            .find(|(_, event, _)| *event == self)
            .map_or(CallStatus::FIRST, |(_, _, to)| *to)
    }
}

/// A transition the table does not hold.
#[derive(Clone, Copy, Debug, PartialEq, Eq, thiserror::Error)]
#[error("{event} is not possible for a {kind} that is {state}")]
pub struct IllegalTransition {
    /// `run` or `call`.
    pub kind: &'static str,
    /// The state's name.
    pub state: &'static str,
    /// The event, as written in its enum.
    pub event: &'static str,
}

/// The state a run in `state` is in after `event`.
pub fn next_run(state: RunStatus, event: RunEvent) -> Result<RunStatus, IllegalTransition> {
    RUN_TRANSITIONS
        .iter()
        .find(|(from, on, _)| *from == state && *on == event)
        .map(|(_, _, to)| *to)
        .ok_or(IllegalTransition {
            kind: "run",
            state: state.as_str(),
            event: run_event_name(event),
        })
}

/// The state a call in `state` is in after `event`.
pub fn next_call(state: CallStatus, event: CallEvent) -> Result<CallStatus, IllegalTransition> {
    CALL_TRANSITIONS
        .iter()
        .find(|(from, on, _)| *from == state && *on == event)
        .map(|(_, _, to)| *to)
        .ok_or(IllegalTransition {
            kind: "call",
            state: state.as_str(),
            event: match event {
                CallEvent::Send => "Send",
                CallEvent::Succeed => "Succeed",
                CallEvent::Fail => "Fail",
            },
        })
}

fn run_event_name(event: RunEvent) -> &'static str {
    match event {
        RunEvent::Claim => "Claim",
        RunEvent::TakeOver => "TakeOver",
        RunEvent::Complete => "Complete",
        RunEvent::Skip => "Skip",
        RunEvent::Fail => "Fail",
        RunEvent::EndPartly => "EndPartly",
        RunEvent::Interrupt => "Interrupt",
        RunEvent::FoundStale => "FoundStale",
        RunEvent::Requeue => "Requeue",
    }
}

/// The table as SQL, for the stores' statements (the same text in both stores).
pub(crate) mod sql {
    use super::{RunEvent, RunStatus};

    /// `COLUMN = 'state'`, or `COLUMN IN ('a', 'b')` for several states.
    pub(crate) fn one_of(column: &str, states: &[RunStatus]) -> String {
        match states {
            [one] => format!("{column} = '{}'", one.as_str()),
            many => {
                let names: Vec<String> = many.iter().map(|s| format!("'{}'", s.as_str())).collect();
                format!("{column} IN ({})", names.join(", "))
            }
        }
    }

    /// The condition that the run (its status in `column`) is in a state `event` applies in.
    pub(crate) fn applies(column: &str, event: RunEvent) -> String {
        one_of(column, &event.sources())
    }

    /// `status = 'state'`: the assignment of the state `event` leads to.
    pub(crate) fn set(event: RunEvent) -> String {
        format!("status = '{}'", event.target().as_str())
    }

    /// The condition that the run has ended.
    pub(crate) fn ended(column: &str) -> String {
        let ended: Vec<RunStatus> = RunStatus::ALL
            .into_iter()
            .filter(|s| s.is_final())
            .collect();
        one_of(column, &ended)
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    const EVERY_RUN_EVENT: [RunEvent; 9] = [
        RunEvent::Claim,
        RunEvent::TakeOver,
        RunEvent::Complete,
        RunEvent::Skip,
        RunEvent::Fail,
        RunEvent::EndPartly,
        RunEvent::Interrupt,
        RunEvent::FoundStale,
        RunEvent::Requeue,
    ];

    #[test]
    fn every_legal_run_transition() {
        use RunEvent as E;
        use RunStatus as S;
        let legal = [
            (S::Queued, E::Claim, S::Running),
            (S::Running, E::TakeOver, S::Running),
            (S::Running, E::Complete, S::Completed),
            (S::Running, E::Skip, S::Skipped),
            (S::Running, E::Fail, S::Failed),
            (S::Running, E::EndPartly, S::Partial),
            (S::Running, E::Interrupt, S::Queued),
            (S::Queued, E::FoundStale, S::Skipped),
            (S::Running, E::FoundStale, S::Skipped),
            (S::Queued, E::Requeue, S::Queued),
            (S::Completed, E::Requeue, S::Queued),
            (S::Skipped, E::Requeue, S::Queued),
            (S::Failed, E::Requeue, S::Queued),
            (S::Partial, E::Requeue, S::Queued),
        ];
        for (from, event, to) in legal {
            assert_eq!(next_run(from, event), Ok(to), "{from:?} {event:?}");
        }
        // Every other pair is refused.
        for from in RunStatus::ALL {
            for event in EVERY_RUN_EVENT {
                if !legal.iter().any(|(f, e, _)| *f == from && *e == event) {
                    assert!(next_run(from, event).is_err(), "{from:?} {event:?}");
                }
            }
        }
    }

    #[test]
    fn impossible_run_transitions_are_refused() {
        let refused = next_run(RunStatus::Completed, RunEvent::Claim).unwrap_err();
        assert_eq!(
            refused.to_string(),
            "Claim is not possible for a run that is completed"
        );
        assert!(next_run(RunStatus::Running, RunEvent::Requeue).is_err());
        assert!(next_run(RunStatus::Queued, RunEvent::Complete).is_err());
        assert!(next_run(RunStatus::Failed, RunEvent::TakeOver).is_err());
    }

    #[test]
    fn each_event_leads_to_one_state_and_ends_as_the_engine_says() {
        for event in EVERY_RUN_EVENT {
            let targets: Vec<RunStatus> = event
                .sources()
                .into_iter()
                .filter_map(|from| next_run(from, event).ok())
                .collect();
            assert!(!targets.is_empty(), "{event:?} applies nowhere");
            assert!(targets.iter().all(|t| *t == event.target()), "{event:?}");
        }
        for status in RunStatus::ALL {
            match RunEvent::ending_in(status) {
                Some(event) => assert_eq!(next_run(RunStatus::Running, event), Ok(status)),
                None => assert_eq!(status, RunStatus::Running),
            }
        }
    }

    #[test]
    fn names_round_trip() {
        for status in RunStatus::ALL {
            assert_eq!(RunStatus::parse(status.as_str()), Some(status));
        }
        assert_eq!(RunStatus::parse("lost"), None);
        for status in CallStatus::ALL {
            assert_eq!(CallStatus::parse(status.as_str()), status);
        }
        assert_eq!(CallStatus::parse("lost"), CallStatus::Intent);
    }

    #[test]
    fn every_legal_call_transition_and_a_succeeded_call_is_never_sent_again() {
        use CallEvent as E;
        use CallStatus as S;
        assert_eq!(next_call(S::Intent, E::Send), Ok(S::Intent));
        assert_eq!(next_call(S::Failed, E::Send), Ok(S::Intent));
        assert_eq!(next_call(S::Intent, E::Succeed), Ok(S::Ok));
        assert_eq!(next_call(S::Intent, E::Fail), Ok(S::Failed));
        for event in [E::Send, E::Succeed, E::Fail] {
            assert_eq!(next_call(S::Intent, event), Ok(event.target()));
        }
        assert!(next_call(S::Ok, E::Send).is_err());
        assert!(next_call(S::Ok, E::Fail).is_err());
        assert!(next_call(S::Failed, E::Succeed).is_err());
        assert_eq!(
            next_call(S::Ok, E::Send).unwrap_err().to_string(),
            "Send is not possible for a call that is ok"
        );
    }

    #[test]
    fn the_sql_conditions_come_from_the_table() {
        assert_eq!(sql::applies("status", RunEvent::Claim), "status = 'queued'");
        assert_eq!(
            sql::one_of("status", &RunStatus::ACTIVE),
            "status IN ('queued', 'running')"
        );
        assert_eq!(
            sql::applies("status", RunEvent::Requeue),
            "status IN ('queued', 'completed', 'skipped', 'failed', 'partial')"
        );
        assert_eq!(sql::set(RunEvent::FoundStale), "status = 'skipped'");
        assert_eq!(
            sql::ended("r.status"),
            "r.status IN ('completed', 'skipped', 'failed', 'partial')"
        );
    }
}
