//! Redaction of secrets by value: any `env` value whose name marks it as a secret never
//! reaches the journal, logs or output (RUNTIME.md §6).
//!
//! The journal keeps `[redacted:NAME]` in place of the value of secret `NAME`, so that a
//! resumed run can put the value back (from the environment of the process resuming it) and
//! reuse the journaled step as it was; what is printed or logged shows `[redacted]`.

use crate::connector::{Env, Json};

/// What replaces a secret in output and logs.
pub const REDACTED: &str = "[redacted]";

/// Replaces secret values in text and JSON.
#[derive(Clone, Debug, Default)]
pub struct Redactor {
    /// (name, value), longest value first, so that a secret containing another is replaced whole.
    secrets: Vec<(String, String)>,
}

fn marker(name: &str) -> String {
    format!("[redacted:{name}]")
}

impl Redactor {
    /// A redactor for the secrets of this environment.
    pub fn new(env: &Env) -> Self {
        let secret_values = env.secret_values();
        let mut secrets: Vec<(String, String)> = env
            .iter()
            .filter(|(_, v)| secret_values.contains(v))
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect();
        secrets.sort_by(|a, b| b.1.len().cmp(&a.1.len()).then_with(|| a.0.cmp(&b.0)));
        secrets.dedup_by(|a, b| a.1 == b.1);
        Redactor { secrets }
    }

    /// Whether there is nothing to hide.
    pub fn is_empty(&self) -> bool {
        self.secrets.is_empty()
    }

    /// The text with every secret (and every journal marker, even of a secret this process
    /// does not know) shown as `[redacted]`.
    pub fn text(&self, text: &str) -> String {
        let mut out = text.to_string();
        for (_, value) in &self.secrets {
            if out.contains(value.as_str()) {
                out = out.replace(value.as_str(), REDACTED);
            }
        }
        hide_markers(&out)
    }

    /// The JSON for the journal: each secret replaced by its `[redacted:NAME]` marker; and
    /// whether anything was replaced.
    pub fn json(&self, value: &Json) -> (Json, bool) {
        let mut changed = false;
        let out = map_strings(value, &mut |s| {
            let mut out = s.to_string();
            for (name, secret) in &self.secrets {
                if out.contains(secret.as_str()) {
                    out = out.replace(secret.as_str(), &marker(name));
                }
            }
            if out != s {
                changed = true;
            }
            out
        });
        (out, changed)
    }

    /// The JSON for people: secrets and markers shown as `[redacted]`.
    pub fn display(&self, value: &Json) -> Json {
        map_strings(value, &mut |s| self.text(s))
    }

    /// Journaled JSON with each marker replaced by the secret's value again (for reuse by a
    /// resumed run).
    pub fn restore(&self, value: &Json) -> Json {
        map_strings(value, &mut |s| {
            let mut out = s.to_string();
            for (name, secret) in &self.secrets {
                let m = marker(name);
                if out.contains(&m) {
                    out = out.replace(&m, secret);
                }
            }
            out
        })
    }
}

/// `[redacted:NAME]` → `[redacted]`, for any NAME.
fn hide_markers(text: &str) -> String {
    const OPEN: &str = "[redacted:";
    if !text.contains(OPEN) {
        return text.to_string();
    }
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(start) = rest.find(OPEN) {
        out.push_str(&rest[..start]);
        let after = &rest[start + OPEN.len()..];
        match after.find(']') {
            Some(end)
                if after[..end]
                    .bytes()
                    .all(|b| b.is_ascii_alphanumeric() || b == b'_') =>
            {
                out.push_str(REDACTED);
                rest = &after[end + 1..];
            }
            _ => {
                out.push_str(OPEN);
                rest = after;
            }
        }
    }
    out.push_str(rest);
    out
}

fn map_strings(value: &Json, f: &mut dyn FnMut(&str) -> String) -> Json {
    match value {
        Json::String(s) => Json::String(f(s)),
        Json::Array(items) => Json::Array(items.iter().map(|v| map_strings(v, f)).collect()),
        Json::Object(map) => {
            Json::Object(map.iter().map(|(k, v)| (f(k), map_strings(v, f))).collect())
        }
        other => other.clone(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn replaces_secret_values_anywhere_and_restores_them() {
        let env = Env::from_pairs([
            (
                "SHOPIFY_ACCESS_TOKEN".to_string(),
                "shpat_123456".to_string(),
            ),
            (
                "SHOPIFY_STORE_URL".to_string(),
                "https://x.example".to_string(),
            ),
        ]);
        let r = Redactor::new(&env);
        let original = serde_json::json!({"a": "Bearer shpat_123456", "b": ["https://x.example"]});
        let (journal, changed) = r.json(&original);
        assert!(changed);
        assert_eq!(
            journal,
            serde_json::json!({"a": "Bearer [redacted:SHOPIFY_ACCESS_TOKEN]", "b": ["https://x.example"]})
        );
        assert_eq!(r.restore(&journal), original);
        assert_eq!(r.display(&journal)["a"], "Bearer [redacted]");
        assert_eq!(r.text("no secret, shpat_123456"), "no secret, [redacted]");
        let stranger = Redactor::default();
        assert_eq!(
            stranger.text("a [redacted:X_KEY] b [redacted: c"),
            "a [redacted] b [redacted: c"
        );
    }
}
