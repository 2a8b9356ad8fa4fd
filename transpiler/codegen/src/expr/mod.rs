//! Expressions: type inference, checks and Rust code in one pass over the syntax tree.
//!
//! Every expression compiles to a [`Code`]: Rust tokens, the static type, and how the value is
//! held (`f64`, `bool`, a `Value`, or a generated struct). Numbers and booleans take the fast
//! path where both operands are known; everything else goes through `handled_runtime::js`,
//! which gives each operation the meaning Node.js gives it.
//!
//! - [`code`]: the compiled value ([`Code`], [`Place`]) and literal tokens.
//! - [`name`], [`literal`]: names, template strings, arrays and objects.
//! - [`operator`], [`condition`]: operators, and expressions used for their truth.
//! - [`chain`], [`special`]: member chains and property reads, and the names that are not
//!   values (`env`, `trigger`, `transform`, `action`).
//! - [`call`], [`function`], [`method`]: calls, built-in functions, methods.
//! - [`arrow`]: the callbacks of array methods.

mod arrow;
mod call;
mod chain;
mod code;
mod condition;
mod function;
mod literal;
mod method;
mod name;
mod operator;
mod special;

pub use code::{Code, Place, num_lit, str_value};
pub use condition::{condition, warn_env_condition};

use crate::cx::Cx;
use crate::ty::{Repr, Ty};
use call::new_expr;
use chain::chain_root;
use code::kind_of_literal;
use handled_parser::{Expr, ExprKind};
use literal::{array, object, template};
use name::ident;
use operator::{binary, logical, unary};

/// Compiles an expression.
pub fn compile(cx: &mut Cx<'_>, e: &Expr) -> Code {
    match &e.kind {
        ExprKind::Number(n) => Code::temp(num_lit(*n), Ty::Num(kind_of_literal(*n)), Repr::F64),
        ExprKind::String(s) => Code::value_of(str_value(s), Ty::Str),
        ExprKind::Bool(b) => Code::temp(q!(#b), Ty::Bool, Repr::Bool),
        ExprKind::Null => Code::value_of(q!(::handled_runtime::Value::Null), Ty::Null),
        ExprKind::Undefined => {
            Code::value_of(q!(::handled_runtime::Value::Undefined), Ty::Undefined)
        }
        ExprKind::Template { quasis, exprs } => template(cx, quasis, exprs),
        ExprKind::Ident(name) => ident(cx, name, e.span),
        ExprKind::Array(elems) => array(cx, elems, e.span),
        ExprKind::Object(props) => object(cx, props),
        ExprKind::Member { .. } | ExprKind::Index { .. } | ExprKind::Call { .. } => {
            chain_root(cx, e)
        }
        ExprKind::New { callee, args } => new_expr(cx, callee, args, e.span),
        ExprKind::Unary { op, expr } => unary(cx, *op, expr),
        ExprKind::Binary { op, left, right } => binary(cx, *op, left, right, e.span),
        ExprKind::Logical { op, left, right } => logical(cx, *op, left, right),
        ExprKind::Conditional {
            test,
            consequent,
            alternate,
        } => {
            let t = compile(cx, test);
            warn_env_condition(cx, test);
            let c = compile(cx, consequent);
            let a = compile(cx, alternate);
            let tt = t.truthy();
            let ty = c.ty.join(&a.ty);
            match (&c.repr, &a.repr) {
                (Repr::F64, Repr::F64) => {
                    let (c, a) = (&c.ts, &a.ts);
                    Code::temp(q!((if #tt { #c } else { #a })), ty, Repr::F64)
                }
                (Repr::Bool, Repr::Bool) => {
                    let (c, a) = (&c.ts, &a.ts);
                    Code::temp(q!((if #tt { #c } else { #a })), ty, Repr::Bool)
                }
                _ => {
                    let (c, a) = (c.value(), a.value());
                    Code::value_of(q!((if #tt { #c } else { #a })), ty)
                }
            }
        }
        ExprKind::Arrow { .. } => {
            cx.error(
                "E0004",
                e.span,
                "arrow functions are supported only as the callback of an array method",
            )
            .help = Some("pass it directly: `list.map(x => …)`".into());
            Code::error()
        }
    }
}
