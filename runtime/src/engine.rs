//! The engine: what a process shares between its runs (store, connectors, environment, clock,
//! retry schedule, redaction), and how one run is executed from the queue to its final status.

use std::collections::HashMap;
use std::sync::Arc;

use futures::FutureExt;
use handled_js::Value;
use tokio::sync::watch;
use tracing::Instrument;

use crate::clock::{Clock, iso_ms};
use crate::connector::{Connector, Env, Json, TriggerConfig};
use crate::context::{RunContext, StopReason, kind_name};
use crate::redact::Redactor;
use crate::retry::RetryPolicy;
use crate::store::{CallStatus, RunEnd, RunRecord, RunStatus, StepStatus, Store, StoreResult};
use crate::workflow::Workflow;

/// What every run of a process shares.
pub struct Engine {
    /// Where runs, events and the journal live.
    pub(crate) store: Arc<dyn Store>,
    /// The live connectors, by name.
    pub(crate) connectors: HashMap<String, Arc<dyn Connector>>,
    /// The environment, read once at start (with sandbox defaults applied).
    pub(crate) env: Env,
    /// The clock.
    pub(crate) clock: Arc<dyn Clock>,
    /// How calls are retried.
    pub(crate) retry: RetryPolicy,
    /// Hides secrets.
    pub(crate) redactor: Redactor,
    /// The program's workflows.
    pub(crate) workflows: Vec<Workflow>,
    /// Each workflow's evaluated trigger configuration.
    pub(crate) triggers: HashMap<String, TriggerConfig>,
    /// Becomes true when the process is asked to stop.
    pub(crate) shutdown: watch::Receiver<bool>,
    /// How often an idle worker looks at the queue when nothing woke it.
    pub(crate) poll: std::time::Duration,
}

impl std::fmt::Debug for Engine {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Engine")
            .field("workflows", &self.workflows.len())
            .finish()
    }
}

impl Engine {
    /// The workflow with this name.
    pub(crate) fn workflow(&self, name: &str) -> Option<Workflow> {
        self.workflows.iter().find(|w| w.name == name).copied()
    }

    /// Executes a claimed run to its end (or until the process stops) and records its status.
    pub(crate) async fn execute(self: &Arc<Self>, run: RunRecord) -> StoreResult<RunStatus> {
        Ok(self.execute_then(run, false).await?.0)
    }

    /// Executes a claimed run as [`Engine::execute`] does, and takes the next runnable run in
    /// the same store transaction as its final status.
    pub(crate) async fn execute_and_claim(
        self: &Arc<Self>,
        run: RunRecord,
    ) -> StoreResult<(RunStatus, Option<RunRecord>)> {
        self.execute_then(run, true).await
    }

    async fn execute_then(
        self: &Arc<Self>,
        run: RunRecord,
        claim_next: bool,
    ) -> StoreResult<(RunStatus, Option<RunRecord>)> {
        let (workflow, end) = self.run_to_end(run).await?;
        let (run_id, status) = (end.run_id.clone(), end.status);
        let next = if claim_next {
            self.store.end_run_and_claim(end).await?
        } else {
            self.store.end_run(end).await?;
            None
        };
        if !workflow.is_empty() {
            metrics::counter!("handled_runs_total", "workflow" => workflow, "status" => status.as_str()).increment(1);
            tracing::info!(run = %run_id, workflow, status = status.as_str(), "run ended");
        }
        Ok((status, next))
    }

