//! The engine from the outside, in one process: exec's report, the journal (finished steps are
//! not evaluated again), retries by error class, run statuses, redaction and crash resume.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use std::sync::Arc;

use common::*;
use handled_contract::lock;
use handled_runtime::{
    App, CallOptions, ManualClock, Options, RetryPolicy, RunStatus, StartError, StepInfo,
    StoreChoice,
};
use serde_json::json;

async fn start(
    app: &App,
    store: StoreChoice,
    clock: Option<Arc<ManualClock>>,
) -> handled_runtime::Runtime {
    let mut options = Options::new(store, env());
    options.retry = Some(RetryPolicy::immediate(6));
    options.clock = clock.map(|c| c as Arc<dyn handled_runtime::Clock>);
    app.start(options).await.unwrap()
}

fn memory() -> StoreChoice {
    StoreChoice::Spec(":memory:".into())
}

#[tokio::test]
async fn exec_reports_steps_calls_and_sandbox_state() {
    let state = Arc::new(FakeState::default());
    let app = app(&state);
    let mut options = Options::new(memory(), env());
    options.sandbox = true;
    options.fixture = Some(json!({ "fake": { "stock": { "A-1": 3 } } }));
    options.only = Some(vec!["Sync".into()]);
    let rt = app.start(options).await.unwrap();
    let out = rt
        .exec("Sync", Some(json!({ "sku": "A-1", "quantity": 7 })))
        .await
        .unwrap();
    assert_eq!(out.status, RunStatus::Completed);
    let r = &out.report;
    assert_eq!(r["status"], "completed");
    assert_eq!(r["workflow"], "Sync");
    assert!(r["runId"].as_str().unwrap().len() > 10);
    let steps = r["steps"].as_array().unwrap();
    assert_eq!(steps.len(), 3);
    assert_eq!(steps[0]["name"], "prepared");
    assert_eq!(steps[0]["kind"], "transform");
    assert_eq!(steps[0]["output"]["sku"], "A-1");
    assert_eq!(steps[0]["input"]["quantity"], 7);
    assert_eq!(steps[1]["name"], "action.fake.setStock");
    assert_eq!(steps[1]["kind"], "action");
    assert_eq!(
        steps[1]["output"],
        json!({ "sku": "A-1", "quantity": 7, "previous": 3 })
    );
    let calls = r["calls"].as_array().unwrap();
    assert_eq!(calls.len(), 2);
    assert_eq!(calls[0]["op"], "fake.setStock");
    assert_eq!(calls[0]["params"], json!({ "sku": "A-1", "quantity": 7 }));
    assert_eq!(calls[0]["result"]["quantity"], 7);
    assert_eq!(calls[0]["attempts"], 1);
    assert_eq!(r["state"]["fake"]["stock"]["A-1"], 7);
    assert_eq!(r["state"]["fake"]["stock"]["A-1-mirror"], 7);
    // The idempotency keys: run id and step.
    let run_id = r["runId"].as_str().unwrap();
    let keys: Vec<String> = lock(&state.received)
        .iter()
        .map(|c| c.key.clone())
        .collect();
    assert_eq!(keys, vec![format!("{run_id}:1"), format!("{run_id}:2")]);
}

#[tokio::test]
async fn secrets_never_reach_the_journal_or_the_report() {
    let state = Arc::new(FakeState::default());
    let rt = start(&app(&state), memory(), None).await;
    let out = rt
        .exec("Sync", Some(json!({ "sku": "S-1", "quantity": 1 })))
        .await
        .unwrap();
    let text = out.report.to_string();
    assert!(!text.contains(SECRET), "{text}");
    assert!(text.contains("key [redacted]"));
    let shown = rt
        .show(out.report["runId"].as_str().unwrap())
        .await
        .unwrap()
        .to_string();
    assert!(!shown.contains(SECRET));
    // The connector itself got the real value.
    assert_eq!(
        state.calls_for("S-1-mirror")[0].params["note"],
        format!("key {SECRET}")
    );
}

/// An event's text that looks like the journal's mark of a secret stays that text: it is never
/// replaced by the secret's value when the run reads its event back.
#[tokio::test]
async fn text_that_looks_like_a_secret_marker_is_not_given_the_secret() {
    let state = Arc::new(FakeState::default());
    let rt = start(&app(&state), memory(), None).await;
    let forged = "[redacted:FAKE_API_KEY]";
    let out = rt
        .exec("Sync", Some(json!({ "sku": forged, "quantity": 1 })))
        .await
        .unwrap();
    assert_eq!(out.status, RunStatus::Completed, "{}", out.report);
    assert_eq!(state.calls_for(forged).len(), 1);
    assert!(state.calls_for(SECRET).is_empty());
    assert!(!out.report.to_string().contains(SECRET));
    assert_eq!(out.report["steps"][0]["input"]["sku"], forged);
}

