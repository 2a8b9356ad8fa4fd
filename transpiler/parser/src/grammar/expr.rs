//! Expressions of the JavaScript subset, and the statements of arrow-function block bodies.
//!
//! Precedence follows JavaScript: conditional < `||`/`??` < `&&` < equality < relational <
//! additive < multiplicative < `**` (right-associative) < unary < postfix/call < primary.
//! Operator chains are parsed with loops, and every level of the resulting tree counts toward
//! [`crate::MAX_DEPTH`], so no input can make the parser (or a consumer walking the tree)
//! recurse without bound.

use super::{PResult, Parser, RESERVED, Stop};
use crate::lexer::{P, Tok, Token};
use crate::{
    ArrayElem, ArrowBody, BinaryOp, Expr, ExprKind, Ident, LogicalOp, Prop, PropKey, Span, Stmt,
    SyntaxErrorKind, UnaryOp,
};

const ARROW_HELP: &str = "supported arrow functions: `x => …`, `(a, b) => …`, `() => …`, with an expression or `{ … }` body";

/// Binary operator levels, lowest first (`??` is handled beside `||`).
const LEVEL_OR: u8 = 1;
const LEVEL_EQ: u8 = 3;

#[derive(Clone, Copy)]
enum AnyOp {
    Bin(BinaryOp),
    Log(LogicalOp),
}

fn mk(kind: ExprKind, span: Span) -> Expr {
    Expr { kind, span }
}

impl<'s> Parser<'s> {
    /// Runs `f` and restores the nesting depth afterwards, whatever the outcome.
    fn with_depth<T>(&mut self, f: impl FnOnce(&mut Self) -> PResult<T>) -> PResult<T> {
        let saved = self.depth;
        let r = f(self);
        self.depth = saved;
        r
    }

    /// An assignment-level expression: an arrow function or a conditional expression.
    pub(crate) fn expr(&mut self) -> PResult<Expr> {
        self.with_depth(|p| {
            p.deeper()?;
            p.expr_inner()
        })
    }

    fn expr_inner(&mut self) -> PResult<Expr> {
        let t = self.peek();
        if t.kind == Tok::Ident && self.nth_is(1, P::Arrow) && !RESERVED.contains(&self.text(t)) {
            self.bump();
            let param = self.ident(t);
            return self.arrow_rest(self.span(t), vec![param]);
        }
        if self.at(P::LParen)
            && let Some(params) = self.arrow_params()
        {
            let open = self.bump();
            for _ in 0..params.len() {
                self.bump();
                self.eat(P::Comma);
            }
            self.bump(); // `)`
            let params = params.into_iter().map(|t| self.ident(t)).collect();
            return self.arrow_rest(self.span(open), params);
        }
        let e = self.conditional()?;
        match self.peek_kind() {
            Tok::Punct(P::Eq) => Err(self.error_here(
                SyntaxErrorKind::Unsupported,
                "assignment is not supported in expressions".to_string(),
                &[],
                Some(
                    "compare with `===`; inside `=> { … }` bodies, `name = value;` assigns a `let` variable",
                ),
            )),
            Tok::Punct(P::CompoundAssign) => {
                let op = self.text(self.peek()).to_string();
                Err(self.error_here(
                    SyntaxErrorKind::Unsupported,
                    format!("compound assignment `{op}` is not supported"),
                    &[],
                    Some("inside `=> { … }` bodies, write `name = name + value;`"),
                ))
            }
            Tok::Punct(P::Arrow) => {
                let prev = self.tok_at(self.pos.saturating_sub(1));
                let operator_before = matches!(
                    e.kind,
                    ExprKind::Binary { .. }
                        | ExprKind::Logical { .. }
                        | ExprKind::Unary { .. }
                        | ExprKind::Conditional { .. }
                );
                let (msg, help) = if prev.kind == Tok::Ident && operator_before {
                    (
                        "an arrow function after an operator must be wrapped in parentheses",
                        "write `a || (x => …)`",
                    )
                } else {
                    ("arrow function parameters must be plain names", ARROW_HELP)
                };
                Err(self.error_here(SyntaxErrorKind::Unsupported, msg.to_string(), &[], Some(help)))
            }
            _ => Ok(e),
        }
    }

