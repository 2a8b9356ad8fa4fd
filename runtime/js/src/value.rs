//! `Value`, `Object` and `Array`: JavaScript values, and their JSON conversions.

use std::fmt;
use std::hash::{Hash, Hasher};
use std::sync::Arc;

use indexmap::{Equivalent, IndexMap};

use crate::string::JsString;

/// A JavaScript array. Immutable once built: expressions never mutate inputs.
pub type Array = Arc<Vec<Value>>;

/// A JavaScript value as an expression can see it.
///
/// `Clone` is cheap: strings, arrays and objects are shared. `PartialEq` is
/// structural (for tests); JavaScript equality is [`crate::strict_eq`] and
/// [`crate::loose_eq`].
#[derive(Clone, Debug, PartialEq, Default)]
pub enum Value {
    /// `undefined`.
    #[default]
    Undefined,
    /// `null`.
    Null,
    /// A boolean.
    Bool(bool),
    /// A number (IEEE 754 double).
    Number(f64),
    /// A string.
    String(JsString),
    /// An array.
    Array(Array),
    /// A plain object.
    Object(Object),
    /// A `Date`: milliseconds since the epoch, NaN for an invalid date.
    Date(f64),
}

/// A plain JavaScript object with JavaScript's property order.
///
/// Integer-index keys (`"0"` to `"4294967294"` in canonical form) come first
/// in ascending order, then the other keys in insertion order. Cheap to clone.
#[derive(Clone, Default, PartialEq)]
pub struct Object(Arc<Map>);

/// The property map. foldhash: fast for the short keys of webhook bodies, and seeded per
/// process so that crafted keys cannot force collisions.
type Map = IndexMap<JsString, Value, foldhash::fast::RandomState>;

/// A `&str` used to look up a `JsString` key without allocating.
struct KeyRef<'a>(&'a str);

impl Hash for KeyRef<'_> {
    fn hash<H: Hasher>(&self, state: &mut H) {
        self.0.hash(state);
    }
}

impl Equivalent<JsString> for KeyRef<'_> {
    fn equivalent(&self, key: &JsString) -> bool {
        key.eq_str(self.0)
    }
}

/// Up to this many properties, lookups scan instead of hashing.
const SCAN_LIMIT: usize = 8;

/// The array index a property key denotes, if it is one (`"0"`..`"4294967294"`).
pub fn array_index(key: &str) -> Option<u32> {
    let b = key.as_bytes();
    if b.is_empty() || b.len() > 10 || !b.iter().all(u8::is_ascii_digit) {
        return None;
    }
    if b.len() > 1 && b[0] == b'0' {
        return None;
    }
    let n: u64 = key.parse().ok()?;
    if n <= 4_294_967_294 {
        Some(n as u32)
    } else {
        None
    }
}

fn key_index(key: &JsString) -> Option<u32> {
    key.as_str().and_then(array_index)
}

impl Object {
    /// An empty object.
    pub fn new() -> Object {
        Object::default()
    }

    /// Builds an object as an object literal does: later duplicates overwrite
    /// the value but keep the first position.
    pub fn from_pairs(pairs: impl IntoIterator<Item = (JsString, Value)>) -> Object {
        let iter = pairs.into_iter();
        let mut map = Map::with_capacity_and_hasher(iter.size_hint().0, Default::default());
        let mut has_index = false;
        for (k, v) in iter {
            has_index |= key_index(&k).is_some();
            map.insert(k, v);
        }
        if has_index {
            sort_keys(&mut map);
        }
        Object(Arc::new(map))
    }

    /// The value of property `key`, if present. Does not allocate.
    pub fn get(&self, key: &str) -> Option<&Value> {
        if self.0.len() <= SCAN_LIMIT {
            self.0.iter().find(|(k, _)| k.eq_str(key)).map(|(_, v)| v)
        } else {
            self.0.get(&KeyRef(key))
        }
    }

    /// The value of property `key` (which may hold lone surrogates), if present.
    pub fn get_js(&self, key: &JsString) -> Option<&Value> {
        match key.as_str() {
            Some(s) => self.get(s),
            None => self.0.get(key),
        }
    }

    /// Whether property `key` is present.
    pub fn contains_key(&self, key: &str) -> bool {
        self.get(key).is_some()
    }

