//! The one table of built-in methods and functions the JavaScript subset supports: what each is
//! called on, how many arguments it reads, what the checker passes it and what it returns.
//!
//! The checker accepts a call exactly when the table has it, and types its result from the
//! table (methods) or as the generator computes it (functions, `expr/function.rs`, whose types
//! a test holds to the table's). Each entry is implemented at run time by `handled-js`, and
//! `tests/builtins.rs` checks the table against `handled_js::methods::METHODS`,
//! `CALLBACK_METHODS` and `handled_js::FUNCTIONS` in both directions.

use crate::ty::{NumKind, Ty};

/// What a built-in is called on, or as.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum On {
    /// A method of strings: `s.trim()`.
    String,
    /// A method of lists: `list.join(",")`.
    Array,
    /// A method of numbers: `n.toFixed(2)`.
    Number,
    /// A method of dates: `d.toISOString()`.
    Date,
    /// A method of booleans: `b.toString()`.
    Boolean,
    /// A method of objects: `o.toString()`.
    Object,
    /// A global function: `parseInt(s)`.
    Global,
    /// A function of a global object, named here: `Math.max(…)`, `JSON.parse(…)`.
    Static(&'static str),
    /// A constructor called with `new`: `new Date(…)`.
    New,
}

impl On {
    /// Whether the built-in is a method (called on a value).
    pub fn is_method(self) -> bool {
        !matches!(self, On::Global | On::Static(_) | On::New)
    }
}

/// What the generated code passes a built-in.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Args {
    /// Values, as they are.
    Values,
    /// Numbers (`Math`): each argument converted to `f64`.
    Numbers,
    /// An arrow function, then values; the arrow receives what the [`Callback`] says.
    Callback(Callback),
}

/// What the arrow function of a callback method receives.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Callback {
    /// `(element, index, list)`.
    Element,
    /// `(accumulator, element, index, list)`: `reduce`, `reduceRight`.
    Reducer,
    /// `(a, b)`: a comparator.
    Comparator,
}

/// The type of a built-in's result, as the checker gives it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Returns {
    /// A boolean.
    Bool,
    /// An integer.
    Int,
    /// A number known only at run time (it may be NaN or have a fraction).
    Number,
    /// A number known only at run time, likely with a fraction (`parseFloat`).
    Fraction,
    /// The number kind of the first argument (`Number(x)`, `Math.abs`), or with a fraction
    /// (`Math.sqrt`, `Math.pow`), or the join of every argument's kind (`Math.max`).
    NumberOfArguments,
    /// A string.
    Str,
    /// A string or `undefined`.
    MaybeStr,
    /// A list of strings.
    StrList,
    /// The receiver's own type (`valueOf`).
    Receiver,
    /// A list of the receiver's elements (`slice`, `filter`, `sort`).
    Elements,
    /// One of the receiver's elements or `undefined` (`at`, `find`).
    MaybeElement,
    /// A list of `json` (`flat`, `Object.entries` gives lists of them).
    JsonList,
    /// The values of an object's fields (`Object.values`).
    FieldValues,
    /// Lists of `[key, value]` (`Object.entries`).
    Entries,
    /// Any JSON value.
    Json,
    /// A date.
    Date,
    /// `undefined`.
    Undefined,
    /// A list of the callback's results (`map`).
    Mapped,
    /// The callback's results, flattened one level (`flatMap`).
    FlatMapped,
    /// The accumulator (`reduce`).
    Accumulated,
}

/// One built-in.
#[derive(Clone, Copy, Debug)]
pub struct Builtin {
    /// What it is called on.
    pub on: On,
    /// Its name (`trim`, `max`, `Date`).
    pub name: &'static str,
    /// How many arguments it reads, fewest and most (further ones are ignored, as in
    /// JavaScript).
    pub arity: (u8, u8),
    /// What it is passed.
    pub args: Args,
    /// What it returns.
    pub returns: Returns,
    /// What it does, in a few words.
    pub doc: &'static str,
}

