//! The HandledScript checker and code generator: checks a program against the language
//! (LANGUAGE.md) and the connector catalog, reports every problem as a [`Diagnostic`], and
//! writes typed Rust that links `handled_runtime` and the connector crates.
//!
//! The checker and the generator are one pass: each expression is type-checked and compiled
//! to Rust tokens together, so what is checked is exactly what is generated. The crate does no
//! I/O except through the template loader the caller passes in.

/// `quote!` when code is being generated; nothing when only checking (`hs2rs check` skips the
/// cost of building token streams it would throw away).
macro_rules! q {
    ($($tokens:tt)*) => {
        if $crate::emitting() { ::quote::quote!($($tokens)*) } else { ::proc_macro2::TokenStream::new() }
    };
}

thread_local! {
    static EMIT: std::cell::Cell<bool> = const { std::cell::Cell::new(true) };
}

fn emitting() -> bool {
    EMIT.with(std::cell::Cell::get)
}

pub mod builtins;
pub mod codes;
mod cx;
pub mod diagnostic;
mod expr;
pub mod source;
mod ty;
mod workflow;

pub use diagnostic::{Diagnostic, Label, Severity};
pub use source::SourceFile;
pub use workflow::check_cron;

use proc_macro2::TokenStream;
use quote::quote;
use std::collections::BTreeSet;

/// Loads an email template beside a program file: `(file, name)` → the `.txt` and `.html`
/// sources found (either may be missing).
pub type TemplateLoader<'a> = &'a dyn Fn(&str, &str) -> (Option<String>, Option<String>);

/// Options for a compilation.
#[derive(Default)]
pub struct Options<'a> {
    /// Loads an email template beside a program file: `(file, name)` → the `.txt` and `.html`
    /// sources found. Without it, templates are not checked.
    pub templates: Option<TemplateLoader<'a>>,
}

/// The result of compiling a program.
pub struct Output {
    /// Every error and warning, in file and source order.
    pub diagnostics: Vec<Diagnostic>,
    /// The generated code, unformatted (absent when there are errors).
    pub tokens: Option<TokenStream>,
    /// When there are errors: the public items the generated code would define (`register`,
    /// and each workflow's module with `NAME`, `Payload`, `exec`, `STEPS`, `workflow()` and the
    /// transforms' output structs), with bodies that type-check but run no step. The
    /// `workflow!` macro emits them beside its `compile_error!`s, so that the code using them
    /// sees the program's errors and not a cascade of unresolved names.
    pub skeleton: Option<TokenStream>,
    /// The connector crates the generated code names (`handled_shopify`, …).
    pub connector_crates: Vec<&'static str>,
    /// The same code in top-level pieces (the registration function, then one module per
    /// workflow), formatted independently and in parallel.
    parts: Vec<TokenStream>,
}

impl Output {
    /// Whether any diagnostic is an error.
    pub fn has_errors(&self) -> bool {
        self.diagnostics.iter().any(Diagnostic::is_error)
    }

    /// The generated code, formatted with prettyplease (absent when there are errors).
    ///
    /// Each top-level piece is formatted on its own (on as many threads as there are cores), and
    /// the pieces are joined by a blank line, so the text does not depend on the machine.
    pub fn rust(&self) -> Option<String> {
        self.tokens.as_ref()?;
        let threads = std::thread::available_parallelism()
            .map_or(1, |n| n.get())
            .min(self.parts.len())
            .max(1);
        let chunk = self.parts.len().div_ceil(threads).max(1);
        // Token streams cannot cross threads; their text can.
        let texts: Vec<String> = self.parts.iter().map(TokenStream::to_string).collect();
        let formatted: Vec<String> = std::thread::scope(|scope| {
            let handles: Vec<_> = texts
                .chunks(chunk)
                .map(|parts| {
                    scope.spawn(move || parts.iter().map(format_part).collect::<Vec<String>>())
                })
                .collect();
            handles
                .into_iter()
                .flat_map(|h| {
                    h.join()
                        .unwrap_or_else(|_| vec!["// formatting failed".to_string()])
                })
                .collect()
        });
        Some(formatted.join("\n"))
    }
}