    /// The properties in JavaScript order.
    pub fn iter(&self) -> impl ExactSizeIterator<Item = (&JsString, &Value)> + '_ {
        self.0.iter()
    }

    /// The keys in JavaScript order.
    pub fn keys(&self) -> impl ExactSizeIterator<Item = &JsString> + '_ {
        self.0.keys()
    }

    /// The number of properties.
    pub fn len(&self) -> usize {
        self.0.len()
    }

    /// Whether the object has no properties.
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// Sets `key` (copying the properties if shared). An existing key keeps
    /// its position; a new key goes where JavaScript would put it.
    pub fn insert(&mut self, key: JsString, value: Value) {
        let is_index = key_index(&key).is_some();
        let map = Arc::make_mut(&mut self.0);
        let (_, old) = map.insert_full(key, value);
        if old.is_none() && is_index {
            sort_keys(map);
        }
    }

    /// Whether two objects are the same object (JavaScript identity).
    pub fn ptr_eq(a: &Object, b: &Object) -> bool {
        Arc::ptr_eq(&a.0, &b.0)
    }
}

fn sort_keys(map: &mut Map) {
    map.sort_by(|a, _, b, _| match (key_index(a), key_index(b)) {
        (Some(x), Some(y)) => x.cmp(&y),
        (Some(_), None) => std::cmp::Ordering::Less,
        (None, Some(_)) => std::cmp::Ordering::Greater,
        (None, None) => std::cmp::Ordering::Equal,
    });
}

impl fmt::Debug for Object {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_map().entries(self.0.iter()).finish()
    }
}

impl FromIterator<(JsString, Value)> for Object {
    fn from_iter<T: IntoIterator<Item = (JsString, Value)>>(iter: T) -> Self {
        Object::from_pairs(iter)
    }
}

impl Value {
    /// A string value.
    pub fn string(s: impl Into<JsString>) -> Value {
        Value::String(s.into())
    }

    /// An array value.
    pub fn array(items: Vec<Value>) -> Value {
        Value::Array(Arc::new(items))
    }

    /// An object value, with object literal semantics for duplicates and order.
    pub fn object(pairs: Vec<(JsString, Value)>) -> Value {
        Value::Object(Object::from_pairs(pairs))
    }

    /// The value `JSON.parse` gives for this JSON (numbers beyond 2^53 round
    /// to the nearest double, as `JSON.parse` does).
    pub fn from_json(v: &serde_json::Value) -> Value {
        match v {
            serde_json::Value::Null => Value::Null,
            serde_json::Value::Bool(b) => Value::Bool(*b),
            serde_json::Value::Number(n) => Value::Number(json_number_to_f64(n)),
            serde_json::Value::String(s) => Value::string(s.as_str()),
            serde_json::Value::Array(a) => Value::array(a.iter().map(Value::from_json).collect()),
            serde_json::Value::Object(o) => Value::Object(Object::from_pairs(
                o.iter()
                    .map(|(k, v)| (JsString::from(k.as_str()), Value::from_json(v))),
            )),
        }
    }

    /// This value as `JSON.parse(JSON.stringify(v))` would give it: `undefined`
    /// is dropped in objects and `null` in arrays, NaN and ±Infinity become
    /// `null`, a date its ISO string (or `null` when invalid), -0 becomes 0.
    /// A top-level `undefined` becomes `null`. Lone surrogates become U+FFFD.
    pub fn to_json(&self) -> serde_json::Value {
        match self {
            Value::Undefined | Value::Null => serde_json::Value::Null,
            Value::Bool(b) => serde_json::Value::Bool(*b),
            Value::Number(n) => f64_to_json(*n),
            Value::String(s) => serde_json::Value::String(s.to_string_lossy()),
            Value::Array(a) => serde_json::Value::Array(
                a.iter()
                    .map(|v| match v {
                        Value::Undefined => serde_json::Value::Null,
                        v => v.to_json(),
                    })
                    .collect(),
            ),
            Value::Object(o) => serde_json::Value::Object(
                o.iter()
                    .filter(|(_, v)| !matches!(v, Value::Undefined))
                    .map(|(k, v)| (k.to_string_lossy(), v.to_json()))
                    .collect(),
            ),
            Value::Date(t) => match crate::date::to_iso_string(*t) {
                Some(s) => serde_json::Value::String(s),
                None => serde_json::Value::Null,
            },
        }
    }

    /// Converts any serializable Rust value (such as a typed connector result)
    /// through JSON. Values that fail to serialize become `undefined`.
    pub fn from_serialize<T: serde::Serialize + ?Sized>(v: &T) -> Value {
        match serde_json::to_value(v) {
            Ok(j) => Value::from_json(&j),
            Err(_) => Value::Undefined,
        }
    }

