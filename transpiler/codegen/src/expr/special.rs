//! Names that are not values: `env.X`, `trigger.X`, `transform.X`, `action.X.Y`, `Math.PI`, …

use super::code::{Code, Place};
use crate::builtins::CONSTANTS;
use crate::cx::{Cx, Site, StepRef};
use crate::diagnostic::did_you_mean;
use crate::ty::{NumKind, Repr, Ty};
use handled_parser::{Expr, ExprKind, Span};
use proc_macro2::TokenStream;

/// `env.X`, `trigger.X`, `transform.X`, `action.X.Y`, `Math.PI`, … (names that are not values).
pub(super) fn special_member(
    cx: &mut Cx<'_>,
    object: &Expr,
    prop: &str,
    prop_span: Span,
    span: Span,
) -> Option<Code> {
    match &object.kind {
        ExprKind::Ident(root) if cx.local(root).is_none() => match root.as_str() {
            "env" => Some(env_member(cx, prop, span)),
            "trigger" => Some(trigger_member(cx, prop, prop_span)),
            "transform" => Some(step_member(cx, prop, prop_span, span, true)),
            "action" => Some(action_member(cx, prop, prop_span, span)),
            "Math" | "Number" => {
                let c = CONSTANTS
                    .iter()
                    .find(|(o, n, _, _)| o == root && *n == prop)?;
                let ts: TokenStream = c.2.parse().unwrap_or_else(|_| q!(f64::NAN));
                let kind = if c.3 { NumKind::Int } else { NumKind::Frac };
                Some(Code::temp(q!((#ts)), Ty::Num(kind), Repr::F64))
            }
            _ => None,
        },
        // `action.shopify.findProduct`: the op is the second member.
        ExprKind::Member {
            object: inner,
            property,
            ..
        } if matches!(&inner.kind, ExprKind::Ident(n) if n == "action" && cx.local("action").is_none())
            && !reads_alias_field(cx, &property.name, prop) =>
        {
            Some(action_op_member(
                cx,
                &property.name,
                property.span,
                prop,
                prop_span,
                span,
            ))
        }
        _ => None,
    }
}

/// Whether `action.<first>.<second>` reads the field `second` of the action aliased `first`
/// (rather than naming the op `first.second`): `first` is an alias and no action calls that op.
fn reads_alias_field(cx: &Cx<'_>, first: &str, second: &str) -> bool {
    let is_op = |s: &StepRef| {
        s.op.as_ref()
            .is_some_and(|(c, o)| c == first && o == second)
    };
    let is_alias = |s: &StepRef| s.op.is_some() && s.name.as_deref() == Some(first);
    !cx.steps.iter().any(is_op) && cx.steps.iter().any(is_alias)
}

/// Whether two transforms (or two action aliases) have this name: E0110 says so, and a
/// reference to either is not checked against one of them.
fn defined_twice(cx: &Cx<'_>, name: &str, action: bool) -> bool {
    let same = |s: &&StepRef| s.op.is_some() == action && s.name.as_deref() == Some(name);
    cx.steps.iter().filter(same).count() > 1
}

pub(super) fn env_member(cx: &mut Cx<'_>, name: &str, span: Span) -> Code {
    cx.env_vars.insert(name.to_string());
    match cx.site {
        Site::Step => {
            cx.uses_scope = true;
            Code::value_of(q!(scope.env(#name)), Ty::Str)
        }
        Site::TriggerConfig => {
            Code::value_of(q!(::handled_runtime::rt::env_value(env, #name)), Ty::Str)
        }
        Site::Key => {
            cx.error("E0111", span, "`env` cannot be read in a trigger's `key`");
            Code::error()
        }
    }
}

pub(super) fn trigger_member(cx: &mut Cx<'_>, name: &str, span: Span) -> Code {
    if cx.site == Site::TriggerConfig {
        cx.error(
            "E0111",
            span,
            "the trigger's payload cannot be read in the trigger's own configuration",
        );
        return Code::error();
    }
    // A trigger that is missing or unknown has its diagnostic: its payload is open.
    let known = cx.payload_ty != Ty::Error;
    if known && name != "payload" && !cx.aliases.contains(&name) {
        let candidates: Vec<&str> = cx.aliases.iter().copied().chain(["payload"]).collect();
        let help = match did_you_mean(name, candidates.iter().copied()) {
            Some(s) => format!("did you mean `trigger.{s}`?"),
            None => format!(
                "this trigger's payload is `trigger.{}`",
                candidates.join("` or `trigger.")
            ),
        };
        let d = cx.error("E0107", span, format!("this trigger has no `{name}`"));
        d.help = Some(help);
        return Code::error();
    }
    let ty = cx.payload_ty.clone();
    match cx.site {
        Site::Key => Code {
            ts: q!(payload),
            ty,
            repr: Repr::Value,
            place: Place::Ref,
        },
        _ => {
            cx.uses_scope = true;
            Code {
                ts: q!(scope.payload()),
                ty,
                repr: Repr::Value,
                place: Place::Ref,
            }
        }
    }
}

pub(super) fn use_step(cx: &mut Cx<'_>, step: usize, what: &str, span: Span) -> Option<Code> {
    let s = cx.steps.get(step)?.clone();
    if s.index >= cx.current_step {
        let d = cx.error("E0106", span, format!("{what} is used before it runs"));
        d.primary.message = "this step comes later in the workflow".into();
        let d = d.clone();
        let d = d.note_at(cx.file, s.span, "defined here");
        cx.diags.pop();
        cx.report(d.help("steps run in the order written: move it above the step that uses it"));
        return Some(Code::error());
    }
    if cx.site != Site::Step {
        cx.error("E0111", span, format!("{what} cannot be read here"));
        return Some(Code::error());
    }
    cx.used_steps.insert(s.index);
    let var = &s.var;
    Some(Code {
        ts: q!(#var),
        ty: s.ty.clone(),
        repr: s.repr.clone(),
        place: Place::Ref,
    })
}

pub(super) fn step_member(
    cx: &mut Cx<'_>,
    name: &str,
    name_span: Span,
    span: Span,
    _transform: bool,
) -> Code {
    let found = cx
        .steps
        .iter()
        .position(|s| s.op.is_none() && s.name.as_deref() == Some(name));
    if let Some(i) = found {
        if defined_twice(cx, name, false) {
            return Code::error();
        }
        return use_step(cx, i, &format!("transform `{name}`"), span).unwrap_or_else(Code::error);
    }
    if cx.skipped_steps {
        return Code::error();
    }
    let names: Vec<String> = cx
        .steps
        .iter()
        .filter(|s| s.op.is_none())
        .filter_map(|s| s.name.clone())
        .collect();
    let help = match did_you_mean(name, names.iter().map(String::as_str)) {
        Some(s) => format!("did you mean `transform.{s}`?"),
        None if names.is_empty() => "this workflow has no transforms".to_string(),
        None => format!("the transforms are: {}", names.join(", ")),
    };
    let d = cx.error(
        "E0105",
        name_span,
        format!("no transform named `{name}` in this workflow"),
    );
    d.primary.message = "unknown step".into();
    d.help = Some(help);
    Code::error()
}

pub(super) fn action_member(cx: &mut Cx<'_>, name: &str, name_span: Span, span: Span) -> Code {
    if let Some(i) = cx
        .steps
        .iter()
        .position(|s| s.op.is_some() && s.name.as_deref() == Some(name))
    {
        if defined_twice(cx, name, true) {
            return Code::error();
        }
        return use_step(cx, i, &format!("action `{name}`"), span).unwrap_or_else(Code::error);
    }
    if cx.skipped_steps {
        return Code::error();
    }
    if handled_catalog::connector(name).is_some() {
        let msg = format!("`action.{name}` must name an op, such as `action.{name}.<op>`");
        cx.error("E0105", name_span, msg);
        return Code::error();
    }
    let aliases: Vec<String> = cx
        .steps
        .iter()
        .filter(|s| s.op.is_some())
        .filter_map(|s| s.name.clone())
        .collect();
    let d = cx.error(
        "E0105",
        name_span,
        format!("no action named `{name}` in this workflow"),
    );
    d.help = did_you_mean(name, aliases.iter().map(String::as_str))
        .map(|s| format!("did you mean `action.{s}`?"));
    Code::error()
}

pub(super) fn action_op_member(
    cx: &mut Cx<'_>,
    connector: &str,
    conn_span: Span,
    op: &str,
    op_span: Span,
    span: Span,
) -> Code {
    let matches: Vec<usize> = cx
        .steps
        .iter()
        .enumerate()
        .filter(|(_, s)| {
            s.op.as_ref()
                .is_some_and(|(c, o)| c == connector && o == op)
        })
        .map(|(i, _)| i)
        .collect();
    match matches.as_slice() {
        [] if cx.skipped_steps => Code::error(),
        [] => {
            let all: Vec<String> = cx
                .steps
                .iter()
                .filter_map(|s| s.op.as_ref().map(|(c, o)| format!("{c}.{o}")))
                .collect();
            let wanted = format!("{connector}.{op}");
            let d = cx.error(
                "E0105",
                conn_span.to(op_span),
                format!("this workflow has no action `{wanted}`"),
            );
            d.help = did_you_mean(&wanted, all.iter().map(String::as_str))
                .map(|s| format!("did you mean `action.{s}`?"));
            Code::error()
        }
        [one] => {
            let unaliased = cx.steps[*one].name.is_none();
            if !unaliased {
                // Named calls may still be read through their op when unambiguous.
            }
            use_step(cx, *one, &format!("action `{connector}.{op}`"), span)
                .unwrap_or_else(Code::error)
        }
        many => {
            let first = cx.steps[many[0]].span;
            let d = cx.error(
                "E0108",
                conn_span.to(op_span),
                format!(
                    "`action.{connector}.{op}` is ambiguous: the workflow calls it {} times",
                    many.len()
                ),
            );
            d.help = Some(format!(
                "name each call with `as`: `action {connector}.{op} as myName {{ … }}`, then use `action.myName`"
            ));
            let file = cx.file;
            if let Some(last) = cx.diags.last_mut() {
                last.secondary.push(crate::diagnostic::Label {
                    file,
                    span: first,
                    message: "first call here".into(),
                });
            }
            Code::error()
        }
    }
}
