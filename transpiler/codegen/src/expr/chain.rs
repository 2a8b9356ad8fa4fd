//! Member chains: `a.b`, `a[i]`, `a.b(c)`, with optional links, and property reads.

use super::call::call;
use super::code::{Code, Place};
use super::compile;
use super::special::special_member;
use crate::cx::Cx;
use crate::diagnostic::did_you_mean;
use crate::ty::{NumKind, Repr, Ty};
use handled_parser::{Expr, ExprKind, Span};
use quote::format_ident;

pub(super) fn has_optional(e: &Expr) -> bool {
    match &e.kind {
        ExprKind::Member {
            object, optional, ..
        }
        | ExprKind::Index {
            object, optional, ..
        } => *optional || (continues_chain(e, object) && has_optional(object)),
        ExprKind::Call {
            callee, optional, ..
        } => *optional || (continues_chain(e, callee) && has_optional(callee)),
        _ => false,
    }
}

/// Whether `inner` (the object of `outer`) is part of the same chain, i.e. not parenthesized.
pub(super) fn continues_chain(outer: &Expr, inner: &Expr) -> bool {
    let _ = outer;
    let chain_kind = matches!(
        inner.kind,
        ExprKind::Member { .. } | ExprKind::Index { .. } | ExprKind::Call { .. }
    );
    if !chain_kind {
        return false;
    }
    let first = match &inner.kind {
        ExprKind::Member { object, .. } | ExprKind::Index { object, .. } => object.span.start,
        ExprKind::Call { callee, .. } => callee.span.start,
        _ => inner.span.start,
    };
    first == inner.span.start
}

pub(super) fn chain_root(cx: &mut Cx<'_>, e: &Expr) -> Code {
    if !has_optional(e) {
        return chain_link(cx, e);
    }
    cx.counter += 1;
    let label = syn::Lifetime::new(
        &format!("'chain_{}", cx.counter),
        proc_macro2::Span::call_site(),
    );
    cx.chain_labels.push(label.clone());
    let inner = chain_link(cx, e);
    cx.chain_labels.pop();
    let v = inner.value();
    let ty = Ty::Maybe(Box::new(inner.ty.strip_maybe().clone()));
    Code::value_of(q!(#label: { #v }), ty)
}

pub(super) fn chain_object(cx: &mut Cx<'_>, outer: &Expr, object: &Expr) -> Code {
    if continues_chain(outer, object) {
        chain_link(cx, object)
    } else {
        compile(cx, object)
    }
}

/// Guards an optional link: a nullish object ends the whole chain with `undefined`.
pub(super) fn guard(cx: &mut Cx<'_>, obj: Code) -> Code {
    let Some(label) = cx.chain_labels.last().cloned() else {
        return obj;
    };
    let tmp = cx.fresh("link");
    let v = obj.value();
    let ts = q!({ let #tmp = #v; if ::handled_runtime::js::nullish(&#tmp) { break #label ::handled_runtime::Value::Undefined; } #tmp });
    Code::temp(ts, obj.ty.strip_maybe().clone(), Repr::Value)
}

pub(super) fn chain_link(cx: &mut Cx<'_>, e: &Expr) -> Code {
    match &e.kind {
        ExprKind::Member {
            object,
            property,
            optional,
        } => {
            if let Some(code) = special_member(cx, object, &property.name, property.span, e.span) {
                return code;
            }
            let obj = chain_object(cx, e, object);
            let obj = if *optional { guard(cx, obj) } else { obj };
            member(cx, obj, &property.name, property.span)
        }
        ExprKind::Index {
            object,
            index,
            optional,
        } => {
            let obj = chain_object(cx, e, object);
            let obj = if *optional { guard(cx, obj) } else { obj };
            if let ExprKind::String(key) = &index.kind {
                return member(cx, obj, key, index.span);
            }
            let idx = compile(cx, index);
            let ty = match obj.ty.strip_maybe() {
                Ty::Array(inner) if idx.ty.is_num() => (**inner).clone(),
                Ty::Str if idx.ty.is_num() => Ty::Maybe(Box::new(Ty::Str)),
                _ => Ty::Json,
            };
            let (o, i) = (obj.value_ref(), idx.value_ref());
            let at = cx.at(index.span);
            Code::value_of(q!(::handled_runtime::js::get_index(#o, #i)#at), ty)
        }
        ExprKind::Call {
            callee,
            args,
            optional,
        } => call(cx, e, callee, args, *optional),
        _ => compile(cx, e),
    }
}

/// Reads a property of a value.
pub(super) fn member(cx: &mut Cx<'_>, obj: Code, prop: &str, span: Span) -> Code {
    if obj.ty == Ty::Error {
        return Code::error();
    }
    // Fields of a generated struct are plain field accesses.
    if let Repr::Struct(def) = &obj.repr
        && let Some((_, rust, repr)) = def.fields.iter().find(|(k, _, _)| k == prop)
    {
        let field = format_ident!("{}", rust);
        let ts = &obj.ts;
        let ty = obj.ty.field(prop).cloned().unwrap_or(Ty::Json);
        let place = if obj.place == Place::Temp {
            Place::Temp
        } else {
            Place::Owned
        };
        return Code {
            ts: q!(#ts.#field),
            ty,
            repr: repr.clone(),
            place,
        };
    }
    let ty = match obj.ty.strip_maybe() {
        Ty::Object(fields) => match fields.iter().find(|(n, _)| n == prop) {
            Some((_, t)) => t.clone(),
            None => {
                let names: Vec<&str> = fields.iter().map(|(n, _)| n.as_str()).collect();
                let help = match did_you_mean(prop, names.iter().copied()) {
                    Some(s) => format!("did you mean `{s}`?"),
                    None => format!("its fields are: {}", names.join(", ")),
                };
                let d = cx.error(
                    "E0107",
                    span,
                    format!("no field `{prop}` on {}", obj.ty.describe()),
                );
                d.primary.message = "unknown field".into();
                d.help = Some(help);
                return Code::error();
            }
        },
        Ty::Array(_) | Ty::Str if prop == "length" => Ty::Num(NumKind::Int),
        Ty::Array(_) | Ty::Str if prop.parse::<u32>().is_ok() => Ty::Json,
        Ty::Num(_) | Ty::Bool | Ty::Str | Ty::Array(_) | Ty::Date => {
            let d = cx.error(
                "E0107",
                span,
                format!("no field `{prop}` on a {}", obj.ty.describe()),
            );
            if matches!(obj.ty, Ty::Str | Ty::Array(_)) {
                d.help = Some("strings and lists have `length`; methods must be called".into());
            }
            return Code::error();
        }
        Ty::Null | Ty::Undefined => {
            cx.error(
                "E0203",
                span,
                format!("cannot read `{prop}` of {}", obj.ty.describe()),
            );
            return Code::error();
        }
        _ => Ty::Json,
    };
    let o = obj.value_ref();
    let at = cx.at(span);
    Code::value_of(q!(::handled_runtime::js::get(#o, #prop)#at), ty)
}
