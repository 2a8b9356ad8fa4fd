//! A compiled program's workflows and connectors ([`App`]), and a started process
//! ([`Runtime`]): environment checked, connectors built (real, sandboxed or against a sandbox
//! server), store opened. Everything the command line does goes through a [`Runtime`], and so
//! can tests.

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::sync::Arc;

use tokio::sync::watch;

use crate::clock::{Clock, SystemClock, iso_ms};
use crate::connector::{Connector, ConnectorFactory, Env, Json, Sandboxed, TriggerConfig};
use crate::engine::{Engine, report};
use crate::redact::Redactor;
use crate::retry::RetryPolicy;
use crate::store::{EventOutcome, NewEvent, RunRecord, RunStatus, Store, StoreError};
use crate::types::Tick;
use crate::workflow::Workflow;

/// The triggers the runtime itself serves (no connector crate behind them).
pub(crate) const BUILTIN_TRIGGERS: &[&str] = &["webhook", "schedule"];

/// A compiled program: its workflows and the connector factories they need.
#[derive(Default)]
pub struct App {
    workflows: Vec<Workflow>,
    connectors: Vec<Arc<dyn ConnectorFactory>>,
}

impl std::fmt::Debug for App {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let names: Vec<&str> = self.connectors.iter().map(|c| c.name()).collect();
        f.debug_struct("App")
            .field("workflows", &self.workflows)
            .field("connectors", &names)
            .finish()
    }
}

impl App {
    /// An empty program.
    pub fn new() -> Self {
        App::default()
    }

    /// Adds a workflow (a later one with the same name replaces the earlier).
    pub fn add_workflow(&mut self, workflow: Workflow) {
        self.workflows.retain(|w| w.name != workflow.name);
        self.workflows.push(workflow);
    }

    /// Adds a connector factory; a second one with the same name is ignored, so that each
    /// workflow's `register` may add the connectors it uses.
    pub fn add_connector(&mut self, factory: Box<dyn ConnectorFactory>) {
        if self.connectors.iter().any(|c| c.name() == factory.name()) {
            return;
        }
        self.connectors.push(Arc::from(factory));
    }

    /// The workflows, in the order added.
    pub fn workflows(&self) -> &[Workflow] {
        &self.workflows
    }

