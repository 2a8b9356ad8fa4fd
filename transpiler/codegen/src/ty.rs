//! Static types of HandledScript expressions (LANGUAGE.md §5) and how they map to Rust.

use handled_catalog::Shape;
use std::rc::Rc;

/// What the checker knows about a number.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum NumKind {
    /// Known to be an integer (a literal, `Math.floor(…)`, a quantity, a length).
    Int,
    /// Computed from known integers by an operation that can leave a fraction: refused where
    /// an integer is required.
    Frac,
    /// From `json` or a declared number: converted (and checked) when the run reaches it.
    Dyn,
    /// From `json`, through an operation that can leave a fraction: warned where an integer is
    /// required.
    DynFrac,
}

impl NumKind {
    /// The kind of the result of an operation that keeps integers integral (`+ - %`, max, min).
    pub fn join(self, other: NumKind) -> NumKind {
        use NumKind::*;
        let dynamic = matches!(self, Dyn | DynFrac) || matches!(other, Dyn | DynFrac);
        let fraction = matches!(self, Frac | DynFrac) || matches!(other, Frac | DynFrac);
        match (dynamic, fraction) {
            (false, false) => Int,
            (false, true) => Frac,
            (true, false) => Dyn,
            (true, true) => DynFrac,
        }
    }

    /// The kind after an operation that can leave a fraction (`/`, `*` by a fraction, `sqrt`).
    pub fn fractional(self) -> NumKind {
        match self {
            NumKind::Int | NumKind::Frac => NumKind::Frac,
            NumKind::Dyn | NumKind::DynFrac => NumKind::DynFrac,
        }
    }
}

/// The static type of an expression.
#[derive(Clone, Debug, PartialEq)]
pub enum Ty {
    /// A number.
    Num(NumKind),
    /// A string.
    Str,
    /// A boolean.
    Bool,
    /// `null`.
    Null,
    /// `undefined`.
    Undefined,
    /// A list of elements of one type.
    Array(Box<Ty>),
    /// An object with known fields (in order).
    Object(Rc<Vec<(String, Ty)>>),
    /// A `Date`.
    Date,
    /// The value, or `null`/`undefined`.
    Maybe(Box<Ty>),
    /// Any value: its shape is not declared.
    Json,
    /// The result of an expression that already failed to check (no further errors about it).
    Error,
}

impl Ty {
    /// An object type from its fields.
    pub fn object(fields: Vec<(String, Ty)>) -> Ty {
        Ty::Object(Rc::new(fields))
    }

    /// The type of a catalog shape.
    pub fn from_shape(shape: &Shape) -> Ty {
        match shape {
            Shape::String | Shape::Enum(_) => Ty::Str,
            Shape::Number => Ty::Num(NumKind::Dyn),
            Shape::Integer => Ty::Num(NumKind::Int),
            Shape::Boolean => Ty::Bool,
            Shape::Json => Ty::Json,
            Shape::Array(inner) => Ty::Array(Box::new(Ty::from_shape(inner))),
            Shape::Object(obj) => Ty::object(
                obj.fields
                    .iter()
                    .map(|f| (f.name.to_string(), Ty::from_shape(&f.shape)))
                    .collect(),
            ),
            Shape::Nullable(inner) => Ty::Maybe(Box::new(Ty::from_shape(inner))),
        }
    }

    /// The type without `null`/`undefined`.
    pub fn strip_maybe(&self) -> &Ty {
        match self {
            Ty::Maybe(inner) => inner.strip_maybe(),
            other => other,
        }
    }

    /// Whether nothing is known about the value (no checks apply).
    pub fn is_open(&self) -> bool {
        matches!(self.strip_maybe(), Ty::Json | Ty::Error)
    }

    /// Whether it is a number.
    pub fn is_num(&self) -> bool {
        matches!(self, Ty::Num(_))
    }

    /// The smallest type covering both (the two branches of `?:`, `||`, …).
    pub fn join(&self, other: &Ty) -> Ty {
        match (self, other) {
            (Ty::Error, t) | (t, Ty::Error) => t.clone(),
            (Ty::Num(a), Ty::Num(b)) => Ty::Num(a.join(*b)),
            (a, b) if a == b => a.clone(),
            (Ty::Null | Ty::Undefined, t) | (t, Ty::Null | Ty::Undefined) => {
                Ty::Maybe(Box::new(t.strip_maybe().clone()))
            }
            (Ty::Maybe(a), b) | (b, Ty::Maybe(a)) => Ty::Maybe(Box::new(a.join(b.strip_maybe()))),
            (Ty::Array(a), Ty::Array(b)) => Ty::Array(Box::new(a.join(b))),
            _ => Ty::Json,
        }
    }

    /// How the type is named in messages.
    pub fn describe(&self) -> String {
        match self {
            Ty::Num(_) => "number".into(),
            Ty::Str => "string".into(),
            Ty::Bool => "boolean".into(),
            Ty::Null => "null".into(),
            Ty::Undefined => "undefined".into(),
            Ty::Array(inner) => format!("list of {}", inner.describe()),
            Ty::Object(fields) => {
                let names: Vec<&str> = fields.iter().take(4).map(|(n, _)| n.as_str()).collect();
                let more = if fields.len() > 4 { ", …" } else { "" };
                format!("object {{ {}{} }}", names.join(", "), more)
            }
            Ty::Date => "Date".into(),
            Ty::Maybe(inner) => format!("{} or null", inner.describe()),
            Ty::Json => "json".into(),
            Ty::Error => "unknown".into(),
        }
    }

    /// The type of a field of an object type, if the type is known to have it.
    pub fn field(&self, name: &str) -> Option<&Ty> {
        match self.strip_maybe() {
            Ty::Object(fields) => fields.iter().find(|(n, _)| n == name).map(|(_, t)| t),
            _ => None,
        }
    }

    /// The element type, for lists and open values.
    pub fn element(&self) -> Ty {
        match self.strip_maybe() {
            Ty::Array(inner) => (**inner).clone(),
            Ty::Error => Ty::Error,
            _ => Ty::Json,
        }
    }
}

/// How a value is held in generated Rust.
#[derive(Clone, Debug, PartialEq)]
pub enum Repr {
    /// `f64` (a number on the fast path).
    F64,
    /// `bool`.
    Bool,
    /// `::handled_runtime::Value`.
    Value,
    /// A generated struct (a transform's output object), by its Rust name.
    Struct(Rc<StructDef>),
}

/// A struct generated for a transform's output object.
#[derive(Debug, PartialEq)]
pub struct StructDef {
    /// The Rust type name.
    pub name: String,
    /// Doc line.
    pub doc: String,
    /// Fields: JavaScript key, Rust field name, how the field is held.
    pub fields: Vec<(String, String, Repr)>,
}
