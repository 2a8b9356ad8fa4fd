//! Arrow functions (the callbacks of array methods) and their statement bodies.

use super::code::Code;
use super::compile;
use super::condition::warn_env_condition;
use crate::cx::{Cx, Local, LocalKind, snake};
use crate::ty::{Repr, Ty};
use handled_parser::{ArrowBody, Stmt};
use proc_macro2::TokenStream;

/// Compiles an arrow function to a Rust closure `|args: &[Value]| -> Result<Value, JsError>`.
pub(super) fn arrow(
    cx: &mut Cx<'_>,
    params: &[handled_parser::Ident],
    body: &ArrowBody,
    tys: &[Ty],
) -> (TokenStream, Ty) {
    let depth = cx.locals.len();
    let mut binds = Vec::new();
    for (i, p) in params.iter().enumerate() {
        let id = cx.fresh(&format!("p_{}", snake(&p.name)));
        binds.push(q!(let #id = ::handled_runtime::rt::arg(args, #i);));
        let ty = tys.get(i).cloned().unwrap_or(Ty::Undefined);
        cx.locals.push(Local {
            name: p.name.clone(),
            ident: id,
            ty,
            repr: Repr::Value,
            kind: LocalKind::Param,
            by_ref: false,
        });
    }
    cx.closure_depth += 1;
    let (body_ts, ret) = match body {
        ArrowBody::Expr(e) => {
            let c = compile(cx, e);
            let v = c.value();
            (q!(Ok(#v)), c.ty)
        }
        ArrowBody::Block(stmts, _) => {
            let mut ret = None;
            let ts = block(cx, stmts, &mut ret, BlockMode::Tail);
            (ts, ret.unwrap_or(Ty::Undefined))
        }
    };
    cx.closure_depth -= 1;
    cx.locals.truncate(depth);
    let args_name = if params.is_empty() {
        q!(_args)
    } else {
        q!(args)
    };
    let ts = q!(|#args_name: &[::handled_runtime::Value]| -> ::std::result::Result<::handled_runtime::Value, ::handled_runtime::JsError> { #(#binds)* #body_ts });
    (ts, ret)
}

pub(super) fn always_returns(stmts: &[Stmt]) -> bool {
    match stmts.last() {
        Some(Stmt::Return { .. }) => true,
        Some(Stmt::If {
            then,
            otherwise: Some(other),
            ..
        }) => always_returns(then) && always_returns(other),
        _ => false,
    }
}

pub(super) fn assigned_in(stmts: &[Stmt], name: &str) -> bool {
    stmts.iter().any(|s| match s {
        Stmt::Assign { name: n, .. } => n.name == name,
        Stmt::If {
            then, otherwise, ..
        } => assigned_in(then, name) || otherwise.as_ref().is_some_and(|o| assigned_in(o, name)),
        _ => false,
    })
}

/// How a statement list ends.
#[derive(Clone, Copy, PartialEq, Eq)]
pub(super) enum BlockMode {
    /// The function's body: it yields the function's result as its tail expression.
    Tail,
    /// A branch in statement position: control falls through; returns are early returns.
    Stmt,
}

/// Compiles a statement list to Rust statements of a closure returning
/// `Result<Value, JsError>`.
pub(super) fn block(
    cx: &mut Cx<'_>,
    stmts: &[Stmt],
    ret: &mut Option<Ty>,
    mode: BlockMode,
) -> TokenStream {
    let depth = cx.locals.len();
    let mut out = Vec::new();
    let mut finished = false;
    for (i, stmt) in stmts.iter().enumerate() {
        let last = i + 1 == stmts.len();
        match stmt {
            Stmt::Const { name, init, .. } => {
                let c = compile(cx, init);
                let id = cx.fresh(&format!("l_{}", snake(&name.name)));
                let (ts, repr) = match c.repr {
                    Repr::F64 | Repr::Bool => (c.ts.clone(), c.repr.clone()),
                    _ => (c.value(), Repr::Value),
                };
                out.push(q!(let #id = #ts;));
                cx.locals.push(Local {
                    name: name.name.clone(),
                    ident: id,
                    ty: c.ty,
                    repr,
                    kind: LocalKind::Const,
                    by_ref: false,
                });
            }
            Stmt::Let { name, init, .. } => {
                let c = match init {
                    Some(e) => compile(cx, e),
                    None => Code::value_of(q!(::handled_runtime::Value::Undefined), Ty::Undefined),
                };
                let id = cx.fresh(&format!("l_{}", snake(&name.name)));
                let v = c.value();
                let mutable = assigned_in(&stmts[i + 1..], &name.name);
                let ty = if mutable { Ty::Json } else { c.ty };
                if mutable {
                    out.push(q!(let mut #id = #v;));
                } else {
                    out.push(q!(let #id = #v;));
                }
                cx.locals.push(Local {
                    name: name.name.clone(),
                    ident: id,
                    ty,
                    repr: Repr::Value,
                    kind: LocalKind::Let,
                    by_ref: false,
                });
            }
            Stmt::Assign { name, value, span } => {
                let c = compile(cx, value);
                let target = cx.local(&name.name).cloned();
                match target {
                    Some(Local {
                        kind: LocalKind::Let,
                        ident,
                        ..
                    }) => {
                        let v = c.value();
                        out.push(q!(#ident = #v;));
                    }
                    Some(_) => {
                        let d = cx.error(
                            "E0217",
                            *span,
                            format!(
                                "cannot assign to `{}`: it is not declared with `let`",
                                name.name
                            ),
                        );
                        d.help = Some("declare it with `let`, or use a new `const`".into());
                    }
                    None => {
                        cx.error(
                            "E0217",
                            *span,
                            format!(
                                "cannot assign to `{}`: no `let` with that name in this function",
                                name.name
                            ),
                        );
                    }
                }
            }
            Stmt::If {
                test,
                then,
                otherwise,
                ..
            } => {
                let t = compile(cx, test);
                warn_env_condition(cx, test);
                let tt = t.truthy();
                let tail =
                    mode == BlockMode::Tail && last && always_returns(std::slice::from_ref(stmt));
                let sub = if tail {
                    BlockMode::Tail
                } else {
                    BlockMode::Stmt
                };
                let then_ts = block(cx, then, ret, sub);
                let else_ts = match otherwise {
                    Some(o) => {
                        let e = block(cx, o, ret, sub);
                        q!(else { #e })
                    }
                    None => q!(),
                };
                out.push(q!(if #tt { #then_ts } #else_ts));
                if tail {
                    finished = true;
                }
            }
            Stmt::Return { value, .. } => {
                let c = match value {
                    Some(e) => compile(cx, e),
                    None => Code::value_of(q!(::handled_runtime::Value::Undefined), Ty::Undefined),
                };
                *ret = Some(match ret.take() {
                    Some(t) => t.join(&c.ty),
                    None => c.ty.clone(),
                });
                let v = c.value();
                if last && mode == BlockMode::Tail {
                    out.push(q!(Ok(#v)));
                } else {
                    out.push(q!(return Ok(#v);));
                }
                finished = true;
            }
            Stmt::Expr(e) => {
                let c = compile(cx, e);
                let v = c.value();
                out.push(q!(let _ = #v;));
            }
        }
        if finished {
            break;
        }
    }
    cx.locals.truncate(depth);
    if mode == BlockMode::Tail && !finished {
        out.push(q!(Ok(::handled_runtime::Value::Undefined)));
    }
    q!(#(#out)*)
}
