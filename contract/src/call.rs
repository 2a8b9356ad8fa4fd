//! One call of an op: what the engine tells the connector ([`CallInfo`]), and how a call that
//! did not succeed is classed ([`CallError`], [`ErrorClass`]); the class alone decides retries.

use std::time::Duration;

use serde::Serialize;

/// How a failed call should be treated. The class alone decides retries (RUNTIME.md §2).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ErrorClass {
    /// A connection error, a timeout or a 5xx: retry with backoff.
    Retryable,
    /// The API asked us to slow down (429, Shopify `THROTTLED`): retry after `retry_after` or backoff.
    Throttled,
    /// The request itself is wrong (other 4xx, a validation error): fail at once.
    Permanent,
    /// The credentials were refused: fail at once, and say which credential.
    Auth,
}

impl ErrorClass {
    /// The name it is printed, logged and journaled with (`throttled`).
    pub fn as_str(self) -> &'static str {
        match self {
            ErrorClass::Retryable => "retryable",
            ErrorClass::Throttled => "throttled",
            ErrorClass::Permanent => "permanent",
            ErrorClass::Auth => "auth",
        }
    }

    /// Whether a call that failed this way may be tried again.
    pub fn is_retryable(self) -> bool {
        matches!(self, ErrorClass::Retryable | ErrorClass::Throttled)
    }
}

/// A connector call that did not succeed.
#[derive(Clone, Debug, Serialize, serde::Deserialize, thiserror::Error)]
#[error("{message}")]
pub struct CallError {
    /// Whether and how to retry.
    pub class: ErrorClass,
    /// What went wrong, for people (never a secret).
    pub message: String,
    /// The HTTP status, when there was one.
    pub status: Option<u16>,
    /// How long the API asked us to wait (`Retry-After`, Shopify's cost restore time).
    #[serde(with = "opt_duration_ms")]
    pub retry_after: Option<Duration>,
}

impl CallError {
    /// A call error of this class.
    pub fn new(class: ErrorClass, message: impl Into<String>) -> Self {
        CallError {
            class,
            message: message.into(),
            status: None,
            retry_after: None,
        }
    }

    /// A permanent error (bad request, validation).
    pub fn permanent(message: impl Into<String>) -> Self {
        Self::new(ErrorClass::Permanent, message)
    }

    /// A retryable error (connection, timeout, 5xx).
    pub fn retryable(message: impl Into<String>) -> Self {
        Self::new(ErrorClass::Retryable, message)
    }

    /// With the HTTP status.
    pub fn with_status(mut self, status: u16) -> Self {
        self.status = Some(status);
        self
    }

    /// With the time the API asked us to wait.
    pub fn with_retry_after(mut self, after: Duration) -> Self {
        self.retry_after = Some(after);
        self
    }
}

mod opt_duration_ms {
    use serde::{Deserialize, Deserializer, Serializer};
    use std::time::Duration;

    pub fn serialize<S: Serializer>(d: &Option<Duration>, s: S) -> Result<S::Ok, S::Error> {
        match d {
            Some(d) => s.serialize_some(&(d.as_millis() as u64)),
            None => s.serialize_none(),
        }
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Option<Duration>, D::Error> {
        Ok(Option::<u64>::deserialize(d)?.map(Duration::from_millis))
    }
}

/// What the engine tells a connector about one call.
#[derive(Clone, Debug)]
pub struct CallInfo {
    /// Made of run id, step and forEach index; the same on every retry of this call.
    /// Passed to the API wherever the API accepts one.
    pub idempotency_key: String,
    /// The run making the call.
    pub run_id: String,
    /// 1 for the first attempt.
    pub attempt: u32,
    /// An earlier attempt of this call may have reached the API without its answer reaching
    /// the engine: its intent was journaled by an earlier start of the run (the process
    /// stopped while it was on its way), or it ended with an error that does not say it was
    /// refused (a timeout, a 5xx). A write the API cannot recognise by its key reads the target
    /// first and skips what is already there.
    pub maybe_sent: bool,
}
