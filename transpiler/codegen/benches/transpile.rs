//! How fast the front end is on a large program: a 10,000-line program made of copies of the
//! example workflows (renamed), checked (`hs2rs check`) and transpiled to formatted Rust
//! (`hs2rs FILE`).
//!
//! Run: `cargo bench -p handled-codegen --bench transpile`.

use handled_codegen::{Options, SourceFile};
use std::time::Instant;

const EXAMPLES: &[&str] = &[
    include_str!("../../../examples/pattern1_bidirectional_shopify_wms.hs"),
    include_str!("../../../examples/pattern2_multichannel_distribution.hs"),
    include_str!("../../../examples/pattern3_low_stock_monitoring.hs"),
    include_str!("../../../examples/best_practice_conflict_and_buffer.hs"),
];

/// Copies of the examples, each workflow renamed so that names stay unique, up to `lines`.
fn program(lines: usize) -> String {
    let mut out = String::new();
    let mut copy = 0;
    while out.lines().count() < lines {
        for example in EXAMPLES {
            let renamed = example
                .lines()
                .map(|l| match l.strip_prefix("workflow ") {
                    Some(rest) => {
                        let name = rest.split_whitespace().next().unwrap_or("W");
                        format!("workflow {name}{copy} {{")
                    }
                    None => l.to_string(),
                })
                .collect::<Vec<_>>()
                .join("\n");
            out.push_str(&renamed);
            out.push('\n');
        }
        copy += 1;
    }
    out
}

fn best_of<T>(rounds: usize, mut f: impl FnMut() -> T) -> (f64, T) {
    let mut best = f64::INFINITY;
    let mut last = None;
    for _ in 0..rounds {
        let start = Instant::now();
        let out = f();
        best = best.min(start.elapsed().as_secs_f64() * 1000.0);
        last = Some(out);
    }
    match last {
        Some(out) => (best, out),
        None => (best, f()),
    }
}

fn main() {
    let text = program(10_000);
    let lines = text.lines().count();
    let files = [SourceFile::new("big.hs", text)];
    let options = Options::default();
    let rounds = 7;
    let (check_ms, diagnostics) = best_of(rounds, || handled_codegen::check(&files, &options));
    let errors = diagnostics.iter().filter(|d| d.is_error()).count();
    assert_eq!(errors, 0, "the benchmark program has errors");
    let (tokens_ms, _) = best_of(rounds, || handled_codegen::compile(&files, &options));
    let (transpile_ms, rust) =
        best_of(rounds, || handled_codegen::compile(&files, &options).rust());
    let rust_lines = rust.map_or(0, |r| r.lines().count());
    println!("program: {lines} lines of HandledScript; best of {rounds} rounds");
    println!("check (parse + check, no code):           {check_ms:>8.1} ms");
    println!("compile (check + generate tokens):        {tokens_ms:>8.1} ms");
    println!(
        "transpile (… + format with prettyplease):  {transpile_ms:>8.1} ms  ({rust_lines} lines of Rust)"
    );
}
