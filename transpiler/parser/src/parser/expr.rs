//! Expressions of the JavaScript subset, and the statements of arrow-function block bodies.
//!
//! Precedence follows JavaScript: conditional < `||`/`??` < `&&` < equality < relational <
//! additive < multiplicative < `**` (right-associative) < unary < postfix/call < primary.
//! The binary operators from `||` to `*` go through winnow's Pratt parser
//! ([`expression`]); `??` (which cannot be mixed with `||`/`&&`), `**` (whose left operand
//! cannot be a bare unary operator) and postfix chains are loops. Every level of the resulting
//! tree counts toward [`crate::MAX_DEPTH`], so no input can make the parser (or a consumer
//! walking the tree) recurse without bound.

use winnow::combinator::{
    Infix, alt, dispatch, empty, expression, fail, opt, peek, separated, terminated, trace,
};
use winnow::error::ContextError;
use winnow::prelude::*;
use winnow::token::{any, one_of};

use super::{
    Input, RESERVED, Stop, at, at_eof, bump, deeper, eat, error_expected, error_here, error_span,
    ident, is_kw, nth_is, peek_kind, peek_tok, prev_tok, punct, span, span_from, stop, take_string,
    unclosed, with_depth,
};
use crate::lexer::{P, Tok, Token};
use crate::{
    ArrayElem, ArrowBody, BinaryOp, Expr, ExprKind, Ident, LogicalOp, Prop, PropKey, Span, Stmt,
    SyntaxErrorKind, UnaryOp,
};

const ARROW_HELP: &str = "supported arrow functions: `x => …`, `(a, b) => …`, `() => …`, with an expression or `{ … }` body";

/// Binary operator levels of the Pratt parser, lowest first (`??` is handled beside `||`).
const LEVEL_OR: i64 = 1;
const LEVEL_EQ: i64 = 3;

fn mk(kind: ExprKind, span: Span) -> Expr {
    Expr { kind, span }
}

