//! Proves that a connector's Rust types agree with the catalog (the one source of truth):
//! [`check_op`] for one op type; every entry of an [`crate::OpTable`] carries it, so that
//! [`crate::OpTable::conformance`] checks a whole connector.
//!
//! For the op's params and result: a JSON object with every field (a sample value per shape)
//! must deserialize into the Rust type and serialize back unchanged; leaving out any required
//! field (at any depth) must fail; leaving out the optional ones must work (and they stay out
//! when serialized); an unknown parameter must be refused; and the Rust type names must be the
//! catalog's.

use handled_catalog::{ObjectShape, OpDef, Shape};

use crate::{Json, Op};
use serde::Serialize;
use serde::de::DeserializeOwned;
use serde_json::json;

/// A sample value of a shape.
pub fn sample(shape: &Shape) -> Json {
    match shape {
        Shape::String => json!("sample"),
        Shape::Enum(values) => json!(values.first().copied().unwrap_or("")),
        Shape::Number => json!(1.5),
        Shape::Integer => json!(7),
        Shape::Boolean => json!(true),
        Shape::Json => json!({"any": [1, "two"]}),
        Shape::Array(inner) => Json::Array(vec![sample(inner)]),
        Shape::Object(obj) => sample_object(obj),
        Shape::Nullable(inner) => sample(inner),
    }
}

/// A sample object with every field of `shape`.
pub fn sample_object(shape: &ObjectShape) -> Json {
    Json::Object(
        shape
            .fields
            .iter()
            .map(|f| (f.name.to_string(), sample(&f.shape)))
            .collect(),
    )
}

/// Every way of leaving out one required, non-nullable field, at any depth: (path, object).
fn without_each_required(
    shape: &ObjectShape,
    value: &Json,
    at: &str,
    out: &mut Vec<(String, Json)>,
) {
    for f in shape.fields {
        let path = format!("{at}.{}", f.name);
        if f.required && !matches!(f.shape, Shape::Nullable(_)) {
            let mut v = value.clone();
            if let Some(obj) = v.as_object_mut() {
                obj.remove(f.name);
            }
            out.push((path.clone(), v));
        }
        let nested = match f.shape {
            Shape::Object(o) => Some((o, false)),
            Shape::Array(Shape::Object(o)) => Some((*o, true)),
            _ => None,
        };
        if let Some((inner, in_array)) = nested {
            let Some(child) = value.get(f.name) else {
                continue;
            };
            let child = if in_array {
                child.get(0).cloned().unwrap_or(Json::Null)
            } else {
                child.clone()
            };
            let mut variants = Vec::new();
            without_each_required(inner, &child, &path, &mut variants);
            for (p, variant) in variants {
                let mut v = value.clone();
                if let Some(obj) = v.as_object_mut() {
                    obj.insert(
                        f.name.to_string(),
                        if in_array {
                            Json::Array(vec![variant])
                        } else {
                            variant
                        },
                    );
                }
                out.push((p, v));
            }
        }
    }
}

fn check_type<T: Serialize + DeserializeOwned>(
    what: &str,
    shape: &ObjectShape,
    deny_unknown: bool,
    errors: &mut Vec<String>,
) {
    let rust = std::any::type_name::<T>();
    let (want_crate, want_name) = shape
        .rust_path
        .split_once("::")
        .unwrap_or(("", shape.rust_path));
    let want_name = want_name.rsplit("::").next().unwrap_or(want_name);
    if !rust.starts_with(&format!("{want_crate}::")) || rust.rsplit("::").next() != Some(want_name)
    {
        errors.push(format!(
            "{what}: the Rust type is {rust}, the catalog says {}",
            shape.rust_path
        ));
    }
    let full = sample_object(shape);
    match serde_json::from_value::<T>(full.clone()) {
        Ok(v) => match serde_json::to_value(&v) {
            Ok(back) if back == full => {}
            Ok(back) => errors.push(format!("{what}: round trip changed {full} into {back}")),
            Err(e) => errors.push(format!("{what}: does not serialize: {e}")),
        },
        Err(e) => errors.push(format!("{what}: {full} does not deserialize: {e}")),
    }
    let mut variants = Vec::new();
    without_each_required(shape, &full, "", &mut variants);
    for (path, v) in variants {
        if serde_json::from_value::<T>(v).is_ok() {
            errors.push(format!(
                "{what}: leaving out required `{}` was accepted",
                path.trim_start_matches('.')
            ));
        }
    }
    // Optional fields may be left out, and stay out.
    let mut minimal = full.clone();
    if let Some(obj) = minimal.as_object_mut() {
        for f in shape.fields.iter().filter(|f| !f.required) {
            obj.remove(f.name);
        }
    }
    match serde_json::from_value::<T>(minimal.clone()).map(|v| serde_json::to_value(&v)) {
        Ok(Ok(back)) if back == minimal => {}
        Ok(Ok(back)) => errors.push(format!(
            "{what}: absent optional fields must stay absent: {minimal} came back as {back}"
        )),
        Ok(Err(e)) => errors.push(format!("{what}: does not serialize: {e}")),
        Err(e) => errors.push(format!("{what}: {minimal} (optional fields left out): {e}")),
    }
    if deny_unknown {
        let mut v = full;
        if let Some(obj) = v.as_object_mut() {
            obj.insert("notACatalogField".into(), json!(1));
        }
        if serde_json::from_value::<T>(v).is_ok() {
            errors.push(format!("{what}: an unknown parameter was accepted"));
        }
    }
}

/// Checks one op's Rust types against its catalog entry; every disagreement is reported.
pub fn check_op<O: Op>() -> Result<(), Vec<String>> {
    let Some(def): Option<&OpDef> = handled_catalog::op(O::CONNECTOR, O::NAME) else {
        return Err(vec![format!(
            "{}.{} is not in the catalog",
            O::CONNECTOR,
            O::NAME
        )]);
    };
    let mut errors = Vec::new();
    let ty = std::any::type_name::<O>();
    if ty.rsplit("::").next() != Some(def.rust_type().as_str()) {
        errors.push(format!(
            "{}: the op type is {ty}, expected {}",
            def.full_name(),
            def.rust_type()
        ));
    }
    check_type::<O::Params>(
        &format!("{} params", def.full_name()),
        def.params,
        true,
        &mut errors,
    );
    check_type::<O::Output>(
        &format!("{} result", def.full_name()),
        def.result,
        false,
        &mut errors,
    );
    if errors.is_empty() {
        Ok(())
    } else {
        Err(errors)
    }
}