impl Builtin {
    /// How JavaScript spells a function (`Math.max`, `parseInt`, `new Date`), or a method
    /// with its receiver (`string.trim`).
    pub fn full_name(&self) -> String {
        match self.on {
            On::Global => self.name.to_string(),
            On::Static(object) => format!("{object}.{}", self.name),
            On::New => format!("new {}", self.name),
            On::String => format!("string.{}", self.name),
            On::Array => format!("array.{}", self.name),
            On::Number => format!("number.{}", self.name),
            On::Date => format!("date.{}", self.name),
            On::Boolean => format!("boolean.{}", self.name),
            On::Object => format!("object.{}", self.name),
        }
    }

    /// Whether its first argument is an arrow function.
    pub fn takes_callback(&self) -> bool {
        matches!(self.args, Args::Callback(_))
    }

    /// The result type, given the receiver's type (methods) when the table alone decides it;
    /// `None` for the results the generator computes from the arguments.
    pub fn result(&self, receiver: &Ty) -> Option<Ty> {
        let elem = || receiver.element();
        Some(match self.returns {
            Returns::Bool => Ty::Bool,
            Returns::Int => Ty::Num(NumKind::Int),
            Returns::Number => Ty::Num(NumKind::Dyn),
            Returns::Fraction => Ty::Num(NumKind::DynFrac),
            Returns::Str => Ty::Str,
            Returns::MaybeStr => Ty::Maybe(Box::new(Ty::Str)),
            Returns::StrList => Ty::Array(Box::new(Ty::Str)),
            Returns::Receiver => receiver.clone(),
            Returns::Elements => Ty::Array(Box::new(elem())),
            Returns::MaybeElement => Ty::Maybe(Box::new(elem())),
            Returns::JsonList => Ty::Array(Box::new(Ty::Json)),
            Returns::Entries => Ty::Array(Box::new(Ty::Array(Box::new(Ty::Json)))),
            Returns::Json => Ty::Json,
            Returns::Date => Ty::Date,
            Returns::Undefined => Ty::Undefined,
            Returns::NumberOfArguments
            | Returns::FieldValues
            | Returns::Mapped
            | Returns::FlatMapped
            | Returns::Accumulated => return None,
        })
    }
}

const fn b(
    on: On,
    name: &'static str,
    arity: (u8, u8),
    args: Args,
    returns: Returns,
    doc: &'static str,
) -> Builtin {
    Builtin {
        on,
        name,
        arity,
        args,
        returns,
        doc,
    }
}

use Args::{Numbers, Values};
use Returns as R;

const fn cb(callback: Callback) -> Args {
    Args::Callback(callback)
}

