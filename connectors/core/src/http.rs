//! The HTTP client every connector uses, and the one place where HTTP outcomes become
//! classified [`CallError`]s.
//!
//! ```no_run
//! # async fn f() -> Result<(), handled_contract::CallError> {
//! use handled_connector_core::HttpClient;
//! let http = HttpClient::new("segment")?.with_secrets(["write-key".to_string()]);
//! let req = http.post("http://127.0.0.1:1/v1/track").json(&serde_json::json!({"event": "x"}));
//! let resp = http.send(req).await?; // non-2xx already turned into a classified error
//! let body: serde_json::Value = resp.json()?;
//! # let _ = body; Ok(()) }
//! ```

use std::sync::{Arc, Once};
use std::time::{Duration, SystemTime};

use handled_contract::{CallError, ErrorClass, Json};
use reqwest::header::HeaderMap;
use serde::de::DeserializeOwned;

use handled_contract::redact::Redactor;

/// How long a connection may take to open, by default.
pub const DEFAULT_CONNECT_TIMEOUT: Duration = Duration::from_secs(10);
/// How long a whole request (connect, send, read the body) may take, by default.
pub const DEFAULT_REQUEST_TIMEOUT: Duration = Duration::from_secs(30);
/// The longest error-body excerpt put into a message.
const MAX_MESSAGE_LEN: usize = 300;

static INSTALL_PROVIDER: Once = Once::new();

/// Installs rustls' `ring` crypto provider as the process default, once. Safe to call from
/// anywhere, any number of times; when another provider was installed first it is kept.
pub fn install_crypto_provider() {
    INSTALL_PROVIDER.call_once(|| {
        // An error only means a provider is already installed, which is what we want.
        let _ = rustls::crypto::ring::default_provider().install_default();
    });
}

/// An HTTP response that was received in full.
#[derive(Clone, Debug)]
pub struct HttpResponse {
    /// The status code.
    pub status: u16,
    /// The response headers.
    pub headers: HeaderMap,
    /// The body bytes.
    pub body: Vec<u8>,
}

impl HttpResponse {
    /// A header's value as text.
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.get(name).and_then(|v| v.to_str().ok())
    }

    /// The body parsed as JSON; a body that does not parse is a Permanent error (the API
    /// answered something we do not understand; repeating will not help).
    pub fn json<T: DeserializeOwned>(&self) -> Result<T, CallError> {
        serde_json::from_slice(&self.body).map_err(|e| {
            CallError::permanent(format!(
                "HTTP {}: response body is not the expected JSON: {e}",
                self.status
            ))
            .with_status(self.status)
        })
    }

    /// The body as (lossy) UTF-8 text.
    pub fn text(&self) -> String {
        String::from_utf8_lossy(&self.body).into_owned()
    }

    /// Whether the status is 2xx.
    pub fn is_success(&self) -> bool {
        (200..300).contains(&self.status)
    }
}

/// A reqwest client with timeouts, a name for messages, and the secrets to keep out of them.
#[derive(Clone, Debug)]
pub struct HttpClient {
    inner: reqwest::Client,
    name: &'static str,
    redactor: Arc<Redactor>,
}

impl HttpClient {
    /// A client with the default timeouts (10 s connect, 30 s per request). `name` (the
    /// connector's) prefixes error messages.
    pub fn new(name: &'static str) -> Result<Self, CallError> {
        Self::with_timeouts(name, DEFAULT_CONNECT_TIMEOUT, DEFAULT_REQUEST_TIMEOUT)
    }

    /// A client with these timeouts.
    pub fn with_timeouts(
        name: &'static str,
        connect: Duration,
        request: Duration,
    ) -> Result<Self, CallError> {
        install_crypto_provider();
        // The one place a connector's HTTP client is built.
        #[allow(clippy::disallowed_methods)]
        let inner = reqwest::Client::builder()
            .connect_timeout(connect)
            .timeout(request)
            .user_agent(concat!("handled/", env!("CARGO_PKG_VERSION")))
            .build()
            .map_err(|e| {
                CallError::permanent(format!("{name}: cannot build the HTTP client: {e}"))
            })?;
        Ok(HttpClient {
            inner,
            name,
            redactor: Arc::new(Redactor::default()),
        })
    }