    /// The names of the registered connectors.
    pub fn connector_names(&self) -> Vec<&'static str> {
        self.connectors.iter().map(|c| c.name()).collect()
    }

    /// Starts a process: checks the environment, evaluates the triggers, builds the connectors
    /// and opens the store.
    pub async fn start(&self, options: Options) -> Result<Runtime, StartError> {
        let selected: Vec<Workflow> = match &options.only {
            Some(names) => {
                let mut out = Vec::new();
                for name in names {
                    match self.workflows.iter().find(|w| w.name == name) {
                        Some(w) => out.push(*w),
                        None => {
                            return Err(StartError::Usage(unknown_workflow(name, &self.workflows)));
                        }
                    }
                }
                out
            }
            None => self.workflows.clone(),
        };
        let mut env = options.env.clone();
        let sandboxed = options.sandbox || options.sandbox_url.is_some();
        if options.inspect_only {
            return self.start_for_inspection(&options, selected, env).await;
        }
        if sandboxed {
            apply_sandbox_env(&mut env, &selected, options.fixture.as_ref());
        }

        // Every problem with the environment, named at once.
        let mut missing = BTreeSet::new();
        for w in &selected {
            for var in w.env_vars {
                if env.get(var).is_none() {
                    missing.insert(format!("{var} (read by workflow {})", w.name));
                }
            }
        }
        let needed: BTreeSet<&str> = selected
            .iter()
            .flat_map(|w| {
                w.connectors
                    .iter()
                    .copied()
                    .chain(std::iter::once(w.trigger_connector))
            })
            .filter(|c| !BUILTIN_TRIGGERS.contains(c))
            .collect();
        let mut connectors: HashMap<String, Arc<dyn Connector>> = HashMap::new();
        let mut sandboxes = BTreeMap::new();
        let mut problems = Vec::new();
        for name in &needed {
            let Some(factory) = self.connectors.iter().find(|f| f.name() == *name) else {
                // A trigger connector with no crate registered accepts plain JSON; an action's
                // connector missing is a program error.
                if selected.iter().any(|w| w.connectors.contains(name)) {
                    problems.push(format!(
                        "the connector `{name}` is used but not registered in this program"
                    ));
                }
                continue;
            };
            if let Some(url) = &options.sandbox_url {
                // The server's emulators were seeded from the same fixture: their credentials.
                let entry = options
                    .fixture
                    .as_ref()
                    .and_then(|f| fixture_entry(f, name));
                for (var, value) in factory.sandbox_credentials(entry.as_ref()) {
                    if env.get(var).is_none() {
                        env.set(var, value);
                    }
                }
                match factory.sandbox_url(url, &env) {
                    Ok(c) => {
                        connectors.insert((*name).to_string(), c);
                    }
                    Err(e) => problems.push(format!("{name}: {e}")),
                }
            } else if options.sandbox {
                let entry = options
                    .fixture
                    .as_ref()
                    .and_then(|f| fixture_entry(f, name));
                match factory.sandbox(entry, &env).await {
                    Ok(s) => {
                        connectors.insert((*name).to_string(), Arc::clone(&s.connector));
                        sandboxes.insert((*name).to_string(), s);
                    }
                    Err(e) => problems.push(format!("{name} sandbox: {e}")),
                }
            } else {
                match factory.from_env(&env) {
                    Ok(c) => {
                        connectors.insert((*name).to_string(), c);
                    }
                    Err(vars) => missing.extend(
                        vars.into_iter()
                            .map(|v| format!("{v} (needed by connector {name})")),
                    ),
                }
            }
        }
        if !missing.is_empty() {
            return Err(StartError::Config(format!(
                "missing environment variables: {}",
                missing.into_iter().collect::<Vec<_>>().join(", ")
            )));
        }
        if !problems.is_empty() {
            return Err(StartError::Config(problems.join("; ")));
        }

        let mut triggers = HashMap::new();
        for w in &selected {
            match (w.trigger)(&env) {
                Ok(config) => {
                    if let Some(text) = config.string("coalesce")
                        && let Err(e) = handled_contract::duration::parse_ms(text)
                    {
                        return Err(StartError::Config(format!(
                            "the trigger of workflow {} ({}): coalesce: {e}",
                            w.name, w.location
                        )));
                    }
                    triggers.insert(w.name.to_string(), config);
                }
                Err(e) => {
                    return Err(StartError::Config(format!(
                        "the trigger of workflow {} ({}) cannot be evaluated: {}",
                        w.name, w.location, e.message
                    )));
                }
            }
        }

        let connectors = connectors
            .into_iter()
            .map(|(name, c)| (name, crate::bulk::Coalesced::wrap(c, options.bulk)))
            .collect();
        let store = open_store(&options.store, &env).await?;
        let (shutdown_tx, shutdown) = watch::channel(false);
        let retry = options.retry.unwrap_or_else(|| RetryPolicy::from_env(&env));
        let redactor = Redactor::new(&env);
        let engine = Arc::new(Engine {
            store,
            connectors,
            env,
            clock: options
                .clock
                .clone()
                .unwrap_or_else(|| Arc::new(SystemClock)),
            retry,
            redactor,
            workflows: selected,
            triggers,
            shutdown,
            poll: options.poll,
        });
        Ok(Runtime {
            engine,
            sandboxes: Arc::new(sandboxes),
            shutdown_tx: Arc::new(shutdown_tx),
        })
    }
}

impl App {
    /// A process that only reads the store (`runs`, `show`): no environment check, no
    /// connectors, no triggers.
    async fn start_for_inspection(
        &self,
        options: &Options,
        selected: Vec<Workflow>,
        env: Env,
    ) -> Result<Runtime, StartError> {
        let store = open_store(&options.store, &env).await?;
        let (shutdown_tx, shutdown) = watch::channel(false);
        let engine = Arc::new(Engine {
            store,
            connectors: HashMap::new(),
            redactor: Redactor::new(&env),
            env,
            clock: options
                .clock
                .clone()
                .unwrap_or_else(|| Arc::new(SystemClock)),
            retry: RetryPolicy::default(),
            workflows: selected,
            triggers: HashMap::new(),
            shutdown,
            poll: options.poll,
        });
        Ok(Runtime {
            engine,
            sandboxes: Arc::new(BTreeMap::new()),
            shutdown_tx: Arc::new(shutdown_tx),
        })
    }
}

