//! A small validator of JSON values against the schemas of an OpenAPI 3 (or Swagger 2)
//! document, for contract tests: every request a connector sends and every response an
//! emulator returns is checked against the vendor's official description.
//!
//! Supported keywords: `$ref` (JSON pointers within the document), `type` (a name or a list;
//! `integer` accepts whole numbers only), `nullable` / `x-nullable`, `required`, `properties`,
//! `additionalProperties` (`false` or a schema), `items`, `enum`, `minimum`/`maximum` (and
//! their exclusive forms), `minItems`/`maxItems`, `minLength`/`maxLength`, `allOf`,
//! `anyOf`/`oneOf` (at least one must match). Others (`format`, `pattern`, …) are ignored.
//!
//! ```
//! use handled_connector_core::openapi::Document;
//! use serde_json::json;
//! let doc = Document::new(json!({"components": {"schemas": {
//!     "Item": {"type": "object", "required": ["sku"], "properties": {"sku": {"type": "string"}}}}}}));
//! assert!(doc.validate_ref("#/components/schemas/Item", &json!({"sku": "A"})).is_ok());
//! let errs = doc.validate_ref("#/components/schemas/Item", &json!({"sku": 1})).unwrap_err();
//! assert_eq!(errs, vec!["$.sku: expected string, got 1".to_string()]);
//! ```

use handled_contract::Json;

const MAX_DEPTH: usize = 96;

/// An OpenAPI (or plain JSON-schema) document whose `$ref`s resolve within itself.
#[derive(Clone, Debug)]
pub struct Document {
    root: Json,
}

impl Document {
    /// A document from its JSON.
    pub fn new(root: Json) -> Self {
        Document { root }
    }

    /// A document from JSON text.
    pub fn parse(text: &str) -> Result<Self, String> {
        serde_json::from_str(text)
            .map(Document::new)
            .map_err(|e| format!("not JSON: {e}"))
    }

    /// The document's JSON.
    pub fn root(&self) -> &Json {
        &self.root
    }

    /// The value at a `#/…` reference (JSON pointer, `~0`/`~1` escapes honoured).
    pub fn resolve(&self, reference: &str) -> Option<&Json> {
        let pointer = reference.strip_prefix('#')?;
        if pointer.is_empty() {
            return Some(&self.root);
        }
        self.root.pointer(pointer)
    }

    /// The schema of the JSON request body of `method path` (path as written in the
    /// document, e.g. `/inventory/{sku}`): OpenAPI 3 `requestBody`, or a Swagger 2 `in: body`
    /// parameter.
    pub fn request_schema(&self, method: &str, path: &str) -> Option<&Json> {
        let op = self.operation(method, path)?;
        if let Some(body) = op.get("requestBody") {
            let body = self.deref(body)?;
            return json_media(body.get("content")?);
        }
        op.get("parameters")?
            .as_array()?
            .iter()
            .filter_map(|p| self.deref(p))
            .find(|p| p.get("in").and_then(Json::as_str) == Some("body"))?
            .get("schema")
    }

    /// The schema of the JSON response of `method path` with this status (falling back to
    /// `NXX` and `default`).
    pub fn response_schema(&self, method: &str, path: &str, status: u16) -> Option<&Json> {
        let responses = self.operation(method, path)?.get("responses")?;
        let exact = status.to_string();
        let range = format!("{}XX", status / 100);
        let resp = responses
            .get(&exact)
            .or_else(|| responses.get(&range))
            .or_else(|| responses.get(range.to_lowercase()))
            .or_else(|| responses.get("default"))?;
        let resp = self.deref(resp)?;
        if let Some(content) = resp.get("content") {
            return json_media(content);
        }
        resp.get("schema")
    }

    fn operation(&self, method: &str, path: &str) -> Option<&Json> {
        let item = self.root.get("paths")?.get(path)?;
        self.deref(item)?.get(method.to_ascii_lowercase())
    }

    fn deref<'a>(&'a self, mut v: &'a Json) -> Option<&'a Json> {
        for _ in 0..MAX_DEPTH {
            match v.get("$ref").and_then(Json::as_str) {
                Some(r) => v = self.resolve(r)?,
                None => return Some(v),
            }
        }
        None
    }

    /// Validates `value` against the schema at `reference`.
    pub fn validate_ref(&self, reference: &str, value: &Json) -> Result<(), Vec<String>> {
        let Some(schema) = self.resolve(reference) else {
            return Err(vec![format!("no schema at {reference}")]);
        };
        self.validate(schema, value)
    }

    /// Validates `value` against `schema` (whose `$ref`s resolve in this document); every
    /// problem is reported with its JSON path (`$.requests[0].sku`).
    pub fn validate(&self, schema: &Json, value: &Json) -> Result<(), Vec<String>> {
        let mut errors = Vec::new();
        self.check(schema, value, "$", 0, &mut errors);
        if errors.is_empty() {
            Ok(())
        } else {
            Err(errors)
        }
    }

