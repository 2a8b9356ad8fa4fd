//! Proves that an op's Rust types agree with its catalog entry: a JSON object with every
//! field (a sample value per shape) goes through the params and result structs unchanged, and
//! leaving out any required field (at any depth) or adding an unknown parameter fails.

use handled_catalog::{ObjectShape, Shape};
use handled_runtime::Op;
use serde::Serialize;
use serde::de::DeserializeOwned;
use serde_json::{Map, Value, json};

/// A sample value of a shape.
pub fn sample(shape: &Shape) -> Value {
    match shape {
        Shape::String => json!("sample"),
        Shape::Enum(values) => json!(values.first().copied().unwrap_or("x")),
        Shape::Number => json!(1.5),
        Shape::Integer => json!(7),
        Shape::Boolean => json!(true),
        Shape::Json => json!({"any": [1, "two", null]}),
        Shape::Array(inner) => json!([sample(inner)]),
        Shape::Object(object) => sample_object(object),
        Shape::Nullable(inner) => sample(inner),
    }
}

/// A sample object with every field.
pub fn sample_object(object: &ObjectShape) -> Value {
    let map: Map<String, Value> = object
        .fields
        .iter()
        .map(|f| (f.name.to_string(), sample(&f.shape)))
        .collect();
    Value::Object(map)
}

/// Every path (list of keys) to a required field of `object`, nested objects included.
fn required_paths(object: &ObjectShape, prefix: &[String], out: &mut Vec<Vec<String>>) {
    for f in object.fields {
        let mut path = prefix.to_vec();
        path.push(f.name.to_string());
        if f.required {
            out.push(path.clone());
        }
        if let Shape::Object(inner) = f.shape {
            required_paths(inner, &path, out);
        }
    }
}

fn remove_path(value: &mut Value, path: &[String]) {
    let Some((last, init)) = path.split_last() else {
        return;
    };
    let mut cur = value;
    for key in init {
        let Some(next) = cur.get_mut(key.as_str()) else {
            return;
        };
        cur = next;
    }
    if let Some(obj) = cur.as_object_mut() {
        obj.remove(last.as_str());
    }
}

fn roundtrip<T: Serialize + DeserializeOwned>(
    what: &str,
    object: &ObjectShape,
    deny_unknown: bool,
) {
    let short = std::any::type_name::<T>()
        .rsplit("::")
        .next()
        .unwrap_or_default()
        .to_string();
    assert_eq!(
        short,
        object.rust_name(),
        "{what}: the Rust type's name differs from the catalog's rust_path"
    );
    let crate_name = std::any::type_name::<T>()
        .split("::")
        .next()
        .unwrap_or_default()
        .to_string();
    assert!(
        object.rust_path.starts_with(&format!("{crate_name}::")),
        "{what}: crate differs from {}",
        object.rust_path
    );

    let full = sample_object(object);
    let parsed: T = serde_json::from_value(full.clone())
        .unwrap_or_else(|e| panic!("{what}: {full} does not parse: {e}"));
    let back = serde_json::to_value(&parsed).unwrap();
    assert_eq!(
        back, full,
        "{what}: a full object does not survive the round trip"
    );

    let mut paths = Vec::new();
    required_paths(object, &[], &mut paths);
    for path in paths {
        let mut v = full.clone();
        remove_path(&mut v, &path);
        assert!(
            serde_json::from_value::<T>(v.clone()).is_err(),
            "{what}: leaving out required `{}` should fail: {v}",
            path.join(".")
        );
    }

    // Optional fields may be left out.
    let mut minimal = full.clone();
    if let Some(obj) = minimal.as_object_mut() {
        for f in object.fields.iter().filter(|f| !f.required) {
            obj.remove(f.name);
        }
    }
    let parsed: T = serde_json::from_value(minimal.clone())
        .unwrap_or_else(|e| panic!("{what}: {minimal}: {e}"));
    assert_eq!(
        serde_json::to_value(&parsed).unwrap(),
        minimal,
        "{what}: absent optional fields must stay absent"
    );

    if deny_unknown {
        let mut v = full.clone();
        if let Some(obj) = v.as_object_mut() {
            obj.insert("notACatalogField".into(), json!(1));
        }
        assert!(
            serde_json::from_value::<T>(v).is_err(),
            "{what}: an unknown parameter should be refused"
        );
    }
}

/// Checks op type `O` (named `rust_type`) against the catalog.
pub fn check_op<O: Op>(rust_type: &str) {
    let def = handled_catalog::op(O::CONNECTOR, O::NAME)
        .unwrap_or_else(|| panic!("{}.{} is not in the catalog", O::CONNECTOR, O::NAME));
    assert_eq!(def.rust_type(), rust_type, "the op type's name");
    let type_name = std::any::type_name::<O>();
    assert!(
        type_name.ends_with(&format!("::{rust_type}")),
        "{type_name} is not named {rust_type}"
    );
    roundtrip::<O::Params>(
        &format!("{}.{} params", O::CONNECTOR, O::NAME),
        def.params,
        true,
    );
    roundtrip::<O::Output>(
        &format!("{}.{} result", O::CONNECTOR, O::NAME),
        def.result,
        false,
    );
}

/// Checks that every op the catalog lists for `connector` is among `implemented`.
pub fn check_all_listed(connector: &str, implemented: &[&str]) {
    for def in handled_catalog::ops_of(connector) {
        assert!(
            implemented.contains(&def.name),
            "{connector}.{} has no Rust op type",
            def.name
        );
    }
}
