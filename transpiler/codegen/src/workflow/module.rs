//! The workflow's module: its constants, its `workflow()` description, the `run` function that
//! calls each step in order, and the items the steps compiled to; and its skeleton, the same
//! public names for a program with errors.

use super::CompiledWorkflow;
use super::WorkflowCompiler;
use super::structs::{rust_path, struct_tokens};
use crate::cx::snake;
use handled_catalog::{self as catalog, Shape};
use handled_parser::{ExprKind, Step};
use proc_macro2::TokenStream;
use quote::format_ident;
use std::collections::BTreeSet;

impl<'a, 'o> WorkflowCompiler<'a, 'o> {
    pub(super) fn run(&mut self) -> CompiledWorkflow {
        let module_name = format_ident!("{}", snake(&self.wf.name.name));
        self.seed_steps();
        let trigger_fn = self.trigger();
        let mut run_body = Vec::new();
        let mut step_infos = Vec::new();
        let referenced = self.referenced_steps();
        for (index, step) in self.wf.steps.iter().enumerate() {
            let (info, call) = match step {
                Step::Transform(t) => self.transform(index, t, &referenced),
                Step::Action(a) => self.action(index, a, &referenced),
                Step::ForEach(f) => self.for_each(index, f),
            };
            step_infos.push(info);
            run_body.push(call);
        }
        let name = &self.wf.name.name;
        let file_name = &self.source.name;
        let wf_loc = self.location(self.wf.span);
        let (tc, te) = match self.trigger {
            Some(t) => (t.connector, t.event),
            None => ("", ""),
        };
        let natural_key = match self.trigger.and_then(|t| t.natural_key) {
            Some(k) => q!(Some(#k)),
            None => q!(None),
        };
        let key = match self.wf.trigger.as_ref().and_then(|t| t.block.get("key")) {
            Some(_) => q!(Some(key)),
            None => q!(None),
        };
        let connectors: Vec<&str> = self
            .wf
            .steps
            .iter()
            .flat_map(step_connectors)
            .filter(|c| catalog::connector(c).is_some())
            .collect::<BTreeSet<_>>()
            .into_iter()
            .collect();
        let env_vars: Vec<&String> = self.env_vars.iter().collect();
        let n_steps = step_infos.len();
        let structs: Vec<TokenStream> = self.structs.iter().map(|s| struct_tokens(s)).collect();
        let items = &self.items;
        let payload_ty = match self.trigger.map(|t| (t, &t.payload)) {
            Some((_, Shape::Object(o))) => rust_path(o.rust_path),
            _ => q!(::handled_runtime::Json),
        };
        let payload_doc = match self.trigger {
            Some(t) => format!(
                " The payload of `{}` (`trigger.payload`): {}.",
                t.full_name(),
                t.doc
            ),
            None => " The trigger's payload (`trigger.payload`).".to_string(),
        };
        let doc = format!(" Workflow `{name}` ({}).", self.loc_text(self.wf.span));
        let module = q! {
            #[doc = #doc]
            #[allow(clippy::approx_constant, clippy::excessive_precision, clippy::neg_multiply, clippy::nonminimal_bool, clippy::double_parens, clippy::eq_op, clippy::identity_op, clippy::zero_divided_by_zero, clippy::overly_complex_bool_expr, clippy::useless_conversion, clippy::redundant_closure_call, unused_parens, unreachable_code, clippy::let_unit_value, clippy::needless_question_mark, clippy::neg_cmp_op_on_partial_ord)]
            pub mod #module_name {
                /// The workflow's name.
                pub const NAME: &str = #name;
                const FILE: &str = #file_name;

                #[doc = #payload_doc]
                pub type Payload = #payload_ty;

                /// Runs one event of this workflow to the end in the foreground (what the
                /// program's `exec` command does) and returns the run with its report.
                pub async fn exec(runtime: &::handled_runtime::Runtime, payload: &Payload) -> ::std::result::Result<::handled_runtime::ExecOutcome, ::handled_runtime::RuntimeError> {
                    ::handled_runtime::rt::exec(runtime, NAME, payload).await
                }

                /// The workflow's steps, in order.
                pub static STEPS: [::handled_runtime::StepInfo; #n_steps] = [#(#step_infos),*];

                /// The workflow, for `App::add_workflow`.
                pub fn workflow() -> ::handled_runtime::Workflow {
                    ::handled_runtime::Workflow {
                        name: NAME,
                        file: FILE,
                        location: #wf_loc,
                        trigger_connector: #tc,
                        trigger_event: #te,
                        trigger,
                        key: #key,
                        natural_key: #natural_key,
                        steps: &STEPS,
                        connectors: &[#(#connectors),*],
                        env_vars: &[#(#env_vars),*],
                        run: run_boxed,
                    }
                }

                fn run_boxed(
                    ctx: &mut ::handled_runtime::RunContext,
                ) -> ::handled_runtime::BoxFuture<'_, ::std::result::Result<(), ::handled_runtime::Stop>> {
                    ::std::boxed::Box::pin(run(ctx))
                }

                async fn run(ctx: &mut ::handled_runtime::RunContext) -> ::std::result::Result<(), ::handled_runtime::Stop> {
                    #(#run_body)*
                    Ok(())
                }

                /// Turns an expression's error into a step error at a position of this file.
                fn at(line: u32, column: u32) -> impl Fn(::handled_runtime::JsError) -> ::handled_runtime::StepError {
                    move |e| ::handled_runtime::StepError::js(e, loc(line, column))
                }

                /// A position in this workflow's `.hs` file.
                const fn loc(line: u32, column: u32) -> ::handled_runtime::Location {
                    ::handled_runtime::Location { file: FILE, line, column }
                }

                #trigger_fn
                #(#structs)*
                #(#items)*
            }
        };
        let skeleton = q! {
            #[doc = #doc]
            #[allow(dead_code)]
            pub mod #module_name {
                /// The workflow's name.
                pub const NAME: &str = #name;
                const FILE: &str = #file_name;

                #[doc = #payload_doc]
                pub type Payload = #payload_ty;

                /// Runs one event of this workflow to the end in the foreground.
                pub async fn exec(runtime: &::handled_runtime::Runtime, payload: &Payload) -> ::std::result::Result<::handled_runtime::ExecOutcome, ::handled_runtime::RuntimeError> {
                    ::handled_runtime::rt::exec(runtime, NAME, payload).await
                }

                /// The workflow's steps, in order.
                pub static STEPS: [::handled_runtime::StepInfo; #n_steps] = [#(#step_infos),*];

                /// The workflow, for `App::add_workflow`: its steps are not compiled, since the
                /// program has errors.
                pub fn workflow() -> ::handled_runtime::Workflow {
                    ::handled_runtime::Workflow {
                        name: NAME,
                        file: FILE,
                        location: #wf_loc,
                        trigger_connector: #tc,
                        trigger_event: #te,
                        trigger,
                        key: None,
                        natural_key: #natural_key,
                        steps: &STEPS,
                        connectors: &[#(#connectors),*],
                        env_vars: &[],
                        run: run_boxed,
                    }
                }

                fn run_boxed(
                    _ctx: &mut ::handled_runtime::RunContext,
                ) -> ::handled_runtime::BoxFuture<'_, ::std::result::Result<(), ::handled_runtime::Stop>> {
                    ::std::boxed::Box::pin(async { Ok(()) })
                }

                fn trigger(_env: &::handled_runtime::Env) -> ::std::result::Result<::handled_runtime::TriggerConfig, ::handled_runtime::JsError> {
                    Err(::handled_runtime::JsError::type_error("the program has errors"))
                }

                /// A position in this workflow's `.hs` file.
                const fn loc(line: u32, column: u32) -> ::handled_runtime::Location {
                    ::handled_runtime::Location { file: FILE, line, column }
                }

                #(#structs)*
            }
        };
        let mut connectors_used = BTreeSet::new();
        for c in &connectors {
            if let Some(def) = catalog::connector(c) {
                connectors_used.insert(def.crate_name);
            }
        }
        if let Some(def) = self.trigger.and_then(|t| catalog::connector(t.connector)) {
            connectors_used.insert(def.crate_name);
        }
        self.connectors.extend(connectors_used);
        CompiledWorkflow {
            module,
            skeleton,
            module_name,
            connectors: std::mem::take(&mut self.connectors),
        }
    }
}

pub(super) fn step_connectors(step: &Step) -> Vec<&str> {
    match step {
        Step::Action(a) => vec![a.connector.name.as_str()],
        Step::Transform(_) => Vec::new(),
        Step::ForEach(f) => f
            .actions
            .iter()
            .filter_map(|b| b.get("action"))
            .filter_map(|a| match &a.value.kind {
                ExprKind::String(s) => s.split_once('.').map(|(c, _)| c),
                _ => None,
            })
            .collect(),
    }
}
