//! Built-in functions: the global ones (`parseInt`, `Number`, …), `Math.*`, and the static
//! functions of `Number`, `Object`, `Array`, `JSON` and `Date`.

use super::call::{now_ms, plain_args};
use super::code::{Code, str_value};
use super::compile;
use super::operator::num_kind;
use crate::builtins::{self, MATH_UNARY_NATIVE, On};
use crate::cx::Cx;
use crate::diagnostic::did_you_mean;
use crate::ty::{NumKind, Repr, Ty};
use handled_parser::{ArrayElem, Span};
use proc_macro2::TokenStream;
use quote::format_ident;

pub(super) fn global_call(cx: &mut Cx<'_>, name: &str, args: &[ArrayElem], span: Span) -> Code {
    let args = plain_args(cx, args);
    let arg = |i: usize| -> TokenStream {
        match args.get(i) {
            Some(c) => c.value_ref(),
            None => q!(&::handled_runtime::Value::Undefined),
        }
    };
    let (a0, a1) = (arg(0), arg(1));
    let _ = span;
    match name {
        "Number" => {
            if args.is_empty() {
                return Code::temp(q!(0.0), Ty::Num(NumKind::Int), Repr::F64);
            }
            let kind = num_kind(&args[0].ty);
            Code::temp(
                q!(::handled_runtime::js::number_fn(#a0)),
                Ty::Num(kind),
                Repr::F64,
            )
        }
        "String" => {
            if args.is_empty() {
                return Code::value_of(str_value(""), Ty::Str);
            }
            Code::value_of(
                q!(::handled_runtime::Value::String(::handled_runtime::js::string_fn(#a0))),
                Ty::Str,
            )
        }
        "Boolean" => Code::temp(
            q!(::handled_runtime::js::boolean_fn(#a0)),
            Ty::Bool,
            Repr::Bool,
        ),
        "parseInt" => Code::temp(
            q!(::handled_runtime::js::parse_int(#a0, #a1)),
            Ty::Num(NumKind::Dyn),
            Repr::F64,
        ),
        "parseFloat" => Code::temp(
            q!(::handled_runtime::js::parse_float(#a0)),
            Ty::Num(NumKind::DynFrac),
            Repr::F64,
        ),
        "isNaN" => Code::temp(q!(::handled_runtime::js::is_nan(#a0)), Ty::Bool, Repr::Bool),
        _ => Code::temp(
            q!(::handled_runtime::js::is_finite(#a0)),
            Ty::Bool,
            Repr::Bool,
        ),
    }
}

pub(super) fn math_call(cx: &mut Cx<'_>, name: &str, args: &[ArrayElem], span: Span) -> Code {
    if builtins::function(On::Static("Math"), name).is_none() {
        let functions = builtins::function_names(On::Static("Math"));
        let d = cx.error("E0216", span, format!("`Math.{name}` is not supported"));
        d.help = match did_you_mean(name, functions.iter().copied()) {
            Some(s) => Some(format!("did you mean `Math.{s}`?")),
            None => Some(format!("supported: Math.{}", functions.join(", Math."))),
        };
        return Code::error();
    }
    if name == "max" || name == "min" {
        let mut kind = NumKind::Int;
        let mut parts = Vec::new();
        let mut nums = Vec::new();
        let mut spread = false;
        for a in args {
            match a {
                ArrayElem::Expr(e) => {
                    let c = compile(cx, e);
                    kind = kind.join(num_kind(&c.ty));
                    let f = c.f64();
                    parts.push(q!(::handled_runtime::rt::NumPart::One(#f)));
                    nums.push(f);
                }
                ArrayElem::Spread(e, _) => {
                    spread = true;
                    let c = compile(cx, e);
                    kind = kind.join(num_kind(&c.ty.element()));
                    let v = c.value();
                    parts.push(q!(::handled_runtime::rt::NumPart::Spread(#v)));
                }
            }
        }
        let f = format_ident!("math_{}", name);
        if !spread {
            return Code::temp(
                q!(::handled_runtime::js::#f(&[#(#nums),*])),
                Ty::Num(kind),
                Repr::F64,
            );
        }
        let at = cx.at(span);
        return Code::temp(
            q!(::handled_runtime::js::#f(&::handled_runtime::rt::spread_numbers(vec![#(#parts),*])#at)),
            Ty::Num(kind),
            Repr::F64,
        );
    }
    let args = plain_args(cx, args);
    let f = |i: usize| -> TokenStream {
        match args.get(i) {
            Some(c) => c.f64(),
            None => q!(f64::NAN),
        }
    };
    let k0 = args.first().map_or(NumKind::Dyn, |c| num_kind(&c.ty));
    let x = f(0);
    if let Some((_, method, int)) = MATH_UNARY_NATIVE.iter().find(|(n, _, _)| *n == name) {
        let m = format_ident!("{}", method);
        let kind = if *int {
            NumKind::Int
        } else if *method == "sqrt" {
            k0.fractional()
        } else {
            k0
        };
        return Code::temp(q!(f64::#m(#x)), Ty::Num(kind), Repr::F64);
    }
    match name {
        "round" => Code::temp(
            q!(::handled_runtime::js::math_round(#x)),
            Ty::Num(NumKind::Int),
            Repr::F64,
        ),
        "sign" => Code::temp(
            q!(::handled_runtime::js::math_sign(#x)),
            Ty::Num(NumKind::Int),
            Repr::F64,
        ),
        _ => {
            let y = f(1);
            Code::temp(
                q!(::handled_runtime::js::num_pow(#x, #y)),
                Ty::Num(k0.fractional()),
                Repr::F64,
            )
        }
    }
}

pub(super) fn static_call(
    cx: &mut Cx<'_>,
    root: &'static str,
    name: &str,
    args: &[ArrayElem],
    name_span: Span,
    span: Span,
) -> Code {
    if builtins::function(On::Static(root), name).is_none() {
        let fns = builtins::function_names(On::Static(root));
        let d = cx.error(
            "E0216",
            name_span,
            format!("`{root}.{name}` is not supported"),
        );
        d.help = match did_you_mean(name, fns.iter().copied()) {
            Some(s) => Some(format!("did you mean `{root}.{s}`?")),
            None => Some(format!(
                "supported: {root}.{}",
                fns.join(&format!(", {root}."))
            )),
        };
        return Code::error();
    }
    let args = plain_args(cx, args);
    let arg = |i: usize| -> TokenStream {
        match args.get(i) {
            Some(c) => c.value_ref(),
            None => q!(&::handled_runtime::Value::Undefined),
        }
    };
    let a0 = arg(0);
    let at = cx.at(span);
    match (root, name) {
        ("Number", "isInteger") => Code::temp(
            q!(::handled_runtime::js::number_is_integer(#a0)),
            Ty::Bool,
            Repr::Bool,
        ),
        ("Number", "isFinite") => Code::temp(
            q!(::handled_runtime::js::number_is_finite(#a0)),
            Ty::Bool,
            Repr::Bool,
        ),
        ("Number", "isNaN") => Code::temp(
            q!(::handled_runtime::js::number_is_nan(#a0)),
            Ty::Bool,
            Repr::Bool,
        ),
        ("Number", "isSafeInteger") => Code::temp(
            q!(::handled_runtime::js::number_is_safe_integer(#a0)),
            Ty::Bool,
            Repr::Bool,
        ),
        ("Number", "parseFloat") => Code::temp(
            q!(::handled_runtime::js::parse_float(#a0)),
            Ty::Num(NumKind::DynFrac),
            Repr::F64,
        ),
        ("Number", _) => {
            let a1 = arg(1);
            Code::temp(
                q!(::handled_runtime::js::parse_int(#a0, #a1)),
                Ty::Num(NumKind::Dyn),
                Repr::F64,
            )
        }
        ("Object", "keys") => Code::value_of(
            q!(::handled_runtime::js::object_keys(#a0)#at),
            Ty::Array(Box::new(Ty::Str)),
        ),
        ("Object", "values") => {
            let el = args.first().map_or(Ty::Json, |c| match c.ty.strip_maybe() {
                Ty::Object(fs) => fs
                    .iter()
                    .skip(1)
                    .fold(fs.first().map_or(Ty::Json, |f| f.1.clone()), |acc, f| {
                        acc.join(&f.1)
                    }),
                _ => Ty::Json,
            });
            Code::value_of(
                q!(::handled_runtime::js::object_values(#a0)#at),
                Ty::Array(Box::new(el)),
            )
        }
        ("Object", _) => Code::value_of(
            q!(::handled_runtime::js::object_entries(#a0)#at),
            Ty::Array(Box::new(Ty::Array(Box::new(Ty::Json)))),
        ),
        ("Array", _) => Code::temp(
            q!(::handled_runtime::js::array_is_array(#a0)),
            Ty::Bool,
            Repr::Bool,
        ),
        ("JSON", "stringify") => {
            let space = match args.get(2) {
                Some(c) => {
                    let r = c.value_ref();
                    q!(Some(#r))
                }
                None => q!(None),
            };
            if let Some(replacer) = args.get(1)
                && !matches!(replacer.ty, Ty::Null | Ty::Undefined)
            {
                cx.error(
                    "E0004",
                    span,
                    "`JSON.stringify` supports only `null` as its second argument",
                );
            }
            Code::value_of(
                q!(::handled_runtime::js::json_stringify(#a0, #space)),
                Ty::Maybe(Box::new(Ty::Str)),
            )
        }
        ("JSON", _) => Code::value_of(q!(::handled_runtime::js::json_parse(#a0)#at), Ty::Json),
        ("Date", "parse") => Code::temp(
            q!(::handled_runtime::js::date_parse(#a0)),
            Ty::Num(NumKind::Dyn),
            Repr::F64,
        ),
        _ => {
            let now = now_ms(cx, span);
            Code::temp(
                q!(::handled_runtime::js::date_now(#now)),
                Ty::Num(NumKind::Int),
                Repr::F64,
            )
        }
    }
}