    fn check(&self, schema: &Json, value: &Json, at: &str, depth: usize, errors: &mut Vec<String>) {
        if depth > MAX_DEPTH {
            errors.push(format!("{at}: schema nesting too deep"));
            return;
        }
        let Some(obj) = schema.as_object() else {
            if schema == &Json::Bool(false) {
                errors.push(format!("{at}: no value allowed"));
            }
            return;
        };
        if let Some(r) = obj.get("$ref").and_then(Json::as_str) {
            match self.resolve(r) {
                Some(target) => self.check(target, value, at, depth + 1, errors),
                None => errors.push(format!("{at}: unresolvable $ref {r}")),
            }
            return;
        }
        let nullable = obj.get("nullable").and_then(Json::as_bool).unwrap_or(false)
            || obj
                .get("x-nullable")
                .and_then(Json::as_bool)
                .unwrap_or(false);
        if value.is_null() && nullable {
            return;
        }
        if let Some(all) = obj.get("allOf").and_then(Json::as_array) {
            for s in all {
                self.check(s, value, at, depth + 1, errors);
            }
        }
        for key in ["anyOf", "oneOf"] {
            if let Some(any) = obj.get(key).and_then(Json::as_array) {
                let ok = any.iter().any(|s| {
                    let mut e = Vec::new();
                    self.check(s, value, at, depth + 1, &mut e);
                    e.is_empty()
                });
                if !ok && !any.is_empty() {
                    errors.push(format!("{at}: matches none of the {key} alternatives"));
                }
            }
        }
        if let Some(t) = obj.get("type") {
            let types: Vec<&str> = match t {
                Json::String(s) => vec![s.as_str()],
                Json::Array(a) => a.iter().filter_map(Json::as_str).collect(),
                _ => Vec::new(),
            };
            if !types.is_empty() && !types.iter().any(|t| type_matches(t, value)) {
                errors.push(format!(
                    "{at}: expected {}, got {}",
                    types.join(" or "),
                    describe(value)
                ));
                return;
            }
        }
        if let Some(allowed) = obj.get("enum").and_then(Json::as_array)
            && !allowed.contains(value)
            && !(value.is_null() && nullable)
        {
            errors.push(format!(
                "{at}: {} is not one of {}",
                describe(value),
                Json::Array(allowed.clone())
            ));
        }
        match value {
            Json::Number(n) => {
                let x = n.as_f64().unwrap_or(f64::NAN);
                let bound = |k: &str| obj.get(k).and_then(Json::as_f64);
                let excl = |k: &str| obj.get(k).and_then(Json::as_bool).unwrap_or(false);
                if let Some(min) = bound("minimum")
                    && (x < min || (excl("exclusiveMinimum") && x <= min))
                {
                    errors.push(format!("{at}: {n} is below the minimum {min}"));
                }
                if let Some(max) = bound("maximum")
                    && (x > max || (excl("exclusiveMaximum") && x >= max))
                {
                    errors.push(format!("{at}: {n} is above the maximum {max}"));
                }
                if let Some(min) = bound("exclusiveMinimum").filter(|_| !excl("exclusiveMinimum"))
                    && x <= min
                {
                    errors.push(format!("{at}: {n} is not above {min}"));
                }
                if let Some(max) = bound("exclusiveMaximum").filter(|_| !excl("exclusiveMaximum"))
                    && x >= max
                {
                    errors.push(format!("{at}: {n} is not below {max}"));
                }
            }
            Json::String(s) => {
                let len = s.chars().count() as u64;
                if let Some(min) = obj.get("minLength").and_then(Json::as_u64)
                    && len < min
                {
                    errors.push(format!("{at}: shorter than {min} characters"));
                }
                if let Some(max) = obj.get("maxLength").and_then(Json::as_u64)
                    && len > max
                {
                    errors.push(format!("{at}: longer than {max} characters"));
                }
            }
            Json::Array(items) => {
                let len = items.len() as u64;
                if let Some(max) = obj.get("maxItems").and_then(Json::as_u64)
                    && len > max
                {
                    errors.push(format!("{at}: {len} items, at most {max} allowed"));
                }
                if let Some(min) = obj.get("minItems").and_then(Json::as_u64)
                    && len < min
                {
                    errors.push(format!("{at}: {len} items, at least {min} required"));
                }
                if let Some(item_schema) = obj.get("items") {
                    for (i, item) in items.iter().enumerate() {
                        self.check(item_schema, item, &format!("{at}[{i}]"), depth + 1, errors);
                    }
                }
            }
            Json::Object(map) => {
                if let Some(required) = obj.get("required").and_then(Json::as_array) {
                    for name in required.iter().filter_map(Json::as_str) {
                        if !map.contains_key(name) {
                            errors.push(format!("{at}: missing required property `{name}`"));
                        }
                    }
                }
                let props = obj.get("properties").and_then(Json::as_object);
                for (name, v) in map {
                    let path = format!("{at}.{name}");
                    match props.and_then(|p| p.get(name)) {
                        Some(s) => self.check(s, v, &path, depth + 1, errors),
                        None => match obj.get("additionalProperties") {
                            Some(Json::Bool(false)) => {
                                errors.push(format!("{at}: unexpected property `{name}`"))
                            }
                            Some(s @ Json::Object(_)) => self.check(s, v, &path, depth + 1, errors),
                            _ => {}
                        },
                    }
                }
            }
            _ => {}
        }
    }
}

