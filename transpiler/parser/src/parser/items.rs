//! The structure of a file: workflows, the trigger, steps and field blocks, with error
//! recovery at fields, steps and workflows.

use winnow::combinator::{alt, dispatch, empty, fail, opt, preceded, trace};
use winnow::prelude::*;

use super::expr::expr;
use super::{
    Input, add_help, at, at_eof, at_strong_sync, bump, eat, error_expected, error_here, error_span,
    ident, ident_tok, is_close, is_ident, is_kw, is_open, kw, peek_kind, peek_tok, position,
    prev_tok, punct, skip, span, span_from, sync_field, sync_step, unclosed,
};
use crate::lexer::{P, Tok, Token};
use crate::{
    Action, Block, Field, File, ForEach, Ident, Span, Step, SyntaxErrorKind, Transform, Trigger,
    Workflow,
};

const STEP_EXPECTED: &[&str] = &["`transform`", "`action`", "`forEach`", "`}`"];

/// `workflow*`, skipping what is not a workflow.
pub(super) fn file(i: &mut Input<'_, '_>) -> ModalResult<File> {
    trace("file", |i: &mut Input<'_, '_>| {
        let mut workflows = Vec::new();
        loop {
            let before = position(i);
            if at_eof(i) {
                break;
            }
            if is_kw(i, 0, "workflow") {
                if let Some(w) = workflow(i) {
                    workflows.push(w);
                }
            } else {
                error_expected(i, &["`workflow`"], "");
                // Skip to the next `workflow Name`.
                skip(i);
                while !(at_eof(i) || is_kw(i, 0, "workflow") && is_ident(i, 1)) {
                    skip(i);
                }
            }
            if position(i) == before {
                skip(i);
                if position(i) == before {
                    break;
                }
            }
        }
        let base = i.state.base;
        Ok(File {
            workflows,
            span: Span::new(base, base + i.state.src.len()),
        })
    })
    .parse_next(i)
}

fn expect_ident(i: &mut Input<'_, '_>, what: &str) -> ModalResult<Ident> {
    match opt(ident_tok).parse_next(i)? {
        Some(t) => Ok(ident(i, t)),
        None => Err(error_expected(i, &[what], "")),
    }
}

fn expect_punct<'s>(
    i: &mut Input<'_, 's>,
    p: P,
    text: &str,
    context: &str,
) -> ModalResult<Token<'s>> {
    match eat(i, p) {
        Some(t) => Ok(t),
        None => Err(error_expected(i, &[text], context)),
    }
}

/// Skips a broken workflow header, and its `}` when it has one.
fn skip_workflow(i: &mut Input<'_, '_>, from: usize) -> Option<Workflow> {
    sync_step(i, from);
    if at(i, P::RBrace) {
        skip(i);
    }
    None
}

/// A step, as the keyword at the current token says.
#[derive(Clone, Copy)]
enum StepStart {
    Transform,
    Action,
    ForEach,
    Trigger,
}

