//! Expressions used only for their truth: conditions, `validate` rules, tests.

use super::compile;
use crate::cx::Cx;
use handled_parser::{Expr, ExprKind, LogicalOp, UnaryOp};
use proc_macro2::TokenStream;

/// Compiles an expression used only for its truth (a condition, a validate rule, a test): the
/// truth of `a && b` is the truth of `a` and of `b`, so no intermediate value is built.
pub fn condition(cx: &mut Cx<'_>, e: &Expr) -> TokenStream {
    match &e.kind {
        ExprKind::Logical {
            op: LogicalOp::And,
            left,
            right,
        } => {
            let (a, b) = (condition(cx, left), condition(cx, right));
            q!((#a && #b))
        }
        ExprKind::Logical {
            op: LogicalOp::Or,
            left,
            right,
        } => {
            let (a, b) = (condition(cx, left), condition(cx, right));
            q!((#a || #b))
        }
        ExprKind::Unary {
            op: UnaryOp::Not,
            expr,
        } => {
            let a = condition(cx, expr);
            q!(!(#a))
        }
        _ => compile(cx, e).truthy(),
    }
}

/// Warns when a condition's truth depends on an `env` string (W0001).
pub fn warn_env_condition(cx: &mut Cx<'_>, e: &Expr) {
    match &e.kind {
        ExprKind::Logical {
            op: LogicalOp::And | LogicalOp::Or,
            left,
            right,
        } => {
            warn_env_condition(cx, left);
            warn_env_condition(cx, right);
        }
        ExprKind::Unary {
            op: UnaryOp::Not,
            expr,
        } => warn_env_condition(cx, expr),
        ExprKind::Member {
            object, property, ..
        } if matches!(&object.kind, ExprKind::Ident(n) if n == "env" && cx.local("env").is_none()) =>
        {
            let name = &property.name;
            let msg = format!(
                "`env.{name}` is a string, so any non-empty value (even \"false\") counts as true here"
            );
            let d = crate::diagnostic::Diagnostic::warning("W0001", cx.file, e.span, msg)
                .label("always a string")
                .help(format!("compare explicitly: `env.{name} === \"true\"`"));
            cx.report(d);
        }
        _ => {}
    }
}
