//! The sandbox server from the outside: the `handled-sandbox` binary serving a program built
//! with hs2rs (`exec --sandbox-url`, a 429 retried, wrong credentials refused, state kept
//! across its own restarts with `--state`), and the feeder against the in-process server and a
//! served program, checking that every channel converges.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::OnceLock;
use std::time::{Duration, Instant};

use handled_connector_core::HttpClient;
use handled_sandbox::feed;
use serde_json::Value;

fn workspace() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../..")
        .canonicalize()
        .unwrap()
}

/// The files `scripts/demo` compiles, as it names them (so both share one cached build).
const PATTERNS: &[&str] = &[
    "examples/pattern1_bidirectional_shopify_wms.hs",
    "examples/pattern2_multichannel_distribution.hs",
];

/// hs2rs from the workspace's target directory (built when missing).
fn hs2rs() -> PathBuf {
    let exe = std::env::current_exe().unwrap();
    let dir = exe.parent().unwrap().parent().unwrap();
    let path = dir.join("hs2rs");
    if !path.exists() {
        // Built with the profile of this test's own directory (`target/release` under
        // `cargo test --release`), where it is then looked for.
        let release = dir.file_name().is_some_and(|d| d == "release");
        let status = Command::new(env!("CARGO"))
            .args(["build", "--quiet", "-p", "hs2rs"])
            .args(release.then_some("--release"))
            .current_dir(workspace())
            .status()
            .unwrap();
        assert!(status.success(), "cannot build hs2rs");
    }
    path
}

/// Patterns 1 and 2 in one program, built once per test process.
fn program() -> &'static Path {
    static BUILT: OnceLock<PathBuf> = OnceLock::new();
    BUILT.get_or_init(|| {
        let root = workspace();
        let out = Path::new(env!("CARGO_TARGET_TMPDIR")).join("sandbox-patterns");
        let mut cmd = Command::new(hs2rs());
        cmd.arg("build").args(PATTERNS).arg("-o").arg(&out);
        cmd.current_dir(&root);
        #[allow(clippy::disallowed_methods)] // the caller's choice of a shared target directory
        let shared_target = std::env::var_os("HANDLED_TARGET_DIR").is_some();
        if !shared_target {
            cmd.env("HANDLED_TARGET_DIR", root.join("target/programs"));
        }
        assert!(cmd.status().unwrap().success(), "hs2rs build failed");
        out
    })
}

fn fixture() -> Value {
    let text = std::fs::read_to_string(workspace().join("examples/fixtures/catalog.json")).unwrap();
    serde_json::from_str(&text).unwrap()
}

fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

/// A child process killed when dropped.
struct Process(Child);

