//! Keeps secrets out of messages: every occurrence of a known secret value is replaced.

/// Replaces known secret values with `[redacted]`.
#[derive(Clone, Debug, Default)]
pub struct Redactor {
    secrets: Vec<String>,
}

impl Redactor {
    /// A redactor for these values (values shorter than 4 characters are ignored: they would
    /// hide ordinary words).
    pub fn new<I: IntoIterator<Item = String>>(secrets: I) -> Self {
        let mut secrets: Vec<String> = secrets.into_iter().filter(|s| s.len() >= 4).collect();
        // Longest first, so that a secret containing another is hidden whole.
        secrets.sort_by_key(|s| std::cmp::Reverse(s.len()));
        Redactor { secrets }
    }

    /// The text with every secret replaced.
    pub fn redact(&self, text: &str) -> String {
        let mut out = text.to_string();
        for s in &self.secrets {
            if out.contains(s.as_str()) {
                out = out.replace(s.as_str(), "[redacted]");
            }
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hides_secrets() {
        let r = Redactor::new(["shpat_123456".to_string(), "ab".to_string()]);
        assert_eq!(
            r.redact("token shpat_123456 refused ab"),
            "token [redacted] refused ab"
        );
    }
}
