//! The engine every compiled HandledScript program links: it runs workflows durably (the
//! journal), serves their webhooks, fires their schedules, retries failed calls, keeps runs of
//! one key in order, and answers the program's command line (RUNTIME.md §5).
//!
//! Generated code names only this crate and the connector crates it calls; the items it uses
//! are [`Workflow`], [`StepInfo`], [`RunContext`], [`Scope`], [`Transformed`], [`StepError`],
//! [`convert`], [`js`] and [`App`].
//!
//! Code map:
//! - [`cli`]: the program's `main` and its commands; [`app`]: [`App`] (what a program
//!   registers) and [`Runtime`] (a started process: environment checked, connectors built,
//!   store open), which every command goes through.
//! - [`context`]: [`RunContext`], the contract with generated code; each step is journaled
//!   when it completes and reused when a run resumes. `engine` (private) runs one claimed run
//!   to its final status and renders run reports.
//! - [`admission`]: the rules that admit an incoming event (dedupe, echo, stale, coalesce).
//! - [`state`]: the lifecycles of a run and of a call, as tables of legal transitions.
//! - [`store`]: the [`Store`] trait (events, runs, journal, calls, dedupe, per-key queue, cron
//!   ticks, echo writes) and its SQLite implementation (one writer thread, batched commits).
//! - [`server`]: webhooks, workers, the cron scheduler, metrics and health; [`webhook`]: hook
//!   paths and `webhook.received` HMACs; [`schedule`]: cron in time zones; [`echo`]: echo
//!   suppression; [`retry`]: backoff; [`redact`]: secrets; [`clock`]: the injectable clock.
//!
//! Invariants: a webhook is answered 2xx only after its event is committed; a step's closure
//! is never called again once its result is journaled; no secret value is written to the
//! store, a log or the output.

pub mod admin;
pub mod admission;
pub mod app;
pub mod bulk;
pub mod cli;
pub use handled_contract::{clock, redact, types};

/// The connector contract (`handled_contract`), as the engine and generated code name it.
pub mod connector {
    pub use handled_contract::webhook::{accept_plain_json, body_hash};
    pub use handled_contract::{
        BoxFuture, CallError, CallInfo, Connector, ConnectorFactory, Env, ErrorClass,
        IncomingEvent, Json, Op, Sandboxed, TriggerConfig, WebhookError, WebhookRequest,
        is_secret_name,
    };
}
pub mod context;
pub mod convert;
pub mod echo;
mod engine;
pub mod retry;
pub mod rt;
pub mod schedule;
pub mod server;
pub mod state;
pub mod store;
pub mod ui;
pub mod webhook;
pub mod workflow;

pub use app::{App, ExecOutcome, Options, Runtime, RuntimeError, StartError, StoreChoice};
pub use cli::main;
pub use clock::{Clock, ManualClock, SystemClock};
pub use connector::{
    BoxFuture, CallError, CallInfo, Connector, ConnectorFactory, Env, ErrorClass, IncomingEvent,
    Json, Op, Sandboxed, TriggerConfig, WebhookError, WebhookRequest,
};
pub use context::{ItemFailed, RunContext, Scope, StepError, Stop, Transformed};
pub use handled_js as js;
pub use handled_js::{JsError, Value};
pub use retry::RetryPolicy;
pub use store::{RunStatus, Store};

/// The memory allocator of compiled programs (their `main.rs` names it `#[global_allocator]`;
/// [`main`] keeps the process off transparent huge pages): see `handled_alloc`.
pub use handled_alloc::Allocator;
pub use workflow::{CallOptions, Location, StepInfo, StepKind, Workflow};

/// Re-exported so that generated code can derive `Serialize`/`Deserialize` with
/// `#[serde(crate = "::handled_runtime::serde")]` without depending on serde itself.
pub use serde;
