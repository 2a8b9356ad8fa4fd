//! One workflow: its trigger, its steps and their typed connector calls, compiled to a Rust
//! module with one function per step.
//!
//! - [`module`]: the workflow's module as a whole (`NAME`, `STEPS`, `workflow()`, `run`).
//! - [`steps`]: what every step shares (names registered up front, `StepInfo`, parameters).
//! - [`trigger`]: the trigger, its literal options, its `key` and its payload type.
//! - [`transform`], [`action`], [`for_each`]: one file per kind of step.
//! - [`options`]: an action's `retry` and `timeout`.
//! - [`params`]: an action's parameters, converted to the types of the catalog.
//! - [`checks`]: what can be checked of a parameter at compile time.
//! - [`structs`]: generated structs and the Rust names of catalog types.

mod action;
mod checks;
mod for_each;
mod module;
mod options;
mod params;
mod steps;
mod structs;
mod transform;
mod trigger;

pub use trigger::check_cron;

use crate::cx::{Cx, Site, StepRef};
use crate::diagnostic::Diagnostic;
use crate::source::SourceFile;
use crate::ty::{StructDef, Ty};
use handled_catalog::TriggerDef;
use handled_parser::{Span, Workflow};
use proc_macro2::{Ident, TokenStream};
use std::collections::BTreeSet;
use std::rc::Rc;
use trigger::payload_type;

/// Where a workflow's compiled code goes, and what it reports.
pub struct CompiledWorkflow {
    /// The workflow's module (`pub mod name { … }`).
    pub module: TokenStream,
    /// The module's public items alone (`NAME`, `Payload`, `exec`, `STEPS`, `workflow()`, the
    /// transforms' output structs), with bodies that compile whatever the steps hold: what a
    /// program with errors stands on, so that the code naming these items sees only the
    /// program's own errors.
    pub skeleton: TokenStream,
    /// The module's name.
    pub module_name: Ident,
    /// The connector crates its actions and trigger use (`handled_shopify`, …).
    pub connectors: BTreeSet<&'static str>,
}

/// Options that affect checking.
pub struct WorkflowOptions<'a> {
    /// Spans of the file's syntax errors: blocks containing one are not reported as missing
    /// fields, since the field may be the one that failed to parse.
    pub broken: &'a [Span],
    /// Loads an email template beside the program: `(file, name)` → the `.txt` and `.html`
    /// sources found (either may be missing). `None`: templates are not checked.
    pub templates: Option<crate::TemplateLoader<'a>>,
}

/// Compiles one workflow.
pub fn compile(
    file: usize,
    source: &SourceFile,
    wf: &Workflow,
    diags: &mut Vec<Diagnostic>,
    options: &WorkflowOptions<'_>,
) -> CompiledWorkflow {
    let mut w = WorkflowCompiler::new(file, source, wf, diags, options);
    w.run()
}

struct WorkflowCompiler<'a, 'o> {
    file: usize,
    source: &'a SourceFile,
    wf: &'a Workflow,
    diags: &'a mut Vec<Diagnostic>,
    options: &'a WorkflowOptions<'o>,
    steps: Vec<StepRef>,
    env_vars: BTreeSet<String>,
    connectors: BTreeSet<&'static str>,
    items: Vec<TokenStream>,
    structs: Vec<Rc<StructDef>>,
    trigger: Option<&'static TriggerDef>,
    counter: usize,
}

impl<'a, 'o> WorkflowCompiler<'a, 'o> {
    fn new(
        file: usize,
        source: &'a SourceFile,
        wf: &'a Workflow,
        diags: &'a mut Vec<Diagnostic>,
        options: &'a WorkflowOptions<'o>,
    ) -> Self {
        WorkflowCompiler {
            file,
            source,
            wf,
            diags,
            options,
            steps: Vec::new(),
            env_vars: BTreeSet::new(),
            connectors: BTreeSet::new(),
            items: Vec::new(),
            structs: Vec::new(),
            trigger: None,
            counter: 0,
        }
    }

    fn error(
        &mut self,
        code: &'static str,
        span: Span,
        message: impl Into<String>,
    ) -> &mut Diagnostic {
        self.diags
            .push(Diagnostic::error(code, self.file, span, message));
        let last = self.diags.len() - 1;
        &mut self.diags[last]
    }

    fn broken(&self, span: Span) -> bool {
        self.options
            .broken
            .iter()
            .any(|b| b.start >= span.start && b.start <= span.end)
    }

    fn location(&self, span: Span) -> TokenStream {
        let (line, column) = self.source.line_col(span.start as usize);
        let line = proc_macro2::Literal::u32_unsuffixed(line as u32);
        let column = proc_macro2::Literal::u32_unsuffixed(column as u32);
        q!(loc(#line, #column))
    }

    fn cx<'s>(&'s mut self, site: Site, current_step: usize) -> Cx<'s> {
        let (payload_ty, aliases) = match self.trigger {
            Some(t) => (payload_type(t, self.wf), t.aliases),
            None => (Ty::Error, &[][..]),
        };
        Cx {
            file: self.file,
            source: self.source,
            diags: self.diags,
            site,
            locals: Vec::new(),
            payload_ty,
            aliases,
            steps: &self.steps,
            current_step,
            skipped_steps: !self.wf.skipped_steps.is_empty(),
            input: None,
            item: None,
            used_steps: BTreeSet::new(),
            env_vars: &mut self.env_vars,
            counter: self.counter,
            chain_labels: Vec::new(),
            closure_depth: 0,
            uses_scope: false,
        }
    }

    fn loc_text(&self, span: Span) -> String {
        let (l, c) = self.source.line_col(span.start as usize);
        format!("{}:{l}:{c}", self.source.name)
    }
}
