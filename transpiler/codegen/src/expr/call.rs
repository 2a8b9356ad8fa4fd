//! Calls and `new`: what can be called, and the arguments of a call.

use super::chain::{chain_object, guard};
use super::code::Code;
use super::compile;
use super::function::{global_call, math_call, static_call};
use super::method::method_call;
use crate::builtins::{self, On};
use crate::cx::{Cx, Site};
use crate::ty::Ty;
use handled_parser::{ArrayElem, Expr, ExprKind, Span};
use proc_macro2::TokenStream;

pub(super) fn call(
    cx: &mut Cx<'_>,
    e: &Expr,
    callee: &Expr,
    args: &[ArrayElem],
    optional: bool,
) -> Code {
    if optional {
        cx.error("E0004", e.span, "optional calls `f?.()` are not supported");
        return Code::error();
    }
    match &callee.kind {
        ExprKind::Ident(name)
            if cx.local(name).is_none() && builtins::function(On::Global, name).is_some() =>
        {
            global_call(cx, name, args, e.span)
        }
        ExprKind::Member {
            object,
            property,
            optional: opt_member,
        } => {
            if let ExprKind::Ident(root) = &object.kind
                && cx.local(root).is_none()
            {
                if root == "Math" {
                    return math_call(cx, &property.name, args, property.span);
                }
                if let Some(root) = builtins::static_objects().find(|o| o == root) {
                    return static_call(cx, root, &property.name, args, property.span, e.span);
                }
            }
            let recv = chain_object(cx, callee, object);
            let recv = if *opt_member { guard(cx, recv) } else { recv };
            method_call(cx, recv, &property.name, property.span, args, e.span)
        }
        _ => {
            cx.error("E0004", callee.span, "only methods, `Math`, `Number`, `JSON`, `Object`, `Array`, `Date` and the global functions can be called");
            Code::error()
        }
    }
}

pub(super) fn new_expr(cx: &mut Cx<'_>, callee: &Expr, args: &[ArrayElem], span: Span) -> Code {
    if !matches!(&callee.kind, ExprKind::Ident(n) if n == "Date" && cx.local("Date").is_none()) {
        cx.error("E0004", span, "only `new Date(…)` is supported");
        return Code::error();
    }
    let args = plain_args(cx, args);
    let now = now_ms(cx, span);
    let vals: Vec<TokenStream> = args.iter().map(Code::value).collect();
    Code::value_of(
        q!(::handled_runtime::js::date_new(&[#(#vals),*], #now)),
        Ty::Date,
    )
}

pub(super) fn now_ms(cx: &mut Cx<'_>, _span: Span) -> TokenStream {
    match cx.site {
        Site::Step => {
            cx.uses_scope = true;
            q!(scope.now_ms())
        }
        _ => q!(::handled_runtime::rt::now_ms()),
    }
}

pub(super) fn plain_args(cx: &mut Cx<'_>, args: &[ArrayElem]) -> Vec<Code> {
    let mut out = Vec::new();
    for a in args {
        match a {
            ArrayElem::Expr(e) => out.push(compile(cx, e)),
            ArrayElem::Spread(_, span) => {
                cx.error(
                    "E0004",
                    *span,
                    "spread arguments are supported only in `Math.max`/`Math.min`",
                );
                out.push(Code::error());
            }
        }
    }
    out
}
