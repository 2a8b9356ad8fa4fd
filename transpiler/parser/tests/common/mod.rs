//! Test helpers: a compact S-expression dump of the syntax tree (every node with its span)
//! and a one-line-per-error dump of syntax errors.
#![allow(dead_code)]

use handled_parser::*;

fn sp(s: Span) -> String {
    format!("@{}..{}", s.start, s.end)
}

fn id(i: &Ident) -> String {
    format!("{}{}", i.name, sp(i.span))
}

/// The whole file, one field per line.
pub fn dump_file(f: &File) -> String {
    let mut out = format!("(file{}\n", sp(f.span));
    for w in &f.workflows {
        out += &format!("  (workflow {}{}\n", id(&w.name), sp(w.span));
        match &w.trigger {
            Some(t) => {
                out += &format!(
                    "    (trigger {} {}{}\n",
                    id(&t.connector),
                    id(&t.event),
                    sp(t.span)
                );
                dump_block(&mut out, &t.block, 6);
                out += "    )\n";
            }
            None => out += "    (no trigger)\n",
        }
        for s in &w.skipped_steps {
            out += &format!("    (skipped step{})\n", sp(*s));
        }
        for s in &w.steps {
            match s {
                Step::Transform(t) => {
                    out += &format!("    (transform {}{}\n", id(&t.name), sp(t.span));
                    dump_block(&mut out, &t.block, 6);
                }
                Step::Action(a) => {
                    let alias = a
                        .alias
                        .as_ref()
                        .map(|a| format!(" as {}", id(a)))
                        .unwrap_or_default();
                    out += &format!(
                        "    (action {} {}{alias}{}\n",
                        id(&a.connector),
                        id(&a.op),
                        sp(a.span)
                    );
                    dump_block(&mut out, &a.block, 6);
                }
                Step::ForEach(f) => {
                    out += &format!(
                        "    (forEach{}\n      (list {})\n",
                        sp(f.span),
                        expr(&f.list)
                    );
                    for b in &f.actions {
                        dump_block(&mut out, b, 6);
                    }
                }
            }
            out += "    )\n";
        }
        out += "  )\n";
    }
    out += ")\n";
    out
}

fn dump_block(out: &mut String, b: &Block, indent: usize) {
    let pad = " ".repeat(indent);
    *out += &format!("{pad}(block{}\n", sp(b.span));
    for f in &b.fields {
        *out += &format!(
            "{pad}  (field {}{} {})\n",
            id(&f.name),
            sp(f.span),
            expr(&f.value)
        );
    }
    *out += &format!("{pad})\n");
}

fn elems(v: &[ArrayElem]) -> String {
    v.iter()
        .map(|e| match e {
            ArrayElem::Expr(e) => format!(" {}", expr(e)),
            ArrayElem::Spread(e, s) => format!(" (...{} {})", sp(*s), expr(e)),
        })
        .collect()
}

fn stmts(v: &[Stmt]) -> String {
    v.iter().map(|s| format!(" {}", stmt(s))).collect()
}

/// One statement.
pub fn stmt(s: &Stmt) -> String {
    match s {
        Stmt::Const { name, init, span } => {
            format!("(const{} {} {})", sp(*span), id(name), expr(init))
        }
        Stmt::Let { name, init, span } => format!(
            "(let{} {}{})",
            sp(*span),
            id(name),
            init.as_ref()
                .map(|e| format!(" {}", expr(e)))
                .unwrap_or_default()
        ),
        Stmt::Assign { name, value, span } => {
            format!("(assign{} {} {})", sp(*span), id(name), expr(value))
        }
        Stmt::If {
            test,
            then,
            otherwise,
            span,
        } => format!(
            "(if{} {} (then{}){})",
            sp(*span),
            expr(test),
            stmts(then),
            otherwise
                .as_ref()
                .map(|o| format!(" (else{})", stmts(o)))
                .unwrap_or_default()
        ),
        Stmt::Return { value, span } => format!(
            "(return{}{})",
            sp(*span),
            value
                .as_ref()
                .map(|e| format!(" {}", expr(e)))
                .unwrap_or_default()
        ),
        Stmt::Expr(e) => format!("(expr {})", expr(e)),
    }
}