    /// The same client, scrubbing these values (tokens, keys) from every error message.
    pub fn with_secrets<I: IntoIterator<Item = String>>(mut self, secrets: I) -> Self {
        self.redactor = Arc::new(Redactor::from_values(secrets));
        self
    }

    /// The connector name used in messages.
    pub fn name(&self) -> &'static str {
        self.name
    }

    /// The underlying reqwest client, to build requests.
    pub fn client(&self) -> &reqwest::Client {
        &self.inner
    }

    /// Starts a GET request (the URL as text, or parsed once with [`reqwest::Url::parse`] by a
    /// caller that sends to it often).
    pub fn get<U: reqwest::IntoUrl>(&self, url: U) -> reqwest::RequestBuilder {
        self.inner.get(url)
    }

    /// Starts a POST request.
    pub fn post<U: reqwest::IntoUrl>(&self, url: U) -> reqwest::RequestBuilder {
        self.inner.post(url)
    }

    /// Starts a PUT request.
    pub fn put<U: reqwest::IntoUrl>(&self, url: U) -> reqwest::RequestBuilder {
        self.inner.put(url)
    }

    /// Starts a request with any method.
    pub fn request<U: reqwest::IntoUrl>(
        &self,
        method: reqwest::Method,
        url: U,
    ) -> reqwest::RequestBuilder {
        self.inner.request(method, url)
    }

    /// Scrubs the configured secrets out of a message.
    pub fn redact(&self, text: &str) -> String {
        self.redactor.text(text)
    }

    /// Sends the request and reads the whole body, whatever the status. Only transport
    /// failures are errors here (connection, timeout, a body cut short: Retryable). For APIs
    /// whose errors come as 200 (GraphQL, Slack), or to look at the status yourself.
    pub async fn send_raw(
        &self,
        request: reqwest::RequestBuilder,
    ) -> Result<HttpResponse, CallError> {
        let (what, response) = match request.build() {
            Ok(req) => {
                let what = format!("{} {}", req.method(), req.url().path());
                (what, self.inner.execute(req).await)
            }
            Err(e) => {
                return Err(CallError::permanent(self.redact(&format!(
                    "{}: bad request: {}",
                    self.name,
                    e.without_url()
                ))));
            }
        };
        let mut response = response.map_err(|e| self.transport_error(&what, e))?;
        let status = response.status().as_u16();
        let headers = std::mem::take(response.headers_mut());
        let body = response
            .bytes()
            .await
            .map_err(|e| self.transport_error(&what, e))?
            .into();
        tracing::debug!(connector = self.name, call = %what, status, "call answered");
        Ok(HttpResponse {
            status,
            headers,
            body,
        })
    }

    /// Sends the request; a 2xx response is returned, anything else becomes a classified
    /// error (see [`classify_status`]).
    pub async fn send(&self, request: reqwest::RequestBuilder) -> Result<HttpResponse, CallError> {
        let response = self.send_raw(request).await?;
        if response.is_success() {
            return Ok(response);
        }
        let error = classify_status(
            response.status,
            &response.headers,
            &response.body,
            handled_contract::clock::wall_now(),
        );
        tracing::info!(
            connector = self.name,
            status = response.status,
            class = ?error.class,
            retry_after_ms = error.retry_after.map(|d| d.as_millis() as u64),
            "call failed"
        );
        Err(CallError {
            message: self.redact(&format!("{}: {}", self.name, error.message)),
            ..error
        })
    }

    /// Sends the request and parses the 2xx body as JSON.
    pub async fn send_json<T: DeserializeOwned>(
        &self,
        request: reqwest::RequestBuilder,
    ) -> Result<T, CallError> {
        self.send(request).await?.json()
    }

    fn transport_error(&self, what: &str, e: reqwest::Error) -> CallError {
        let kind = if e.is_timeout() {
            "timed out"
        } else if e.is_connect() {
            "connection failed"
        } else if e.is_body() || e.is_decode() {
            "response cut short"
        } else {
            "request failed"
        };
        let detail = error_chain(&e.without_url());
        tracing::info!(connector = self.name, call = %what, kind, "call failed (retryable)");
        CallError::new(
            ErrorClass::Retryable,
            self.redact(&format!("{}: {what}: {kind}: {detail}", self.name)),
        )
    }
}