impl Drop for Process {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

fn http() -> HttpClient {
    HttpClient::with_timeouts("test", Duration::from_secs(2), Duration::from_secs(10)).unwrap()
}

async fn get(url: &str) -> Option<(u16, Value)> {
    let http = http();
    let response = http.send_raw(http.get(url)).await.ok()?;
    Some((response.status, response.json().unwrap_or(Value::Null)))
}

async fn post(url: &str, headers: &[(&str, &str)], body: &str) -> (u16, Value) {
    let http = http();
    let mut request = http
        .post(url)
        .header("content-type", "application/json")
        .body(body.to_string());
    for (k, v) in headers {
        request = request.header(*k, *v);
    }
    let response = http.send_raw(request).await.unwrap();
    (response.status, response.json().unwrap_or(Value::Null))
}

async fn wait_for(url: &str) {
    let deadline = Instant::now() + Duration::from_secs(20);
    while Instant::now() < deadline {
        if get(url).await.is_some_and(|(code, _)| code == 200) {
            return;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    panic!("{url} did not come up");
}

async fn sandbox_binary(port: u16, fixture: &Path, state: Option<&Path>) -> Process {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_handled-sandbox"));
    cmd.args(["--listen", &format!("127.0.0.1:{port}")])
        .arg("--fixture")
        .arg(fixture)
        .stderr(Stdio::null());
    if let Some(state) = state {
        cmd.arg("--state").arg(state);
    }
    let child = Process(cmd.spawn().unwrap());
    wait_for(&format!("http://127.0.0.1:{port}/healthz")).await;
    child
}

/// The program's environment in `--sandbox-url` mode: the fixture's `env` object.
fn program_command(fixture: &Value, program: &Path) -> Command {
    let mut cmd = Command::new(program);
    cmd.current_dir(workspace().join("examples"));
    for (k, v) in fixture["env"].as_object().unwrap() {
        cmd.env(k, v.as_str().unwrap());
    }
    cmd
}

/// `command serve` against the sandbox at `sandbox_url`, once it answers `/healthz`; its URL.
async fn serve(mut command: Command, sandbox_url: &str, store: &Path) -> (Process, String) {
    let port = free_port();
    let process = Process(
        command
            .args(["serve", "--listen", &format!("127.0.0.1:{port}")])
            .args(["--sandbox-url", sandbox_url, "--store"])
            .arg(store)
            .stderr(Stdio::null())
            .spawn()
            .unwrap(),
    );
    let program_url = format!("http://127.0.0.1:{port}");
    wait_for(&format!("{program_url}/healthz")).await;
    (process, program_url)
}

#[tokio::test(flavor = "multi_thread")]
async fn a_program_runs_against_the_standalone_server_and_a_429_is_retried() {
    let port = free_port();
    let fixture_path = workspace().join("examples/fixtures/catalog.json");
    let _server = sandbox_binary(port, &fixture_path, None).await;
    let url = format!("http://127.0.0.1:{port}");

    // Garbage, unknown channels and wrong credentials get the answers the real APIs give.
    assert_eq!(
        post(&format!("{url}/_faults"), &[], "{not json").await.0,
        400
    );
    assert_eq!(
        post(&format!("{url}/_faults"), &[], r#"{"status":429}"#)
            .await
            .0,
        400
    );
    let (code, _) = post(
        &format!("{url}/shopify/admin/api/2026-04/graphql.json"),
        &[("X-Shopify-Access-Token", "wrong")],
        r#"{"query":"{ shop { name } }"}"#,
    )
    .await;
    assert_eq!(code, 401);

    let (code, body) = post(
        &format!("{url}/_faults"),
        &[],
        r#"{"channel":"amazon","status":429,"count":1,"retryAfter":1,"path":"/listings/"}"#,
    )
    .await;
    assert_eq!(code, 200, "{body}");
    let dir = tempfile::tempdir().unwrap();
    let out = program_command(&fixture(), program())
        .args([
            "exec",
            "MultiChannelInventoryDistribution",
            "--event",
            "events/wms-stock-updated.json",
            "--sandbox-url",
            &url,
            "--store",
        ])
        .arg(dir.path().join("runs.db"))
        .output()
        .unwrap();
    let run: Value = serde_json::from_slice(&out.stdout)
        .unwrap_or_else(|_| panic!("{}", String::from_utf8_lossy(&out.stderr)));
    assert_eq!(run["status"], "completed", "{run:#}");

    // The writes landed in the server's state: 120 in the warehouse event, 60/30/10%.
    let (_, state) = get(&format!("{url}/_state")).await.unwrap();
    assert_eq!(
        state["shopify"]["inventory"]["TSHIRT-RED-M"]["available"],
        72
    );
    assert_eq!(state["amazon"]["items"]["TSHIRT-RED-M"]["quantity"], 36);
    assert_eq!(state["ebay"]["items"]["TSHIRT-RED-M"]["quantity"], 12);
    assert_eq!(
        state["analytics"]["events"][0]["event"],
        "inventory_allocated"
    );
    // The 429 was answered once and the call retried.
    let (_, faults) = get(&format!("{url}/_faults")).await.unwrap();
    assert_eq!(faults["amazon"]["injected"], 1);
    let amazon = run["calls"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["op"] == "amazon.updateInventory")
        .unwrap();
    assert_eq!(amazon["attempts"], 2, "{amazon:#}");
}

#[tokio::test(flavor = "multi_thread")]
async fn the_state_outlives_a_restart_of_the_server_with_state() {
    let dir = tempfile::tempdir().unwrap();
    let state_file = dir.path().join("state.json");
    let fixture_path = workspace().join("examples/fixtures/catalog.json");
    let port = free_port();
    let url = format!("http://127.0.0.1:{port}");
    let server = sandbox_binary(port, &fixture_path, Some(&state_file)).await;
    let (code, _) = post(
        &format!("{url}/wms/_admin/inventory"),
        &[],
        r#"{"sku":"MUG-WHT","quantity":77,"location":"primary"}"#,
    )
    .await;
    assert_eq!(code, 200);
    let status = Command::new("kill")
        .args(["-TERM", &server.0.id().to_string()])
        .status()
        .unwrap();
    assert!(status.success());
    let deadline = Instant::now() + Duration::from_secs(10);
    while get(&format!("{url}/healthz"))
        .await
        .is_some_and(|(c, _)| c == 200)
    {
        assert!(
            Instant::now() < deadline,
            "the server did not stop on SIGTERM"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    drop(server);
    let saved: Value =
        serde_json::from_str(&std::fs::read_to_string(&state_file).unwrap()).unwrap();
    assert_eq!(saved["env"]["WMS_WEBHOOK_ENDPOINT"], "/hooks/wms");

    let port = free_port();
    let _again = sandbox_binary(port, &fixture_path, Some(&state_file)).await;
    let (_, state) = get(&format!("http://127.0.0.1:{port}/_state"))
        .await
        .unwrap();
    assert_eq!(
        state["wms"]["inventory"]["MUG-WHT"]["locations"]["primary"],
        77
    );
    assert_eq!(state["shopify"]["inventory"]["MUG-WHT"]["available"], 25);
}

#[tokio::test(flavor = "multi_thread")]
async fn a_stream_of_signed_webhooks_converges_on_every_channel() {
    let fixture = fixture();
    let program = program();
    {
        let sandbox = handled_sandbox::start(&fixture).await.unwrap();
        let dir = tempfile::tempdir().unwrap();
        let store = dir.path().join("runs.db");
        let (_serve, program_url) =
            serve(program_command(&fixture, program), &sandbox.url, &store).await;

        let mut options = feed::Options::new(&sandbox.url, &program_url);
        options.events = 40;
        options.duration = Duration::from_secs(3);
        options.progress = false;
        options.settle_before_final = true;
        options.wait = Duration::from_secs(40);
        let report = feed::run(options).await.unwrap();
        let text = feed::render(&report);
        assert!(report.converged(), "{text}");
        assert_eq!(report.rows.len(), 5, "{text}");
        assert_eq!(report.sent, 40, "{text}");
        // The forged delivery was refused, the redelivery recognised, the 429s answered.
        assert_eq!(report.answers.get(&401), Some(&1), "{text}");
        assert!(
            report.outcomes.get("duplicate").copied().unwrap_or(0) >= 1,
            "{text}"
        );
        assert_eq!(report.faulted, 3, "{text}");
        assert_eq!(report.runs.get("failed"), None, "{text}");
        // The server's state is what the table shows.
        let state = sandbox.state();
        for row in &report.rows {
            assert_eq!(
                state["amazon"]["items"][row.sku.as_str()]["quantity"].as_i64(),
                row.after["amazon"],
                "{text}"
            );
        }
    }
}

/// A signed warehouse webhook of `sku` at `quantity`, as the feeder sends them.
async fn send_stock(program_url: &str, wms_secret: &str, id: &str, sku: &str, quantity: i64) {
    let body = serde_json::json!({
        "event_id": id, "event": "stock.updated", "product_sku": sku,
        "available_quantity": quantity, "warehouse_location": "primary",
        "updated_at": "2026-11-28T10:00:00Z",
    })
    .to_string();
    let signature = handled_contract::sign::hmac_sha256_hex(wms_secret.as_bytes(), body.as_bytes());
    let (code, answer) = post(
        &format!("{program_url}/hooks/wms"),
        &[("X-WMS-Signature", &signature)],
        &body,
    )
    .await;
    assert_eq!(code, 202, "{answer}");
}

#[tokio::test(flavor = "multi_thread")]
async fn a_connectors_pace_comes_from_its_rate_limit_variable() {
    let fixture = fixture();
    let program = program();
    let sandbox = handled_sandbox::start(&fixture).await.unwrap();
    let dir = tempfile::tempdir().unwrap();
    let untouched = sandbox.state();

    // A pace that is not one is refused before anything runs, naming the variable.
    let out = program_command(&fixture, program)
        .env("EBAY_RATE_LIMIT", "fast")
        .args(["exec", "MultiChannelInventoryDistribution"])
        .args(["--event", "events/wms-stock-updated.json"])
        .args(["--sandbox-url", &sandbox.url, "--store"])
        .arg(dir.path().join("refused.db"))
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(!out.status.success(), "{stderr}");
    assert!(
        stderr.contains("EBAY_RATE_LIMIT") && stderr.contains("RATE/UNIT"),
        "{stderr}"
    );
    assert_eq!(sandbox.state(), untouched);

    // Two eBay requests at once and then one an hour: the first event's run goes through (it
    // looks the SKU's offers up and updates them), the second's waits at the eBay step after
    // its Shopify and Amazon writes.
    let mut command = program_command(&fixture, program);
    command.env("EBAY_RATE_LIMIT", "1/h,burst=2");
    let store = dir.path().join("runs.db");
    let (_serve, program_url) = serve(command, &sandbox.url, &store).await;
    let secret = feed::Options::new(&sandbox.url, &program_url).wms_secret;
    let ebay = |state: &Value, sku: &str| state["ebay"]["items"][sku]["quantity"].as_i64();
    let amazon = |state: &Value, sku: &str| state["amazon"]["items"][sku]["quantity"].as_i64();
    send_stock(&program_url, &secret, "pace-1", "MUG-WHT", 100).await;
    let deadline = Instant::now() + Duration::from_secs(20);
    while ebay(&sandbox.state(), "MUG-WHT") != Some(10) {
        assert!(Instant::now() < deadline, "{:#}", sandbox.state()["ebay"]);
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    let before = ebay(&sandbox.state(), "CAP-BLK");
    send_stock(&program_url, &secret, "pace-2", "CAP-BLK", 200).await;
    let deadline = Instant::now() + Duration::from_secs(20);
    while amazon(&sandbox.state(), "CAP-BLK") != Some(60) {
        assert!(Instant::now() < deadline, "{:#}", sandbox.state()["amazon"]);
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    tokio::time::sleep(Duration::from_secs(2)).await;
    assert_eq!(ebay(&sandbox.state(), "CAP-BLK"), before);
}

#[tokio::test(flavor = "multi_thread")]
async fn a_fixtures_faults_are_queued_at_every_channel() {
    let dir = tempfile::tempdir().unwrap();
    let mut fixture = fixture();
    for channel in ["ebay", "amazon", "shopify"] {
        fixture[channel]["faults"] = serde_json::json!([{"status": 503}]);
    }
    let path = dir.path().join("fixture.json");
    std::fs::write(&path, serde_json::to_vec(&fixture).unwrap()).unwrap();
    let port = free_port();
    let _server = sandbox_binary(port, &path, None).await;
    // The first request to eBay gets the queued fault, the next one the API.
    let url = format!("http://127.0.0.1:{port}/ebay/sell/inventory/v1/offer?sku=MUG-WHT");
    let (first, _) = get(&url).await.unwrap();
    assert_eq!(first, 503);
    let (second, _) = get(&url).await.unwrap();
    assert_ne!(second, 503);
}

/// The fixture's emulators sign with secrets of its own; `handled-sandbox env` prints them,
/// and a program served with `--sandbox-url` and that fixture (or with those variables) checks
/// webhooks with them, not with the emulators' defaults.
#[tokio::test(flavor = "multi_thread")]
async fn sandbox_url_mode_takes_the_fixtures_webhook_secrets() {
    let mut fixture = fixture();
    fixture["wms"]["webhookSecret"] = "merchant-wms-secret".into();
    fixture["shopify"]["webhookSecret"] = "merchant-shopify-secret".into();
    let dir = tempfile::tempdir().unwrap();
    let fixture_path = dir.path().join("fixture.json");
    std::fs::write(&fixture_path, fixture.to_string()).unwrap();

    let printed = Command::new(env!("CARGO_BIN_EXE_handled-sandbox"))
        .arg("env")
        .arg("--fixture")
        .arg(&fixture_path)
        .output()
        .unwrap();
    assert!(printed.status.success(), "{printed:?}");
    let printed = String::from_utf8(printed.stdout).unwrap();
    let vars: Vec<(String, String)> = printed
        .lines()
        .filter_map(|l| l.split_once('='))
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect();
    let var = |name: &str| vars.iter().find(|(k, _)| k == name).map(|(_, v)| v.clone());
    assert_eq!(
        var("WMS_WEBHOOK_SECRET").as_deref(),
        Some("merchant-wms-secret")
    );
    assert_eq!(
        var("SHOPIFY_WEBHOOK_SECRET").as_deref(),
        Some("merchant-shopify-secret")
    );
    assert_eq!(var("WMS_PROFILE").as_deref(), Some("generic"));
    // The fixture's own `env` comes first, as before.
    assert_eq!(
        var("AUTO_REORDER_ENABLED"),
        fixture["env"]["AUTO_REORDER_ENABLED"]
            .as_str()
            .map(str::to_string)
    );

    let port = free_port();
    let _server = sandbox_binary(port, &fixture_path, None).await;
    let url = format!("http://127.0.0.1:{port}");

    // Given the fixture.
    let mut command = Command::new(program());
    command
        .current_dir(workspace().join("examples"))
        .arg("--fixture")
        .arg(&fixture_path);
    let (served, program_url) = serve(command, &url, &dir.path().join("a.db")).await;
    send_stock(
        &program_url,
        "merchant-wms-secret",
        "fx-1",
        "TSHIRT-RED-M",
        31,
    )
    .await;
    let body = r#"{"event_id":"fx-2","event":"stock.updated","product_sku":"TSHIRT-RED-M","available_quantity":1}"#;
    let forged = handled_contract::sign::hmac_sha256_hex(
        handled_wms::emulator::SANDBOX_WEBHOOK_SECRET.as_bytes(),
        body.as_bytes(),
    );
    let (code, _) = post(
        &format!("{program_url}/hooks/wms"),
        &[("X-WMS-Signature", &forged)],
        body,
    )
    .await;
    assert_eq!(
        code, 401,
        "signed with the default secret, not the fixture's"
    );
    drop(served);

    // Given the variables `handled-sandbox env` printed.
    let mut command = Command::new(program());
    command.current_dir(workspace().join("examples"));
    for (k, v) in &vars {
        command.env(k, v);
    }
    let (_served, program_url) = serve(command, &url, &dir.path().join("b.db")).await;
    send_stock(
        &program_url,
        "merchant-wms-secret",
        "fx-3",
        "TSHIRT-RED-M",
        32,
    )
    .await;
}
