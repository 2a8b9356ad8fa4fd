//! Unary, binary and logical operators, with the native fast path where both operands are
//! known numbers or booleans.

use super::code::Code;
use super::compile;
use crate::cx::Cx;
use crate::ty::{NumKind, Repr, Ty};
use handled_parser::{BinaryOp, Expr, LogicalOp, Span, UnaryOp};

pub(super) fn unary(cx: &mut Cx<'_>, op: UnaryOp, expr: &Expr) -> Code {
    let c = compile(cx, expr);
    match op {
        UnaryOp::Not => {
            let t = c.truthy();
            Code::temp(q!(!(#t)), Ty::Bool, Repr::Bool)
        }
        UnaryOp::Neg => {
            let kind = num_kind(&c.ty);
            let f = c.f64();
            Code::temp(q!((-(#f))), Ty::Num(kind), Repr::F64)
        }
        UnaryOp::Plus => {
            let kind = num_kind(&c.ty);
            Code::temp(c.f64(), Ty::Num(kind), Repr::F64)
        }
        UnaryOp::Typeof => {
            let r = c.value_ref();
            Code::value_of(
                q!(::handled_runtime::Value::from(::handled_runtime::js::type_of(#r))),
                Ty::Str,
            )
        }
    }
}

/// What is known of the number an operand becomes: a declared integer that may be `null`
/// (`null` is 0) is still an integer, and so are booleans and `null`; anything else is only
/// known at run time.
pub(super) fn num_kind(ty: &Ty) -> NumKind {
    match ty {
        Ty::Num(k) => *k,
        Ty::Maybe(inner) if inner.is_num() => num_kind(inner),
        Ty::Bool | Ty::Null => NumKind::Int,
        _ => NumKind::Dyn,
    }
}

pub(super) fn binary(cx: &mut Cx<'_>, op: BinaryOp, left: &Expr, right: &Expr, span: Span) -> Code {
    let l = compile(cx, left);
    let r = compile(cx, right);
    let both_num = matches!(l.repr, Repr::F64) && matches!(r.repr, Repr::F64);
    match op {
        BinaryOp::Add => {
            let numeric = |t: &Ty| matches!(t, Ty::Num(_) | Ty::Bool);
            if both_num
                || (numeric(&l.ty)
                    && numeric(&r.ty)
                    && !matches!(l.repr, Repr::Value)
                    && !matches!(r.repr, Repr::Value))
            {
                let (a, b) = (l.f64(), r.f64());
                let kind = num_kind(&l.ty).join(num_kind(&r.ty));
                return Code::temp(q!((#a + #b)), Ty::Num(kind), Repr::F64);
            }
            let ty = if l.ty == Ty::Str || r.ty == Ty::Str {
                Ty::Str
            } else if l.ty.is_num() && r.ty.is_num() {
                Ty::Num(num_kind(&l.ty).join(num_kind(&r.ty)))
            } else {
                Ty::Json
            };
            let (a, b) = (l.value_ref(), r.value_ref());
            Code::value_of(q!(::handled_runtime::js::add(#a, #b)), ty)
        }
        BinaryOp::Sub | BinaryOp::Mul | BinaryOp::Div | BinaryOp::Rem | BinaryOp::Pow => {
            let (a, b) = (l.f64(), r.f64());
            let (lk, rk) = (num_kind(&l.ty), num_kind(&r.ty));
            let kind = match op {
                BinaryOp::Sub | BinaryOp::Rem => lk.join(rk),
                BinaryOp::Mul => lk.join(rk),
                _ => lk.join(rk).fractional(),
            };
            let ts = match op {
                BinaryOp::Sub => q!((#a - #b)),
                BinaryOp::Mul => q!((#a * #b)),
                BinaryOp::Div => q!((#a / #b)),
                BinaryOp::Rem => q!(::handled_runtime::js::num_rem(#a, #b)),
                _ => q!(::handled_runtime::js::num_pow(#a, #b)),
            };
            Code::temp(ts, Ty::Num(kind), Repr::F64)
        }
        BinaryOp::StrictEq | BinaryOp::StrictNe => {
            let negate = op == BinaryOp::StrictNe;
            let eq = if both_num || (l.repr == Repr::Bool && r.repr == Repr::Bool) {
                let (a, b) = (&l.ts, &r.ts);
                q!(((#a) == (#b)))
            } else {
                let (a, b) = (l.value_ref(), r.value_ref());
                q!(::handled_runtime::js::strict_eq(#a, #b))
            };
            let ts = if negate { q!(!(#eq)) } else { eq };
            Code::temp(ts, Ty::Bool, Repr::Bool)
        }
        BinaryOp::LooseEq | BinaryOp::LooseNe => {
            warn_loose_eq(cx, &l.ty, &r.ty, span, op);
            let negate = op == BinaryOp::LooseNe;
            let eq = if both_num {
                let (a, b) = (&l.ts, &r.ts);
                q!(((#a) == (#b)))
            } else {
                let (a, b) = (l.value_ref(), r.value_ref());
                q!(::handled_runtime::js::loose_eq(#a, #b))
            };
            let ts = if negate { q!(!(#eq)) } else { eq };
            Code::temp(ts, Ty::Bool, Repr::Bool)
        }
        BinaryOp::Lt | BinaryOp::Le | BinaryOp::Gt | BinaryOp::Ge => {
            // With a number on either side, JavaScript compares numerically (ToNumber of the
            // other side's primitive), so the fast path is exact.
            let numeric = matches!(l.repr, Repr::F64 | Repr::Bool)
                || matches!(r.repr, Repr::F64 | Repr::Bool);
            let ts = if numeric {
                let (a, b) = (l.f64(), r.f64());
                match op {
                    BinaryOp::Lt => q!((#a < #b)),
                    BinaryOp::Le => q!((#a <= #b)),
                    BinaryOp::Gt => q!((#a > #b)),
                    _ => q!((#a >= #b)),
                }
            } else {
                let (a, b) = (l.value_ref(), r.value_ref());
                let cmp = match op {
                    BinaryOp::Lt => q!(Lt),
                    BinaryOp::Le => q!(Le),
                    BinaryOp::Gt => q!(Gt),
                    _ => q!(Ge),
                };
                q!(::handled_runtime::js::compare(#a, #b, ::handled_runtime::js::CmpOp::#cmp))
            };
            Code::temp(ts, Ty::Bool, Repr::Bool)
        }
    }
}

pub(super) fn warn_loose_eq(cx: &mut Cx<'_>, l: &Ty, r: &Ty, span: Span, op: BinaryOp) {
    let known = |t: &Ty| matches!(t, Ty::Num(_) | Ty::Str | Ty::Bool);
    if known(l) && known(r) && std::mem::discriminant(l) != std::mem::discriminant(r) {
        let strict = if op == BinaryOp::LooseEq {
            "==="
        } else {
            "!=="
        };
        let msg = format!(
            "`{}` between a {} and a {} uses JavaScript's coercions",
            op.as_str(),
            l.describe(),
            r.describe()
        );
        let d = crate::diagnostic::Diagnostic::warning("W0002", cx.file, span, msg).help(format!(
            "use `{strict}` and convert one side explicitly (`Number(x)`, `String(x)`)"
        ));
        cx.report(d);
    }
}

pub(super) fn logical(cx: &mut Cx<'_>, op: LogicalOp, left: &Expr, right: &Expr) -> Code {
    let l = compile(cx, left);
    let r = compile(cx, right);
    let tmp = cx.fresh("lhs");
    match op {
        LogicalOp::And | LogicalOp::Or => {
            let ty = match op {
                LogicalOp::And => r.ty.join(&l.ty),
                _ => r.ty.join(l.ty.strip_maybe()),
            };
            let same_fast = l.repr == r.repr && matches!(l.repr, Repr::F64 | Repr::Bool);
            if same_fast && l.repr == Repr::Bool {
                let (a, b) = (&l.ts, &r.ts);
                let ts = if op == LogicalOp::And {
                    q!((#a && #b))
                } else {
                    q!((#a || #b))
                };
                return Code::temp(ts, ty, Repr::Bool);
            }
            let (lv, rv, repr) = if same_fast {
                (l.ts.clone(), r.ts.clone(), Repr::F64)
            } else {
                (l.value(), r.value(), Repr::Value)
            };
            let test = Code::temp(q!(#tmp), l.ty.clone(), repr.clone());
            let t = test.truthy();
            let ts = if op == LogicalOp::And {
                q!({ let #tmp = #lv; if #t { #rv } else { #tmp } })
            } else {
                q!({ let #tmp = #lv; if #t { #tmp } else { #rv } })
            };
            Code::temp(ts, ty, repr)
        }
        LogicalOp::Nullish => {
            if matches!(l.repr, Repr::F64 | Repr::Bool | Repr::Struct(_))
                || matches!(l.ty, Ty::Num(_) | Ty::Bool | Ty::Object(_) | Ty::Array(_))
                    && l.repr != Repr::Value
            {
                let d = crate::diagnostic::Diagnostic::warning(
                    "W0004",
                    cx.file,
                    right.span,
                    "the left side of `??` is never null or undefined, so this is never used",
                )
                .help("use `||` if falsy values should be replaced");
                cx.report(d);
            }
            let ty = l.ty.strip_maybe().join(&r.ty);
            let (lv, rv) = (l.value(), r.value());
            let ts = q!({ let #tmp = #lv; if ::handled_runtime::js::nullish(&#tmp) { #rv } else { #tmp } });
            Code::value_of(ts, ty)
        }
    }
}
