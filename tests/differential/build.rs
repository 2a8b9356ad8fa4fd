//! Build script of the differential test: compiles every distinct expression of
//! `data/cases.json` with the code generator (`handled_codegen::compile_expression`) and writes
//! `$OUT_DIR/cases.rs`: the compiled functions (split over several `cases_N.rs` modules so that
//! no single module is huge), the table `CASES` (per case: its index and its function, or `None`
//! when the expression was rejected) and the table `REJECTED` (each rejected expression with
//! the codes and messages of its diagnostics).

use std::collections::HashMap;
use std::fmt::Write as _;

/// Functions per generated module.
const PER_MODULE: usize = 250;

fn main() {
    println!("cargo:rerun-if-changed=data/cases.json");
    println!("cargo:rerun-if-changed=build.rs");
    let out_dir = out_dir();
    let text = std::fs::read_to_string("data/cases.json")
        .unwrap_or_else(|e| panic!("data/cases.json: {e}"));
    let cases: Vec<serde_json::Value> =
        serde_json::from_str(&text).unwrap_or_else(|e| panic!("data/cases.json: {e}"));

    // Distinct expressions, in order of first appearance.
    let mut index: HashMap<&str, usize> = HashMap::new();
    let mut distinct: Vec<&str> = Vec::new();
    let mut case_expr: Vec<usize> = Vec::with_capacity(cases.len());
    for (i, case) in cases.iter().enumerate() {
        let expr = case["expr"]
            .as_str()
            .unwrap_or_else(|| panic!("case {i} has no expr"));
        let n = *index.entry(expr).or_insert_with(|| {
            distinct.push(expr);
            distinct.len() - 1
        });
        case_expr.push(n);
    }

    // Compile each; `paths[n]` is the path of expression n's function, if it compiled.
    let mut paths: Vec<Option<String>> = vec![None; distinct.len()];
    let mut modules: Vec<proc_macro2::TokenStream> = Vec::new();
    let mut rejected = String::from(
        "/// Every expression the code generator rejected: its text, and the code and message of each error.\npub static REJECTED: &[Rejected] = &[\n",
    );
    let mut in_module = 0;
    for (n, expr) in distinct.iter().enumerate() {
        let name = format!("e{n}");
        match handled_codegen::compile_expression(&name, expr) {
            Ok(tokens) => {
                if modules.is_empty() || in_module == PER_MODULE {
                    modules.push(proc_macro2::TokenStream::new());
                    in_module = 0;
                }
                in_module += 1;
                paths[n] = Some(format!("m{}::{name}", modules.len() - 1));
                if let Some(m) = modules.last_mut() {
                    m.extend(tokens);
                }
            }
            Err(diagnostics) => {
                let mut diags = String::new();
                for d in diagnostics.iter().filter(|d| d.is_error()) {
                    let _ = write!(diags, "({:?}, {:?}), ", d.code, d.message);
                }
                let _ = writeln!(
                    rejected,
                    "    Rejected {{ expr: {expr:?}, errors: &[{diags}] }},"
                );
            }
        }
    }
    rejected.push_str("];\n");

    let mut top = String::new();
    for (k, tokens) in modules.iter().enumerate() {
        std::fs::write(format!("{out_dir}/cases_{k}.rs"), tokens.to_string())
            .unwrap_or_else(|e| panic!("cannot write cases_{k}.rs: {e}"));
        let _ = writeln!(
            top,
            "/// Compiled expressions, part {k}.\npub mod m{k} {{ include!(concat!(env!(\"OUT_DIR\"), \"/cases_{k}.rs\")); }}"
        );
    }
    top.push_str(
        "/// Per case of `data/cases.json`, in order: its index and its compiled expression (`None`: rejected).\npub static CASES: &[(usize, Option<Expression>)] = &[\n",
    );
    for (i, &n) in case_expr.iter().enumerate() {
        match &paths[n] {
            Some(path) => {
                let _ = writeln!(top, "    ({i}, Some({path})),");
            }
            None => {
                let _ = writeln!(top, "    ({i}, None),");
            }
        }
    }
    top.push_str("];\n");
    top.push_str(&rejected);
    std::fs::write(format!("{out_dir}/cases.rs"), top)
        .unwrap_or_else(|e| panic!("cannot write cases.rs: {e}"));
}

/// Where cargo wants the build script's output.
#[allow(clippy::disallowed_methods)] // a build script learns OUT_DIR from its environment only
fn out_dir() -> String {
    std::env::var("OUT_DIR").unwrap_or_else(|_| ".".into())
}
