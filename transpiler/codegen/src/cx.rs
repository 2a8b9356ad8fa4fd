//! The compilation context of one expression site: what names mean there, where diagnostics go,
//! and which steps and environment variables the generated code reads.

use crate::diagnostic::Diagnostic;
use crate::source::SourceFile;
use crate::ty::{Repr, Ty};
use handled_parser::Span;
use proc_macro2::{Ident, TokenStream};
use quote::format_ident;
use std::collections::BTreeSet;

/// What kind of local a name is.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum LocalKind {
    /// An arrow function's parameter.
    Param,
    /// `const`.
    Const,
    /// `let` (may be assigned).
    Let,
}

/// A local name in scope.
#[derive(Clone, Debug)]
pub struct Local {
    /// The JavaScript name.
    pub name: String,
    /// The Rust variable.
    pub ident: Ident,
    /// Its static type.
    pub ty: Ty,
    /// How it is held.
    pub repr: Repr,
    /// Param, const or let.
    pub kind: LocalKind,
    /// Whether the Rust variable is a reference (`&Value`).
    pub by_ref: bool,
}

/// A step whose output expressions may name.
#[derive(Clone, Debug)]
pub struct StepRef {
    /// The step's index in the workflow.
    pub index: usize,
    /// The transform's name or the action's alias (None for an unaliased action).
    pub name: Option<String>,
    /// For actions: connector and op.
    pub op: Option<(String, String)>,
    /// Where the step starts.
    pub span: Span,
    /// The Rust variable holding its output in the run function (and the step fn parameter).
    pub var: Ident,
    /// Its output's static type.
    pub ty: Ty,
    /// How its output is held.
    pub repr: Repr,
}

/// How an expression site reads the environment, the payload and the clock.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Site {
    /// Inside a step function: everything through `scope`.
    Step,
    /// The trigger's configuration: only `env` (a `&Env` named `env`).
    TriggerConfig,
    /// The trigger's `key`: only the payload (a `&Value` named `payload`).
    Key,
}

/// The context of one expression site.
pub struct Cx<'a> {
    /// Index of the file.
    pub file: usize,
    /// The file.
    pub source: &'a SourceFile,
    /// Where diagnostics go.
    pub diags: &'a mut Vec<Diagnostic>,
    /// Which site this is.
    pub site: Site,
    /// Local names, innermost last.
    pub locals: Vec<Local>,
    /// The trigger's payload type and its aliases.
    pub payload_ty: Ty,
    /// The names under which `trigger.<alias>` reaches the payload.
    pub aliases: &'static [&'static str],
    /// Every step of the workflow (for references and their errors).
    pub steps: &'a [StepRef],
    /// The index of the step being compiled (references must point before it).
    pub current_step: usize,
    /// Whether a step of the workflow could not be parsed: a step name that is not found may
    /// be one it defined, so it is not reported.
    pub skipped_steps: bool,
    /// `input`'s type and representation, inside a transform.
    pub input: Option<(Ty, Repr)>,
    /// `item`'s type, inside a forEach entry.
    pub item: Option<Ty>,
    /// The steps this site reads (they become parameters of its step function).
    pub used_steps: BTreeSet<usize>,
    /// The environment variables this site reads.
    pub env_vars: &'a mut BTreeSet<String>,
    /// Counter for unique Rust names.
    pub counter: usize,
    /// Labels of the optional chains being compiled.
    pub chain_labels: Vec<syn::Lifetime>,
    /// Depth of arrow functions around the expression.
    pub closure_depth: usize,
    /// Whether the generated code reads `scope` (the step function's first parameter).
    pub uses_scope: bool,
}

impl Cx<'_> {
    /// Records an error or warning.
    pub fn report(&mut self, d: Diagnostic) {
        self.diags.push(d);
    }

    /// An error at a span of this file.
    pub fn error(
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

    /// A fresh Rust identifier with a readable stem.
    pub fn fresh(&mut self, stem: &str) -> Ident {
        self.counter += 1;
        format_ident!("{}_{}", stem, self.counter)
    }

    /// The innermost local with this name.
    pub fn local(&self, name: &str) -> Option<&Local> {
        self.locals.iter().rev().find(|l| l.name == name)
    }

    /// The 1-based line and column of a span's start, as tokens for `e.at(line, column)`.
    pub fn at(&self, span: Span) -> TokenStream {
        let (line, column) = self.source.line_col(span.start as usize);
        let line = proc_macro2::Literal::u32_unsuffixed(line as u32);
        let column = proc_macro2::Literal::u32_unsuffixed(column as u32);
        if self.closure_depth > 0 || self.site != Site::Step {
            return q!(.map_err(|e| e.at(#line, #column))?);
        }
        q!(.map_err(at(#line, #column))?)
    }

    /// The position of a span as a `Location` value.
    pub fn location(&self, span: Span) -> TokenStream {
        let (line, column) = self.source.line_col(span.start as usize);
        let line = proc_macro2::Literal::u32_unsuffixed(line as u32);
        let column = proc_macro2::Literal::u32_unsuffixed(column as u32);
        q!(loc(#line, #column))
    }
}

/// Makes a JavaScript name into a Rust identifier stem (`minStock` → `min_stock`).
pub fn snake(name: &str) -> String {
    let mut out = String::new();
    for (i, c) in name.chars().enumerate() {
        if c.is_ascii_uppercase() {
            if i > 0 && !out.ends_with('_') {
                out.push('_');
            }
            out.push(c.to_ascii_lowercase());
        } else if c.is_ascii_alphanumeric() {
            out.push(c);
        } else if !out.ends_with('_') {
            out.push('_');
        }
    }
    let out = out.trim_matches('_').to_string();
    if out.is_empty() || out.starts_with(|c: char| c.is_ascii_digit()) {
        format!("v_{out}")
    } else {
        out
    }
}

/// Whether a JavaScript key can be a Rust field name after [`snake`] (letters, digits, `_`, `$`
/// not allowed; must not be a Rust keyword).
pub fn is_rust_field(key: &str) -> bool {
    let snake_key = snake(key);
    key.chars().all(|c| c.is_ascii_alphanumeric() || c == '_')
        && !key.starts_with(|c: char| c.is_ascii_digit())
        && !key.is_empty()
        && syn::parse_str::<Ident>(&snake_key).is_ok()
}