async fn open_store(choice: &StoreChoice, env: &Env) -> Result<Arc<dyn Store>, StartError> {
    Ok(match choice {
        StoreChoice::Spec(spec) => crate::store::open_any(spec, env)
            .await
            .map_err(|e| StartError::Config(e.to_string()))?,
        StoreChoice::Given(store) => Arc::clone(store),
    })
}

fn unknown_workflow(name: &str, workflows: &[Workflow]) -> String {
    let names: Vec<&str> = workflows.iter().map(|w| w.name).collect();
    format!(
        "no workflow named `{name}`; this program has: {}",
        names.join(", ")
    )
}

/// A channel's entry in a fixture file: `fixture.channels.NAME`, or `fixture.NAME`.
fn fixture_entry(fixture: &Json, name: &str) -> Option<Json> {
    fixture
        .get("channels")
        .and_then(|c| c.get(name))
        .or_else(|| fixture.get(name))
        .cloned()
}

/// In sandbox mode, variables that the fixture's `"env"` object sets take their value from it;
/// variables the workflows read that are still unset get a placeholder: `/hooks/<workflow>` for
/// a name ending in `_ENDPOINT` (a webhook path this program serves), else `sandbox-<NAME>`.
pub fn apply_sandbox_env(env: &mut Env, workflows: &[Workflow], fixture: Option<&Json>) {
    if let Some(Json::Object(vars)) = fixture.and_then(|f| f.get("env")) {
        for (name, value) in vars {
            let value = match value {
                Json::String(s) => s.clone(),
                other => other.to_string(),
            };
            env.set(name.clone(), value);
        }
    }
    for w in workflows {
        for var in w.env_vars {
            if env.get(var).is_none() {
                let value = if var.ends_with("_ENDPOINT") {
                    format!("/hooks/{}", w.name)
                } else {
                    format!("sandbox-{var}")
                };
                env.set(*var, value);
            }
        }
    }
}

/// Where the store is.
#[derive(Clone)]
pub enum StoreChoice {
    /// A `--store` value: `PATH`, `sqlite:PATH`, `:memory:` or `postgres://…`.
    Spec(String),
    /// A store already open (tests).
    Given(Arc<dyn Store>),
}

impl std::fmt::Debug for StoreChoice {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            StoreChoice::Spec(s) => write!(f, "Spec({s})"),
            StoreChoice::Given(_) => f.write_str("Given"),
        }
    }
}

/// How to start a process.
#[derive(Clone, Debug)]
pub struct Options {
    /// The store.
    pub store: StoreChoice,
    /// Connectors talk to in-process emulators.
    pub sandbox: bool,
    /// The fixture seeding the emulators (and `env`).
    pub fixture: Option<Json>,
    /// Connectors talk to a standalone emulator server.
    pub sandbox_url: Option<String>,
    /// The environment.
    pub env: Env,
    /// Only these workflows (all when `None`).
    pub only: Option<Vec<String>>,
    /// The clock (the system clock when `None`).
    pub clock: Option<Arc<dyn Clock>>,
    /// The retry schedule (from the environment when `None`).
    pub retry: Option<RetryPolicy>,
    /// Only read the store (`runs`, `show`): skip the environment check, the connectors and
    /// the triggers.
    pub inspect_only: bool,
    /// How often an idle worker looks at the queue when nothing woke it (a new event, an
    /// ended run, an echo and PostgreSQL's `NOTIFY` wake workers; this is the fallback, and
    /// what starts a run whose coalescing window or echo wait is over).
    pub poll: std::time::Duration,
    /// How calls are gathered into bulk requests.
    pub bulk: crate::bulk::BulkSettings,
}

impl Options {
    /// Options for a store at `spec` and this environment; everything else default.
    pub fn new(store: StoreChoice, env: Env) -> Self {
        Options {
            store,
            sandbox: false,
            fixture: None,
            sandbox_url: None,
            env,
            only: None,
            clock: None,
            retry: None,
            inspect_only: false,
            poll: std::time::Duration::from_millis(500),
            bulk: crate::bulk::BulkSettings::default(),
        }
    }
}

/// Why a process could not start.
#[derive(Clone, Debug, thiserror::Error)]
pub enum StartError {
    /// The command line names something that does not exist.
    #[error("{0}")]
    Usage(String),
    /// The environment or configuration is incomplete or wrong.
    #[error("{0}")]
    Config(String),
}

