//! The SMTP client (lettre) and its error mapping.

use std::collections::BTreeMap;
use std::time::Duration;

use handled_connector_core::{HttpClient, Pace, RateLimiter};
use handled_contract::{CallError, ErrorClass, Json};
use lettre::message::header::ContentType;
use lettre::message::{Mailbox, MultiPart};
use lettre::transport::smtp::authentication::Credentials;
use lettre::{AsyncSmtpTransport, AsyncTransport, Message, Tokio1Executor};
use sha2::Digest as _;

use crate::config::{EmailConfig, SmtpSecurity, SmtpSettings};
use crate::template::{Rendered, Templates};
use crate::types::{SendParams, SendResult};

/// How long one SMTP exchange may take.
const SMTP_TIMEOUT: Duration = Duration::from_secs(30);

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

/// Where the SMTP server is.
#[derive(Clone, Debug)]
enum Target {
    /// Known settings.
    Fixed(SmtpSettings),
    /// Asked of a standalone sandbox server (`GET <url>`, `{host, port, username, password}`)
    /// at the first send.
    Discover(String),
}

/// Renders and sends emails.
pub struct EmailClient {
    from: String,
    templates: Templates,
    target: Target,
    transport: tokio::sync::OnceCell<(AsyncSmtpTransport<Tokio1Executor>, Vec<String>)>,
    limiter: RateLimiter,
}

impl std::fmt::Debug for EmailClient {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("EmailClient")
            .field("from", &self.from)
            .field("target", &self.target)
            .finish_non_exhaustive()
    }
}

fn build_transport(s: &SmtpSettings) -> Result<AsyncSmtpTransport<Tokio1Executor>, CallError> {
    handled_connector_core::http::install_crypto_provider();
    let builder = match s.security {
        SmtpSecurity::StartTls => AsyncSmtpTransport::<Tokio1Executor>::starttls_relay(&s.host),
        SmtpSecurity::Implicit => AsyncSmtpTransport::<Tokio1Executor>::relay(&s.host),
        SmtpSecurity::None => Ok(AsyncSmtpTransport::<Tokio1Executor>::builder_dangerous(
            s.host.clone(),
        )),
    }
    .map_err(|e| CallError::permanent(format!("email: bad SMTP server {}: {e}", s.host)))?;
    let mut builder = builder.port(s.port).timeout(Some(SMTP_TIMEOUT));
    if let Some(user) = &s.username {
        builder = builder.credentials(Credentials::new(
            user.clone(),
            s.password.clone().unwrap_or_default(),
        ));
    }
    Ok(builder.build())
}

impl EmailClient {
    /// A client for these settings (SMTP connections are opened at the first send and pooled),
    /// paced at `config.pace`.
    pub fn new(config: EmailConfig) -> Self {
        EmailClient {
            from: config.from,
            templates: config.templates,
            target: Target::Fixed(config.smtp),
            transport: tokio::sync::OnceCell::new(),
            limiter: RateLimiter::at(config.pace),
        }
    }

    /// A client that asks a standalone sandbox server where its SMTP sink is at the first send.
    pub fn discover(discovery_url: &str, from: &str, templates: Templates, pace: Pace) -> Self {
        EmailClient {
            from: from.to_string(),
            templates,
            target: Target::Discover(discovery_url.to_string()),
            transport: tokio::sync::OnceCell::new(),
            limiter: RateLimiter::at(pace),
        }
    }

    /// The same client with templates embedded in the program (file name → source).
    pub fn with_templates(mut self, templates: BTreeMap<String, String>) -> Self {
        self.templates = Templates::Embedded(templates);
        self
    }

    async fn transport(
        &self,
    ) -> Result<&(AsyncSmtpTransport<Tokio1Executor>, Vec<String>), CallError> {
        self.transport
            .get_or_try_init(|| async {
                let settings = match &self.target {
                    Target::Fixed(s) => s.clone(),
                    Target::Discover(url) => discover(url).await?,
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

    /// Renders template `template` with `data` without sending it.
    pub async fn render(&self, template: &str, data: &Json) -> Result<Rendered, CallError> {
        self.templates.render(template, data).await
    }

    /// Renders and sends one email; the Message-ID comes from `idempotency_key`.
    pub async fn send(
        &self,
        params: &SendParams,
        idempotency_key: &str,
    ) -> Result<SendResult, CallError> {
        let to: Mailbox = params.to.parse().map_err(|e| {
            CallError::permanent(format!("email.send: bad recipient {:?}: {e}", params.to))
        })?;
        let from: Mailbox = self.from.parse().map_err(|e| {
            CallError::permanent(format!("email.send: bad sender (EMAIL_FROM): {e}"))
        })?;
        let rendered = self.render(&params.template, &params.data).await?;
        let message_id = message_id_for(idempotency_key, from.email.as_ref());
        let builder = Message::builder()
            .from(from)
            .to(to)
            .subject(rendered.subject.clone())
            .message_id(Some(format!("<{message_id}>")))
            .date_now();
        let message = match (rendered.text, rendered.html) {
            (Some(text), Some(html)) => {
                builder.multipart(MultiPart::alternative_plain_html(text, html))
            }
            (Some(text), None) => builder.header(ContentType::TEXT_PLAIN).body(text),
            (None, Some(html)) => builder.header(ContentType::TEXT_HTML).body(html),
            (None, None) => {
                return Err(CallError::permanent(
                    "email.send: the template rendered no body",
                ));
            }
        }
        .map_err(|e| CallError::permanent(format!("email.send: cannot build the message: {e}")))?;
        let (transport, secrets) = self.transport().await?;
        self.limiter.acquire().await;
        match transport.send(message).await {
            Ok(_) => Ok(SendResult { message_id }),
            Err(e) => {
                let class = classify_smtp(&e);
                let mut text = format!("email.send to {}: SMTP: {e}", params.to);
                for s in secrets {
                    text = text.replace(s.as_str(), "[redacted]");
                }
                let mut err = CallError::new(class, text);
                if let Some(code) = e.status().and_then(|c| c.to_string().parse::<u16>().ok()) {
                    err = err.with_status(code);
                }
                Err(err)
            }
        }
    }
}

async fn discover(url: &str) -> Result<SmtpSettings, CallError> {
    let http = HttpClient::new(crate::NAME)?;
    let info: Json = http.send_json(http.get(url)).await?;
    let host = info
        .get("host")
        .and_then(Json::as_str)
        .unwrap_or("127.0.0.1")
        .to_string();
    let Some(port) = info
        .get("port")
        .and_then(Json::as_u64)
        .and_then(|p| u16::try_from(p).ok())
    else {
        return Err(CallError::permanent(format!(
            "email: {url} did not say where the SMTP sink listens"
        )));
    };
    let text = |k: &str| info.get(k).and_then(Json::as_str).map(str::to_string);
    Ok(SmtpSettings {
        host,
        port,
        security: SmtpSecurity::None,
        username: text("username"),
        password: text("password"),
    })
}
