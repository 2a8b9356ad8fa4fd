//! What the integration tests share: a fake connector with in-memory stock and configurable
//! failures, and workflows written the way hs2rs generates them.
#![allow(clippy::unwrap_used, clippy::expect_used, dead_code)]

use std::collections::{BTreeMap, HashMap, VecDeque};
use std::sync::{Arc, Mutex, OnceLock};
use std::time::Duration;

use handled_contract::lock;

use handled_runtime::{
    App, BoxFuture, CallError, CallInfo, Connector, ConnectorFactory, Env, ErrorClass,
    IncomingEvent, Json, Location, Op, RunContext, Sandboxed, StepError, StepInfo, StepKind, Stop,
    Transformed, TriggerConfig, Value, WebhookError, WebhookRequest, Workflow,
};
use serde::{Deserialize, Serialize};

/// The secret the fake connector's environment carries; it must never be printed.
pub const SECRET: &str = "sekret-value-123";

/// `fake.setStock`.
pub struct SetStock;

/// Its params.
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq)]
pub struct SetStockParams {
    pub sku: String,
    pub quantity: i64,
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub note: Option<String>,
}

/// Its result.
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq)]
pub struct SetStockOutput {
    pub sku: String,
    pub quantity: i64,
    pub previous: i64,
}

impl Op for SetStock {
    const CONNECTOR: &'static str = "fake";
    const NAME: &'static str = "setStock";
    type Params = SetStockParams;
    type Output = SetStockOutput;
}

/// One call the fake received.
#[derive(Clone, Debug)]
pub struct Received {
    pub op: String,
    pub params: Json,
    pub key: String,
    pub attempt: u32,
}

/// The fake API's state, shared by every connector a factory builds.
#[derive(Default)]
pub struct FakeState {
    pub stock: Mutex<BTreeMap<String, i64>>,
    /// Per SKU, errors to answer before succeeding.
    pub failures: Mutex<HashMap<String, VecDeque<CallError>>>,
    /// SKUs whose call never answers (a crash is simulated while it waits).
    pub hang: Mutex<Vec<String>>,
    pub hung: tokio::sync::Notify,
    pub received: Mutex<Vec<Received>>,
}

impl FakeState {
    pub fn fail(&self, sku: &str, errors: Vec<CallError>) {
        lock(&self.failures).insert(sku.to_string(), errors.into());
    }

    pub fn calls_for(&self, sku: &str) -> Vec<Received> {
        lock(&self.received)
            .iter()
            .filter(|r| r.params["sku"] == sku)
            .cloned()
            .collect()
    }
}

pub struct FakeConnector {
    pub state: Arc<FakeState>,
}

impl Connector for FakeConnector {
    fn name(&self) -> &'static str {
        "fake"
    }

    fn call<'a>(
        &'a self,
        op: &'a str,
        params: Json,
        info: &'a CallInfo,
    ) -> BoxFuture<'a, Result<Json, CallError>> {
        Box::pin(async move {
            let sku = params["sku"].as_str().unwrap_or_default().to_string();
            lock(&self.state.received).push(Received {
                op: op.to_string(),
                params: params.clone(),
                key: info.idempotency_key.clone(),
                attempt: info.attempt,
            });
            if lock(&self.state.hang).contains(&sku) {
                self.state.hung.notify_one();
                std::future::pending::<()>().await;
            }
            let planned = lock(&self.state.failures)
                .get_mut(&sku)
                .and_then(VecDeque::pop_front);
            if let Some(e) = planned {
                return Err(e);
            }
            let quantity = params["quantity"].as_i64().unwrap_or_default();
            let previous = lock(&self.state.stock)
                .insert(sku.clone(), quantity)
                .unwrap_or(0);
            Ok(serde_json::json!({ "sku": sku, "quantity": quantity, "previous": previous }))
        })
    }

    fn accept_webhook(
        &self,
        _trigger: &TriggerConfig,
        request: &WebhookRequest,
    ) -> Result<IncomingEvent, WebhookError> {
        if request.header("x-fake-token") != Some("let-me-in") {
            return Err(WebhookError::Signature("bad token".into()));
        }
        let payload: Json = serde_json::from_slice(&request.body)
            .map_err(|e| WebhookError::Malformed(e.to_string()))?;
        let event_id = payload["id"]
            .as_str()
            .ok_or_else(|| WebhookError::Malformed("no id".into()))?
            .to_string();
        Ok(IncomingEvent {
            event_id,
            occurred_at_ms: payload["at"].as_i64(),
            payload,
        })
    }
}

pub struct FakeFactory {
    pub state: Arc<FakeState>,
}