/// A name that can be an arrow function parameter.
fn param<'s>(i: &mut Input<'_, 's>) -> ModalResult<Token<'s>> {
    one_of(|t: &Token<'_>| t.kind == Tok::Ident && !RESERVED.contains(&t.text))
        .map(|t: &Token<'s>| *t)
        .parse_next(i)
}

/// An assignment-level expression: an arrow function or a conditional expression.
pub(crate) fn expr(i: &mut Input<'_, '_>) -> ModalResult<Expr> {
    trace("expr", |i: &mut Input<'_, '_>| {
        with_depth(i, |i| {
            deeper(i)?;
            expr_inner(i)
        })
    })
    .parse_next(i)
}

fn expr_inner(i: &mut Input<'_, '_>) -> ModalResult<Expr> {
    // `x =>`
    if let Some(t) = opt(terminated(param, peek(punct(P::Arrow)))).parse_next(i)? {
        let p = ident(i, t);
        return arrow_rest(i, span(i, t), vec![p]);
    }
    // `(a, b) =>`, `() =>`
    let params = opt(terminated(
        (
            punct(P::LParen),
            alt((
                terminated(separated(1.., param, punct(P::Comma)), opt(punct(P::Comma))),
                empty.value(Vec::new()),
            )),
            punct(P::RParen),
        ),
        peek(punct(P::Arrow)),
    ))
    .parse_next(i)?;
    if let Some((open, params, _)) = params {
        let params: Vec<Token<'_>> = params;
        let params = params.into_iter().map(|t| ident(i, t)).collect();
        return arrow_rest(i, span(i, open), params);
    }
    let e = conditional(i)?;
    match peek_kind(i) {
        Tok::Punct(P::Eq) => Err(error_here(
            i,
            SyntaxErrorKind::Unsupported,
            "assignment is not supported in expressions".to_string(),
            &[],
            Some(
                "compare with `===`; inside `=> { … }` bodies, `name = value;` assigns a `let` variable",
            ),
        )),
        Tok::Punct(P::CompoundAssign) => {
            let op = peek_tok(i).text;
            Err(error_here(
                i,
                SyntaxErrorKind::Unsupported,
                format!("compound assignment `{op}` is not supported"),
                &[],
                Some("inside `=> { … }` bodies, write `name = name + value;`"),
            ))
        }
        Tok::Punct(P::Arrow) => {
            let operator_before = matches!(
                e.kind,
                ExprKind::Binary { .. }
                    | ExprKind::Logical { .. }
                    | ExprKind::Unary { .. }
                    | ExprKind::Conditional { .. }
            );
            let (msg, help) = if prev_tok(i).kind == Tok::Ident && operator_before {
                (
                    "an arrow function after an operator must be wrapped in parentheses",
                    "write `a || (x => …)`",
                )
            } else {
                ("arrow function parameters must be plain names", ARROW_HELP)
            };
            Err(error_here(
                i,
                SyntaxErrorKind::Unsupported,
                msg.to_string(),
                &[],
                Some(help),
            ))
        }
        _ => Ok(e),
    }
}

/// After the parameters: `=> body`.
fn arrow_rest(i: &mut Input<'_, '_>, start: Span, params: Vec<Ident>) -> ModalResult<Expr> {
    if eat(i, P::Arrow).is_none() {
        return Err(error_expected(
            i,
            &["`=>`"],
            "after arrow function parameters",
        ));
    }
    if at(i, P::LBrace) {
        let (stmts, block_span) = arrow_block(i)?;
        return Ok(mk(
            ExprKind::Arrow {
                params,
                body: ArrowBody::Block(stmts, block_span),
            },
            start.to(block_span),
        ));
    }
    let body = expr(i)?;
    let whole = start.to(body.span);
    Ok(mk(
        ExprKind::Arrow {
            params,
            body: ArrowBody::Expr(Box::new(body)),
        },
        whole,
    ))
}

fn conditional(i: &mut Input<'_, '_>) -> ModalResult<Expr> {
    let test = short_circuit(i)?;
    if eat(i, P::Question).is_none() {
        return Ok(test);
    }
    let consequent = expr(i)?;
    if eat(i, P::Colon).is_none() {
        return Err(error_expected(i, &["`:`"], "in conditional expression"));
    }
    let alternate = expr(i)?;
    let whole = test.span.to(alternate.span);
    Ok(mk(
        ExprKind::Conditional {
            test: Box::new(test),
            consequent: Box::new(consequent),
            alternate: Box::new(alternate),
        },
        whole,
    ))
}

fn mix_error(i: &mut Input<'_, '_>, other: &str) -> Stop {
    let op = if other.is_empty() {
        peek_tok(i).text.to_string()
    } else {
        other.to_string()
    };
    error_here(
        i,
        SyntaxErrorKind::Unexpected,
        format!("cannot mix `??` with `{op}` without parentheses"),
        &[],
        Some("add parentheses to say which comes first, e.g. `(a ?? b) || c`"),
    )
}

/// `||`, `&&` and `??` chains (`??` cannot be mixed with the others without parentheses).
fn short_circuit(i: &mut Input<'_, '_>) -> ModalResult<Expr> {
    with_depth(i, |i| {
        let first = binary(i, LEVEL_EQ, None)?;
        if at(i, P::QQ) {
            let mut left = first;
            while eat(i, P::QQ).is_some() {
                deeper(i)?;
                let right = binary(i, LEVEL_EQ, None)?;
                let whole = left.span.to(right.span);
                left = mk(
                    ExprKind::Logical {
                        op: LogicalOp::Nullish,
                        left: Box::new(left),
                        right: Box::new(right),
                    },
                    whole,
                );
            }
            if at(i, P::AndAnd) || at(i, P::OrOr) {
                return Err(mix_error(i, ""));
            }
            return Ok(left);
        }
        let e = binary(i, LEVEL_OR, Some(first))?;
        if at(i, P::QQ) {
            let other = match &e.kind {
                ExprKind::Logical { op, .. } => op.as_str(),
                _ => "&&`/`||",
            };
            return Err(mix_error(i, other));
        }
        Ok(e)
    })
}

/// Builds the node of a binary operator, and leaves the nesting level of its right operand.
fn fold(
    i: &mut Input<'_, '_>,
    kind: fn(Box<Expr>, Box<Expr>) -> ExprKind,
    l: Expr,
    r: Expr,
) -> Expr {
    if let Some(depth) = i.state.operand_depths.pop() {
        i.state.depth = depth;
    }
    let whole = l.span.to(r.span);
    mk(kind(Box::new(l), Box::new(r)), whole)
}

macro_rules! left {
    ($power:expr, $variant:ident, $op:expr) => {
        Infix::Left($power, |i, l, r| {
            Ok(fold(
                i,
                |left, right| ExprKind::$variant {
                    op: $op,
                    left,
                    right,
                },
                l,
                r,
            ))
        })
    };
}

/// A binary operator of the Pratt levels, with its binding power; operators that JavaScript
/// has but the subset does not are reported here.
fn infix<'t, 's>(
    i: &mut Input<'t, 's>,
) -> ModalResult<Infix<Input<'t, 's>, Expr, winnow::error::ErrMode<ContextError>>> {
    check_unsupported_binop(i)?;
    let op = dispatch! {any.map(|t: &Token<'_>| t.kind);
        Tok::Punct(P::OrOr) => empty.value(left!(1, Logical, LogicalOp::Or)),
        Tok::Punct(P::AndAnd) => empty.value(left!(2, Logical, LogicalOp::And)),
        Tok::Punct(P::EqEq) => empty.value(left!(3, Binary, BinaryOp::LooseEq)),
        Tok::Punct(P::BangEq) => empty.value(left!(3, Binary, BinaryOp::LooseNe)),
        Tok::Punct(P::EqEqEq) => empty.value(left!(3, Binary, BinaryOp::StrictEq)),
        Tok::Punct(P::BangEqEq) => empty.value(left!(3, Binary, BinaryOp::StrictNe)),
        Tok::Punct(P::Lt) => empty.value(left!(4, Binary, BinaryOp::Lt)),
        Tok::Punct(P::Le) => empty.value(left!(4, Binary, BinaryOp::Le)),
        Tok::Punct(P::Gt) => empty.value(left!(4, Binary, BinaryOp::Gt)),
        Tok::Punct(P::Ge) => empty.value(left!(4, Binary, BinaryOp::Ge)),
        Tok::Punct(P::Plus) => empty.value(left!(5, Binary, BinaryOp::Add)),
        Tok::Punct(P::Minus) => empty.value(left!(5, Binary, BinaryOp::Sub)),
        Tok::Punct(P::Star) => empty.value(left!(6, Binary, BinaryOp::Mul)),
        Tok::Punct(P::Slash) => empty.value(left!(6, Binary, BinaryOp::Div)),
        Tok::Punct(P::Percent) => empty.value(left!(6, Binary, BinaryOp::Rem)),
        _ => fail,
    }
    .parse_next(i)?;
    // The Pratt parser may still decline the operator (its level is too low here): the
    // nesting level is entered only when its right operand starts, in `operand`.
    i.state.pending_operator = true;
    Ok(op)
}

/// The operand of a binary operator. When it is the right operand of an operator, one level
/// of nesting is entered for the operator, and left again when the operator's node is built.
fn operand(i: &mut Input<'_, '_>) -> ModalResult<Expr> {
    if std::mem::take(&mut i.state.pending_operator) {
        deeper(i)?;
        let depth = i.state.depth;
        i.state.operand_depths.push(depth);
    }
    exponent(i)
}

/// The binary operators of levels `min` and up, with winnow's Pratt parser; `first` is the
/// first operand when it has been read already.
fn binary(i: &mut Input<'_, '_>, min: i64, first: Option<Expr>) -> ModalResult<Expr> {
    let saved = (i.state.depth, i.state.operand_depths.len());
    let mut first = first;
    let result = expression(move |i: &mut Input<'_, '_>| match first.take() {
        Some(e) => Ok(e),
        None => operand(i),
    })
    .current_precedence_level(min)
    .infix(infix)
    .parse_next(i);
    i.state.depth = saved.0;
    i.state.operand_depths.truncate(saved.1);
    i.state.pending_operator = false;
    result
}

/// Reports operators that JavaScript has but the subset does not, where a binary operator
/// could stand.
fn check_unsupported_binop(i: &mut Input<'_, '_>) -> ModalResult<()> {
    let t = peek_tok(i);
    let (msg, help) = match t.kind {
        Tok::Punct(P::Bitwise) => (
            format!("the bitwise operator `{}` is not supported", t.text),
            "use `&&`/`||` for logic and `Math` functions for arithmetic",
        ),
        Tok::Ident if t.text == "in" && !nth_is(i, 1, P::Colon) => (
            "the `in` operator is not supported".to_string(),
            "test `obj.key !== undefined`, or `Object.keys(obj).includes(key)`",
        ),
        Tok::Ident if t.text == "instanceof" && !nth_is(i, 1, P::Colon) => (
            "the `instanceof` operator is not supported".to_string(),
            "use `Array.isArray(x)` or `typeof x`",
        ),
        _ => return Ok(()),
    };
    Err(error_here(
        i,
        SyntaxErrorKind::Unsupported,
        msg,
        &[],
        Some(help),
    ))
}

fn unary_pow_error(i: &mut Input<'_, '_>, operand: Span) -> Stop {
    let whole = operand.to(span(i, peek_tok(i)));
    error_span(
        i,
        SyntaxErrorKind::Unexpected,
        whole,
        "a unary operator cannot stand directly before `**`".to_string(),
        &[],
        Some("add parentheses to say which comes first: `(-a) ** b` or `-(a ** b)`"),
    )
}

/// `**` chains, right-associative, folded from a list so that they do not recurse.
fn exponent(i: &mut Input<'_, '_>) -> ModalResult<Expr> {
    let (first, bare) = unary(i)?;
    if !at(i, P::StarStar) {
        return Ok(first);
    }
    with_depth(i, |i| {
        if bare {
            return Err(unary_pow_error(i, first.span));
        }
        let mut operands = vec![first];
        while eat(i, P::StarStar).is_some() {
            deeper(i)?;
            let (e, bare) = unary(i)?;
            if bare && at(i, P::StarStar) {
                return Err(unary_pow_error(i, e.span));
            }
            operands.push(e);
        }
        let mut acc = operands.pop().ok_or_else(stop)?;
        while let Some(left) = operands.pop() {
            let whole = left.span.to(acc.span);
            acc = mk(
                ExprKind::Binary {
                    op: BinaryOp::Pow,
                    left: Box::new(left),
                    right: Box::new(acc),
                },
                whole,
            );
        }
        Ok(acc)
    })
}

/// What a token in prefix position is.
enum Prefix {
    Op(UnaryOp),
    Update,
    Tilde,
    Unsupported,
    None,
}

/// A prefix operator and its operand; the flag says whether a unary operator was written.
fn unary(i: &mut Input<'_, '_>) -> ModalResult<(Expr, bool)> {
    let t = peek_tok(i);
    let prefix = match t.kind {
        Tok::Punct(P::Bang) => Prefix::Op(UnaryOp::Not),
        Tok::Punct(P::Minus) => Prefix::Op(UnaryOp::Neg),
        Tok::Punct(P::Plus) => Prefix::Op(UnaryOp::Plus),
        Tok::Ident if t.text == "typeof" => Prefix::Op(UnaryOp::Typeof),
        Tok::Punct(P::Update) => Prefix::Update,
        Tok::Punct(P::Tilde) => Prefix::Tilde,
        Tok::Ident if matches!(t.text, "delete" | "void" | "await") => Prefix::Unsupported,
        _ => Prefix::None,
    };
    let op = match prefix {
        Prefix::Op(op) => op,
        Prefix::Update => {
            return Err(error_here(
                i,
                SyntaxErrorKind::Unsupported,
                format!("`{}` is not supported", t.text),
                &[],
                Some("expressions never modify values: write `x + 1`"),
            ));
        }
        Prefix::Tilde => {
            return Err(error_here(
                i,
                SyntaxErrorKind::Unsupported,
                "the bitwise operator `~` is not supported".to_string(),
                &[],
                Some("use `Math` functions for arithmetic"),
            ));
        }
        Prefix::Unsupported => {
            return Err(error_here(
                i,
                SyntaxErrorKind::Unsupported,
                format!("the `{}` operator is not supported", t.text),
                &[],
                Some("supported prefix operators: `!`, `-`, `+`, `typeof`"),
            ));
        }
        Prefix::None => return Ok((postfix(i)?, false)),
    };
    with_depth(i, |i| {
        bump(i);
        deeper(i)?;
        let (e, _) = unary(i)?;
        let whole = span(i, t).to(e.span);
        Ok((
            mk(
                ExprKind::Unary {
                    op,
                    expr: Box::new(e),
                },
                whole,
            ),
            true,
        ))
    })
}

/// Member accesses, calls and indexing after a primary expression.
fn postfix(i: &mut Input<'_, '_>) -> ModalResult<Expr> {
    with_depth(i, |i| {
        let mut e = if is_kw(i, 0, "new") {
            new_expr(i)?
        } else {
            primary(i)?
        };
        loop {
            match peek_kind(i) {
                Tok::Punct(P::Dot) => {
                    bump(i);
                    deeper(i)?;
                    e = member(i, e, false)?;
                }
                Tok::Punct(P::QDot) => {
                    bump(i);
                    deeper(i)?;
                    e = match peek_kind(i) {
                        Tok::Punct(P::LBracket) => index(i, e, true)?,
                        Tok::Punct(P::LParen) => call(i, e, true)?,
                        _ => member(i, e, true)?,
                    };
                }
                Tok::Punct(P::LBracket) => {
                    deeper(i)?;
                    e = index(i, e, false)?;
                }
                Tok::Punct(P::LParen) => {
                    deeper(i)?;
                    e = call(i, e, false)?;
                }
                Tok::TplFull(_) | Tok::TplHead(_) => {
                    return Err(error_here(
                        i,
                        SyntaxErrorKind::Unsupported,
                        "tagged template literals are not supported".to_string(),
                        &[],
                        Some(
                            "put an operator between the expression and the template, e.g. `a + `…``",
                        ),
                    ));
                }
                Tok::Punct(P::Update) => {
                    let text = peek_tok(i).text;
                    return Err(error_here(
                        i,
                        SyntaxErrorKind::Unsupported,
                        format!("`{text}` is not supported"),
                        &[],
                        Some("expressions never modify values: write `x + 1`"),
                    ));
                }
                _ => return Ok(e),
            }
        }
    })
}

fn member(i: &mut Input<'_, '_>, object: Expr, optional: bool) -> ModalResult<Expr> {
    let Some(t) = opt(super::ident_tok).parse_next(i)? else {
        let after = if optional { "after `?.`" } else { "after `.`" };
        return Err(error_expected(i, &["a property name"], after));
    };
    let property = ident(i, t);
    let whole = object.span.to(property.span);
    Ok(mk(
        ExprKind::Member {
            object: Box::new(object),
            property,
            optional,
        },
        whole,
    ))
}

/// The closing `close` of the bracket `open`, or the error of its absence.
fn close<'s>(
    i: &mut Input<'_, 's>,
    open: Token<'_>,
    close: P,
    close_text: &str,
    errs: usize,
    context: &str,
) -> ModalResult<Token<'s>> {
    if let Some(t) = eat(i, close) {
        return Ok(t);
    }
    if at_eof(i) {
        unclosed(i, open, close_text, errs);
        return Err(stop());
    }
    Err(error_expected(i, &[&format!("`{close_text}`")], context))
}

fn index(i: &mut Input<'_, '_>, object: Expr, optional: bool) -> ModalResult<Expr> {
    let open = bump(i);
    let errs = i.state.skipped_closers;
    let index = expr(i)?;
    let close_tok = close(i, open, P::RBracket, "]", errs, "")?;
    let whole = object.span.to(span(i, close_tok));
    Ok(mk(
        ExprKind::Index {
            object: Box::new(object),
            index: Box::new(index),
            optional,
        },
        whole,
    ))
}

fn call(i: &mut Input<'_, '_>, callee: Expr, optional: bool) -> ModalResult<Expr> {
    let open = bump(i);
    let args = elem_list(i, open, P::RParen, ")", false)?;
    let whole = span_from(i, callee.span);
    Ok(mk(
        ExprKind::Call {
            callee: Box::new(callee),
            args,
            optional,
        },
        whole,
    ))
}

/// The elements of an array literal or argument list, after the opening bracket, through the
/// closing one.
fn elem_list(
    i: &mut Input<'_, '_>,
    open: Token<'_>,
    close: P,
    close_text: &str,
    array: bool,
) -> ModalResult<Vec<ArrayElem>> {
    let errs = i.state.skipped_closers;
    let close_bt = format!("`{close_text}`");
    let mut out = Vec::new();
    loop {
        if eat(i, close).is_some() {
            return Ok(out);
        }
        if at_eof(i) {
            unclosed(i, open, close_text, errs);
            return Err(stop());
        }
        if at(i, P::Comma) {
            if array {
                return Err(error_here(
                    i,
                    SyntaxErrorKind::Unsupported,
                    "array holes (`[a, , b]`) are not supported".to_string(),
                    &[],
                    Some("write `undefined` explicitly"),
                ));
            }
            return Err(error_expected(i, &["an expression", &close_bt], ""));
        }
        let elem = if let Some(dots) = eat(i, P::Ellipsis) {
            let e = expr(i)?;
            ArrayElem::Spread(e, span(i, dots))
        } else {
            ArrayElem::Expr(expr(i)?)
        };
        out.push(elem);
        if eat(i, P::Comma).is_some() || at(i, close) {
            continue;
        }
        if at_eof(i) {
            unclosed(i, open, close_text, errs);
            return Err(stop());
        }
        return Err(error_expected(i, &["`,`", &close_bt], ""));
    }
}

fn new_expr(i: &mut Input<'_, '_>) -> ModalResult<Expr> {
    let kw_tok = bump(i);
    with_depth(i, |i| {
        deeper(i)?;
        if at(i, P::Dot) {
            return Err(error_here(
                i,
                SyntaxErrorKind::Unsupported,
                "`new.target` is not supported".to_string(),
                &[],
                None,
            ));
        }
        let mut callee = if is_kw(i, 0, "new") {
            new_expr(i)?
        } else {
            primary(i)?
        };
        loop {
            match peek_kind(i) {
                Tok::Punct(P::Dot) => {
                    bump(i);
                    deeper(i)?;
                    callee = member(i, callee, false)?;
                }
                Tok::Punct(P::LBracket) => {
                    deeper(i)?;
                    callee = index(i, callee, false)?;
                }
                Tok::Punct(P::QDot) => {
                    return Err(error_here(
                        i,
                        SyntaxErrorKind::Unexpected,
                        "optional chaining cannot be used in a `new` expression".to_string(),
                        &[],
                        None,
                    ));
                }
                _ => break,
            }
        }
        let args = match eat(i, P::LParen) {
            Some(open) => elem_list(i, open, P::RParen, ")", false)?,
            None => Vec::new(),
        };
        let whole = span_from(i, span(i, kw_tok));
        Ok(mk(
            ExprKind::New {
                callee: Box::new(callee),
                args,
            },
            whole,
        ))
    })
}

/// A literal, a name, or a bracketed expression.
fn primary(i: &mut Input<'_, '_>) -> ModalResult<Expr> {
    let t = peek_tok(i);
    let at_span = span(i, t);
    let kind = match t.kind {
        Tok::Num(v) => ExprKind::Number(v),
        Tok::Str(s) => ExprKind::String(take_string(i, s)),
        Tok::TplFull(s) => ExprKind::Template {
            quasis: vec![take_string(i, s)],
            exprs: Vec::new(),
        },
        Tok::TplHead(_) => return template(i),
        Tok::Punct(P::LParen) => return paren(i),
        Tok::Punct(P::LBracket) => {
            return with_depth(i, |i| {
                deeper(i)?;
                let open = bump(i);
                let elems = elem_list(i, open, P::RBracket, "]", true)?;
                Ok(mk(ExprKind::Array(elems), span_from(i, at_span)))
            });
        }
        Tok::Punct(P::LBrace) => return object(i),
        Tok::Ident => match t.text {
            "true" => ExprKind::Bool(true),
            "false" => ExprKind::Bool(false),
            "null" => ExprKind::Null,
            "undefined" => ExprKind::Undefined,
            word if RESERVED.contains(&word) => return Err(keyword_in_expr(i, word)),
            word => ExprKind::Ident(word.to_string()),
        },
        Tok::Regex => return Err(stop()),
        Tok::Unknown => {
            let c = t.text;
            let help = match c {
                "#" => Some("private names are not supported"),
                "@" => Some("decorators are not supported"),
                "\\" => Some("escapes are only allowed inside strings"),
                _ => None,
            };
            return Err(error_here(
                i,
                SyntaxErrorKind::Unexpected,
                format!("unexpected character `{c}`"),
                &["an expression"],
                help,
            ));
        }
        Tok::Punct(P::Arrow) => {
            return Err(error_here(
                i,
                SyntaxErrorKind::Unsupported,
                "`=>` without parameters".to_string(),
                &["an expression"],
                Some(ARROW_HELP),
            ));
        }
        _ => return Err(error_expected(i, &["an expression"], "")),
    };
    bump(i);
    Ok(mk(kind, at_span))
}

/// A keyword in expression position.
fn keyword_in_expr(i: &mut Input<'_, '_>, word: &str) -> Stop {
    let unsupported = |msg: &str, help: &str| (msg.to_string(), help.to_string());
    let (msg, help) = match word {
        "function" => unsupported(
            "function expressions are not supported",
            "use an arrow function: `(x) => …`",
        ),
        "class" => unsupported("classes are not supported", "use object literals `{ … }`"),
        "this" | "super" => unsupported(
            &format!("`{word}` is not supported"),
            "refer to values by name: `input`, `item`, `trigger`, …",
        ),
        "var" => unsupported(
            "`var` is not supported",
            "declare with `const` or `let` inside an arrow function's `{ … }` body",
        ),
        "const" | "let" => unsupported(
            &format!("`{word}` declarations are only allowed inside `=> {{ … }}` bodies"),
            "use an arrow function with a block body, or a separate transform",
        ),
        "import" | "export" => unsupported(
            "modules are not supported",
            "connectors and `env` are available by name",
        ),
        "if" => {
            return error_here(
                i,
                SyntaxErrorKind::Unexpected,
                format!("expected an expression, found keyword `{word}`"),
                &["an expression"],
                Some("use the conditional operator: `test ? a : b`"),
            );
        }
        _ => return error_expected(i, &["an expression"], ""),
    };
    error_here(i, SyntaxErrorKind::Unsupported, msg, &[], Some(&help))
}

fn paren(i: &mut Input<'_, '_>) -> ModalResult<Expr> {
    with_depth(i, |i| {
        deeper(i)?;
        let open = bump(i);
        let errs = i.state.skipped_closers;
        if at(i, P::RParen) {
            return Err(error_expected(i, &["an expression"], "inside `( )`"));
        }
        let mut e = expr(i)?;
        if at(i, P::Comma) {
            return Err(error_here(
                i,
                SyntaxErrorKind::Unsupported,
                "the comma operator is not supported".to_string(),
                &["`)`"],
                Some("write one expression inside the parentheses"),
            ));
        }
        let close_tok = close(i, open, P::RParen, ")", errs, "")?;
        e.span = span(i, open).to(span(i, close_tok));
        Ok(e)
    })
}

/// A template literal with substitutions: head, `expr (mid expr)*`, tail.
fn template(i: &mut Input<'_, '_>) -> ModalResult<Expr> {
    with_depth(i, |i| {
        deeper(i)?;
        let head = bump(i);
        let Tok::TplHead(s) = head.kind else {
            return Err(error_expected(i, &["template literal"], ""));
        };
        let mut quasis = vec![take_string(i, s)];
        let mut exprs = Vec::new();
        loop {
            exprs.push(expr(i)?);
            let t = peek_tok(i);
            match t.kind {
                Tok::TplMid(s) => {
                    bump(i);
                    quasis.push(take_string(i, s));
                }
                Tok::TplTail(s) => {
                    bump(i);
                    quasis.push(take_string(i, s));
                    let whole = span(i, head).to(span(i, t));
                    return Ok(mk(ExprKind::Template { quasis, exprs }, whole));
                }
                _ => {
                    return Err(error_expected(
                        i,
                        &["`}`"],
                        "to end the template substitution",
                    ));
                }
            }
        }
    })
}

fn object(i: &mut Input<'_, '_>) -> ModalResult<Expr> {
    with_depth(i, |i| {
        deeper(i)?;
        let open = bump(i);
        let errs = i.state.skipped_closers;
        let mut props = Vec::new();
        loop {
            if eat(i, P::RBrace).is_some() {
                let whole = span_from(i, span(i, open));
                return Ok(mk(ExprKind::Object(props), whole));
            }
            if at_eof(i) {
                unclosed(i, open, "}", errs);
                return Err(stop());
            }
            props.push(prop(i)?);
            if eat(i, P::Comma).is_some() || at(i, P::RBrace) {
                continue;
            }
            if at_eof(i) {
                unclosed(i, open, "}", errs);
                return Err(stop());
            }
            return Err(error_expected(i, &["`,`", "`}`"], ""));
        }
    })
}

fn prop(i: &mut Input<'_, '_>) -> ModalResult<Prop> {
    let t = peek_tok(i);
    let key = match t.kind {
        Tok::Punct(P::Ellipsis) => {
            bump(i);
            let e = expr(i)?;
            return Ok(Prop::Spread(e, span(i, t)));
        }
        Tok::Ident => {
            let text = t.text;
            match super::nth(i, 1).kind {
                Tok::Punct(P::Colon) => {}
                Tok::Punct(P::Comma | P::RBrace) if !RESERVED.contains(&text) => {
                    bump(i);
                    return Ok(Prop::Shorthand(ident(i, t)));
                }
                Tok::Punct(P::LParen) => {
                    return Err(error_here(
                        i,
                        SyntaxErrorKind::Unsupported,
                        "methods in object literals are not supported".to_string(),
                        &["`:`"],
                        Some("write `name: (args) => …`"),
                    ));
                }
                Tok::Ident if matches!(text, "get" | "set" | "async") => {
                    return Err(error_here(
                        i,
                        SyntaxErrorKind::Unsupported,
                        format!("`{text}` methods in object literals are not supported"),
                        &["`:`"],
                        Some("write `name: value`"),
                    ));
                }
                _ => {
                    bump(i);
                    return Err(error_expected(
                        i,
                        &["`:`", "`,`", "`}`"],
                        &format!("after property name `{text}`"),
                    ));
                }
            }
            bump(i);
            PropKey::Ident(ident(i, t))
        }
        Tok::Str(s) => {
            bump(i);
            PropKey::String(take_string(i, s), span(i, t))
        }
        Tok::Num(v) => {
            bump(i);
            PropKey::Number(v, span(i, t))
        }
        Tok::Punct(P::LBracket) => {
            bump(i);
            let errs = i.state.skipped_closers;
            let e = expr(i)?;
            close(i, t, P::RBracket, "]", errs, "after computed property key")?;
            PropKey::Computed(Box::new(e))
        }
        _ => {
            return Err(error_expected(i, &["a property name", "`...`", "`}`"], ""));
        }
    };
    if eat(i, P::Colon).is_none() {
        return Err(error_expected(i, &["`:`"], "after property key"));
    }
    let value = expr(i)?;
    Ok(Prop::KeyValue { key, value })
}

// ----- statements in arrow bodies ----------------------------------------------------------

/// `{ statements }` after `=>`.
fn arrow_block(i: &mut Input<'_, '_>) -> ModalResult<(Vec<Stmt>, Span)> {
    with_depth(i, |i| {
        deeper(i)?;
        let open = bump(i);
        let stmts = stmt_list(i, open)?;
        Ok((stmts, span_from(i, span(i, open))))
    })
}

/// Statements up to and including the `}` matching `open`.
fn stmt_list(i: &mut Input<'_, '_>, open: Token<'_>) -> ModalResult<Vec<Stmt>> {
    let errs = i.state.skipped_closers;
    let mut stmts = Vec::new();
    loop {
        if eat(i, P::RBrace).is_some() {
            return Ok(stmts);
        }
        if at_eof(i) {
            unclosed(i, open, "}", errs);
            return Err(stop());
        }
        if eat(i, P::Semi).is_some() {
            continue;
        }
        stmts.push(stmt(i)?);
    }
}

/// An optional `;`; the span from `start` to the end of the statement.
fn end_stmt(i: &mut Input<'_, '_>, start: Span) -> Span {
    eat(i, P::Semi);
    span_from(i, start)
}

/// What a statement starts with.
#[derive(Clone, Copy)]
enum StmtStart {
    Decl(bool),
    If,
    Return,
    Var,
    Loop,
    Unsupported,
    Else,
    Label,
    Assign,
    Expr,
}

fn stmt_start(i: &mut Input<'_, '_>) -> StmtStart {
    let t = peek_tok(i);
    if t.kind != Tok::Ident {
        return StmtStart::Expr;
    }
    let by_keyword = opt(dispatch! {any.map(|t: &Token<'_>| t.text);
        "const" => empty.value(StmtStart::Decl(true)),
        "let" => empty.value(StmtStart::Decl(false)),
        "if" => empty.value(StmtStart::If),
        "return" => empty.value(StmtStart::Return),
        "var" => empty.value(StmtStart::Var),
        "for" | "while" | "do" => empty.value(StmtStart::Loop),
        "switch" | "try" | "throw" | "break" | "continue" | "with" | "debugger" =>
            empty.value(StmtStart::Unsupported),
        "else" => empty.value(StmtStart::Else),
        _ => fail,
    });
    if let Some(start) = super::lookahead(i, by_keyword).flatten() {
        return start;
    }
    if nth_is(i, 1, P::Colon) {
        StmtStart::Label
    } else if nth_is(i, 1, P::Eq) {
        StmtStart::Assign
    } else {
        StmtStart::Expr
    }
}

fn stmt(i: &mut Input<'_, '_>) -> ModalResult<Stmt> {
    with_depth(i, |i| {
        deeper(i)?;
        let t = peek_tok(i);
        let start = span(i, t);
        if t.kind == Tok::Punct(P::LBrace) {
            return Err(error_here(
                i,
                SyntaxErrorKind::Unsupported,
                "nested blocks are not supported".to_string(),
                &[],
                Some(
                    "blocks may follow `=>`, `if (…)` and `else`; to return an object, write `return { … };`",
                ),
            ));
        }
        let word = t.text;
        match stmt_start(i) {
            StmtStart::Decl(is_const) => decl(i, is_const),
            StmtStart::If => if_stmt(i),
            StmtStart::Return => {
                bump(i);
                let value = if at(i, P::Semi) || at(i, P::RBrace) {
                    None
                } else {
                    Some(expr(i)?)
                };
                let whole = end_stmt(i, start);
                Ok(Stmt::Return { value, span: whole })
            }
            StmtStart::Var => Err(error_here(
                i,
                SyntaxErrorKind::Unsupported,
                "`var` is not supported".to_string(),
                &[],
                Some("declare with `const` or `let`"),
            )),
            StmtStart::Loop => Err(error_here(
                i,
                SyntaxErrorKind::Unsupported,
                format!("`{word}` loops are not supported"),
                &[],
                Some("use array methods: `map`, `filter`, `reduce`, `some`, `every`, `find`"),
            )),
            StmtStart::Unsupported => Err(error_here(
                i,
                SyntaxErrorKind::Unsupported,
                format!("`{word}` statements are not supported"),
                &[],
                Some(
                    "supported statements: `const`, `let`, assignment, `if`/`else`, `return`, expressions",
                ),
            )),
            StmtStart::Else => Err(error_here(
                i,
                SyntaxErrorKind::Unexpected,
                "`else` without a preceding `if`".to_string(),
                &["a statement"],
                None,
            )),
            StmtStart::Label => Err(error_here(
                i,
                SyntaxErrorKind::Unsupported,
                "labeled statements are not supported".to_string(),
                &[],
                Some(
                    "to return an object literal from an arrow function, wrap it in parentheses: `x => ({ … })`",
                ),
            )),
            StmtStart::Assign => {
                let (name_tok, _) = (super::ident_tok, punct(P::Eq)).parse_next(i)?;
                let name = ident(i, name_tok);
                let value = expr(i)?;
                let whole = end_stmt(i, start);
                Ok(Stmt::Assign {
                    name,
                    value,
                    span: whole,
                })
            }
            StmtStart::Expr => {
                let e = expr(i)?;
                end_stmt(i, start);
                Ok(Stmt::Expr(e))
            }
        }
    })
}

fn decl(i: &mut Input<'_, '_>, is_const: bool) -> ModalResult<Stmt> {
    let kw_tok = bump(i);
    let start = span(i, kw_tok);
    let kw_text = kw_tok.text;
    if matches!(peek_kind(i), Tok::Punct(P::LBrace | P::LBracket)) {
        return Err(error_here(
            i,
            SyntaxErrorKind::Unsupported,
            "destructuring is not supported".to_string(),
            &["a name"],
            Some("declare one name per statement: `const x = obj.x;`"),
        ));
    }
    let Some(t) = opt(param).parse_next(i)? else {
        return Err(error_expected(
            i,
            &["a name"],
            &format!("after `{kw_text}`"),
        ));
    };
    let name = ident(i, t);
    let init = if eat(i, P::Eq).is_some() {
        Some(expr(i)?)
    } else if is_const {
        return Err(error_expected(
            i,
            &["`=`"],
            &format!("after `const {}`", name.name),
        ));
    } else {
        None
    };
    if at(i, P::Comma) {
        return Err(error_here(
            i,
            SyntaxErrorKind::Unsupported,
            "declaring several names in one statement is not supported".to_string(),
            &["`;`"],
            Some("write one declaration per name"),
        ));
    }
    let whole = end_stmt(i, start);
    match (is_const, init) {
        (true, Some(init)) => Ok(Stmt::Const {
            name,
            init,
            span: whole,
        }),
        (_, init) => Ok(Stmt::Let {
            name,
            init,
            span: whole,
        }),
    }
}

fn if_stmt(i: &mut Input<'_, '_>) -> ModalResult<Stmt> {
    let kw_tok = bump(i);
    let start = span(i, kw_tok);
    let Some(open) = eat(i, P::LParen) else {
        return Err(error_expected(i, &["`(`"], "after `if`"));
    };
    let errs = i.state.skipped_closers;
    let test = expr(i)?;
    close(i, open, P::RParen, ")", errs, "after the `if` condition")?;
    let then = branch(i)?;
    let otherwise = if opt(super::kw("else")).parse_next(i)?.is_some() {
        Some(branch(i)?)
    } else {
        None
    };
    Ok(Stmt::If {
        test,
        then,
        otherwise,
        span: span_from(i, start),
    })
}

/// The statements of an `if` or `else` branch: a `{ … }` block or a single statement.
fn branch(i: &mut Input<'_, '_>) -> ModalResult<Vec<Stmt>> {
    if at(i, P::LBrace) {
        return with_depth(i, |i| {
            deeper(i)?;
            let open = bump(i);
            stmt_list(i, open)
        });
    }
    if at_eof(i) || at(i, P::RBrace) {
        return Err(error_expected(i, &["a statement"], ""));
    }
    Ok(vec![stmt(i)?])
}