fn error_chain(e: &dyn std::error::Error) -> String {
    let mut out = e.to_string();
    let mut source = e.source();
    while let Some(s) = source {
        out.push_str(": ");
        out.push_str(&s.to_string());
        source = s.source();
    }
    out
}

/// Turns a non-2xx response into a classified error: 429 → Throttled (with `Retry-After` if
/// given), 5xx and 408 → Retryable, 401/403 → Auth, other 4xx → Permanent with the body's
/// message. The message never contains request headers (where credentials live).
pub fn classify_status(
    status: u16,
    headers: &HeaderMap,
    body: &[u8],
    now: SystemTime,
) -> CallError {
    let detail = body_message(body);
    let detail = if detail.is_empty() {
        String::new()
    } else {
        format!(": {detail}")
    };
    let message = format!("HTTP {status}{detail}");
    let error = match status {
        429 => {
            let mut e = CallError::new(ErrorClass::Throttled, message);
            if let Some(after) = headers
                .get("retry-after")
                .and_then(|v| v.to_str().ok())
                .and_then(|v| parse_retry_after(v, now))
            {
                e = e.with_retry_after(after);
            }
            e
        }
        401 | 403 => CallError::new(ErrorClass::Auth, message),
        408 | 500..=599 => {
            let mut e = CallError::new(ErrorClass::Retryable, message);
            if let Some(after) = headers
                .get("retry-after")
                .and_then(|v| v.to_str().ok())
                .and_then(|v| parse_retry_after(v, now))
            {
                e = e.with_retry_after(after);
            }
            e
        }
        _ => CallError::new(ErrorClass::Permanent, message),
    };
    error.with_status(status)
}

/// Parses a `Retry-After` value: delay seconds (`"120"`, also fractional `"1.5"`) or an HTTP
/// date (`"Wed, 21 Oct 2015 07:28:00 GMT"`, measured from `now`; a date in the past is 0).
pub fn parse_retry_after(value: &str, now: SystemTime) -> Option<Duration> {
    let value = value.trim();
    if let Ok(secs) = value.parse::<u64>() {
        return Some(Duration::from_secs(secs));
    }
    if let Ok(secs) = value.parse::<f64>() {
        if secs.is_finite() && secs >= 0.0 {
            return Some(Duration::from_secs_f64(secs));
        }
        return None;
    }
    let date = chrono::DateTime::parse_from_rfc2822(value).ok()?;
    let at = SystemTime::UNIX_EPOCH.checked_add(Duration::from_millis(
        u64::try_from(date.timestamp_millis()).ok()?,
    ))?;
    Some(at.duration_since(now).unwrap_or(Duration::ZERO))
}

/// The human message in an error body: a JSON body's `message`, `error_description`, `error`
/// (string or `{message}`), `errors` (string, or the first entry's `message`/`longMessage`),
/// `detail`/`title`; else the text itself, shortened.
pub fn body_message(body: &[u8]) -> String {
    if let Ok(json) = serde_json::from_slice::<Json>(body)
        && let Some(m) = json_message(&json)
    {
        return shorten(&m);
    }
    shorten(String::from_utf8_lossy(body).trim())
}

