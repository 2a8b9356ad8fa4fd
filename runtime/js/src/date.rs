//! Date arithmetic, formatting and ISO parsing. The local time zone is UTC.

const MS_PER_DAY: f64 = 86_400_000.0;

/// `TimeClip`: NaN beyond ±8.64e15 ms, otherwise truncated toward zero.
pub fn time_clip(t: f64) -> f64 {
    if !t.is_finite() || t.abs() > 8.64e15 {
        f64::NAN
    } else {
        t.trunc() + 0.0
    }
}

/// Days since 1970-01-01 of a proleptic Gregorian date (month 1..=12).
pub fn days_from_civil(y: i64, m: i64, d: i64) -> i64 {
    let y = if m <= 2 { y - 1 } else { y };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let mp = (m + 9) % 12;
    let doy = (153 * mp + 2) / 5 + d - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

/// The (year, month 1..=12, day) of a day number.
pub fn civil_from_days(z: i64) -> (i64, i64, i64) {
    let z = z + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let y = yoe + era * 400;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    (if m <= 2 { y + 1 } else { y }, m, d)
}

/// Broken-down UTC time of a valid time value.
pub struct Parts {
    /// Full year.
    pub year: i64,
    /// Month 1..=12.
    pub month: i64,
    /// Day of month 1..=31.
    pub day: i64,
    /// Hours.
    pub hour: i64,
    /// Minutes.
    pub minute: i64,
    /// Seconds.
    pub second: i64,
    /// Milliseconds.
    pub ms: i64,
    /// Day of week, 0 = Sunday.
    pub weekday: i64,
}

/// Splits a finite time value into its UTC parts.
pub fn parts(t: f64) -> Parts {
    let t = t as i64;
    let days = t.div_euclid(86_400_000);
    let in_day = t.rem_euclid(86_400_000);
    let (year, month, day) = civil_from_days(days);
    Parts {
        year,
        month,
        day,
        hour: in_day / 3_600_000,
        minute: in_day / 60_000 % 60,
        second: in_day / 1000 % 60,
        ms: in_day % 1000,
        weekday: (days + 4).rem_euclid(7),
    }
}

/// `Date.prototype.toISOString`, or `None` for an invalid date.
pub fn to_iso_string(t: f64) -> Option<String> {
    if t.is_nan() {
        return None;
    }
    let p = parts(t);
    let year = if (0..=9999).contains(&p.year) {
        format!("{:04}", p.year)
    } else if p.year < 0 {
        format!("-{:06}", -p.year)
    } else {
        format!("+{:06}", p.year)
    };
    Some(format!(
        "{year}-{:02}-{:02}T{:02}:{:02}:{:02}.{:03}Z",
        p.month, p.day, p.hour, p.minute, p.second, p.ms
    ))
}

const WEEKDAYS: [&str; 7] = ["Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"];
const MONTHS: [&str; 12] = [
    "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
];

/// `Date.prototype.toString` (time zone UTC), `"Invalid Date"` when invalid.
pub fn to_date_string(t: f64) -> String {
    if t.is_nan() {
        return "Invalid Date".into();
    }
    let p = parts(t);
    let year = if p.year < 0 {
        format!("-{:04}", -p.year)
    } else {
        format!("{:04}", p.year)
    };
    format!(
        "{} {} {:02} {year} {:02}:{:02}:{:02} GMT+0000 (Coordinated Universal Time)",
        WEEKDAYS[p.weekday as usize],
        MONTHS[(p.month - 1) as usize],
        p.day,
        p.hour,
        p.minute,
        p.second
    )
}

/// `MakeDay` + `MakeTime` + `MakeDate` from components (month 0-based, may overflow).
pub fn make_date(y: f64, mon: f64, d: f64, h: f64, mi: f64, s: f64, ms: f64) -> f64 {
    let all = [y, mon, d, h, mi, s, ms];
    if all.iter().any(|v| !v.is_finite()) {
        return f64::NAN;
    }
    let [y, mon, d, h, mi, s, ms] = all.map(f64::trunc);
    let ym = y + (mon / 12.0).floor();
    if ym.abs() > 400_000.0 {
        return f64::NAN;
    }
    let mn = mon.rem_euclid(12.0);
    let day = days_from_civil(ym as i64, mn as i64 + 1, 1) as f64 + d - 1.0;
    let time = h * 3_600_000.0 + mi * 60_000.0 + s * 1000.0 + ms;
    day * MS_PER_DAY + time
}

struct Cursor<'a> {
    b: &'a [u8],
    i: usize,
}

