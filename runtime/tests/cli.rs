//! The compiled program's command line, run as a process: `exec` (sandboxed and not), exit
//! codes, the environment check, `runs`, `show`, `replay`, and `serve` stopped by SIGTERM.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::io::{Read, Write};
use std::process::{Command, Output, Stdio};

use serde_json::{Value as Json, json};

const PROGRAM: &str = env!("CARGO_BIN_EXE_handled-runtime-test-program");
const SECRET: &str = "sekret-value-123";

/// The `PATH` the program is started with (the rest of its environment is cleared).
fn path() -> String {
    let env = handled_runtime::Env::from_process();
    env.get("PATH").unwrap_or_default().to_string()
}

fn program(dir: &std::path::Path) -> Command {
    let mut cmd = Command::new(PROGRAM);
    cmd.current_dir(dir).env_clear().env("PATH", path());
    cmd
}

fn with_env(cmd: &mut Command) -> &mut Command {
    cmd.env("FAKE_API_KEY", SECRET)
        .env("FAKE_BASE_URL", "http://fake.invalid")
        .env("HANDLED_RETRY_BASE_MS", "0")
}

fn write(dir: &std::path::Path, name: &str, value: &Json) -> String {
    let path = dir.join(name);
    std::fs::write(&path, serde_json::to_vec(value).unwrap()).unwrap();
    path.to_str().unwrap().to_string()
}

