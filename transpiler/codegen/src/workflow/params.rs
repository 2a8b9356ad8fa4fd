//! An action's parameters: the condition, each parameter converted to the Rust type of its
//! catalog shape, nested objects field by field, then the typed params struct.

use super::WorkflowOptions;
use super::checks::{check_param_static, check_template};
use super::structs::rust_path;
use crate::cx::{Cx, snake};
use crate::diagnostic::{Diagnostic, did_you_mean};
use crate::expr;
use crate::ty::Repr;
use handled_catalog::{self as catalog, FieldDef, OpDef, Shape};
use handled_parser::{Expr, ExprKind, Field, Prop, PropKey, Span};
use proc_macro2::TokenStream;
use quote::format_ident;

/// The body of an action's step function: the condition, each parameter in the order written,
/// then the typed params struct.
pub(super) fn action_body(
    cx: &mut Cx<'_>,
    op: &'static OpDef,
    fields: &[Field],
    block_span: Span,
    item_entry: Option<()>,
    options: &WorkflowOptions<'_>,
) -> TokenStream {
    let mut pre = Vec::new();
    // condition
    if let Some(cond) = fields.iter().find(|f| f.name.name == "condition") {
        let code = if item_entry.is_some() {
            match &cond.value.kind {
                ExprKind::String(text) => {
                    let offset = cond.value.span.start as usize + 1;
                    match handled_parser::parse_expression(text, offset) {
                        Ok(e) => {
                            expr::warn_env_condition(cx, &e);
                            Some(expr::condition(cx, &e))
                        }
                        Err(errors) => {
                            for err in errors {
                                let d = Diagnostic::error(
                                    "E0211",
                                    cx.file,
                                    err.span,
                                    format!("in this condition: {}", err.message),
                                )
                                .maybe_help(err.help);
                                cx.report(d);
                            }
                            None
                        }
                    }
                }
                _ => {
                    let d = cx.error(
                        "E0210",
                        cond.value.span,
                        "a forEach entry's `condition` must be a string holding an expression",
                    );
                    d.help = Some("quote it: `condition: \"item.currentStock === 0\"`".into());
                    None
                }
            }
        } else {
            expr::warn_env_condition(cx, &cond.value);
            Some(expr::condition(cx, &cond.value))
        };
        if let Some(t) = code {
            pre.push(q!(if !(#t) { return Ok(None); }));
        }
    }
    // parameters
    let known = op.params.fields;
    let options_names: Vec<&str> = catalog::ACTION_OPTIONS.iter().map(|f| f.name).collect();
    let mut values: Vec<(&'static FieldDef, TokenStream)> = Vec::new();
    for f in fields {
        let name = f.name.name.as_str();
        if options_names.contains(&name) {
            // `retry` and `timeout` are checked by `call_options`.
            continue;
        }
        let Some(def) = known.iter().find(|k| k.name == name) else {
            let help = did_you_mean(name, known.iter().map(|k| k.name))
                .map(|s| format!("did you mean `{s}`?"))
                .unwrap_or_else(|| {
                    format!(
                        "`{}` takes: {}",
                        op.full_name(),
                        known.iter().map(|k| k.name).collect::<Vec<_>>().join(", ")
                    )
                });
            let d = cx.error(
                "E0202",
                f.name.span,
                format!("`{}` has no parameter `{name}`", op.full_name()),
            );
            d.primary.message = "unknown parameter".into();
            d.help = Some(help);
            continue;
        };
        if op.full_name() == "email.send" && name == "template" {
            check_template(cx, &f.value, options);
        }
        let loc = cx.location(f.value.span);
        let var = cx.fresh(&format!("param_{}", snake(name)));
        let converted = param_value(cx, &def.shape, def.required, name, &f.value, &loc);
        pre.push(q!(let #var = #converted;));
        values.push((def, q!(#var)));
    }
    // required and one-of groups
    let broken = options
        .broken
        .iter()
        .any(|b| b.start >= block_span.start && b.start <= block_span.end);
    for req in known.iter().filter(|k| k.required) {
        if !broken && !fields.iter().any(|f| f.name.name == req.name) {
            let d = cx.error(
                "E0201",
                block_span,
                format!("`{}` needs the parameter `{}`", op.full_name(), req.name),
            );
            d.help = Some(format!("add `{}: …` ({})", req.name, req.doc));
        }
    }
    if !op.one_of.is_empty() && !broken {
        let given = |n: &str| fields.iter().any(|f| f.name.name == n);
        let complete: Vec<&&[&str]> = op
            .one_of
            .iter()
            .filter(|g| g.iter().all(|n| given(n)))
            .collect();
        if complete.len() != 1 {
            let groups: Vec<String> = op
                .one_of
                .iter()
                .map(|g| format!("`{}`", g.join("` with `")))
                .collect();
            let msg = if complete.is_empty() {
                format!("`{}` needs {}", op.full_name(), groups.join(", or "))
            } else {
                format!(
                    "`{}` takes {}, not both",
                    op.full_name(),
                    groups.join(" or ")
                )
            };
            cx.error("E0214", block_span, msg);
        }
    }
    let struct_path = rust_path(op.params.rust_path);
    let inits: Vec<TokenStream> = known
        .iter()
        .map(|k| {
            let field = format_ident!("{}", k.rust_name());
            match values.iter().find(|(d, _)| d.name == k.name) {
                Some((_, v)) => q!(#field: #v),
                None if k.required => q!(#field: ::std::default::Default::default()),
                None => q!(#field: None),
            }
        })
        .collect();
    q! {
        #(#pre)*
        Ok(Some(#struct_path { #(#inits),* }))
    }
}

/// Converts a parameter's expression to the Rust type of its catalog shape, checking what can
/// be checked at compile time.
pub(super) fn param_value(
    cx: &mut Cx<'_>,
    shape: &Shape,
    required: bool,
    name: &str,
    e: &Expr,
    loc: &TokenStream,
) -> TokenStream {
    // An object literal for an object parameter: build the nested struct field by field.
    if let (Shape::Object(obj), ExprKind::Object(props)) = (shape, &e.kind)
        && let Some(ts) = nested_params(cx, obj, name, props, e.span, loc)
    {
        return if required { ts } else { q!(Some(#ts)) };
    }
    let code = expr::compile(cx, e);
    let fd = FieldDef {
        name: "",
        shape: *shape,
        required,
        doc: "",
    };
    let _ = fd;
    check_param_static(cx, shape, name, &code, e);
    let fast = match (shape, &code.repr) {
        (Shape::Integer, Repr::F64) => {
            let ts = &code.ts;
            Some(q!(::handled_runtime::convert::integer_f64(#ts, #name, #loc)?))
        }
        (Shape::Number, Repr::F64) => Some(code.ts.clone()),
        (Shape::Boolean, Repr::Bool) => Some(code.ts.clone()),
        _ => None,
    };
    if let Some(ts) = fast {
        return if required { ts } else { q!(Some(#ts)) };
    }
    let f = converter(shape);
    let v = code.value_ref();
    if required {
        q!((#f)(#v, #name, #loc)?)
    } else {
        q!(::handled_runtime::convert::optional(#v, #name, #loc, #f)?)
    }
}

pub(super) fn nested_params(
    cx: &mut Cx<'_>,
    obj: &'static catalog::ObjectShape,
    name: &str,
    props: &[Prop],
    span: Span,
    loc: &TokenStream,
) -> Option<TokenStream> {
    let mut given: Vec<(&'static FieldDef, TokenStream)> = Vec::new();
    for p in props {
        let (key, key_span, value): (&str, Span, Expr) = match p {
            Prop::KeyValue {
                key: PropKey::Ident(k),
                value,
            } => (k.name.as_str(), k.span, value.clone()),
            Prop::KeyValue {
                key: PropKey::String(k, s),
                value,
            } => (k.as_str(), *s, value.clone()),
            Prop::Shorthand(i) => (
                i.name.as_str(),
                i.span,
                Expr {
                    kind: ExprKind::Ident(i.name.clone()),
                    span: i.span,
                },
            ),
            _ => return None,
        };
        let Some(def) = obj.field(key) else {
            let help = did_you_mean(key, obj.fields.iter().map(|f| f.name))
                .map(|s| format!("did you mean `{s}`?"))
                .unwrap_or_else(|| {
                    format!(
                        "`{name}` takes: {}",
                        obj.fields
                            .iter()
                            .map(|f| f.name)
                            .collect::<Vec<_>>()
                            .join(", ")
                    )
                });
            let d = cx.error("E0202", key_span, format!("`{name}` has no field `{key}`"));
            d.help = Some(help);
            continue;
        };
        let inner_loc = cx.location(value.span);
        let full = format!("{name}.{key}");
        let v = param_value(cx, &def.shape, def.required, &full, &value, &inner_loc);
        given.push((def, v));
    }
    for req in obj.fields.iter().filter(|f| f.required) {
        if !given.iter().any(|(d, _)| d.name == req.name) {
            let d = cx.error(
                "E0201",
                span,
                format!("`{name}` needs the field `{}`", req.name),
            );
            d.help = Some(format!("add `{}: …` ({})", req.name, req.doc));
        }
    }
    let _ = loc;
    let path = rust_path(obj.rust_path);
    let inits: Vec<TokenStream> = obj
        .fields
        .iter()
        .map(|k| {
            let field = format_ident!("{}", k.rust_name());
            match given.iter().find(|(d, _)| d.name == k.name) {
                Some((_, v)) => q!(#field: #v),
                None if k.required => q!(#field: ::std::default::Default::default()),
                None => q!(#field: None),
            }
        })
        .collect();
    Some(q!(#path { #(#inits),* }))
}

/// A function `(&Value, &str, Location) -> Result<T, StepError>` converting to a shape.
pub(super) fn converter(shape: &Shape) -> TokenStream {
    match shape {
        Shape::String => q!(::handled_runtime::convert::string),
        Shape::Enum(values) => {
            q!(|v: &::handled_runtime::Value, p: &str, at: ::handled_runtime::Location| ::handled_runtime::convert::one_of(v, &[#(#values),*], p, at))
        }
        Shape::Integer => q!(::handled_runtime::convert::integer),
        Shape::Number => q!(::handled_runtime::convert::number),
        Shape::Boolean => q!(::handled_runtime::convert::boolean),
        Shape::Json => q!(::handled_runtime::convert::json_param),
        Shape::Object(obj) => {
            let path = rust_path(obj.rust_path);
            q!(::handled_runtime::convert::object::<#path>)
        }
        Shape::Array(inner) => {
            let f = converter(inner);
            q!(|v: &::handled_runtime::Value, p: &str, at: ::handled_runtime::Location| ::handled_runtime::convert::list(v, p, at, #f))
        }
        Shape::Nullable(inner) => {
            let f = converter(inner);
            q!(|v: &::handled_runtime::Value, p: &str, at: ::handled_runtime::Location| ::handled_runtime::convert::optional(v, p, at, #f))
        }
    }
}