    /// Whether this is `undefined`.
    pub fn is_undefined(&self) -> bool {
        matches!(self, Value::Undefined)
    }

    /// Whether this is `null` or `undefined`.
    pub fn is_nullish(&self) -> bool {
        matches!(self, Value::Undefined | Value::Null)
    }

    /// The number, if this is a number.
    pub fn as_f64(&self) -> Option<f64> {
        match self {
            Value::Number(n) => Some(*n),
            _ => None,
        }
    }

    /// The string, if this is a string.
    pub fn as_js_string(&self) -> Option<&JsString> {
        match self {
            Value::String(s) => Some(s),
            _ => None,
        }
    }

    /// The elements, if this is an array.
    pub fn as_array(&self) -> Option<&Array> {
        match self {
            Value::Array(a) => Some(a),
            _ => None,
        }
    }

    /// The object, if this is a plain object.
    pub fn as_object(&self) -> Option<&Object> {
        match self {
            Value::Object(o) => Some(o),
            _ => None,
        }
    }
}

fn json_number_to_f64(n: &serde_json::Number) -> f64 {
    if let Some(u) = n.as_u64() {
        u as f64
    } else if let Some(i) = n.as_i64() {
        i as f64
    } else {
        n.as_f64().unwrap_or(f64::NAN)
    }
}

fn f64_to_json(n: f64) -> serde_json::Value {
    if !n.is_finite() {
        return serde_json::Value::Null;
    }
    if n == n.trunc() && n.abs() < 9.2e18 {
        return serde_json::Value::Number((n as i64).into());
    }
    serde_json::Number::from_f64(n).map_or(serde_json::Value::Null, serde_json::Value::Number)
}

impl From<f64> for Value {
    fn from(n: f64) -> Self {
        Value::Number(n)
    }
}

impl From<i64> for Value {
    fn from(n: i64) -> Self {
        Value::Number(n as f64)
    }
}

impl From<i32> for Value {
    fn from(n: i32) -> Self {
        Value::Number(f64::from(n))
    }
}

impl From<u32> for Value {
    fn from(n: u32) -> Self {
        Value::Number(f64::from(n))
    }
}

impl From<usize> for Value {
    fn from(n: usize) -> Self {
        Value::Number(n as f64)
    }
}

impl From<bool> for Value {
    fn from(b: bool) -> Self {
        Value::Bool(b)
    }
}

impl From<&str> for Value {
    fn from(s: &str) -> Self {
        Value::String(JsString::from(s))
    }
}

impl From<String> for Value {
    fn from(s: String) -> Self {
        Value::String(JsString::from(s))
    }
}

impl From<JsString> for Value {
    fn from(s: JsString) -> Self {
        Value::String(s)
    }
}

impl From<Vec<Value>> for Value {
    fn from(items: Vec<Value>) -> Self {
        Value::array(items)
    }
}

impl From<Object> for Value {
    fn from(o: Object) -> Self {
        Value::Object(o)
    }
}

impl<T: Into<Value>> From<Option<T>> for Value {
    /// `None` is `undefined`.
    fn from(v: Option<T>) -> Self {
        v.map_or(Value::Undefined, Into::into)
    }
}

/// Serializes a JavaScript number as `JSON.stringify` prints it.
pub(crate) fn serialize_number<S: serde::Serializer>(n: f64, s: S) -> Result<S::Ok, S::Error> {
    if !n.is_finite() {
        return s.serialize_unit();
    }
    if n == n.trunc() && n.abs() < 9_007_199_254_740_992.0 {
        return s.serialize_i64(n as i64);
    }
    let a = n.abs();
    if (1e-6..1e-5).contains(&a) || a >= 9_007_199_254_740_992.0 {
        // serde_json would print these differently from JavaScript.
        let text = crate::number::number_to_string(n).to_string();
        if let Ok(raw) = serde_json::value::RawValue::from_string(text) {
            return serde::Serialize::serialize(&raw, s);
        }
    }
    s.serialize_f64(n)
}

struct ArrayItem<'a>(&'a Value);

impl serde::Serialize for ArrayItem<'_> {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        match self.0 {
            Value::Undefined => s.serialize_unit(),
            v => v.serialize(s),
        }
    }
}

