//! Transforms: `input`, the `validate` rules and `output`, compiled to one step function.

use super::WorkflowCompiler;
use super::steps::step_closure;
use super::structs::{build_struct, pascal};
use crate::cx::{Site, snake};
use crate::diagnostic::did_you_mean;
use crate::expr::{self, Code};
use crate::ty::{Repr, Ty};
use handled_parser::{Expr, ExprKind, Prop, PropKey};
use proc_macro2::TokenStream;
use quote::format_ident;
use std::collections::BTreeSet;

impl<'a, 'o> WorkflowCompiler<'a, 'o> {
    pub(super) fn transform(
        &mut self,
        index: usize,
        t: &handled_parser::Transform,
        referenced: &BTreeSet<usize>,
    ) -> (TokenStream, TokenStream) {
        self.duplicate_fields(&t.block);
        for f in &t.block.fields {
            if !["input", "output", "validate"].contains(&f.name.name.as_str()) {
                let help = did_you_mean(&f.name.name, ["input", "output", "validate"])
                    .map(|s| format!("did you mean `{s}`?"));
                let d = self.error(
                    "E0202",
                    f.name.span,
                    format!("a transform has no field `{}`", f.name.name),
                );
                d.help = Some(help.unwrap_or_else(|| {
                    "a transform's fields are `input`, `output` and `validate`".into()
                }));
            }
        }
        let name = &t.name.name;
        let struct_name = pascal(name);
        let loc = self.location(t.span);
        let info = self.step_info(name, q!(Transform), "", &[], &[], t.span);
        let fn_name = format_ident!("step_{}_{}", index, snake(name));

        let broken = self.broken(t.block.span);
        let mut cx = self.cx(Site::Step, index);
        // input
        let input = match t.block.get("input") {
            Some(f) => expr::compile(&mut cx, &f.value),
            None => {
                let payload = Expr {
                    kind: ExprKind::Ident("trigger".into()),
                    span: t.name.span,
                };
                let member = Expr {
                    kind: ExprKind::Member {
                        object: Box::new(payload),
                        property: handled_parser::Ident {
                            name: "payload".into(),
                            span: t.name.span,
                        },
                        optional: false,
                    },
                    span: t.name.span,
                };
                expr::compile(&mut cx, &member)
            }
        };
        let (input_ts, input_repr) = match input.repr {
            Repr::F64 | Repr::Bool => (input.ts.clone(), input.repr.clone()),
            _ => (input.value(), Repr::Value),
        };
        cx.input = Some((input.ty.clone(), input_repr.clone()));
        let input_value = expr::Code {
            ts: q!(input),
            ty: input.ty.clone(),
            repr: input_repr,
            place: expr::Place::Owned,
        }
        .value();
        // validate
        let mut rules = Vec::new();
        if let Some(v) = t.block.get("validate") {
            match &v.value.kind {
                ExprKind::Object(props) => {
                    for p in props {
                        match p {
                            Prop::KeyValue {
                                key: PropKey::Ident(k),
                                value,
                            } => {
                                let c = expr::compile(&mut cx, value);
                                expr::warn_env_condition(&mut cx, value);
                                let tt = c.truthy();
                                let rule = &k.name;
                                rules.push(q!(if !(#tt) { failed.push(#rule); }));
                            }
                            Prop::KeyValue {
                                key: PropKey::String(k, _),
                                value,
                            } => {
                                let c = expr::compile(&mut cx, value);
                                let tt = c.truthy();
                                rules.push(q!(if !(#tt) { failed.push(#k); }));
                            }
                            other => {
                                let span = match other {
                                    Prop::Shorthand(i) => i.span,
                                    Prop::Spread(_, s) => *s,
                                    Prop::KeyValue { value, .. } => value.span,
                                };
                                cx.error(
                                    "E0213",
                                    span,
                                    "each `validate` rule is written `name: condition`",
                                );
                            }
                        }
                    }
                }
                _ => {
                    cx.error("E0213", v.value.span, "`validate` must be an object of named rules, such as `{ hasSku: input.sku.length > 0 }`");
                }
            }
        }
        // output
        let output = t.block.get("output");
        let (out_ts, out_ty, out_repr) = match output {
            Some(f) => {
                let mut structs = Vec::new();
                let code = match &f.value.kind {
                    ExprKind::Object(props) => build_struct(
                        &mut cx,
                        props,
                        &struct_name,
                        &format!("Output of transform `{name}`"),
                        &mut structs,
                    ),
                    _ => None,
                };
                let code = code.unwrap_or_else(|| {
                    let c = expr::compile(&mut cx, &f.value);
                    let v = c.value();
                    Code {
                        ts: v,
                        ty: c.ty,
                        repr: Repr::Value,
                        place: expr::Place::Temp,
                    }
                });
                let structs_out = structs;
                let out_ty = code.ty.clone();
                let out_repr = code.repr.clone();
                let ts = code.ts;
                (ts, out_ty, (out_repr, structs_out))
            }
            None if broken => (
                q!(::handled_runtime::Value::Undefined),
                Ty::Error,
                (Repr::Value, Vec::new()),
            ),
            None => {
                let d = cx.error(
                    "E0213",
                    t.block.span,
                    format!("transform `{name}` has no `output`"),
                );
                d.help = Some("add `output: …`: the value the transform produces".into());
                (
                    q!(::handled_runtime::Value::Undefined),
                    Ty::Error,
                    (Repr::Value, Vec::new()),
                )
            }
        };
        let (out_repr, new_structs) = out_repr;
        let used = std::mem::take(&mut cx.used_steps);
        let uses_scope = cx.uses_scope;
        let counter = cx.counter;
        drop(cx);
        self.counter = counter;
        self.structs.extend(new_structs);
        let out_type = match &out_repr {
            Repr::Struct(def) => {
                let id = format_ident!("{}", def.name);
                q!(#id)
            }
            _ => q!(::handled_runtime::Value),
        };
        self.steps[index].ty = out_ty;
        self.steps[index].repr = out_repr;
        let (params, args) = self.step_params(&used);
        let scope_param = if uses_scope { q!(scope) } else { q!(_scope) };
        let validate = if rules.is_empty() {
            q!()
        } else {
            q! {
                let mut failed: ::std::vec::Vec<&'static str> = ::std::vec::Vec::new();
                #(#rules)*
                if !failed.is_empty() {
                    return Ok(::handled_runtime::Transformed::Skipped { input: #input_value, failed_rules: failed });
                }
            }
        };
        let doc = format!(
            " Step {}: transform `{name}` ({}).",
            index + 1,
            self.loc_text(t.span)
        );
        let _ = loc;
        self.items.push(q! {
            #[doc = #doc]
            pub fn #fn_name(#scope_param: &::handled_runtime::Scope<'_>, #(#params),*) -> ::std::result::Result<::handled_runtime::Transformed<#out_type>, ::handled_runtime::StepError> {
                let input = #input_ts;
                #validate
                let output = #out_ts;
                Ok(::handled_runtime::Transformed::Output { input: #input_value, output })
            }
        });
        let var = self.step_var(index, referenced);
        let f = step_closure(&fn_name, &args);
        let call = q!(let #var = ctx.transform(#index, #f).await?;);
        (info, call)
    }
}
