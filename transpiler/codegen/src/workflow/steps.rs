//! What every step shares: the names registered up front, the outputs later steps read, the
//! parameters a step function takes and its `StepInfo`.

use super::WorkflowCompiler;
use crate::cx::{StepRef, snake};
use crate::diagnostic::Diagnostic;
use crate::ty::{Repr, Ty};
use handled_parser::{Block, Field, Span, Step};
use proc_macro2::{Ident, TokenStream};
use quote::format_ident;
use std::collections::BTreeSet;

pub(super) struct StepSeed {
    name: Option<String>,
    op: Option<(String, String)>,
    span: Span,
    name_span: Span,
}

impl<'a, 'o> WorkflowCompiler<'a, 'o> {
    /// Registers every step's name up front, so that references to later steps get a precise error.
    pub(super) fn seed_steps(&mut self) {
        let mut seeds: Vec<StepSeed> = Vec::new();
        for step in &self.wf.steps {
            let seed = match step {
                Step::Transform(t) => StepSeed {
                    name: Some(t.name.name.clone()),
                    op: None,
                    span: t.span,
                    name_span: t.name.span,
                },
                Step::Action(a) => StepSeed {
                    name: a.alias.as_ref().map(|i| i.name.clone()),
                    op: Some((a.connector.name.clone(), a.op.name.clone())),
                    span: a.span,
                    name_span: a.alias.as_ref().map_or(a.op.span, |i| i.span),
                },
                Step::ForEach(f) => StepSeed {
                    name: None,
                    op: Some((String::new(), String::new())),
                    span: f.span,
                    name_span: f.span,
                },
            };
            if let Some(name) = &seed.name {
                let dup = seeds.iter().find(|s| {
                    s.name.as_deref() == Some(name.as_str()) && s.op.is_some() == seed.op.is_some()
                });
                if let Some(first) = dup {
                    let first_span = first.name_span;
                    let kind = if seed.op.is_some() {
                        "action alias"
                    } else {
                        "transform"
                    };
                    let d = Diagnostic::error(
                        "E0110",
                        self.file,
                        seed.name_span,
                        format!("the {kind} `{name}` is defined twice in this workflow"),
                    )
                    .note_at(self.file, first_span, "first defined here")
                    .help("rename one of them");
                    self.diags.push(d);
                }
            }
            seeds.push(seed);
        }
        for (index, seed) in seeds.into_iter().enumerate() {
            let stem = match (&seed.name, &seed.op) {
                (Some(n), _) => snake(n),
                (None, Some((c, o))) if !c.is_empty() => format!("{}_{}", c, snake(o)),
                _ => "for_each".to_string(),
            };
            let prefix = if seed.op.is_some() { "a" } else { "t" };
            self.steps.push(StepRef {
                index,
                name: seed.name,
                op: seed.op.filter(|(c, _)| !c.is_empty()),
                span: seed.span,
                var: format_ident!("{}{}_{}", prefix, index, stem),
                ty: Ty::Error,
                repr: Repr::Value,
            });
        }
    }

    /// Which steps' outputs some later step may read (by a conservative text scan of references).
    pub(super) fn referenced_steps(&self) -> BTreeSet<usize> {
        let text = self.source.slice(self.wf.span);
        let mut out = BTreeSet::new();
        for s in &self.steps {
            let needles: Vec<String> = match (&s.name, &s.op) {
                (Some(n), None) => vec![format!("transform.{n}")],
                (Some(n), Some((c, o))) => vec![format!("action.{n}"), format!("action.{c}.{o}")],
                (None, Some((c, o))) => vec![format!("action.{c}.{o}")],
                _ => Vec::new(),
            };
            if needles.iter().any(|n| text.contains(n.as_str())) {
                out.insert(s.index);
            }
        }
        out
    }

    pub(super) fn duplicate_fields(&mut self, block: &Block) {
        let mut seen: Vec<&Field> = Vec::new();
        for f in &block.fields {
            if let Some(first) = seen.iter().find(|s| s.name.name == f.name.name) {
                let d = Diagnostic::error(
                    "E0215",
                    self.file,
                    f.name.span,
                    format!("the field `{}` is given twice", f.name.name),
                )
                .note_at(self.file, first.name.span, "first given here")
                .help("remove one of them");
                self.diags.push(d);
            } else {
                seen.push(f);
            }
        }
    }

    pub(super) fn step_var(&self, index: usize, referenced: &BTreeSet<usize>) -> TokenStream {
        if referenced.contains(&index) {
            let v = &self.steps[index].var;
            q!(#v)
        } else {
            q!(_)
        }
    }

    pub(super) fn step_params(
        &self,
        used: &BTreeSet<usize>,
    ) -> (Vec<TokenStream>, Vec<TokenStream>) {
        let mut params = Vec::new();
        let mut args = Vec::new();
        for &i in used {
            let s = &self.steps[i];
            let var = &s.var;
            let ty = match &s.repr {
                Repr::Struct(def) => {
                    let id = format_ident!("{}", def.name);
                    q!(#id)
                }
                Repr::F64 => q!(f64),
                Repr::Bool => q!(bool),
                Repr::Value => q!(::handled_runtime::Value),
            };
            params.push(q!(#var: &#ty));
            args.push(q!(&#var));
        }
        (params, args)
    }

    pub(super) fn step_info(
        &self,
        name: &str,
        kind: TokenStream,
        op: &str,
        item_ops: &[String],
        calls: &[TokenStream],
        span: Span,
    ) -> TokenStream {
        let loc = self.location(span);
        q!(::handled_runtime::StepInfo { name: #name, kind: ::handled_runtime::StepKind::#kind, op: #op, item_ops: &[#(#item_ops),*], location: #loc, calls: &[#(#calls),*] })
    }
}

/// The closure a `RunContext` method gets for a step function: the function itself when it
/// takes only the scope.
pub(super) fn step_closure(fn_name: &Ident, args: &[TokenStream]) -> TokenStream {
    if args.is_empty() {
        q!(#fn_name)
    } else {
        q!(|scope| #fn_name(scope, #(#args),*))
    }
}
