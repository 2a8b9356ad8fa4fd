//! The `chat.postMessage` client, its error mapping, and the [`Connector`] built on it.

use std::sync::Arc;
use std::time::Duration;

use handled_connector_core::emulator::{sandbox_base, sandboxed};
use handled_connector_core::http::{classify_status, parse_retry_after};
use handled_connector_core::{HttpClient, KeyedRateLimiter, params};
use handled_contract::{
    BoxFuture, CallError, CallInfo, Connector, ConnectorFactory, Env, ErrorClass, Json, Sandboxed,
};

use crate::config::SlackConfig;
use crate::emulator;
use crate::types::{PostMessageRequest, PostMessageResponse, SendMessageParams, SendMessageResult};

/// How long to wait after a `ratelimited` answer that came without `Retry-After`.
const DEFAULT_THROTTLE_WAIT: Duration = Duration::from_secs(1);

/// The class of a Slack `ok:false` error code: `ratelimited`/`rate_limited` → Throttled;
/// `invalid_auth`, `not_authed`, `token_revoked`, `token_expired`, `account_inactive` → Auth;
/// `fatal_error`, `internal_error`, `service_unavailable`, `request_timeout` → Retryable;
/// anything else (`channel_not_found`, `not_in_channel`, `missing_scope`, …) → Permanent.
pub fn classify_slack_error(code: &str) -> ErrorClass {
    match code {
        "ratelimited" | "rate_limited" => ErrorClass::Throttled,
        "invalid_auth" | "not_authed" | "token_revoked" | "token_expired" | "account_inactive" => {
            ErrorClass::Auth
        }
        "fatal_error" | "internal_error" | "service_unavailable" | "request_timeout" => {
            ErrorClass::Retryable
        }
        _ => ErrorClass::Permanent,
    }
}

/// Posts messages with a bot token.
#[derive(Clone, Debug)]
pub struct SlackClient {
    http: HttpClient,
    config: SlackConfig,
    limiter: KeyedRateLimiter,
}

impl SlackClient {
    /// A client for these settings, paced at `config.pace` per channel.
    pub fn new(config: SlackConfig) -> Result<Self, CallError> {
        let http = HttpClient::new(crate::NAME)?.with_secrets([config.bot_token.clone()]);
        let limiter = KeyedRateLimiter::at(config.pace);
        Ok(SlackClient {
            http,
            config,
            limiter,
        })
    }

    /// Posts `text` to `channel` (an id or `#name`) with `chat.postMessage`.
    pub async fn post_message(
        &self,
        channel: &str,
        text: &str,
    ) -> Result<SendMessageResult, CallError> {
        if channel.trim().is_empty() {
            return Err(CallError::permanent(
                "slack.sendMessage: channel must not be empty",
            ));
        }
        if text.is_empty() {
            return Err(CallError::permanent(
                "slack.sendMessage: message must not be empty",
            ));
        }
        self.limiter.acquire(channel).await;
        let url = format!("{}/chat.postMessage", self.config.base_url);
        let body = PostMessageRequest {
            channel: channel.to_string(),
            text: text.to_string(),
        };
        let request = self
            .http
            .post(&url)
            .bearer_auth(&self.config.bot_token)
            .json(&body)
            .header("content-type", "application/json; charset=utf-8");
        let response = self.http.send_raw(request).await?;
        if response.status == 429 {
            let wait = response
                .header("retry-after")
                .and_then(|v| parse_retry_after(v, handled_contract::clock::wall_now()))
                .unwrap_or(DEFAULT_THROTTLE_WAIT);
            self.limiter.pause_for(wait);
            return Err(CallError::new(
                ErrorClass::Throttled,
                format!("slack: chat.postMessage to {channel}: rate limited (HTTP 429), retry after {wait:?}"),
            )
            .with_status(429)
            .with_retry_after(wait));
        }
        if !response.is_success() {
            let e = classify_status(
                response.status,
                &response.headers,
                &response.body,
                handled_contract::clock::wall_now(),
            );
            let message = self
                .http
                .redact(&format!("slack: chat.postMessage: {}", e.message));
            return Err(CallError { message, ..e });
        }
        let answer: PostMessageResponse = response.json()?;
        if !answer.ok {
            let code = answer.error.unwrap_or_else(|| "unknown_error".to_string());
            let class = classify_slack_error(&code);
            let mut message = format!("slack: chat.postMessage to {channel}: {code}");
            if let Some(needed) = answer.needed {
                message.push_str(&format!(" (needs scope {needed})"));
            }
            let mut e = CallError::new(class, message).with_status(response.status);
            if class == ErrorClass::Throttled {
                self.limiter.pause_for(DEFAULT_THROTTLE_WAIT);
                e = e.with_retry_after(DEFAULT_THROTTLE_WAIT);
            }
            return Err(e);
        }
        match (answer.channel, answer.ts) {
            (Some(channel), Some(ts)) => Ok(SendMessageResult { channel, ts }),
            _ => Err(CallError::permanent(
                "slack: chat.postMessage answered ok without channel and ts",
            )
            .with_status(response.status)),
        }
    }
}

