//! An SMTP sink standing in for a mail server, with an HTTP API to look at what it received.
//!
//! SMTP (plain TCP on 127.0.0.1, no TLS): `EHLO`/`HELO`, `AUTH PLAIN` (inline or after `334`),
//! `AUTH LOGIN`, `MAIL FROM:`, `RCPT TO:`, `DATA` (dot-unstuffed, at most 10 MB), `RSET`,
//! `NOOP`, `QUIT`; `STARTTLS` answers 454. With credentials configured (the default), `MAIL`
//! before a successful `AUTH` is 530 and bad credentials 535. Recipients listed in
//! `rejectRecipients` get 550, those in `deferRecipients` 450. Every message is kept; one
//! whose Message-ID arrived before is marked `duplicate` and counted as received, not
//! applied, under the op the sink counts for.
//!
//! HTTP ([`Sink::routes`], mounted by the emulator that owns the sink):
//! - `GET /messages`: `{"messages":[{from, to, subject, messageId, text, html, duplicate}]}`.
//! - `POST /_smtp/faults`: `{"reply": "451 4.3.0 Try again later", "count": 1}` answers the
//!   next `count` `DATA` ends with that reply instead of accepting; `{"drop": 1}` closes the
//!   connection instead.
//!
//! The emulator adds `GET /_smtp` ([`Sink::info`]: where the sink listens, for
//! `sandbox_url`), its `/_state` and its `/_faults`.

mod parse;
mod session;

use handled_contract::lock;
use std::collections::{HashSet, VecDeque};
use std::sync::{Arc, Mutex};

use axum::Router;
use axum::body::Bytes;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use handled_contract::Json;
use serde::Deserialize;
use serde_json::json;
use tokio::io::BufReader;

use crate::emulator::OpCounters;
use crate::mail::smtp::{SmtpSecurity, SmtpSettings};

/// The sender a sandboxed connector uses unless its fixture names one.
pub const DEFAULT_FROM: &str = "handled@sandbox.invalid";
const DEFAULT_USER: &str = "sandbox";
const DEFAULT_PASSWORD: &str = "sandbox-password";

/// How a sink behaves (a fixture's fields, all optional): `{"username": "sandbox",
/// "password": "sandbox-password", "requireAuth": true, "from": "handled@sandbox.invalid",
/// "rejectRecipients": [], "deferRecipients": []}`.
#[derive(Clone, Debug, Default, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct SinkOptions {
    /// The AUTH user (default `sandbox` when auth is required).
    #[serde(default)]
    pub username: Option<String>,
    /// The AUTH password (default `sandbox-password` when auth is required).
    #[serde(default)]
    pub password: Option<String>,
    /// Whether `MAIL` needs a successful `AUTH` first (default true).
    #[serde(default)]
    pub require_auth: Option<bool>,
    /// The sender a sandboxed connector uses (default [`DEFAULT_FROM`]).
    #[serde(default)]
    pub from: Option<String>,
    /// Recipients refused for good (550).
    #[serde(default)]
    pub reject_recipients: Vec<String>,
    /// Recipients refused for now (450).
    #[serde(default)]
    pub defer_recipients: Vec<String>,
}

/// One message the sink received.
#[derive(Clone, Debug, serde::Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Received {
    /// The envelope sender.
    pub from: String,
    /// The envelope recipients.
    pub to: Vec<String>,
    /// The decoded `Subject`.
    pub subject: String,
    /// The `Message-ID`, without angle brackets.
    pub message_id: String,
    /// The `text/plain` body, decoded.
    pub text: Option<String>,
    /// The `text/html` body, decoded.
    pub html: Option<String>,
    /// Whether a message with this Message-ID had already arrived.
    pub duplicate: bool,
    /// The raw message as sent.
    #[serde(skip)]
    pub raw: String,
}

#[derive(Clone, Debug, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
struct SmtpFault {
    #[serde(default)]
    reply: Option<String>,
    #[serde(default)]
    count: Option<u32>,
    #[serde(default)]
    drop: Option<u32>,
}

#[derive(Debug, Default)]
struct Mutable {
    messages: Vec<Received>,
    ids: HashSet<String>,
    faults: VecDeque<(Option<String>, u32)>,
}

#[derive(Debug)]
struct Inner {
    username: Option<String>,
    password: Option<String>,
    require_auth: bool,
    from: String,
    reject: HashSet<String>,
    defer: HashSet<String>,
    port: u16,
    state: Mutex<Mutable>,
    counters: Arc<OpCounters>,
    op: &'static str,
}

/// A handle on a running sink. Cheap to clone (shared).
#[derive(Clone, Debug)]
pub struct Sink {
    inner: Arc<Inner>,
}

fn lowercase_set(list: Vec<String>) -> HashSet<String> {
    list.into_iter().map(|r| r.to_ascii_lowercase()).collect()
}