    /// At `(`: the parameter tokens if this is `(a, b) =>`, else `None`. Does not move.
    fn arrow_params(&self) -> Option<Vec<Token>> {
        let mut i = self.pos + 1;
        let mut params = Vec::new();
        if self.tok_at(i).kind == Tok::Punct(P::RParen) {
            return (self.tok_at(i + 1).kind == Tok::Punct(P::Arrow)).then_some(params);
        }
        loop {
            let t = self.tok_at(i);
            if t.kind != Tok::Ident || RESERVED.contains(&self.text(t)) {
                return None;
            }
            params.push(t);
            i += 1;
            match self.tok_at(i).kind {
                Tok::Punct(P::Comma) => {
                    i += 1;
                    if self.tok_at(i).kind == Tok::Punct(P::RParen) {
                        i += 1;
                        break;
                    }
                }
                Tok::Punct(P::RParen) => {
                    i += 1;
                    break;
                }
                _ => return None,
            }
        }
        (self.tok_at(i).kind == Tok::Punct(P::Arrow)).then_some(params)
    }

    /// After the parameters: `=> body`.
    fn arrow_rest(&mut self, start: Span, params: Vec<Ident>) -> PResult<Expr> {
        if self.eat(P::Arrow).is_none() {
            return Err(self.error_expected(&["`=>`"], "after arrow function parameters"));
        }
        if self.at(P::LBrace) {
            let (stmts, span) = self.arrow_block()?;
            return Ok(mk(
                ExprKind::Arrow {
                    params,
                    body: ArrowBody::Block(stmts, span),
                },
                start.to(span),
            ));
        }
        let body = self.expr()?;
        let span = start.to(body.span);
        Ok(mk(
            ExprKind::Arrow {
                params,
                body: ArrowBody::Expr(Box::new(body)),
            },
            span,
        ))
    }

    fn conditional(&mut self) -> PResult<Expr> {
        let test = self.short_circuit()?;
        if self.eat(P::Question).is_none() {
            return Ok(test);
        }
        let consequent = self.expr()?;
        if self.eat(P::Colon).is_none() {
            return Err(self.error_expected(&["`:`"], "in conditional expression"));
        }
        let alternate = self.expr()?;
        let span = test.span.to(alternate.span);
        Ok(mk(
            ExprKind::Conditional {
                test: Box::new(test),
                consequent: Box::new(consequent),
                alternate: Box::new(alternate),
            },
            span,
        ))
    }

    fn mix_error(&mut self, other: &str) -> Stop {
        let op = if other.is_empty() {
            self.text(self.peek()).to_string()
        } else {
            other.to_string()
        };
        self.error_here(
            SyntaxErrorKind::Unexpected,
            format!("cannot mix `??` with `{op}` without parentheses"),
            &[],
            Some("add parentheses to say which comes first, e.g. `(a ?? b) || c`"),
        )
    }

    /// `||`, `&&` and `??` chains (`??` cannot be mixed with the others without parentheses).
    fn short_circuit(&mut self) -> PResult<Expr> {
        self.with_depth(|p| {
            let first = p.binary(LEVEL_EQ)?;
            if p.at(P::QQ) {
                let mut left = first;
                while p.eat(P::QQ).is_some() {
                    p.deeper()?;
                    let right = p.binary(LEVEL_EQ)?;
                    let span = left.span.to(right.span);
                    left = mk(
                        ExprKind::Logical {
                            op: LogicalOp::Nullish,
                            left: Box::new(left),
                            right: Box::new(right),
                        },
                        span,
                    );
                }
                if p.at(P::AndAnd) || p.at(P::OrOr) {
                    return Err(p.mix_error(""));
                }
                return Ok(left);
            }
            let e = p.binary_rest(first, LEVEL_OR)?;
            if p.at(P::QQ) {
                let other = match &e.kind {
                    ExprKind::Logical { op, .. } => op.as_str(),
                    _ => "&&`/`||",
                };
                return Err(p.mix_error(other));
            }
            Ok(e)
        })
    }