#[tokio::test]
async fn finished_steps_are_not_evaluated_again_on_replay() {
    let state = Arc::new(FakeState::default());
    let clock = ManualClock::new(1_000);
    let rt = start(&app(&state), memory(), Some(Arc::clone(&clock))).await;
    state.fail("R-1-mirror", vec![bad_request()]);
    let out = rt
        .exec("Sync", Some(json!({ "sku": "R-1", "quantity": 4 })))
        .await
        .unwrap();
    assert_eq!(out.status, RunStatus::Failed);
    let run_id = out.report["runId"].as_str().unwrap().to_string();
    assert_eq!(out.report["error"]["location"], "sync.hs:12:3");
    assert_eq!(evaluated("R-1"), 1);
    let dead = rt.store().dead_runs().await.unwrap();
    assert!(dead.iter().any(|r| r.id == run_id));

    clock.set(9_000);
    let again = rt.replay(&run_id).await.unwrap();
    assert_eq!(again.status, RunStatus::Completed, "{}", again.report);
    assert_eq!(again.report["attempt"], 2);
    // The transform was not evaluated again, so `new Date()` kept its first value.
    assert_eq!(evaluated("R-1"), 1);
    assert_eq!(again.report["steps"][0]["output"]["stampedAt"], 1000.0);
    // Step 1 was not called again; step 2 was sent again with the same key and params.
    assert_eq!(state.calls_for("R-1").len(), 1);
    let mirror = state.calls_for("R-1-mirror");
    assert_eq!(mirror.len(), 2);
    assert_eq!(mirror[0].key, mirror[1].key);
    assert_eq!(mirror[0].params, mirror[1].params);
    assert_eq!(mirror[1].attempt, 2);
    assert!(
        rt.store()
            .dead_runs()
            .await
            .unwrap()
            .iter()
            .all(|r| r.id != run_id)
    );
}

#[tokio::test]
async fn throttled_and_server_errors_are_retried_permanent_ones_are_not() {
    let state = Arc::new(FakeState::default());
    let rt = start(&app(&state), memory(), None).await;

    state.fail("T-1", vec![throttled(1), throttled(1), throttled(1)]);
    let out = rt
        .exec("Sync", Some(json!({ "sku": "T-1", "quantity": 2 })))
        .await
        .unwrap();
    assert_eq!(out.status, RunStatus::Completed);
    assert_eq!(out.report["calls"][0]["attempts"], 4);
    let attempts: Vec<u32> = state.calls_for("T-1").iter().map(|c| c.attempt).collect();
    assert_eq!(attempts, vec![1, 2, 3, 4]);

    // A throttle spends no attempt: ten of them, more than the six attempts, still complete.
    state.fail("T-4", (0..10).map(|_| throttled(1)).collect());
    let out = rt
        .exec("Sync", Some(json!({ "sku": "T-4", "quantity": 2 })))
        .await
        .unwrap();
    assert_eq!(out.status, RunStatus::Completed);
    assert_eq!(state.calls_for("T-4").len(), 11);

    state.fail("T-2", (0..10).map(|_| server_error()).collect());
    let out = rt
        .exec("Sync", Some(json!({ "sku": "T-2", "quantity": 2 })))
        .await
        .unwrap();
    assert_eq!(out.status, RunStatus::Failed);
    assert_eq!(out.report["calls"][0]["attempts"], 6);
    assert_eq!(out.report["calls"][0]["error"]["class"], "retryable");
    assert_eq!(state.calls_for("T-2").len(), 6);

    state.fail("T-3", vec![bad_request()]);
    let out = rt
        .exec("Sync", Some(json!({ "sku": "T-3", "quantity": 2 })))
        .await
        .unwrap();
    assert_eq!(out.status, RunStatus::Failed);
    assert_eq!(state.calls_for("T-3").len(), 1);
    assert_eq!(out.report["calls"][0]["error"]["status"], 400);
    let message = out.report["error"]["message"].as_str().unwrap();
    assert!(
        message.contains("fake.setStock failed (permanent, HTTP 400)"),
        "{message}"
    );
}

