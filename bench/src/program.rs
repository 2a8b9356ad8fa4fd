//! A compiled program as a child process: built with `hs2rs build`, started with `serve` on a
//! SQLite store and `--sandbox-url`, killed with SIGKILL, restarted on the same store and port,
//! and asked about its runs with its own command line.

use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use anyhow::{Context, bail};
use serde_json::Value;

/// The workspace this crate lives in.
pub fn workspace_root() -> PathBuf {
    let here = Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
    here.canonicalize().unwrap_or(here)
}

fn cargo() -> String {
    #[allow(clippy::disallowed_methods)] // the cargo that runs the bench, as cargo sets it
    std::env::var("CARGO").unwrap_or_else(|_| "cargo".to_string())
}

/// The sum of a Prometheus series of the program at `base_url` (`/metrics`) over its labels,
/// optionally only where a label matches (0 when the series is absent).
pub async fn metric(base_url: &str, name: &str, label: Option<&str>) -> anyhow::Result<f64> {
    let text = reqwest::get(format!("{base_url}/metrics"))
        .await?
        .error_for_status()?
        .text()
        .await?;
    Ok(text
        .lines()
        .filter(|l| l.starts_with(name) && label.is_none_or(|m| l.contains(m)))
        .filter_map(|l| l.rsplit(' ').next()?.parse::<f64>().ok())
        .sum())
}

/// The bidirectional example the outside tests serve.
pub const PATTERN1: &str = "examples/pattern1_bidirectional_shopify_wms.hs";

/// Pattern 1 built without optimizations as `dir/name` (an outside test's program).
pub fn build_pattern1(dir: &Path, name: &str) -> anyhow::Result<PathBuf> {
    let output = dir.join(name);
    build(&[PATTERN1], &output, false)?;
    Ok(output)
}

/// Builds `files` (paths relative to the workspace) into the program `output` with
/// `hs2rs build` (`--release` when asked), sharing `target/programs` unless
/// `HANDLED_TARGET_DIR` names another target directory.
pub fn build(files: &[&str], output: &Path, release: bool) -> anyhow::Result<()> {
    let root = workspace_root();
    let mut cmd = Command::new(cargo());
    cmd.args(["run", "--quiet", "-p", "hs2rs", "--", "build"])
        .args(files)
        .arg("-o")
        .arg(output)
        .current_dir(&root);
    if release {
        cmd.arg("--release");
    }
    #[allow(clippy::disallowed_methods)] // the caller's choice of a shared target directory
    let shared_target = std::env::var_os("HANDLED_TARGET_DIR").is_some();
    if !shared_target {
        cmd.env("HANDLED_TARGET_DIR", root.join("target/programs"));
    }
    let status = cmd.status().context("cannot run cargo")?;
    if !status.success() {
        bail!("hs2rs build {files:?} failed ({status})");
    }
    Ok(())
}

/// A free loopback port (bound, then released for the program to take).
pub fn free_port() -> anyhow::Result<SocketAddr> {
    let listener = std::net::TcpListener::bind(("127.0.0.1", 0))?;
    Ok(listener.local_addr()?)
}

/// A program serving webhooks, restartable on the same store and address.
#[derive(Debug)]
pub struct Program {
    /// The binary.
    pub path: PathBuf,
    /// The SQLite store file.
    pub store: PathBuf,
    /// Where it listens (the same across restarts).
    pub listen: SocketAddr,
    /// The emulator server (`--sandbox-url`).
    pub sandbox_url: String,
    /// `--workers`.
    pub workers: usize,
    /// Standard error of every start, appended.
    pub log: PathBuf,
    /// Extra environment variables.
    pub env: Vec<(String, String)>,
    /// Extra arguments of `serve`.
    pub args: Vec<String>,
    child: Option<Child>,
    starts: u32,
}

impl Program {
    /// A program not started yet; `dir` holds its log.
    pub fn new(
        path: &Path,
        store: &Path,
        sandbox_url: &str,
        workers: usize,
        dir: &Path,
    ) -> anyhow::Result<Program> {
        Ok(Program {
            path: path.to_path_buf(),
            store: store.to_path_buf(),
            listen: free_port()?,
            sandbox_url: sandbox_url.to_string(),
            workers,
            log: dir.join("program.log"),
            env: vec![
                (
                    "WMS_WEBHOOK_ENDPOINT".into(),
                    crate::webhooks::WMS_PATH.into(),
                ),
                (
                    "AMAZON_SELLER_ID".into(),
                    handled_amazon::emulator::DEFAULT_SELLER_ID.into(),
                ),
                (
                    "AMAZON_MARKETPLACE_ID".into(),
                    handled_amazon::config::DEFAULT_MARKETPLACE_ID.into(),
                ),
                ("EBAY_API_KEY".into(), "sandbox-app-key".into()),
                ("EBAY_TOKEN".into(), "sandbox-user-token".into()),
                ("HANDLED_LOG".into(), "warn".into()),
            ],
            args: Vec::new(),
            child: None,
            starts: 0,
        })
    }

