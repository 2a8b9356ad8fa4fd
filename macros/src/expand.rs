//! The expansion of `workflow!`, written over `proc_macro2` tokens so that unit tests can call
//! it outside the compiler: reads the arguments, loads the `.hs` files, runs
//! `handled_codegen::compile`, and turns its diagnostics into `compile_error!` (errors) and
//! deprecation warnings (warnings), and its code into items spanned at the caller's literals.

use crate::position;
use handled_codegen::{Diagnostic, Options, SourceFile};
use proc_macro2::{Delimiter, Group, Ident, Literal, Span, TokenStream, TokenTree};
use quote::{quote, quote_spanned};
use std::cell::RefCell;
use std::collections::BTreeSet;
use std::path::{Component, Path, PathBuf};

/// What the compiler knows about the place `workflow!` is called from. The proc-macro entry
/// fills it from `proc_macro::Span`; tests build it by hand.
#[derive(Clone, Debug, Default)]
pub struct CallSite {
    /// The calling Rust file as rustc names it in its own messages (`src/main.rs`, relative to
    /// the working directory of the build), when known.
    pub file: Option<String>,
    /// The calling Rust file on disk, when it is a real file.
    pub local_file: Option<PathBuf>,
    /// Where relative paths resolve when the calling file is not known: the calling crate's
    /// `CARGO_MANIFEST_DIR`.
    pub fallback_dir: PathBuf,
    /// For each literal of the input, in order (the top-level tokens, looking through
    /// invisible groups), its 1-based line and column in the calling file, when the compiler
    /// tells.
    pub literal_positions: Vec<Option<(usize, usize)>>,
}