impl Cursor<'_> {
    fn peek(&self) -> Option<u8> {
        self.b.get(self.i).copied()
    }
    fn eat(&mut self, c: u8) -> bool {
        if self.peek() == Some(c) {
            self.i += 1;
            true
        } else {
            false
        }
    }
    fn digits(&mut self, n: usize) -> Option<i64> {
        let s = self.b.get(self.i..self.i + n)?;
        if !s.iter().all(u8::is_ascii_digit) {
            return None;
        }
        self.i += n;
        Some(s.iter().fold(0i64, |a, &c| a * 10 + i64::from(c - b'0')))
    }
}

/// Parses the ISO 8601 subset V8 accepts (`Date.parse`); `None` if not ISO.
fn parse_iso(s: &str) -> Option<f64> {
    let mut c = Cursor {
        b: s.as_bytes(),
        i: 0,
    };
    let year = match c.peek()? {
        b'+' | b'-' => {
            let neg = c.peek() == Some(b'-');
            c.i += 1;
            let y = c.digits(6)?;
            if neg && y == 0 {
                return None;
            }
            if neg { -y } else { y }
        }
        _ => c.digits(4)?,
    };
    let (mut month, mut day) = (1, 1);
    if c.eat(b'-') {
        month = c.digits(2)?;
        if c.eat(b'-') {
            day = c.digits(2)?;
        }
    }
    if !(1..=12).contains(&month) || !(1..=31).contains(&day) {
        return None;
    }
    let (mut h, mut mi, mut sec, mut ms) = (0, 0, 0, 0);
    let mut offset_min: i64 = 0;
    let has_time = matches!(c.peek(), Some(b'T' | b't' | b' ')) && c.i < c.b.len() - 1;
    if has_time {
        c.i += 1;
        h = c.digits(2)?;
        if !c.eat(b':') {
            return None;
        }
        mi = c.digits(2)?;
        if c.eat(b':') {
            sec = c.digits(2)?;
            if c.eat(b'.') || c.eat(b',') {
                let start = c.i;
                while matches!(c.peek(), Some(b'0'..=b'9')) {
                    c.i += 1;
                }
                let frac = &c.b[start..c.i];
                if frac.is_empty() {
                    return None;
                }
                let mut v = 0;
                for k in 0..3 {
                    v = v * 10 + frac.get(k).map_or(0, |&d| i64::from(d - b'0'));
                }
                ms = v;
            }
        }
        match c.peek() {
            Some(b'Z' | b'z') => c.i += 1,
            Some(sign @ (b'+' | b'-')) => {
                c.i += 1;
                let oh = c.digits(2)?;
                c.eat(b':');
                let om = c.digits(2)?;
                if oh > 23 || om > 59 {
                    return None;
                }
                offset_min = (oh * 60 + om) * if sign == b'-' { -1 } else { 1 };
            }
            _ => {}
        }
        if h > 24 || mi > 59 || sec > 59 || (h == 24 && (mi, sec, ms) != (0, 0, 0)) {
            return None;
        }
    }
    if c.i != c.b.len() {
        return None;
    }
    let days = days_from_civil(year, month, day) as f64;
    let t = days * MS_PER_DAY + (h * 3_600_000 + mi * 60_000 + sec * 1000 + ms) as f64
        - (offset_min * 60_000) as f64;
    Some(time_clip(t))
}

/// `Date.parse` on a string: ISO 8601 formats as V8 reads them (date-only is
/// UTC, date-time without offset is local time, and local time is UTC).
/// Other formats give NaN.
pub fn parse(s: &str) -> f64 {
    parse_iso(s.trim()).unwrap_or(f64::NAN)
}
