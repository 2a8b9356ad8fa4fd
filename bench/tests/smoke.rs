//! The bench from the outside, against the hand-written forwarder (which needs no build): it
//! measures, prints its conditions and a row per measurement; the forwarder refuses what a
//! program refuses.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

#[test]
fn the_bench_measures_the_forwarder_and_prints_a_row_per_measurement() {
    let out = Command::new(env!("CARGO_BIN_EXE_handled-bench"))
        .args(["--patterns", "1", "--senders", "1,4", "--events", "40"])
        .args(["--skus", "8", "--pattern1-program"])
        .arg(env!("CARGO_BIN_EXE_handled-forwarder"))
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "{stdout}\n{stderr}");
    assert!(stdout.contains("events over 8 SKUs"), "{stdout}");
    assert!(stdout.contains("paces lifted"), "{stdout}");
    for senders in [1, 4] {
        let row = format!("| 1 | 1 | {senders} | 40 | ");
        let line = stdout.lines().find(|l| l.starts_with(&row));
        let cells: Vec<&str> = line
            .unwrap_or_else(|| panic!("{stdout}"))
            .split('|')
            .collect();
        let events_per_s: f64 = cells[5].trim().parse().unwrap();
        assert!(events_per_s > 0.0, "{stdout}");
    }
}

/// A child process killed when dropped (also when the test fails).
struct Killed(std::process::Child);

impl Drop for Killed {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

#[test]
fn the_forwarder_refuses_a_forged_webhook() {
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let _forwarder = Killed(
        Command::new(env!("CARGO_BIN_EXE_handled-forwarder"))
            .args(["serve", "--listen", &format!("127.0.0.1:{port}")])
            .args(["--sandbox-url", "http://127.0.0.1:9"])
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap(),
    );
    let url = format!("http://127.0.0.1:{port}");
    let rt = tokio::runtime::Runtime::new().unwrap();
    let status = rt.block_on(async {
        let http = handled_connector_core::http::HttpClient::new("smoke").unwrap();
        let client = http.client();
        let deadline = Instant::now() + Duration::from_secs(20);
        while client.get(format!("{url}/healthz")).send().await.is_err() {
            assert!(Instant::now() < deadline, "the forwarder did not come up");
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        client
            .post(format!("{url}{}", handled_bench::webhooks::WMS_PATH))
            .header("X-WMS-Signature", "00")
            .body(r#"{"product_sku":"A","available_quantity":1}"#)
            .send()
            .await
            .unwrap()
            .status()
            .as_u16()
    });
    assert_eq!(status, 401);
}