fn stdout_json(out: &Output) -> Json {
    serde_json::from_slice(&out.stdout).unwrap_or_else(|e| {
        panic!(
            "{e}: {} / {}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        )
    })
}

#[test]
fn exec_in_the_sandbox_prints_the_run_and_the_channels_state() {
    let dir = tempfile::tempdir().unwrap();
    let fixture = write(
        dir.path(),
        "fixture.json",
        &json!({ "env": { "FAKE_API_KEY": SECRET }, "fake": { "stock": { "A-1": 2 } } }),
    );
    let event = write(
        dir.path(),
        "event.json",
        &json!({ "sku": "A-1", "quantity": 5 }),
    );
    let out = program(dir.path())
        .args([
            "exec",
            "Sync",
            "--sandbox",
            "--fixture",
            &fixture,
            "--event",
            &event,
        ])
        .output()
        .unwrap();
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let report = stdout_json(&out);
    assert_eq!(report["status"], "completed");
    assert_eq!(report["steps"][1]["name"], "action.fake.setStock");
    assert_eq!(report["calls"][0]["op"], "fake.setStock");
    assert_eq!(
        report["calls"][0]["params"],
        json!({ "sku": "A-1", "quantity": 5 })
    );
    assert_eq!(report["state"]["fake"]["stock"]["A-1"], 5);
    let all = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(!all.contains(SECRET));
    // A sandboxed exec with no --store leaves no database behind.
    assert!(!dir.path().join("handled.db").exists());
}

#[test]
fn exit_codes_and_the_environment_check() {
    let dir = tempfile::tempdir().unwrap();
    let event = write(
        dir.path(),
        "event.json",
        &json!({ "sku": "B-1", "quantity": "lots" }),
    );
    let out = program(dir.path())
        .args(["exec", "Sync", "--event", &event])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("FAKE_API_KEY") && err.contains("FAKE_BASE_URL"),
        "{err}"
    );

    let out = with_env(&mut program(dir.path()))
        .args(["exec", "Sync", "--event", &event])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    let report = stdout_json(&out);
    assert_eq!(report["status"], "failed");
    assert_eq!(report["error"]["location"], "sync.hs:5:17");

    let out = program(dir.path())
        .args(["exec", "Nope", "--sandbox"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    let out = program(dir.path()).args(["frobnicate"]).output().unwrap();
    assert_eq!(out.status.code(), Some(2));
}

#[test]
fn runs_show_and_replay_a_failed_run() {
    let dir = tempfile::tempdir().unwrap();
    let event = write(
        dir.path(),
        "event.json",
        &json!({ "sku": "R-1", "quantity": 3 }),
    );
    let out = with_env(&mut program(dir.path()))
        .env("FAKE_FAIL_SKUS", "R-1-mirror")
        .args(["exec", "Sync", "--event", &event])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    let run_id = stdout_json(&out)["runId"].as_str().unwrap().to_string();
    assert!(dir.path().join("handled.db").exists());

    let out = program(dir.path())
        .args(["runs", "--status", "failed"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0));
    let listing = String::from_utf8_lossy(&out.stdout);
    assert!(
        listing.contains(&run_id) && listing.contains("dead"),
        "{listing}"
    );

    // Reading the store needs no credentials.
    let out = program(dir.path())
        .args(["runs", "--json"])
        .output()
        .unwrap();
    let listed = stdout_json(&out);
    assert_eq!(listed[0]["runId"], run_id.as_str());
    assert_eq!(listed[0]["dead"], true);
    let out = program(dir.path())
        .args(["show", &run_id])
        .output()
        .unwrap();
    let shown = stdout_json(&out);
    assert_eq!(shown["steps"][2]["status"], "failed");
    assert_eq!(shown["calls"][1]["error"]["class"], "permanent");
    assert!(!String::from_utf8_lossy(&out.stdout).contains(SECRET));

    let out = with_env(&mut program(dir.path()))
        .args(["replay", &run_id])
        .output()
        .unwrap();
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let replayed = stdout_json(&out);
    assert_eq!(replayed["status"], "completed");
    assert_eq!(replayed["attempt"], 2);
    let out = with_env(&mut program(dir.path()))
        .args(["replay", "--dead"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0));
    assert_eq!(stdout_json(&out), json!([]));
}

#[test]
fn serve_takes_a_webhook_and_stops_cleanly_on_sigterm() {
    let dir = tempfile::tempdir().unwrap();
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let listen = format!("127.0.0.1:{port}");
    let mut child = with_env(&mut program(dir.path()))
        .args([
            "serve",
            "--listen",
            &listen,
            "--workers",
            "2",
            "--log-format",
            "json",
        ])
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let body = br#"{"id":"w1","sku":"W-1","quantity":4,"at":1}"#;
    let mut answered = String::new();
    for _ in 0..1500 {
        if let Ok(mut s) = std::net::TcpStream::connect(&listen) {
            let head = format!(
                "POST /hooks/Sync HTTP/1.1\r\nHost: x\r\nX-Fake-Token: let-me-in\r\nContent-Length: {}\r\nConnection: close\r\n\r\n",
                body.len()
            );
            s.write_all(head.as_bytes()).unwrap();
            s.write_all(body).unwrap();
            s.read_to_string(&mut answered).unwrap();
            break;
        }
        std::thread::sleep(std::time::Duration::from_millis(20));
    }
    assert!(answered.starts_with("HTTP/1.1 202"), "{answered}");
    // Wait until the run has ended, through the program's own `runs`.
    let mut done = false;
    for _ in 0..1500 {
        let out = with_env(&mut program(dir.path()))
            .args(["runs", "--status", "completed"])
            .output()
            .unwrap();
        if String::from_utf8_lossy(&out.stdout).contains("Sync") {
            done = true;
            break;
        }
        std::thread::sleep(std::time::Duration::from_millis(20));
    }
    assert!(done);
    let killed = Command::new("kill")
        .args(["-TERM", &child.id().to_string()])
        .status()
        .unwrap();
    assert!(killed.success());
    let status = child.wait().unwrap();
    assert_eq!(status.code(), Some(0));
    let mut logs = String::new();
    child
        .stderr
        .take()
        .unwrap()
        .read_to_string(&mut logs)
        .unwrap();
    assert!(
        logs.lines()
            .any(|l| l.starts_with('{') && l.contains("run ended")),
        "{logs}"
    );
    assert!(!logs.contains(SECRET));
}
