//! SMTP: where the server is (`SMTP_URL`), the Message-ID of a send, the error class of a
//! failure, and [`Mailer`], the paced sender over one pooled lettre transport.

use std::time::Duration;

use handled_contract::{CallError, ErrorClass, Json};
use lettre::message::header::ContentType;
use lettre::message::{Mailbox, MultiPart};
use lettre::transport::smtp::authentication::Credentials;
use lettre::{AsyncSmtpTransport, AsyncTransport, Message, Tokio1Executor};
use sha2::Digest as _;

use crate::http::HttpClient;
use crate::limit::{Pace, RateLimiter};

/// How long one SMTP exchange may take.
const SMTP_TIMEOUT: Duration = Duration::from_secs(30);

/// How the SMTP connection is secured.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum SmtpSecurity {
    /// `smtp://`: plain connection upgraded with STARTTLS, which is required (port 587).
    StartTls,
    /// `smtps://`: TLS from the first byte (port 465).
    Implicit,
    /// No TLS at all: only for a local sink (`smtp://…?tls=none`, the sandbox).
    None,
}

/// Where and how to send.
#[derive(Clone)]
pub struct SmtpSettings {
    /// The server's host name.
    pub host: String,
    /// Its port.
    pub port: u16,
    /// TLS mode.
    pub security: SmtpSecurity,
    /// AUTH user, from the URL's userinfo.
    pub username: Option<String>,
    /// AUTH password, from the URL's userinfo.
    pub password: Option<String>,
}

impl std::fmt::Debug for SmtpSettings {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SmtpSettings")
            .field("host", &self.host)
            .field("port", &self.port)
            .field("security", &self.security)
            .field("username", &self.username)
            .finish_non_exhaustive()
    }
}