/// Every built-in. The order within each receiver is the order "did you mean" and "supported:"
/// lists give.
#[rustfmt::skip]
pub const BUILTINS: &[Builtin] = &[
    // Strings.
    b(On::String, "includes", (1, 2), Values, R::Bool, "whether the text occurs"),
    b(On::String, "startsWith", (1, 2), Values, R::Bool, "whether it starts with the text"),
    b(On::String, "endsWith", (1, 2), Values, R::Bool, "whether it ends with the text"),
    b(On::String, "indexOf", (1, 2), Values, R::Int, "where the text first occurs, or -1"),
    b(On::String, "lastIndexOf", (1, 2), Values, R::Int, "where the text last occurs, or -1"),
    b(On::String, "slice", (0, 2), Values, R::Str, "the part between two positions (negative: from the end)"),
    b(On::String, "substring", (1, 2), Values, R::Str, "the part between two positions"),
    b(On::String, "split", (0, 2), Values, R::StrList, "the parts between each separator"),
    b(On::String, "trim", (0, 0), Values, R::Str, "without white space at both ends"),
    b(On::String, "trimStart", (0, 0), Values, R::Str, "without white space at the start"),
    b(On::String, "trimEnd", (0, 0), Values, R::Str, "without white space at the end"),
    b(On::String, "toLowerCase", (0, 0), Values, R::Str, "in lower case"),
    b(On::String, "toUpperCase", (0, 0), Values, R::Str, "in upper case"),
    b(On::String, "padStart", (1, 2), Values, R::Str, "padded at the start to a length"),
    b(On::String, "padEnd", (1, 2), Values, R::Str, "padded at the end to a length"),
    b(On::String, "replace", (2, 2), Values, R::Str, "with the first occurrence replaced"),
    b(On::String, "replaceAll", (2, 2), Values, R::Str, "with every occurrence replaced"),
    b(On::String, "concat", (0, u8::MAX), Values, R::Str, "followed by the arguments"),
    b(On::String, "at", (1, 1), Values, R::MaybeStr, "the character at a position (negative: from the end)"),
    b(On::String, "charAt", (1, 1), Values, R::Str, "the character at a position, or \"\""),
    b(On::String, "repeat", (1, 1), Values, R::Str, "repeated a number of times"),
    b(On::String, "toString", (0, 0), Values, R::Str, "the string itself"),
    b(On::String, "charCodeAt", (1, 1), Values, R::Number, "the UTF-16 unit at a position, or NaN"),
    b(On::String, "valueOf", (0, 0), Values, R::Receiver, "the string itself"),
    // Lists, without a callback.
    b(On::Array, "includes", (1, 2), Values, R::Bool, "whether the value is an element (SameValueZero)"),
    b(On::Array, "indexOf", (1, 2), Values, R::Int, "where the value first is, or -1"),
    b(On::Array, "lastIndexOf", (1, 2), Values, R::Int, "where the value last is, or -1"),
    b(On::Array, "join", (0, 1), Values, R::Str, "the elements as text, between separators"),
    b(On::Array, "slice", (0, 2), Values, R::Elements, "the elements between two positions"),
    b(On::Array, "concat", (0, u8::MAX), Values, R::Elements, "followed by the arguments' elements"),
    b(On::Array, "flat", (0, 1), Values, R::JsonList, "nested lists flattened to a depth"),
    b(On::Array, "reverse", (0, 0), Values, R::Elements, "a reversed copy (the list is not changed)"),
    b(On::Array, "at", (1, 1), Values, R::MaybeElement, "the element at a position (negative: from the end)"),
    b(On::Array, "sort", (0, 0), Values, R::Elements, "a copy sorted as text (the list is not changed)"),
    b(On::Array, "toString", (0, 0), Values, R::Str, "the elements joined by commas"),
    b(On::Array, "toReversed", (0, 0), Values, R::Elements, "a reversed copy"),
    b(On::Array, "toSorted", (0, 0), Values, R::Elements, "a copy sorted as text"),
    b(On::Array, "valueOf", (0, 0), Values, R::Receiver, "the list itself"),
    // Lists, with a callback.
    b(On::Array, "map", (1, 1), cb(Callback::Element), R::Mapped, "the callback's result for each element"),
    b(On::Array, "filter", (1, 1), cb(Callback::Element), R::Elements, "the elements the callback keeps"),
    b(On::Array, "find", (1, 1), cb(Callback::Element), R::MaybeElement, "the first element the callback accepts"),
    b(On::Array, "findIndex", (1, 1), cb(Callback::Element), R::Int, "where the first accepted element is, or -1"),
    b(On::Array, "findLast", (1, 1), cb(Callback::Element), R::MaybeElement, "the last element the callback accepts"),
    b(On::Array, "findLastIndex", (1, 1), cb(Callback::Element), R::Int, "where the last accepted element is, or -1"),
    b(On::Array, "some", (1, 1), cb(Callback::Element), R::Bool, "whether the callback accepts an element"),
    b(On::Array, "every", (1, 1), cb(Callback::Element), R::Bool, "whether the callback accepts every element"),
    b(On::Array, "reduce", (1, 2), cb(Callback::Reducer), R::Accumulated, "the elements folded from the first"),
    b(On::Array, "reduceRight", (1, 2), cb(Callback::Reducer), R::Accumulated, "the elements folded from the last"),
    b(On::Array, "flatMap", (1, 1), cb(Callback::Element), R::FlatMapped, "the callback's results, flattened once"),
    b(On::Array, "sort", (1, 1), cb(Callback::Comparator), R::Elements, "a copy sorted by the comparator"),
    b(On::Array, "forEach", (1, 1), cb(Callback::Element), R::Undefined, "the callback run for each element"),
    b(On::Array, "toSorted", (1, 1), cb(Callback::Comparator), R::Elements, "a copy sorted by the comparator"),
    // Dates.
    b(On::Date, "toISOString", (0, 0), Values, R::Str, "the date in ISO 8601 (an error if invalid)"),
    b(On::Date, "getTime", (0, 0), Values, R::Int, "milliseconds since 1970"),
    b(On::Date, "valueOf", (0, 0), Values, R::Int, "milliseconds since 1970"),
    b(On::Date, "toJSON", (0, 0), Values, R::Str, "the date in ISO 8601 (null if invalid)"),
    b(On::Date, "toString", (0, 0), Values, R::Str, "the date as text, in UTC"),
    // Numbers.
    b(On::Number, "toFixed", (0, 1), Values, R::Str, "the number with a number of decimals"),
    b(On::Number, "toString", (0, 1), Values, R::Str, "the number as text, in a radix"),
    b(On::Number, "valueOf", (0, 0), Values, R::Receiver, "the number itself"),
    // Booleans and objects.
    b(On::Boolean, "toString", (0, 0), Values, R::Str, "\"true\" or \"false\""),
    b(On::Boolean, "valueOf", (0, 0), Values, R::Receiver, "the boolean itself"),
    b(On::Object, "toString", (0, 0), Values, R::Str, "\"[object Object]\""),
    b(On::Object, "valueOf", (0, 0), Values, R::Receiver, "the object itself"),
    // Global functions.
    b(On::Global, "parseInt", (1, 2), Values, R::Number, "the integer a text starts with, in a radix"),
    b(On::Global, "parseFloat", (1, 1), Values, R::Fraction, "the number a text starts with"),
    b(On::Global, "isNaN", (1, 1), Values, R::Bool, "whether the value converts to NaN"),
    b(On::Global, "isFinite", (1, 1), Values, R::Bool, "whether the value converts to a finite number"),
    b(On::Global, "Number", (0, 1), Values, R::NumberOfArguments, "the value as a number"),
    b(On::Global, "String", (0, 1), Values, R::Str, "the value as text"),
    b(On::Global, "Boolean", (0, 1), Values, R::Bool, "the value's truth"),
    // Math.
    b(On::Static("Math"), "max", (0, u8::MAX), Numbers, R::NumberOfArguments, "the largest number (spreads allowed)"),
    b(On::Static("Math"), "min", (0, u8::MAX), Numbers, R::NumberOfArguments, "the smallest number (spreads allowed)"),
    b(On::Static("Math"), "floor", (1, 1), Numbers, R::Int, "rounded down"),
    b(On::Static("Math"), "ceil", (1, 1), Numbers, R::Int, "rounded up"),
    b(On::Static("Math"), "round", (1, 1), Numbers, R::Int, "rounded to the nearest, halves up"),
    b(On::Static("Math"), "trunc", (1, 1), Numbers, R::Int, "without its fraction"),
    b(On::Static("Math"), "abs", (1, 1), Numbers, R::NumberOfArguments, "without its sign"),
    b(On::Static("Math"), "sign", (1, 1), Numbers, R::Int, "-1, 0 or 1"),
    b(On::Static("Math"), "pow", (2, 2), Numbers, R::NumberOfArguments, "a power"),
    b(On::Static("Math"), "sqrt", (1, 1), Numbers, R::NumberOfArguments, "the square root"),
    // Number.
    b(On::Static("Number"), "isInteger", (1, 1), Values, R::Bool, "whether it is a number without a fraction"),
    b(On::Static("Number"), "isFinite", (1, 1), Values, R::Bool, "whether it is a finite number"),
    b(On::Static("Number"), "isNaN", (1, 1), Values, R::Bool, "whether it is NaN itself"),
    b(On::Static("Number"), "isSafeInteger", (1, 1), Values, R::Bool, "whether it is an integer within 2^53"),
    b(On::Static("Number"), "parseFloat", (1, 1), Values, R::Fraction, "as the global parseFloat"),
    b(On::Static("Number"), "parseInt", (1, 2), Values, R::Number, "as the global parseInt"),
    // Object, Array, JSON, Date.
    b(On::Static("Object"), "keys", (1, 1), Values, R::StrList, "the names of the own fields"),
    b(On::Static("Object"), "values", (1, 1), Values, R::FieldValues, "the values of the own fields"),
    b(On::Static("Object"), "entries", (1, 1), Values, R::Entries, "the own fields as [name, value] pairs"),
    b(On::Static("Array"), "isArray", (1, 1), Values, R::Bool, "whether it is a list"),
    b(On::Static("JSON"), "stringify", (1, 3), Values, R::MaybeStr, "the value as JSON text (replacer: null only)"),
    b(On::Static("JSON"), "parse", (1, 1), Values, R::Json, "the value a JSON text holds"),
    b(On::Static("Date"), "now", (0, 0), Values, R::Int, "the run's clock, in ms since 1970"),
    b(On::Static("Date"), "parse", (1, 1), Values, R::Number, "the time an ISO 8601 text gives, in ms, or NaN"),
    b(On::New, "Date", (0, 7), Values, R::Date, "a date: now, from ms, from text, or from parts"),
];

