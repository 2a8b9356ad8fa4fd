//! The environment a program reads once at start ([`Env`]), and which variables hold secrets.

use std::collections::BTreeMap;

/// The environment, read once at start.
#[derive(Clone, Debug, Default)]
pub struct Env {
    vars: BTreeMap<String, String>,
}

impl Env {
    /// The process environment.
    pub fn from_process() -> Self {
        #[allow(clippy::disallowed_methods)]
        let vars = std::env::vars().collect();
        Env { vars }
    }

    /// An environment with exactly these variables (tests, sandbox).
    pub fn from_pairs<I: IntoIterator<Item = (String, String)>>(pairs: I) -> Self {
        Env {
            vars: pairs.into_iter().collect(),
        }
    }

    /// A variable's value.
    pub fn get(&self, name: &str) -> Option<&str> {
        self.vars.get(name).map(String::as_str)
    }

    /// Sets a variable (sandbox defaults).
    pub fn set(&mut self, name: impl Into<String>, value: impl Into<String>) {
        self.vars.insert(name.into(), value.into());
    }

    /// Every variable.
    pub fn iter(&self) -> impl Iterator<Item = (&str, &str)> {
        self.vars.iter().map(|(k, v)| (k.as_str(), v.as_str()))
    }

    /// The values of variables whose names mark them as secrets (`_KEY`, `_TOKEN`, `_SECRET`,
    /// `_PASSWORD`, and `SMTP_URL`, which carries a password): what redaction hides.
    pub fn secret_values(&self) -> Vec<&str> {
        self.vars
            .iter()
            .filter(|(k, v)| is_secret_name(k) && v.len() >= 4)
            .map(|(_, v)| v.as_str())
            .collect()
    }
}

/// Whether a variable's name marks its value as a secret (RUNTIME.md §6).
pub fn is_secret_name(name: &str) -> bool {
    ["_KEY", "_TOKEN", "_SECRET", "_PASSWORD"]
        .iter()
        .any(|s| name.ends_with(s))
        || name == "SMTP_URL"
}
