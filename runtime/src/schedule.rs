//! `schedule.cron` triggers: five-field (or six, with seconds) cron in an IANA time zone,
//! computed by croner, which runs a fixed-time job once on both daylight-saving changes (a
//! 02:30 job runs at 03:00 on a spring-forward day, and once on a fall-back day). A tick missed
//! while the process was down runs once at start-up.

use chrono::TimeZone;
use croner::Cron;
use croner::parser::CronParser;

/// A parsed schedule.
#[derive(Clone, Debug)]
pub struct CronSchedule {
    cron: Cron,
    zone: chrono_tz::Tz,
}

/// Ticks considered when looking for the latest missed one; past this many, the newest found
/// is used (a per-second schedule down for days).
const MAX_SCAN: usize = 1_000_000;

impl CronSchedule {
    /// Parses `expression` (5 or 6 fields) in `timezone` (IANA name; UTC when `None`).
    pub fn parse(expression: &str, timezone: Option<&str>) -> Result<Self, String> {
        let fields = expression.split_whitespace().count();
        if !(5..=6).contains(&fields) {
            return Err(format!(
                "cron expression `{expression}` has {fields} fields; it needs 5, or 6 with seconds first"
            ));
        }
        let cron = CronParser::new()
            .parse(expression)
            .map_err(|e| format!("cron expression `{expression}`: {e}"))?;
        let zone: chrono_tz::Tz = match timezone {
            None => chrono_tz::UTC,
            Some(name) => name
                .parse()
                .map_err(|_| format!("unknown time zone `{name}`"))?,
        };
        Ok(CronSchedule { cron, zone })
    }

    /// The first tick strictly after `after_ms` (ms since the epoch).
    pub fn next_after(&self, after_ms: i64) -> Option<i64> {
        let start = self.zone.timestamp_millis_opt(after_ms).single()?;
        let next = self.cron.find_next_occurrence(&start, false).ok()?;
        Some(next.timestamp_millis())
    }

    /// The latest tick in `(last_ms, now_ms]`, if any: the one tick to run now (missed ticks
    /// run once, not once each).
    pub fn due(&self, last_ms: i64, now_ms: i64) -> Option<i64> {
        let mut found = None;
        let mut at = last_ms;
        for _ in 0..MAX_SCAN {
            match self.next_after(at) {
                Some(next) if next <= now_ms => {
                    found = Some(next);
                    at = next;
                }
                _ => break,
            }
        }
        found
    }

    /// The ticks strictly after `from_ms` and at or before `to_ms`, in order (tests, `describe`).
    pub fn ticks_between(&self, from_ms: i64, to_ms: i64) -> Vec<i64> {
        let mut out = Vec::new();
        let mut at = from_ms;
        while let Some(next) = self.next_after(at) {
            if next > to_ms || out.len() >= 10_000 {
                break;
            }
            out.push(next);
            at = next;
        }
        out
    }

    /// The schedule in English ("At 02:30").
    pub fn describe(&self) -> String {
        self.cron.describe()
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used)]
    use super::*;

    fn ms(s: &str) -> i64 {
        chrono::DateTime::parse_from_rfc3339(s)
            .unwrap()
            .timestamp_millis()
    }

    fn iso(ms: i64) -> String {
        chrono::DateTime::<chrono::Utc>::from_timestamp_millis(ms)
            .unwrap()
            .to_rfc3339()
    }

    #[test]
    fn new_york_spring_forward_runs_once_at_three() {
        let s = CronSchedule::parse("30 2 * * *", Some("America/New_York")).unwrap();
        let ticks = s.ticks_between(
            ms("2026-03-07T12:00:00-05:00"),
            ms("2026-03-09T12:00:00-04:00"),
        );
        let ticks: Vec<String> = ticks.into_iter().map(iso).collect();
        // 02:30 EST on 03-08 does not exist: the run is at 03:00 EDT (07:00Z), once.
        assert_eq!(
            ticks,
            vec!["2026-03-08T07:00:00+00:00", "2026-03-09T06:30:00+00:00"]
        );
    }

    #[test]
    fn new_york_fall_back_runs_once() {
        let s = CronSchedule::parse("30 1 * * *", Some("America/New_York")).unwrap();
        let ticks = s.ticks_between(
            ms("2026-10-31T12:00:00-04:00"),
            ms("2026-11-02T12:00:00-05:00"),
        );
        let ticks: Vec<String> = ticks.into_iter().map(iso).collect();
        // 01:30 happens twice on 11-01 (EDT then EST): one run, the first.
        assert_eq!(
            ticks,
            vec!["2026-11-01T05:30:00+00:00", "2026-11-02T06:30:00+00:00"]
        );
    }

    #[test]
    fn berlin_transitions() {
        let s = CronSchedule::parse("30 2 * * *", Some("Europe/Berlin")).unwrap();
        let spring: Vec<String> = s
            .ticks_between(
                ms("2026-03-28T12:00:00+01:00"),
                ms("2026-03-30T12:00:00+02:00"),
            )
            .into_iter()
            .map(iso)
            .collect();
        // 2026-03-29 02:00 CET jumps to 03:00 CEST: the 02:30 run is at 03:00 CEST (01:00Z).
        assert_eq!(
            spring,
            vec!["2026-03-29T01:00:00+00:00", "2026-03-30T00:30:00+00:00"]
        );
        let fall: Vec<String> = s
            .ticks_between(
                ms("2026-10-24T12:00:00+02:00"),
                ms("2026-10-26T12:00:00+01:00"),
            )
            .into_iter()
            .map(iso)
            .collect();
        // 2026-10-25 02:30 happens twice (CEST then CET): one run.
        assert_eq!(fall.len(), 2);
        assert_eq!(fall[0], "2026-10-25T00:30:00+00:00");
    }

    #[test]
    fn six_fields_and_missed_ticks() {
        let s = CronSchedule::parse("*/10 * * * * *", None).unwrap();
        let base = ms("2026-01-01T00:00:00Z");
        assert_eq!(s.next_after(base), Some(base + 10_000));
        // Down for a minute: one run, for the latest missed tick.
        assert_eq!(s.due(base, base + 65_000), Some(base + 60_000));
        assert_eq!(s.due(base + 60_000, base + 65_000), None);
        assert!(CronSchedule::parse("* * *", None).is_err());
        assert!(CronSchedule::parse("0 2 * * *", Some("Mars/Olympus")).is_err());
    }
}