/// One expression as an S-expression; every node is followed by `@start..end`.
pub fn expr(e: &Expr) -> String {
    let s = sp(e.span);
    match &e.kind {
        ExprKind::Number(n) => format!("{n}{s}"),
        ExprKind::String(v) => format!("{v:?}{s}"),
        ExprKind::Template { quasis, exprs } => {
            let mut out = format!("(tpl{s}");
            for (i, q) in quasis.iter().enumerate() {
                out += &format!(" {q:?}");
                if let Some(e) = exprs.get(i) {
                    out += &format!(" {}", expr(e));
                }
            }
            out + ")"
        }
        ExprKind::Bool(b) => format!("{b}{s}"),
        ExprKind::Null => format!("null{s}"),
        ExprKind::Undefined => format!("undefined{s}"),
        ExprKind::Ident(n) => format!("{n}{s}"),
        ExprKind::Array(v) => format!("(array{s}{})", elems(v)),
        ExprKind::Object(props) => {
            let mut out = format!("(object{s}");
            for p in props {
                out += &match p {
                    Prop::KeyValue { key, value } => {
                        let k = match key {
                            PropKey::Ident(i) => id(i),
                            PropKey::String(v, ks) => format!("{v:?}{}", sp(*ks)),
                            PropKey::Number(n, ks) => format!("{n}{}", sp(*ks)),
                            PropKey::Computed(e) => format!("[{}]", expr(e)),
                        };
                        format!(" ({k} {})", expr(value))
                    }
                    Prop::Shorthand(i) => format!(" (short {})", id(i)),
                    Prop::Spread(e, ds) => format!(" (...{} {})", sp(*ds), expr(e)),
                };
            }
            out + ")"
        }
        ExprKind::Member {
            object,
            property,
            optional,
        } => {
            let op = if *optional { "?." } else { "." };
            format!("({op}{s} {} {})", expr(object), id(property))
        }
        ExprKind::Index {
            object,
            index,
            optional,
        } => {
            let op = if *optional { "?.[]" } else { "[]" };
            format!("({op}{s} {} {})", expr(object), expr(index))
        }
        ExprKind::Call {
            callee,
            args,
            optional,
        } => {
            let op = if *optional { "?.call" } else { "call" };
            format!("({op}{s} {}{})", expr(callee), elems(args))
        }
        ExprKind::New { callee, args } => format!("(new{s} {}{})", expr(callee), elems(args)),
        ExprKind::Unary { op, expr: inner } => {
            let o = match op {
                UnaryOp::Not => "!",
                UnaryOp::Neg => "neg",
                UnaryOp::Plus => "pos",
                UnaryOp::Typeof => "typeof",
            };
            format!("({o}{s} {})", expr(inner))
        }
        ExprKind::Binary { op, left, right } => {
            format!("({}{s} {} {})", op.as_str(), expr(left), expr(right))
        }
        ExprKind::Logical { op, left, right } => {
            format!("({}{s} {} {})", op.as_str(), expr(left), expr(right))
        }
        ExprKind::Conditional {
            test,
            consequent,
            alternate,
        } => {
            format!(
                "(?:{s} {} {} {})",
                expr(test),
                expr(consequent),
                expr(alternate)
            )
        }
        ExprKind::Arrow { params, body } => {
            let ps: Vec<String> = params.iter().map(id).collect();
            let b = match body {
                ArrowBody::Expr(e) => expr(e),
                ArrowBody::Block(st, bs) => format!("(body{}{})", sp(*bs), stmts(st)),
            };
            format!("(=>{s} ({}) {b})", ps.join(" "))
        }
    }
}

/// One line per error: `start..end kind: message [expected…] help`.
pub fn dump_errors(errors: &[SyntaxError]) -> String {
    let mut out = String::new();
    for e in errors {
        out += &format!(
            "{}..{} {:?}: {}",
            e.span.start, e.span.end, e.kind, e.message
        );
        if !e.expected.is_empty() {
            out += &format!(" [{}]", e.expected.join(", "));
        }
        if let Some(h) = &e.help {
            out += &format!(" help: {h}");
        }
        out += "\n";
    }
    out
}