    fn binop(&self) -> Option<(AnyOp, u8)> {
        let Tok::Punct(p) = self.peek_kind() else {
            return None;
        };
        Some(match p {
            P::OrOr => (AnyOp::Log(LogicalOp::Or), 1),
            P::AndAnd => (AnyOp::Log(LogicalOp::And), 2),
            P::EqEq => (AnyOp::Bin(BinaryOp::LooseEq), 3),
            P::BangEq => (AnyOp::Bin(BinaryOp::LooseNe), 3),
            P::EqEqEq => (AnyOp::Bin(BinaryOp::StrictEq), 3),
            P::BangEqEq => (AnyOp::Bin(BinaryOp::StrictNe), 3),
            P::Lt => (AnyOp::Bin(BinaryOp::Lt), 4),
            P::Le => (AnyOp::Bin(BinaryOp::Le), 4),
            P::Gt => (AnyOp::Bin(BinaryOp::Gt), 4),
            P::Ge => (AnyOp::Bin(BinaryOp::Ge), 4),
            P::Plus => (AnyOp::Bin(BinaryOp::Add), 5),
            P::Minus => (AnyOp::Bin(BinaryOp::Sub), 5),
            P::Star => (AnyOp::Bin(BinaryOp::Mul), 6),
            P::Slash => (AnyOp::Bin(BinaryOp::Div), 6),
            P::Percent => (AnyOp::Bin(BinaryOp::Rem), 6),
            _ => return None,
        })
    }

    /// Reports operators that JavaScript has but the subset does not, where a binary operator
    /// could stand.
    fn check_unsupported_binop(&mut self) -> PResult<()> {
        let t = self.peek();
        let (msg, help) = match t.kind {
            Tok::Punct(P::Bitwise) => (
                format!("the bitwise operator `{}` is not supported", self.text(t)),
                "use `&&`/`||` for logic and `Math` functions for arithmetic",
            ),
            Tok::Ident if self.text(t) == "in" && !self.nth_is(1, P::Colon) => (
                "the `in` operator is not supported".to_string(),
                "test `obj.key !== undefined`, or `Object.keys(obj).includes(key)`",
            ),
            Tok::Ident if self.text(t) == "instanceof" && !self.nth_is(1, P::Colon) => (
                "the `instanceof` operator is not supported".to_string(),
                "use `Array.isArray(x)` or `typeof x`",
            ),
            _ => return Ok(()),
        };
        Err(self.error_here(SyntaxErrorKind::Unsupported, msg, &[], Some(help)))
    }

    fn binary(&mut self, min: u8) -> PResult<Expr> {
        let left = self.exponent()?;
        self.binary_rest(left, min)
    }

    /// Precedence climbing: a loop per level, recursion only into higher levels.
    fn binary_rest(&mut self, first: Expr, min: u8) -> PResult<Expr> {
        self.with_depth(|p| {
            let mut left = first;
            loop {
                p.check_unsupported_binop()?;
                let Some((op, prec)) = p.binop() else {
                    return Ok(left);
                };
                if prec < min {
                    return Ok(left);
                }
                p.bump();
                p.deeper()?;
                let right = p.binary(prec + 1)?;
                let span = left.span.to(right.span);
                let (left_b, right_b) = (Box::new(left), Box::new(right));
                left = mk(
                    match op {
                        AnyOp::Bin(op) => ExprKind::Binary {
                            op,
                            left: left_b,
                            right: right_b,
                        },
                        AnyOp::Log(op) => ExprKind::Logical {
                            op,
                            left: left_b,
                            right: right_b,
                        },
                    },
                    span,
                );
            }
        })
    }

    fn unary_pow_error(&mut self, operand: Span) -> Stop {
        let span = operand.to(self.span(self.peek()));
        self.error_span(
            SyntaxErrorKind::Unexpected,
            span,
            "a unary operator cannot stand directly before `**`".to_string(),
            &[],
            Some("add parentheses to say which comes first: `(-a) ** b` or `-(a ** b)`"),
        )
    }

    /// `**` chains, right-associative, folded from a list so that they do not recurse.
    fn exponent(&mut self) -> PResult<Expr> {
        let (first, bare) = self.unary()?;
        if !self.at(P::StarStar) {
            return Ok(first);
        }
        self.with_depth(|p| {
            if bare {
                return Err(p.unary_pow_error(first.span));
            }
            let mut operands = vec![first];
            while p.eat(P::StarStar).is_some() {
                p.deeper()?;
                let (e, bare) = p.unary()?;
                if bare && p.at(P::StarStar) {
                    return Err(p.unary_pow_error(e.span));
                }
                operands.push(e);
            }
            let mut acc = operands.pop().ok_or(Stop)?;
            while let Some(left) = operands.pop() {
                let span = left.span.to(acc.span);
                acc = mk(
                    ExprKind::Binary {
                        op: BinaryOp::Pow,
                        left: Box::new(left),
                        right: Box::new(acc),
                    },
                    span,
                );
            }
            Ok(acc)
        })
    }

