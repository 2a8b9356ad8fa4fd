//! How failed connector calls are retried: exponential backoff with full jitter, honouring the
//! API's `Retry-After` (RUNTIME.md §2).

use std::time::Duration;

use crate::connector::{CallError, Env};

/// The retry schedule of connector calls.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct RetryPolicy {
    /// Attempts in all, the first included (default 6).
    pub attempts: u32,
    /// The backoff ceiling before the first retry; it doubles for each retry (default 10 s).
    pub base: Duration,
    /// The largest backoff ceiling (default 160 s; with the defaults the ceilings add up to
    /// about 5 minutes).
    pub cap: Duration,
}

impl Default for RetryPolicy {
    fn default() -> Self {
        RetryPolicy {
            attempts: 6,
            base: Duration::from_secs(10),
            cap: Duration::from_secs(160),
        }
    }
}

impl RetryPolicy {
    /// A policy that retries at once (tests).
    pub fn immediate(attempts: u32) -> Self {
        RetryPolicy {
            attempts,
            base: Duration::ZERO,
            cap: Duration::ZERO,
        }
    }

    /// The default policy, adjusted by `HANDLED_RETRY_ATTEMPTS` and `HANDLED_RETRY_BASE_MS`
    /// (and `HANDLED_RETRY_CAP_MS`) when they are set to numbers.
    pub fn from_env(env: &Env) -> Self {
        let mut policy = RetryPolicy::default();
        let number = |name: &str| env.get(name).and_then(|v| v.trim().parse::<u64>().ok());
        if let Some(n) = number("HANDLED_RETRY_ATTEMPTS") {
            policy.attempts = n.clamp(1, 100) as u32;
        }
        if let Some(ms) = number("HANDLED_RETRY_BASE_MS") {
            policy.base = Duration::from_millis(ms);
            policy.cap = Duration::from_millis(ms.saturating_mul(16));
        }
        if let Some(ms) = number("HANDLED_RETRY_CAP_MS") {
            policy.cap = Duration::from_millis(ms);
        }
        policy
    }

    /// How long to wait after failed attempt number `attempt` (1-based). When the API said
    /// when to come back (`Retry-After`, Shopify's cost restore time), that long plus a little
    /// jitter (up to a fifth of it, at least 50 ms, at most 5 s) so that waiting callers do not
    /// come back at once; otherwise a random duration up to `min(cap, base · 2^(attempt−1))`
    /// (full jitter).
    pub fn delay(&self, attempt: u32, error: &CallError) -> Duration {
        if let Some(after) = error.retry_after {
            let spread = (after / 5).clamp(Duration::from_millis(50), Duration::from_secs(5));
            return after + random_up_to(spread);
        }
        let exp = self
            .base
            .saturating_mul(1u32 << attempt.saturating_sub(1).min(20));
        random_up_to(exp.min(self.cap))
    }
}

/// A random duration from zero to `ceiling`, in milliseconds.
fn random_up_to(ceiling: Duration) -> Duration {
    if ceiling.is_zero() {
        return Duration::ZERO;
    }
    let ms = ceiling.as_millis().min(u128::from(u64::MAX)) as u64;
    Duration::from_millis(rand::random_range(0..=ms))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn delays_stay_under_the_ceiling_and_honour_retry_after() {
        let p = RetryPolicy::default();
        let e = CallError::retryable("x");
        for attempt in 1..6 {
            assert!(p.delay(attempt, &e) <= p.cap);
        }
        let throttled = CallError::retryable("x").with_retry_after(Duration::from_secs(500));
        let d = p.delay(1, &throttled);
        assert!(
            d >= Duration::from_secs(500) && d <= Duration::from_secs(505),
            "{d:?}"
        );
        // A short Retry-After is not stretched to the backoff ceiling.
        let soon = CallError::retryable("x").with_retry_after(Duration::from_millis(200));
        for attempt in 1..6 {
            let d = p.delay(attempt, &soon);
            assert!(
                d >= Duration::from_millis(200) && d <= Duration::from_millis(250),
                "{d:?}"
            );
        }
        assert_eq!(RetryPolicy::immediate(3).delay(2, &e), Duration::ZERO);
    }
}
