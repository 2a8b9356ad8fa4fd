//! The clock: every reading of the wall clock (run start, `new Date()`, cron ticks, stale
//! checks, a connector's `Retry-After` date) goes through a [`Clock`] or [`wall_now`], so that
//! tests can set the time (`clippy.toml` refuses `SystemTime::now` and `Utc::now` elsewhere).

use std::sync::Arc;
use std::sync::atomic::{AtomicI64, Ordering};

/// A source of the current time, in milliseconds since the Unix epoch.
pub trait Clock: Send + Sync {
    /// Now, in ms since the epoch.
    fn now_ms(&self) -> i64;
}

impl std::fmt::Debug for dyn Clock {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "Clock({})", self.now_ms())
    }
}

/// The system clock.
#[derive(Clone, Copy, Debug, Default)]
pub struct SystemClock;

impl Clock for SystemClock {
    fn now_ms(&self) -> i64 {
        utc_now().timestamp_millis()
    }
}

/// The system's wall clock now: for code that has no [`Clock`] of its own to read (a
/// connector comparing an API's `Retry-After` date, an emulator stamping what it stores).
pub fn wall_now() -> std::time::SystemTime {
    #[allow(clippy::disallowed_methods)]
    std::time::SystemTime::now()
}

/// A clock that says what it is told (tests).
#[derive(Debug, Default)]
pub struct ManualClock {
    now: AtomicI64,
}

impl ManualClock {
    /// A clock standing at `now_ms`.
    pub fn new(now_ms: i64) -> Arc<Self> {
        Arc::new(ManualClock {
            now: AtomicI64::new(now_ms),
        })
    }

    /// Sets the time.
    pub fn set(&self, now_ms: i64) {
        self.now.store(now_ms, Ordering::SeqCst);
    }

    /// Moves the time forward.
    pub fn advance(&self, ms: i64) {
        self.now.fetch_add(ms, Ordering::SeqCst);
    }
}

impl Clock for ManualClock {
    fn now_ms(&self) -> i64 {
        self.now.load(Ordering::SeqCst)
    }
}

/// [`wall_now`] as a UTC date and time.
pub fn utc_now() -> chrono::DateTime<chrono::Utc> {
    chrono::DateTime::<chrono::Utc>::from(wall_now())
}

/// `ms` since the epoch as an ISO 8601 UTC string with milliseconds (`2026-03-08T07:00:00.000Z`),
/// the way JavaScript's `toISOString` prints it.
pub fn iso_ms(ms: i64) -> String {
    match chrono::DateTime::<chrono::Utc>::from_timestamp_millis(ms) {
        Some(t) => t.format("%Y-%m-%dT%H:%M:%S%.3fZ").to_string(),
        None => ms.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn clocks_and_iso_dates() {
        let clock = ManualClock::new(5);
        clock.advance(2);
        assert_eq!(clock.now_ms(), 7);
        assert!(SystemClock.now_ms() > 1_700_000_000_000);
        assert_eq!(iso_ms(0), "1970-01-01T00:00:00.000Z");
    }
}
