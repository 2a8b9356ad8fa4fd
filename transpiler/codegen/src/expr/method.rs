//! Method calls on strings, arrays, dates and numbers, with and without a callback.

use super::arrow::arrow;
use super::call::plain_args;
use super::code::Code;
use crate::cx::Cx;
use crate::diagnostic::did_you_mean;
use crate::methods::*;
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
    let is_callback = ARRAY_CALLBACK_METHODS.contains(&name)
        && matches!(
            args.first(),
            Some(ArrayElem::Expr(Expr {
                kind: ExprKind::Arrow { .. },
                ..
            }))
        );
    let known: Option<Ty> = match &base {
        Ty::Str => STRING_METHODS
            .iter()
            .find(|(n, _)| *n == name)
            .map(|(_, r)| r.ty()),
        Ty::Array(_) if is_callback => Some(Ty::Json),
        Ty::Array(elem) => ARRAY_METHODS
            .contains(&name)
            .then(|| array_method_ty(name, elem)),
        Ty::Date => DATE_METHODS.contains(&name).then(|| {
            if name == "toISOString" || name == "toJSON" {
                Ty::Str
            } else {
                Ty::Num(NumKind::Int)
            }
        }),
        Ty::Num(_) => NUMBER_METHODS.contains(&name).then_some(Ty::Str),
        Ty::Json | Ty::Error => all_method_names().any(|m| m == name).then_some(Ty::Json),
        _ => None,
    };
    let Some(result_ty) = known else {
        let candidates: Vec<&str> = match &base {
            Ty::Str => STRING_METHODS.iter().map(|(n, _)| *n).collect(),
            Ty::Array(_) => ARRAY_METHODS
                .iter()
                .chain(ARRAY_CALLBACK_METHODS)
                .copied()
                .collect(),
            Ty::Date => DATE_METHODS.to_vec(),
            Ty::Num(_) => NUMBER_METHODS.to_vec(),
            _ => all_method_names().collect(),
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
    if ARRAY_CALLBACK_METHODS.contains(&name) && !(name == "sort" && args.is_empty()) {
        if !is_callback {
            if name != "sort" || !args.is_empty() {
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
        } else {
            return callback_call(cx, recv, name, args, span);
        }
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
    let elem = recv.ty.element();
    let rest = plain_args(cx, &args[1..]);
    let reduce = name == "reduce" || name == "reduceRight";
    let param_tys: Vec<Ty> = if reduce {
        let acc = rest.first().map_or(elem.clone(), |c| c.ty.clone());
        vec![acc, elem.clone(), Ty::Num(NumKind::Int), recv.ty.clone()]
    } else if name == "sort" {
        vec![elem.clone(), elem.clone()]
    } else {
        vec![elem.clone(), Ty::Num(NumKind::Int), recv.ty.clone()]
    };
    let (closure, ret_ty) = arrow(cx, params, body, &param_tys);
    let result_ty = match name {
        "map" => Ty::Array(Box::new(ret_ty)),
        "filter" | "sort" => Ty::Array(Box::new(elem.clone())),
        "find" | "findLast" => Ty::Maybe(Box::new(elem.clone())),
        "findIndex" | "findLastIndex" => Ty::Num(NumKind::Int),
        "some" | "every" => Ty::Bool,
        "forEach" => Ty::Undefined,
        "flatMap" => Ty::Array(Box::new(match ret_ty {
            Ty::Array(inner) => *inner,
            other => other,
        })),
        _ => {
            let acc = rest.first().map_or(elem.clone(), |c| c.ty.clone());
            if acc.is_num() && ret_ty.is_num() {
                acc.join(&ret_ty)
            } else if acc == ret_ty {
                acc
            } else {
                Ty::Json
            }
        }
    };
    let vals: Vec<TokenStream> = rest.iter().map(Code::value).collect();
    let r = recv.value_ref();
    let at = cx.at(span);
    Code::value_of(
        q!(::handled_runtime::js::call_method_fn(#r, #name, &mut #closure, &[#(#vals),*])#at),
        result_ty,
    )
}
