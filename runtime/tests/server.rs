//! `serve` over a real loopback socket: webhook answers (401, 413, 400, 404), durable storage
//! before 2xx, dedupe, stale events, per-key order with several workers, metrics, health,
//! cron ticks with a test clock, and a clean stop.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use common::*;
use handled_contract::lock;
use handled_runtime::server::MAX_BODY;
use handled_runtime::webhook::sign_hex;
use handled_runtime::{ManualClock, Options, RetryPolicy, RunStatus, Runtime, StoreChoice};
use serde_json::json;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};

async fn post(
    addr: SocketAddr,
    path: &str,
    headers: &[(&str, &str)],
    body: &[u8],
) -> (u16, String) {
    request(addr, "POST", path, headers, body).await
}

async fn request(
    addr: SocketAddr,
    method: &str,
    path: &str,
    headers: &[(&str, &str)],
    body: &[u8],
) -> (u16, String) {
    let stream = TcpStream::connect(addr).await.unwrap();
    let (mut read, mut write) = stream.into_split();
    let mut head = format!(
        "{method} {path} HTTP/1.1\r\nHost: localhost\r\nContent-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n",
        body.len()
    );
    for (k, v) in headers {
        head.push_str(&format!("{k}: {v}\r\n"));
    }
    head.push_str("\r\n");
    let body = body.to_vec();
    // Written on the side: the server may answer (413) before it has read everything.
    let writer = tokio::spawn(async move {
        let _ = write.write_all(head.as_bytes()).await;
        let _ = write.write_all(&body).await;
        let _ = write.flush().await;
        write
    });
    let mut response = Vec::new();
    let _ = read.read_to_end(&mut response).await;
    let _ = writer.await;
    let text = String::from_utf8_lossy(&response).to_string();
    let status = text
        .split(' ')
        .nth(1)
        .and_then(|s| s.parse().ok())
        .unwrap_or(0);
    let body = text
        .split_once("\r\n\r\n")
        .map(|(_, b)| b.to_string())
        .unwrap_or_default();
    (status, body)
}

/// Sends only a request's head (no body) and reads the answer.
async fn request_head(addr: SocketAddr, path: &str, extra: &str) -> (u16, String) {
    let mut stream = TcpStream::connect(addr).await.unwrap();
    let head =
        format!("POST {path} HTTP/1.1\r\nHost: localhost\r\n{extra}Connection: close\r\n\r\n");
    stream.write_all(head.as_bytes()).await.unwrap();
    read_answer(stream).await
}

/// Sends a body of unknown length (chunked), one chunk after another, and reads the answer.
async fn post_chunked(addr: SocketAddr, path: &str, body: &[u8]) -> (u16, String) {
    let stream = TcpStream::connect(addr).await.unwrap();
    let (read, mut write) = stream.into_split();
    let head = format!(
        "POST {path} HTTP/1.1\r\nHost: localhost\r\nTransfer-Encoding: chunked\r\nConnection: close\r\n\r\n"
    );
    let body = body.to_vec();
    let writer = tokio::spawn(async move {
        let _ = write.write_all(head.as_bytes()).await;
        for chunk in body.chunks(64 * 1024) {
            let framed = format!("{:x}\r\n", chunk.len());
            if write.write_all(framed.as_bytes()).await.is_err()
                || write.write_all(chunk).await.is_err()
                || write.write_all(b"\r\n").await.is_err()
            {
                return;
            }
        }
        let _ = write.write_all(b"0\r\n\r\n").await;
    });
    let answer = read_answer(read).await;
    writer.abort();
    answer
}

async fn read_answer(mut read: impl tokio::io::AsyncRead + Unpin) -> (u16, String) {
    let mut response = Vec::new();
    let _ = read.read_to_end(&mut response).await;
    let text = String::from_utf8_lossy(&response).to_string();
    let status = text
        .split(' ')
        .nth(1)
        .and_then(|s| s.parse().ok())
        .unwrap_or(0);
    let body = text
        .split_once("\r\n\r\n")
        .map(|(_, b)| b.to_string())
        .unwrap_or_default();
    (status, body)
}