    /// Runs a claimed run's steps; returns its workflow's name (empty when the program has no
    /// such workflow) and what is left to record.
    async fn run_to_end(
        self: &Arc<Self>,
        mut run: RunRecord,
    ) -> StoreResult<(&'static str, RunEnd)> {
        let Some(workflow) = self.workflow(&run.workflow) else {
            let error = serde_json::json!({ "message": format!("no workflow named `{}` in this program", run.workflow) });
            return Ok((
                "",
                RunEnd {
                    run_id: run.id,
                    status: RunStatus::Failed,
                    error: Some(error),
                    at_ms: self.clock.now_ms(),
                    journal: Vec::new(),
                },
            ));
        };
        // A first start has no journal to read.
        let (steps, calls) = if run.attempt > 1 {
            (
                self.store.steps(&run.id).await?,
                self.store.calls(&run.id).await?,
            )
        } else {
            (Vec::new(), Vec::new())
        };
        let span = tracing::info_span!("run", run = %run.id, workflow = workflow.name);
        tracing::info!(run = %run.id, workflow = workflow.name, attempt = run.attempt, "run started");
        // The context holds the payload as the workflow reads it; the stored form is not kept
        // for the run's whole life (thousands of runs wait for slow channels at once).
        let payload = std::mem::take(&mut run.payload);
        let mut ctx = RunContext::new(
            Arc::clone(self),
            workflow,
            &run,
            Value::from_json(&self.redactor.restore(&payload)),
            steps,
            calls,
        );
        drop(payload);
        let outcome = std::panic::AssertUnwindSafe((workflow.run)(&mut ctx).instrument(span))
            .catch_unwind()
            .await;
        let result = match outcome {
            Ok(result) => result,
            Err(panic) => {
                let message = panic
                    .downcast_ref::<&str>()
                    .map(|s| s.to_string())
                    .or_else(|| panic.downcast_ref::<String>().cloned())
                    .unwrap_or_else(|| "unknown panic".to_string());
                tracing::error!(run = %run.id, workflow = workflow.name, panic = %self.redactor.text(&message), "the workflow panicked");
                Err(crate::context::Stop {
                    reason: StopReason::Failed {
                        message: format!("internal error: the workflow panicked: {message}"),
                        location: workflow.location,
                    },
                })
            }
        };
        let (status, error) = match result {
            Ok(()) if ctx.items_failed > 0 => (RunStatus::Partial, None),
            Ok(()) if ctx.actions_done == 0 && ctx.actions_skipped > 0 => (
                RunStatus::Skipped,
                Some(serde_json::json!({ "message": "every action was skipped" })),
            ),
            Ok(()) => (RunStatus::Completed, None),
            Err(stop) => match stop.reason {
                StopReason::Skipped { rules } => (
                    RunStatus::Skipped,
                    Some(serde_json::json!({ "rules": rules })),
                ),
                StopReason::Failed { message, location } => (
                    RunStatus::Failed,
                    Some(
                        serde_json::json!({ "message": message, "location": location.to_string() }),
                    ),
                ),
                StopReason::Interrupted { reason } => {
                    tracing::warn!(run = %run.id, reason = %reason, "run interrupted; it will resume");
                    (RunStatus::Queued, None)
                }
            },
        };
        let error = error.map(|e| self.redactor.json(&e).0);
        Ok((
            workflow.name,
            RunEnd {
                journal: ctx.take_pending(),
                run_id: run.id,
                status,
                error,
                at_ms: self.clock.now_ms(),
            },
        ))
    }

    /// The ordering key of a payload: the trigger's `key` option, else the natural key path.
    pub(crate) fn key_of(&self, workflow: &Workflow, payload: &Json) -> Option<String> {
        if let Some(key_fn) = workflow.key {
            return match key_fn(&Value::from_json(payload)) {
                Ok(v) => key_text(&v.to_json()),
                Err(e) => {
                    tracing::warn!(workflow = workflow.name, error = %e.message, "the trigger's key expression failed; the run has no key");
                    None
                }
            };
        }
        let path = workflow.natural_key?;
        let mut at = payload;
        for part in path.split('.') {
            at = at.get(part)?;
        }
        key_text(at)
    }
}

fn key_text(v: &Json) -> Option<String> {
    match v {
        Json::Null => None,
        Json::String(s) => Some(s.clone()),
        Json::Number(n) => Some(n.to_string()),
        other => Some(other.to_string()),
    }
}