fn json_media(content: &Json) -> Option<&Json> {
    let map = content.as_object()?;
    map.get("application/json")
        .or_else(|| map.iter().find(|(k, _)| k.contains("json")).map(|(_, v)| v))
        .or_else(|| map.values().next())?
        .get("schema")
}

fn type_matches(t: &str, value: &Json) -> bool {
    match t {
        "string" => value.is_string(),
        "number" => value.is_number(),
        "integer" => match value {
            Json::Number(n) => {
                n.is_i64() || n.is_u64() || n.as_f64().is_some_and(|f| f.fract() == 0.0)
            }
            _ => false,
        },
        "boolean" => value.is_boolean(),
        "array" => value.is_array(),
        "object" => value.is_object(),
        "null" => value.is_null(),
        _ => true,
    }
}

fn describe(value: &Json) -> String {
    let text = value.to_string();
    if text.chars().count() > 60 {
        format!("{}…", text.chars().take(60).collect::<String>())
    } else {
        text
    }
}

/// Validates `value` against a standalone schema (its `$ref`s resolve within the schema).
pub fn validate(schema: &Json, value: &Json) -> Result<(), Vec<String>> {
    Document::new(schema.clone()).validate(schema, value)
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used)]
    use super::*;
    use serde_json::json;

    fn doc() -> Document {
        Document::new(json!({
            "openapi": "3.0.0",
            "paths": {"/items/{sku}": {"put": {
                "requestBody": {"content": {"application/json": {"schema": {"$ref": "#/components/schemas/Put"}}}},
                "responses": {"200": {"content": {"application/json": {"schema": {"$ref": "#/components/schemas/Item"}}}},
                              "4XX": {"content": {"application/json": {"schema": {"type": "object", "required": ["errors"]}}}}}
            }}},
            "components": {"schemas": {
                "Put": {"type": "object", "required": ["quantity"], "additionalProperties": false,
                        "properties": {"quantity": {"type": "integer", "minimum": 0, "maximum": 100},
                                       "kind": {"type": "string", "enum": ["A", "B"]},
                                       "tags": {"type": "array", "maxItems": 2, "items": {"type": "string"}},
                                       "note": {"type": "string", "nullable": true}}},
                "Item": {"allOf": [{"$ref": "#/components/schemas/Put"}, {"required": ["kind"]}]}
            }}
        }))
    }

    #[test]
    fn validates() {
        let d = doc();
        let put = d.request_schema("PUT", "/items/{sku}").unwrap().clone();
        assert!(
            d.validate(
                &put,
                &json!({"quantity": 3, "kind": "A", "tags": ["x"], "note": null})
            )
            .is_ok()
        );
        let errs = d
            .validate(
                &put,
                &json!({"quantity": 3.5, "kind": "C", "tags": ["a", "b", 1], "x": 1}),
            )
            .unwrap_err();
        assert_eq!(errs.len(), 5, "{errs:?}");
        assert!(d.validate(&put, &json!({"quantity": 101})).is_err());
        assert!(d.validate(&put, &json!({})).is_err());
        let resp = d
            .response_schema("put", "/items/{sku}", 200)
            .unwrap()
            .clone();
        assert!(d.validate(&resp, &json!({"quantity": 1})).is_err());
        assert!(
            d.validate(&resp, &json!({"quantity": 1, "kind": "B"}))
                .is_ok()
        );
        let err = d
            .response_schema("put", "/items/{sku}", 404)
            .unwrap()
            .clone();
        assert!(d.validate(&err, &json!({"errors": []})).is_ok());
    }

    #[test]
    fn swagger2_body_parameter() {
        let d = Document::new(json!({"swagger": "2.0", "paths": {"/x": {"post": {
            "parameters": [{"in": "body", "name": "body", "schema": {"$ref": "#/definitions/X"}}],
            "responses": {"200": {"schema": {"type": "object"}}}}}},
            "definitions": {"X": {"type": "object", "required": ["a"]}}}));
        let s = d.request_schema("post", "/x").unwrap().clone();
        assert!(d.validate(&s, &json!({"a": 1})).is_ok());
        assert!(d.validate(&s, &json!({})).is_err());
        assert!(d.response_schema("post", "/x", 200).is_some());
    }
}