/// Parses and checks a program without generating code.
pub fn check(files: &[SourceFile], options: &Options<'_>) -> Vec<Diagnostic> {
    let previous = EMIT.with(|e| e.replace(false));
    let diagnostics = compile_inner(files, options).diagnostics;
    EMIT.with(|e| e.set(previous));
    diagnostics
}

/// Parses, checks and compiles a program (one or more files).
pub fn compile(files: &[SourceFile], options: &Options<'_>) -> Output {
    let previous = EMIT.with(|e| e.replace(true));
    let out = compile_inner(files, options);
    EMIT.with(|e| e.set(previous));
    out
}

fn compile_inner(files: &[SourceFile], options: &Options<'_>) -> Output {
    let mut diagnostics = Vec::new();
    let mut modules = Vec::new();
    let mut crates = BTreeSet::new();
    let mut names: Vec<(String, usize, handled_parser::Span)> = Vec::new();
    for (index, file) in files.iter().enumerate() {
        let parsed = handled_parser::parse(&file.text);
        let broken: Vec<handled_parser::Span> = parsed.errors.iter().map(|e| e.span).collect();
        let wf_options = workflow::WorkflowOptions {
            templates: options.templates,
            broken: &broken,
        };
        for err in parsed.errors {
            diagnostics.push(syntax_diagnostic(index, err));
        }
        for wf in &parsed.file.workflows {
            // A workflow whose name is missing has its syntax error; it duplicates nothing.
            let named = !wf.name.name.is_empty();
            if let Some((_, first_file, first_span)) =
                names.iter().find(|(n, _, _)| named && *n == wf.name.name)
            {
                let d = Diagnostic::error(
                    "E0109",
                    index,
                    wf.name.span,
                    format!("the workflow `{}` is defined twice", wf.name.name),
                )
                .note_at(*first_file, *first_span, "first defined here")
                .help("workflow names identify runs and webhook paths: rename one of them");
                diagnostics.push(d);
            }
            names.push((wf.name.name.clone(), index, wf.name.span));
            let compiled = workflow::compile(index, file, wf, &mut diagnostics, &wf_options);
            crates.extend(compiled.connectors.iter().copied());
            modules.push(compiled);
        }
    }
    let has_errors = diagnostics.iter().any(Diagnostic::is_error);
    let parts = if !has_errors && emitting() {
        program_parts(files, &modules, &crates)
    } else {
        Vec::new()
    };
    let tokens = (!has_errors && emitting()).then(|| parts.iter().cloned().collect());
    let skeleton = (has_errors && emitting()).then(|| skeleton(&modules));
    Output {
        diagnostics,
        tokens,
        skeleton,
        connector_crates: crates.into_iter().collect(),
        parts,
    }
}

/// Formats one top-level piece of generated code.
fn format_part(tokens: &String) -> String {
    match syn::parse_str::<syn::File>(tokens) {
        Ok(file) => prettyplease::unparse(&file),
        Err(e) => {
            format!("// hs2rs produced code that does not parse ({e}); this is a bug.\n{tokens}\n")
        }
    }
}

fn syntax_diagnostic(file: usize, err: handled_parser::SyntaxError) -> Diagnostic {
    use handled_parser::SyntaxErrorKind as K;
    let code = match err.kind {
        K::Unexpected => "E0001",
        K::BadLiteral => "E0002",
        K::TooDeep => "E0003",
        K::Unsupported => "E0004",
    };
    let label = if err.expected.is_empty() {
        String::new()
    } else {
        format!("expected {}", err.expected.join(" or "))
    };
    Diagnostic::error(code, file, err.span, err.message)
        .label(label)
        .maybe_help(err.help)
}

/// The skeleton of a program with errors: `register` and each workflow's skeleton module
/// (once per module name: a workflow defined twice is one of the errors).
fn skeleton(modules: &[workflow::CompiledWorkflow]) -> TokenStream {
    let mut seen = BTreeSet::new();
    let modules: Vec<&TokenStream> = modules
        .iter()
        .filter(|m| seen.insert(m.module_name.to_string()))
        .map(|m| &m.skeleton)
        .collect();
    quote! {
        /// Registers every workflow of this program with the app (the program has errors, so
        /// this registers nothing).
        pub fn register(app: &mut ::handled_runtime::App) {
            let _ = app;
        }
        #(#modules)*
    }
}

