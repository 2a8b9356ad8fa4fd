//! Redaction of secrets by value: any `env` value whose name marks it as a secret never
//! reaches the journal, logs or output (RUNTIME.md §6).
//!
//! The journal keeps `[redacted:NAME]` in place of the value of secret `NAME`, so that a
//! resumed run can put the value back (from the environment of the process resuming it) and
//! reuse the journaled step as it was; what is printed or logged shows `[redacted]`. Text from
//! outside (an event, an API's answer) that holds `[redacted` is journaled escaped, as
//! `[redacted!`, so that nobody can have a secret put into a run by sending its marker.

use crate::Json;
use crate::env::Env;

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

    /// A redactor for these values, which have no variable names (a connector's credentials):
    /// each is journaled as `[redacted:SECRET_<n>]`. Values shorter than 4 characters are
    /// ignored, as in [`Redactor::new`]: they would hide ordinary words.
    pub fn from_values<I: IntoIterator<Item = String>>(values: I) -> Self {
        let mut values: Vec<String> = values.into_iter().filter(|v| v.len() >= 4).collect();
        values.sort_by(|a, b| b.len().cmp(&a.len()).then_with(|| a.cmp(b)));
        values.dedup();
        let secrets = values
            .into_iter()
            .enumerate()
            .map(|(i, v)| (format!("SECRET_{}", i + 1), v))
            .collect();
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

    /// The JSON for the journal: each secret replaced by its `[redacted:NAME]` marker, and any
    /// `[redacted` the value itself holds escaped as `[redacted!`, so that text from outside
    /// that looks like a marker is never taken for one (and given a secret's value) when the
    /// journal is read back; and whether anything was replaced or escaped.
    pub fn json(&self, value: &Json) -> (Json, bool) {
        let journaled = |s: &str| {
            s.contains(LITERAL)
                || self
                    .secrets
                    .iter()
                    .any(|(_, secret)| s.contains(secret.as_str()))
        };
        if !any_string(value, &journaled) {
            return (value.clone(), false);
        }
        let out = map_strings(value, &mut |s| {
            let mut out = s.replace(LITERAL, ESCAPED);
            for (name, secret) in &self.secrets {
                if out.contains(secret.as_str()) {
                    out = out.replace(secret.as_str(), &marker(name));
                }
            }
            out
        });
        (out, true)
    }

    /// Journaled JSON for people: markers shown as `[redacted]` (as is any secret value), and
    /// escaped text as it was.
    pub fn display(&self, value: &Json) -> Json {
        map_strings(value, &mut |s| {
            let mut out = s.to_string();
            for (_, secret) in &self.secrets {
                if out.contains(secret.as_str()) {
                    out = out.replace(secret.as_str(), REDACTED);
                }
            }
            read_journaled(&out, &mut |name, out| {
                let valid = !name.is_empty()
                    && name.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_');
                if valid {
                    out.push_str(REDACTED);
                }
                valid
            })
        })
    }

    /// Journaled JSON with each marker replaced by the secret's value again (for reuse by a
    /// resumed run), and escaped text as it was.
    pub fn restore(&self, value: &Json) -> Json {
        if !any_string(value, &|s| s.contains(LITERAL)) {
            return value.clone();
        }
        map_strings(value, &mut |s| {
            read_journaled(
                s,
                &mut |name, out| match self.secrets.iter().find(|(n, _)| n == name) {
                    Some((_, secret)) => {
                        out.push_str(secret);
                        true
                    }
                    None => false,
                },
            )
        })
    }
}

/// How markers and escapes begin.
const LITERAL: &str = "[redacted";
/// `[redacted` in a value from outside, as the journal keeps it.
const ESCAPED: &str = "[redacted!";

/// Journaled text read back: `[redacted!` is the escaped literal `[redacted`; for a marker
/// `[redacted:NAME]`, `marker` writes what replaces it and says whether it did (otherwise the
/// marker stays as it is).
fn read_journaled(text: &str, marker: &mut dyn FnMut(&str, &mut String) -> bool) -> String {
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(start) = rest.find(LITERAL) {
        out.push_str(&rest[..start]);
        let after = &rest[start + LITERAL.len()..];
        if let Some(tail) = after.strip_prefix('!') {
            out.push_str(LITERAL);
            rest = tail;
            continue;
        }
        if let Some(body) = after.strip_prefix(':')
            && let Some(end) = body.find(']')
            && marker(&body[..end], &mut out)
        {
            rest = &body[end + 1..];
            continue;
        }
        out.push_str(LITERAL);
        rest = after;
    }
    out.push_str(rest);
    out
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

/// Whether `test` holds for a string or an object key anywhere in `value`: most values hold no
/// secret, and are then copied as they are rather than rebuilt string by string.
fn any_string(value: &Json, test: &dyn Fn(&str) -> bool) -> bool {
    match value {
        Json::String(s) => test(s),
        Json::Array(items) => items.iter().any(|v| any_string(v, test)),
        Json::Object(map) => map.iter().any(|(k, v)| test(k) || any_string(v, test)),
        _ => false,
    }
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
        // Text from outside that looks like a marker is kept as text, never given the secret.
        let forged = serde_json::json!({
            "title": "[redacted:SHOPIFY_ACCESS_TOKEN] and [redacted!] and [redacted",
            "[redacted:SHOPIFY_ACCESS_TOKEN]": 1
        });
        let (journal, changed) = r.json(&forged);
        assert!(changed);
        assert_eq!(r.restore(&journal), forged);
        assert!(!r.restore(&journal).to_string().contains("shpat_123456"));
        assert_eq!(r.display(&journal), forged);
        let mixed = serde_json::json!("[redacted:X] shpat_123456");
        let (journal, _) = r.json(&mixed);
        assert_eq!(r.restore(&journal), mixed);
        assert_eq!(
            r.display(&journal),
            serde_json::json!("[redacted:X] [redacted]")
        );
        let unnamed = Redactor::from_values(["shpat_123456".to_string(), "ab".to_string()]);
        assert_eq!(
            unnamed.text("token shpat_123456 refused ab"),
            "token [redacted] refused ab"
        );
        let (journal, _) = unnamed.json(&original);
        assert_eq!(unnamed.restore(&journal), original);
        let stranger = Redactor::default();
        assert_eq!(
            stranger.text("a [redacted:X_KEY] b [redacted: c"),
            "a [redacted] b [redacted: c"
        );
    }
}