/// `workflow Name { trigger step* }`.
fn workflow(i: &mut Input<'_, '_>) -> Option<Workflow> {
    let kw_tok = bump(i);
    let start_pos = position(i);
    let errs = i.state.skipped_closers;
    let name = match expect_ident(i, "a workflow name") {
        Ok(name) => name,
        // Go on without a name when the body follows: its errors are independent.
        Err(_) if at(i, P::LBrace) => {
            let at = span(i, peek_tok(i));
            Ident {
                name: String::new(),
                span: Span::new(at.start as usize, at.start as usize),
            }
        }
        Err(_) => return skip_workflow(i, start_pos),
    };
    let context = format!("after `workflow {}`", name.name);
    let Ok(open) = expect_punct(i, P::LBrace, "`{`", &context) else {
        return skip_workflow(i, start_pos);
    };
    let head = if is_kw(i, 0, "trigger") {
        let from = position(i);
        match trigger(i) {
            Ok(t) => Some(t),
            Err(_) => {
                sync_step(i, from);
                None
            }
        }
    } else {
        error_expected(
            i,
            &["`trigger`"],
            &format!("at the start of workflow `{}`", name.name),
        );
        add_help(
            i,
            "a workflow starts with its trigger: `trigger connector.event { … }`",
        );
        if !at_step_start(i) && !at(i, P::RBrace) {
            let from = position(i);
            sync_step(i, from);
        }
        None
    };
    let mut steps = Vec::new();
    let mut skipped = Vec::new();
    loop {
        let before = position(i);
        if eat(i, P::RBrace).is_some() {
            break;
        }
        if at_eof(i) || (is_kw(i, 0, "workflow") && is_ident(i, 1)) {
            unclosed(i, open, "}", errs);
            break;
        }
        let from = position(i);
        let start = super::lookahead(
            i,
            dispatch! {ident_tok.map(|t: Token<'_>| t.text);
                "transform" => empty.value(StepStart::Transform),
                "action" => empty.value(StepStart::Action),
                "forEach" => empty.value(StepStart::ForEach),
                "trigger" => empty.value(StepStart::Trigger),
                _ => fail,
            },
        );
        match start {
            Some(StepStart::Transform) => match transform(i) {
                Ok(t) => steps.push(Step::Transform(t)),
                Err(_) => skipped.push(sync_skipped(i, from)),
            },
            Some(StepStart::Action) => match action(i) {
                Ok(a) => steps.push(Step::Action(a)),
                Err(_) => skipped.push(sync_skipped(i, from)),
            },
            Some(StepStart::ForEach) => match for_each(i) {
                Ok(f) => steps.push(Step::ForEach(f)),
                Err(_) => skipped.push(sync_skipped(i, from)),
            },
            Some(StepStart::Trigger) => {
                let at = span(i, peek_tok(i));
                error_span(
                    i,
                    SyntaxErrorKind::Unexpected,
                    at,
                    "a workflow has one trigger, written before its steps".to_string(),
                    STEP_EXPECTED,
                    Some("start another `workflow` for another trigger"),
                );
                let _ = trigger(i);
                sync_step(i, from);
            }
            None => {
                error_expected(i, STEP_EXPECTED, "");
                add_help(
                    i,
                    "steps are `transform name { … }`, `action connector.op { … }` or `forEach: list actions: [ … ]`",
                );
                skip(i);
                sync_step(i, from);
            }
        }
        if position(i) == before {
            skip(i);
        }
    }
    Some(Workflow {
        name,
        trigger: head,
        steps,
        skipped_steps: skipped,
        span: span_from(i, span(i, kw_tok)),
    })
}

/// Skips a step that failed to parse, to the next step, and gives the span skipped.
fn sync_skipped(i: &mut Input<'_, '_>, from: usize) -> Span {
    let first = i
        .state
        .all
        .get(from)
        .copied()
        .unwrap_or_else(|| peek_tok(i));
    sync_step(i, from);
    span(i, first).to(span(i, prev_tok(i)))
}

/// Whether the current token starts a step.
fn at_step_start(i: &Input<'_, '_>) -> bool {
    is_kw(i, 0, "transform") || is_kw(i, 0, "action") || is_kw(i, 0, "forEach")
}

/// `connector.name` after `trigger` or `action`.
fn dotted(i: &mut Input<'_, '_>, what: &str) -> ModalResult<(Ident, Ident)> {
    let connector = expect_ident(i, "a connector name")?;
    expect_punct(
        i,
        P::Dot,
        "`.`",
        &format!("after connector `{}`", connector.name),
    )?;
    let name = expect_ident(i, what)?;
    Ok((connector, name))
}

/// `trigger connector.event { … }`.
fn trigger(i: &mut Input<'_, '_>) -> ModalResult<Trigger> {
    let kw_tok = bump(i);
    let (connector, event) = dotted(i, "an event name")?;
    let block = block(
        i,
        &format!("after `trigger {}.{}`", connector.name, event.name),
    )?;
    Ok(Trigger {
        connector,
        event,
        span: span(i, kw_tok).to(block.span),
        block,
    })
}

/// `transform name { … }`.
fn transform(i: &mut Input<'_, '_>) -> ModalResult<Transform> {
    let kw_tok = bump(i);
    let name = expect_ident(i, "a transform name")?;
    let block = block(i, &format!("after `transform {}`", name.name))?;
    Ok(Transform {
        name,
        span: span(i, kw_tok).to(block.span),
        block,
    })
}

/// `action connector.op [as alias] { … }`.
fn action(i: &mut Input<'_, '_>) -> ModalResult<Action> {
    let kw_tok = bump(i);
    let (connector, op) = dotted(i, "an operation name")?;
    let alias = if opt(kw("as")).parse_next(i)?.is_some() {
        Some(expect_ident(i, "a name after `as`")?)
    } else {
        None
    };
    let block = block(i, &format!("after `action {}.{}`", connector.name, op.name))?;
    Ok(Action {
        connector,
        op,
        alias,
        span: span(i, kw_tok).to(block.span),
        block,
    })
}

/// `forEach: list actions: [ {…}, … ]`.
fn for_each(i: &mut Input<'_, '_>) -> ModalResult<ForEach> {
    let kw_tok = bump(i);
    expect_punct(i, P::Colon, "`:`", "after `forEach`")?;
    let list = expr(i)?;
    if opt(kw("actions")).parse_next(i)?.is_none() {
        return Err(error_expected(
            i,
            &["`actions`"],
            "after the `forEach` list",
        ));
    }
    expect_punct(i, P::Colon, "`:`", "after `actions`")?;
    let open = expect_punct(i, P::LBracket, "`[`", "after `actions:`")?;
    let errs = i.state.skipped_closers;
    let mut actions = Vec::new();
    loop {
        let before = position(i);
        if eat(i, P::RBracket).is_some() {
            break;
        }
        if at_eof(i) || at_strong_sync(i) {
            unclosed(i, open, "]", errs);
            break;
        }
        if at(i, P::LBrace) {
            if let Ok(b) = block(i, "") {
                actions.push(b);
            }
            if eat(i, P::Comma).is_some() || at(i, P::RBracket) {
                continue;
            }
            if at(i, P::LBrace) {
                // A missing comma between item actions: report it and go on.
                error_expected(i, &["`,`", "`]`"], "between item actions");
                continue;
            }
            if at_eof(i) || at_strong_sync(i) {
                continue;
            }
            error_expected(i, &["`,`", "`]`"], "after an item action");
        } else {
            error_expected(i, &["`{`", "`]`"], "in `actions`");
        }
        // Skip to the next item action or the end of the list.
        let mut depth = 0usize;
        loop {
            let k = peek_kind(i);
            if k == Tok::Eof || at_strong_sync(i) {
                break;
            }
            if depth == 0 && matches!(k, Tok::Punct(P::LBrace | P::RBracket)) {
                break;
            }
            if is_open(k) {
                depth += 1;
            } else if is_close(k) {
                if depth == 0 {
                    break;
                }
                depth -= 1;
            }
            skip(i);
        }
        if position(i) == before {
            skip(i);
        }
    }
    let whole = span_from(i, span(i, kw_tok));
    Ok(ForEach {
        list,
        actions,
        span: whole,
    })
}

/// `{ name: expr, … }`; errors inside are recovered at the next field.
pub(super) fn block(i: &mut Input<'_, '_>, context: &str) -> ModalResult<Block> {
    let Some(open) = eat(i, P::LBrace) else {
        return Err(error_expected(i, &["`{`"], context));
    };
    let errs = i.state.skipped_closers;
    let mut fields = Vec::new();
    loop {
        let before = position(i);
        let t = peek_tok(i);
        match t.kind {
            Tok::Punct(P::RBrace) => {
                bump(i);
                break;
            }
            Tok::Eof => {
                unclosed(i, open, "}", errs);
                break;
            }
            _ if at_strong_sync(i) => {
                unclosed(i, open, "}", errs);
                break;
            }
            Tok::Punct(P::Semi) => {
                error_here(
                    i,
                    SyntaxErrorKind::Unexpected,
                    "expected `,` or a field name, found `;`".to_string(),
                    &["`,`", "a field name", "`}`"],
                    Some("fields are separated by `,` (or nothing), not `;`"),
                );
                bump(i);
            }
            Tok::Ident => {
                if let Some(f) = field(i) {
                    fields.push(f);
                }
            }
            _ => {
                error_expected(i, &["a field name", "`}`"], "");
                if t.kind != Tok::Punct(P::Comma) {
                    add_help(i, "fields are written `name: value`");
                }
                let from = position(i);
                skip(i);
                sync_field(i, from);
            }
        }
        if position(i) == before {
            skip(i);
        }
    }
    Ok(Block {
        fields,
        span: span_from(i, span(i, open)),
    })
}

/// What may follow a field's value without an error.
fn at_field_end(i: &mut Input<'_, '_>) -> bool {
    let next_field = preceded(ident_tok, alt((punct(P::Colon), punct(P::Eq))));
    matches!(peek_kind(i), Tok::Punct(P::RBrace | P::Semi) | Tok::Eof)
        || super::lookahead(i, next_field).is_some()
        || at_strong_sync(i)
}

/// `name: expr` and what may follow it (`,`, the next field or `}`).
fn field(i: &mut Input<'_, '_>) -> Option<Field> {
    let start = position(i);
    let name_tok = bump(i);
    let name = ident(i, name_tok);
    match peek_kind(i) {
        Tok::Punct(P::Colon) => {
            bump(i);
        }
        Tok::Punct(P::Eq) => {
            // Report, then read the value as if `:` had been written.
            error_here(
                i,
                SyntaxErrorKind::Unexpected,
                format!("expected `:` after field name `{}`, found `=`", name.name),
                &["`:`"],
                Some("fields are written `name: value`"),
            );
            bump(i);
        }
        _ => {
            error_expected(i, &["`:`"], &format!("after field name `{}`", name.name));
            sync_field(i, start);
            return None;
        }
    }
    let value = match expr(i) {
        Ok(v) => v,
        Err(_) => {
            sync_field(i, start);
            return None;
        }
    };
    let whole = name.span.to(value.span);
    let field = Field {
        name,
        value,
        span: whole,
    };
    if eat(i, P::Comma).is_none() && !at_field_end(i) {
        error_expected(
            i,
            &["`,`", "`}`", "a field name"],
            &format!("after the value of `{}`", field.name.name),
        );
        sync_field(i, start);
    }
    Some(field)
}
