//! The contract between generated code and the engine: a [`RunContext`] is one run in
//! progress. Generated code calls [`RunContext::transform`], [`RunContext::action`],
//! [`RunContext::for_each`] and [`RunContext::item_action`] once per step, in order; the
//! context journals each step when it completes, reuses journaled results when a run resumes
//! (so a finished step's closure is not called again), sends connector calls with their
//! idempotency keys and retries them by error class.

use std::collections::HashMap;
use std::sync::Arc;
use std::time::Instant;

use handled_js::{JsError, JsString, Value};
use serde::Serialize;
use serde::de::DeserializeOwned;

use crate::clock::{Clock, iso_ms};
use crate::connector::{Env, Json, Op};
use crate::engine::Engine;
use crate::store::{CallRecord, JournalOp, RunRecord, StepRecord, StepSlot, StepStatus, Write};
use crate::workflow::{Location, StepInfo, StepKind, Workflow};

mod call;

/// What expressions may read while a step evaluates: the payload, `env`, `run` and the clock.
pub struct Scope<'a> {
    payload: &'a Value,
    env: &'a Env,
    run_id: &'a str,
    workflow: &'static str,
    started_at_ms: i64,
    attempt: u32,
    clock: &'a dyn Clock,
}

impl<'a> Scope<'a> {
    /// A scope outside any run, for evaluating a workflow's step functions directly: in unit
    /// tests of a workflow's transforms, and in benchmarks.
    pub fn detached(payload: &'a Value, env: &'a Env, clock: &'a dyn Clock) -> Self {
        Scope {
            payload,
            env,
            run_id: "detached",
            workflow: "",
            started_at_ms: clock.now_ms(),
            attempt: 1,
            clock,
        }
    }

    /// The trigger payload (after enrichment), as a JavaScript value (`trigger.<alias>`).
    pub fn payload(&self) -> &Value {
        self.payload
    }

    /// `env.NAME`: the variable as a string, or `undefined` when it is not set.
    pub fn env(&self, name: &str) -> Value {
        match self.env.get(name) {
            Some(v) => Value::from(v),
            None => Value::Undefined,
        }
    }

    /// `run`: `{ id, workflow, startedAt, attempt }` (`startedAt` in ISO 8601).
    pub fn run(&self) -> Value {
        Value::object(vec![
            (JsString::from("id"), Value::from(self.run_id)),
            (JsString::from("workflow"), Value::from(self.workflow)),
            (
                JsString::from("startedAt"),
                Value::from(iso_ms(self.started_at_ms).as_str()),
            ),
            (
                JsString::from("attempt"),
                Value::from(f64::from(self.attempt)),
            ),
        ])
    }

    /// The run's clock, in ms since the epoch: what `new Date()` and `Date.now()` read.
    pub fn now_ms(&self) -> f64 {
        self.clock.now_ms() as f64
    }
}

/// What a transform's closure produced.
pub enum Transformed<T> {
    /// Every validate rule held: the `input` it was evaluated with, and its `output`.
    Output {
        /// The transform's evaluated `input`.
        input: Value,
        /// The transform's output.
        output: T,
    },
    /// Some validate rules failed: the run stops `skipped`.
    Skipped {
        /// The transform's evaluated `input`.
        input: Value,
        /// The names of the rules that failed, in the order written.
        failed_rules: Vec<&'static str>,
    },
}

/// An error inside a step: an expression threw, or a value did not convert to a typed
/// parameter. It carries the `.hs` position to report.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct StepError {
    message: String,
    location: Location,
}

impl StepError {
    /// An expression threw. The message is JavaScript's (`TypeError: Cannot read properties of
    /// undefined (reading 'sku')`); the error's own line and column are used when it knows them
    /// (not 0), otherwise the step's position.
    pub fn js(e: JsError, step_location: Location) -> Self {
        let location = if e.line == 0 {
            step_location
        } else {
            Location {
                file: step_location.file,
                line: e.line,
                column: e.column.max(1),
            }
        };
        StepError {
            message: e.to_string(),
            location,
        }
    }

    /// A value did not convert to a typed parameter.
    pub fn conversion(message: String, at: Location) -> Self {
        StepError {
            message,
            location: at,
        }
    }