/// The method `name` of `on`, with a callback or without.
pub fn method(on: On, name: &str, callback: bool) -> Option<&'static Builtin> {
    BUILTINS
        .iter()
        .find(|b| b.on == on && b.name == name && b.takes_callback() == callback)
}

/// The names of `on`'s methods, in the table's order (with or without a callback).
pub fn method_names(on: On) -> impl Iterator<Item = &'static str> {
    BUILTINS.iter().filter(move |b| b.on == on).map(|b| b.name)
}

/// Every method name, for "did you mean" on open values (a name may come more than once).
pub fn all_method_names() -> impl Iterator<Item = &'static str> {
    BUILTINS.iter().filter(|b| b.on.is_method()).map(|b| b.name)
}

/// Whether some list method of this name takes a callback.
pub fn is_callback_method(name: &str) -> bool {
    method(On::Array, name, true).is_some()
}

/// The function `name` of `on` (a global, a static of an object, or a constructor).
pub fn function(on: On, name: &str) -> Option<&'static Builtin> {
    BUILTINS.iter().find(|b| b.on == on && b.name == name)
}

/// The functions of `on` (`Math`, `Number`, …), in the table's order.
pub fn function_names(on: On) -> Vec<&'static str> {
    BUILTINS
        .iter()
        .filter(|b| b.on == on)
        .map(|b| b.name)
        .collect()
}

/// The objects whose functions can be called (`Math`, `Number`, `Object`, `Array`, `JSON`,
/// `Date`).
pub fn static_objects() -> impl Iterator<Item = &'static str> {
    let mut seen: Vec<&'static str> = Vec::new();
    BUILTINS.iter().filter_map(move |b| match b.on {
        On::Static(object) if !seen.contains(&object) => {
            seen.push(object);
            Some(object)
        }
        _ => None,
    })
}

/// `Math` functions of one argument that map to `f64` methods with JavaScript's meaning:
/// (name, `f64` method, result is an integer).
pub const MATH_UNARY_NATIVE: &[(&str, &str, bool)] = &[
    ("floor", "floor", true),
    ("ceil", "ceil", true),
    ("trunc", "trunc", true),
    ("abs", "abs", false),
    ("sqrt", "sqrt", false),
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
