//! Resume: what the journal of an earlier start of the run already says about a call's step.

use super::super::{CallOutcome, RunContext, slot_name};
use crate::connector::Op;
use crate::store::{CallStatus, StepSlot, StepStatus};
use crate::workflow::{StepInfo, StepKind};

impl RunContext {
    /// The step's outcome when the journal already holds it: the step journaled skipped or
    /// done, or a call that succeeded just before the process stopped, before its step was
    /// journaled (its result stands). `None`: the call is still to be made.
    pub(super) fn resume<O: Op>(
        &mut self,
        slot: StepSlot,
        info: StepInfo,
        op: &str,
    ) -> Option<CallOutcome<O::Output>> {
        if let Some(outcome) = self.journaled_step::<O>(slot) {
            return Some(outcome);
        }
        self.journaled_result::<O>(slot, info, op)
    }

    /// A finished step: skipped, or done with an output that still reads as the op's result.
    fn journaled_step<O: Op>(&mut self, slot: StepSlot) -> Option<CallOutcome<O::Output>> {
        let done = self.finished(slot)?;
        if done.status == StepStatus::Skipped {
            self.actions_skipped += 1;
            return Some(CallOutcome::Skipped);
        }
        let output = self.engine.redactor.restore(done.output.as_ref()?);
        let value = serde_json::from_value::<O::Output>(output).ok()?;
        self.actions_done += 1;
        Some(CallOutcome::Done(value))
    }

    /// A call of the same op journaled as succeeded, whose step was not journaled yet: the
    /// step is journaled now with the call's params and result.
    fn journaled_result<O: Op>(
        &mut self,
        slot: StepSlot,
        info: StepInfo,
        op: &str,
    ) -> Option<CallOutcome<O::Output>> {
        let call = self
            .calls
            .get(&slot)
            .filter(|c| c.status == CallStatus::Ok && c.op == op)?;
        let result = self.engine.redactor.restore(call.result.as_ref()?);
        let value = serde_json::from_value::<O::Output>(result.clone()).ok()?;
        let params = self.engine.redactor.restore(&call.params);
        let step = self.step_record(
            slot,
            slot_name(info, slot),
            StepKind::Action,
            StepStatus::Done,
            Some(params),
            Some(result),
            None,
        );
        self.journal_step(step);
        self.actions_done += 1;
        Some(CallOutcome::Done(value))
    }
}
