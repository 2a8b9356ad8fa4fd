//! The client: Segment's HTTP Tracking API (`/v1/track`, `/v1/batch`) with Basic auth (the
//! write key as user name, an empty password) and a `messageId` derived from the call's
//! idempotency key, so that retries are deduplicated by Segment.

use base64::Engine;
use handled_connector_core::{CallError, CallInfo, HttpClient, Json, RateLimiter};
use serde_json::json;

use crate::config::Config;
use crate::types::*;

/// Segment's limit for one event (also for a single `/v1/track` call).
pub const MAX_EVENT_BYTES: usize = 32 * 1024;
/// Segment's limit for one `/v1/batch` request.
pub const MAX_BATCH_BYTES: usize = 500 * 1024;
/// The identity used when the properties carry no `userId`.
pub const ANONYMOUS_ID: &str = "handled";
/// The deterministic `messageId` for an idempotency key (a UUID-shaped SHA-256 prefix).
pub fn message_id(idempotency_key: &str) -> String {
    let h = handled_contract::webhook::body_hash(idempotency_key.as_bytes());
    format!(
        "{}-{}-{}-{}-{}",
        &h[0..8],
        &h[8..12],
        &h[12..16],
        &h[16..20],
        &h[20..32]
    )
}

/// A Segment `track` message for an event: `userId` from the properties' `userId` (string or
/// number), else `anonymousId: "handled"`.
pub fn track_message(event: &str, properties: &Json, message_id: &str, timestamp: &str) -> Json {
    let mut msg = json!({
        "type": "track",
        "event": event,
        "properties": properties,
        "messageId": message_id,
        "timestamp": timestamp,
        "context": {"library": {"name": "handled", "version": env!("CARGO_PKG_VERSION")}},
    });
    match properties.get("userId") {
        Some(Json::String(s)) if !s.is_empty() => msg["userId"] = json!(s),
        Some(Json::Number(n)) => msg["userId"] = json!(n.to_string()),
        _ => msg["anonymousId"] = json!(ANONYMOUS_ID),
    }
    msg
}

/// The Segment connector.
pub struct AnalyticsConnector {
    config: Config,
    http: HttpClient,
    limiter: RateLimiter,
}

impl std::fmt::Debug for AnalyticsConnector {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("AnalyticsConnector")
            .field("config", &self.config)
            .finish_non_exhaustive()
    }
}

impl AnalyticsConnector {
    /// A connector for this configuration.
    pub fn new(config: Config) -> Result<Self, CallError> {
        let auth =
            base64::engine::general_purpose::STANDARD.encode(format!("{}:", config.write_key));
        let http = HttpClient::new("analytics")?.with_secrets([config.write_key.clone(), auth]);
        let limiter = RateLimiter::at(config.pace);
        Ok(AnalyticsConnector {
            config,
            http,
            limiter,
        })
    }

    fn authorization(&self) -> String {
        format!(
            "Basic {}",
            base64::engine::general_purpose::STANDARD.encode(format!("{}:", self.config.write_key))
        )
    }

    async fn post(&self, path: &str, body: &[u8]) -> Result<Json, CallError> {
        self.limiter.acquire().await;
        let rb = self
            .http
            .post(format!("{}{path}", self.config.base_url))
            .header("Authorization", self.authorization())
            .header("Content-Type", "application/json")
            .body(body.to_vec());
        let resp = self.http.send(rb).await.inspect_err(|e| {
            if let Some(wait) = e.retry_after {
                self.limiter.pause_for(wait);
            }
        })?;
        if resp.body.is_empty() {
            return Ok(json!({"success": true}));
        }
        resp.json()
    }

    /// One call's message and its size, or why Segment would refuse it.
    fn message_of(p: &TrackParams, info: &CallInfo) -> Result<(Json, usize), CallError> {
        if p.event.trim().is_empty() {
            return Err(CallError::permanent(
                "analytics.track: `event` must not be empty",
            ));
        }
        let now =
            handled_contract::clock::utc_now().to_rfc3339_opts(chrono::SecondsFormat::Millis, true);
        let msg = track_message(
            &p.event,
            &p.properties,
            &message_id(&info.idempotency_key),
            &now,
        );
        let size = serde_json::to_vec(&msg)
            .map_err(|e| CallError::permanent(format!("analytics: {e}")))?
            .len();
        if size > MAX_EVENT_BYTES {
            return Err(CallError::permanent(format!(
                "analytics.track: the event is {size} bytes; Segment takes at most {MAX_EVENT_BYTES}"
            )));
        }
        Ok((msg, size))
    }

    /// Many track calls as few `/v1/batch` requests (each under [`MAX_BATCH_BYTES`]); one
    /// result per call, in order. A call Segment would refuse (an empty event, an event over
    /// 32 KB) fails alone; a request that fails fails its members.
    pub async fn track_batch(
        &self,
        calls: Vec<handled_contract::BatchCall<TrackParams>>,
    ) -> Vec<Result<TrackResult, CallError>> {
        let mut results = handled_contract::batch::Results::new(calls.len());
        // The envelope's bytes, and one comma per message, with room to spare.
        let budget = MAX_BATCH_BYTES - 1024;
        let mut chunks: Vec<(Vec<usize>, Vec<Json>, usize)> = Vec::new();
        for (i, call) in calls.iter().enumerate() {
            match Self::message_of(&call.params, &call.info) {
                Err(e) => results.set(i, Err(e)),
                Ok((msg, size)) => match chunks.last_mut() {
                    Some((members, messages, bytes)) if *bytes + size < budget => {
                        members.push(i);
                        messages.push(msg);
                        *bytes += size + 1;
                    }
                    _ => chunks.push((vec![i], vec![msg], size)),
                },
            }
        }
        for (members, messages, _) in chunks {
            let outcome = self.batch(&messages).await;
            for i in members {
                results.set(i, outcome.clone().map(|accepted| TrackResult { accepted }));
            }
        }
        results.finish("analytics")
    }

    /// Sends one track call.
    pub async fn track(&self, p: TrackParams, info: &CallInfo) -> Result<TrackResult, CallError> {
        let (msg, _) = Self::message_of(&p, info)?;
        let body = serde_json::to_vec(&msg)
            .map_err(|e| CallError::permanent(format!("analytics: {e}")))?;
        let resp = self.post("/v1/track", &body).await?;
        Ok(TrackResult {
            accepted: resp["success"].as_bool().unwrap_or(true),
        })
    }

    /// Sends several messages (each built with [`track_message`]) in one `/v1/batch` call,
    /// refusing (Permanent) an event over 32 KB or a batch over 500 KB.
    pub async fn batch(&self, messages: &[Json]) -> Result<bool, CallError> {
        for (i, m) in messages.iter().enumerate() {
            let n = serde_json::to_vec(m).map(|v| v.len()).unwrap_or(0);
            if n > MAX_EVENT_BYTES {
                return Err(CallError::permanent(format!(
                    "analytics batch: event {i} is {n} bytes; Segment takes at most {MAX_EVENT_BYTES}"
                )));
            }
        }
        let body = serde_json::to_vec(
            &json!({"batch": messages, "context": {"library": {"name": "handled"}}}),
        )
        .map_err(|e| CallError::permanent(format!("analytics: {e}")))?;
        if body.len() > MAX_BATCH_BYTES {
            return Err(CallError::permanent(format!(
                "analytics batch: {} bytes; Segment takes at most {MAX_BATCH_BYTES} per request",
                body.len()
            )));
        }
        let resp = self.post("/v1/batch", &body).await?;
        Ok(resp["success"].as_bool().unwrap_or(true))
    }
}
