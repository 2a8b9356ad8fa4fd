//! Generated structs for object literals, and the Rust names of catalog types.

use crate::cx::{Cx, is_rust_field, snake};
use crate::expr::{self, Code};
use crate::ty::{Repr, StructDef, Ty};
use handled_catalog::{self as catalog, OpDef};
use handled_parser::{Expr, ExprKind, Prop, PropKey};
use proc_macro2::{Ident, TokenStream};
use quote::format_ident;
use std::collections::BTreeSet;
use std::rc::Rc;

/// Builds a struct for an object literal whose keys can all be Rust fields; `None` when the
/// object must stay a `Value` (spreads, computed or unusual keys).
pub(super) fn build_struct(
    cx: &mut Cx<'_>,
    props: &[Prop],
    name: &str,
    doc: &str,
    out: &mut Vec<Rc<StructDef>>,
) -> Option<Code> {
    let mut seen = BTreeSet::new();
    for p in props {
        let key = match p {
            Prop::KeyValue {
                key: PropKey::Ident(k),
                ..
            } => k.name.clone(),
            Prop::KeyValue {
                key: PropKey::String(k, _),
                ..
            } => k.clone(),
            Prop::Shorthand(i) => i.name.clone(),
            _ => return None,
        };
        // `__proto__: …` is refused by the expression compiler (it sets a prototype in
        // JavaScript), so it must not become a struct field here.
        if key == "__proto__" || !is_rust_field(&key) || !seen.insert(snake(&key)) {
            return None;
        }
    }
    let mut fields = Vec::new();
    let mut inits = Vec::new();
    let mut tys = Vec::new();
    for p in props {
        let (key, value) = match p {
            Prop::KeyValue {
                key: PropKey::Ident(k),
                value,
            } => (k.name.clone(), value.clone()),
            Prop::KeyValue {
                key: PropKey::String(k, _),
                value,
            } => (k.clone(), value.clone()),
            Prop::Shorthand(i) => (
                i.name.clone(),
                Expr {
                    kind: ExprKind::Ident(i.name.clone()),
                    span: i.span,
                },
            ),
            _ => return None,
        };
        let rust = snake(&key);
        let field = format_ident!("{}", rust);
        let nested = match &value.kind {
            ExprKind::Object(inner) => build_struct(
                cx,
                inner,
                &format!("{name}{}", pascal(&key)),
                &format!("`{key}` of {}", doc.to_lowercase()),
                out,
            ),
            _ => None,
        };
        let code = nested.unwrap_or_else(|| expr::compile(cx, &value));
        let (ts, repr) = match &code.repr {
            Repr::F64 | Repr::Bool => (code.ts.clone(), code.repr.clone()),
            Repr::Struct(_) if code.place == expr::Place::Temp => {
                (code.ts.clone(), code.repr.clone())
            }
            _ => (code.value(), Repr::Value),
        };
        inits.push(q!(#field: #ts));
        tys.push((key.clone(), code.ty.clone()));
        fields.push((key, rust, repr));
    }
    let def = Rc::new(StructDef {
        name: name.to_string(),
        doc: doc.to_string(),
        fields,
    });
    out.push(def.clone());
    let id = format_ident!("{}", name);
    Some(Code {
        ts: q!(#id { #(#inits),* }),
        ty: Ty::object(tys),
        repr: Repr::Struct(def),
        place: expr::Place::Temp,
    })
}

pub(super) fn struct_tokens(def: &StructDef) -> TokenStream {
    let name = format_ident!("{}", def.name);
    let doc = &def.doc;
    let mut fields = Vec::new();
    let mut parts = Vec::new();
    for (key, rust, repr) in &def.fields {
        let id = format_ident!("{}", rust);
        let rename = if key != rust {
            q!(rename = #key,)
        } else {
            q!()
        };
        let field_doc = format!("`{key}`");
        let (ty, attrs, value) = match repr {
            Repr::F64 => (
                q!(f64),
                q!(#[serde(#rename with = "::handled_runtime::js::number_serde")]),
                q!(::handled_runtime::Value::Number(self.#id)),
            ),
            Repr::Bool => (
                q!(bool),
                if key != rust {
                    q!(#[serde(rename = #key)])
                } else {
                    q!()
                },
                q!(::handled_runtime::Value::Bool(self.#id)),
            ),
            Repr::Struct(inner) => {
                let inner_id = format_ident!("{}", inner.name);
                (
                    q!(#inner_id),
                    if key != rust {
                        q!(#[serde(rename = #key)])
                    } else {
                        q!()
                    },
                    q!(self.#id.to_value()),
                )
            }
            Repr::Value => (
                q!(::handled_runtime::Value),
                q!(#[serde(#rename default = "::handled_runtime::rt::undefined", skip_serializing_if = "::handled_runtime::rt::is_undefined")]),
                q!(self.#id.clone()),
            ),
        };
        fields.push(q! {
            #[doc = #field_doc]
            #attrs
            pub #id: #ty
        });
        parts.push(q!(::handled_runtime::rt::Part::Prop(::handled_runtime::js::JsString::from(#key), #value)));
    }
    q! {
        #[doc = #doc]
        #[derive(Clone, Debug, PartialEq, ::handled_runtime::serde::Serialize, ::handled_runtime::serde::Deserialize)]
        #[serde(crate = "::handled_runtime::serde")]
        pub struct #name {
            #(#fields),*
        }

        impl #name {
            /// The value as JavaScript sees it.
            pub fn to_value(&self) -> ::handled_runtime::Value {
                ::handled_runtime::rt::object(vec![#(#parts),*])
            }
        }
    }
}

/// `handled_shopify::UpdateInventoryParams` → `::handled_shopify::UpdateInventoryParams`.
pub(super) fn rust_path(path: &str) -> TokenStream {
    let segments: Vec<Ident> = path.split("::").map(|s| format_ident!("{}", s)).collect();
    q!(#(::#segments)*)
}

pub(super) fn op_type(op: &OpDef) -> TokenStream {
    let krate = catalog::connector(op.connector).map_or("handled_runtime", |c| c.crate_name);
    rust_path(&format!("{krate}::{}", op.rust_type()))
}

/// `calculateChannelAllocation` → `CalculateChannelAllocation`.
pub fn pascal(name: &str) -> String {
    let p = catalog::pascal_case(name);
    let cleaned: String = p.chars().filter(|c| c.is_ascii_alphanumeric()).collect();
    if cleaned.starts_with(|c: char| c.is_ascii_digit()) || cleaned.is_empty() {
        format!("T{cleaned}")
    } else {
        cleaned
    }
}
