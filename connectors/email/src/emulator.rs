//! An SMTP sink standing in for a mail server, with an HTTP API to look at what it received.
//!
//! SMTP (plain TCP on 127.0.0.1, no TLS): `EHLO`/`HELO`, `AUTH PLAIN` (inline or after `334`),
//! `AUTH LOGIN`, `MAIL FROM:`, `RCPT TO:`, `DATA` (dot-unstuffed, at most 10 MB), `RSET`,
//! `NOOP`, `QUIT`; `STARTTLS` answers 454. With credentials configured (the default), `MAIL`
//! before a successful `AUTH` is 530 and bad credentials 535. Recipients listed in
//! `rejectRecipients` get 550, those in `deferRecipients` 450.
//!
//! HTTP (the router [`start_sink`] returns):
//! - `GET /messages`: `{"messages":[{from, to, subject, messageId, text, html, duplicate}]}`.
//! - `GET /_smtp`: where the sink listens, `{host, port, username, password}` (for
//!   `sandbox_url`).
//! - `POST /_smtp/faults`: `{"reply": "451 4.3.0 Try again later", "count": 1}` answers the
//!   next `count` `DATA` ends with that reply instead of accepting; `{"drop": 1}` closes the
//!   connection instead.
//! - `GET /_state` ([`EmulatorHandle::state`]) and `/_faults` (HTTP fault injection).
//!
//! Fixture (all optional): `{"username": "sandbox", "password": "sandbox-password",
//! "requireAuth": true, "from": "handled@sandbox.invalid", "rejectRecipients": [],
//! "deferRecipients": []}`.

use handled_contract::lock;
use std::collections::{HashSet, VecDeque};
use std::sync::{Arc, Mutex};

use axum::Router;
use axum::body::Bytes;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use base64::Engine as _;
use handled_connector_core::emulator::{Faults, OpCounters, with_faults};
use handled_contract::Json;
use serde::Deserialize;
use serde_json::json;
use tokio::io::{AsyncBufReadExt, AsyncRead, AsyncWrite, AsyncWriteExt, BufReader};
use tokio::net::TcpListener;

use crate::config::{SmtpSecurity, SmtpSettings};

/// The sender a sandboxed connector uses unless the fixture names one.
pub const DEFAULT_FROM: &str = "handled@sandbox.invalid";
const DEFAULT_USER: &str = "sandbox";
const DEFAULT_PASSWORD: &str = "sandbox-password";
const MAX_MESSAGE: usize = 10 * 1024 * 1024;
const OP: &str = "send";

#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
struct Fixture {
    #[serde(default)]
    username: Option<String>,
    #[serde(default)]
    password: Option<String>,
    #[serde(default)]
    require_auth: Option<bool>,
    #[serde(default)]
    from: Option<String>,
    #[serde(default)]
    reject_recipients: Vec<String>,
    #[serde(default)]
    defer_recipients: Vec<String>,
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
    port: u16,
}

#[derive(Debug)]
struct Inner {
    username: Option<String>,
    password: Option<String>,
    require_auth: bool,
    from: String,
    reject: HashSet<String>,
    defer: HashSet<String>,
    state: Mutex<Mutable>,
    counters: OpCounters,
    faults: Faults,
}

/// A handle on a running sink.
#[derive(Clone, Debug)]
pub struct EmulatorHandle {
    inner: Arc<Inner>,
}

impl EmulatorHandle {
    /// `{"messages":[{from, to, subject, messageId, text, html, duplicate}],
    /// "ops":{"send":{"received":n,"applied":m}}}`: a message whose Message-ID arrived before
    /// counts as received, not applied.
    pub fn state(&self) -> Json {
        let st = lock(&self.inner.state);
        json!({"messages": st.messages, "ops": self.inner.counters.to_json()})
    }

    /// Every message received.
    pub fn messages(&self) -> Vec<Received> {
        lock(&self.inner.state).messages.clone()
    }

    /// The port the SMTP listener is on.
    pub fn smtp_port(&self) -> u16 {
        lock(&self.inner.state).port
    }