/// A run as JSON, step by step: what `exec` prints and `show` shows.
pub(crate) async fn report(engine: &Engine, run: &RunRecord) -> StoreResult<Json> {
    let steps = engine.store.steps(&run.id).await?;
    let calls = engine.store.calls(&run.id).await?;
    let mut out = serde_json::Map::new();
    out.insert("runId".into(), Json::String(run.id.clone()));
    out.insert("workflow".into(), Json::String(run.workflow.clone()));
    out.insert(
        "status".into(),
        Json::String(run.status.as_str().to_string()),
    );
    out.insert("attempt".into(), Json::from(run.attempt));
    if let Some(key) = &run.key {
        out.insert("key".into(), Json::String(key.clone()));
    }
    if let Some(at) = run.started_at_ms {
        out.insert("startedAt".into(), Json::String(iso_ms(at)));
    }
    if let Some(at) = run.finished_at_ms {
        out.insert("finishedAt".into(), Json::String(iso_ms(at)));
    }
    if let Some(error) = &run.error {
        if run.status == RunStatus::Skipped {
            out.insert("skipped".into(), error.clone());
        } else {
            out.insert("error".into(), error.clone());
        }
    }
    let workflow = engine.workflow(&run.workflow);
    let mut step_list = Vec::new();
    for step in &steps {
        let mut s = serde_json::Map::new();
        s.insert("name".into(), Json::String(step.name.clone()));
        let kind = workflow
            .and_then(|w| w.steps.get(step.slot.step))
            .filter(|_| step.slot.item.is_none())
            .map_or(step.kind.as_str(), |info| kind_name(info.kind));
        s.insert("kind".into(), Json::String(kind.to_string()));
        s.insert("step".into(), Json::from(step.slot.step));
        if let (Some(item), Some(entry)) = (step.slot.item, step.slot.entry) {
            s.insert("item".into(), Json::from(item));
            s.insert("entry".into(), Json::from(entry));
        }
        let status = match step.status {
            StepStatus::Done => "done",
            StepStatus::Skipped => "skipped",
            StepStatus::Failed => "failed",
        };
        s.insert("status".into(), Json::String(status.to_string()));
        if let Some(input) = &step.input {
            s.insert("input".into(), input.clone());
        }
        match (&step.output, &step.error) {
            (_, Some(error)) => {
                s.insert("error".into(), error.clone());
            }
            (Some(output), None) => {
                s.insert("output".into(), output.clone());
            }
            (None, None) => {}
        }
        step_list.push(Json::Object(s));
    }
    out.insert("steps".into(), Json::Array(step_list));
    let mut call_list = Vec::new();
    for call in &calls {
        let mut c = serde_json::Map::new();
        c.insert("op".into(), Json::String(call.op.clone()));
        c.insert("step".into(), Json::from(call.slot.step));
        if let (Some(item), Some(entry)) = (call.slot.item, call.slot.entry) {
            c.insert("item".into(), Json::from(item));
            c.insert("entry".into(), Json::from(entry));
        }
        c.insert(
            "idempotencyKey".into(),
            Json::String(call.idempotency_key.clone()),
        );
        c.insert("params".into(), call.params.clone());
        match call.status {
            CallStatus::Ok => {
                c.insert("result".into(), call.result.clone().unwrap_or(Json::Null));
            }
            CallStatus::Failed => {
                c.insert("error".into(), call.error.clone().unwrap_or(Json::Null));
            }
            CallStatus::Intent => {
                c.insert("pending".into(), Json::Bool(true));
            }
        }
        c.insert("attempts".into(), Json::from(call.attempts));
        call_list.push(Json::Object(c));
    }
    out.insert("calls".into(), Json::Array(call_list));
    Ok(engine.redactor.display(&Json::Object(out)))
}
