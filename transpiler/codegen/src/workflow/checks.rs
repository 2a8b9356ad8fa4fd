//! What can be checked of a parameter at compile time: a literal against its shape (enums,
//! ranges, types) and the email template it names.

use super::WorkflowOptions;
use crate::cx::Cx;
use crate::diagnostic::{Diagnostic, did_you_mean};
use crate::expr::Code;
use crate::ty::Ty;
use handled_catalog::{FieldDef, Shape};
use handled_parser::{Expr, ExprKind};

pub(super) fn check_param_static(
    cx: &mut Cx<'_>,
    shape: &Shape,
    name: &str,
    code: &Code,
    e: &Expr,
) {
    let ty = &code.ty;
    if ty.is_open() {
        return;
    }
    let mismatch =
        |expected: &str| format!("`{name}` needs {expected}, but this is a {}", ty.describe());
    match shape {
        Shape::Integer | Shape::Number => match ty {
            Ty::Num(kind) => {
                if matches!(shape, Shape::Integer) {
                    match kind {
                        crate::ty::NumKind::Frac => {
                            let d = cx.error(
                                "E0204",
                                e.span,
                                format!("`{name}` needs an integer, but this can have a fraction"),
                            );
                            d.primary.message = "can leave a fraction".into();
                            d.help = Some(
                                "wrap it in `Math.floor(…)`, `Math.round(…)` or `Math.trunc(…)`"
                                    .into(),
                            );
                        }
                        crate::ty::NumKind::DynFrac => {
                            let d = Diagnostic::warning("W0003", cx.file, e.span, format!("`{name}` needs an integer, and this can have a fraction at run time"))
                                .help("wrap it in `Math.floor(…)`, `Math.round(…)` or `Math.trunc(…)`");
                            cx.report(d);
                        }
                        _ => {}
                    }
                    if let Some(n) = literal_number(e)
                        && n < 0.0
                    {
                        cx.error(
                            "E0205",
                            e.span,
                            format!("`{name}` is {}, but quantities cannot be negative", n),
                        )
                        .help = Some("use `Math.max(0, …)`".into());
                    }
                }
            }
            Ty::Maybe(inner) if inner.is_num() => {}
            _ => {
                let expected = if matches!(shape, Shape::Integer) {
                    "an integer"
                } else {
                    "a number"
                };
                let d = cx.error("E0203", e.span, mismatch(expected));
                d.help = Some(if *ty == Ty::Str {
                    "convert it explicitly: `Number(…)`".into()
                } else {
                    format!("give {expected}")
                });
            }
        },
        Shape::String | Shape::Enum(_) => {
            if matches!(
                ty,
                Ty::Bool | Ty::Array(_) | Ty::Object(_) | Ty::Null | Ty::Undefined
            ) {
                cx.error("E0203", e.span, mismatch("a string")).help =
                    Some("convert it explicitly: `String(…)`".into());
            }
            if let (Shape::Enum(values), ExprKind::String(s)) = (shape, &e.kind)
                && !values.contains(&s.as_str())
            {
                let help =
                    did_you_mean(s, values.iter().copied()).map(|v| format!("did you mean {v:?}?"));
                let d = cx.error(
                    "E0203",
                    e.span,
                    format!("`{name}` must be one of {}", values.join(", ")),
                );
                d.help = help;
            }
        }
        Shape::Boolean => {
            if !matches!(ty, Ty::Bool) {
                let d = cx.error("E0203", e.span, mismatch("true or false"));
                d.help = Some(if *ty == Ty::Str {
                    "compare it: `x === \"true\"`".into()
                } else {
                    "give a boolean, such as `x > 0`".into()
                });
            }
        }
        Shape::Array(_) => {
            if !matches!(ty, Ty::Array(_)) {
                cx.error("E0203", e.span, mismatch("a list"));
            }
        }
        Shape::Object(_) => {
            if !matches!(ty, Ty::Object(_)) {
                cx.error("E0203", e.span, mismatch("an object"));
            }
        }
        Shape::Json | Shape::Nullable(_) => {}
    }
}

pub(super) fn literal_number(e: &Expr) -> Option<f64> {
    match &e.kind {
        ExprKind::Number(n) => Some(*n),
        ExprKind::Unary {
            op: handled_parser::UnaryOp::Neg,
            expr,
        } => literal_number(expr).map(|n| -n),
        _ => None,
    }
}

pub(super) fn check_shape_static(
    diags: &mut Vec<Diagnostic>,
    file: usize,
    fd: &FieldDef,
    code: &Code,
    e: &Expr,
) {
    if code.ty.is_open() {
        return;
    }
    let bad = match fd.shape {
        Shape::String => !matches!(code.ty, Ty::Str | Ty::Num(_) | Ty::Maybe(_)),
        Shape::Array(_) => !matches!(code.ty, Ty::Array(_)),
        _ => false,
    };
    if bad {
        let d = Diagnostic::error(
            "E0206",
            file,
            e.span,
            format!(
                "the trigger field `{}` needs {}, but this is a {}",
                fd.name,
                shape_name(&fd.shape),
                code.ty.describe()
            ),
        )
        .help(fd.doc.to_string());
        diags.push(d);
    }
}

pub(super) fn shape_name(shape: &Shape) -> &'static str {
    match shape {
        Shape::String | Shape::Enum(_) => "a string",
        Shape::Integer => "an integer",
        Shape::Number => "a number",
        Shape::Boolean => "true or false",
        Shape::Json => "a value",
        Shape::Array(_) => "a list",
        Shape::Object(_) => "an object",
        Shape::Nullable(_) => "a value or null",
    }
}

pub(super) fn check_template(cx: &mut Cx<'_>, value: &Expr, options: &WorkflowOptions<'_>) {
    let ExprKind::String(name) = &value.kind else {
        cx.error(
            "E0212",
            value.span,
            "`template` must be a string literal naming a template beside the program",
        );
        return;
    };
    let Some(load) = options.templates else {
        return;
    };
    let (txt, html) = load(&cx.source.name, name);
    if txt.is_none() && html.is_none() {
        let d = cx.error("E0212", value.span, format!("no template `{name}`: looked for templates/{name}.txt and templates/{name}.html beside the program"));
        d.help = Some(format!(
            "create templates/{name}.txt (minijinja syntax, subject in a `{{% block subject %}}` block)"
        ));
        return;
    }
    for (ext, text) in [("txt", txt), ("html", html)] {
        let Some(text) = text else { continue };
        let mut env = minijinja::Environment::new();
        if let Err(e) = env.add_template_owned(format!("{name}.{ext}"), text) {
            cx.error(
                "E0212",
                value.span,
                format!("templates/{name}.{ext} does not parse: {e}"),
            );
        }
    }
}