#[tokio::test]
async fn skipped_failed_and_partial_runs() {
    let state = Arc::new(FakeState::default());
    let rt = start(&app(&state), memory(), None).await;

    let out = rt
        .exec("Sync", Some(json!({ "quantity": 2 })))
        .await
        .unwrap();
    assert_eq!(out.status, RunStatus::Skipped);
    assert_eq!(out.report["skipped"]["rules"], json!(["hasSku"]));

    let out = rt
        .exec(
            "Sync",
            Some(json!({ "sku": "K-1", "quantity": 2, "skip": true })),
        )
        .await
        .unwrap();
    assert_eq!(out.status, RunStatus::Skipped);
    assert!(state.calls_for("K-1").is_empty());

    let out = rt
        .exec("Sync", Some(json!({ "sku": "K-2", "quantity": "lots" })))
        .await
        .unwrap();
    assert_eq!(out.status, RunStatus::Failed);
    assert_eq!(out.report["error"]["location"], "sync.hs:5:17");
    assert_eq!(out.report["steps"][0]["error"]["location"], "sync.hs:5:17");

    state.fail("P-2", vec![bad_request()]);
    let items = json!({ "id": "f1", "items": [
        { "sku": "P-1", "quantity": 1 }, { "sku": "P-2", "quantity": 2 }, { "sku": "P-3", "quantity": "x" }, { "sku": "P-4", "quantity": 4 }
    ] });
    let out = rt.exec("Fanout", Some(items)).await.unwrap();
    assert_eq!(out.status, RunStatus::Partial, "{}", out.report);
    assert_eq!(*lock(&state.stock).get("P-4").unwrap(), 4);
    let run_id = out.report["runId"].as_str().unwrap();
    let keys: Vec<String> = state
        .calls_for("P-4")
        .iter()
        .map(|c| c.key.clone())
        .collect();
    assert_eq!(keys, vec![format!("{run_id}:0:3:0")]);
    let steps = out.report["steps"].as_array().unwrap();
    assert_eq!(steps[0]["kind"], "forEach");
    assert_eq!(steps.len(), 5);
    assert_eq!(steps[2]["name"], "forEach[1].fake.setStock");
    assert!(steps[2]["error"].is_object());
}

#[tokio::test]
async fn a_cron_workflow_runs_one_tick() {
    let state = Arc::new(FakeState::default());
    let clock = ManualClock::new(1_772_953_200_000); // 2026-03-08T07:00:00Z
    let rt = start(&app(&state), memory(), Some(clock)).await;
    let out = rt.exec("Nightly", None).await.unwrap();
    assert_eq!(out.status, RunStatus::Completed);
    assert_eq!(
        out.report["calls"][0]["params"]["sku"],
        "tick-2026-03-08T07:00:00.000Z"
    );
}

static BOOM_STEPS: [handled_runtime::StepInfo; 0] = [];

async fn boom_run(_ctx: &mut handled_runtime::RunContext) -> Result<(), handled_runtime::Stop> {
    panic!("generated code went wrong")
}

#[tokio::test]
async fn a_panicking_workflow_fails_its_run_and_nothing_else() {
    let state = Arc::new(FakeState::default());
    let mut program = app(&state);
    let mut boom = sync_workflow();
    boom.name = "Boom";
    boom.steps = &BOOM_STEPS;
    boom.run = |ctx| Box::pin(boom_run(ctx));
    program.add_workflow(boom);
    let rt = start(&program, memory(), None).await;
    let out = rt
        .exec("Boom", Some(json!({ "sku": "Z-1" })))
        .await
        .unwrap();
    assert_eq!(out.status, RunStatus::Failed);
    let message = out.report["error"]["message"].as_str().unwrap();
    assert!(message.contains("generated code went wrong"), "{message}");
    let out = rt
        .exec("Sync", Some(json!({ "sku": "Z-2", "quantity": 1 })))
        .await
        .unwrap();
    assert_eq!(out.status, RunStatus::Completed);
}

#[tokio::test]
async fn missing_environment_is_named_all_at_once() {
    let state = Arc::new(FakeState::default());
    let options = Options::new(memory(), handled_runtime::Env::default());
    let err = app(&state).start(options).await.unwrap_err();
    let StartError::Config(message) = err else {
        panic!("{err:?}")
    };
    assert!(
        message.contains("FAKE_API_KEY (read by workflow Sync)"),
        "{message}"
    );
    assert!(
        message.contains("FAKE_BASE_URL (needed by connector fake)"),
        "{message}"
    );
    // In sandbox mode the variables get placeholders, and the fixture may set them.
    let mut options = Options::new(memory(), handled_runtime::Env::default());
    options.sandbox = true;
    options.fixture = Some(json!({ "env": { "FAKE_API_KEY": "from-fixture" } }));
    let rt = app(&state).start(options).await.unwrap();
    assert_eq!(rt.env().get("FAKE_API_KEY"), Some("from-fixture"));
}