impl serde::Serialize for Value {
    /// Serializes as `JSON.stringify` does (see [`Value::to_json`]); lone
    /// surrogates become U+FFFD (use [`crate::json_stringify`] to keep them).
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        use serde::ser::{SerializeMap, SerializeSeq};
        match self {
            Value::Undefined | Value::Null => s.serialize_unit(),
            Value::Bool(b) => s.serialize_bool(*b),
            Value::Number(n) => serialize_number(*n, s),
            Value::String(js) => match js.as_str() {
                Some(text) => s.serialize_str(text),
                None => s.serialize_str(&js.to_string_lossy()),
            },
            Value::Array(a) => {
                let mut seq = s.serialize_seq(Some(a.len()))?;
                for v in a.iter() {
                    seq.serialize_element(&ArrayItem(v))?;
                }
                seq.end()
            }
            Value::Object(o) => {
                let n = o.iter().filter(|(_, v)| !v.is_undefined()).count();
                let mut map = s.serialize_map(Some(n))?;
                for (k, v) in o.iter() {
                    if v.is_undefined() {
                        continue;
                    }
                    match k.as_str() {
                        Some(text) => map.serialize_entry(text, v)?,
                        None => map.serialize_entry(&k.to_string_lossy(), v)?,
                    }
                }
                map.end()
            }
            Value::Date(t) => match crate::date::to_iso_string(*t) {
                Some(text) => s.serialize_str(&text),
                None => s.serialize_unit(),
            },
        }
    }
}

struct ValueVisitor;

impl<'de> serde::de::Visitor<'de> for ValueVisitor {
    type Value = Value;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a JSON value")
    }

    fn visit_bool<E>(self, v: bool) -> Result<Value, E> {
        Ok(Value::Bool(v))
    }
    fn visit_i64<E>(self, v: i64) -> Result<Value, E> {
        Ok(Value::Number(v as f64))
    }
    fn visit_u64<E>(self, v: u64) -> Result<Value, E> {
        Ok(Value::Number(v as f64))
    }
    fn visit_i128<E>(self, v: i128) -> Result<Value, E> {
        Ok(Value::Number(v as f64))
    }
    fn visit_u128<E>(self, v: u128) -> Result<Value, E> {
        Ok(Value::Number(v as f64))
    }
    fn visit_f64<E>(self, v: f64) -> Result<Value, E> {
        Ok(Value::Number(v))
    }
    fn visit_str<E>(self, v: &str) -> Result<Value, E> {
        Ok(Value::string(v))
    }
    fn visit_string<E>(self, v: String) -> Result<Value, E> {
        Ok(Value::string(v))
    }
    fn visit_unit<E>(self) -> Result<Value, E> {
        Ok(Value::Null)
    }
    fn visit_none<E>(self) -> Result<Value, E> {
        Ok(Value::Null)
    }
    fn visit_some<D: serde::Deserializer<'de>>(self, d: D) -> Result<Value, D::Error> {
        serde::Deserialize::deserialize(d)
    }
    fn visit_seq<A: serde::de::SeqAccess<'de>>(self, mut seq: A) -> Result<Value, A::Error> {
        let mut items = Vec::with_capacity(seq.size_hint().unwrap_or(0));
        while let Some(v) = seq.next_element::<Value>()? {
            items.push(v);
        }
        Ok(Value::array(items))
    }
    fn visit_map<A: serde::de::MapAccess<'de>>(self, mut map: A) -> Result<Value, A::Error> {
        let mut pairs = Vec::with_capacity(map.size_hint().unwrap_or(0));
        while let Some((k, v)) = map.next_entry::<String, Value>()? {
            pairs.push((JsString::from(k), v));
        }
        Ok(Value::object(pairs))
    }
}

impl<'de> serde::Deserialize<'de> for Value {
    /// Reads a JSON value (as `JSON.parse` would give it).
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Value, D::Error> {
        d.deserialize_any(ValueVisitor)
    }
}

/// `#[serde(with = "handled_js::number_serde")]` for `f64` fields of generated
/// structs: non-finite numbers serialize as `null` (as `JSON.stringify` does),
/// `null` deserializes as NaN.
pub mod number_serde {
    /// Serializes `n` as `JSON.stringify` prints a number (`null` if not finite).
    pub fn serialize<S: serde::Serializer>(n: &f64, s: S) -> Result<S::Ok, S::Error> {
        super::serialize_number(*n, s)
    }

    /// Reads a number; `null` gives NaN.
    pub fn deserialize<'de, D: serde::Deserializer<'de>>(d: D) -> Result<f64, D::Error> {
        let v: Option<f64> = serde::Deserialize::deserialize(d)?;
        Ok(v.unwrap_or(f64::NAN))
    }
}
