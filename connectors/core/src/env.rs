//! Reads a connector's variables from the runtime's [`Env`], collecting every missing one so
//! that `from_env` names them all at once.
//!
//! ```
//! use handled_connector_core::env::EnvReader;
//! let env = handled_contract::Env::from_pairs([("A".to_string(), "1".to_string())]);
//! let mut r = EnvReader::new(&env);
//! let a = r.required("A");
//! let b = r.required("B");
//! let c = r.optional("C");
//! assert_eq!(r.finish(), Err(vec!["missing environment variable B".to_string()]));
//! # let _ = (a, b, c);
//! ```

use handled_contract::Env;

use crate::limit::Pace;

/// A connector's `*_RATE_LIMIT` variable (see [`Pace::parse`]) and the pace it stands for when
/// unset.
#[derive(Clone, Copy, Debug)]
pub struct PaceVar {
    /// The variable (`EBAY_RATE_LIMIT`).
    pub name: &'static str,
    /// The connector's pace when the variable is unset.
    pub default: Pace,
}

impl PaceVar {
    /// The variable `name`, standing for `default` when unset.
    pub const fn new(name: &'static str, default: Pace) -> Self {
        PaceVar { name, default }
    }

    /// The pace, read with the connector's other variables (a bad value is one of `r`'s
    /// problems).
    pub fn read(&self, r: &mut EnvReader<'_>) -> Pace {
        r.pace(self.name, self.default)
    }

    /// The pace set, if any, or why the value is bad: all a sandboxed connector reads from the
    /// environment.
    pub fn set_in(&self, env: &Env) -> Result<Option<Pace>, String> {
        match EnvReader::new(env).optional(self.name) {
            None => Ok(None),
            Some(text) => Pace::parse(&text)
                .map(Some)
                .map_err(|why| format!("{}: {why}", self.name)),
        }
    }

    /// The pace set, or the default.
    pub fn or_default(&self, env: &Env) -> Result<Pace, String> {
        self.set_in(env).map(|p| p.unwrap_or(self.default))
    }
}

/// Reads variables and remembers which required ones are missing.
#[derive(Debug)]
pub struct EnvReader<'a> {
    env: &'a Env,
    problems: Vec<String>,
}

impl<'a> EnvReader<'a> {
    /// A reader over `env`.
    pub fn new(env: &'a Env) -> Self {
        EnvReader {
            env,
            problems: Vec::new(),
        }
    }

    /// A required variable (empty counts as missing); "" when missing.
    pub fn required(&mut self, name: &str) -> String {
        match self.env.get(name).map(str::trim) {
            Some(v) if !v.is_empty() => v.to_string(),
            _ => {
                self.problems
                    .push(format!("missing environment variable {name}"));
                String::new()
            }
        }
    }

    /// An optional variable (empty counts as unset).
    pub fn optional(&self, name: &str) -> Option<String> {
        self.env
            .get(name)
            .map(str::trim)
            .filter(|v| !v.is_empty())
            .map(str::to_string)
    }

    /// A connector's client-side pace from an optional variable (`EBAY_RATE_LIMIT=50/s`, see
    /// [`Pace::parse`]), `default` when unset; a bad value is a problem naming the variable.
    pub fn pace(&mut self, name: &str, default: Pace) -> Pace {
        match self.optional(name).map(|v| Pace::parse(&v)) {
            None => default,
            Some(Ok(pace)) => pace,
            Some(Err(why)) => {
                self.problems.push(format!("{name}: {why}"));
                default
            }
        }
    }

    /// Records a problem with a variable's value (`WMS_PROFILE`: unknown profile).
    pub fn problem(&mut self, message: impl Into<String>) {
        self.problems.push(message.into());
    }

    /// Ok when nothing was missing or bad, else every problem.
    pub fn finish(self) -> Result<(), Vec<String>> {
        if self.problems.is_empty() {
            Ok(())
        } else {
            Err(self.problems)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_pace_variable_is_read_or_named_when_bad() {
        let var = |name| PaceVar::new(name, Pace::new(20.0, 20));
        let env = Env::from_pairs([
            ("GOOD_RATE_LIMIT".to_string(), "600/min".to_string()),
            ("BAD_RATE_LIMIT".to_string(), "fast".to_string()),
            ("EMPTY_RATE_LIMIT".to_string(), " ".to_string()),
        ]);
        let good = var("GOOD_RATE_LIMIT");
        assert_eq!(good.or_default(&env), Ok(Pace::new(10.0, 10)));
        assert_eq!(good.set_in(&env), Ok(Some(Pace::new(10.0, 10))));
        assert_eq!(var("UNSET_RATE_LIMIT").set_in(&env), Ok(None));
        assert_eq!(
            var("EMPTY_RATE_LIMIT").or_default(&env),
            Ok(Pace::new(20.0, 20))
        );
        let bad = var("BAD_RATE_LIMIT")
            .or_default(&env)
            .err()
            .unwrap_or_default();
        assert!(
            bad.starts_with("BAD_RATE_LIMIT: ") && bad.contains("\"fast\""),
            "{bad}"
        );
        let mut r = EnvReader::new(&env);
        let _ = r.required("MISSING");
        let _ = var("BAD_RATE_LIMIT").read(&mut r);
        assert_eq!(r.finish().map_err(|p| p.len()), Err(2));
    }
}