    /// What went wrong.
    pub fn message(&self) -> &str {
        &self.message
    }

    /// Where in the `.hs` source.
    pub fn location(&self) -> Location {
        self.location
    }
}

impl std::fmt::Display for StepError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{} (at {})", self.message, self.location)
    }
}

impl std::error::Error for StepError {}

/// Why a run ended early. Generated code only propagates it with `?`.
#[derive(Clone, Debug)]
pub struct Stop {
    pub(crate) reason: StopReason,
}

/// The reasons a run ends before its last step.
#[derive(Clone, Debug)]
pub(crate) enum StopReason {
    /// A validate rule failed.
    Skipped { rules: Vec<String> },
    /// A step failed: an expression, a conversion or a call.
    Failed { message: String, location: Location },
    /// The process is stopping, or the store could not be written: the run goes back to the
    /// queue and resumes at its first unfinished step.
    Interrupted { reason: String },
}

impl Stop {
    fn failed(message: String, location: Location) -> Self {
        Stop {
            reason: StopReason::Failed { message, location },
        }
    }

    fn interrupted(reason: impl Into<String>) -> Self {
        Stop {
            reason: StopReason::Interrupted {
                reason: reason.into(),
            },
        }
    }
}

impl std::fmt::Display for Stop {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match &self.reason {
            StopReason::Skipped { rules } => write!(f, "skipped: {}", rules.join(", ")),
            StopReason::Failed { message, location } => write!(f, "{message} (at {location})"),
            StopReason::Interrupted { reason } => write!(f, "interrupted: {reason}"),
        }
    }
}

/// A forEach item's action failed (recorded in the journal); the other items go on.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ItemFailed {
    /// What went wrong.
    pub message: String,
}

impl std::fmt::Display for ItemFailed {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.message)
    }
}

impl std::error::Error for ItemFailed {}

/// How one action (or item action) ended, inside the engine.
enum CallOutcome<T> {
    Done(T),
    Skipped,
    Failed(Stop),
}

/// One run in progress.
pub struct RunContext {
    engine: Arc<Engine>,
    workflow: Workflow,
    run_id: String,
    attempt: u32,
    started_at_ms: i64,
    payload: Value,
    steps: HashMap<StepSlot, StepRecord>,
    calls: HashMap<StepSlot, CallRecord>,
    pub(crate) actions_done: usize,
    pub(crate) actions_skipped: usize,
    pub(crate) items_failed: usize,
    interrupted: Option<String>,
    /// Journal writes not yet sent to the store: sent together before the next connector call
    /// (so that nothing a call depends on can be lost), and with the run's final status.
    pending: Vec<JournalOp>,
}

impl RunContext {
    /// A context for one start of a run, with the journal of its earlier starts.
    pub(crate) fn new(
        engine: Arc<Engine>,
        workflow: Workflow,
        run: &RunRecord,
        payload: Value,
        steps: Vec<StepRecord>,
        calls: Vec<CallRecord>,
    ) -> Self {
        let started_at_ms = run.started_at_ms.unwrap_or_else(|| engine.clock.now_ms());
        RunContext {
            engine,
            workflow,
            run_id: run.id.clone(),
            attempt: run.attempt.max(1),
            started_at_ms,
            payload,
            steps: steps.into_iter().map(|s| (s.slot, s)).collect(),
            calls: calls.into_iter().map(|c| (c.slot, c)).collect(),
            actions_done: 0,
            actions_skipped: 0,
            items_failed: 0,
            interrupted: None,
            pending: Vec::new(),
        }
    }