/// One `path = "…"` or `source = "…"` argument.
struct Input {
    /// `path` or `source`.
    kind: Kind,
    /// The literal as written.
    literal: Literal,
    /// The literal's index among the input's literals.
    index: usize,
    /// Its string value.
    value: String,
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Kind {
    Path,
    Source,
}

/// The parsed arguments.
struct Args {
    inputs: Vec<Input>,
    module: Option<Ident>,
}

/// A `compile_error!` at a span.
fn error(span: Span, message: &str) -> TokenStream {
    quote_spanned!(span=> ::core::compile_error! { #message })
}

/// Reads the arguments: `path = "…"` and `source = "…"` (any number, at least one) and
/// `module = name`, separated by commas.
fn parse_args(input: TokenStream) -> Result<Args, TokenStream> {
    const USAGE: &str =
        "expected `path = \"file.hs\"`, `source = r#\"workflow … { … }\"#` or `module = name`";
    let mut tokens = flatten(input).into_iter().peekable();
    let mut args = Args {
        inputs: Vec::new(),
        module: None,
    };
    let mut literal_index = 0;
    while let Some(tree) = tokens.next() {
        let TokenTree::Ident(key) = tree else {
            return Err(error(tree.span(), &format!("workflow!: {USAGE}")));
        };
        let key_name = key.to_string();
        match tokens.next() {
            Some(TokenTree::Punct(p)) if p.as_char() == '=' => {}
            Some(other) => {
                return Err(error(
                    other.span(),
                    &format!("workflow!: expected `=` after `{key_name}`"),
                ));
            }
            None => {
                return Err(error(
                    key.span(),
                    &format!("workflow!: expected `=` and a value after `{key_name}`"),
                ));
            }
        }
        let value = tokens.next();
        match (key_name.as_str(), value) {
            ("path" | "source", Some(TokenTree::Literal(literal))) => {
                let kind = if key_name == "path" {
                    Kind::Path
                } else {
                    Kind::Source
                };
                let index = literal_index;
                literal_index += 1;
                let Some(value) = string_value(&literal) else {
                    return Err(error(
                        literal.span(),
                        &format!("workflow!: `{key_name}` needs a string literal"),
                    ));
                };
                args.inputs.push(Input {
                    kind,
                    literal,
                    index,
                    value,
                });
            }
            ("module", Some(TokenTree::Ident(name))) => {
                if args.module.is_some() {
                    return Err(error(name.span(), "workflow!: `module` is given twice"));
                }
                args.module = Some(name);
            }
            ("path" | "source" | "module", Some(other)) => {
                let what = if key_name == "module" {
                    "a module name"
                } else {
                    "a string literal"
                };
                return Err(error(
                    other.span(),
                    &format!("workflow!: `{key_name}` needs {what}"),
                ));
            }
            (_, None) => {
                return Err(error(
                    key.span(),
                    &format!("workflow!: `{key_name}` needs a value"),
                ));
            }
            (_, Some(_)) => {
                return Err(error(
                    key.span(),
                    &format!("workflow!: unknown argument `{key_name}`: {USAGE}"),
                ));
            }
        }
        match tokens.next() {
            None => {}
            Some(TokenTree::Punct(p)) if p.as_char() == ',' => {}
            Some(other) => {
                return Err(error(
                    other.span(),
                    "workflow!: expected `,` between arguments",
                ));
            }
        }
    }
    if args.inputs.is_empty() {
        return Err(error(
            Span::call_site(),
            &format!("workflow!: no program given: {USAGE}"),
        ));
    }
    Ok(args)
}

/// The top-level tokens, looking through invisible groups.
fn flatten(input: TokenStream) -> Vec<TokenTree> {
    let mut out = Vec::new();
    for tree in input {
        match tree {
            TokenTree::Group(g) if g.delimiter() == Delimiter::None => {
                out.extend(flatten(g.stream()))
            }
            other => out.push(other),
        }
    }
    out
}

/// The value of a string literal (plain or raw), or `None` for any other literal.
fn string_value(literal: &Literal) -> Option<String> {
    match syn::Lit::new(literal.clone()) {
        syn::Lit::Str(s) if s.suffix().is_empty() => Some(s.value()),
        _ => None,
    }
}

/// `a/b/../c` → `a/c`, without touching the file system.
fn normalize(path: &Path) -> PathBuf {
    let mut out = PathBuf::new();
    for component in path.components() {
        match component {
            Component::CurDir => {}
            Component::ParentDir => {
                let last_is_name =
                    matches!(out.components().next_back(), Some(Component::Normal(_)));
                if last_is_name {
                    out.pop();
                } else {
                    out.push("..");
                }
            }
            other => out.push(other.as_os_str()),
        }
    }
    out
}

/// One program file as compiled, with what is needed to report on it.
struct Loaded {
    /// What codegen sees (for inline sources: the text padded to its position in the Rust file).
    source: SourceFile,
    /// The argument it came from.
    input: Input,
    /// The directory its `templates/` are looked for in.
    dir: PathBuf,
    /// The file on disk, for `path` arguments.
    disk: Option<PathBuf>,
    /// For inline sources: where the literal's value starts in `source.text`, and how to show it.
    inline: Option<position::Inline>,
}

/// Expands `workflow!(…)`: the generated items, or `compile_error!`s.
pub fn expand(input: TokenStream, site: &CallSite) -> TokenStream {
    match expand_inner(input, site) {
        Ok(tokens) | Err(tokens) => tokens,
    }
}

fn expand_inner(input: TokenStream, site: &CallSite) -> Result<TokenStream, TokenStream> {
    let args = parse_args(input)?;
    let base_dir = site
        .local_file
        .as_ref()
        .and_then(|f| f.parent().map(Path::to_path_buf))
        .unwrap_or_else(|| site.fallback_dir.clone());
    let mut loaded = Vec::new();
    for input in args.inputs {
        loaded.push(load(input, site, &base_dir)?);
    }
    let files: Vec<SourceFile> = loaded.iter().map(|l| l.source.clone()).collect();

    let used_templates: RefCell<BTreeSet<PathBuf>> = RefCell::new(BTreeSet::new());
    let load_template = |file: &str, name: &str| -> (Option<String>, Option<String>) {
        if name.contains('/') || name.contains('\\') || name.starts_with('.') {
            return (None, None);
        }
        let Some(dir) = loaded
            .iter()
            .find(|l| l.source.name == file)
            .map(|l| &l.dir)
        else {
            return (None, None);
        };
        let dir = dir.join("templates");
        let read = |ext: &str| {
            let path = dir.join(format!("{name}.{ext}"));
            let text = std::fs::read_to_string(&path).ok()?;
            used_templates.borrow_mut().insert(path);
            Some(text)
        };
        (read("txt"), read("html"))
    };
    let options = Options {
        templates: Some(&load_template),
    };
    let output = handled_codegen::compile(&files, &options);

    let mut out = TokenStream::new();
    for l in &loaded {
        if let Some(disk) = &l.disk {
            out.extend(track(disk, l.input.literal.span()));
        }
    }
    for path in used_templates.borrow().iter() {
        let span = loaded
            .first()
            .map_or_else(Span::call_site, |l| l.input.literal.span());
        out.extend(track(path, span));
    }
    let mut failed = false;
    for d in &output.diagnostics {
        let (text, span) = report(d, &loaded);
        if d.is_error() {
            failed = true;
            out.extend(error(span, text.trim_end()));
        } else {
            out.extend(warning(span, &text));
        }
    }
    if failed {
        // Beside the errors, the items the program would define, so that the code naming them
        // sees these errors alone rather than a cascade of unresolved names.
        if let Some(skeleton) = output.skeleton {
            let items = respan_items(skeleton, &loaded);
            out.extend(wrap(args.module.as_ref(), None, items));
        }
        return Err(out);
    }
    let Some(tokens) = output.tokens else {
        return Err(error(
            loaded
                .first()
                .map_or_else(Span::call_site, |l| l.input.literal.span()),
            "workflow!: handled-codegen produced no code and no error; this is a bug in handled",
        ));
    };
    let (header, items) = split_inner_doc(tokens);
    let items = respan_items(items, &loaded);
    out.extend(wrap(args.module.as_ref(), header, items));
    Ok(out)
}

/// The items, inside `pub mod name { … }` (with the header as its doc) when `module = name`
/// is given.
fn wrap(module: Option<&Ident>, header: Option<TokenStream>, items: TokenStream) -> TokenStream {
    match module {
        Some(name) => {
            let doc = header.map(|h| quote!(#![doc = #h]));
            quote! {
                pub mod #name {
                    #doc
                    #items
                }
            }
        }
        None => items,
    }
}

/// Reads one argument's program text.
fn load(input: Input, site: &CallSite, base_dir: &Path) -> Result<Loaded, TokenStream> {
    match input.kind {
        Kind::Path => {
            let on_disk = base_dir.join(&input.value);
            let text = std::fs::read_to_string(&on_disk).map_err(|e| {
                error(
                    input.literal.span(),
                    &format!(
                        "workflow!: cannot read `{}` (looked for {}): {e}",
                        input.value,
                        on_disk.display()
                    ),
                )
            })?;
            let disk = std::fs::canonicalize(&on_disk).unwrap_or_else(|_| on_disk.clone());
            let name = match &site.file {
                Some(file) => normalize(
                    &Path::new(file)
                        .parent()
                        .unwrap_or(Path::new(""))
                        .join(&input.value),
                ),
                None => normalize(Path::new(&input.value)),
            };
            let dir = disk
                .parent()
                .map_or_else(|| base_dir.to_path_buf(), Path::to_path_buf);
            Ok(Loaded {
                source: SourceFile::new(name.display().to_string().replace('\\', "/"), text),
                input,
                dir,
                disk: Some(disk),
                inline: None,
            })
        }
        Kind::Source => {
            let name = site
                .file
                .clone()
                .unwrap_or_else(|| "<workflow! source>".to_string());
            let position = site.literal_positions.get(input.index).copied().flatten();
            let inline = position::Inline::new(&input.literal, &input.value, position, site);
            let text = format!("{}{}", inline.padding(), input.value);
            Ok(Loaded {
                source: SourceFile::new(name, text),
                dir: base_dir.to_path_buf(),
                disk: None,
                inline: Some(inline),
                input,
            })
        }
    }
}

/// `const _: &[u8] = include_bytes!("…");`: makes cargo rebuild the crate when the file changes.
fn track(path: &Path, span: Span) -> TokenStream {
    let path = path.display().to_string();
    quote_spanned!(span=> const _: &[u8] = ::core::include_bytes!(#path);)
}

/// The rendered text of a diagnostic and the span to attach it to.
fn report(d: &Diagnostic, loaded: &[Loaded]) -> (String, Span) {
    let files: Vec<SourceFile> = loaded.iter().map(|l| l.source.clone()).collect();
    let Some(file) = loaded.get(d.primary.file) else {
        let span = loaded
            .first()
            .map_or_else(Span::call_site, |l| l.input.literal.span());
        return (d.render(&files), span);
    };
    let span = file.input.literal.span();
    match &file.inline {
        None => (d.render(&files), span),
        Some(inline) => {
            let text =
                position::render_inline(d, loaded.iter().map(|l| (&l.source, l.inline.as_ref())));
            let span = inline
                .subspan(
                    &file.input.literal,
                    d.primary.span.start as usize,
                    d.primary.span.end as usize,
                )
                .unwrap_or(span);
            (text, span)
        }
    }
}

/// A warning the compiler shows: the use of a deprecated item whose note is the diagnostic.
fn warning(span: Span, text: &str) -> TokenStream {
    let note = format!("\n{}", text.trim_end());
    quote_spanned! {span=>
        const _: () = {
            #[deprecated(note = #note)]
            struct HandledScriptWarning;
            let _ = HandledScriptWarning;
        };
    }
}

/// Separates the generated file's `#![doc = "…"]` header from its items.
fn split_inner_doc(tokens: TokenStream) -> (Option<TokenStream>, TokenStream) {
    let trees: Vec<TokenTree> = tokens.into_iter().collect();
    if let [
        TokenTree::Punct(hash),
        TokenTree::Punct(bang),
        TokenTree::Group(body),
        ..,
    ] = trees.as_slice()
        && hash.as_char() == '#'
        && bang.as_char() == '!'
        && body.delimiter() == Delimiter::Bracket
    {
        let inner: Vec<TokenTree> = body.stream().into_iter().collect();
        if let [TokenTree::Ident(doc), TokenTree::Punct(eq), value] = inner.as_slice()
            && doc == "doc"
            && eq.as_char() == '='
        {
            let value = value.clone();
            return (
                Some(TokenStream::from(value)),
                trees.into_iter().skip(3).collect(),
            );
        }
    }
    (None, trees.into_iter().collect())
}

/// Gives every generated token the span of the literal its code comes from, so that an error
/// rustc finds in generated code points at the `workflow!` call's `path` or `source`: each
/// workflow module takes the literal of the file its `FILE` constant names; the rest takes
/// the first literal.
fn respan_items(items: TokenStream, loaded: &[Loaded]) -> TokenStream {
    let Some(first) = loaded.first() else {
        return items;
    };
    let default = first.input.literal.span();
    let trees: Vec<TokenTree> = items.into_iter().collect();
    let mut out = Vec::with_capacity(trees.len());
    let mut pending: Vec<TokenTree> = Vec::new();
    for tree in trees {
        let is_body = matches!(&tree, TokenTree::Group(g) if g.delimiter() == Delimiter::Brace);
        pending.push(tree);
        if is_body {
            let span = pending
                .iter()
                .find_map(|t| match t {
                    TokenTree::Group(g) => module_file(&g.stream()),
                    _ => None,
                })
                .and_then(|name| loaded.iter().find(|l| l.source.name == name))
                .map_or(default, |l| l.input.literal.span());
            out.extend(pending.drain(..).map(|t| respan(t, span)));
        }
    }
    out.extend(pending.into_iter().map(|t| respan(t, default)));
    out.into_iter().collect()
}

/// The string of `const FILE: &str = "…";` at the top level of a module body.
fn module_file(body: &TokenStream) -> Option<String> {
    let trees: Vec<TokenTree> = body.clone().into_iter().collect();
    trees.windows(7).find_map(|w| match w {
        [
            TokenTree::Ident(c),
            TokenTree::Ident(file),
            TokenTree::Punct(_),
            TokenTree::Punct(_),
            TokenTree::Ident(s),
            TokenTree::Punct(_),
            TokenTree::Literal(lit),
        ] if c == "const" && file == "FILE" && s == "str" => string_value(lit),
        _ => None,
    })
}

fn respan(tree: TokenTree, span: Span) -> TokenTree {
    match tree {
        TokenTree::Group(g) => {
            let stream = g.stream().into_iter().map(|t| respan(t, span)).collect();
            let mut group = Group::new(g.delimiter(), stream);
            group.set_span(span);
            TokenTree::Group(group)
        }
        mut other => {
            other.set_span(span);
            other
        }
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used)]

    use super::*;

    fn workspace() -> PathBuf {
        Path::new(env!("CARGO_MANIFEST_DIR")).join("..")
    }

    fn site_in_examples() -> CallSite {
        CallSite {
            file: Some("examples/demo.rs".to_string()),
            local_file: Some(workspace().join("examples/demo.rs")),
            fallback_dir: workspace().join("macros"),
            literal_positions: Vec::new(),
        }
    }

    fn format(tokens: TokenStream) -> String {
        let file: syn::File = syn::parse2(tokens).expect("the expansion parses as a file");
        prettyplease::unparse(&file)
    }

    /// What hs2rs prints for a program, with its `//!` header line removed: the expansion
    /// carries that text as the module's doc only when `module = …` is given.
    fn hs2rs(name: &str, text: &str) -> String {
        let load = |file: &str, template: &str| {
            let dir = workspace().join(file).parent().unwrap().join("templates");
            let read =
                |ext: &str| std::fs::read_to_string(dir.join(format!("{template}.{ext}"))).ok();
            (read("txt"), read("html"))
        };
        let out = handled_codegen::compile(
            &[SourceFile::new(name, text)],
            &Options {
                templates: Some(&load),
            },
        );
        let rust = out.rust().expect("the example compiles");
        let (first, rest) = rust.split_once('\n').unwrap();
        assert!(first.starts_with("//! Generated by hs2rs"), "{first}");
        rest.to_string()
    }

    /// Splits an expansion into what the macro adds (`const _` items: file tracking and
    /// warnings) and the rest, each item formatted on its own as `Output::rust` does (items
    /// separated by a blank line).
    fn split_expansion(tokens: TokenStream) -> (Vec<String>, String) {
        let file: syn::File = syn::parse2(tokens).expect("the expansion parses as a file");
        let mut added = Vec::new();
        let mut rest = Vec::new();
        for item in &file.items {
            let mut one = file.clone();
            one.items = vec![item.clone()];
            let text = prettyplease::unparse(&one);
            match item {
                syn::Item::Const(c) if c.ident == "_" => added.push(text),
                _ => rest.push(text),
            }
        }
        (added, rest.join("\n"))
    }

    #[test]
    fn expansion_is_what_hs2rs_emits() {
        for example in [
            "pattern1_bidirectional_shopify_wms",
            "pattern2_multichannel_distribution",
            "pattern3_low_stock_monitoring",
            "pattern4_daily_reconciliation",
            "best_practice_conflict_and_buffer",
        ] {
            let relative = format!("{example}.hs");
            let input = quote!(path = #relative);
            let (added, generated) = split_expansion(expand(input, &site_in_examples()));
            let disk = std::fs::canonicalize(workspace().join("examples").join(&relative)).unwrap();
            let text = std::fs::read_to_string(&disk).unwrap();
            let expected = hs2rs(&format!("examples/{relative}"), &text);
            if generated != expected {
                let diff: Vec<String> = generated
                    .lines()
                    .zip(expected.lines())
                    .enumerate()
                    .filter(|(_, (a, b))| a != b)
                    .take(5)
                    .map(|(i, (a, b))| format!("line {}:\n  macro: {a}\n  hs2rs: {b}", i + 1))
                    .collect();
                panic!(
                    "{example}: the expansion differs from hs2rs\n{}",
                    diff.join("\n")
                );
            }

            let tracked = |path: &Path| {
                let path = std::fs::canonicalize(path).unwrap().display().to_string();
                added
                    .iter()
                    .any(|a| a.contains("include_bytes!") && a.contains(&path))
            };
            assert!(tracked(&disk), "{example}: {added:?}");
            if example == "pattern4_daily_reconciliation" {
                let template =
                    workspace().join("examples/templates/inventory-reconciliation-report.txt");
                assert!(tracked(&template), "{example}: {added:?}");
            }
            let warnings = added.iter().filter(|a| a.contains("#[deprecated")).count();
            let tracking = added
                .iter()
                .filter(|a| a.contains("include_bytes!"))
                .count();
            assert_eq!(warnings + tracking, added.len(), "{example}: {added:?}");
        }
    }

    #[test]
    fn warnings_are_deprecation_notes() {
        let input = quote!(path = "pattern3_low_stock_monitoring.hs");
        let (added, _) = split_expansion(expand(input, &site_in_examples()));
        let warning = added
            .iter()
            .find(|a| a.contains("#[deprecated"))
            .expect("a warning");
        assert!(warning.contains("warning[W0001]"), "{warning}");
        assert!(
            warning.contains("examples/pattern3_low_stock_monitoring.hs:"),
            "{warning}"
        );
    }

    #[test]
    fn module_wraps_and_keeps_the_header() {
        let input = quote!(
            path = "pattern2_multichannel_distribution.hs",
            module = flows
        );
        let expanded = format(expand(input, &site_in_examples()));
        assert!(
            expanded.contains("pub mod flows {\n    //! Generated by hs2rs"),
            "{expanded}"
        );
        assert!(expanded.contains("    pub fn register(app: &mut ::handled_runtime::App)"));
    }

    #[test]
    fn inline_source_with_several_workflows() {
        let source = "workflow A {\ntrigger wms.inventoryChanged { endpoint: \"/a\", events: [\"stock.updated\"] }\n}\nworkflow B {\ntrigger wms.inventoryChanged { endpoint: \"/b\", events: [\"stock.updated\"] }\n}\n";
        let input = quote!(source = #source);
        let expanded = format(expand(input, &site_in_examples()));
        assert!(expanded.contains("pub mod a {"), "{expanded}");
        assert!(expanded.contains("pub mod b {"), "{expanded}");
        assert!(expanded.contains("app.add_workflow(a::workflow());"));
    }

    #[test]
    fn errors_become_compile_errors() {
        let input = quote!(source = "workflow A {\ntrigger shopfy.inventoryChanged {}\n}");
        let expanded = expand(input, &site_in_examples()).to_string();
        assert!(expanded.contains("compile_error"), "{expanded}");
        assert!(expanded.contains("E0101"), "{expanded}");
        assert!(expanded.contains("examples/demo.rs:2:9"), "{expanded}");
    }

    #[test]
    fn errors_come_with_the_programs_names() {
        let source = "workflow A {\ntrigger wms.inventoryChanged { endpoint: \"/a\", events: [\"stock.updated\"] }\ntransform t {\noutput: { n: missing }\n}\n}\nworkflow A {\ntrigger wms.inventoryChanged { endpoint: \"/b\", events: [\"stock.updated\"] }\n}\n";
        let input = quote!(module = flows, source = #source);
        let tokens = expand(input, &site_in_examples());
        let text = tokens.to_string();
        assert!(text.contains("E0104") && text.contains("E0109"), "{text}");
        // Everything but the errors parses as items: `register`, and one module `a` (the
        // duplicate is one of the errors) with its output struct.
        let file: syn::File = syn::parse2(tokens).expect("the expansion parses as a file");
        let syn::Item::Mod(flows) = file.items.last().expect("an item") else {
            panic!("no module `flows`: {text}");
        };
        let items = &flows.content.as_ref().expect("a body").1;
        let names: Vec<String> = items
            .iter()
            .filter_map(|i| match i {
                syn::Item::Fn(f) => Some(f.sig.ident.to_string()),
                syn::Item::Mod(m) => Some(m.ident.to_string()),
                _ => None,
            })
            .collect();
        assert_eq!(names, ["register", "a"], "{text}");
        let skeleton = format(quote!(#flows));
        for item in [
            "pub const NAME: &str = \"A\";",
            "pub static STEPS: [::handled_runtime::StepInfo; 1usize]",
            "pub fn workflow() -> ::handled_runtime::Workflow",
            "pub struct T {",
        ] {
            assert!(skeleton.contains(item), "{item} in {skeleton}");
        }
    }

    #[test]
    fn errors_in_files_name_the_file_line_and_column() {
        let input = quote!(path = "../macros/tests/ui/flows/e0105_unknown_step.hs");
        let expanded = expand(input, &site_in_examples()).to_string();
        assert!(
            expanded.contains("--> macros/tests/ui/flows/e0105_unknown_step.hs:7:16"),
            "{expanded}"
        );
        assert!(
            expanded.contains("7 | sku: transform.allocation.sku"),
            "{expanded}"
        );
        assert!(expanded.contains("^^^^^^^^^^ unknown step"), "{expanded}");
    }

    #[test]
    fn inline_errors_are_shown_in_the_rust_file() {
        let rust_file =
            Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/ui/e0104_unknown_name.rs");
        let text = std::fs::read_to_string(&rust_file).unwrap();
        let start = text.find("r#\"").unwrap();
        let end = text.find("\"#").unwrap() + 2;
        let literal: Literal = text[start..end].parse().unwrap();
        let site = CallSite {
            file: Some("tests/ui/e0104_unknown_name.rs".to_string()),
            local_file: Some(rust_file),
            fallback_dir: PathBuf::from(env!("CARGO_MANIFEST_DIR")),
            literal_positions: vec![Some((3, 36))],
        };
        let expanded = expand(quote!(source = #literal), &site).to_string();
        assert!(
            expanded.contains("--> tests/ui/e0104_unknown_name.rs:10:18"),
            "{expanded}"
        );
        assert!(
            expanded.contains("10 | output: { total: count + 1 }"),
            "{expanded}"
        );

        // Without the file, the program text is padded to the same positions.
        let site = CallSite {
            local_file: None,
            ..site
        };
        let expanded = expand(quote!(source = #literal), &site).to_string();
        assert!(
            expanded.contains("--> tests/ui/e0104_unknown_name.rs:10:18"),
            "{expanded}"
        );
    }

    #[test]
    fn bad_arguments_are_compile_errors() {
        for input in [
            quote!(),
            quote!(paht = "x.hs"),
            quote!(path = 3),
            quote!(path "x.hs"),
            quote!(path = "x.hs" source = "y"),
            quote!(module = "x", path = "a.hs"),
            quote!(path = "no/such/file.hs"),
        ] {
            let expanded = expand(input.clone(), &site_in_examples()).to_string();
            assert!(
                expanded.starts_with(":: core :: compile_error"),
                "{input}: {expanded}"
            );
        }
    }

    #[test]
    fn normalize_removes_dot_dot() {
        assert_eq!(normalize(Path::new("a/b/../c")), PathBuf::from("a/c"));
        assert_eq!(normalize(Path::new("a/../../c")), PathBuf::from("../c"));
        assert_eq!(normalize(Path::new("./a")), PathBuf::from("a"));
    }
}