/// The slack connector.
#[derive(Clone, Debug)]
pub struct SlackConnector {
    client: SlackClient,
}

impl SlackConnector {
    /// A connector over this client.
    pub fn new(client: SlackClient) -> Self {
        SlackConnector { client }
    }

    /// The client.
    pub fn client(&self) -> &SlackClient {
        &self.client
    }
}

impl Connector for SlackConnector {
    fn name(&self) -> &'static str {
        crate::NAME
    }

    fn call<'a>(
        &'a self,
        op: &'a str,
        params: Json,
        _info: &'a CallInfo,
    ) -> BoxFuture<'a, Result<Json, CallError>> {
        Box::pin(async move {
            let result = match op {
                "sendMessage" => {
                    let p: SendMessageParams = params::parse("slack.sendMessage", params)?;
                    let result = self.client.post_message(&p.channel, &p.message).await?;
                    params::output(&result)
                }
                other => Err(params::unknown_op(crate::NAME, other)),
            };
            log_outcome(op, &result);
            result
        })
    }
}

/// Builds [`SlackConnector`]s for the runtime.
#[derive(Clone, Copy, Debug, Default)]
pub struct SlackFactory;

impl ConnectorFactory for SlackFactory {
    fn name(&self) -> &'static str {
        crate::NAME
    }

    fn from_env(&self, env: &Env) -> Result<Arc<dyn Connector>, Vec<String>> {
        let config = SlackConfig::from_env(env)?;
        let client = SlackClient::new(config).map_err(|e| vec![e.message])?;
        Ok(Arc::new(SlackConnector::new(client)))
    }

    fn sandbox(
        &self,
        fixture: Option<Json>,
        env: &Env,
    ) -> BoxFuture<'static, Result<Sandboxed, String>> {
        Box::pin(sandboxed(
            crate::NAME,
            fixture,
            crate::config::RATE_LIMIT.or_default(env),
            emulator::emulator_router,
            emulator::EmulatorHandle::state,
            |base, h, pace| {
                let config = SlackConfig::new(&format!("{base}/api"), &h.token()).with_pace(pace);
                let client = SlackClient::new(config).map_err(|e| e.message)?;
                Ok(Arc::new(SlackConnector::new(client)))
            },
        ))
    }

    fn sandbox_url(&self, url: &str, env: &Env) -> Result<Arc<dyn Connector>, String> {
        let base = format!("{}/api", sandbox_base(url, crate::NAME));
        let client = SlackClient::new(
            SlackConfig::new(&base, emulator::DEFAULT_TOKEN)
                .with_pace(crate::config::RATE_LIMIT.or_default(env)?),
        )
        .map_err(|e| e.message)?;
        Ok(Arc::new(SlackConnector::new(client)))
    }
}

/// The connector's structured event for one call: debug on success, warn with the error class
/// and status on failure (messages never hold secrets).
fn log_outcome(op: &str, result: &Result<Json, CallError>) {
    match result {
        Ok(_) => tracing::debug!(connector = crate::NAME, op, "call succeeded"),
        Err(e) => tracing::warn!(
            connector = crate::NAME,
            op,
            class = ?e.class,
            status = ?e.status,
            retry_after_ms = ?e.retry_after.map(|d| d.as_millis()),
            error = %e.message,
            "call failed"
        ),
    }
}