    /// Settings for a connector that sends to this sink (plain SMTP, its credentials).
    pub fn smtp_settings(&self) -> SmtpSettings {
        SmtpSettings {
            host: "127.0.0.1".into(),
            port: self.smtp_port(),
            security: SmtpSecurity::None,
            username: self.inner.username.clone(),
            password: self.inner.password.clone(),
        }
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

    /// The HTTP fault queue.
    pub fn faults(&self) -> &Faults {
        &self.inner.faults
    }
}

/// Starts the SMTP listener on a loopback port and returns the sink's HTTP router (mount it
/// anywhere) with a handle on its state, seeded from `fixture` (module doc).
pub async fn start_sink(fixture: Option<Json>) -> Result<(Router, EmulatorHandle), String> {
    let fixture: Fixture = match fixture {
        Some(Json::Null) | None => Fixture::default(),
        Some(v) => serde_json::from_value(v).map_err(|e| format!("email fixture: {e}"))?,
    };
    let require_auth = fixture.require_auth.unwrap_or(true);
    let (username, password) = if require_auth {
        (
            Some(fixture.username.unwrap_or_else(|| DEFAULT_USER.into())),
            Some(fixture.password.unwrap_or_else(|| DEFAULT_PASSWORD.into())),
        )
    } else {
        (fixture.username, fixture.password)
    };
    let faults = Faults::new();
    let inner = Arc::new(Inner {
        username,
        password,
        require_auth,
        from: fixture.from.unwrap_or_else(|| DEFAULT_FROM.into()),
        reject: fixture
            .reject_recipients
            .into_iter()
            .map(|r| r.to_ascii_lowercase())
            .collect(),
        defer: fixture
            .defer_recipients
            .into_iter()
            .map(|r| r.to_ascii_lowercase())
            .collect(),
        state: Mutex::new(Mutable::default()),
        counters: OpCounters::new(),
        faults: faults.clone(),
    });
    let handle = EmulatorHandle { inner };
    let listener = TcpListener::bind(("127.0.0.1", 0))
        .await
        .map_err(|e| format!("email sink: {e}"))?;
    let port = listener
        .local_addr()
        .map_err(|e| format!("email sink: {e}"))?
        .port();
    lock(&handle.inner.state).port = port;
    let accept = handle.clone();
    tokio::spawn(async move {
        loop {
            let Ok((stream, _)) = listener.accept().await else {
                continue;
            };
            let h = accept.clone();
            tokio::spawn(async move {
                let (r, w) = stream.into_split();
                if let Err(e) = session(&h, BufReader::new(r), w).await {
                    tracing::debug!(error = %e, "smtp sink session ended");
                }
            });
        }
    });
    let router = Router::new()
        .route("/messages", get(list_messages))
        .route("/_smtp", get(smtp_info))
        .route("/_smtp/faults", post(smtp_faults))
        .route("/_state", get(get_state))
        .with_state(handle.clone());
    Ok((with_faults(router, faults), handle))
}

async fn get_state(State(h): State<EmulatorHandle>) -> Response {
    axum::Json(h.state()).into_response()
}

async fn list_messages(State(h): State<EmulatorHandle>) -> Response {
    axum::Json(json!({"messages": h.messages()})).into_response()
}

async fn smtp_info(State(h): State<EmulatorHandle>) -> Response {
    axum::Json(
        json!({"host": "127.0.0.1", "port": h.smtp_port(), "username": h.inner.username,
                      "password": h.inner.password}),
    )
    .into_response()
}

async fn smtp_faults(State(h): State<EmulatorHandle>, body: Bytes) -> Response {
    match serde_json::from_slice::<SmtpFault>(&body) {
        Ok(f) => {
            let mut st = lock(&h.inner.state);
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

/// The next queued SMTP fault: `Some(Some(reply))` to answer with, `Some(None)` to drop.
fn take_fault(h: &EmulatorHandle) -> Option<Option<String>> {
    let mut st = lock(&h.inner.state);
    let (reply, left) = st.faults.front_mut()?;
    let out = reply.clone();
    *left = left.saturating_sub(1);
    if *left == 0 {
        st.faults.pop_front();
    }
    Some(out)
}

fn b64(s: &str) -> Option<String> {
    let bytes = base64::engine::general_purpose::STANDARD
        .decode(s.trim())
        .ok()?;
    String::from_utf8(bytes).ok()
}

async fn session<R, W>(
    h: &EmulatorHandle,
    mut reader: BufReader<R>,
    mut w: W,
) -> std::io::Result<()>
where
    R: AsyncRead + Unpin,
    W: AsyncWrite + Unpin,
{
    w.write_all(b"220 handled-sink ESMTP ready\r\n").await?;
    let mut authed = !h.inner.require_auth;
    let mut from: Option<String> = None;
    let mut to: Vec<String> = Vec::new();
    let mut line = Vec::new();
    loop {
        line.clear();
        if reader.read_until(b'\n', &mut line).await? == 0 {
            return Ok(());
        }
        let text = String::from_utf8_lossy(&line).trim_end().to_string();
        let upper = text.to_ascii_uppercase();
        let verb = upper.split_whitespace().next().unwrap_or("");
        let reply: String = match verb {
            "EHLO" => "250-handled-sink\r\n250-AUTH PLAIN LOGIN\r\n250-8BITMIME\r\n250-SIZE 10485760\r\n250 OK".into(),
            "HELO" => "250 handled-sink".into(),
            "NOOP" => "250 OK".into(),
            "RSET" => {
                from = None;
                to.clear();
                "250 OK".into()
            }
            "QUIT" => {
                w.write_all(b"221 Bye\r\n").await?;
                return Ok(());
            }
            "STARTTLS" => "454 4.7.0 TLS not available".into(),
            "AUTH" => {
                let parts: Vec<&str> = text.split_whitespace().collect();
                let mech = parts.get(1).map(|m| m.to_ascii_uppercase()).unwrap_or_default();
                let creds = match mech.as_str() {
                    "PLAIN" => {
                        let payload = match parts.get(2) {
                            Some(p) => p.to_string(),
                            None => {
                                w.write_all(b"334 \r\n").await?;
                                read_line(&mut reader).await?
                            }
                        };
                        b64(&payload).and_then(|s| {
                            let mut it = s.split('\0');
                            let _authz = it.next()?;
                            Some((it.next()?.to_string(), it.next()?.to_string()))
                        })
                    }
                    "LOGIN" => {
                        let user = match parts.get(2) {
                            Some(u) => b64(u),
                            None => {
                                w.write_all(b"334 VXNlcm5hbWU6\r\n").await?;
                                b64(&read_line(&mut reader).await?)
                            }
                        };
                        w.write_all(b"334 UGFzc3dvcmQ6\r\n").await?;
                        let pass = b64(&read_line(&mut reader).await?);
                        user.zip(pass)
                    }
                    _ => None,
                };
                match creds {
                    Some((u, p)) if Some(&u) == h.inner.username.as_ref() && Some(&p) == h.inner.password.as_ref() => {
                        authed = true;
                        "235 2.7.0 Authentication successful".into()
                    }
                    Some(_) => "535 5.7.8 Authentication credentials invalid".into(),
                    None => "504 5.5.4 Unrecognized authentication type or bad payload".into(),
                }
            }
            "MAIL" => {
                if !authed {
                    "530 5.7.0 Authentication required".into()
                } else {
                    from = Some(address(&text));
                    to.clear();
                    "250 2.1.0 OK".into()
                }
            }
            "RCPT" => {
                let addr = address(&text);
                let lower = addr.to_ascii_lowercase();
                if from.is_none() {
                    "503 5.5.1 MAIL first".into()
                } else if h.inner.reject.contains(&lower) {
                    "550 5.1.1 No such user".into()
                } else if h.inner.defer.contains(&lower) {
                    "450 4.2.1 Mailbox busy, try again later".into()
                } else {
                    to.push(addr);
                    "250 2.1.5 OK".into()
                }
            }
            "DATA" => {
                if from.is_none() || to.is_empty() {
                    "503 5.5.1 RCPT first".into()
                } else {
                    w.write_all(b"354 End data with <CR><LF>.<CR><LF>\r\n").await?;
                    let data = read_data(&mut reader).await?;
                    h.inner.counters.received(OP);
                    match (data, take_fault(h)) {
                        (_, Some(None)) => return Ok(()),
                        (_, Some(Some(reply))) => reply,
                        (None, None) => "552 5.3.4 Message too big".into(),
                        (Some(raw), None) => {
                            let msg = parse_message(from.take().unwrap_or_default(), std::mem::take(&mut to), raw);
                            let mut st = lock(&h.inner.state);
                            let duplicate = !msg.message_id.is_empty() && !st.ids.insert(msg.message_id.clone());
                            let n = st.messages.len() + 1;
                            st.messages.push(Received { duplicate, ..msg });
                            drop(st);
                            if !duplicate {
                                h.inner.counters.applied(OP);
                            }
                            format!("250 2.0.0 Ok: queued as {n}")
                        }
                    }
                }
            }
            _ => "502 5.5.2 Command not recognized".into(),
        };
        w.write_all(reply.as_bytes()).await?;
        w.write_all(b"\r\n").await?;
        w.flush().await?;
    }
}

async fn read_line<R: AsyncRead + Unpin>(reader: &mut BufReader<R>) -> std::io::Result<String> {
    let mut line = Vec::new();
    reader.read_until(b'\n', &mut line).await?;
    Ok(String::from_utf8_lossy(&line).trim_end().to_string())
}

/// Reads a DATA section up to the lone dot; `None` when it was too large (still consumed).
async fn read_data<R: AsyncRead + Unpin>(
    reader: &mut BufReader<R>,
) -> std::io::Result<Option<String>> {
    let mut out = Vec::new();
    let mut line = Vec::new();
    let mut too_big = false;
    loop {
        line.clear();
        if reader.read_until(b'\n', &mut line).await? == 0 {
            return Err(std::io::Error::new(
                std::io::ErrorKind::UnexpectedEof,
                "connection closed in DATA",
            ));
        }
        if line == b".\r\n" || line == b".\n" {
            break;
        }
        let content = if line.starts_with(b"..") {
            &line[1..]
        } else {
            &line[..]
        };
        if out.len() + content.len() > MAX_MESSAGE {
            too_big = true;
        } else {
            out.extend_from_slice(content);
        }
    }
    Ok(if too_big {
        None
    } else {
        Some(String::from_utf8_lossy(&out).into_owned())
    })
}

/// `MAIL FROM:<a@b> SIZE=…` → `a@b`.
fn address(line: &str) -> String {
    let after = line.split_once(':').map(|(_, r)| r).unwrap_or("").trim();
    let inner = match (after.find('<'), after.find('>')) {
        (Some(a), Some(b)) if a < b => &after[a + 1..b],
        _ => after.split_whitespace().next().unwrap_or(""),
    };
    inner.to_string()
}

/// Splits headers (unfolded, names lowercased) from the body.
fn split_headers(raw: &str) -> (Vec<(String, String)>, String) {
    let (head, body) = match raw.find("\r\n\r\n") {
        Some(i) => (&raw[..i], raw[i + 4..].to_string()),
        None => match raw.find("\n\n") {
            Some(i) => (&raw[..i], raw[i + 2..].to_string()),
            None => (raw, String::new()),
        },
    };
    let mut headers: Vec<(String, String)> = Vec::new();
    for line in head.lines() {
        if line.starts_with([' ', '\t']) {
            if let Some(last) = headers.last_mut() {
                last.1.push(' ');
                last.1.push_str(line.trim());
            }
            continue;
        }
        if let Some((k, v)) = line.split_once(':') {
            headers.push((k.trim().to_ascii_lowercase(), v.trim().to_string()));
        }
    }
    (headers, body)
}

fn header<'a>(headers: &'a [(String, String)], name: &str) -> Option<&'a str> {
    headers
        .iter()
        .find(|(k, _)| k == name)
        .map(|(_, v)| v.as_str())
}

fn quoted_printable(s: &str) -> Vec<u8> {
    let mut out = Vec::with_capacity(s.len());
    let bytes = s.as_bytes();
    let mut i = 0;
    while i < bytes.len() {
        match bytes[i] {
            b'=' if bytes.get(i + 1) == Some(&b'\r') && bytes.get(i + 2) == Some(&b'\n') => i += 3,
            b'=' if bytes.get(i + 1) == Some(&b'\n') => i += 2,
            b'=' => match s
                .get(i + 1..i + 3)
                .and_then(|h| u8::from_str_radix(h, 16).ok())
            {
                Some(b) => {
                    out.push(b);
                    i += 3;
                }
                None => {
                    out.push(b'=');
                    i += 1;
                }
            },
            b => {
                out.push(b);
                i += 1;
            }
        }
    }
    out
}

fn decode_body(headers: &[(String, String)], body: &str) -> String {
    let encoding = header(headers, "content-transfer-encoding")
        .unwrap_or("7bit")
        .to_ascii_lowercase();
    let bytes = match encoding.as_str() {
        "base64" => {
            let compact: String = body.chars().filter(|c| !c.is_whitespace()).collect();
            base64::engine::general_purpose::STANDARD
                .decode(compact)
                .unwrap_or_default()
        }
        "quoted-printable" => quoted_printable(body),
        _ => body.as_bytes().to_vec(),
    };
    String::from_utf8_lossy(&bytes).replace("\r\n", "\n")
}

/// Decodes RFC 2047 encoded words (`=?utf-8?b?…?=`, `=?utf-8?q?…?=`).
fn decode_words(value: &str) -> String {
    let mut out = String::new();
    let mut rest = value;
    let mut last_was_word = false;
    while let Some(start) = rest.find("=?") {
        let before = &rest[..start];
        if !(last_was_word && before.trim().is_empty()) {
            out.push_str(before);
        }
        let tail = &rest[start + 2..];
        let parts: Vec<&str> = tail.splitn(3, '?').collect();
        let (Some(enc), Some(rem)) = (parts.get(1), parts.get(2)) else {
            out.push_str(&rest[start..]);
            return out;
        };
        let Some(end) = rem.find("?=") else {
            out.push_str(&rest[start..]);
            return out;
        };
        let text = &rem[..end];
        let bytes = match enc.to_ascii_lowercase().as_str() {
            "b" => base64::engine::general_purpose::STANDARD
                .decode(text)
                .unwrap_or_default(),
            _ => quoted_printable(&text.replace('_', " ")),
        };
        out.push_str(&String::from_utf8_lossy(&bytes));
        rest = &rem[end + 2..];
        last_was_word = true;
    }
    out.push_str(rest);
    out
}

fn parse_message(from: String, to: Vec<String>, raw: String) -> Received {
    let (headers, body) = split_headers(&raw);
    let subject = decode_words(header(&headers, "subject").unwrap_or(""));
    let message_id = header(&headers, "message-id")
        .unwrap_or("")
        .trim()
        .trim_start_matches('<')
        .trim_end_matches('>')
        .to_string();
    let ctype = header(&headers, "content-type")
        .unwrap_or("text/plain")
        .to_string();
    let (mut text, mut html) = (None, None);
    if ctype.to_ascii_lowercase().starts_with("multipart/") {
        let boundary = ctype
            .split(';')
            .filter_map(|p| p.trim().strip_prefix("boundary="))
            .next()
            .map(|b| b.trim_matches('"').to_string())
            .unwrap_or_default();
        if !boundary.is_empty() {
            for part in body.split(&format!("--{boundary}")).skip(1) {
                if part.starts_with("--") {
                    break;
                }
                let (ph, pb) = split_headers(part.trim_start_matches(['\r', '\n']));
                let pt = header(&ph, "content-type")
                    .unwrap_or("text/plain")
                    .to_ascii_lowercase();
                let decoded = decode_body(&ph, pb.trim_end_matches(['\r', '\n']));
                if pt.starts_with("text/html") {
                    html = Some(decoded);
                } else if pt.starts_with("text/plain") {
                    text = Some(decoded);
                }
            }
        }
    } else if ctype.to_ascii_lowercase().starts_with("text/html") {
        html = Some(decode_body(&headers, &body));
    } else {
        text = Some(decode_body(&headers, &body));
    }
    Received {
        from,
        to,
        subject,
        message_id,
        text,
        html,
        duplicate: false,
        raw,
    }
}
