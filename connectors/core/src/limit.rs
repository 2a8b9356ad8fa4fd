//! Client-side rate limiters shaped like an API's own limit (governor), and a shared pause
//! that holds every caller back when the API says "wait" (`Retry-After`, Shopify's restore
//! time).
//!
//! ```no_run
//! # async fn f(resp_retry_after: std::time::Duration) {
//! use handled_connector_core::RateLimiter;
//! let limiter = RateLimiter::new(1.0, 5); // one per second on average, bursts of 5
//! limiter.acquire().await;                 // before each call
//! limiter.pause_for(resp_retry_after);    // after a 429: everyone waits
//! # }
//! ```

use std::num::NonZeroU32;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use governor::{DefaultDirectRateLimiter, DefaultKeyedRateLimiter, Quota};
use tokio::time::Instant;

/// A pause shared by every holder of a clone: until a moment, nobody may call.
#[derive(Clone, Debug, Default)]
pub struct Pause {
    until: Arc<Mutex<Option<Instant>>>,
}

impl Pause {
    /// A pause that is not in effect.
    pub fn new() -> Self {
        Self::default()
    }

    /// Holds every caller back for `wait` from now (never shortens a longer pause).
    pub fn pause_for(&self, wait: Duration) {
        let Some(at) = Instant::now().checked_add(wait) else {
            return;
        };
        let mut until = self.until.lock().unwrap_or_else(|p| p.into_inner());
        if until.is_none_or(|u| u < at) {
            *until = Some(at);
        }
    }

    /// How long callers must still wait (zero when not paused).
    pub fn remaining(&self) -> Duration {
        let until = *self.until.lock().unwrap_or_else(|p| p.into_inner());
        until
            .map(|u| u.saturating_duration_since(Instant::now()))
            .unwrap_or(Duration::ZERO)
    }

    /// Waits until the pause (including one set while waiting) is over.
    pub async fn wait(&self) {
        loop {
            let left = self.remaining();
            if left.is_zero() {
                return;
            }
            tokio::time::sleep(left).await;
        }
    }
}

fn quota(per_second: f64, burst: u32) -> Quota {
    let per_second = if per_second.is_finite() && per_second > 0.0 {
        per_second
    } else {
        1.0
    };
    let period = Duration::from_secs_f64(1.0 / per_second).max(Duration::from_nanos(1));
    let burst = NonZeroU32::new(burst.max(1)).unwrap_or(NonZeroU32::MIN);
    // `with_period` only refuses a zero period, which `max` above rules out.
    Quota::with_period(period)
        .unwrap_or_else(|| Quota::per_second(NonZeroU32::MIN))
        .allow_burst(burst)
}

/// A limiter for one API (or one operation): `per_second` calls on average (fractions allowed:
/// `0.0167` is one a minute), up to `burst` at once, plus a [`Pause`].
#[derive(Clone, Debug)]
pub struct RateLimiter {
    inner: Arc<DefaultDirectRateLimiter>,
    pause: Pause,
}

impl RateLimiter {
    /// A limiter of `per_second` calls a second with bursts of `burst`.
    pub fn new(per_second: f64, burst: u32) -> Self {
        RateLimiter {
            inner: Arc::new(DefaultDirectRateLimiter::direct(quota(per_second, burst))),
            pause: Pause::new(),
        }
    }

    /// The same limiter sharing an existing pause (several limiters of one API).
    pub fn with_pause(mut self, pause: Pause) -> Self {
        self.pause = pause;
        self
    }

    /// Waits for the pause to end and for a slot.
    pub async fn acquire(&self) {
        self.pause.wait().await;
        self.inner.until_ready().await;
        // A pause set while we waited for the slot holds us back too.
        self.pause.wait().await;
    }

    /// Holds every caller back for `wait`.
    pub fn pause_for(&self, wait: Duration) {
        self.pause.pause_for(wait);
    }

    /// The shared pause.
    pub fn pause(&self) -> &Pause {
        &self.pause
    }
}

/// A limiter with one budget per key (Slack: per channel), and one [`Pause`] for all keys.
#[derive(Clone, Debug)]
pub struct KeyedRateLimiter {
    inner: Arc<DefaultKeyedRateLimiter<String>>,
    pause: Pause,
}

impl KeyedRateLimiter {
    /// `per_second` calls a second per key, bursts of `burst` per key.
    pub fn new(per_second: f64, burst: u32) -> Self {
        KeyedRateLimiter {
            inner: Arc::new(DefaultKeyedRateLimiter::keyed(quota(per_second, burst))),
            pause: Pause::new(),
        }
    }

    /// The same limiter sharing an existing pause.
    pub fn with_pause(mut self, pause: Pause) -> Self {
        self.pause = pause;
        self
    }

    /// Waits for the pause to end and for a slot of this key.
    pub async fn acquire(&self, key: &str) {
        self.pause.wait().await;
        self.inner.until_key_ready(&key.to_string()).await;
        self.pause.wait().await;
    }

    /// Holds every caller of every key back for `wait`.
    pub fn pause_for(&self, wait: Duration) {
        self.pause.pause_for(wait);
    }

    /// The shared pause.
    pub fn pause(&self) -> &Pause {
        &self.pause
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn paces_after_the_burst() {
        let l = RateLimiter::new(20.0, 2);
        let start = std::time::Instant::now();
        for _ in 0..4 {
            l.acquire().await;
        }
        // 2 at once, then 2 more at 50 ms each.
        assert!(
            start.elapsed() >= Duration::from_millis(80),
            "{:?}",
            start.elapsed()
        );
    }

    #[tokio::test]
    async fn pause_holds_everyone() {
        let l = RateLimiter::new(1000.0, 10);
        l.pause_for(Duration::from_millis(100));
        let start = std::time::Instant::now();
        l.acquire().await;
        assert!(start.elapsed() >= Duration::from_millis(90));
    }

    #[tokio::test]
    async fn keys_are_separate() {
        let l = KeyedRateLimiter::new(1.0, 1);
        let start = std::time::Instant::now();
        l.acquire("a").await;
        l.acquire("b").await;
        assert!(start.elapsed() < Duration::from_millis(500));
    }
}
