//! Method calls on strings, arrays, dates, numbers, booleans and objects, with and without a
//! callback, as the table of built-ins (`crate::builtins`) allows and types them.

use super::arrow::arrow;
use super::call::plain_args;
use super::code::Code;
use crate::builtins::{self, Args, Callback, On, Returns};
use crate::cx::Cx;
use crate::diagnostic::did_you_mean;
use crate::ty::{NumKind, Ty};
use handled_parser::{ArrayElem, Expr, ExprKind, Span};
use proc_macro2::TokenStream;

pub(super) fn method_call(
    cx: &mut Cx<'_>,
    recv: Code,
    name: &str,
    name_span: Span,
    args: &[ArrayElem],
    span: Span,
) -> Code {
    if recv.ty == Ty::Error {
        return Code::error();
    }
    let base = recv.ty.strip_maybe().clone();
    let is_callback = builtins::is_callback_method(name)
        && matches!(
            args.first(),
            Some(ArrayElem::Expr(Expr {
                kind: ExprKind::Arrow { .. },
                ..
            }))
        );
    let on = match &base {
        Ty::Str => Some(On::String),
        Ty::Array(_) => Some(On::Array),
        Ty::Date => Some(On::Date),
        Ty::Num(_) => Some(On::Number),
        Ty::Bool => Some(On::Boolean),
        Ty::Object(_) => Some(On::Object),
        _ => None,
    };
    let known: Option<Ty> = match (&base, on) {
        (Ty::Array(_), _) if is_callback => Some(Ty::Json),
        (_, Some(on)) => builtins::method(on, name, false).and_then(|m| m.result(&base)),
        (Ty::Json | Ty::Error, None) => builtins::all_method_names()
            .any(|m| m == name)
            .then_some(Ty::Json),
        _ => None,
    };
    let Some(result_ty) = known else {
        let candidates: Vec<&str> = match on {
            Some(on @ (On::String | On::Array | On::Date | On::Number)) => {
                builtins::method_names(on).collect()
            }
            _ => builtins::all_method_names().collect(),
        };
        let d = cx.error(
            "E0216",
            name_span,
            format!("`{name}` is not a method of a {}", base.describe()),
        );
        d.primary.message = "not a function".into();
        d.help =
            did_you_mean(name, candidates.iter().copied()).map(|s| format!("did you mean `{s}`?"));
        return Code::error();
    };
    // A method that also exists without a callback (`sort`) may be called with no argument.
    let also_plain = builtins::method(On::Array, name, false).is_some();
    if builtins::is_callback_method(name) && !(also_plain && args.is_empty()) {
        if !is_callback {
            let sp = args.first().map_or(span, |a| match a {
                ArrayElem::Expr(e) | ArrayElem::Spread(e, _) => e.span,
            });
            cx.error(
                "E0004",
                sp,
                format!("`{name}` needs an arrow function as its first argument"),
            )
            .help = Some(format!("write `.{name}(x => …)`"));
            return Code::error();
        }
        return callback_call(cx, recv, name, args, span);
    }
    let args = plain_args(cx, args);
    let vals: Vec<TokenStream> = args.iter().map(Code::value).collect();
    let r = recv.value_ref();
    let at = cx.at(name_span);
    Code::value_of(
        q!(::handled_runtime::js::call_method(#r, #name, &[#(#vals),*])#at),
        result_ty,
    )
}

pub(super) fn callback_call(
    cx: &mut Cx<'_>,
    recv: Code,
    name: &str,
    args: &[ArrayElem],
    span: Span,
) -> Code {
    let Some(ArrayElem::Expr(Expr {
        kind: ExprKind::Arrow { params, body },
        ..
    })) = args.first()
    else {
        return Code::error();
    };
    let Some(method) = builtins::method(On::Array, name, true) else {
        return Code::error();
    };
    let elem = recv.ty.element();
    let rest = plain_args(cx, &args[1..]);
    let param_tys: Vec<Ty> = match method.args {
        Args::Callback(Callback::Reducer) => {
            let acc = rest.first().map_or(elem.clone(), |c| c.ty.clone());
            vec![acc, elem.clone(), Ty::Num(NumKind::Int), recv.ty.clone()]
        }
        Args::Callback(Callback::Comparator) => vec![elem.clone(), elem.clone()],
        _ => vec![elem.clone(), Ty::Num(NumKind::Int), recv.ty.clone()],
    };
    let (closure, ret_ty) = arrow(cx, params, body, &param_tys);
    let result_ty = match method.returns {
        Returns::Mapped => Ty::Array(Box::new(ret_ty)),
        Returns::FlatMapped => Ty::Array(Box::new(match ret_ty {
            Ty::Array(inner) => *inner,
            other => other,
        })),
        Returns::Accumulated => {
            let acc = rest.first().map_or(elem.clone(), |c| c.ty.clone());
            if acc.is_num() && ret_ty.is_num() {
                acc.join(&ret_ty)
            } else if acc == ret_ty {
                acc
            } else {
                Ty::Json
            }
        }
        _ => method.result(&recv.ty).unwrap_or(Ty::Json),
    };
    let vals: Vec<TokenStream> = rest.iter().map(Code::value).collect();
    let r = recv.value_ref();
    let at = cx.at(span);
    Code::value_of(
        q!(::handled_runtime::js::call_method_fn(#r, #name, &mut #closure, &[#(#vals),*])#at),
        result_ty,
    )
}