struct Server {
    rt: Runtime,
    addr: SocketAddr,
    task: tokio::task::JoinHandle<Result<(), String>>,
}

async fn serve(
    state: &Arc<FakeState>,
    store: StoreChoice,
    workers: usize,
    clock: Option<Arc<ManualClock>>,
) -> Server {
    serve_app(app(state), store, workers, clock).await
}

async fn serve_app(
    app: handled_runtime::App,
    store: StoreChoice,
    workers: usize,
    clock: Option<Arc<ManualClock>>,
) -> Server {
    serve_on_address(app, store, workers, clock, env(), "127.0.0.1:0").await
}

/// Serves on `bind` (`0.0.0.0:0` for a server that is not loopback-only); `addr` is always the
/// loopback address of its port.
async fn serve_on_address(
    app: handled_runtime::App,
    store: StoreChoice,
    workers: usize,
    clock: Option<Arc<ManualClock>>,
    env: handled_runtime::Env,
    bind: &str,
) -> Server {
    let mut options = Options::new(store, env);
    options.retry = Some(RetryPolicy::immediate(3));
    options.clock = clock.map(|c| c as Arc<dyn handled_runtime::Clock>);
    serve_with(app, options, workers, bind).await
}

async fn serve_with(
    app: handled_runtime::App,
    options: Options,
    workers: usize,
    bind: &str,
) -> Server {
    let rt = app.start(options).await.unwrap();
    let listener = TcpListener::bind(bind).await.unwrap();
    let addr = SocketAddr::from(([127, 0, 0, 1], listener.local_addr().unwrap().port()));
    let task = {
        let rt = rt.clone();
        tokio::spawn(async move { rt.serve_on(listener, workers).await })
    };
    Server { rt, addr, task }
}

impl Server {
    /// Waits until every run has ended (bounded, so a bug fails instead of hanging).
    async fn settle(&self) -> Vec<handled_runtime::store::RunRecord> {
        for _ in 0..3000 {
            let runs = self.rt.store().runs(None, 1000).await.unwrap();
            if runs.iter().all(|r| r.status.is_final()) {
                return runs;
            }
            tokio::time::sleep(Duration::from_millis(10)).await;
        }
        panic!("runs did not end");
    }

    async fn stop(self) {
        self.rt.shutdown();
        self.task.await.unwrap().unwrap();
    }
}

fn event(id: &str, sku: &str, quantity: i64, at: i64) -> Vec<u8> {
    serde_json::to_vec(&json!({ "id": id, "sku": sku, "quantity": quantity, "at": at })).unwrap()
}

