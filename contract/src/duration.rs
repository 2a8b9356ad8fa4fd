//! Durations as HandledScript writes them (`"500ms"`, `"5s"`, `"2m"`, `"1h"`): the one parser
//! that the checker (for literals) and the runtime (for values known only at start, such as a
//! `coalesce` read from `env`) share, so that both accept and refuse the same texts.
//!
//! A unit is required: a bare `"5"` is refused, since nothing says whether it means seconds or
//! milliseconds.

/// Why a text is not a duration.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("`{text}` is not a duration: {why}")]
pub struct DurationError {
    /// The text as given.
    pub text: String,
    /// What is wrong with it.
    pub why: &'static str,
}

/// The units, with their length in ms.
const UNITS: &[(&str, f64)] = &[
    ("ms", 1.0),
    ("s", 1_000.0),
    ("m", 60_000.0),
    ("min", 60_000.0),
    ("h", 3_600_000.0),
];

/// Parses a duration such as `500ms`, `5s`, `1.5s`, `2m`, `2min` or `1h` into milliseconds
/// (fractions of a millisecond are dropped).
pub fn parse_ms(text: &str) -> Result<u64, DurationError> {
    let refuse = |why| DurationError {
        text: text.to_string(),
        why,
    };
    let trimmed = text.trim();
    let split = trimmed
        .find(|c: char| !(c.is_ascii_digit() || c == '.'))
        .unwrap_or(trimmed.len());
    let (number, unit) = trimmed.split_at(split);
    if number.is_empty() {
        return Err(refuse("it does not start with a number"));
    }
    let number: f64 = number
        .parse()
        .map_err(|_| refuse("its number is not a decimal number"))?;
    let unit = unit.trim();
    if unit.is_empty() {
        return Err(refuse("it has no unit (write ms, s, m or h, as in \"5s\")"));
    }
    let Some((_, factor)) = UNITS.iter().find(|(name, _)| *name == unit) else {
        return Err(refuse("its unit is not one of ms, s, m, min or h"));
    };
    let ms = number * factor;
    if !ms.is_finite() || ms > u64::MAX as f64 {
        return Err(refuse("it is too long"));
    }
    Ok(ms as u64)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn durations_need_a_number_and_a_unit() {
        assert_eq!(parse_ms("5s"), Ok(5_000));
        assert_eq!(parse_ms(" 250ms "), Ok(250));
        assert_eq!(parse_ms("1.5s"), Ok(1_500));
        assert_eq!(parse_ms("2m"), Ok(120_000));
        assert_eq!(parse_ms("2min"), Ok(120_000));
        assert_eq!(parse_ms("1h"), Ok(3_600_000));
        assert_eq!(parse_ms("0s"), Ok(0));
        for bad in ["5", "soon", "", "s", "5 parsecs", "1.2.3s", "-5s"] {
            assert!(parse_ms(bad).is_err(), "{bad} was accepted");
        }
        let e = parse_ms("5")
            .err()
            .map(|e| e.to_string())
            .unwrap_or_default();
        assert!(e.contains("no unit"), "{e}");
    }
}