fn percent_decode(s: &str) -> String {
    let bytes = s.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%'
            && let Some(b) = s
                .get(i + 1..i + 3)
                .and_then(|h| u8::from_str_radix(h, 16).ok())
        {
            out.push(b);
            i += 3;
            continue;
        }
        out.push(bytes[i]);
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

/// The security a URL's query asks for (`tls=none`), or why it is refused.
fn query_security(query: Option<&str>, security: SmtpSecurity) -> Result<SmtpSecurity, String> {
    let mut security = security;
    for pair in query.unwrap_or("").split('&') {
        match pair {
            "tls=none" => security = SmtpSecurity::None,
            "" => {}
            _ => {
                return Err(format!(
                    "SMTP_URL: unknown option {:?} (only tls=none)",
                    pair.split('=').next().unwrap_or("")
                ));
            }
        }
    }
    Ok(security)
}

/// `user:pass` (percent-decoded) of a URL's userinfo.
fn credentials(userinfo: Option<&str>) -> (Option<String>, Option<String>) {
    match userinfo {
        Some(u) => match u.split_once(':') {
            Some((user, pass)) => (Some(percent_decode(user)), Some(percent_decode(pass))),
            None => (Some(percent_decode(u)), None),
        },
        None => (None, None),
    }
}

/// Host and port of `host:port`, `[v6]:port` or a bare host (the port by TLS mode).
fn host_port(hostport: &str, security: SmtpSecurity) -> Result<(String, u16), String> {
    let unbracket = |h: &str| h.trim_start_matches('[').trim_end_matches(']').to_string();
    match hostport.rsplit_once(':') {
        Some((h, p)) if !h.ends_with(']') || hostport.starts_with('[') => {
            let port = p
                .parse::<u16>()
                .map_err(|_| "SMTP_URL has a bad port".to_string())?;
            Ok((unbracket(h), port))
        }
        _ => {
            let port = if security == SmtpSecurity::Implicit {
                465
            } else {
                587
            };
            Ok((unbracket(hostport), port))
        }
    }
}

impl SmtpSettings {
    /// Parses `smtp://user:pass@host:587` (STARTTLS), `smtps://user:pass@host:465` (implicit
    /// TLS), or `smtp://host:1025?tls=none` (no TLS, local sinks only). User and password are
    /// percent-decoded. Errors never repeat the password.
    pub fn parse(url: &str) -> Result<Self, String> {
        let (scheme, rest) = url
            .split_once("://")
            .ok_or("SMTP_URL must look like smtp://user:pass@host:587")?;
        let security = match scheme.to_ascii_lowercase().as_str() {
            "smtp" => SmtpSecurity::StartTls,
            "smtps" => SmtpSecurity::Implicit,
            _ => {
                return Err("SMTP_URL must start with smtp:// (STARTTLS) or smtps:// (TLS)".into());
            }
        };
        let (authority, query) = match rest.split_once('?') {
            Some((a, q)) => (a, Some(q)),
            None => (rest, None),
        };
        let security = query_security(query, security)?;
        let authority = authority.trim_end_matches('/');
        let (userinfo, hostport) = match authority.rsplit_once('@') {
            Some((u, h)) => (Some(u), h),
            None => (None, authority),
        };
        let (username, password) = credentials(userinfo);
        let (host, port) = host_port(hostport, security)?;
        if host.is_empty() {
            return Err("SMTP_URL has no host".into());
        }
        Ok(SmtpSettings {
            host,
            port,
            security,
            username: username.filter(|u| !u.is_empty()),
            password,
        })
    }

    /// The settings an SMTP sink announces (`GET …/_smtp`: `{host, port, username,
    /// password}`, see [`crate::mail::Sink::info`]); `None` without a port.
    pub fn from_sink_info(info: &Json) -> Option<Self> {
        let port = info
            .get("port")
            .and_then(Json::as_u64)
            .and_then(|p| u16::try_from(p).ok())?;
        let text = |k: &str| info.get(k).and_then(Json::as_str).map(str::to_string);
        Some(SmtpSettings {
            host: text("host").unwrap_or_else(|| "127.0.0.1".into()),
            port,
            security: SmtpSecurity::None,
            username: text("username"),
            password: text("password"),
        })
    }
}

/// The Message-ID (without angle brackets) for a send with this idempotency key: the same
/// on every retry, so a retried send is recognisable (`<hex>@<sender's domain>`).
pub fn message_id_for(idempotency_key: &str, from: &str) -> String {
    let digest = sha2::Sha256::digest(idempotency_key.as_bytes());
    let hex: String = digest.iter().take(16).map(|b| format!("{b:02x}")).collect();
    let domain = from
        .rsplit('@')
        .next()
        .map(|d| d.trim_end_matches('>').trim())
        .filter(|d| !d.is_empty() && !d.contains(' '))
        .unwrap_or("handled.invalid");
    format!("{hex}.handled@{domain}")
}

/// Maps an SMTP failure to an error class: 530/534/535 (authentication) → Auth; other 4xx
/// replies → Retryable; other 5xx replies → Permanent; timeouts, TLS and connection failures →
/// Retryable; client-side errors → Permanent.
pub fn classify_smtp(e: &lettre::transport::smtp::Error) -> ErrorClass {
    if let Some(code) = e.status() {
        let code = code.to_string();
        if matches!(code.as_str(), "530" | "534" | "535") {
            return ErrorClass::Auth;
        }
        if e.is_transient() {
            return ErrorClass::Retryable;
        }
        return ErrorClass::Permanent;
    }
    if e.is_client() {
        return ErrorClass::Permanent;
    }
    ErrorClass::Retryable
}

/// One message to send: envelope and headers from its fields, `multipart/alternative` when it
/// has both bodies.
#[derive(Clone, Debug)]
pub struct Letter {
    /// The sender.
    pub from: Mailbox,
    /// The recipients (at least one).
    pub to: Vec<Mailbox>,
    /// The subject.
    pub subject: String,
    /// The plain-text body.
    pub text: Option<String>,
    /// The HTML body.
    pub html: Option<String>,
    /// The Message-ID, without angle brackets (see [`message_id_for`]).
    pub message_id: String,
}

impl Letter {
    /// The lettre message, or why it cannot be built (always permanent).
    fn message(self) -> Result<Message, CallError> {
        let mut builder = Message::builder()
            .from(self.from)
            .subject(self.subject)
            .message_id(Some(format!("<{}>", self.message_id)))
            .date_now();
        for to in self.to {
            builder = builder.to(to);
        }
        let message = match (self.text, self.html) {
            (Some(text), Some(html)) => {
                builder.multipart(MultiPart::alternative_plain_html(text, html))
            }
            (Some(text), None) => builder.header(ContentType::TEXT_PLAIN).body(text),
            (None, Some(html)) => builder.header(ContentType::TEXT_HTML).body(html),
            (None, None) => return Err(CallError::permanent("the message has no body")),
        };
        message.map_err(|e| CallError::permanent(format!("cannot build the message: {e}")))
    }
}

/// Where the SMTP server is.
#[derive(Clone, Debug)]
enum Target {
    /// Known settings.
    Fixed(SmtpSettings),
    /// Asked of a standalone sandbox server (`GET <url>`, `{host, port, username, password}`)
    /// at the first send.
    Discover(String),
}

type Transport = AsyncSmtpTransport<Tokio1Executor>;

/// Sends [`Letter`]s over one pooled SMTP transport (opened at the first send), at a
/// client-side pace.
pub struct Mailer {
    connector: &'static str,
    target: Target,
    transport: tokio::sync::OnceCell<(Transport, Vec<String>)>,
    limiter: RateLimiter,
}

impl std::fmt::Debug for Mailer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Mailer")
            .field("connector", &self.connector)
            .field("target", &self.target)
            .finish_non_exhaustive()
    }
}

