//! Actions: the op they name, resolved against the catalog, and their step function.

use super::WorkflowCompiler;
use super::params::action_body;
use super::steps::step_closure;
use super::structs::{op_type, rust_path};
use crate::cx::{Site, snake};
use crate::diagnostic::did_you_mean;
use crate::ty::{Repr, Ty};
use handled_catalog::{self as catalog, OpDef, Shape};
use handled_parser::Span;
use proc_macro2::TokenStream;
use quote::format_ident;
use std::collections::BTreeSet;

impl<'a, 'o> WorkflowCompiler<'a, 'o> {
    pub(super) fn resolve_op(
        &mut self,
        connector: &str,
        conn_span: Span,
        op: &str,
        op_span: Span,
    ) -> Option<&'static OpDef> {
        if catalog::connector(connector).is_none() {
            let names = catalog::CONNECTORS.iter().map(|c| c.name);
            let help = did_you_mean(connector, names)
                .map(|s| format!("did you mean `{s}`?"))
                .unwrap_or_else(|| {
                    format!(
                        "the connectors are: {}",
                        catalog::CONNECTORS
                            .iter()
                            .map(|c| c.name)
                            .collect::<Vec<_>>()
                            .join(", ")
                    )
                });
            self.error(
                "E0101",
                conn_span,
                format!("unknown connector `{connector}`"),
            )
            .help = Some(help);
            return None;
        }
        match catalog::op(connector, op) {
            Some(def) => Some(def),
            None => {
                let ops: Vec<&str> = catalog::ops_of(connector).map(|o| o.name).collect();
                let help = did_you_mean(op, ops.iter().copied())
                    .map(|s| format!("did you mean `{connector}.{s}`?"))
                    .unwrap_or_else(|| format!("`{connector}` ops: {}", ops.join(", ")));
                self.error("E0103", op_span, format!("`{connector}` has no op `{op}`"))
                    .help = Some(help);
                None
            }
        }
    }

    pub(super) fn action(
        &mut self,
        index: usize,
        a: &handled_parser::Action,
        referenced: &BTreeSet<usize>,
    ) -> (TokenStream, TokenStream) {
        self.duplicate_fields(&a.block);
        let op = self.resolve_op(&a.connector.name, a.connector.span, &a.op.name, a.op.span);
        let full = format!("{}.{}", a.connector.name, a.op.name);
        let step_name = a.alias.as_ref().map_or(full.clone(), |i| i.name.clone());
        let calls = [self.call_options(&a.block.fields)];
        let info = self.step_info(&step_name, q!(Action), &full, &[], &calls, a.span);
        let Some(op) = op else {
            return (info, q!());
        };
        if let Some(def) = catalog::connector(op.connector) {
            self.connectors.insert(def.crate_name);
        }
        let fn_name = format_ident!("step_{}_{}", index, snake(&step_name));
        let options = self.options;
        let mut cx = self.cx(Site::Step, index);
        let body = action_body(&mut cx, op, &a.block.fields, a.block.span, None, options);
        let used = std::mem::take(&mut cx.used_steps);
        let uses_scope = cx.uses_scope;
        let counter = cx.counter;
        drop(cx);
        self.counter = counter;
        let params_ty = rust_path(op.params.rust_path);
        let op_ty = op_type(op);
        self.steps[index].ty = Ty::from_shape(&Shape::Object(op.result));
        if a.block.get("condition").is_some() {
            self.steps[index].ty = Ty::Maybe(Box::new(self.steps[index].ty.clone()));
        }
        self.steps[index].repr = Repr::Value;
        let (params, args) = self.step_params(&used);
        let scope_param = if uses_scope { q!(scope) } else { q!(_scope) };
        let doc = format!(
            " Step {}: action `{full}` ({}).",
            index + 1,
            self.loc_text(a.span)
        );
        self.items.push(q! {
            #[doc = #doc]
            pub fn #fn_name(#scope_param: &::handled_runtime::Scope<'_>, #(#params),*) -> ::std::result::Result<::std::option::Option<#params_ty>, ::handled_runtime::StepError> {
                #body
            }
        });
        let call = if referenced.contains(&index) {
            let var = &self.steps[index].var;
            let f = step_closure(&fn_name, &args);
            q!(let #var = ::handled_runtime::rt::result_value(&ctx.action::<#op_ty, _>(#index, #f).await?);)
        } else {
            let f = step_closure(&fn_name, &args);
            q!(ctx.action::<#op_ty, _>(#index, #f).await?;)
        };
        (info, call)
    }
}