impl ConnectorFactory for FakeFactory {
    fn name(&self) -> &'static str {
        "fake"
    }

    fn from_env(&self, env: &Env) -> Result<Arc<dyn Connector>, Vec<String>> {
        let mut missing = Vec::new();
        for var in ["FAKE_API_KEY", "FAKE_BASE_URL"] {
            if env.get(var).is_none() {
                missing.push(var.to_string());
            }
        }
        if !missing.is_empty() {
            return Err(missing);
        }
        // Test programs plant failures through the environment: one permanent error per SKU.
        for sku in env
            .get("FAKE_FAIL_SKUS")
            .unwrap_or_default()
            .split(',')
            .filter(|s| !s.is_empty())
        {
            self.state.fail(sku, vec![bad_request()]);
        }
        Ok(Arc::new(FakeConnector {
            state: Arc::clone(&self.state),
        }))
    }

    fn sandbox(
        &self,
        fixture: Option<Json>,
        _env: &Env,
    ) -> BoxFuture<'static, Result<Sandboxed, String>> {
        let state = Arc::clone(&self.state);
        Box::pin(async move {
            if let Some(Json::Object(stock)) = fixture.as_ref().and_then(|f| f.get("stock")) {
                let mut s = lock(&state.stock);
                for (sku, q) in stock {
                    s.insert(sku.clone(), q.as_i64().unwrap_or_default());
                }
            }
            let for_state = Arc::clone(&state);
            Ok(Sandboxed {
                connector: Arc::new(FakeConnector { state }),
                state: Arc::new(move || serde_json::json!({ "stock": *lock(&for_state.stock) })),
                base_url: "http://127.0.0.1:0".to_string(),
            })
        })
    }

    fn sandbox_url(&self, _url: &str, _env: &Env) -> Result<Arc<dyn Connector>, String> {
        Ok(Arc::new(FakeConnector {
            state: Arc::clone(&self.state),
        }))
    }
}

/// How many times each transform closure ran, by SKU.
pub fn evaluations() -> &'static Mutex<HashMap<String, usize>> {
    static COUNTS: OnceLock<Mutex<HashMap<String, usize>>> = OnceLock::new();
    COUNTS.get_or_init(Default::default)
}

pub fn evaluated(sku: &str) -> usize {
    lock(evaluations()).get(sku).copied().unwrap_or(0)
}

const FILE: &str = "sync.hs";

const fn at(line: u32, column: u32) -> Location {
    Location {
        file: FILE,
        line,
        column,
    }
}

// ---------------------------------------------------------------------------------------------
// workflow Sync { trigger fake.inventoryChanged { … }
//   transform prepared { input: trigger.payload, validate: { hasSku: … }, output: { sku, quantity, stampedAt, note } }
//   action fake.setStock { condition: !trigger.payload.skip, sku, quantity, note }
//   action fake.setStock as mirror { sku: sku + "-mirror", quantity } }

#[derive(Clone, Debug, Serialize, Deserialize, PartialEq)]
#[serde(rename_all = "camelCase")]
pub struct Prepared {
    pub sku: String,
    pub quantity: f64,
    pub stamped_at: f64,
    pub note: String,
}

pub static SYNC_STEPS: [StepInfo; 3] = [
    StepInfo {
        name: "prepared",
        kind: StepKind::Transform,
        op: "",
        item_ops: &[],
        location: at(3, 3),
        calls: &[],
    },
    StepInfo {
        name: "action.fake.setStock",
        kind: StepKind::Action,
        op: "fake.setStock",
        item_ops: &[],
        location: at(8, 3),
        calls: &[],
    },
    StepInfo {
        name: "mirror",
        kind: StepKind::Action,
        op: "fake.setStock",
        item_ops: &[],
        location: at(12, 3),
        calls: &[],
    },
];

