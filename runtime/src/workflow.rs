//! What generated code hands the runtime: one [`Workflow`] per `workflow` block, with its
//! trigger, its steps' names and source positions, and the async function that runs it.

use crate::connector::{BoxFuture, Env, TriggerConfig};
use crate::context::{RunContext, Stop};
use handled_js::{JsError, Value};

/// Where in the `.hs` source something was written.
#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Serialize)]
pub struct Location {
    /// The `.hs` file, as given to hs2rs.
    pub file: &'static str,
    /// 1-based line.
    pub line: u32,
    /// 1-based column (in characters).
    pub column: u32,
}

impl std::fmt::Display for Location {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}:{}:{}", self.file, self.line, self.column)
    }
}

/// The kinds of step.
#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "camelCase")]
pub enum StepKind {
    /// `transform name { … }`.
    Transform,
    /// `action connector.op { … }`.
    Action,
    /// `forEach: … actions: [ … ]`.
    ForEach,
}

/// A step as written: its name, kind and place in the source.
#[derive(Clone, Copy, Debug, serde::Serialize)]
pub struct StepInfo {
    /// The transform's name, the action's alias, or `action.connector.op`; `forEach` steps are
    /// named `forEach` (with a 1-based number when a workflow has several: `forEach#2`).
    pub name: &'static str,
    /// Its kind.
    pub kind: StepKind,
    /// The op (`shopify.updateInventory`) of an action; for a forEach, empty.
    pub op: &'static str,
    /// For a forEach: the ops of its item actions, in order.
    pub item_ops: &'static [&'static str],
    /// Where the step starts.
    pub location: Location,
    /// The `retry` and `timeout` options of its calls: for an action one entry, for a forEach
    /// one per item action (aligned with `item_ops`), for a transform none.
    pub calls: &'static [CallOptions],
}

/// An action's `retry: { attempts, backoff }` and `timeout` options (LANGUAGE.md §6); what is
/// not given falls back to the program's retry policy and the connector's own timeouts.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "camelCase")]
pub struct CallOptions {
    /// Attempts in all, the first included (`retry.attempts`).
    pub attempts: Option<u32>,
    /// The backoff ceiling before the first retry, in ms (`retry.backoff`); it doubles for each
    /// retry, up to 16 times itself.
    pub backoff_ms: Option<u64>,
    /// How long one attempt may take, in ms (`timeout`); an attempt that takes longer counts as
    /// a transient failure and is retried.
    pub timeout_ms: Option<u64>,
}

impl CallOptions {
    /// No options: the program's defaults.
    pub const DEFAULT: CallOptions = CallOptions {
        attempts: None,
        backoff_ms: None,
        timeout_ms: None,
    };

    /// The retry policy for these options, starting from the program's.
    pub fn policy(&self, base: crate::retry::RetryPolicy) -> crate::retry::RetryPolicy {
        let mut policy = base;
        if let Some(attempts) = self.attempts {
            policy.attempts = attempts.max(1);
        }
        if let Some(ms) = self.backoff_ms {
            policy.base = std::time::Duration::from_millis(ms);
            policy.cap = std::time::Duration::from_millis(ms.saturating_mul(16));
        }
        policy
    }
}

/// Evaluates a trigger's configuration fields (they may read `env`).
pub type TriggerFn = fn(&Env) -> Result<TriggerConfig, JsError>;

/// Computes a run's ordering key from its payload (the trigger's `key` option).
pub type KeyFn = fn(&Value) -> Result<Value, JsError>;

/// Runs a workflow's steps in order on a run context.
pub type RunFn = for<'a> fn(&'a mut RunContext) -> BoxFuture<'a, Result<(), Stop>>;

/// One workflow of a compiled program.
#[derive(Clone, Copy)]
pub struct Workflow {
    /// Its name (`MultiChannelInventoryDistribution`).
    pub name: &'static str,
    /// The `.hs` file it came from.
    pub file: &'static str,
    /// Where the `workflow` keyword is.
    pub location: Location,
    /// The trigger's connector and event (`wms`, `inventoryChanged`).
    pub trigger_connector: &'static str,
    /// The trigger's event.
    pub trigger_event: &'static str,
    /// Evaluates the trigger's configuration.
    pub trigger: TriggerFn,
    /// The `key` option, if given; otherwise the catalog's natural key is used.
    pub key: Option<KeyFn>,
    /// The catalog's natural key of the trigger's payload (dotted path), if any.
    pub natural_key: Option<&'static str>,
    /// The steps, in order; [`RunContext`] calls name them by index.
    pub steps: &'static [StepInfo],
    /// The connectors its actions call.
    pub connectors: &'static [&'static str],
    /// The `env` variables it reads.
    pub env_vars: &'static [&'static str],
    /// Runs the steps.
    pub run: RunFn,
}

impl std::fmt::Debug for Workflow {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Workflow")
            .field("name", &self.name)
            .field("steps", &self.steps)
            .finish()
    }
}
