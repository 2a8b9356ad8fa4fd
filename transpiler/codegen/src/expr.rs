//! Expressions: type inference, checks and Rust code in one pass over the syntax tree.
//!
//! Every expression compiles to a [`Code`]: Rust tokens, the static type, and how the value is
//! held (`f64`, `bool`, a `Value`, or a generated struct). Numbers and booleans take the fast
//! path where both operands are known; everything else goes through `handled_runtime::js`,
//! which gives each operation the meaning Node.js gives it.

use crate::cx::{Cx, Local, LocalKind, Site, snake};
use crate::diagnostic::did_you_mean;
use crate::methods::*;
use crate::ty::{NumKind, Repr, Ty};
use handled_parser::{
    ArrayElem, ArrowBody, BinaryOp, Expr, ExprKind, LogicalOp, Prop, PropKey, Span, Stmt, UnaryOp,
};
use proc_macro2::TokenStream;
use quote::format_ident;

/// Where a value lives, which decides whether reading it needs a clone.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Place {
    /// A temporary: owned.
    Temp,
    /// A variable or field holding the value.
    Owned,
    /// A variable holding a reference to the value.
    Ref,
}

/// A compiled expression.
#[derive(Clone, Debug)]
pub struct Code {
    /// Rust tokens.
    pub ts: TokenStream,
    /// The static type.
    pub ty: Ty,
    /// How the value is held.
    pub repr: Repr,
    /// Whether `ts` names a place.
    pub place: Place,
}

impl Code {
    fn temp(ts: TokenStream, ty: Ty, repr: Repr) -> Code {
        Code {
            ts,
            ty,
            repr,
            place: Place::Temp,
        }
    }

    fn value_of(ts: TokenStream, ty: Ty) -> Code {
        Code::temp(ts, ty, Repr::Value)
    }

    /// A placeholder for an expression that failed to check.
    pub fn error() -> Code {
        Code::temp(
            q!(::handled_runtime::Value::Undefined),
            Ty::Error,
            Repr::Value,
        )
    }

