//! One connector call of an action (or of a forEach item's action), in its four phases:
//! [`resume`] (what the journal already says about the step), [`parameters`] (the params and
//! idempotency key, and a write's intent stored before it is sent), [`send`] (the call with its
//! retries) and [`settle`] (the outcome journaled with the step); [`items`] makes a forEach
//! entry's calls together through the same phases.

mod items;
mod parameters;
mod resume;
mod send;
mod settle;

use std::sync::Arc;

use super::{CallOutcome, RunContext, Scope, StepError};
use crate::connector::{Connector, Json, Op};
use crate::store::{CallRecord, StepSlot, Write};
use crate::workflow::{CallOptions, StepInfo};

/// A call on its way, as one phase hands it to the next.
struct Call {
    /// Where in the run it belongs.
    slot: StepSlot,
    /// The step that makes it.
    info: StepInfo,
    /// `connector.op`, as journaled and measured.
    op: String,
    /// The params as sent (secrets in clear).
    params: Json,
    /// Its journal record (params redacted), updated with each attempt and its outcome.
    record: CallRecord,
    /// Whether the op changes the channel: its intent is in the store before it is sent.
    is_write: bool,
    /// The connector that sends it.
    connector: Arc<dyn Connector>,
    /// The write recorded for echo suppression before the call was sent, if any.
    recorded_before: Option<Write>,
    /// Whether an earlier attempt may have reached the channel unanswered (see
    /// [`handled_contract::CallInfo::maybe_sent`]).
    maybe_sent: bool,
}

impl Call {
    /// The action's `retry` and `timeout` (an item's action has its own entry).
    fn options(&self) -> CallOptions {
        match self.slot.entry {
            Some(entry) => self.info.calls.get(entry),
            None => self.info.calls.first(),
        }
        .copied()
        .unwrap_or_default()
    }
}

impl RunContext {
    /// The shared body of actions and item actions.
    pub(super) async fn call_step<O: Op, F>(
        &mut self,
        slot: StepSlot,
        f: F,
    ) -> CallOutcome<O::Output>
    where
        F: FnOnce(&Scope<'_>) -> Result<Option<O::Params>, StepError> + Send,
    {
        let info = self.step_info(slot.step);
        let op = format!("{}.{}", O::CONNECTOR, O::NAME);
        if let Some(resumed) = self.resume::<O>(slot, info, &op) {
            return resumed;
        }
        let mut call = match self.prepare::<O, F>(slot, info, op, f).await {
            Ok(call) => call,
            Err(outcome) => return outcome,
        };
        match self.send::<O>(&mut call).await {
            Ok(answer) => self.settle::<O>(call, answer).await,
            Err(stop) => CallOutcome::Failed(stop),
        }
    }
}