const TOKEN: (&str, &str) = ("X-Fake-Token", "let-me-in");

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn bad_webhooks_get_a_4xx_and_start_nothing() {
    let state = Arc::new(FakeState::default());
    let server = serve(&state, StoreChoice::Spec(":memory:".into()), 2, None).await;
    let addr = server.addr;

    let body = br#"{"id":"x1","items":[]}"#;
    let (status, text) = post(
        addr,
        "/in/fanout",
        &[("X-Signature", &sign_hex(b"wrong", body))],
        body,
    )
    .await;
    assert_eq!(status, 401, "{text}");
    let (status, _) = post(addr, "/in/fanout", &[], body).await;
    assert_eq!(status, 401);
    // The signature header twice (once right): one value of both, which verifies as neither.
    let good = sign_hex(b"whsec-1234", body);
    let (status, text) = post(
        addr,
        "/in/fanout",
        &[("X-Signature", &good), ("X-Signature", &good)],
        body,
    )
    .await;
    assert_eq!(status, 401, "{text}");
    let (status, _) = post(
        addr,
        "/hooks/Sync",
        &[("X-Fake-Token", "nope")],
        &event("e", "A", 1, 1),
    )
    .await;
    assert_eq!(status, 401);

    let malformed = b"{not json";
    let (status, text) = post(
        addr,
        "/in/fanout",
        &[("X-Signature", &sign_hex(b"whsec-1234", malformed))],
        malformed,
    )
    .await;
    assert_eq!(status, 400, "{text}");

    // A body declared too large is refused before it is read; one of unknown length is cut
    // off as it is read.
    let (status, _) = request_head(addr, "/in/fanout", "Content-Length: 2097152\r\n").await;
    assert_eq!(status, 413);
    let huge = vec![b' '; MAX_BODY + 10];
    let (status, _) = post_chunked(addr, "/in/fanout", &huge).await;
    assert_eq!(status, 413);

    let (status, _) = post(addr, "/hooks/Nope", &[], body).await;
    assert_eq!(status, 404);

    assert!(server.rt.store().runs(None, 10).await.unwrap().is_empty());
    let (status, metrics) = request(addr, "GET", "/metrics", &[], b"").await;
    assert_eq!(status, 200);
    assert!(
        metrics.contains("handled_events_refused_total"),
        "{metrics}"
    );
    assert_eq!(request(addr, "GET", "/healthz", &[], b"").await.0, 200);
    assert_eq!(request(addr, "GET", "/readyz", &[], b"").await.0, 200);
    server.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn redeliveries_are_dropped_and_stale_events_start_no_run() {
    let state = Arc::new(FakeState::default());
    let server = serve(&state, StoreChoice::Spec(":memory:".into()), 2, None).await;
    let addr = server.addr;

    let (status, text) = post(addr, "/hooks/Sync", &[TOKEN], &event("d1", "D-1", 5, 200)).await;
    assert_eq!(status, 202, "{text}");
    let (status, text) = post(addr, "/hooks/Sync", &[TOKEN], &event("d1", "D-1", 5, 200)).await;
    assert_eq!((status, text.contains("duplicate")), (200, true), "{text}");
    assert!(text.contains("was seen before"), "{text}");
    let (status, text) = post(addr, "/hooks/Sync", &[TOKEN], &event("d0", "D-1", 3, 100)).await;
    assert_eq!((status, text.contains("stale")), (200, true), "{text}");
    assert!(text.contains("older than the newest event"), "{text}");

    let signed = br#"{"id":"f-1","group":"g","items":[{"sku":"F-1","quantity":1}]}"#;
    let sig = format!("sha256={}", sign_hex(b"whsec-1234", signed));
    assert_eq!(
        post(addr, "/in/fanout", &[("X-Signature", &sig)], signed)
            .await
            .0,
        202
    );
    assert_eq!(
        post(addr, "/in/fanout", &[("X-Signature", &sig)], signed)
            .await
            .0,
        200
    );

    let runs = server.settle().await;
    assert_eq!(runs.len(), 2);
    assert!(runs.iter().all(|r| r.status == RunStatus::Completed));
    assert_eq!(state.calls_for("D-1").len(), 1);
    assert_eq!(state.calls_for("F-1").len(), 1);
    server.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_channel_reporting_our_own_write_back_is_an_echo() {
    let state = Arc::new(FakeState::default());
    let server = serve(&state, StoreChoice::Spec(":memory:".into()), 1, None).await;
    let addr = server.addr;
    assert_eq!(
        post(addr, "/hooks/Sync", &[TOKEN], &event("m1", "M-1", 5, 1))
            .await
            .0,
        202
    );
    server.settle().await;
    // The run wrote M-1-mirror = 5; the channel reports it back.
    let (status, text) = post(
        addr,
        "/hooks/Sync",
        &[TOKEN],
        &event("m2", "M-1-mirror", 5, 2),
    )
    .await;
    assert_eq!((status, text.contains("echo")), (200, true), "{text}");
    // The same quantity reported again is not an echo any more; another quantity never was.
    assert_eq!(
        post(
            addr,
            "/hooks/Sync",
            &[TOKEN],
            &event("m3", "M-1-mirror", 5, 3)
        )
        .await
        .0,
        202
    );
    assert_eq!(
        post(addr, "/hooks/Sync", &[TOKEN], &event("m4", "M-1", 6, 4))
            .await
            .0,
        202
    );
    let runs = server.settle().await;
    assert_eq!(runs.len(), 3);
    server.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn workflows_sharing_a_path_each_get_the_event() {
    let state = Arc::new(FakeState::default());
    let mut program = app(&state);
    program.add_workflow(audit_workflow());
    let server = serve_app(program, StoreChoice::Spec(":memory:".into()), 2, None).await;
    let (status, text) = post(
        server.addr,
        "/hooks/Sync",
        &[TOKEN],
        &event("a1", "A-7", 2, 1),
    )
    .await;
    assert_eq!(status, 202, "{text}");
    assert!(text.contains("Audit") && text.contains("Sync"), "{text}");
    let (status, text) = post(
        server.addr,
        "/hooks/Sync",
        &[TOKEN],
        &event("a1", "A-7", 2, 1),
    )
    .await;
    assert_eq!(status, 200, "{text}");
    let runs = server.settle().await;
    assert_eq!(runs.len(), 2);
    assert_eq!(state.calls_for("audit-A-7").len(), 1);
    assert_eq!(state.calls_for("A-7").len(), 1);
    server.stop().await;
}

/// Many deliveries at once, over more keys than workers: every run starts from a wake-up (the
/// workers do not poll in these tests), none is left queued.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn no_run_is_left_waiting_for_a_wake_up() {
    let state = Arc::new(FakeState::default());
    let mut options = Options::new(StoreChoice::Spec(":memory:".into()), env());
    options.retry = Some(RetryPolicy::immediate(3));
    // Idle workers never look at the queue on their own here: every run must be started by a
    // wake-up (a new event, an ended run), so a lost wake-up leaves a run queued and fails the
    // test instead of costing half a second.
    options.poll = Duration::from_secs(3600);
    let server = serve_with(app(&state), options, 4, "127.0.0.1:0").await;
    let addr = server.addr;
    let senders = (0..8).map(|s| {
        tokio::spawn(async move {
            for n in 0..40 {
                let sku = format!("W-{}", (s * 40 + n) % 24);
                let id = format!("w-{s}-{n}");
                // Quantities nobody wrote before, so that no event is taken for an echo (whose
                // wait would end on the poll).
                let quantity = 1_000 * (s + 1) + n;
                let (status, text) = post(
                    addr,
                    "/hooks/Sync",
                    &[TOKEN],
                    &event(&id, &sku, quantity, s * 100 + n),
                )
                .await;
                assert!(status == 202 || status == 200, "{status} {text}");
            }
        })
    });
    for sender in senders {
        sender.await.unwrap();
    }
    let runs = server.settle().await;
    assert!(runs.len() >= 24, "{}", runs.len());
    // Then, with every worker asleep, one event at a time.
    for n in 0..3 {
        tokio::time::sleep(Duration::from_millis(200)).await;
        let id = format!("late-{n}");
        let (status, text) = post(
            addr,
            "/hooks/Sync",
            &[TOKEN],
            &event(&id, "W-late", 90_000 + n, 10_000 + n),
        )
        .await;
        assert_eq!(status, 202, "{text}");
        let runs = server.settle().await;
        assert!(runs.iter().all(|r| r.status.is_final()));
    }
    server.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn runs_of_one_key_run_in_event_order() {
    let state = Arc::new(FakeState::default());
    let server = serve(&state, StoreChoice::Spec(":memory:".into()), 4, None).await;
    let addr = server.addr;
    // Slow down the first runs of each key with retries, so that later runs would overtake
    // them if the queue let them.
    state.fail("O-1", vec![server_error(), server_error()]);
    state.fail("O-2", vec![server_error()]);
    for n in 1..=6 {
        for sku in ["O-1", "O-2"] {
            let (status, text) = post(
                addr,
                "/hooks/Sync",
                &[TOKEN],
                &event(&format!("{sku}-{n}"), sku, n, n),
            )
            .await;
            assert_eq!(status, 202, "{text}");
        }
    }
    let runs = server.settle().await;
    assert_eq!(runs.len(), 12);
    for sku in ["O-1", "O-2"] {
        let applied: Vec<i64> = state
            .calls_for(sku)
            .iter()
            .map(|c| c.params["quantity"].as_i64().unwrap())
            .collect::<Vec<_>>()
            .into_iter()
            .fold(Vec::new(), |mut acc, q| {
                if acc.last() != Some(&q) {
                    acc.push(q);
                }
                acc
            });
        assert_eq!(applied, vec![1, 2, 3, 4, 5, 6], "{sku}");
    }
    assert_eq!(*lock(&state.stock).get("O-1").unwrap(), 6);
    server.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn secrets_are_not_in_the_database_file() {
    let state = Arc::new(FakeState::default());
    let (dir, path) = temp_db();
    let server = serve(&state, StoreChoice::Spec(path), 1, None).await;
    let body = serde_json::to_vec(
        &json!({ "id": "s1", "sku": "S-9", "quantity": 1, "at": 1, "echo": SECRET }),
    )
    .unwrap();
    assert_eq!(
        post(server.addr, "/hooks/Sync", &[TOKEN], &body).await.0,
        202
    );
    let runs = server.settle().await;
    assert_eq!(runs[0].status, RunStatus::Completed);
    server.stop().await;
    // SQLite may remove its `-wal`/`-shm` files between the listing and the read.
    for entry in std::fs::read_dir(dir.path()).unwrap() {
        let path = entry.unwrap().path();
        let bytes = match std::fs::read(&path) {
            Ok(bytes) => bytes,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => continue,
            Err(e) => panic!("{}: {e}", path.display()),
        };
        assert!(
            !bytes.windows(SECRET.len()).any(|w| w == SECRET.as_bytes()),
            "{}",
            path.display()
        );
    }
    // The connector got the real value.
    assert_eq!(
        state.calls_for("S-9-mirror")[0].params["note"],
        format!("key {SECRET}")
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn cron_ticks_fire_once_and_a_missed_tick_runs_once_at_start() {
    let state = Arc::new(FakeState::default());
    let (_dir, path) = temp_db();
    // 2026-03-07 12:00 EST: the first start only sets the schedule's origin.
    let clock = ManualClock::new(1_772_902_800_000);
    let mut options = Options::new(StoreChoice::Spec(path.clone()), env());
    options.only = Some(vec!["Nightly".into()]);
    options.clock = Some(Arc::clone(&clock) as Arc<dyn handled_runtime::Clock>);
    let rt = app(&state).start(options.clone()).await.unwrap();
    assert!(rt.fire_due_ticks().await.unwrap().is_empty());
    // Down for two days across the spring-forward change: one run, for the latest tick
    // (2026-03-09 02:30 EDT = 06:30Z).
    clock.set(1_773_057_600_000); // 2026-03-09T12:00:00Z
    let rt = app(&state).start(options).await.unwrap();
    let fired = rt.fire_due_ticks().await.unwrap();
    assert_eq!(fired, vec![("Nightly".to_string(), 1_773_037_800_000)]);
    assert!(rt.fire_due_ticks().await.unwrap().is_empty());
    assert_eq!(rt.drain().await.unwrap(), 1);
    let calls = lock(&state.received).clone();
    assert_eq!(calls.len(), 1);
    assert_eq!(calls[0].params["sku"], "tick-2026-03-09T06:30:00.000Z");
}

fn temp_db() -> (tempfile::TempDir, String) {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("handled.db").to_str().unwrap().to_string();
    (dir, path)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn the_admin_endpoints_list_show_and_replay_runs() {
    let state = Arc::new(FakeState::default());
    let server = serve(&state, StoreChoice::Spec(":memory:".into()), 2, None).await;
    let addr = server.addr;
    state.fail("ADM-1", vec![bad_request()]);
    let body = event("adm-1", "ADM-1", 3, 1);
    assert_eq!(post(addr, "/hooks/Sync", &[TOKEN], &body).await.0, 202);
    server.settle().await;

    let (status, text) = request(addr, "GET", "/admin/runs?status=failed", &[], b"").await;
    assert_eq!(status, 200, "{text}");
    let runs: serde_json::Value = serde_json::from_str(&text).unwrap();
    assert_eq!(runs.as_array().unwrap().len(), 1, "{runs:#}");
    // A list cut at its limit says so; a limit past the most is refused with the reason.
    assert_eq!(
        post(
            addr,
            "/hooks/Sync",
            &[TOKEN],
            &event("adm-2", "ADM-2", 3, 2)
        )
        .await
        .0,
        202
    );
    server.settle().await;
    let mut stream = TcpStream::connect(addr).await.unwrap();
    stream
        .write_all(
            b"GET /admin/runs?limit=1 HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n",
        )
        .await
        .unwrap();
    let mut whole = Vec::new();
    stream.read_to_end(&mut whole).await.unwrap();
    let whole = String::from_utf8_lossy(&whole).to_ascii_lowercase();
    assert!(whole.contains("x-handled-more-runs: true"), "{whole}");
    let (status, text) = request(addr, "GET", "/admin/runs?limit=20000", &[], b"").await;
    assert_eq!(status, 400, "{text}");
    assert!(text.contains("10000"), "{text}");
    assert_eq!(runs[0]["dead"], true);
    let id = runs[0]["runId"].as_str().unwrap().to_string();

    let (status, text) = request(addr, "GET", &format!("/admin/runs/{id}"), &[], b"").await;
    assert_eq!(status, 200, "{text}");
    let shown: serde_json::Value = serde_json::from_str(&text).unwrap();
    assert_eq!(shown["status"], "failed");
    assert!(!text.contains(SECRET));

    // The failure was a one-off: the replayed run completes, without redoing its first step.
    let path = format!("/admin/runs/{id}/replay");
    let (status, text) = request(addr, "POST", &path, &[], b"").await;
    assert_eq!(status, 202, "{text}");
    let runs = server.settle().await;
    let run = runs.iter().find(|r| r.id == id).unwrap();
    assert_eq!(run.status, RunStatus::Completed);
    assert_eq!(run.attempt, 2);
    assert_eq!(state.calls_for("ADM-1").len(), 2);

    let (status, _) = request(addr, "POST", "/admin/runs/no-such-run/replay", &[], b"").await;
    assert_eq!(status, 404);
    let (status, _) = request(addr, "GET", "/admin/runs?status=bogus", &[], b"").await;
    assert_eq!(status, 400);
    let (status, text) = request(addr, "POST", "/admin/replay-dead", &[], b"").await;
    assert_eq!((status, text.as_str()), (202, "[]"));
    server.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn off_loopback_the_admin_endpoints_need_the_bearer_token() {
    let state = Arc::new(FakeState::default());
    let mut with_token = env();
    with_token.set("HANDLED_ADMIN_TOKEN", "adm-0123456789");
    let store = || StoreChoice::Spec(":memory:".into());
    let server = serve_on_address(app(&state), store(), 1, None, with_token, "0.0.0.0:0").await;
    let addr = server.addr;
    for path in ["/admin/runs", "/metrics"] {
        let (status, _) = request(addr, "GET", path, &[], b"").await;
        assert_eq!(status, 401, "{path} without a token");
        let wrong = ("Authorization", "Bearer adm-012345678");
        assert_eq!(request(addr, "GET", path, &[wrong], b"").await.0, 401);
        let right = ("Authorization", "Bearer adm-0123456789");
        assert_eq!(
            request(addr, "GET", path, &[right], b"").await.0,
            200,
            "{path}"
        );
    }
    // Webhooks and health checks need no token.
    let body = event("adm-2", "ADM-2", 1, 1);
    assert_eq!(post(addr, "/hooks/Sync", &[TOKEN], &body).await.0, 202);
    assert_eq!(request(addr, "GET", "/healthz", &[], b"").await.0, 200);
    server.settle().await;
    server.stop().await;

    // Without a token, off loopback, they stay closed.
    let server = serve_on_address(app(&state), store(), 1, None, env(), "0.0.0.0:0").await;
    let (status, text) = request(server.addr, "GET", "/admin/runs", &[], b"").await;
    assert_eq!(status, 401);
    assert!(text.contains("HANDLED_ADMIN_TOKEN"), "{text}");
    server.stop().await;
}