    /// A prefix operator and its operand; the flag says whether a unary operator was written.
    fn unary(&mut self) -> PResult<(Expr, bool)> {
        let t = self.peek();
        let text = self.text(t);
        let op = match t.kind {
            Tok::Punct(P::Bang) => UnaryOp::Not,
            Tok::Punct(P::Minus) => UnaryOp::Neg,
            Tok::Punct(P::Plus) => UnaryOp::Plus,
            Tok::Ident if text == "typeof" => UnaryOp::Typeof,
            Tok::Punct(P::Update) => {
                return Err(self.error_here(
                    SyntaxErrorKind::Unsupported,
                    format!("`{text}` is not supported"),
                    &[],
                    Some("expressions never modify values: write `x + 1`"),
                ));
            }
            Tok::Punct(P::Tilde) => {
                return Err(self.error_here(
                    SyntaxErrorKind::Unsupported,
                    "the bitwise operator `~` is not supported".to_string(),
                    &[],
                    Some("use `Math` functions for arithmetic"),
                ));
            }
            Tok::Ident if matches!(text, "delete" | "void" | "await") => {
                return Err(self.error_here(
                    SyntaxErrorKind::Unsupported,
                    format!("the `{text}` operator is not supported"),
                    &[],
                    Some("supported prefix operators: `!`, `-`, `+`, `typeof`"),
                ));
            }
            _ => return Ok((self.postfix()?, false)),
        };
        self.with_depth(|p| {
            p.bump();
            p.deeper()?;
            let (e, _) = p.unary()?;
            let span = p.span(t).to(e.span);
            Ok((
                mk(
                    ExprKind::Unary {
                        op,
                        expr: Box::new(e),
                    },
                    span,
                ),
                true,
            ))
        })
    }

