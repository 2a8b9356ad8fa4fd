//! The built-in methods and functions the JavaScript subset supports, with their result types.

use crate::ty::{NumKind, Ty};

/// String methods: name, result type.
pub const STRING_METHODS: &[(&str, StrResult)] = &[
    ("includes", StrResult::Bool),
    ("startsWith", StrResult::Bool),
    ("endsWith", StrResult::Bool),
    ("indexOf", StrResult::Int),
    ("lastIndexOf", StrResult::Int),
    ("slice", StrResult::Str),
    ("substring", StrResult::Str),
    ("split", StrResult::StrList),
    ("trim", StrResult::Str),
    ("trimStart", StrResult::Str),
    ("trimEnd", StrResult::Str),
    ("toLowerCase", StrResult::Str),
    ("toUpperCase", StrResult::Str),
    ("padStart", StrResult::Str),
    ("padEnd", StrResult::Str),
    ("replace", StrResult::Str),
    ("replaceAll", StrResult::Str),
    ("concat", StrResult::Str),
    ("at", StrResult::MaybeStr),
    ("charAt", StrResult::Str),
    ("repeat", StrResult::Str),
    ("toString", StrResult::Str),
];

/// The result of a string method.
#[derive(Clone, Copy, Debug)]
pub enum StrResult {
    /// A boolean.
    Bool,
    /// An integer.
    Int,
    /// A string.
    Str,
    /// A string or undefined.
    MaybeStr,
    /// A list of strings.
    StrList,
}

impl StrResult {
    /// As a type.
    pub fn ty(self) -> Ty {
        match self {
            StrResult::Bool => Ty::Bool,
            StrResult::Int => Ty::Num(NumKind::Int),
            StrResult::Str => Ty::Str,
            StrResult::MaybeStr => Ty::Maybe(Box::new(Ty::Str)),
            StrResult::StrList => Ty::Array(Box::new(Ty::Str)),
        }
    }
}

/// Array methods that take no callback.
pub const ARRAY_METHODS: &[&str] = &[
    "includes",
    "indexOf",
    "lastIndexOf",
    "join",
    "slice",
    "concat",
    "flat",
    "reverse",
    "at",
    "sort",
    "toString",
];

/// Array methods whose first argument is a callback.
pub const ARRAY_CALLBACK_METHODS: &[&str] = &[
    "map",
    "filter",
    "find",
    "findIndex",
    "findLast",
    "findLastIndex",
    "some",
    "every",
    "reduce",
    "reduceRight",
    "flatMap",
    "sort",
    "forEach",
];

/// Date methods.
pub const DATE_METHODS: &[&str] = &["toISOString", "getTime", "valueOf", "toJSON"];

/// Number methods.
pub const NUMBER_METHODS: &[&str] = &["toFixed", "toString"];

/// The type of a non-callback array method's result, given the element type.
pub fn array_method_ty(name: &str, elem: &Ty) -> Ty {
    match name {
        "includes" => Ty::Bool,
        "indexOf" | "lastIndexOf" => Ty::Num(NumKind::Int),
        "join" | "toString" => Ty::Str,
        "at" => Ty::Maybe(Box::new(elem.clone())),
        "flat" => Ty::Array(Box::new(Ty::Json)),
        _ => Ty::Array(Box::new(elem.clone())),
    }
}

/// Every method name the subset knows, for "did you mean" on open values.
pub fn all_method_names() -> impl Iterator<Item = &'static str> {
    STRING_METHODS
        .iter()
        .map(|(n, _)| *n)
        .chain(ARRAY_METHODS.iter().copied())
        .chain(ARRAY_CALLBACK_METHODS.iter().copied())
        .chain(DATE_METHODS.iter().copied())
        .chain(NUMBER_METHODS.iter().copied())
}

/// `Math` functions of one argument that map to `f64` methods with JavaScript's meaning.
pub const MATH_UNARY_NATIVE: &[(&str, &str, bool)] = &[
    // (name, f64 method, result is an integer)
    ("floor", "floor", true),
    ("ceil", "ceil", true),
    ("trunc", "trunc", true),
    ("abs", "abs", false),
    ("sqrt", "sqrt", false),
];

/// Names of `Math` members that are functions.
pub const MATH_FUNCTIONS: &[&str] = &[
    "max", "min", "floor", "ceil", "round", "trunc", "abs", "sign", "pow", "sqrt",
];

/// Global functions.
pub const GLOBAL_FUNCTIONS: &[&str] = &[
    "parseInt",
    "parseFloat",
    "isNaN",
    "isFinite",
    "Number",
    "String",
    "Boolean",
];

/// Global names.
pub const GLOBAL_NAMES: &[&str] = &[
    "Math",
    "Number",
    "String",
    "Boolean",
    "JSON",
    "Object",
    "Array",
    "Date",
    "parseInt",
    "parseFloat",
    "isNaN",
    "isFinite",
    "NaN",
    "Infinity",
    "undefined",
];

/// Static functions of `Number`, `Object`, `Array`, `JSON`, `Date`.
pub const STATIC_FUNCTIONS: &[(&str, &[&str])] = &[
    (
        "Number",
        &[
            "isInteger",
            "isFinite",
            "isNaN",
            "isSafeInteger",
            "parseFloat",
            "parseInt",
        ],
    ),
    ("Object", &["keys", "values", "entries"]),
    ("Array", &["isArray"]),
    ("JSON", &["stringify", "parse"]),
    ("Date", &["now"]),
];

/// Constant members: (object, name, value as Rust tokens text, is integer).
pub const CONSTANTS: &[(&str, &str, &str, bool)] = &[
    ("Number", "MAX_SAFE_INTEGER", "9007199254740991.0", true),
    ("Number", "MIN_SAFE_INTEGER", "-9007199254740991.0", true),
    ("Number", "EPSILON", "f64::EPSILON", false),
    ("Number", "MAX_VALUE", "f64::MAX", false),
    ("Number", "MIN_VALUE", "5e-324", false),
    ("Number", "POSITIVE_INFINITY", "f64::INFINITY", false),
    ("Number", "NEGATIVE_INFINITY", "f64::NEG_INFINITY", false),
    ("Number", "NaN", "f64::NAN", false),
    ("Math", "PI", "::std::f64::consts::PI", false),
    ("Math", "E", "::std::f64::consts::E", false),
    ("Math", "LN2", "::std::f64::consts::LN_2", false),
    ("Math", "LN10", "::std::f64::consts::LN_10", false),
    ("Math", "SQRT2", "::std::f64::consts::SQRT_2", false),
];