    /// `http://ADDR`.
    pub fn base_url(&self) -> String {
        format!("http://{}", self.listen)
    }

    /// The running process's id.
    pub fn pid(&self) -> Option<u32> {
        self.child.as_ref().map(Child::id)
    }

    /// How many times it was started.
    pub fn starts(&self) -> u32 {
        self.starts
    }

    /// Starts `serve` and waits until `/healthz` answers.
    pub async fn start(&mut self) -> anyhow::Result<()> {
        if self.child.is_some() {
            bail!("the program is already running");
        }
        let log = std::fs::OpenOptions::new()
            .create(true)
            .append(true)
            .open(&self.log)?;
        let mut cmd = Command::new(&self.path);
        cmd.arg("serve")
            .arg("--listen")
            .arg(self.listen.to_string())
            .arg("--store")
            .arg(&self.store)
            .arg("--workers")
            .arg(self.workers.to_string())
            .arg("--sandbox-url")
            .arg(&self.sandbox_url)
            .args(&self.args)
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(log);
        for (k, v) in &self.env {
            cmd.env(k, v);
        }
        let child = cmd
            .spawn()
            .with_context(|| format!("cannot start {}", self.path.display()))?;
        self.child = Some(child);
        self.starts += 1;
        // The bench is a client from outside the program, not a connector.
        #[allow(clippy::disallowed_methods)]
        let client = reqwest::Client::builder()
            .timeout(Duration::from_secs(1))
            .build()?;
        let healthz = format!("{}/healthz", self.base_url());
        let started = Instant::now();
        loop {
            if let Some(child) = self.child.as_mut()
                && let Some(status) = child.try_wait()?
            {
                self.child = None;
                bail!(
                    "the program exited at start ({status}); log:\n{}",
                    self.log_tail()
                );
            }
            if let Ok(r) = client.get(&healthz).send().await
                && r.status().is_success()
            {
                return Ok(());
            }
            if started.elapsed() > Duration::from_secs(30) {
                bail!(
                    "the program did not answer /healthz in 30 s; log:\n{}",
                    self.log_tail()
                );
            }
            tokio::time::sleep(Duration::from_millis(10)).await;
        }
    }

    /// SIGKILL, and waits for the process to be gone.
    pub fn kill9(&mut self) -> anyhow::Result<()> {
        if let Some(mut child) = self.child.take() {
            // `Child::kill` is SIGKILL on Unix: no handler runs, nothing is flushed.
            child.kill()?;
            child.wait()?;
        }
        Ok(())
    }

    /// SIGTERM (drain in-flight runs), and waits for the exit.
    pub fn stop(&mut self) -> anyhow::Result<()> {
        if let Some(mut child) = self.child.take() {
            let status = Command::new("kill")
                .arg("-TERM")
                .arg(child.id().to_string())
                .status()?;
            if !status.success() {
                child.kill()?;
            }
            child.wait()?;
        }
        Ok(())
    }

    /// The process's peak resident set (`VmHWM` in `/proc/PID/status`), in KiB.
    pub fn peak_rss_kib(&self) -> Option<u64> {
        let pid = self.pid()?;
        let status = std::fs::read_to_string(format!("/proc/{pid}/status")).ok()?;
        status
            .lines()
            .find_map(|l| l.strip_prefix("VmHWM:"))
            .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
    }

    fn inspect(&self, args: &[&str]) -> anyhow::Result<Value> {
        let out = Command::new(&self.path)
            .args(args)
            .arg("--store")
            .arg(&self.store)
            .env("HANDLED_LOG", "error")
            .output()
            .with_context(|| format!("cannot run {}", self.path.display()))?;
        if !out.status.success() {
            bail!(
                "{args:?} failed ({}): {}",
                out.status,
                String::from_utf8_lossy(&out.stderr)
            );
        }
        serde_json::from_slice(&out.stdout).with_context(|| format!("{args:?} printed no JSON"))
    }

    /// Every run (`runs --json`), newest first.
    pub fn runs(&self) -> anyhow::Result<Vec<Value>> {
        match self.inspect(&["runs", "--json", "--limit", "100000000"])? {
            Value::Array(runs) => Ok(runs),
            other => bail!("runs --json printed {other}"),
        }
    }

    /// One run step by step (`show RUN`).
    pub fn show(&self, run: &str) -> anyhow::Result<Value> {
        self.inspect(&["show", run])
    }

    /// The last 40 lines of the program's standard error.
    pub fn log_tail(&self) -> String {
        let text = std::fs::read_to_string(&self.log).unwrap_or_default();
        let lines: Vec<&str> = text.lines().collect();
        lines[lines.len().saturating_sub(40)..].join("\n")
    }
}

impl Drop for Program {
    fn drop(&mut self) {
        let _ = self.kill9();
    }
}