/// Why a foreground command failed.
#[derive(Debug, thiserror::Error)]
pub enum RuntimeError {
    /// The store failed.
    #[error(transparent)]
    Store(#[from] StoreError),
    /// The request names something that does not exist or cannot be done.
    #[error("{0}")]
    Usage(String),
    /// A connector could not complete the payload for now (the API unreachable, throttled).
    #[error("{0}")]
    Trigger(String),
    /// A connector found that the payload can never be completed (Shopify: no such inventory
    /// item): the event is recorded as refused, and the sender is not asked to send it again.
    #[error("{0}")]
    Refused(String),
}

/// A started process.
#[derive(Clone)]
pub struct Runtime {
    pub(crate) engine: Arc<Engine>,
    sandboxes: Arc<BTreeMap<String, Sandboxed>>,
    pub(crate) shutdown_tx: Arc<watch::Sender<bool>>,
}

impl std::fmt::Debug for Runtime {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Runtime")
            .field("engine", &self.engine)
            .finish()
    }
}

/// What `exec` produced: the run's report and its status.
#[derive(Clone, Debug)]
pub struct ExecOutcome {
    /// The run as JSON (what `exec` prints).
    pub report: Json,
    /// Its final status.
    pub status: RunStatus,
}

impl Runtime {
    /// The store.
    pub fn store(&self) -> Arc<dyn Store> {
        Arc::clone(&self.engine.store)
    }

    /// The environment (with sandbox defaults).
    pub fn env(&self) -> &Env {
        &self.engine.env
    }

    /// A workflow's evaluated trigger configuration.
    pub fn trigger(&self, workflow: &str) -> Option<&TriggerConfig> {
        self.engine.triggers.get(workflow)
    }

    /// Each emulated channel's state (sandbox mode), by connector name.
    pub fn sandbox_state(&self) -> Json {
        Json::Object(
            self.sandboxes
                .iter()
                .map(|(name, s)| (name.clone(), (s.state)()))
                .collect(),
        )
    }

