//! Literals that hold expressions: template strings, arrays and objects.

use super::code::{Code, num_lit, str_value};
use super::compile;
use super::name::ident;
use crate::cx::Cx;
use crate::ty::Ty;
use handled_parser::{ArrayElem, Expr, Prop, PropKey, Span};

pub(super) fn template(cx: &mut Cx<'_>, quasis: &[String], exprs: &[Expr]) -> Code {
    let mut parts = Vec::new();
    for (i, q) in quasis.iter().enumerate() {
        if !q.is_empty() {
            parts.push(str_value(q));
        }
        if let Some(e) = exprs.get(i) {
            parts.push(compile(cx, e).value());
        }
    }
    Code::value_of(q!(::handled_runtime::js::template(&[#(#parts),*])), Ty::Str)
}

pub(super) fn array(cx: &mut Cx<'_>, elems: &[ArrayElem], span: Span) -> Code {
    let mut elem_ty: Option<Ty> = None;
    let mut has_spread = false;
    let mut parts = Vec::new();
    let mut items = Vec::new();
    for el in elems {
        match el {
            ArrayElem::Expr(e) => {
                let c = compile(cx, e);
                elem_ty = Some(elem_ty.map_or(c.ty.clone(), |t| t.join(&c.ty)));
                let v = c.value();
                parts.push(q!(::handled_runtime::rt::Part::Item(#v)));
                items.push(v);
            }
            ArrayElem::Spread(e, _) => {
                has_spread = true;
                let c = compile(cx, e);
                let el_ty = c.ty.element();
                elem_ty = Some(elem_ty.map_or(el_ty.clone(), |t| t.join(&el_ty)));
                let v = c.value();
                parts.push(q!(::handled_runtime::rt::Part::Spread(#v)));
            }
        }
    }
    let ty = Ty::Array(Box::new(elem_ty.unwrap_or(Ty::Json)));
    if !has_spread {
        return Code::value_of(q!(::handled_runtime::rt::array(vec![#(#items),*])), ty);
    }
    let at = cx.at(span);
    Code::value_of(
        q!(::handled_runtime::rt::array_spread(vec![#(#parts),*])#at),
        ty,
    )
}

pub(super) fn object(cx: &mut Cx<'_>, props: &[Prop]) -> Code {
    let mut fields: Vec<(String, Ty)> = Vec::new();
    let mut parts = Vec::new();
    let mut open = false;
    for prop in props {
        match prop {
            Prop::KeyValue { key, value } => {
                let proto = match key {
                    PropKey::Ident(id) => (id.name == "__proto__").then_some(id.span),
                    PropKey::String(k, span) => (k == "__proto__").then_some(*span),
                    _ => None,
                };
                if let Some(span) = proto {
                    cx.error(
                        "E0004",
                        span,
                        "`__proto__: …` in an object literal sets the object's prototype in JavaScript, and HandledScript values have none",
                    )
                    .help = Some(
                        "rename the key, or compute it (`[\"__proto__\"]: …`) for an own property of that name"
                            .into(),
                    );
                    return Code::error();
                }
                let c = compile(cx, value);
                let v = c.value();
                match key {
                    PropKey::Ident(id) => {
                        set_field(&mut fields, &id.name, c.ty);
                        let k = &id.name;
                        parts.push(q!(::handled_runtime::rt::Part::Prop(::handled_runtime::js::JsString::from(#k), #v)));
                    }
                    PropKey::String(k, _) => {
                        set_field(&mut fields, k, c.ty);
                        parts.push(q!(::handled_runtime::rt::Part::Prop(::handled_runtime::js::JsString::from(#k), #v)));
                    }
                    PropKey::Number(n, _) => {
                        open = true;
                        let n = num_lit(*n);
                        parts.push(q!(::handled_runtime::rt::Part::Prop(::handled_runtime::js::number_to_string(#n), #v)));
                    }
                    PropKey::Computed(k) => {
                        open = true;
                        let kc = compile(cx, k);
                        let kr = kc.value_ref();
                        parts.push(q!(::handled_runtime::rt::Part::Prop(::handled_runtime::js::to_js_string(#kr), #v)));
                    }
                }
            }
            Prop::Shorthand(id) => {
                let c = ident(cx, &id.name, id.span);
                let v = c.value();
                set_field(&mut fields, &id.name, c.ty);
                let k = &id.name;
                parts.push(q!(::handled_runtime::rt::Part::Prop(::handled_runtime::js::JsString::from(#k), #v)));
            }
            Prop::Spread(e, _) => {
                let c = compile(cx, e);
                match c.ty.strip_maybe() {
                    Ty::Object(fs) => {
                        for (n, t) in fs.iter() {
                            set_field(&mut fields, n, t.clone());
                        }
                    }
                    _ => open = true,
                }
                let v = c.value();
                parts.push(q!(::handled_runtime::rt::Part::Spread(#v)));
            }
        }
    }
    let ty = if open { Ty::Json } else { Ty::object(fields) };
    Code::value_of(q!(::handled_runtime::rt::object(vec![#(#parts),*])), ty)
}

pub(super) fn set_field(fields: &mut Vec<(String, Ty)>, name: &str, ty: Ty) {
    match fields.iter_mut().find(|(n, _)| n == name) {
        Some(slot) => slot.1 = ty,
        None => fields.push((name.to_string(), ty)),
    }
}
