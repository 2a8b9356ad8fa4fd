//! Plain names: locals, the arrow's parameters, `item`, `run`, and the global names that
//! are values.

use super::code::{Code, Place};
use crate::builtins::GLOBAL_NAMES;
use crate::cx::{Cx, Site};
use crate::diagnostic::did_you_mean;
use crate::ty::{NumKind, Repr, Ty};
use handled_parser::Span;

pub(super) fn ident(cx: &mut Cx<'_>, name: &str, span: Span) -> Code {
    if let Some(local) = cx.local(name) {
        let id = &local.ident;
        let place = if local.by_ref {
            Place::Ref
        } else {
            Place::Owned
        };
        return Code {
            ts: q!(#id),
            ty: local.ty.clone(),
            repr: local.repr.clone(),
            place,
        };
    }
    match name {
        "input" => match cx.input.clone() {
            Some((ty, repr)) => Code {
                ts: q!(input),
                ty,
                repr,
                place: Place::Owned,
            },
            None => {
                cx.error("E0111", span, "`input` exists only inside a transform").help =
                    Some("refer to the value through its step, such as `transform.<name>` or `trigger.payload`".into());
                Code::error()
            }
        },
        "item" => match cx.item.clone() {
            Some(ty) => Code {
                ts: q!(item),
                ty,
                repr: Repr::Value,
                place: Place::Ref,
            },
            None => {
                cx.error(
                    "E0111",
                    span,
                    "`item` exists only inside a forEach's actions",
                );
                Code::error()
            }
        },
        "NaN" => Code::temp(q!(f64::NAN), Ty::Num(NumKind::Frac), Repr::F64),
        "Infinity" => Code::temp(q!(f64::INFINITY), Ty::Num(NumKind::Frac), Repr::F64),
        "undefined" => Code::value_of(q!(::handled_runtime::Value::Undefined), Ty::Undefined),
        "env" | "trigger" | "transform" | "action" => {
            let msg = format!("`{name}` must be followed by a name, such as `{name}.<name>`");
            cx.error("E0203", span, msg);
            Code::error()
        }
        "run" => run_value(cx, span),
        _ if GLOBAL_NAMES.contains(&name) => {
            cx.error(
                "E0004",
                span,
                format!("`{name}` can only be called or have its members read"),
            );
            Code::error()
        }
        _ => {
            let mut candidates: Vec<&str> = cx.locals.iter().map(|l| l.name.as_str()).collect();
            candidates.extend([
                "env",
                "trigger",
                "transform",
                "action",
                "run",
                "input",
                "item",
            ]);
            let suggestion = did_you_mean(name, candidates.iter().copied()).map(str::to_string);
            let help = match suggestion {
                Some(s) => format!("did you mean `{s}`?"),
                None => "expressions can name `env`, `trigger`, `transform`, `action`, `run`, `input` (in a transform), `item` (in forEach) and the parameters and constants of the arrow functions around them".to_string(),
            };
            let msg = format!("cannot find `{name}` in this scope");
            let d = cx.error("E0104", span, msg);
            d.primary.message = "not defined".into();
            d.help = Some(help);
            Code::error()
        }
    }
}

pub(super) fn run_value(cx: &mut Cx<'_>, span: Span) -> Code {
    if cx.site != Site::Step {
        cx.error("E0111", span, "`run` exists only inside steps");
        return Code::error();
    }
    cx.uses_scope = true;
    let ty = Ty::object(vec![
        ("id".into(), Ty::Str),
        ("workflow".into(), Ty::Str),
        ("startedAt".into(), Ty::Str),
        ("attempt".into(), Ty::Num(NumKind::Int)),
    ]);
    Code::value_of(q!(scope.run()), ty)
}