    /// The names of the workflows this process runs.
    pub fn workflow_names(&self) -> Vec<&'static str> {
        self.engine.workflows.iter().map(|w| w.name).collect()
    }

    /// The SKU and quantity a write call of `connector.op` with `params` sets, as the connector
    /// reads them (echo suppression's reading).
    pub fn written_quantity(
        &self,
        connector: &str,
        op: &str,
        params: &Json,
    ) -> Option<(String, i64)> {
        self.engine
            .connectors
            .get(connector)?
            .written_quantity(op, params)
    }

    /// JSON for people: secrets and journal markers shown as `[redacted]`.
    pub fn redact_for_display(&self, value: &Json) -> Json {
        self.engine.redactor.display(value)
    }

    /// Asks the process to stop: workers finish their runs, retries waiting for their backoff
    /// give up, and their runs go back to the queue.
    pub fn shutdown(&self) {
        let _ = self.shutdown_tx.send(true);
    }

    /// The payload of a cron workflow's tick at `scheduled_ms`.
    pub(crate) fn tick_payload(&self, scheduled_ms: i64) -> Json {
        let tick = Tick {
            scheduled_at: iso_ms(scheduled_ms),
            fired_at: iso_ms(self.engine.clock.now_ms()),
        };
        serde_json::to_value(tick).unwrap_or(Json::Null)
    }

    /// Completes a payload through its trigger connector (Shopify: SKU lookup).
    pub(crate) async fn enrich(
        &self,
        workflow: &Workflow,
        payload: Json,
    ) -> Result<Json, RuntimeError> {
        let (Some(connector), Some(config)) = (
            self.engine.connectors.get(workflow.trigger_connector),
            self.engine.triggers.get(workflow.name),
        ) else {
            return Ok(payload);
        };
        connector.enrich(config, payload).await.map_err(|e| {
            let message = format!(
                "the trigger could not complete the payload: {}",
                self.engine.redactor.text(&e.message)
            );
            if e.class == handled_contract::ErrorClass::Permanent {
                RuntimeError::Refused(message)
            } else {
                RuntimeError::Trigger(message)
            }
        })
    }

    /// Records a delivery that can never run (its payload cannot be completed): a run of no
    /// key that ends `failed` at once with the reason, so that `runs`, `show` and the admin
    /// endpoints list it, and a redelivery of it is a duplicate.
    pub async fn record_refused(
        &self,
        workflow: &str,
        event_id: String,
        occurred_at_ms: Option<i64>,
        payload: Json,
        reason: &str,
    ) -> Result<EventOutcome, RuntimeError> {
        let Some(w) = self.engine.workflow(workflow) else {
            return Err(RuntimeError::Usage(unknown_workflow(
                workflow,
                &self.engine.workflows,
            )));
        };
        let now = self.engine.clock.now_ms();
        let event = NewEvent {
            workflow: w.name.to_string(),
            event_id,
            key: None,
            occurred_at_ms,
            payload: self.engine.redactor.json(&payload).0,
            received_at_ms: now,
            run_id: uuid::Uuid::now_v7().to_string(),
            echo: None,
            echo_since_ms: now - crate::echo::ECHO_WINDOW_MS,
            start_now: true,
            coalesce_ms: None,
        };
        let outcome = self.engine.store.record_event(event).await?;
        if let EventOutcome::Queued(run_id) = &outcome {
            let error = serde_json::json!({
                "message": format!("refused at the door: {reason}"),
                "refused": true,
            });
            self.engine
                .store
                .finish_run(run_id, RunStatus::Failed, Some(error), now)
                .await?;
            metrics::counter!("handled_events_refused_total", "workflow" => w.name).increment(1);
        }
        Ok(outcome)
    }

    /// Records an event for a workflow (dedupe by `event_id`, stale check, queue). The payload
    /// is stored as given (enrich it first).
    pub async fn record_event(
        &self,
        workflow: &str,
        event_id: String,
        occurred_at_ms: Option<i64>,
        payload: Json,
    ) -> Result<EventOutcome, RuntimeError> {
        self.record(workflow, event_id, occurred_at_ms, payload, false, false)
            .await
    }

    /// Records an event that came from its channel's webhook: as [`Runtime::record_event`],
    /// and dropped as an `echo` when it reports a quantity we just wrote to that channel.
    pub async fn record_delivery(
        &self,
        workflow: &str,
        event_id: String,
        occurred_at_ms: Option<i64>,
        payload: Json,
    ) -> Result<EventOutcome, RuntimeError> {
        self.record(workflow, event_id, occurred_at_ms, payload, true, false)
            .await
    }

    async fn record(
        &self,
        workflow: &str,
        event_id: String,
        occurred_at_ms: Option<i64>,
        payload: Json,
        check_echo: bool,
        start_now: bool,
    ) -> Result<EventOutcome, RuntimeError> {
        let Some(w) = self.engine.workflow(workflow) else {
            return Err(RuntimeError::Usage(unknown_workflow(
                workflow,
                &self.engine.workflows,
            )));
        };
        // What the event reports, as its channel reads it (a warehouse names its SKU field as
        // its profile says).
        let reported = match (
            self.engine.connectors.get(w.trigger_connector),
            self.trigger(w.name),
        ) {
            (Some(connector), Some(config)) => connector.reported_quantity(config, &payload),
            _ => None,
        };
        // The natural key of an inventory event is its SKU: where the catalog's path does not
        // find it in the channel's own body, the SKU the channel reports stands in.
        let key = self.engine.key_of(&w, &payload).or_else(|| {
            let natural = w.key.is_none() && w.natural_key.is_some();
            reported
                .as_ref()
                .filter(|_| natural)
                .map(|(sku, _)| sku.clone())
        });
        let echo = reported
            .filter(|_| check_echo)
            .map(|(sku, quantity)| (w.trigger_connector.to_string(), sku, quantity));
        let now = self.engine.clock.now_ms();
        let event = NewEvent {
            workflow: w.name.to_string(),
            event_id,
            key,
            occurred_at_ms,
            payload: self.engine.redactor.json(&payload).0,
            received_at_ms: now,
            run_id: uuid::Uuid::now_v7().to_string(),
            echo,
            echo_since_ms: now - crate::echo::ECHO_WINDOW_MS,
            start_now,
            coalesce_ms: if start_now {
                None
            } else {
                self.trigger(w.name)
                    .and_then(|c| c.string("coalesce"))
                    .and_then(|text| handled_contract::duration::parse_ms(text).ok())
                    .and_then(|ms| i64::try_from(ms).ok())
                    .filter(|ms| *ms > 0)
            },
        };
        Ok(self.engine.store.record_event(event).await?)
    }

    /// Runs one event (or, for a cron workflow given no payload, one tick) to the end in the
    /// foreground, and reports it (with the emulators' state in sandbox mode).
    pub async fn exec(
        &self,
        workflow: &str,
        payload: Option<Json>,
    ) -> Result<ExecOutcome, RuntimeError> {
        let Some(w) = self.engine.workflow(workflow) else {
            return Err(RuntimeError::Usage(unknown_workflow(
                workflow,
                &self.engine.workflows,
            )));
        };
        let payload = match payload {
            Some(p) if w.trigger_connector == "schedule" => p,
            Some(p) => self.enrich(&w, p).await?,
            None if w.trigger_connector == "schedule" => {
                self.tick_payload(self.engine.clock.now_ms())
            }
            None => {
                return Err(RuntimeError::Usage(format!(
                    "workflow {} is started by {}.{}: give its event with --event FILE",
                    w.name, w.trigger_connector, w.trigger_event
                )));
            }
        };
        let event_id = format!("exec-{}", uuid::Uuid::now_v7());
        let run_id = match self
            .record(w.name, event_id, None, payload, false, true)
            .await?
        {
            EventOutcome::Queued(id) => id,
            other => {
                return Err(RuntimeError::Usage(format!(
                    "the event was not queued: {other:?}"
                )));
            }
        };
        let Some(run) = self.engine.store.run(&run_id).await? else {
            return Err(RuntimeError::Usage(format!("run {run_id} disappeared")));
        };
        self.run_in_foreground(run).await
    }

    /// Runs a run that this process has just started, to its end, and reports it.
    async fn run_in_foreground(&self, run: RunRecord) -> Result<ExecOutcome, RuntimeError> {
        if run.status != RunStatus::Running {
            return Err(RuntimeError::Usage(format!(
                "run {} cannot start now: an earlier run with the same key is queued or running",
                run.id
            )));
        }
        let run_id = run.id.clone();
        let status = self.engine.execute(run).await?;
        let Some(run) = self.engine.store.run(&run_id).await? else {
            return Err(RuntimeError::Usage(format!("run {run_id} disappeared")));
        };
        let mut report = report(&self.engine, &run).await?;
        if !self.sandboxes.is_empty()
            && let Json::Object(map) = &mut report
        {
            map.insert(
                "state".into(),
                self.engine.redactor.display(&self.sandbox_state()),
            );
        }
        Ok(ExecOutcome { report, status })
    }

    /// One run, step by step (what `show` prints).
    pub async fn show(&self, run_id: &str) -> Result<Json, RuntimeError> {
        let Some(run) = self.engine.store.run(run_id).await? else {
            return Err(RuntimeError::Usage(format!("no run {run_id}")));
        };
        Ok(report(&self.engine, &run).await?)
    }

    /// Re-runs an ended run from its first unfinished step, in the foreground.
    pub async fn replay(&self, run_id: &str) -> Result<ExecOutcome, RuntimeError> {
        let Some(run) = self.engine.store.run(run_id).await? else {
            return Err(RuntimeError::Usage(format!("no run {run_id}")));
        };
        if self.engine.workflow(&run.workflow).is_none() {
            return Err(RuntimeError::Usage(unknown_workflow(
                &run.workflow,
                &self.engine.workflows,
            )));
        }
        let now = self.engine.clock.now_ms();
        let Some(run) = self.engine.store.requeue(run_id, Some(now)).await? else {
            return Err(RuntimeError::Usage(format!(
                "run {run_id} is running; it cannot be replayed now"
            )));
        };
        self.run_in_foreground(run).await
    }

    /// Re-runs every dead run, oldest first.
    pub async fn replay_dead(&self) -> Result<Vec<ExecOutcome>, RuntimeError> {
        let mut out = Vec::new();
        for run in self.engine.store.dead_runs().await? {
            if self.engine.workflow(&run.workflow).is_none() {
                continue;
            }
            out.push(self.replay(&run.id).await?);
        }
        Ok(out)
    }

    /// Runs queued runs in the foreground until none is runnable (resuming interrupted ones
    /// first); returns how many ran.
    pub async fn drain(&self) -> Result<usize, RuntimeError> {
        self.engine.store.recover_interrupted().await?;
        let mut count = 0;
        while let Some(run) = self
            .engine
            .store
            .claim_next(self.engine.clock.now_ms())
            .await?
        {
            if *self.engine.shutdown.borrow() {
                self.engine
                    .store
                    .finish_run(&run.id, RunStatus::Queued, None, self.engine.clock.now_ms())
                    .await?;
                break;
            }
            self.engine.execute(run).await?;
            count += 1;
        }
        Ok(count)
    }
}