    /// The value as an owned `Value`.
    pub fn value(&self) -> TokenStream {
        let ts = &self.ts;
        match (&self.repr, self.place) {
            (Repr::F64, _) => q!(::handled_runtime::Value::Number(#ts)),
            (Repr::Bool, _) => q!(::handled_runtime::Value::Bool(#ts)),
            (Repr::Value, Place::Temp) => ts.clone(),
            (Repr::Value, _) => q!(#ts.clone()),
            (Repr::Struct(_), _) => q!(#ts.to_value()),
        }
    }

    /// The value as a `&Value` argument.
    pub fn value_ref(&self) -> TokenStream {
        let ts = &self.ts;
        match (&self.repr, self.place) {
            (Repr::Value, Place::Ref) => ts.clone(),
            (Repr::Value, _) => q!(&#ts),
            _ => {
                let v = self.value();
                q!(&#v)
            }
        }
    }

    /// The value converted by ToNumber, as an `f64`.
    pub fn f64(&self) -> TokenStream {
        let ts = &self.ts;
        match &self.repr {
            Repr::F64 => ts.clone(),
            Repr::Bool => q!((if #ts { 1.0 } else { 0.0 })),
            Repr::Value => {
                let r = self.value_ref();
                q!(::handled_runtime::js::to_number(#r))
            }
            Repr::Struct(_) => q!({ let _ = &#ts; f64::NAN }),
        }
    }

    /// The value's truthiness, as a `bool`.
    pub fn truthy(&self) -> TokenStream {
        let ts = &self.ts;
        match &self.repr {
            Repr::F64 => q!(::handled_runtime::rt::truthy_num(#ts)),
            Repr::Bool => ts.clone(),
            Repr::Value => {
                let r = self.value_ref();
                q!(::handled_runtime::js::truthy(#r))
            }
            Repr::Struct(_) => q!({ let _ = &#ts; true }),
        }
    }
}

/// A number literal as Rust tokens of type `f64`.
pub fn num_lit(n: f64) -> TokenStream {
    if n.is_nan() {
        return q!(f64::NAN);
    }
    if n.is_infinite() {
        return if n > 0.0 {
            q!(f64::INFINITY)
        } else {
            q!(f64::NEG_INFINITY)
        };
    }
    let text = format!("{n:?}");
    let lit: TokenStream = text.parse().unwrap_or_else(|_| q!(f64::NAN));
    if n < 0.0 || (n == 0.0 && n.is_sign_negative()) {
        q!((#lit))
    } else {
        lit
    }
}

/// A string literal as a `Value`.
pub fn str_value(s: &str) -> TokenStream {
    q!(::handled_runtime::Value::from(#s))
}

fn kind_of_literal(n: f64) -> NumKind {
    if n.is_finite() && n.fract() == 0.0 {
        NumKind::Int
    } else {
        NumKind::Frac
    }
}

/// Compiles an expression.
pub fn compile(cx: &mut Cx<'_>, e: &Expr) -> Code {
    match &e.kind {
        ExprKind::Number(n) => Code::temp(num_lit(*n), Ty::Num(kind_of_literal(*n)), Repr::F64),
        ExprKind::String(s) => Code::value_of(str_value(s), Ty::Str),
        ExprKind::Bool(b) => Code::temp(q!(#b), Ty::Bool, Repr::Bool),
        ExprKind::Null => Code::value_of(q!(::handled_runtime::Value::Null), Ty::Null),
        ExprKind::Undefined => {
            Code::value_of(q!(::handled_runtime::Value::Undefined), Ty::Undefined)
        }
        ExprKind::Template { quasis, exprs } => template(cx, quasis, exprs),
        ExprKind::Ident(name) => ident(cx, name, e.span),
        ExprKind::Array(elems) => array(cx, elems, e.span),
        ExprKind::Object(props) => object(cx, props),
        ExprKind::Member { .. } | ExprKind::Index { .. } | ExprKind::Call { .. } => {
            chain_root(cx, e)
        }
        ExprKind::New { callee, args } => new_expr(cx, callee, args, e.span),
        ExprKind::Unary { op, expr } => unary(cx, *op, expr),
        ExprKind::Binary { op, left, right } => binary(cx, *op, left, right, e.span),
        ExprKind::Logical { op, left, right } => logical(cx, *op, left, right),
        ExprKind::Conditional {
            test,
            consequent,
            alternate,
        } => {
            let t = compile(cx, test);
            warn_env_condition(cx, test);
            let c = compile(cx, consequent);
            let a = compile(cx, alternate);
            let tt = t.truthy();
            let ty = c.ty.join(&a.ty);
            match (&c.repr, &a.repr) {
                (Repr::F64, Repr::F64) => {
                    let (c, a) = (&c.ts, &a.ts);
                    Code::temp(q!((if #tt { #c } else { #a })), ty, Repr::F64)
                }
                (Repr::Bool, Repr::Bool) => {
                    let (c, a) = (&c.ts, &a.ts);
                    Code::temp(q!((if #tt { #c } else { #a })), ty, Repr::Bool)
                }
                _ => {
                    let (c, a) = (c.value(), a.value());
                    Code::value_of(q!((if #tt { #c } else { #a })), ty)
                }
            }
        }
        ExprKind::Arrow { .. } => {
            cx.error(
                "E0004",
                e.span,
                "arrow functions are supported only as the callback of an array method",
            )
            .help = Some("pass it directly: `list.map(x => …)`".into());
            Code::error()
        }
    }
}

fn template(cx: &mut Cx<'_>, quasis: &[String], exprs: &[Expr]) -> Code {
    let mut parts = Vec::new();
    for (i, q) in quasis.iter().enumerate() {
        if !q.is_empty() {
            parts.push(str_value(q));
        }
        if let Some(e) = exprs.get(i) {
            parts.push(compile(cx, e).value());
        }
    }
    Code::value_of(q!(::handled_runtime::js::template(&[#(#parts),*])), Ty::Str)
}

fn ident(cx: &mut Cx<'_>, name: &str, span: Span) -> Code {
    if let Some(local) = cx.local(name) {
        let id = &local.ident;
        let place = if local.by_ref {
            Place::Ref
        } else {
            Place::Owned
        };
        return Code {
            ts: q!(#id),
            ty: local.ty.clone(),
            repr: local.repr.clone(),
            place,
        };
    }
    match name {
        "input" => match cx.input.clone() {
            Some((ty, repr)) => Code {
                ts: q!(input),
                ty,
                repr,
                place: Place::Owned,
            },
            None => {
                cx.error("E0111", span, "`input` exists only inside a transform").help =
                    Some("refer to the value through its step, such as `transform.<name>` or `trigger.payload`".into());
                Code::error()
            }
        },
        "item" => match cx.item.clone() {
            Some(ty) => Code {
                ts: q!(item),
                ty,
                repr: Repr::Value,
                place: Place::Ref,
            },
            None => {
                cx.error(
                    "E0111",
                    span,
                    "`item` exists only inside a forEach's actions",
                );
                Code::error()
            }
        },
        "NaN" => Code::temp(q!(f64::NAN), Ty::Num(NumKind::Frac), Repr::F64),
        "Infinity" => Code::temp(q!(f64::INFINITY), Ty::Num(NumKind::Frac), Repr::F64),
        "undefined" => Code::value_of(q!(::handled_runtime::Value::Undefined), Ty::Undefined),
        "env" | "trigger" | "transform" | "action" => {
            let msg = format!("`{name}` must be followed by a name, such as `{name}.<name>`");
            cx.error("E0203", span, msg);
            Code::error()
        }
        "run" => run_value(cx, span),
        _ if GLOBAL_NAMES.contains(&name) => {
            cx.error(
                "E0004",
                span,
                format!("`{name}` can only be called or have its members read"),
            );
            Code::error()
        }
        _ => {
            let mut candidates: Vec<&str> = cx.locals.iter().map(|l| l.name.as_str()).collect();
            candidates.extend([
                "env",
                "trigger",
                "transform",
                "action",
                "run",
                "input",
                "item",
            ]);
            let suggestion = did_you_mean(name, candidates.iter().copied()).map(str::to_string);
            let help = match suggestion {
                Some(s) => format!("did you mean `{s}`?"),
                None => "expressions can name `env`, `trigger`, `transform`, `action`, `run`, `input` (in a transform), `item` (in forEach) and the parameters and constants of the arrow functions around them".to_string(),
            };
            let msg = format!("cannot find `{name}` in this scope");
            let d = cx.error("E0104", span, msg);
            d.primary.message = "not defined".into();
            d.help = Some(help);
            Code::error()
        }
    }
}

fn run_value(cx: &mut Cx<'_>, span: Span) -> Code {
    if cx.site != Site::Step {
        cx.error("E0111", span, "`run` exists only inside steps");
        return Code::error();
    }
    cx.uses_scope = true;
    let ty = Ty::object(vec![
        ("id".into(), Ty::Str),
        ("workflow".into(), Ty::Str),
        ("startedAt".into(), Ty::Str),
        ("attempt".into(), Ty::Num(NumKind::Int)),
    ]);
    Code::value_of(q!(scope.run()), ty)
}

fn array(cx: &mut Cx<'_>, elems: &[ArrayElem], span: Span) -> Code {
    let mut elem_ty: Option<Ty> = None;
    let mut has_spread = false;
    let mut parts = Vec::new();
    let mut items = Vec::new();
    for el in elems {
        match el {
            ArrayElem::Expr(e) => {
                let c = compile(cx, e);
                elem_ty = Some(elem_ty.map_or(c.ty.clone(), |t| t.join(&c.ty)));
                let v = c.value();
                parts.push(q!(::handled_runtime::rt::Part::Item(#v)));
                items.push(v);
            }
            ArrayElem::Spread(e, _) => {
                has_spread = true;
                let c = compile(cx, e);
                let el_ty = c.ty.element();
                elem_ty = Some(elem_ty.map_or(el_ty.clone(), |t| t.join(&el_ty)));
                let v = c.value();
                parts.push(q!(::handled_runtime::rt::Part::Spread(#v)));
            }
        }
    }
    let ty = Ty::Array(Box::new(elem_ty.unwrap_or(Ty::Json)));
    if !has_spread {
        return Code::value_of(q!(::handled_runtime::rt::array(vec![#(#items),*])), ty);
    }
    let at = cx.at(span);
    Code::value_of(
        q!(::handled_runtime::rt::array_spread(vec![#(#parts),*])#at),
        ty,
    )
}

fn object(cx: &mut Cx<'_>, props: &[Prop]) -> Code {
    let mut fields: Vec<(String, Ty)> = Vec::new();
    let mut parts = Vec::new();
    let mut open = false;
    for prop in props {
        match prop {
            Prop::KeyValue { key, value } => {
                let proto = match key {
                    PropKey::Ident(id) => (id.name == "__proto__").then_some(id.span),
                    PropKey::String(k, span) => (k == "__proto__").then_some(*span),
                    _ => None,
                };
                if let Some(span) = proto {
                    cx.error(
                        "E0004",
                        span,
                        "`__proto__: …` in an object literal sets the object's prototype in JavaScript, and HandledScript values have none",
                    )
                    .help = Some(
                        "rename the key, or compute it (`[\"__proto__\"]: …`) for an own property of that name"
                            .into(),
                    );
                    return Code::error();
                }
                let c = compile(cx, value);
                let v = c.value();
                match key {
                    PropKey::Ident(id) => {
                        set_field(&mut fields, &id.name, c.ty);
                        let k = &id.name;
                        parts.push(q!(::handled_runtime::rt::Part::Prop(::handled_runtime::js::JsString::from(#k), #v)));
                    }
                    PropKey::String(k, _) => {
                        set_field(&mut fields, k, c.ty);
                        parts.push(q!(::handled_runtime::rt::Part::Prop(::handled_runtime::js::JsString::from(#k), #v)));
                    }
                    PropKey::Number(n, _) => {
                        open = true;
                        let n = num_lit(*n);
                        parts.push(q!(::handled_runtime::rt::Part::Prop(::handled_runtime::js::number_to_string(#n), #v)));
                    }
                    PropKey::Computed(k) => {
                        open = true;
                        let kc = compile(cx, k);
                        let kr = kc.value_ref();
                        parts.push(q!(::handled_runtime::rt::Part::Prop(::handled_runtime::js::to_js_string(#kr), #v)));
                    }
                }
            }
            Prop::Shorthand(id) => {
                let c = ident(cx, &id.name, id.span);
                let v = c.value();
                set_field(&mut fields, &id.name, c.ty);
                let k = &id.name;
                parts.push(q!(::handled_runtime::rt::Part::Prop(::handled_runtime::js::JsString::from(#k), #v)));
            }
            Prop::Spread(e, _) => {
                let c = compile(cx, e);
                match c.ty.strip_maybe() {
                    Ty::Object(fs) => {
                        for (n, t) in fs.iter() {
                            set_field(&mut fields, n, t.clone());
                        }
                    }
                    _ => open = true,
                }
                let v = c.value();
                parts.push(q!(::handled_runtime::rt::Part::Spread(#v)));
            }
        }
    }
    let ty = if open { Ty::Json } else { Ty::object(fields) };
    Code::value_of(q!(::handled_runtime::rt::object(vec![#(#parts),*])), ty)
}

fn set_field(fields: &mut Vec<(String, Ty)>, name: &str, ty: Ty) {
    match fields.iter_mut().find(|(n, _)| n == name) {
        Some(slot) => slot.1 = ty,
        None => fields.push((name.to_string(), ty)),
    }
}

fn unary(cx: &mut Cx<'_>, op: UnaryOp, expr: &Expr) -> Code {
    let c = compile(cx, expr);
    match op {
        UnaryOp::Not => {
            let t = c.truthy();
            Code::temp(q!(!(#t)), Ty::Bool, Repr::Bool)
        }
        UnaryOp::Neg => {
            let kind = match c.ty {
                Ty::Num(k) => k,
                _ => NumKind::Dyn,
            };
            let f = c.f64();
            Code::temp(q!((-(#f))), Ty::Num(kind), Repr::F64)
        }
        UnaryOp::Plus => {
            let kind = match c.ty {
                Ty::Num(k) => k,
                _ => NumKind::Dyn,
            };
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

fn num_kind(ty: &Ty) -> NumKind {
    match ty {
        Ty::Num(k) => *k,
        _ => NumKind::Dyn,
    }
}

fn binary(cx: &mut Cx<'_>, op: BinaryOp, left: &Expr, right: &Expr, span: Span) -> Code {
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

fn warn_loose_eq(cx: &mut Cx<'_>, l: &Ty, r: &Ty, span: Span, op: BinaryOp) {
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

/// Compiles an expression used only for its truth (a condition, a validate rule, a test): the
/// truth of `a && b` is the truth of `a` and of `b`, so no intermediate value is built.
pub fn condition(cx: &mut Cx<'_>, e: &Expr) -> TokenStream {
    match &e.kind {
        ExprKind::Logical {
            op: LogicalOp::And,
            left,
            right,
        } => {
            let (a, b) = (condition(cx, left), condition(cx, right));
            q!((#a && #b))
        }
        ExprKind::Logical {
            op: LogicalOp::Or,
            left,
            right,
        } => {
            let (a, b) = (condition(cx, left), condition(cx, right));
            q!((#a || #b))
        }
        ExprKind::Unary {
            op: UnaryOp::Not,
            expr,
        } => {
            let a = condition(cx, expr);
            q!(!(#a))
        }
        _ => compile(cx, e).truthy(),
    }
}

/// Warns when a condition's truth depends on an `env` string (W0001).
pub fn warn_env_condition(cx: &mut Cx<'_>, e: &Expr) {
    match &e.kind {
        ExprKind::Logical {
            op: LogicalOp::And | LogicalOp::Or,
            left,
            right,
        } => {
            warn_env_condition(cx, left);
            warn_env_condition(cx, right);
        }
        ExprKind::Unary {
            op: UnaryOp::Not,
            expr,
        } => warn_env_condition(cx, expr),
        ExprKind::Member {
            object, property, ..
        } if matches!(&object.kind, ExprKind::Ident(n) if n == "env" && cx.local("env").is_none()) =>
        {
            let name = &property.name;
            let msg = format!(
                "`env.{name}` is a string, so any non-empty value (even \"false\") counts as true here"
            );
            let d = crate::diagnostic::Diagnostic::warning("W0001", cx.file, e.span, msg)
                .label("always a string")
                .help(format!("compare explicitly: `env.{name} === \"true\"`"));
            cx.report(d);
        }
        _ => {}
    }
}

fn logical(cx: &mut Cx<'_>, op: LogicalOp, left: &Expr, right: &Expr) -> Code {
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

fn new_expr(cx: &mut Cx<'_>, callee: &Expr, args: &[ArrayElem], span: Span) -> Code {
    if !matches!(&callee.kind, ExprKind::Ident(n) if n == "Date" && cx.local("Date").is_none()) {
        cx.error("E0004", span, "only `new Date(…)` is supported");
        return Code::error();
    }
    let args = plain_args(cx, args);
    let now = now_ms(cx, span);
    let vals: Vec<TokenStream> = args.iter().map(Code::value).collect();
    Code::value_of(
        q!(::handled_runtime::js::date_new(&[#(#vals),*], #now)),
        Ty::Date,
    )
}

fn now_ms(cx: &mut Cx<'_>, _span: Span) -> TokenStream {
    match cx.site {
        Site::Step => {
            cx.uses_scope = true;
            q!(scope.now_ms())
        }
        _ => q!(::handled_runtime::rt::now_ms()),
    }
}

fn plain_args(cx: &mut Cx<'_>, args: &[ArrayElem]) -> Vec<Code> {
    let mut out = Vec::new();
    for a in args {
        match a {
            ArrayElem::Expr(e) => out.push(compile(cx, e)),
            ArrayElem::Spread(_, span) => {
                cx.error(
                    "E0004",
                    *span,
                    "spread arguments are supported only in `Math.max`/`Math.min`",
                );
                out.push(Code::error());
            }
        }
    }
    out
}

// -----------------------------------------------------------------------------------------
// Member chains: `a.b`, `a[i]`, `a.b(c)`, with optional links.

fn has_optional(e: &Expr) -> bool {
    match &e.kind {
        ExprKind::Member {
            object, optional, ..
        }
        | ExprKind::Index {
            object, optional, ..
        } => *optional || (continues_chain(e, object) && has_optional(object)),
        ExprKind::Call {
            callee, optional, ..
        } => *optional || (continues_chain(e, callee) && has_optional(callee)),
        _ => false,
    }
}

/// Whether `inner` (the object of `outer`) is part of the same chain, i.e. not parenthesized.
fn continues_chain(outer: &Expr, inner: &Expr) -> bool {
    let _ = outer;
    let chain_kind = matches!(
        inner.kind,
        ExprKind::Member { .. } | ExprKind::Index { .. } | ExprKind::Call { .. }
    );
    if !chain_kind {
        return false;
    }
    let first = match &inner.kind {
        ExprKind::Member { object, .. } | ExprKind::Index { object, .. } => object.span.start,
        ExprKind::Call { callee, .. } => callee.span.start,
        _ => inner.span.start,
    };
    first == inner.span.start
}

fn chain_root(cx: &mut Cx<'_>, e: &Expr) -> Code {
    if !has_optional(e) {
        return chain_link(cx, e);
    }
    cx.counter += 1;
    let label = syn::Lifetime::new(
        &format!("'chain_{}", cx.counter),
        proc_macro2::Span::call_site(),
    );
    cx.chain_labels.push(label.clone());
    let inner = chain_link(cx, e);
    cx.chain_labels.pop();
    let v = inner.value();
    let ty = Ty::Maybe(Box::new(inner.ty.strip_maybe().clone()));
    Code::value_of(q!(#label: { #v }), ty)
}

fn chain_object(cx: &mut Cx<'_>, outer: &Expr, object: &Expr) -> Code {
    if continues_chain(outer, object) {
        chain_link(cx, object)
    } else {
        compile(cx, object)
    }
}

/// Guards an optional link: a nullish object ends the whole chain with `undefined`.
fn guard(cx: &mut Cx<'_>, obj: Code) -> Code {
    let Some(label) = cx.chain_labels.last().cloned() else {
        return obj;
    };
    let tmp = cx.fresh("link");
    let v = obj.value();
    let ts = q!({ let #tmp = #v; if ::handled_runtime::js::nullish(&#tmp) { break #label ::handled_runtime::Value::Undefined; } #tmp });
    Code::temp(ts, obj.ty.strip_maybe().clone(), Repr::Value)
}

fn chain_link(cx: &mut Cx<'_>, e: &Expr) -> Code {
    match &e.kind {
        ExprKind::Member {
            object,
            property,
            optional,
        } => {
            if let Some(code) = special_member(cx, object, &property.name, property.span, e.span) {
                return code;
            }
            let obj = chain_object(cx, e, object);
            let obj = if *optional { guard(cx, obj) } else { obj };
            member(cx, obj, &property.name, property.span)
        }
        ExprKind::Index {
            object,
            index,
            optional,
        } => {
            let obj = chain_object(cx, e, object);
            let obj = if *optional { guard(cx, obj) } else { obj };
            if let ExprKind::String(key) = &index.kind {
                return member(cx, obj, key, index.span);
            }
            let idx = compile(cx, index);
            let ty = match obj.ty.strip_maybe() {
                Ty::Array(inner) if idx.ty.is_num() => (**inner).clone(),
                Ty::Str if idx.ty.is_num() => Ty::Maybe(Box::new(Ty::Str)),
                _ => Ty::Json,
            };
            let (o, i) = (obj.value_ref(), idx.value_ref());
            let at = cx.at(index.span);
            Code::value_of(q!(::handled_runtime::js::get_index(#o, #i)#at), ty)
        }
        ExprKind::Call {
            callee,
            args,
            optional,
        } => call(cx, e, callee, args, *optional),
        _ => compile(cx, e),
    }
}

/// `env.X`, `trigger.X`, `transform.X`, `action.X.Y`, `Math.PI`, … (names that are not values).
fn special_member(
    cx: &mut Cx<'_>,
    object: &Expr,
    prop: &str,
    prop_span: Span,
    span: Span,
) -> Option<Code> {
    match &object.kind {
        ExprKind::Ident(root) if cx.local(root).is_none() => match root.as_str() {
            "env" => Some(env_member(cx, prop, span)),
            "trigger" => Some(trigger_member(cx, prop, prop_span)),
            "transform" => Some(step_member(cx, prop, prop_span, span, true)),
            "action" => Some(action_member(cx, prop, prop_span, span)),
            "Math" | "Number" => {
                let c = CONSTANTS
                    .iter()
                    .find(|(o, n, _, _)| o == root && *n == prop)?;
                let ts: TokenStream = c.2.parse().unwrap_or_else(|_| q!(f64::NAN));
                let kind = if c.3 { NumKind::Int } else { NumKind::Frac };
                Some(Code::temp(q!((#ts)), Ty::Num(kind), Repr::F64))
            }
            _ => None,
        },
        // `action.shopify.findProduct`: the op is the second member.
        ExprKind::Member {
            object: inner,
            property,
            ..
        } if matches!(&inner.kind, ExprKind::Ident(n) if n == "action" && cx.local("action").is_none()) => {
            Some(action_op_member(
                cx,
                &property.name,
                property.span,
                prop,
                prop_span,
                span,
            ))
        }
        _ => None,
    }
}

fn env_member(cx: &mut Cx<'_>, name: &str, span: Span) -> Code {
    cx.env_vars.insert(name.to_string());
    match cx.site {
        Site::Step => {
            cx.uses_scope = true;
            Code::value_of(q!(scope.env(#name)), Ty::Str)
        }
        Site::TriggerConfig => {
            Code::value_of(q!(::handled_runtime::rt::env_value(env, #name)), Ty::Str)
        }
        Site::Key => {
            cx.error("E0111", span, "`env` cannot be read in a trigger's `key`");
            Code::error()
        }
    }
}

fn trigger_member(cx: &mut Cx<'_>, name: &str, span: Span) -> Code {
    if cx.site == Site::TriggerConfig {
        cx.error(
            "E0111",
            span,
            "the trigger's payload cannot be read in the trigger's own configuration",
        );
        return Code::error();
    }
    if name != "payload" && !cx.aliases.contains(&name) {
        let candidates: Vec<&str> = cx.aliases.iter().copied().chain(["payload"]).collect();
        let help = match did_you_mean(name, candidates.iter().copied()) {
            Some(s) => format!("did you mean `trigger.{s}`?"),
            None => format!(
                "this trigger's payload is `trigger.{}`",
                candidates.join("` or `trigger.")
            ),
        };
        let d = cx.error("E0107", span, format!("this trigger has no `{name}`"));
        d.help = Some(help);
        return Code::error();
    }
    let ty = cx.payload_ty.clone();
    match cx.site {
        Site::Key => Code {
            ts: q!(payload),
            ty,
            repr: Repr::Value,
            place: Place::Ref,
        },
        _ => {
            cx.uses_scope = true;
            Code {
                ts: q!(scope.payload()),
                ty,
                repr: Repr::Value,
                place: Place::Ref,
            }
        }
    }
}

fn use_step(cx: &mut Cx<'_>, step: usize, what: &str, span: Span) -> Option<Code> {
    let s = cx.steps.get(step)?.clone();
    if s.index >= cx.current_step {
        let d = cx.error("E0106", span, format!("{what} is used before it runs"));
        d.primary.message = "this step comes later in the workflow".into();
        let d = d.clone();
        let d = d.note_at(cx.file, s.span, "defined here");
        cx.diags.pop();
        cx.report(d.help("steps run in the order written: move it above the step that uses it"));
        return Some(Code::error());
    }
    if cx.site != Site::Step {
        cx.error("E0111", span, format!("{what} cannot be read here"));
        return Some(Code::error());
    }
    cx.used_steps.insert(s.index);
    let var = &s.var;
    Some(Code {
        ts: q!(#var),
        ty: s.ty.clone(),
        repr: s.repr.clone(),
        place: Place::Ref,
    })
}

fn step_member(cx: &mut Cx<'_>, name: &str, name_span: Span, span: Span, _transform: bool) -> Code {
    let found = cx
        .steps
        .iter()
        .position(|s| s.op.is_none() && s.name.as_deref() == Some(name));
    if let Some(i) = found {
        return use_step(cx, i, &format!("transform `{name}`"), span).unwrap_or_else(Code::error);
    }
    let names: Vec<String> = cx
        .steps
        .iter()
        .filter(|s| s.op.is_none())
        .filter_map(|s| s.name.clone())
        .collect();
    let help = match did_you_mean(name, names.iter().map(String::as_str)) {
        Some(s) => format!("did you mean `transform.{s}`?"),
        None if names.is_empty() => "this workflow has no transforms".to_string(),
        None => format!("the transforms are: {}", names.join(", ")),
    };
    let d = cx.error(
        "E0105",
        name_span,
        format!("no transform named `{name}` in this workflow"),
    );
    d.primary.message = "unknown step".into();
    d.help = Some(help);
    Code::error()
}

fn action_member(cx: &mut Cx<'_>, name: &str, name_span: Span, span: Span) -> Code {
    if let Some(i) = cx
        .steps
        .iter()
        .position(|s| s.op.is_some() && s.name.as_deref() == Some(name))
    {
        return use_step(cx, i, &format!("action `{name}`"), span).unwrap_or_else(Code::error);
    }
    if handled_catalog::connector(name).is_some() {
        let msg = format!("`action.{name}` must name an op, such as `action.{name}.<op>`");
        cx.error("E0105", name_span, msg);
        return Code::error();
    }
    let aliases: Vec<String> = cx
        .steps
        .iter()
        .filter(|s| s.op.is_some())
        .filter_map(|s| s.name.clone())
        .collect();
    let d = cx.error(
        "E0105",
        name_span,
        format!("no action named `{name}` in this workflow"),
    );
    d.help = did_you_mean(name, aliases.iter().map(String::as_str))
        .map(|s| format!("did you mean `action.{s}`?"));
    Code::error()
}

fn action_op_member(
    cx: &mut Cx<'_>,
    connector: &str,
    conn_span: Span,
    op: &str,
    op_span: Span,
    span: Span,
) -> Code {
    let matches: Vec<usize> = cx
        .steps
        .iter()
        .enumerate()
        .filter(|(_, s)| {
            s.op.as_ref()
                .is_some_and(|(c, o)| c == connector && o == op)
        })
        .map(|(i, _)| i)
        .collect();
    match matches.as_slice() {
        [] => {
            let all: Vec<String> = cx
                .steps
                .iter()
                .filter_map(|s| s.op.as_ref().map(|(c, o)| format!("{c}.{o}")))
                .collect();
            let wanted = format!("{connector}.{op}");
            let d = cx.error(
                "E0105",
                conn_span.to(op_span),
                format!("this workflow has no action `{wanted}`"),
            );
            d.help = did_you_mean(&wanted, all.iter().map(String::as_str))
                .map(|s| format!("did you mean `action.{s}`?"));
            Code::error()
        }
        [one] => {
            let unaliased = cx.steps[*one].name.is_none();
            if !unaliased {
                // Named calls may still be read through their op when unambiguous.
            }
            use_step(cx, *one, &format!("action `{connector}.{op}`"), span)
                .unwrap_or_else(Code::error)
        }
        many => {
            let first = cx.steps[many[0]].span;
            let d = cx.error(
                "E0108",
                conn_span.to(op_span),
                format!(
                    "`action.{connector}.{op}` is ambiguous: the workflow calls it {} times",
                    many.len()
                ),
            );
            d.help = Some(format!(
                "name each call with `as`: `action {connector}.{op} as myName {{ … }}`, then use `action.myName`"
            ));
            let file = cx.file;
            if let Some(last) = cx.diags.last_mut() {
                last.secondary.push(crate::diagnostic::Label {
                    file,
                    span: first,
                    message: "first call here".into(),
                });
            }
            Code::error()
        }
    }
}

/// Reads a property of a value.
fn member(cx: &mut Cx<'_>, obj: Code, prop: &str, span: Span) -> Code {
    if obj.ty == Ty::Error {
        return Code::error();
    }
    // Fields of a generated struct are plain field accesses.
    if let Repr::Struct(def) = &obj.repr
        && let Some((_, rust, repr)) = def.fields.iter().find(|(k, _, _)| k == prop)
    {
        let field = format_ident!("{}", rust);
        let ts = &obj.ts;
        let ty = obj.ty.field(prop).cloned().unwrap_or(Ty::Json);
        let place = if obj.place == Place::Temp {
            Place::Temp
        } else {
            Place::Owned
        };
        return Code {
            ts: q!(#ts.#field),
            ty,
            repr: repr.clone(),
            place,
        };
    }
    let ty = match obj.ty.strip_maybe() {
        Ty::Object(fields) => match fields.iter().find(|(n, _)| n == prop) {
            Some((_, t)) => t.clone(),
            None => {
                let names: Vec<&str> = fields.iter().map(|(n, _)| n.as_str()).collect();
                let help = match did_you_mean(prop, names.iter().copied()) {
                    Some(s) => format!("did you mean `{s}`?"),
                    None => format!("its fields are: {}", names.join(", ")),
                };
                let d = cx.error(
                    "E0107",
                    span,
                    format!("no field `{prop}` on {}", obj.ty.describe()),
                );
                d.primary.message = "unknown field".into();
                d.help = Some(help);
                return Code::error();
            }
        },
        Ty::Array(_) | Ty::Str if prop == "length" => Ty::Num(NumKind::Int),
        Ty::Array(_) | Ty::Str if prop.parse::<u32>().is_ok() => Ty::Json,
        Ty::Num(_) | Ty::Bool | Ty::Str | Ty::Array(_) | Ty::Date => {
            let d = cx.error(
                "E0107",
                span,
                format!("no field `{prop}` on a {}", obj.ty.describe()),
            );
            if matches!(obj.ty, Ty::Str | Ty::Array(_)) {
                d.help = Some("strings and lists have `length`; methods must be called".into());
            }
            return Code::error();
        }
        Ty::Null | Ty::Undefined => {
            cx.error(
                "E0203",
                span,
                format!("cannot read `{prop}` of {}", obj.ty.describe()),
            );
            return Code::error();
        }
        _ => Ty::Json,
    };
    let o = obj.value_ref();
    let at = cx.at(span);
    Code::value_of(q!(::handled_runtime::js::get(#o, #prop)#at), ty)
}

// -----------------------------------------------------------------------------------------
// Calls.

fn call(cx: &mut Cx<'_>, e: &Expr, callee: &Expr, args: &[ArrayElem], optional: bool) -> Code {
    if optional {
        cx.error("E0004", e.span, "optional calls `f?.()` are not supported");
        return Code::error();
    }
    match &callee.kind {
        ExprKind::Ident(name)
            if cx.local(name).is_none() && GLOBAL_FUNCTIONS.contains(&name.as_str()) =>
        {
            global_call(cx, name, args, e.span)
        }
        ExprKind::Member {
            object,
            property,
            optional: opt_member,
        } => {
            if let ExprKind::Ident(root) = &object.kind
                && cx.local(root).is_none()
            {
                if root == "Math" {
                    return math_call(cx, &property.name, args, property.span);
                }
                if let Some((_, fns)) = STATIC_FUNCTIONS.iter().find(|(o, _)| o == root) {
                    return static_call(cx, root, &property.name, fns, args, property.span, e.span);
                }
            }
            let recv = chain_object(cx, callee, object);
            let recv = if *opt_member { guard(cx, recv) } else { recv };
            method_call(cx, recv, &property.name, property.span, args, e.span)
        }
        _ => {
            cx.error("E0004", callee.span, "only methods, `Math`, `Number`, `JSON`, `Object`, `Array`, `Date` and the global functions can be called");
            Code::error()
        }
    }
}

fn global_call(cx: &mut Cx<'_>, name: &str, args: &[ArrayElem], span: Span) -> Code {
    let args = plain_args(cx, args);
    let arg = |i: usize| -> TokenStream {
        match args.get(i) {
            Some(c) => c.value_ref(),
            None => q!(&::handled_runtime::Value::Undefined),
        }
    };
    let (a0, a1) = (arg(0), arg(1));
    let _ = span;
    match name {
        "Number" => {
            if args.is_empty() {
                return Code::temp(q!(0.0), Ty::Num(NumKind::Int), Repr::F64);
            }
            let kind = match args[0].ty {
                Ty::Num(k) => k,
                _ => NumKind::Dyn,
            };
            Code::temp(
                q!(::handled_runtime::js::number_fn(#a0)),
                Ty::Num(kind),
                Repr::F64,
            )
        }
        "String" => {
            if args.is_empty() {
                return Code::value_of(str_value(""), Ty::Str);
            }
            Code::value_of(
                q!(::handled_runtime::Value::String(::handled_runtime::js::string_fn(#a0))),
                Ty::Str,
            )
        }
        "Boolean" => Code::temp(
            q!(::handled_runtime::js::boolean_fn(#a0)),
            Ty::Bool,
            Repr::Bool,
        ),
        "parseInt" => Code::temp(
            q!(::handled_runtime::js::parse_int(#a0, #a1)),
            Ty::Num(NumKind::Dyn),
            Repr::F64,
        ),
        "parseFloat" => Code::temp(
            q!(::handled_runtime::js::parse_float(#a0)),
            Ty::Num(NumKind::DynFrac),
            Repr::F64,
        ),
        "isNaN" => Code::temp(q!(::handled_runtime::js::is_nan(#a0)), Ty::Bool, Repr::Bool),
        _ => Code::temp(
            q!(::handled_runtime::js::is_finite(#a0)),
            Ty::Bool,
            Repr::Bool,
        ),
    }
}

fn math_call(cx: &mut Cx<'_>, name: &str, args: &[ArrayElem], span: Span) -> Code {
    if !MATH_FUNCTIONS.contains(&name) {
        let d = cx.error("E0216", span, format!("`Math.{name}` is not supported"));
        d.help = match did_you_mean(name, MATH_FUNCTIONS.iter().copied()) {
            Some(s) => Some(format!("did you mean `Math.{s}`?")),
            None => Some(format!(
                "supported: Math.{}",
                MATH_FUNCTIONS.join(", Math.")
            )),
        };
        return Code::error();
    }
    if name == "max" || name == "min" {
        let mut kind = NumKind::Int;
        let mut parts = Vec::new();
        let mut nums = Vec::new();
        let mut spread = false;
        for a in args {
            match a {
                ArrayElem::Expr(e) => {
                    let c = compile(cx, e);
                    kind = kind.join(num_kind(&c.ty));
                    let f = c.f64();
                    parts.push(q!(::handled_runtime::rt::NumPart::One(#f)));
                    nums.push(f);
                }
                ArrayElem::Spread(e, _) => {
                    spread = true;
                    let c = compile(cx, e);
                    kind = kind.join(num_kind(&c.ty.element()));
                    let v = c.value();
                    parts.push(q!(::handled_runtime::rt::NumPart::Spread(#v)));
                }
            }
        }
        let f = format_ident!("math_{}", name);
        if !spread {
            return Code::temp(
                q!(::handled_runtime::js::#f(&[#(#nums),*])),
                Ty::Num(kind),
                Repr::F64,
            );
        }
        let at = cx.at(span);
        return Code::temp(
            q!(::handled_runtime::js::#f(&::handled_runtime::rt::spread_numbers(vec![#(#parts),*])#at)),
            Ty::Num(kind),
            Repr::F64,
        );
    }
    let args = plain_args(cx, args);
    let f = |i: usize| -> TokenStream {
        match args.get(i) {
            Some(c) => c.f64(),
            None => q!(f64::NAN),
        }
    };
    let k0 = args.first().map_or(NumKind::Dyn, |c| num_kind(&c.ty));
    let x = f(0);
    if let Some((_, method, int)) = MATH_UNARY_NATIVE.iter().find(|(n, _, _)| *n == name) {
        let m = format_ident!("{}", method);
        let kind = if *int {
            NumKind::Int
        } else if *method == "sqrt" {
            k0.fractional()
        } else {
            k0
        };
        return Code::temp(q!(f64::#m(#x)), Ty::Num(kind), Repr::F64);
    }
    match name {
        "round" => Code::temp(
            q!(::handled_runtime::js::math_round(#x)),
            Ty::Num(NumKind::Int),
            Repr::F64,
        ),
        "sign" => Code::temp(
            q!(::handled_runtime::js::math_sign(#x)),
            Ty::Num(NumKind::Int),
            Repr::F64,
        ),
        _ => {
            let y = f(1);
            Code::temp(
                q!(::handled_runtime::js::num_pow(#x, #y)),
                Ty::Num(k0.fractional()),
                Repr::F64,
            )
        }
    }
}

fn static_call(
    cx: &mut Cx<'_>,
    root: &str,
    name: &str,
    fns: &[&str],
    args: &[ArrayElem],
    name_span: Span,
    span: Span,
) -> Code {
    if !fns.contains(&name) {
        let d = cx.error(
            "E0216",
            name_span,
            format!("`{root}.{name}` is not supported"),
        );
        d.help = match did_you_mean(name, fns.iter().copied()) {
            Some(s) => Some(format!("did you mean `{root}.{s}`?")),
            None => Some(format!(
                "supported: {root}.{}",
                fns.join(&format!(", {root}."))
            )),
        };
        return Code::error();
    }
    let args = plain_args(cx, args);
    let arg = |i: usize| -> TokenStream {
        match args.get(i) {
            Some(c) => c.value_ref(),
            None => q!(&::handled_runtime::Value::Undefined),
        }
    };
    let a0 = arg(0);
    let at = cx.at(span);
    match (root, name) {
        ("Number", "isInteger") => Code::temp(
            q!(::handled_runtime::js::number_is_integer(#a0)),
            Ty::Bool,
            Repr::Bool,
        ),
        ("Number", "isFinite") => Code::temp(
            q!(::handled_runtime::js::number_is_finite(#a0)),
            Ty::Bool,
            Repr::Bool,
        ),
        ("Number", "isNaN") => Code::temp(
            q!(::handled_runtime::js::number_is_nan(#a0)),
            Ty::Bool,
            Repr::Bool,
        ),
        ("Number", "isSafeInteger") => Code::temp(
            q!(::handled_runtime::js::number_is_safe_integer(#a0)),
            Ty::Bool,
            Repr::Bool,
        ),
        ("Number", "parseFloat") => Code::temp(
            q!(::handled_runtime::js::parse_float(#a0)),
            Ty::Num(NumKind::DynFrac),
            Repr::F64,
        ),
        ("Number", _) => {
            let a1 = arg(1);
            Code::temp(
                q!(::handled_runtime::js::parse_int(#a0, #a1)),
                Ty::Num(NumKind::Dyn),
                Repr::F64,
            )
        }
        ("Object", "keys") => Code::value_of(
            q!(::handled_runtime::js::object_keys(#a0)#at),
            Ty::Array(Box::new(Ty::Str)),
        ),
        ("Object", "values") => {
            let el = args.first().map_or(Ty::Json, |c| match c.ty.strip_maybe() {
                Ty::Object(fs) => fs
                    .iter()
                    .skip(1)
                    .fold(fs.first().map_or(Ty::Json, |f| f.1.clone()), |acc, f| {
                        acc.join(&f.1)
                    }),
                _ => Ty::Json,
            });
            Code::value_of(
                q!(::handled_runtime::js::object_values(#a0)#at),
                Ty::Array(Box::new(el)),
            )
        }
        ("Object", _) => Code::value_of(
            q!(::handled_runtime::js::object_entries(#a0)#at),
            Ty::Array(Box::new(Ty::Array(Box::new(Ty::Json)))),
        ),
        ("Array", _) => Code::temp(
            q!(::handled_runtime::js::array_is_array(#a0)),
            Ty::Bool,
            Repr::Bool,
        ),
        ("JSON", "stringify") => {
            let space = match args.get(2) {
                Some(c) => {
                    let r = c.value_ref();
                    q!(Some(#r))
                }
                None => q!(None),
            };
            if let Some(replacer) = args.get(1)
                && !matches!(replacer.ty, Ty::Null | Ty::Undefined)
            {
                cx.error(
                    "E0004",
                    span,
                    "`JSON.stringify` supports only `null` as its second argument",
                );
            }
            Code::value_of(
                q!(::handled_runtime::js::json_stringify(#a0, #space)),
                Ty::Maybe(Box::new(Ty::Str)),
            )
        }
        ("JSON", _) => Code::value_of(q!(::handled_runtime::js::json_parse(#a0)#at), Ty::Json),
        _ => {
            let now = now_ms(cx, span);
            Code::temp(
                q!(::handled_runtime::js::date_now(#now)),
                Ty::Num(NumKind::Int),
                Repr::F64,
            )
        }
    }
}

fn method_call(
    cx: &mut Cx<'_>,
    recv: Code,
    name: &str,
    name_span: Span,
    args: &[ArrayElem],
    span: Span,
) -> Code {
    if recv.ty == Ty::Error {
        return Code::error();
    }
    let base = recv.ty.strip_maybe().clone();
    let is_callback = ARRAY_CALLBACK_METHODS.contains(&name)
        && matches!(
            args.first(),
            Some(ArrayElem::Expr(Expr {
                kind: ExprKind::Arrow { .. },
                ..
            }))
        );
    let known: Option<Ty> = match &base {
        Ty::Str => STRING_METHODS
            .iter()
            .find(|(n, _)| *n == name)
            .map(|(_, r)| r.ty()),
        Ty::Array(_) if is_callback => Some(Ty::Json),
        Ty::Array(elem) => ARRAY_METHODS
            .contains(&name)
            .then(|| array_method_ty(name, elem)),
        Ty::Date => DATE_METHODS.contains(&name).then(|| {
            if name == "toISOString" || name == "toJSON" {
                Ty::Str
            } else {
                Ty::Num(NumKind::Int)
            }
        }),
        Ty::Num(_) => NUMBER_METHODS.contains(&name).then_some(Ty::Str),
        Ty::Json | Ty::Error => all_method_names().any(|m| m == name).then_some(Ty::Json),
        _ => None,
    };
    let Some(result_ty) = known else {
        let candidates: Vec<&str> = match &base {
            Ty::Str => STRING_METHODS.iter().map(|(n, _)| *n).collect(),
            Ty::Array(_) => ARRAY_METHODS
                .iter()
                .chain(ARRAY_CALLBACK_METHODS)
                .copied()
                .collect(),
            Ty::Date => DATE_METHODS.to_vec(),
            Ty::Num(_) => NUMBER_METHODS.to_vec(),
            _ => all_method_names().collect(),
        };
        let d = cx.error(
            "E0216",
            name_span,
            format!("`{name}` is not a method of a {}", base.describe()),
        );
        d.primary.message = "not a function".into();
        d.help =
            did_you_mean(name, candidates.iter().copied()).map(|s| format!("did you mean `{s}`?"));
        return Code::error();
    };
    if ARRAY_CALLBACK_METHODS.contains(&name) && !(name == "sort" && args.is_empty()) {
        if !is_callback {
            if name != "sort" || !args.is_empty() {
                let sp = args.first().map_or(span, |a| match a {
                    ArrayElem::Expr(e) | ArrayElem::Spread(e, _) => e.span,
                });
                cx.error(
                    "E0004",
                    sp,
                    format!("`{name}` needs an arrow function as its first argument"),
                )
                .help = Some(format!("write `.{name}(x => …)`"));
                return Code::error();
            }
        } else {
            return callback_call(cx, recv, name, args, span);
        }
    }
    let args = plain_args(cx, args);
    let vals: Vec<TokenStream> = args.iter().map(Code::value).collect();
    let r = recv.value_ref();
    let at = cx.at(name_span);
    Code::value_of(
        q!(::handled_runtime::js::call_method(#r, #name, &[#(#vals),*])#at),
        result_ty,
    )
}

fn callback_call(cx: &mut Cx<'_>, recv: Code, name: &str, args: &[ArrayElem], span: Span) -> Code {
    let Some(ArrayElem::Expr(Expr {
        kind: ExprKind::Arrow { params, body },
        ..
    })) = args.first()
    else {
        return Code::error();
    };
    let elem = recv.ty.element();
    let rest = plain_args(cx, &args[1..]);
    let reduce = name == "reduce" || name == "reduceRight";
    let param_tys: Vec<Ty> = if reduce {
        let acc = rest.first().map_or(elem.clone(), |c| c.ty.clone());
        vec![acc, elem.clone(), Ty::Num(NumKind::Int), recv.ty.clone()]
    } else if name == "sort" {
        vec![elem.clone(), elem.clone()]
    } else {
        vec![elem.clone(), Ty::Num(NumKind::Int), recv.ty.clone()]
    };
    let (closure, ret_ty) = arrow(cx, params, body, &param_tys);
    let result_ty = match name {
        "map" => Ty::Array(Box::new(ret_ty)),
        "filter" | "sort" => Ty::Array(Box::new(elem.clone())),
        "find" | "findLast" => Ty::Maybe(Box::new(elem.clone())),
        "findIndex" | "findLastIndex" => Ty::Num(NumKind::Int),
        "some" | "every" => Ty::Bool,
        "forEach" => Ty::Undefined,
        "flatMap" => Ty::Array(Box::new(match ret_ty {
            Ty::Array(inner) => *inner,
            other => other,
        })),
        _ => {
            let acc = rest.first().map_or(elem.clone(), |c| c.ty.clone());
            if acc.is_num() && ret_ty.is_num() {
                acc.join(&ret_ty)
            } else if acc == ret_ty {
                acc
            } else {
                Ty::Json
            }
        }
    };
    let vals: Vec<TokenStream> = rest.iter().map(Code::value).collect();
    let r = recv.value_ref();
    let at = cx.at(span);
    Code::value_of(
        q!(::handled_runtime::js::call_method_fn(#r, #name, &mut #closure, &[#(#vals),*])#at),
        result_ty,
    )
}

/// Compiles an arrow function to a Rust closure `|args: &[Value]| -> Result<Value, JsError>`.
fn arrow(
    cx: &mut Cx<'_>,
    params: &[handled_parser::Ident],
    body: &ArrowBody,
    tys: &[Ty],
) -> (TokenStream, Ty) {
    let depth = cx.locals.len();
    let mut binds = Vec::new();
    for (i, p) in params.iter().enumerate() {
        let id = cx.fresh(&format!("p_{}", snake(&p.name)));
        binds.push(q!(let #id = ::handled_runtime::rt::arg(args, #i);));
        let ty = tys.get(i).cloned().unwrap_or(Ty::Undefined);
        cx.locals.push(Local {
            name: p.name.clone(),
            ident: id,
            ty,
            repr: Repr::Value,
            kind: LocalKind::Param,
            by_ref: false,
        });
    }
    cx.closure_depth += 1;
    let (body_ts, ret) = match body {
        ArrowBody::Expr(e) => {
            let c = compile(cx, e);
            let v = c.value();
            (q!(Ok(#v)), c.ty)
        }
        ArrowBody::Block(stmts, _) => {
            let mut ret = None;
            let ts = block(cx, stmts, &mut ret, BlockMode::Tail);
            (ts, ret.unwrap_or(Ty::Undefined))
        }
    };
    cx.closure_depth -= 1;
    cx.locals.truncate(depth);
    let args_name = if params.is_empty() {
        q!(_args)
    } else {
        q!(args)
    };
    let ts = q!(|#args_name: &[::handled_runtime::Value]| -> ::std::result::Result<::handled_runtime::Value, ::handled_runtime::JsError> { #(#binds)* #body_ts });
    (ts, ret)
}

fn always_returns(stmts: &[Stmt]) -> bool {
    match stmts.last() {
        Some(Stmt::Return { .. }) => true,
        Some(Stmt::If {
            then,
            otherwise: Some(other),
            ..
        }) => always_returns(then) && always_returns(other),
        _ => false,
    }
}

fn assigned_in(stmts: &[Stmt], name: &str) -> bool {
    stmts.iter().any(|s| match s {
        Stmt::Assign { name: n, .. } => n.name == name,
        Stmt::If {
            then, otherwise, ..
        } => assigned_in(then, name) || otherwise.as_ref().is_some_and(|o| assigned_in(o, name)),
        _ => false,
    })
}

/// How a statement list ends.
#[derive(Clone, Copy, PartialEq, Eq)]
enum BlockMode {
    /// The function's body: it yields the function's result as its tail expression.
    Tail,
    /// A branch in statement position: control falls through; returns are early returns.
    Stmt,
}

/// Compiles a statement list to Rust statements of a closure returning
/// `Result<Value, JsError>`.
fn block(cx: &mut Cx<'_>, stmts: &[Stmt], ret: &mut Option<Ty>, mode: BlockMode) -> TokenStream {
    let depth = cx.locals.len();
    let mut out = Vec::new();
    let mut finished = false;
    for (i, stmt) in stmts.iter().enumerate() {
        let last = i + 1 == stmts.len();
        match stmt {
            Stmt::Const { name, init, .. } => {
                let c = compile(cx, init);
                let id = cx.fresh(&format!("l_{}", snake(&name.name)));
                let (ts, repr) = match c.repr {
                    Repr::F64 | Repr::Bool => (c.ts.clone(), c.repr.clone()),
                    _ => (c.value(), Repr::Value),
                };
                out.push(q!(let #id = #ts;));
                cx.locals.push(Local {
                    name: name.name.clone(),
                    ident: id,
                    ty: c.ty,
                    repr,
                    kind: LocalKind::Const,
                    by_ref: false,
                });
            }
            Stmt::Let { name, init, .. } => {
                let c = match init {
                    Some(e) => compile(cx, e),
                    None => Code::value_of(q!(::handled_runtime::Value::Undefined), Ty::Undefined),
                };
                let id = cx.fresh(&format!("l_{}", snake(&name.name)));
                let v = c.value();
                let mutable = assigned_in(&stmts[i + 1..], &name.name);
                let ty = if mutable { Ty::Json } else { c.ty };
                if mutable {
                    out.push(q!(let mut #id = #v;));
                } else {
                    out.push(q!(let #id = #v;));
                }
                cx.locals.push(Local {
                    name: name.name.clone(),
                    ident: id,
                    ty,
                    repr: Repr::Value,
                    kind: LocalKind::Let,
                    by_ref: false,
                });
            }
            Stmt::Assign { name, value, span } => {
                let c = compile(cx, value);
                let target = cx.local(&name.name).cloned();
                match target {
                    Some(Local {
                        kind: LocalKind::Let,
                        ident,
                        ..
                    }) => {
                        let v = c.value();
                        out.push(q!(#ident = #v;));
                    }
                    Some(_) => {
                        let d = cx.error(
                            "E0217",
                            *span,
                            format!(
                                "cannot assign to `{}`: it is not declared with `let`",
                                name.name
                            ),
                        );
                        d.help = Some("declare it with `let`, or use a new `const`".into());
                    }
                    None => {
                        cx.error(
                            "E0217",
                            *span,
                            format!(
                                "cannot assign to `{}`: no `let` with that name in this function",
                                name.name
                            ),
                        );
                    }
                }
            }
            Stmt::If {
                test,
                then,
                otherwise,
                ..
            } => {
                let t = compile(cx, test);
                warn_env_condition(cx, test);
                let tt = t.truthy();
                let tail =
                    mode == BlockMode::Tail && last && always_returns(std::slice::from_ref(stmt));
                let sub = if tail {
                    BlockMode::Tail
                } else {
                    BlockMode::Stmt
                };
                let then_ts = block(cx, then, ret, sub);
                let else_ts = match otherwise {
                    Some(o) => {
                        let e = block(cx, o, ret, sub);
                        q!(else { #e })
                    }
                    None => q!(),
                };
                out.push(q!(if #tt { #then_ts } #else_ts));
                if tail {
                    finished = true;
                }
            }
            Stmt::Return { value, .. } => {
                let c = match value {
                    Some(e) => compile(cx, e),
                    None => Code::value_of(q!(::handled_runtime::Value::Undefined), Ty::Undefined),
                };
                *ret = Some(match ret.take() {
                    Some(t) => t.join(&c.ty),
                    None => c.ty.clone(),
                });
                let v = c.value();
                if last && mode == BlockMode::Tail {
                    out.push(q!(Ok(#v)));
                } else {
                    out.push(q!(return Ok(#v);));
                }
                finished = true;
            }
            Stmt::Expr(e) => {
                let c = compile(cx, e);
                let v = c.value();
                out.push(q!(let _ = #v;));
            }
        }
        if finished {
            break;
        }
    }
    cx.locals.truncate(depth);
    if mode == BlockMode::Tail && !finished {
        out.push(q!(Ok(::handled_runtime::Value::Undefined)));
    }
    q!(#(#out)*)
}