    /// Member accesses, calls and indexing after a primary expression.
    fn postfix(&mut self) -> PResult<Expr> {
        self.with_depth(|p| {
            let mut e = if p.is_kw(0, "new") { p.new_expr()? } else { p.primary()? };
            loop {
                match p.peek_kind() {
                    Tok::Punct(P::Dot) => {
                        p.bump();
                        p.deeper()?;
                        e = p.member(e, false)?;
                    }
                    Tok::Punct(P::QDot) => {
                        p.bump();
                        p.deeper()?;
                        e = match p.peek_kind() {
                            Tok::Punct(P::LBracket) => p.index(e, true)?,
                            Tok::Punct(P::LParen) => p.call(e, true)?,
                            _ => p.member(e, true)?,
                        };
                    }
                    Tok::Punct(P::LBracket) => {
                        p.deeper()?;
                        e = p.index(e, false)?;
                    }
                    Tok::Punct(P::LParen) => {
                        p.deeper()?;
                        e = p.call(e, false)?;
                    }
                    Tok::TplFull(_) | Tok::TplHead(_) => {
                        return Err(p.error_here(
                            SyntaxErrorKind::Unsupported,
                            "tagged template literals are not supported".to_string(),
                            &[],
                            Some("put an operator between the expression and the template, e.g. `a + `…``"),
                        ));
                    }
                    Tok::Punct(P::Update) => {
                        let text = p.text(p.peek()).to_string();
                        return Err(p.error_here(
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

    fn member(&mut self, object: Expr, optional: bool) -> PResult<Expr> {
        let t = self.peek();
        if t.kind != Tok::Ident {
            let after = if optional { "after `?.`" } else { "after `.`" };
            return Err(self.error_expected(&["a property name"], after));
        }
        self.bump();
        let property = self.ident(t);
        let span = object.span.to(property.span);
        Ok(mk(
            ExprKind::Member {
                object: Box::new(object),
                property,
                optional,
            },
            span,
        ))
    }

    fn index(&mut self, object: Expr, optional: bool) -> PResult<Expr> {
        let open = self.bump();
        let errs = self.skipped_closers;
        let index = self.expr()?;
        let Some(close) = self.eat(P::RBracket) else {
            if self.at_eof() {
                self.unclosed(open, "]", errs);
                return Err(Stop);
            }
            return Err(self.error_expected(&["`]`"], ""));
        };
        let span = object.span.to(self.span(close));
        Ok(mk(
            ExprKind::Index {
                object: Box::new(object),
                index: Box::new(index),
                optional,
            },
            span,
        ))
    }

    fn call(&mut self, callee: Expr, optional: bool) -> PResult<Expr> {
        let open = self.bump();
        let args = self.elem_list(open, P::RParen, ")", false)?;
        let span = self.span_from(callee.span);
        Ok(mk(
            ExprKind::Call {
                callee: Box::new(callee),
                args,
                optional,
            },
            span,
        ))
    }

    /// The elements of an array literal or argument list, after the opening bracket, through
    /// the closing one.
    fn elem_list(
        &mut self,
        open: Token,
        close: P,
        close_text: &str,
        array: bool,
    ) -> PResult<Vec<ArrayElem>> {
        let errs = self.skipped_closers;
        let close_bt = format!("`{close_text}`");
        let mut out = Vec::new();
        loop {
            if self.eat(close).is_some() {
                return Ok(out);
            }
            if self.at_eof() {
                self.unclosed(open, close_text, errs);
                return Err(Stop);
            }
            if self.at(P::Comma) {
                if array {
                    return Err(self.error_here(
                        SyntaxErrorKind::Unsupported,
                        "array holes (`[a, , b]`) are not supported".to_string(),
                        &[],
                        Some("write `undefined` explicitly"),
                    ));
                }
                return Err(self.error_expected(&["an expression", &close_bt], ""));
            }
            let elem = if let Some(dots) = self.eat(P::Ellipsis) {
                let e = self.expr()?;
                ArrayElem::Spread(e, self.span(dots))
            } else {
                ArrayElem::Expr(self.expr()?)
            };
            out.push(elem);
            if self.eat(P::Comma).is_some() || self.at(close) {
                continue;
            }
            if self.at_eof() {
                self.unclosed(open, close_text, errs);
                return Err(Stop);
            }
            return Err(self.error_expected(&["`,`", &close_bt], ""));
        }
    }

    fn new_expr(&mut self) -> PResult<Expr> {
        let kw = self.bump();
        self.with_depth(|p| {
            p.deeper()?;
            if p.at(P::Dot) {
                return Err(p.error_here(
                    SyntaxErrorKind::Unsupported,
                    "`new.target` is not supported".to_string(),
                    &[],
                    None,
                ));
            }
            let mut callee = if p.is_kw(0, "new") {
                p.new_expr()?
            } else {
                p.primary()?
            };
            loop {
                match p.peek_kind() {
                    Tok::Punct(P::Dot) => {
                        p.bump();
                        p.deeper()?;
                        callee = p.member(callee, false)?;
                    }
                    Tok::Punct(P::LBracket) => {
                        p.deeper()?;
                        callee = p.index(callee, false)?;
                    }
                    Tok::Punct(P::QDot) => {
                        return Err(p.error_here(
                            SyntaxErrorKind::Unexpected,
                            "optional chaining cannot be used in a `new` expression".to_string(),
                            &[],
                            None,
                        ));
                    }
                    _ => break,
                }
            }
            let args = if p.at(P::LParen) {
                let open = p.bump();
                p.elem_list(open, P::RParen, ")", false)?
            } else {
                Vec::new()
            };
            let span = p.span_from(p.span(kw));
            Ok(mk(
                ExprKind::New {
                    callee: Box::new(callee),
                    args,
                },
                span,
            ))
        })
    }

    fn primary(&mut self) -> PResult<Expr> {
        let t = self.peek();
        let span = self.span(t);
        let kind = match t.kind {
            Tok::Num(v) => ExprKind::Number(v),
            Tok::Str(i) => ExprKind::String(self.take_string(i)),
            Tok::TplFull(i) => ExprKind::Template {
                quasis: vec![self.take_string(i)],
                exprs: Vec::new(),
            },
            Tok::TplHead(_) => return self.template(),
            Tok::Punct(P::LParen) => return self.paren(),
            Tok::Punct(P::LBracket) => {
                return self.with_depth(|p| {
                    p.deeper()?;
                    let open = p.bump();
                    let elems = p.elem_list(open, P::RBracket, "]", true)?;
                    Ok(mk(ExprKind::Array(elems), p.span_from(span)))
                });
            }
            Tok::Punct(P::LBrace) => return self.object(),
            Tok::Ident => match self.text(t) {
                "true" => ExprKind::Bool(true),
                "false" => ExprKind::Bool(false),
                "null" => ExprKind::Null,
                "undefined" => ExprKind::Undefined,
                word if RESERVED.contains(&word) => return Err(self.keyword_in_expr(word)),
                word => ExprKind::Ident(word.to_string()),
            },
            Tok::Regex => return Err(Stop),
            Tok::Unknown => {
                let c = self.text(t).to_string();
                let help = match c.as_str() {
                    "#" => Some("private names are not supported"),
                    "@" => Some("decorators are not supported"),
                    "\\" => Some("escapes are only allowed inside strings"),
                    _ => None,
                };
                return Err(self.error_here(
                    SyntaxErrorKind::Unexpected,
                    format!("unexpected character `{c}`"),
                    &["an expression"],
                    help,
                ));
            }
            Tok::Punct(P::Arrow) => {
                return Err(self.error_here(
                    SyntaxErrorKind::Unsupported,
                    "`=>` without parameters".to_string(),
                    &["an expression"],
                    Some(ARROW_HELP),
                ));
            }
            _ => return Err(self.error_expected(&["an expression"], "")),
        };
        self.bump();
        Ok(mk(kind, span))
    }

    /// A name in expression position: an identifier, or a keyword that cannot stand there.
    fn keyword_in_expr(&mut self, word: &str) -> Stop {
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
                let found = format!("keyword `{word}`");
                return self.error_here(
                    SyntaxErrorKind::Unexpected,
                    format!("expected an expression, found {found}"),
                    &["an expression"],
                    Some("use the conditional operator: `test ? a : b`"),
                );
            }
            _ => return self.error_expected(&["an expression"], ""),
        };
        self.error_here(SyntaxErrorKind::Unsupported, msg, &[], Some(&help))
    }

    fn paren(&mut self) -> PResult<Expr> {
        self.with_depth(|p| {
            p.deeper()?;
            let open = p.bump();
            let errs = p.skipped_closers;
            if p.at(P::RParen) {
                return Err(p.error_expected(&["an expression"], "inside `( )`"));
            }
            let mut e = p.expr()?;
            if p.at(P::Comma) {
                return Err(p.error_here(
                    SyntaxErrorKind::Unsupported,
                    "the comma operator is not supported".to_string(),
                    &["`)`"],
                    Some("write one expression inside the parentheses"),
                ));
            }
            let Some(close) = p.eat(P::RParen) else {
                if p.at_eof() {
                    p.unclosed(open, ")", errs);
                    return Err(Stop);
                }
                return Err(p.error_expected(&["`)`"], ""));
            };
            e.span = p.span(open).to(p.span(close));
            Ok(e)
        })
    }

    fn template(&mut self) -> PResult<Expr> {
        self.with_depth(|p| {
            p.deeper()?;
            let head = p.bump();
            let Tok::TplHead(i) = head.kind else {
                return Err(p.error_expected(&["template literal"], ""));
            };
            let mut quasis = vec![p.take_string(i)];
            let mut exprs = Vec::new();
            loop {
                exprs.push(p.expr()?);
                let t = p.peek();
                match t.kind {
                    Tok::TplMid(i) => {
                        p.bump();
                        quasis.push(p.take_string(i));
                    }
                    Tok::TplTail(i) => {
                        p.bump();
                        quasis.push(p.take_string(i));
                        let span = p.span(head).to(p.span(t));
                        return Ok(mk(ExprKind::Template { quasis, exprs }, span));
                    }
                    _ => {
                        return Err(p.error_expected(&["`}`"], "to end the template substitution"));
                    }
                }
            }
        })
    }

    fn object(&mut self) -> PResult<Expr> {
        self.with_depth(|p| {
            p.deeper()?;
            let open = p.bump();
            let errs = p.skipped_closers;
            let mut props = Vec::new();
            loop {
                if p.eat(P::RBrace).is_some() {
                    let span = p.span_from(p.span(open));
                    return Ok(mk(ExprKind::Object(props), span));
                }
                if p.at_eof() {
                    p.unclosed(open, "}", errs);
                    return Err(Stop);
                }
                props.push(p.prop()?);
                if p.eat(P::Comma).is_some() || p.at(P::RBrace) {
                    continue;
                }
                if p.at_eof() {
                    p.unclosed(open, "}", errs);
                    return Err(Stop);
                }
                return Err(p.error_expected(&["`,`", "`}`"], ""));
            }
        })
    }

    fn prop(&mut self) -> PResult<Prop> {
        let t = self.peek();
        let key = match t.kind {
            Tok::Punct(P::Ellipsis) => {
                self.bump();
                let e = self.expr()?;
                return Ok(Prop::Spread(e, self.span(t)));
            }
            Tok::Ident => {
                let text = self.text(t);
                let next = self.nth_kind(1);
                match next {
                    Tok::Punct(P::Colon) => {}
                    Tok::Punct(P::Comma | P::RBrace) if !RESERVED.contains(&text) => {
                        self.bump();
                        return Ok(Prop::Shorthand(self.ident(t)));
                    }
                    Tok::Punct(P::LParen) => {
                        return Err(self.error_here(
                            SyntaxErrorKind::Unsupported,
                            "methods in object literals are not supported".to_string(),
                            &["`:`"],
                            Some("write `name: (args) => …`"),
                        ));
                    }
                    Tok::Ident if matches!(text, "get" | "set" | "async") => {
                        return Err(self.error_here(
                            SyntaxErrorKind::Unsupported,
                            format!("`{text}` methods in object literals are not supported"),
                            &["`:`"],
                            Some("write `name: value`"),
                        ));
                    }
                    _ => {
                        self.bump();
                        return Err(self.error_expected(
                            &["`:`", "`,`", "`}`"],
                            &format!("after property name `{text}`"),
                        ));
                    }
                }
                self.bump();
                PropKey::Ident(self.ident(t))
            }
            Tok::Str(i) => {
                self.bump();
                PropKey::String(self.take_string(i), self.span(t))
            }
            Tok::Num(v) => {
                self.bump();
                PropKey::Number(v, self.span(t))
            }
            Tok::Punct(P::LBracket) => {
                self.bump();
                let errs = self.skipped_closers;
                let e = self.expr()?;
                if self.eat(P::RBracket).is_none() {
                    if self.at_eof() {
                        self.unclosed(t, "]", errs);
                        return Err(Stop);
                    }
                    return Err(self.error_expected(&["`]`"], "after computed property key"));
                }
                PropKey::Computed(Box::new(e))
            }
            _ => {
                return Err(self.error_expected(&["a property name", "`...`", "`}`"], ""));
            }
        };
        if self.eat(P::Colon).is_none() {
            return Err(self.error_expected(&["`:`"], "after property key"));
        }
        let value = self.expr()?;
        Ok(Prop::KeyValue { key, value })
    }

    // ----- statements in arrow bodies ----------------------------------------------------

    /// `{ statements }` after `=>`.
    fn arrow_block(&mut self) -> PResult<(Vec<Stmt>, Span)> {
        self.with_depth(|p| {
            p.deeper()?;
            let open = p.bump();
            let stmts = p.stmt_list(open)?;
            Ok((stmts, p.span_from(p.span(open))))
        })
    }

    /// Statements up to and including the `}` matching `open`.
    fn stmt_list(&mut self, open: Token) -> PResult<Vec<Stmt>> {
        let errs = self.skipped_closers;
        let mut stmts = Vec::new();
        loop {
            if self.eat(P::RBrace).is_some() {
                return Ok(stmts);
            }
            if self.at_eof() {
                self.unclosed(open, "}", errs);
                return Err(Stop);
            }
            if self.eat(P::Semi).is_some() {
                continue;
            }
            stmts.push(self.stmt()?);
        }
    }

    fn end_stmt(&mut self, start: Span) -> Span {
        self.eat(P::Semi);
        self.span_from(start)
    }

    fn stmt(&mut self) -> PResult<Stmt> {
        self.with_depth(|p| {
            p.deeper()?;
            let t = p.peek();
            let start = p.span(t);
            if t.kind == Tok::Punct(P::LBrace) {
                return Err(p.error_here(
                    SyntaxErrorKind::Unsupported,
                    "nested blocks are not supported".to_string(),
                    &[],
                    Some("blocks may follow `=>`, `if (…)` and `else`; to return an object, write `return { … };`"),
                ));
            }
            if t.kind != Tok::Ident {
                let e = p.expr()?;
                p.end_stmt(start);
                return Ok(Stmt::Expr(e));
            }
            let word = p.text(t);
            match word {
                "const" | "let" => return p.decl(word == "const"),
                "if" => return p.if_stmt(),
                "return" => {
                    p.bump();
                    let value = if p.at(P::Semi) || p.at(P::RBrace) { None } else { Some(p.expr()?) };
                    let span = p.end_stmt(start);
                    return Ok(Stmt::Return { value, span });
                }
                "var" => {
                    return Err(p.error_here(
                        SyntaxErrorKind::Unsupported,
                        "`var` is not supported".to_string(),
                        &[],
                        Some("declare with `const` or `let`"),
                    ));
                }
                "for" | "while" | "do" => {
                    return Err(p.error_here(
                        SyntaxErrorKind::Unsupported,
                        format!("`{word}` loops are not supported"),
                        &[],
                        Some("use array methods: `map`, `filter`, `reduce`, `some`, `every`, `find`"),
                    ));
                }
                "switch" | "try" | "throw" | "break" | "continue" | "with" | "debugger" => {
                    return Err(p.error_here(
                        SyntaxErrorKind::Unsupported,
                        format!("`{word}` statements are not supported"),
                        &[],
                        Some("supported statements: `const`, `let`, assignment, `if`/`else`, `return`, expressions"),
                    ));
                }
                "else" => {
                    return Err(p.error_here(
                        SyntaxErrorKind::Unexpected,
                        "`else` without a preceding `if`".to_string(),
                        &["a statement"],
                        None,
                    ));
                }
                _ => {}
            }
            if p.nth_is(1, P::Colon) {
                return Err(p.error_here(
                    SyntaxErrorKind::Unsupported,
                    "labeled statements are not supported".to_string(),
                    &[],
                    Some("to return an object literal from an arrow function, wrap it in parentheses: `x => ({ … })`"),
                ));
            }
            if p.nth_is(1, P::Eq) {
                let name_tok = p.bump();
                let name = p.ident(name_tok);
                p.bump();
                let value = p.expr()?;
                let span = p.end_stmt(start);
                return Ok(Stmt::Assign { name, value, span });
            }
            let e = p.expr()?;
            p.end_stmt(start);
                Ok(Stmt::Expr(e))
        })
    }

    fn decl(&mut self, is_const: bool) -> PResult<Stmt> {
        let kw = self.bump();
        let start = self.span(kw);
        let kw_text = if is_const { "const" } else { "let" };
        let t = self.peek();
        if matches!(t.kind, Tok::Punct(P::LBrace | P::LBracket)) {
            return Err(self.error_here(
                SyntaxErrorKind::Unsupported,
                "destructuring is not supported".to_string(),
                &["a name"],
                Some("declare one name per statement: `const x = obj.x;`"),
            ));
        }
        if t.kind != Tok::Ident || RESERVED.contains(&self.text(t)) {
            return Err(self.error_expected(&["a name"], &format!("after `{kw_text}`")));
        }
        self.bump();
        let name = self.ident(t);
        let init = if self.eat(P::Eq).is_some() {
            Some(self.expr()?)
        } else if is_const {
            return Err(self.error_expected(&["`=`"], &format!("after `const {}`", name.name)));
        } else {
            None
        };
        if self.at(P::Comma) {
            return Err(self.error_here(
                SyntaxErrorKind::Unsupported,
                "declaring several names in one statement is not supported".to_string(),
                &["`;`"],
                Some("write one declaration per name"),
            ));
        }
        let span = self.end_stmt(start);
        match (is_const, init) {
            (true, Some(init)) => Ok(Stmt::Const { name, init, span }),
            (_, init) => Ok(Stmt::Let { name, init, span }),
        }
    }

    fn if_stmt(&mut self) -> PResult<Stmt> {
        let kw = self.bump();
        let start = self.span(kw);
        let Some(open) = self.eat(P::LParen) else {
            return Err(self.error_expected(&["`(`"], "after `if`"));
        };
        let errs = self.skipped_closers;
        let test = self.expr()?;
        if self.eat(P::RParen).is_none() {
            if self.at_eof() {
                self.unclosed(open, ")", errs);
                return Err(Stop);
            }
            return Err(self.error_expected(&["`)`"], "after the `if` condition"));
        }
        let then = self.branch()?;
        let otherwise = if self.is_kw(0, "else") {
            self.bump();
            Some(self.branch()?)
        } else {
            None
        };
        Ok(Stmt::If {
            test,
            then,
            otherwise,
            span: self.span_from(start),
        })
    }

    fn branch(&mut self) -> PResult<Vec<Stmt>> {
        if self.at(P::LBrace) {
            return self.with_depth(|p| {
                p.deeper()?;
                let open = p.bump();
                p.stmt_list(open)
            });
        }
        if self.at_eof() || self.at(P::RBrace) {
            return Err(self.error_expected(&["a statement"], ""));
        }
        Ok(vec![self.stmt()?])
    }
}