    /// What the step's expressions may read.
    pub fn scope(&self) -> Scope<'_> {
        Scope {
            payload: &self.payload,
            env: &self.engine.env,
            run_id: &self.run_id,
            workflow: self.workflow.name,
            started_at_ms: self.started_at_ms,
            attempt: self.attempt,
            clock: self.engine.clock.as_ref(),
        }
    }

    /// The run's id.
    pub fn run_id(&self) -> &str {
        &self.run_id
    }

    fn step_info(&self, step: usize) -> StepInfo {
        match self.workflow.steps.get(step) {
            Some(info) => *info,
            None => StepInfo {
                name: "step",
                kind: StepKind::Action,
                op: "",
                item_ops: &[],
                location: self.workflow.location,
                calls: &[],
            },
        }
    }

    /// Records a write to `channel` so that the channel's report of it is recognised as an echo.
    fn record_write(&mut self, channel: &str, (sku, quantity): (String, i64)) -> Write {
        let write = Write {
            channel: channel.to_string(),
            sku,
            quantity,
            at_ms: self.engine.clock.now_ms(),
        };
        self.pending.push(JournalOp::Write(write.clone()));
        write
    }

    /// Journals a call record (sent with the next flush).
    ///
    /// A slot's call is made once per start of the run, so the record is not kept here: the
    /// entry of an earlier start is dropped instead (a run waiting for a slow channel holds
    /// no copy of what it journaled).
    fn journal_call(&mut self, call: CallRecord) {
        self.calls.remove(&call.slot);
        self.pending.push(JournalOp::Call(call));
    }

    /// Sends the pending journal writes to the store in one transaction and waits for it.
    async fn flush(&mut self) -> Result<(), Stop> {
        if self.pending.is_empty() {
            return Ok(());
        }
        let ops = std::mem::take(&mut self.pending);
        self.engine
            .store
            .journal(ops)
            .await
            .map_err(|e| Stop::interrupted(e.to_string()))
    }

    /// The journal writes not yet sent: the engine writes them with the run's status.
    pub(crate) fn take_pending(&mut self) -> Vec<JournalOp> {
        std::mem::take(&mut self.pending)
    }

    fn finished(&self, slot: StepSlot) -> Option<&StepRecord> {
        self.steps
            .get(&slot)
            .filter(|s| s.status != StepStatus::Failed)
    }

    /// Journals a step (sent with the next flush).
    ///
    /// As with calls, a slot's step runs once per start: the record is not kept here.
    fn journal_step(&mut self, record: StepRecord) {
        self.steps.remove(&record.slot);
        self.pending.push(JournalOp::Step(record));
    }

    #[allow(clippy::too_many_arguments)]
    fn step_record(
        &self,
        slot: StepSlot,
        name: String,
        kind: StepKind,
        status: StepStatus,
        input: Option<Json>,
        output: Option<Json>,
        error: Option<Json>,
    ) -> StepRecord {
        let redactor = &self.engine.redactor;
        let mut redacted = false;
        let mut hide = |v: Option<Json>| {
            v.map(|v| {
                let (out, changed) = redactor.json(&v);
                redacted |= changed;
                out
            })
        };
        let input = hide(input);
        let output = hide(output);
        let error = hide(error);
        StepRecord {
            run_id: self.run_id.clone(),
            slot,
            name,
            kind: kind_name(kind).to_string(),
            status,
            input,
            output,
            error,
            redacted,
        }
    }

    /// A transform step: evaluates `f` (input, validate rules, output) unless the journal holds
    /// its output from an earlier start of this run. A failed validate rule stops the run
    /// `skipped`; an error stops it `failed`.
    pub async fn transform<T, F>(&mut self, step: usize, f: F) -> Result<T, Stop>
    where
        T: Serialize + DeserializeOwned + Send + 'static,
        F: FnOnce(&Scope<'_>) -> Result<Transformed<T>, StepError> + Send,
    {
        let info = self.step_info(step);
        let slot = StepSlot::step(step);
        if let Some(done) = self.finished(slot)
            && done.status == StepStatus::Done
            && let Some(output) = &done.output
            && let Ok(value) = serde_json::from_value::<T>(self.engine.redactor.restore(output))
        {
            return Ok(value);
        }
        let started = Instant::now();
        let evaluated = f(&self.scope());
        self.observe_step(info, started);
        match evaluated {
            Ok(Transformed::Output { input, output }) => {
                let json = match serde_json::to_value(&output) {
                    Ok(json) => json,
                    Err(e) => {
                        let message =
                            format!("the output of `{}` cannot be journaled: {e}", info.name);
                        return Err(self.fail_step(
                            slot,
                            info,
                            Some(input.to_json()),
                            message,
                            info.location,
                        ));
                    }
                };
                let record = self.step_record(
                    slot,
                    info.name.to_string(),
                    info.kind,
                    StepStatus::Done,
                    Some(input.to_json()),
                    Some(json),
                    None,
                );
                self.journal_step(record);
                tracing::debug!(run = %self.run_id, step = info.name, "transform done");
                Ok(output)
            }
            Ok(Transformed::Skipped {
                input,
                failed_rules,
            }) => {
                let rules: Vec<String> = failed_rules.iter().map(|r| r.to_string()).collect();
                let record = self.step_record(
                    slot,
                    info.name.to_string(),
                    info.kind,
                    StepStatus::Skipped,
                    Some(input.to_json()),
                    None,
                    Some(serde_json::json!({ "rules": rules })),
                );
                self.journal_step(record);
                tracing::info!(run = %self.run_id, step = info.name, rules = ?rules, "validate rules failed");
                Err(Stop {
                    reason: StopReason::Skipped { rules },
                })
            }
            Err(e) => Err(self.fail_step(slot, info, None, e.message, e.location)),
        }
    }

    fn fail_step(
        &mut self,
        slot: StepSlot,
        info: StepInfo,
        input: Option<Json>,
        message: String,
        location: Location,
    ) -> Stop {
        let message = self.engine.redactor.text(&message);
        let error = serde_json::json!({ "message": message, "location": location.to_string() });
        let name = slot_name(info, slot);
        let kind = if slot.item.is_some() {
            StepKind::Action
        } else {
            info.kind
        };
        let record = self.step_record(
            slot,
            name,
            kind,
            StepStatus::Failed,
            input,
            None,
            Some(error),
        );
        self.journal_step(record);
        tracing::warn!(run = %self.run_id, step = info.name, at = %location, error = %message, "step failed");
        Stop::failed(message, location)
    }

    /// An action step: evaluates `f` to the op's params (`Ok(None)`: its condition is false and
    /// the step is skipped), journals them, and calls the connector with retries. A resumed run
    /// reuses the journaled result, or re-sends the journaled params.
    pub async fn action<O: Op, F>(&mut self, step: usize, f: F) -> Result<Option<O::Output>, Stop>
    where
        F: FnOnce(&Scope<'_>) -> Result<Option<O::Params>, StepError> + Send,
    {
        match self.call_step::<O, F>(StepSlot::step(step), f).await {
            CallOutcome::Done(output) => Ok(Some(output)),
            CallOutcome::Skipped => Ok(None),
            CallOutcome::Failed(stop) => Err(stop),
        }
    }

    /// A forEach step: evaluates and journals its list (a resumed run reuses the journaled list).
    pub async fn for_each<F>(&mut self, step: usize, f: F) -> Result<Vec<Value>, Stop>
    where
        F: FnOnce(&Scope<'_>) -> Result<Vec<Value>, StepError> + Send,
    {
        let info = self.step_info(step);
        let slot = StepSlot::step(step);
        if let Some(done) = self.finished(slot)
            && let Some(Json::Array(items)) = &done.output
        {
            let items = self.engine.redactor.restore(&Json::Array(items.clone()));
            let items = items
                .as_array()
                .map(|a| a.iter().map(Value::from_json).collect())
                .unwrap_or_default();
            return Ok(items);
        }
        let started = Instant::now();
        let evaluated = f(&self.scope());
        self.observe_step(info, started);
        match evaluated {
            Ok(items) => {
                let json = Json::Array(items.iter().map(Value::to_json).collect());
                let record = self.step_record(
                    slot,
                    info.name.to_string(),
                    info.kind,
                    StepStatus::Done,
                    None,
                    Some(json),
                    None,
                );
                self.journal_step(record);
                Ok(items)
            }
            Err(e) => Err(self.fail_step(slot, info, None, e.message, e.location)),
        }
    }

    /// One action of one forEach item (`entry` is its index in the `actions` list). Its failure
    /// is journaled and does not stop the other items: generated code goes on to the next item.
    pub async fn item_action<O: Op, F>(
        &mut self,
        step: usize,
        item: usize,
        entry: usize,
        f: F,
    ) -> Result<Option<O::Output>, ItemFailed>
    where
        F: FnOnce(&Scope<'_>) -> Result<Option<O::Params>, StepError> + Send,
    {
        if let Some(reason) = &self.interrupted {
            return Err(ItemFailed {
                message: format!("interrupted: {reason}"),
            });
        }
        let outcome = self
            .call_step::<O, F>(StepSlot::item(step, item, entry), f)
            .await;
        self.item_outcome(outcome)
    }

    /// An item action's outcome as generated code sees it; a failure is counted (or, when the
    /// process is stopping, remembered: the other items are not started).
    fn item_outcome<T>(&mut self, outcome: CallOutcome<T>) -> Result<Option<T>, ItemFailed> {
        match outcome {
            CallOutcome::Done(output) => Ok(Some(output)),
            CallOutcome::Skipped => Ok(None),
            CallOutcome::Failed(stop) => {
                if let StopReason::Interrupted { reason } = &stop.reason {
                    self.interrupted = Some(reason.clone());
                } else {
                    self.items_failed += 1;
                }
                Err(ItemFailed {
                    message: stop.to_string(),
                })
            }
        }
    }

    /// Whether every one of these ops (`connector`, `op`) has its calls gathered into the API's
    /// bulk form ([`Connector::gathers`](crate::connector::Connector::gathers)): a forEach whose
    /// entries are all such ops runs entry by entry, each entry's calls made together
    /// ([`RunContext::item_actions`]); otherwise item by item.
    pub fn gathers(&self, ops: &[(&str, &str)]) -> bool {
        !ops.is_empty()
            && ops.iter().all(|(connector, op)| {
                self.engine
                    .connectors
                    .get(*connector)
                    .is_some_and(|c| c.gathers(op))
            })
    }

    /// Ends a forEach step. The run goes on; it ends `partial` if some items failed.
    pub fn end_for_each(&mut self, step: usize) -> Result<(), Stop> {
        let _ = step;
        match &self.interrupted {
            Some(reason) => Err(Stop::interrupted(reason.clone())),
            None => Ok(()),
        }
    }

    fn observe_step(&self, info: StepInfo, started: Instant) {
        metrics::histogram!("handled_step_seconds", "workflow" => self.workflow.name, "kind" => kind_name(info.kind))
            .record(started.elapsed().as_secs_f64());
    }
}

/// The name an error class is printed with.
pub(crate) fn class_name(class: crate::connector::ErrorClass) -> &'static str {
    use crate::connector::ErrorClass;
    match class {
        ErrorClass::Retryable => "retryable",
        ErrorClass::Throttled => "throttled",
        ErrorClass::Permanent => "permanent",
        ErrorClass::Auth => "auth",
    }
}

/// The name a step kind is printed with.
pub(crate) fn kind_name(kind: StepKind) -> &'static str {
    match kind {
        StepKind::Transform => "transform",
        StepKind::Action => "action",
        StepKind::ForEach => "forEach",
    }
}

/// A journal entry's name: the step's, or for a forEach item's action
/// `forEach[item].slack.sendMessage`.
fn slot_name(info: StepInfo, slot: StepSlot) -> String {
    match (slot.item, slot.entry) {
        (Some(item), Some(entry)) => {
            let op = info.item_ops.get(entry).copied().unwrap_or("action");
            format!("{}[{item}].{op}", info.name)
        }
        _ => info.name.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use handled_js::JsErrorKind;

    const STEP: Location = Location {
        file: "a.hs",
        line: 3,
        column: 5,
    };

    #[test]
    fn js_errors_point_at_the_expression_when_known() {
        let e = JsError {
            kind: JsErrorKind::TypeError,
            message: "boom".into(),
            line: 7,
            column: 12,
        };
        let s = StepError::js(e, STEP);
        assert_eq!(s.message(), "TypeError: boom");
        assert_eq!(s.location().to_string(), "a.hs:7:12");
        let unknown = JsError {
            kind: JsErrorKind::RangeError,
            message: "bad".into(),
            line: 0,
            column: 0,
        };
        assert_eq!(StepError::js(unknown, STEP).location(), STEP);
    }
}
