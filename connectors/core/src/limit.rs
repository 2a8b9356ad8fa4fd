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

use handled_contract::lock;
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
        let mut until = lock(&self.until);
        if until.is_none_or(|u| u < at) {
            *until = Some(at);
        }
    }

    /// How long callers must still wait (zero when not paused).
    pub fn remaining(&self) -> Duration {
        let until = *lock(&self.until);
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

/// A client-side pace: `per_second` calls on average, up to `burst` at once.
///
/// Read from a connector's `*_RATE_LIMIT` variable with [`Pace::parse`] (through
/// a connector's [`crate::env::PaceVar`]), for accounts whose quota differs from the one the
/// connector assumes: `50/s`, `600/min`, `2000000/day`, optionally `,burst=N` (`50/s,burst=100`).
/// Without a burst it is the calls of one second (at least 1).
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Pace {
    /// Calls a second on average (fractions allowed).
    pub per_second: f64,
    /// Calls allowed at once.
    pub burst: u32,
}

impl Pace {
    /// `per_second` calls a second, bursts of `burst`.
    pub const fn new(per_second: f64, burst: u32) -> Self {
        Pace { per_second, burst }
    }

    /// Parses `RATE/UNIT[,burst=N]`, UNIT one of `s`, `min`, `h`, `day`; RATE a positive
    /// number, N a positive integer.
    pub fn parse(text: &str) -> Result<Pace, String> {
        let bad = |why: &str| {
            format!(
                "{why} in {text:?} (expected RATE/UNIT, e.g. 50/s, 600/min, 2000000/day, optionally ,burst=N)"
            )
        };
        let (rate, burst) = match text.split_once(',') {
            Some((rate, burst)) => (rate.trim(), Some(burst.trim())),
            None => (text.trim(), None),
        };
        let (count, unit) = rate.split_once('/').ok_or_else(|| bad("no unit"))?;
        let count: f64 = count
            .trim()
            .parse()
            .map_err(|_| bad("the rate is not a number"))?;
        if !(count.is_finite() && count > 0.0) {
            return Err(bad("the rate must be above zero"));
        }
        let seconds = match unit.trim() {
            "s" | "sec" | "second" => 1.0,
            "min" | "minute" => 60.0,
            "h" | "hour" => 3600.0,
            "d" | "day" => 86_400.0,
            _ => return Err(bad("unknown unit")),
        };
        let per_second = count / seconds;
        let burst = match burst {
            None => (per_second.ceil() as u32).max(1),
            Some(b) => {
                let n = b
                    .strip_prefix("burst")
                    .and_then(|r| r.trim_start().strip_prefix('='))
                    .ok_or_else(|| bad("expected burst=N after the comma"))?;
                match n.trim().parse::<u32>() {
                    Ok(n) if n > 0 => n,
                    _ => return Err(bad("the burst must be a whole number above zero")),
                }
            }
        };
        Ok(Pace { per_second, burst })
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

    /// A limiter at this pace.
    pub fn at(pace: Pace) -> Self {
        Self::new(pace.per_second, pace.burst)
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

    /// A limiter at this pace per key.
    pub fn at(pace: Pace) -> Self {
        Self::new(pace.per_second, pace.burst)
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

    #[test]
    fn paces_are_read_in_any_unit() {
        assert_eq!(Pace::parse("50/s"), Ok(Pace::new(50.0, 50)));
        assert_eq!(Pace::parse(" 600/min "), Ok(Pace::new(10.0, 10)));
        assert_eq!(Pace::parse("36/h"), Ok(Pace::new(0.01, 1)));
        assert_eq!(Pace::parse("2.5/s, burst=4"), Ok(Pace::new(2.5, 4)));
        let day = Pace::parse("2000000/day").map(|p| (p.burst, (p.per_second * 1e3).round()));
        assert_eq!(day, Ok((24, 23_148.0)));
        for bad in [
            "50",
            "0/s",
            "-1/s",
            "x/s",
            "5/week",
            "5/s,burst=0",
            "5/s,b=2",
            "NaN/s",
            "inf/s",
        ] {
            let e = Pace::parse(bad).err().unwrap_or_default();
            assert!(e.contains(&format!("{bad:?}")), "{bad}: {e}");
        }
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