async fn sync_run(ctx: &mut RunContext) -> Result<(), Stop> {
    let t0: Prepared = ctx
        .transform(0, |scope| {
            let input = scope.payload().clone();
            let p = input.to_json();
            let sku = p["sku"].as_str().unwrap_or_default().to_string();
            *lock(evaluations()).entry(sku.clone()).or_default() += 1;
            if sku.is_empty() {
                return Ok(Transformed::Skipped {
                    input,
                    failed_rules: vec!["hasSku"],
                });
            }
            let Some(quantity) = p["quantity"].as_f64() else {
                return Err(StepError::conversion(
                    format!(
                        "parameter `quantity` needs an integer, got {}",
                        p["quantity"]
                    ),
                    at(5, 17),
                ));
            };
            let key = scope.env("FAKE_API_KEY").to_json();
            let output = Prepared {
                sku,
                quantity,
                stamped_at: scope.now_ms(),
                note: format!("key {}", key.as_str().unwrap_or("none")),
            };
            Ok(Transformed::Output { input, output })
        })
        .await?;
    let skip = ctx.scope().payload().to_json()["skip"]
        .as_bool()
        .unwrap_or(false);
    let _a1 = ctx
        .action::<SetStock, _>(1, |_scope| {
            if skip {
                return Ok(None);
            }
            Ok(Some(SetStockParams {
                sku: t0.sku.clone(),
                quantity: t0.quantity as i64,
                note: None,
            }))
        })
        .await?;
    let _a2 = ctx
        .action::<SetStock, _>(2, |_scope| {
            if skip {
                return Ok(None);
            }
            Ok(Some(SetStockParams {
                sku: format!("{}-mirror", t0.sku),
                quantity: t0.quantity as i64,
                note: Some(t0.note.clone()),
            }))
        })
        .await?;
    Ok(())
}

fn fake_trigger(_env: &Env) -> Result<TriggerConfig, handled_runtime::JsError> {
    Ok(TriggerConfig {
        workflow: "Sync",
        connector: "fake",
        event: "inventoryChanged",
        fields: BTreeMap::new(),
    })
}

pub fn sync_workflow() -> Workflow {
    Workflow {
        name: "Sync",
        file: FILE,
        location: at(1, 1),
        trigger_connector: "fake",
        trigger_event: "inventoryChanged",
        trigger: fake_trigger,
        key: None,
        natural_key: Some("sku"),
        steps: &SYNC_STEPS,
        connectors: &["fake"],
        env_vars: &["FAKE_API_KEY"],
        run: |ctx| Box::pin(sync_run(ctx)),
    }
}

// ---------------------------------------------------------------------------------------------
// workflow Fanout { trigger webhook.received { path: "/in/fanout", secret: "whsec-1234", idField: "id" }
//   forEach: trigger.body.items actions: [ { action: "fake.setStock", sku: item.sku, quantity: item.quantity } ] }

pub static FANOUT_STEPS: [StepInfo; 1] = [StepInfo {
    name: "forEach",
    kind: StepKind::ForEach,
    op: "",
    item_ops: &["fake.setStock"],
    location: at(20, 3),
    calls: &[],
}];

async fn fanout_run(ctx: &mut RunContext) -> Result<(), Stop> {
    let items = ctx
        .for_each(0, |scope| {
            let p = scope.payload().to_json();
            Ok(p["items"]
                .as_array()
                .cloned()
                .unwrap_or_default()
                .iter()
                .map(Value::from_json)
                .collect())
        })
        .await?;
    for (i, item) in items.iter().enumerate() {
        let item = item.to_json();
        let r = ctx
            .item_action::<SetStock, _>(0, i, 0, |_scope| {
                let Some(quantity) = item["quantity"].as_i64() else {
                    return Err(StepError::conversion(
                        "parameter `quantity` needs an integer".into(),
                        at(21, 40),
                    ));
                };
                Ok(Some(SetStockParams {
                    sku: item["sku"].as_str().unwrap_or_default().into(),
                    quantity,
                    note: None,
                }))
            })
            .await;
        if r.is_err() {
            continue;
        }
    }
    ctx.end_for_each(0)?;
    Ok(())
}

fn fanout_trigger(_env: &Env) -> Result<TriggerConfig, handled_runtime::JsError> {
    let mut fields = BTreeMap::new();
    fields.insert("path".to_string(), Json::from("/in/fanout"));
    fields.insert("secret".to_string(), Json::from("whsec-1234"));
    fields.insert("idField".to_string(), Json::from("id"));
    Ok(TriggerConfig {
        workflow: "Fanout",
        connector: "webhook",
        event: "received",
        fields,
    })
}

fn fanout_key(payload: &Value) -> Result<Value, handled_runtime::JsError> {
    Ok(Value::from_json(&payload.to_json()["group"]))
}

pub fn fanout_workflow() -> Workflow {
    Workflow {
        name: "Fanout",
        file: FILE,
        location: at(18, 1),
        trigger_connector: "webhook",
        trigger_event: "received",
        trigger: fanout_trigger,
        key: Some(fanout_key),
        natural_key: None,
        steps: &FANOUT_STEPS,
        connectors: &["fake"],
        env_vars: &[],
        run: |ctx| Box::pin(fanout_run(ctx)),
    }
}