fn program_parts(
    files: &[SourceFile],
    modules: &[workflow::CompiledWorkflow],
    crates: &BTreeSet<&'static str>,
) -> Vec<TokenStream> {
    let names: Vec<String> = files.iter().map(|f| format!("`{}`", f.name)).collect();
    let header = format!(
        " Generated by hs2rs {} from {}. Do not edit: change the `.hs` source and run hs2rs again.",
        env!("CARGO_PKG_VERSION"),
        names.join(", ")
    );
    let connectors: Vec<TokenStream> = crates
        .iter()
        .map(|c| {
            let id = quote::format_ident!("{}", c);
            quote!(app.add_connector(::#id::connector());)
        })
        .collect();
    let adds: Vec<TokenStream> = modules
        .iter()
        .map(|m| {
            let id = &m.module_name;
            quote!(app.add_workflow(#id::workflow());)
        })
        .collect();
    let first = quote! {
        #![doc = #header]

        /// Registers every workflow of this program, and the connectors they use, with the app.
        pub fn register(app: &mut ::handled_runtime::App) {
            #(#connectors)*
            #(#adds)*
        }
    };
    std::iter::once(first)
        .chain(modules.iter().map(|m| m.module.clone()))
        .collect()
}

/// Compiles one expression, with `input` bound to a JSON value, to a Rust function
/// `fn NAME(input: &Value) -> Result<Value, JsError>`. Used to check expressions against
/// Node.js (the differential tests) and by tools that evaluate single expressions.
pub fn compile_expression(name: &str, source: &str) -> Result<TokenStream, Vec<Diagnostic>> {
    let code = check_expression(source)?;
    let value = code.value();
    let name = quote::format_ident!("{}", name);
    Ok(quote! {
        /// A compiled expression.
        #[allow(clippy::approx_constant, clippy::excessive_precision, clippy::neg_multiply, clippy::nonminimal_bool, clippy::double_parens, clippy::eq_op, clippy::identity_op, clippy::zero_divided_by_zero, clippy::overly_complex_bool_expr, clippy::useless_conversion, clippy::redundant_closure_call, unused_parens, unreachable_code, clippy::let_unit_value, clippy::needless_question_mark, clippy::neg_cmp_op_on_partial_ord, unused_variables)]
        pub fn #name(input: &::handled_runtime::Value) -> ::std::result::Result<::handled_runtime::Value, ::handled_runtime::JsError> {
            let input = input.clone();
            Ok(#value)
        }
    })
}

/// Checks and compiles one expression with `input` bound to a JSON value.
fn check_expression(source: &str) -> Result<expr::Code, Vec<Diagnostic>> {
    let file = SourceFile::new("<expression>", source);
    let expr = match handled_parser::parse_expression(source, 0) {
        Ok(e) => e,
        Err(errors) => {
            return Err(errors
                .into_iter()
                .map(|e| syntax_diagnostic(0, e))
                .collect());
        }
    };
    let mut diags = Vec::new();
    let mut env_vars = BTreeSet::new();
    let mut cx = cx::Cx {
        file: 0,
        source: &file,
        diags: &mut diags,
        site: cx::Site::Key,
        locals: Vec::new(),
        payload_ty: ty::Ty::Json,
        aliases: &[],
        steps: &[],
        current_step: 0,
        skipped_steps: false,
        input: Some((ty::Ty::Json, ty::Repr::Value)),
        item: None,
        used_steps: BTreeSet::new(),
        env_vars: &mut env_vars,
        counter: 0,
        chain_labels: Vec::new(),
        closure_depth: 0,
        uses_scope: false,
    };
    let code = expr::compile(&mut cx, &expr);
    drop(cx);
    if diags.iter().any(Diagnostic::is_error) {
        return Err(diags);
    }
    Ok(code)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The generator types each function call as the table of built-ins says, where the table
    /// alone decides the type.
    #[test]
    fn functions_are_typed_as_the_table_says() {
        for f in builtins::BUILTINS.iter().filter(|b| !b.on.is_method()) {
            let Some(want) = f.result(&ty::Ty::Json) else {
                continue;
            };
            let args = vec!["input"; usize::from(f.arity.0)].join(", ");
            let source = format!("{}({args})", f.full_name());
            let code = check_expression(&source)
                .unwrap_or_else(|d| panic!("{source} is refused: {}", d[0].message));
            assert_eq!(code.ty, want, "{source}");
        }
    }
}
