//! Reads a connector's variables from the runtime's [`Env`], collecting every missing one so
//! that `from_env` names them all at once.
//!
//! ```
//! use handled_connector_core::env::EnvReader;
//! let env = handled_runtime::Env::from_pairs([("A".to_string(), "1".to_string())]);
//! let mut r = EnvReader::new(&env);
//! let a = r.required("A");
//! let b = r.required("B");
//! let c = r.optional("C");
//! assert_eq!(r.finish(), Err(vec!["missing environment variable B".to_string()]));
//! # let _ = (a, b, c);
//! ```

use handled_runtime::Env;

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