// ---------------------------------------------------------------------------------------------
// workflow Nightly { trigger schedule.cron { expression: "30 2 * * *", timezone: "America/New_York" }
//   action fake.setStock { sku: "tick", quantity: 1 } }

pub static NIGHTLY_STEPS: [StepInfo; 1] = [StepInfo {
    name: "action.fake.setStock",
    kind: StepKind::Action,
    op: "fake.setStock",
    item_ops: &[],
    location: at(31, 3),
    calls: &[],
}];

async fn nightly_run(ctx: &mut RunContext) -> Result<(), Stop> {
    ctx.action::<SetStock, _>(0, |scope| {
        let tick = scope.payload().to_json();
        Ok(Some(SetStockParams {
            sku: format!("tick-{}", tick["scheduledAt"].as_str().unwrap_or("?")),
            quantity: 1,
            note: None,
        }))
    })
    .await?;
    Ok(())
}

fn nightly_trigger(_env: &Env) -> Result<TriggerConfig, handled_runtime::JsError> {
    let mut fields = BTreeMap::new();
    fields.insert("expression".to_string(), Json::from("30 2 * * *"));
    fields.insert("timezone".to_string(), Json::from("America/New_York"));
    Ok(TriggerConfig {
        workflow: "Nightly",
        connector: "schedule",
        event: "cron",
        fields,
    })
}

pub fn nightly_workflow() -> Workflow {
    Workflow {
        name: "Nightly",
        file: FILE,
        location: at(30, 1),
        trigger_connector: "schedule",
        trigger_event: "cron",
        trigger: nightly_trigger,
        key: None,
        natural_key: None,
        steps: &NIGHTLY_STEPS,
        connectors: &["fake"],
        env_vars: &[],
        run: |ctx| Box::pin(nightly_run(ctx)),
    }
}

// workflow Audit { trigger fake.inventoryChanged { path: "/hooks/Sync" }
//   action fake.setStock { sku: "audit-" + sku, quantity } }  (shares Sync's webhook path)

pub static AUDIT_STEPS: [StepInfo; 1] = [StepInfo {
    name: "action.fake.setStock",
    kind: StepKind::Action,
    op: "fake.setStock",
    item_ops: &[],
    location: at(41, 3),
    calls: &[],
}];

async fn audit_run(ctx: &mut RunContext) -> Result<(), Stop> {
    ctx.action::<SetStock, _>(0, |scope| {
        let p = scope.payload().to_json();
        Ok(Some(SetStockParams {
            sku: format!("audit-{}", p["sku"].as_str().unwrap_or_default()),
            quantity: p["quantity"].as_i64().unwrap_or_default(),
            note: None,
        }))
    })
    .await?;
    Ok(())
}

fn audit_trigger(_env: &Env) -> Result<TriggerConfig, handled_runtime::JsError> {
    let mut fields = BTreeMap::new();
    fields.insert("path".to_string(), Json::from("/hooks/Sync"));
    Ok(TriggerConfig {
        workflow: "Audit",
        connector: "fake",
        event: "inventoryChanged",
        fields,
    })
}

pub fn audit_workflow() -> Workflow {
    Workflow {
        name: "Audit",
        file: FILE,
        location: at(40, 1),
        trigger_connector: "fake",
        trigger_event: "inventoryChanged",
        trigger: audit_trigger,
        key: None,
        natural_key: Some("sku"),
        steps: &AUDIT_STEPS,
        connectors: &["fake"],
        env_vars: &[],
        run: |ctx| Box::pin(audit_run(ctx)),
    }
}

/// The program: every test workflow and the fake connector.
pub fn app(state: &Arc<FakeState>) -> App {
    let mut app = App::new();
    app.add_connector(Box::new(FakeFactory {
        state: Arc::clone(state),
    }));
    app.add_connector(Box::new(FakeFactory {
        state: Arc::clone(state),
    }));
    app.add_workflow(sync_workflow());
    app.add_workflow(fanout_workflow());
    app.add_workflow(nightly_workflow());
    app
}

pub fn env() -> Env {
    Env::from_pairs([
        ("FAKE_API_KEY".to_string(), SECRET.to_string()),
        (
            "FAKE_BASE_URL".to_string(),
            "http://fake.invalid".to_string(),
        ),
    ])
}

pub fn throttled(after_ms: u64) -> CallError {
    CallError::new(ErrorClass::Throttled, "slow down")
        .with_status(429)
        .with_retry_after(Duration::from_millis(after_ms))
}

pub fn server_error() -> CallError {
    CallError::retryable("internal error").with_status(503)
}

pub fn bad_request() -> CallError {
    CallError::permanent("quantity is invalid").with_status(400)
}
