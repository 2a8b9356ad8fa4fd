//! Compiles every expression of `data/cases.json` with hs2rs's code generator into Rust
//! functions (`$OUT_DIR/cases.rs`), and records the expressions it refuses with their codes.

use std::collections::BTreeMap;
use std::fmt::Write;

fn main() {
    println!("cargo:rerun-if-changed=data/cases.json");
    println!("cargo:rerun-if-changed=build.rs");
    let out_dir = std::env::var("OUT_DIR").unwrap_or_else(|_| ".".into());
    let text = std::fs::read_to_string("data/cases.json")
        .unwrap_or_else(|e| panic!("data/cases.json: {e}"));
    let cases: Vec<serde_json::Value> =
        serde_json::from_str(&text).unwrap_or_else(|e| panic!("data/cases.json: {e}"));
    let mut index: BTreeMap<String, usize> = BTreeMap::new();
    let mut functions = proc_macro2::TokenStream::new();
    let mut table = String::from(
        "/// Per distinct expression: its compiled function, or the codes of its diagnostics.\npub static EXPRESSIONS: &[(&str, Compiled)] = &[\n",
    );
    for case in &cases {
        let Some(expr) = case["expr"].as_str() else {
            continue;
        };
        if index.contains_key(expr) {
            continue;
        }
        let n = index.len();
        index.insert(expr.to_string(), n);
        let name = format!("e{n}");
        match handled_codegen::compile_expression(&name, expr) {
            Ok(tokens) => {
                functions.extend(tokens);
                let _ = writeln!(table, "    ({expr:?}, Compiled::Function({name})),");
            }
            Err(diagnostics) => {
                let codes: Vec<String> = diagnostics
                    .iter()
                    .filter(|d| d.is_error())
                    .map(|d| format!("{:?}", d.code))
                    .collect();
                let message = diagnostics
                    .first()
                    .map_or(String::new(), |d| d.message.clone());
                let _ = writeln!(
                    table,
                    "    ({expr:?}, Compiled::Refused(&[{}], {message:?})),",
                    codes.join(", ")
                );
            }
        }
    }
    table.push_str("];\n");
    let code = format!("{functions}\n\n{table}");
    std::fs::write(format!("{out_dir}/cases.rs"), code)
        .unwrap_or_else(|e| panic!("cannot write cases.rs: {e}"));
}