fn build_transport(s: &SmtpSettings) -> Result<Transport, CallError> {
    crate::http::install_crypto_provider();
    let builder = match s.security {
        SmtpSecurity::StartTls => Transport::starttls_relay(&s.host),
        SmtpSecurity::Implicit => Transport::relay(&s.host),
        SmtpSecurity::None => Ok(Transport::builder_dangerous(s.host.clone())),
    }
    .map_err(|e| CallError::permanent(format!("bad SMTP server {}: {e}", s.host)))?;
    let mut builder = builder.port(s.port).timeout(Some(SMTP_TIMEOUT));
    if let Some(user) = &s.username {
        builder = builder.credentials(Credentials::new(
            user.clone(),
            s.password.clone().unwrap_or_default(),
        ));
    }
    Ok(builder.build())
}

/// Asks a standalone sandbox server where its SMTP sink listens.
async fn discover(connector: &'static str, url: &str) -> Result<SmtpSettings, CallError> {
    let http = HttpClient::new(connector)?;
    let info: Json = http.send_json(http.get(url)).await?;
    SmtpSettings::from_sink_info(&info).ok_or_else(|| {
        CallError::permanent(format!("{url} did not say where the SMTP sink listens"))
    })
}

impl Mailer {
    /// A mailer for `connector` (named in its errors) sending through `settings`.
    pub fn new(connector: &'static str, settings: SmtpSettings, pace: Pace) -> Self {
        Mailer {
            connector,
            target: Target::Fixed(settings),
            transport: tokio::sync::OnceCell::new(),
            limiter: RateLimiter::at(pace),
        }
    }

    /// A mailer that asks a standalone sandbox server where its SMTP sink is (`GET
    /// discovery_url`) at the first send.
    pub fn discover(connector: &'static str, discovery_url: &str, pace: Pace) -> Self {
        Mailer {
            connector,
            target: Target::Discover(discovery_url.to_string()),
            transport: tokio::sync::OnceCell::new(),
            limiter: RateLimiter::at(pace),
        }
    }

    async fn transport(&self) -> Result<&(Transport, Vec<String>), CallError> {
        self.transport
            .get_or_try_init(|| async {
                let settings = match &self.target {
                    Target::Fixed(s) => s.clone(),
                    Target::Discover(url) => discover(self.connector, url).await?,
                };
                let secrets: Vec<String> = settings
                    .password
                    .iter()
                    .filter(|p| p.len() >= 4)
                    .cloned()
                    .collect();
                Ok((build_transport(&settings)?, secrets))
            })
            .await
    }

    /// Sends one letter. The error's class decides retries ([`classify_smtp`]), its status is
    /// the SMTP reply code, and its message (`SMTP: …`) never repeats the password.
    pub async fn send(&self, letter: Letter) -> Result<(), CallError> {
        let message = letter.message()?;
        let (transport, secrets) = self.transport().await?;
        self.limiter.acquire().await;
        let Err(e) = transport.send(message).await else {
            return Ok(());
        };
        let mut text = format!("SMTP: {e}");
        for s in secrets {
            text = text.replace(s.as_str(), "[redacted]");
        }
        let mut err = CallError::new(classify_smtp(&e), text);
        if let Some(code) = e.status().and_then(|c| c.to_string().parse::<u16>().ok()) {
            err = err.with_status(code);
        }
        Err(err)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_message_id_is_the_keys_and_the_senders_domain() {
        let a = message_id_for("run-1:po:0", "Buyer <buyer@shop.example>");
        assert!(a.ends_with(".handled@shop.example"), "{a}");
        assert_eq!(a, message_id_for("run-1:po:0", "buyer@shop.example"));
        assert_ne!(a, message_id_for("run-1:po:1", "buyer@shop.example"));
        assert!(message_id_for("k", "nobody").ends_with("@nobody"));
    }

    #[test]
    fn sink_info_gives_plain_settings() {
        let info = serde_json::json!({"host": "127.0.0.1", "port": 2525, "username": "u"});
        let s = SmtpSettings::from_sink_info(&info);
        assert_eq!(
            s.map(|s| (s.port, s.security, s.username)),
            Some((2525, SmtpSecurity::None, Some("u".into())))
        );
        assert!(SmtpSettings::from_sink_info(&serde_json::json!({})).is_none());
    }
}
