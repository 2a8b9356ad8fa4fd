//! `forEach`: the list, then each entry's action for every item.

use super::WorkflowCompiler;
use super::params::action_body;
use super::steps::step_closure;
use super::structs::{op_type, rust_path};
use crate::cx::{Site, snake};
use crate::expr;
use crate::ty::Ty;
use handled_catalog::{self as catalog, OpDef};
use handled_parser::{Block, ExprKind, Field, Span, Step};
use proc_macro2::TokenStream;
use quote::format_ident;

impl<'a, 'o> WorkflowCompiler<'a, 'o> {
    pub(super) fn for_each(
        &mut self,
        index: usize,
        f: &handled_parser::ForEach,
    ) -> (TokenStream, TokenStream) {
        let number = self.wf.steps[..index]
            .iter()
            .filter(|s| matches!(s, Step::ForEach(_)))
            .count();
        let name = if number == 0 {
            "forEach".to_string()
        } else {
            format!("forEach#{}", number + 1)
        };
        let list_fn = format_ident!("step_{}_for_each", index);
        let mut cx = self.cx(Site::Step, index);
        let list = expr::compile(&mut cx, &f.list);
        if matches!(
            list.ty,
            Ty::Num(_) | Ty::Str | Ty::Bool | Ty::Object(_) | Ty::Null | Ty::Undefined
        ) {
            let d = cx.error(
                "E0203",
                f.list.span,
                format!("forEach needs a list, but this is a {}", list.ty.describe()),
            );
            d.help = Some("give it a list, such as `transform.<name>.items`".into());
        }
        let item_ty = list.ty.element();
        let list_v = list.value();
        let at = cx.at(f.list.span);
        let used = std::mem::take(&mut cx.used_steps);
        let uses_scope = cx.uses_scope;
        let counter = cx.counter;
        drop(cx);
        self.counter = counter;
        let (params, args) = self.step_params(&used);
        let scope_param = if uses_scope { q!(scope) } else { q!(_scope) };
        let doc = format!(
            " Step {}: the list of `forEach` ({}).",
            index + 1,
            self.loc_text(f.span)
        );
        self.items.push(q! {
            #[doc = #doc]
            pub fn #list_fn(#scope_param: &::handled_runtime::Scope<'_>, #(#params),*) -> ::std::result::Result<::std::vec::Vec<::handled_runtime::Value>, ::handled_runtime::StepError> {
                Ok(::handled_runtime::rt::list_items(#list_v)#at)
            }
        });
        let mut item_calls = Vec::new();
        let mut entry_calls = Vec::new();
        let mut gathered_ops = Vec::new();
        let mut item_ops = Vec::new();
        let mut item_options = Vec::new();
        let n_entries = f.actions.len();
        for (entry, block) in f.actions.iter().enumerate() {
            self.duplicate_fields(block);
            let Some(op) = self.entry_op(block) else {
                continue;
            };
            item_ops.push(op.full_name());
            item_options.push(self.call_options(&block.fields));
            if let Some(def) = catalog::connector(op.connector) {
                self.connectors.insert(def.crate_name);
            }
            let fn_name = format_ident!(
                "step_{}_{}_{}_{}",
                index,
                entry,
                op.connector,
                snake(op.name)
            );
            let options = self.options;
            let mut cx = self.cx(Site::Step, index);
            cx.item = Some(item_ty.clone());
            let fields: Vec<Field> = block
                .fields
                .iter()
                .filter(|f| f.name.name != "action")
                .cloned()
                .collect();
            let body = action_body(&mut cx, op, &fields, block.span, Some(()), options);
            let used = std::mem::take(&mut cx.used_steps);
            let uses_scope = cx.uses_scope;
            let counter = cx.counter;
            drop(cx);
            self.counter = counter;
            let (params, args) = self.step_params(&used);
            let params_ty = rust_path(op.params.rust_path);
            let op_ty = op_type(op);
            let scope_param = if uses_scope { q!(scope) } else { q!(_scope) };
            let doc = format!(
                " Step {}, entry {}: `{}` for each item ({}).",
                index + 1,
                entry + 1,
                op.full_name(),
                self.loc_text(block.span)
            );
            self.items.push(q! {
                #[doc = #doc]
                pub fn #fn_name(#scope_param: &::handled_runtime::Scope<'_>, item: &::handled_runtime::Value, #(#params),*) -> ::std::result::Result<::std::option::Option<#params_ty>, ::handled_runtime::StepError> {
                    #body
                }
            });
            let call = q!(ctx.item_action::<#op_ty, _>(#index, i, #entry, |scope| #fn_name(scope, item, #(#args),*)).await);
            let per_item = if args.is_empty() {
                q!(#fn_name)
            } else {
                q!(|scope, item| #fn_name(scope, item, #(#args),*))
            };
            let together =
                q!(ctx.item_actions::<#op_ty, _>(#index, #entry, &list, &items, #per_item).await);
            if entry + 1 == n_entries {
                item_calls.push(q!(let _ = #call;));
                entry_calls.push(q!(let _ = #together;));
            } else {
                item_calls.push(q!(if #call.is_err() { continue; }));
                entry_calls.push(q! {
                    items = #together
                        .into_iter()
                        .filter(|(_, outcome)| outcome.is_ok())
                        .map(|(i, _)| i)
                        .collect();
                });
            }
            let (connector, name) = (op.connector, op.name);
            gathered_ops.push(q!((#connector, #name)));
        }
        let info = self.step_info(&name, q!(ForEach), "", &item_ops, &item_options, f.span);
        self.steps[index].ty = Ty::Undefined;
        // When every entry's op is gathered into bulk calls (RUNTIME.md §2), entry by entry, each
        // entry's calls together (an item goes on to its next entry only if this one did not
        // fail); otherwise item by item, in list order.
        let items_binding = if entry_calls.len() > 1 {
            q!(let mut items)
        } else {
            q!(let items)
        };
        let loop_body = if item_calls.is_empty() {
            q!()
        } else {
            q! {
                if ctx.gathers(&[#(#gathered_ops),*]) {
                    #items_binding: ::std::vec::Vec<usize> = (0..list.len()).collect();
                    #(#entry_calls)*
                } else {
                    for (i, item) in list.iter().enumerate() {
                        #(#item_calls)*
                    }
                }
            }
        };
        let list_var = if item_calls.is_empty() {
            q!(_)
        } else {
            q!(list)
        };
        let list_closure = step_closure(&list_fn, &args);
        let call = q! {
            let #list_var = ctx.for_each(#index, #list_closure).await?;
            #loop_body
            ctx.end_for_each(#index)?;
        };
        (info, call)
    }

    pub(super) fn entry_op(&mut self, block: &Block) -> Option<&'static OpDef> {
        let Some(field) = block.get("action") else {
            let d = self.error("E0210", block.span, "this forEach entry has no `action`");
            d.help = Some(
                "add `action: \"connector.op\"`, such as `action: \"slack.sendMessage\"`".into(),
            );
            return None;
        };
        let ExprKind::String(name) = &field.value.kind else {
            let help = format!(
                "quote it: `action: \"{}\"`",
                self.source.slice(field.value.span)
            );
            let d = self.error(
                "E0210",
                field.value.span,
                "a forEach entry's `action` must be a string literal naming an op",
            );
            d.help = Some(help);
            return None;
        };
        let Some((c, o)) = name.split_once('.') else {
            let d = self.error(
                "E0210",
                field.value.span,
                format!("{name:?} is not of the form \"connector.op\""),
            );
            d.help = Some("such as \"slack.sendMessage\"".into());
            return None;
        };
        // Spans inside the string literal: skip the opening quote.
        let start = field.value.span.start as usize + 1;
        let conn_span = Span::new(start, start + c.len());
        let op_span = Span::new(start + c.len() + 1, start + name.len());
        self.resolve_op(c, conn_span, o, op_span)
    }
}