fn json_message(json: &Json) -> Option<String> {
    let text = |v: &Json| v.as_str().map(str::to_string);
    match json {
        Json::Object(map) => {
            for key in [
                "message",
                "error_description",
                "errorMessage",
                "detail",
                "title",
            ] {
                if let Some(m) = map.get(key).and_then(text) {
                    return Some(m);
                }
            }
            if let Some(e) = map.get("error")
                && let Some(m) = text(e).or_else(|| json_message(e))
            {
                return Some(m);
            }
            if let Some(errors) = map.get("errors") {
                return json_message(errors).or_else(|| text(errors));
            }
            None
        }
        Json::Array(items) => {
            let first = items.first()?;
            if let Some(obj) = first.as_object() {
                for key in ["longMessage", "message", "details", "code"] {
                    if let Some(m) = obj.get(key).and_then(text) {
                        return Some(m);
                    }
                }
            }
            text(first)
        }
        Json::String(s) => Some(s.clone()),
        _ => None,
    }
}

fn shorten(text: &str) -> String {
    if text.chars().count() <= MAX_MESSAGE_LEN {
        return text.to_string();
    }
    let mut out: String = text.chars().take(MAX_MESSAGE_LEN).collect();
    out.push('…');
    out
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used)]
    use super::*;

    #[test]
    fn retry_after_seconds_and_dates() {
        let now = SystemTime::UNIX_EPOCH + Duration::from_secs(1_445_412_470); // 07:27:50 GMT
        assert_eq!(
            parse_retry_after("120", now),
            Some(Duration::from_secs(120))
        );
        assert_eq!(
            parse_retry_after("1.5", now),
            Some(Duration::from_millis(1500))
        );
        assert_eq!(
            parse_retry_after("Wed, 21 Oct 2015 07:28:00 GMT", now),
            Some(Duration::from_secs(10))
        );
        assert_eq!(
            parse_retry_after("Wed, 21 Oct 2015 07:00:00 GMT", now),
            Some(Duration::ZERO)
        );
        assert_eq!(parse_retry_after("soon", now), None);
        assert_eq!(parse_retry_after("-3", now), None);
    }

    #[test]
    fn classes() {
        let mut h = HeaderMap::new();
        h.insert("retry-after", "3".parse().unwrap());
        let now = handled_contract::clock::wall_now();
        let e = classify_status(429, &h, b"", now);
        assert_eq!(
            (e.class, e.retry_after),
            (ErrorClass::Throttled, Some(Duration::from_secs(3)))
        );
        assert_eq!(
            classify_status(503, &HeaderMap::new(), b"", now).class,
            ErrorClass::Retryable
        );
        assert_eq!(
            classify_status(401, &HeaderMap::new(), b"", now).class,
            ErrorClass::Auth
        );
        assert_eq!(
            classify_status(403, &HeaderMap::new(), b"", now).class,
            ErrorClass::Auth
        );
        let e = classify_status(
            400,
            &HeaderMap::new(),
            br#"{"errors":[{"message":"bad sku"}]}"#,
            now,
        );
        assert_eq!(e.class, ErrorClass::Permanent);
        assert_eq!(e.message, "HTTP 400: bad sku");
        assert_eq!(e.status, Some(400));
    }

    #[test]
    fn messages() {
        assert_eq!(
            body_message(br#"{"errors":"[API] Invalid API key"}"#),
            "[API] Invalid API key"
        );
        assert_eq!(
            body_message(br#"{"ok":false,"error":"channel_not_found"}"#),
            "channel_not_found"
        );
        assert_eq!(
            body_message(br#"{"error":"invalid_grant","error_description":"expired"}"#),
            "expired"
        );
        assert_eq!(body_message(b"plain text"), "plain text");
        assert!(body_message(&[b'x'; 1000]).chars().count() <= MAX_MESSAGE_LEN + 1);
    }
}
