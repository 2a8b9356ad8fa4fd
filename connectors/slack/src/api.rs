//! The `chat.postMessage` client and its error mapping.

use std::time::Duration;

use handled_connector_core::http::{classify_status, parse_retry_after};
use handled_connector_core::{HttpClient, HttpResponse, KeyedRateLimiter};
use handled_contract::{CallError, ErrorClass};

use crate::config::SlackConfig;
use crate::types::{PostMessageRequest, PostMessageResponse, SendMessageResult};

/// The `Content-Type` of a `chat.postMessage` JSON body, as Slack documents it ("JSON-encoded
/// bodies" in the Web API's docs; without the charset Slack answers with a `missing_charset`
/// warning). Sent exactly once.
pub const JSON_CONTENT_TYPE: &str = "application/json; charset=utf-8";

/// The request header naming the body's media type.
const CONTENT_TYPE: &str = "content-type";

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
        check_message(channel, text)?;
        let body = encode_body(channel, text)?;
        self.limiter.acquire(channel).await;
        // The bearer goes in `Authorization` (Slack reads a JSON body's token only there) and
        // the body with exactly one `Content-Type`: reqwest's `json()` would set one of its own.
        let url = format!("{}/chat.postMessage", self.config.base_url);
        let request = self
            .http
            .post(&url)
            .bearer_auth(&self.config.bot_token)
            .header(CONTENT_TYPE, JSON_CONTENT_TYPE)
            .body(body);
        let response = self.http.send_raw(request).await?;
        if response.status == 429 {
            return Err(self.throttled(channel, &response));
        }
        if !response.is_success() {
            return Err(self.failed(&response));
        }
        let answer: PostMessageResponse = response.json()?;
        self.answered(channel, response.status, answer)
    }

    /// An HTTP 429: the channel's pace is paused for the wait Slack gave (or a second).
    fn throttled(&self, channel: &str, response: &HttpResponse) -> CallError {
        let wait = response
            .header("retry-after")
            .and_then(|v| parse_retry_after(v, handled_contract::clock::wall_now()))
            .unwrap_or(DEFAULT_THROTTLE_WAIT);
        self.limiter.pause_for(wait);
        CallError::new(
            ErrorClass::Throttled,
            format!(
                "slack: chat.postMessage to {channel}: rate limited (HTTP 429), retry after {wait:?}"
            ),
        )
        .with_status(429)
        .with_retry_after(wait)
    }

    /// Another non-2xx answer, classified by its status.
    fn failed(&self, response: &HttpResponse) -> CallError {
        let e = classify_status(
            response.status,
            &response.headers,
            &response.body,
            handled_contract::clock::wall_now(),
        );
        let message = self
            .http
            .redact(&format!("slack: chat.postMessage: {}", e.message));
        CallError { message, ..e }
    }

    /// A 2xx answer: the posted message's channel and `ts`, or the `ok:false` error.
    fn answered(
        &self,
        channel: &str,
        status: u16,
        answer: PostMessageResponse,
    ) -> Result<SendMessageResult, CallError> {
        if !answer.ok {
            return Err(self.refused(channel, status, answer));
        }
        match (answer.channel, answer.ts) {
            (Some(channel), Some(ts)) => Ok(SendMessageResult { channel, ts }),
            _ => Err(CallError::permanent(
                "slack: chat.postMessage answered ok without channel and ts",
            )
            .with_status(status)),
        }
    }

    /// An `ok:false` answer as a classified error (a `ratelimited` one pauses the channel).
    fn refused(&self, channel: &str, status: u16, answer: PostMessageResponse) -> CallError {
        let code = answer.error.unwrap_or_else(|| "unknown_error".to_string());
        let class = classify_slack_error(&code);
        let mut message = format!("slack: chat.postMessage to {channel}: {code}");
        if let Some(needed) = answer.needed {
            message.push_str(&format!(" (needs scope {needed})"));
        }
        let mut e = CallError::new(class, message).with_status(status);
        if class == ErrorClass::Throttled {
            self.limiter.pause_for(DEFAULT_THROTTLE_WAIT);
            e = e.with_retry_after(DEFAULT_THROTTLE_WAIT);
        }
        e
    }
}

/// The JSON body of `chat.postMessage`.
fn encode_body(channel: &str, text: &str) -> Result<Vec<u8>, CallError> {
    let body = PostMessageRequest {
        channel: channel.to_string(),
        text: text.to_string(),
    };
    serde_json::to_vec(&body).map_err(|e| {
        CallError::permanent(format!("slack.sendMessage: cannot encode the message: {e}"))
    })
}

/// Refuses an empty channel or message before anything is sent.
fn check_message(channel: &str, text: &str) -> Result<(), CallError> {
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
    Ok(())
}