#[tokio::test]
async fn an_interrupted_run_resumes_at_its_first_unfinished_step() {
    let state = Arc::new(FakeState::default());
    let (_dir, path) = temp_db();
    let app = app(&state);
    lock(&state.hang).push("C-1-mirror".into());
    {
        let rt = start(&app, StoreChoice::Spec(path.clone()), None).await;
        rt.record_event(
            "Sync",
            "e-crash".into(),
            None,
            json!({ "sku": "C-1", "quantity": 9 }),
        )
        .await
        .unwrap();
        let worker = {
            let rt = rt.clone();
            tokio::spawn(async move { rt.drain().await })
        };
        state.hung.notified().await;
        // The process dies while step 2's call is in flight.
        worker.abort();
        let _ = worker.await;
    }
    lock(&state.hang).clear();
    let rt = start(&app, StoreChoice::Spec(path), None).await;
    assert_eq!(rt.drain().await.unwrap(), 1);
    let runs = rt.store().runs(None, 10).await.unwrap();
    assert_eq!(runs[0].status, RunStatus::Completed);
    assert_eq!(runs[0].attempt, 2);
    assert_eq!(evaluated("C-1"), 1);
    assert_eq!(state.calls_for("C-1").len(), 1);
    let mirror = state.calls_for("C-1-mirror");
    assert_eq!(mirror.len(), 2);
    assert_eq!(mirror[0].key, mirror[1].key);
}

fn temp_db() -> (tempfile::TempDir, String) {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("handled.db").to_str().unwrap().to_string();
    (dir, path)
}

/// `Sync` with its first action's `retry` and `timeout` options set.
fn app_with_call_options(state: &Arc<FakeState>, options: CallOptions) -> App {
    let calls: &'static [CallOptions] = Box::leak(Box::new([options]));
    let steps: Vec<StepInfo> = SYNC_STEPS
        .iter()
        .enumerate()
        .map(|(i, s)| if i == 1 { StepInfo { calls, ..*s } } else { *s })
        .collect();
    let mut workflow = sync_workflow();
    workflow.steps = Box::leak(steps.into_boxed_slice());
    let mut app = App::new();
    app.add_connector(Box::new(FakeFactory {
        state: Arc::clone(state),
    }));
    app.add_workflow(workflow);
    app
}

#[tokio::test]
async fn an_actions_retry_option_overrides_the_programs_policy() {
    let state = Arc::new(FakeState::default());
    let options = CallOptions {
        attempts: Some(2),
        backoff_ms: Some(0),
        timeout_ms: None,
    };
    let rt = start(&app_with_call_options(&state, options), memory(), None).await;
    state.fail("OPT-1", (0..10).map(|_| server_error()).collect());
    let out = rt
        .exec("Sync", Some(json!({ "sku": "OPT-1", "quantity": 2 })))
        .await
        .unwrap();
    assert_eq!(out.status, RunStatus::Failed);
    // The program's policy allows 6 attempts; the action's option allows 2.
    assert_eq!(state.calls_for("OPT-1").len(), 2);
    assert_eq!(out.report["calls"][0]["attempts"], 2);
}

#[tokio::test]
async fn an_attempt_over_the_actions_timeout_is_abandoned_and_retried() {
    let state = Arc::new(FakeState::default());
    let options = CallOptions {
        attempts: Some(3),
        backoff_ms: Some(0),
        timeout_ms: Some(50),
    };
    let rt = start(&app_with_call_options(&state, options), memory(), None).await;
    lock(&state.hang).push("H-1".into());
    let started = std::time::Instant::now();
    let out = rt
        .exec("Sync", Some(json!({ "sku": "H-1", "quantity": 2 })))
        .await
        .unwrap();
    assert_eq!(out.status, RunStatus::Failed);
    assert_eq!(state.calls_for("H-1").len(), 3);
    let error = out.report["calls"][0]["error"].to_string();
    assert!(error.contains("timeout of 50 ms"), "{error}");
    assert_eq!(out.report["calls"][0]["error"]["class"], "retryable");
    // Three abandoned attempts, not a hang.
    assert!(started.elapsed() < std::time::Duration::from_secs(10));

    // Without the hang the same action completes.
    lock(&state.hang).clear();
    let out = rt
        .exec("Sync", Some(json!({ "sku": "H-2", "quantity": 2 })))
        .await
        .unwrap();
    assert_eq!(out.status, RunStatus::Completed);
}