impl Sink {
    /// Starts the SMTP listener on a loopback port (inside the current tokio runtime), counting
    /// each message under `op` in `counters`.
    pub fn start(
        options: SinkOptions,
        counters: Arc<OpCounters>,
        op: &'static str,
    ) -> Result<Sink, String> {
        let runtime = tokio::runtime::Handle::try_current()
            .map_err(|_| "the SMTP sink starts inside a tokio runtime".to_string())?;
        let listener = std::net::TcpListener::bind(("127.0.0.1", 0))
            .and_then(|l| l.set_nonblocking(true).map(|()| l))
            .map_err(|e| format!("SMTP sink: {e}"))?;
        let port = listener
            .local_addr()
            .map_err(|e| format!("SMTP sink: {e}"))?
            .port();
        let sink = Sink::new(options, port, counters, op);
        let accepting = sink.clone();
        runtime.spawn(async move { accepting.accept(listener).await });
        Ok(sink)
    }

    fn new(options: SinkOptions, port: u16, counters: Arc<OpCounters>, op: &'static str) -> Self {
        let require_auth = options.require_auth.unwrap_or(true);
        let (username, password) = if require_auth {
            (
                Some(options.username.unwrap_or_else(|| DEFAULT_USER.into())),
                Some(options.password.unwrap_or_else(|| DEFAULT_PASSWORD.into())),
            )
        } else {
            (options.username, options.password)
        };
        let inner = Inner {
            username,
            password,
            require_auth,
            from: options.from.unwrap_or_else(|| DEFAULT_FROM.into()),
            reject: lowercase_set(options.reject_recipients),
            defer: lowercase_set(options.defer_recipients),
            port,
            state: Mutex::new(Mutable::default()),
            counters,
            op,
        };
        Sink {
            inner: Arc::new(inner),
        }
    }

    async fn accept(self, listener: std::net::TcpListener) {
        let listener = match tokio::net::TcpListener::from_std(listener) {
            Ok(l) => l,
            Err(e) => {
                tracing::warn!(error = %e, "SMTP sink cannot listen");
                return;
            }
        };
        loop {
            let Ok((stream, _)) = listener.accept().await else {
                continue;
            };
            let sink = self.clone();
            tokio::spawn(async move {
                let (r, w) = stream.into_split();
                if let Err(e) = session::run(&sink, BufReader::new(r), w).await {
                    tracing::debug!(error = %e, "smtp sink session ended");
                }
            });
        }
    }

    /// Every message received, in order.
    pub fn messages(&self) -> Vec<Received> {
        lock(&self.inner.state).messages.clone()
    }

    /// The port the SMTP listener is on.
    pub fn port(&self) -> u16 {
        self.inner.port
    }

    /// Settings for a connector that sends to this sink (plain SMTP, its credentials).
    pub fn smtp_settings(&self) -> SmtpSettings {
        SmtpSettings {
            host: "127.0.0.1".into(),
            port: self.port(),
            security: SmtpSecurity::None,
            username: self.inner.username.clone(),
            password: self.inner.password.clone(),
        }
    }

    /// Where the sink listens, `{host, port, username, password}`: what `GET /_smtp` answers
    /// (read back by [`SmtpSettings::from_sink_info`]).
    pub fn info(&self) -> Json {
        json!({"host": "127.0.0.1", "port": self.port(), "username": self.inner.username,
               "password": self.inner.password})
    }

    /// The sender a sandboxed connector uses.
    pub fn default_from(&self) -> String {
        self.inner.from.clone()
    }

    /// Answers the next `count` messages with `reply` (such as `451 4.3.0 Try again later`).
    pub fn fail_next(&self, reply: &str, count: u32) {
        lock(&self.inner.state)
            .faults
            .push_back((Some(reply.to_string()), count));
    }

    /// `GET /messages` and `POST /_smtp/faults` (module doc).
    pub fn routes(&self) -> Router {
        Router::new()
            .route("/messages", get(list_messages))
            .route("/_smtp/faults", post(smtp_faults))
            .with_state(self.clone())
    }

    /// The next queued SMTP fault: `Some(Some(reply))` to answer with, `Some(None)` to drop.
    fn take_fault(&self) -> Option<Option<String>> {
        let mut st = lock(&self.inner.state);
        let (reply, left) = st.faults.front_mut()?;
        let out = reply.clone();
        *left = left.saturating_sub(1);
        if *left == 0 {
            st.faults.pop_front();
        }
        Some(out)
    }

    /// Keeps a message; the reply to its `DATA`.
    fn keep(&self, message: Received) -> String {
        let mut st = lock(&self.inner.state);
        let duplicate =
            !message.message_id.is_empty() && !st.ids.insert(message.message_id.clone());
        st.messages.push(Received {
            duplicate,
            ..message
        });
        let n = st.messages.len();
        drop(st);
        if !duplicate {
            self.inner.counters.applied(self.inner.op);
        }
        format!("250 2.0.0 Ok: queued as {n}")
    }
}

async fn list_messages(State(sink): State<Sink>) -> Response {
    axum::Json(json!({"messages": sink.messages()})).into_response()
}

async fn smtp_faults(State(sink): State<Sink>, body: Bytes) -> Response {
    match serde_json::from_slice::<SmtpFault>(&body) {
        Ok(f) => {
            let mut st = lock(&sink.inner.state);
            if let Some(n) = f.drop {
                st.faults.push_back((None, n));
            }
            if let Some(reply) = f.reply {
                st.faults.push_back((Some(reply), f.count.unwrap_or(1)));
            }
            axum::Json(json!({"queued": st.faults.len()})).into_response()
        }
        Err(e) => (
            StatusCode::BAD_REQUEST,
            axum::Json(json!({"error": e.to_string()})),
        )
            .into_response(),
    }
}
