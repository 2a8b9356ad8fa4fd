//! Dotted paths into JSON bodies (`inventory.0.updated_warehouse.inventory`, `0.SKU`), numeric
//! coercion of quantities, and body/URL templates with `{sku}`, `{quantity}`, `{location}`,
//! `{key}`, `{date}`, `{page}`, `{size}`, `{cursor}` placeholders.

use handled_contract::Json;

/// The value at a dotted path (`a.b.0.c`; an empty path is the root).
pub fn get<'a>(value: &'a Json, path: &str) -> Option<&'a Json> {
    let mut v = value;
    for seg in path.split('.').filter(|s| !s.is_empty()) {
        v = match v {
            Json::Object(m) => m.get(seg)?,
            Json::Array(a) => a.get(seg.parse::<usize>().ok()?)?,
            _ => return None,
        };
    }
    Some(v)
}

/// A string at a path (numbers are written out).
pub fn get_string(value: &Json, path: &str) -> Option<String> {
    match get(value, path)? {
        Json::String(s) => Some(s.clone()),
        Json::Number(n) => Some(n.to_string()),
        _ => None,
    }
}

/// An integer at a path: a JSON integer, a whole float, or a numeric string (`"113"`, `" 7 "`,
/// `"5.0"`).
pub fn get_quantity(value: &Json, path: &str) -> Option<i64> {
    coerce_integer(get(value, path)?)
}

/// A JSON integer, whole float or numeric string as an i64.
pub fn coerce_integer(v: &Json) -> Option<i64> {
    match v {
        Json::Number(n) => n.as_i64().or_else(|| {
            n.as_f64()
                .filter(|f| f.fract() == 0.0 && f.abs() < 9e15)
                .map(|f| f as i64)
        }),
        Json::String(s) => {
            let s = s.trim();
            s.parse::<i64>().ok().or_else(|| {
                s.parse::<f64>()
                    .ok()
                    .filter(|f| f.fract() == 0.0 && f.abs() < 9e15)
                    .map(|f| f as i64)
            })
        }
        _ => None,
    }
}

/// Values substituted into templates.
#[derive(Clone, Debug, Default)]
pub struct Vars {
    /// `(name, value)` pairs; a string that is exactly `{name}` becomes the value itself
    /// (a number stays a number), a `{name}` inside a longer string is replaced by its text.
    pub values: Vec<(&'static str, Json)>,
}

impl Vars {
    /// Adds a value.
    pub fn with(mut self, name: &'static str, value: Json) -> Self {
        self.values.push((name, value));
        self
    }

    fn text(v: &Json) -> String {
        match v {
            Json::String(s) => s.clone(),
            Json::Null => String::new(),
            other => other.to_string(),
        }
    }

    /// A URL with placeholders replaced (values percent-encoded).
    pub fn url(&self, template: &str) -> String {
        let mut out = template.to_string();
        for (name, v) in &self.values {
            out = out.replace(&format!("{{{name}}}"), &encode(&Self::text(v)));
        }
        out
    }

    /// A JSON body template with placeholders replaced.
    pub fn body(&self, template: &Json) -> Json {
        match template {
            Json::String(s) => {
                for (name, v) in &self.values {
                    if s == &format!("{{{name}}}") {
                        return v.clone();
                    }
                }
                let mut out = s.clone();
                for (name, v) in &self.values {
                    out = out.replace(&format!("{{{name}}}"), &Self::text(v));
                }
                Json::String(out)
            }
            Json::Array(items) => Json::Array(items.iter().map(|i| self.body(i)).collect()),
            Json::Object(m) => {
                Json::Object(m.iter().map(|(k, v)| (k.clone(), self.body(v))).collect())
            }
            other => other.clone(),
        }
    }
}

/// Percent-encodes everything but unreserved characters (RFC 3986).
pub fn encode(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for b in s.bytes() {
        if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'.' | b'_' | b'~') {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn paths_and_templates() {
        let v = json!({"inventory": [{"sku": "A", "updated_warehouse": {"inventory": "13"}}]});
        assert_eq!(
            get_quantity(&v, "inventory.0.updated_warehouse.inventory"),
            Some(13)
        );
        assert_eq!(
            get_string(&json!([{"SKU": "X"}]), "0.SKU").as_deref(),
            Some("X")
        );
        assert_eq!(coerce_integer(&json!("5.0")), Some(5));
        assert_eq!(coerce_integer(&json!("5.5")), None);
        let vars = Vars::default()
            .with("sku", json!("A B/1"))
            .with("quantity", json!(4));
        assert_eq!(vars.url("/inventory/{sku}"), "/inventory/A%20B%2F1");
        assert_eq!(
            vars.body(&json!({"q": "{quantity}", "s": "sku={sku}"})),
            json!({"q": 4, "s": "sku=A B/1"})
        );
    }
}
