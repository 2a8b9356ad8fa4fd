//! The structure of a file: workflows, the trigger, steps and field blocks, with error
//! recovery at fields, steps and workflows.

use super::{PResult, Parser, Stop};
use crate::lexer::{P, Tok, Token};
use crate::{
    Action, Block, Field, File, ForEach, Ident, Span, Step, SyntaxErrorKind, Transform, Trigger,
    Workflow,
};

const STEP_EXPECTED: &[&str] = &["`transform`", "`action`", "`forEach`", "`}`"];

impl<'s> Parser<'s> {
    /// `workflow*`.
    pub(crate) fn file(&mut self) -> File {
        let mut workflows = Vec::new();
        loop {
            let before = self.pos;
            if self.at_eof() {
                break;
            }
            if self.is_kw(0, "workflow") {
                if let Some(w) = self.workflow() {
                    workflows.push(w);
                }
            } else {
                self.error_expected(&["`workflow`"], "");
                // Skip to the next `workflow Name`.
                self.skip();
                while !(self.at_eof() || self.is_kw(0, "workflow") && self.is_ident(1)) {
                    self.skip();
                }
            }
            if self.pos == before {
                self.skip();
                if self.pos == before {
                    break;
                }
            }
        }
        File {
            workflows,
            span: Span::new(self.base, self.base + self.src.len()),
        }
    }

    fn expect_ident(&mut self, what: &str) -> PResult<Ident> {
        let t = self.peek();
        if t.kind == Tok::Ident {
            self.bump();
            return Ok(self.ident(t));
        }
        Err(self.error_expected(&[what], ""))
    }

    fn expect_punct(&mut self, p: P, text: &str, context: &str) -> PResult<Token> {
        match self.eat(p) {
            Some(t) => Ok(t),
            None => Err(self.error_expected(&[text], context)),
        }
    }

    /// `workflow Name { trigger step* }`.
    fn workflow(&mut self) -> Option<Workflow> {
        let kw = self.bump();
        let start_pos = self.pos;
        let errs = self.skipped_closers;
        let name = match self.expect_ident("a workflow name") {
            Ok(name) => name,
            // Go on without a name when the body follows: its errors are independent.
            Err(Stop) if self.at(P::LBrace) => {
                let at = self.span(self.peek());
                Ident {
                    name: String::new(),
                    span: Span::new(at.start as usize, at.start as usize),
                }
            }
            Err(Stop) => {
                self.sync_step(start_pos);
                if self.at(P::RBrace) {
                    self.skip();
                }
                return None;
            }
        };
        let Ok(open) =
            self.expect_punct(P::LBrace, "`{`", &format!("after `workflow {}`", name.name))
        else {
            self.sync_step(start_pos);
            if self.at(P::RBrace) {
                self.skip();
            }
            return None;
        };
        let trigger = if self.is_kw(0, "trigger") {
            let from = self.pos;
            match self.trigger() {
                Ok(t) => Some(t),
                Err(Stop) => {
                    self.sync_step(from);
                    None
                }
            }
        } else {
            self.error_expected(
                &["`trigger`"],
                &format!("at the start of workflow `{}`", name.name),
            );
            if let Some(e) = self.errors.last_mut()
                && e.help.is_none()
            {
                e.help = Some(
                    "a workflow starts with its trigger: `trigger connector.event { … }`"
                        .to_string(),
                );
            }
            if !self.at_step_start() && !self.at(P::RBrace) {
                let from = self.pos;
                self.sync_step(from);
            }
            None
        };
        let mut steps = Vec::new();
        loop {
            let before = self.pos;
            if self.at(P::RBrace) {
                self.bump();
                break;
            }
            if self.at_eof() || (self.is_kw(0, "workflow") && self.is_ident(1)) {
                self.unclosed(open, "}", errs);
                break;
            }
            let from = self.pos;
            if self.is_kw(0, "transform") {
                match self.transform() {
                    Ok(t) => steps.push(Step::Transform(t)),
                    Err(Stop) => self.sync_step(from),
                }
            } else if self.is_kw(0, "action") {
                match self.action() {
                    Ok(a) => steps.push(Step::Action(a)),
                    Err(Stop) => self.sync_step(from),
                }
            } else if self.is_kw(0, "forEach") {
                match self.for_each() {
                    Ok(f) => steps.push(Step::ForEach(f)),
                    Err(Stop) => self.sync_step(from),
                }
            } else if self.is_kw(0, "trigger") {
                let span = self.span(self.peek());
                self.error_span(
                    SyntaxErrorKind::Unexpected,
                    span,
                    "a workflow has one trigger, written before its steps".to_string(),
                    STEP_EXPECTED,
                    Some("start another `workflow` for another trigger"),
                );
                let _ = self.trigger();
                self.sync_step(from);
            } else {
                self.error_expected(STEP_EXPECTED, "");
                if let Some(e) = self.errors.last_mut()
                    && e.help.is_none()
                {
                    e.help = Some(
                        "steps are `transform name { … }`, `action connector.op { … }` or `forEach: list actions: [ … ]`".to_string(),
                    );
                }
                self.skip();
                self.sync_step(from);
            }
            if self.pos == before {
                self.skip();
            }
        }
        let span = self.span_from(self.span(kw));
        let trigger = trigger.unwrap_or_else(|| {
            let at = Span::new(span.end as usize, span.end as usize);
            let empty = Ident {
                name: String::new(),
                span: at,
            };
            Trigger {
                connector: empty.clone(),
                event: empty,
                block: Block {
                    fields: Vec::new(),
                    span: at,
                },
                span: at,
            }
        });
        Some(Workflow {
            name,
            trigger,
            steps,
            span,
        })
    }

    /// Whether the current token starts a step.
    fn at_step_start(&self) -> bool {
        self.is_kw(0, "transform") || self.is_kw(0, "action") || self.is_kw(0, "forEach")
    }

    /// `connector.name` after `trigger` or `action`.
    fn dotted(&mut self, what: &str) -> PResult<(Ident, Ident)> {
        let connector = self.expect_ident("a connector name")?;
        self.expect_punct(
            P::Dot,
            "`.`",
            &format!("after connector `{}`", connector.name),
        )?;
        let name = self.expect_ident(what)?;
        Ok((connector, name))
    }

    /// `trigger connector.event { … }`.
    fn trigger(&mut self) -> PResult<Trigger> {
        let kw = self.bump();
        let (connector, event) = self.dotted("an event name")?;
        let block = self.block(&format!(
            "after `trigger {}.{}`",
            connector.name, event.name
        ))?;
        Ok(Trigger {
            connector,
            event,
            span: self.span(kw).to(block.span),
            block,
        })
    }

    /// `transform name { … }`.
    fn transform(&mut self) -> PResult<Transform> {
        let kw = self.bump();
        let name = self.expect_ident("a transform name")?;
        let block = self.block(&format!("after `transform {}`", name.name))?;
        Ok(Transform {
            name,
            span: self.span(kw).to(block.span),
            block,
        })
    }

    /// `action connector.op [as alias] { … }`.
    fn action(&mut self) -> PResult<Action> {
        let kw = self.bump();
        let (connector, op) = self.dotted("an operation name")?;
        let alias = if self.is_kw(0, "as") {
            self.bump();
            Some(self.expect_ident("a name after `as`")?)
        } else {
            None
        };
        let block = self.block(&format!("after `action {}.{}`", connector.name, op.name))?;
        Ok(Action {
            connector,
            op,
            alias,
            span: self.span(kw).to(block.span),
            block,
        })
    }

    /// `forEach: list actions: [ {…}, … ]`.
    fn for_each(&mut self) -> PResult<ForEach> {
        let kw = self.bump();
        self.expect_punct(P::Colon, "`:`", "after `forEach`")?;
        let list = self.expr()?;
        if !self.is_kw(0, "actions") {
            return Err(self.error_expected(&["`actions`"], "after the `forEach` list"));
        }
        self.bump();
        self.expect_punct(P::Colon, "`:`", "after `actions`")?;
        let open = self.expect_punct(P::LBracket, "`[`", "after `actions:`")?;
        let errs = self.skipped_closers;
        let mut actions = Vec::new();
        loop {
            let before = self.pos;
            if self.eat(P::RBracket).is_some() {
                break;
            }
            if self.at_eof() || self.at_strong_sync() {
                self.unclosed(open, "]", errs);
                break;
            }
            if self.at(P::LBrace) {
                if let Ok(b) = self.block("") {
                    actions.push(b);
                }
                if self.eat(P::Comma).is_some() || self.at(P::RBracket) {
                    continue;
                }
                if self.at(P::LBrace) {
                    // A missing comma between item actions: report it and go on.
                    self.error_expected(&["`,`", "`]`"], "between item actions");
                    continue;
                }
                if self.at_eof() || self.at_strong_sync() {
                    continue;
                }
                self.error_expected(&["`,`", "`]`"], "after an item action");
            } else {
                self.error_expected(&["`{`", "`]`"], "in `actions`");
            }
            // Skip to the next item action or the end of the list.
            let mut depth = 0usize;
            loop {
                let k = self.peek_kind();
                if k == Tok::Eof || self.at_strong_sync() {
                    break;
                }
                if depth == 0 && matches!(k, Tok::Punct(P::LBrace | P::RBracket)) {
                    break;
                }
                if super::is_open(k) {
                    depth += 1;
                } else if super::is_close(k) {
                    if depth == 0 {
                        break;
                    }
                    depth -= 1;
                }
                self.skip();
            }
            if self.pos == before {
                self.skip();
            }
        }
        let span = self.span_from(self.span(kw));
        Ok(ForEach {
            list,
            actions,
            span,
        })
    }

    /// `{ name: expr, … }`; errors inside are recovered at the next field.
    pub(crate) fn block(&mut self, context: &str) -> PResult<Block> {
        let Some(open) = self.eat(P::LBrace) else {
            return Err(self.error_expected(&["`{`"], context));
        };
        let errs = self.skipped_closers;
        let mut fields = Vec::new();
        loop {
            let before = self.pos;
            let t = self.peek();
            match t.kind {
                Tok::Punct(P::RBrace) => {
                    self.bump();
                    break;
                }
                Tok::Eof => {
                    self.unclosed(open, "}", errs);
                    break;
                }
                _ if self.at_strong_sync() => {
                    self.unclosed(open, "}", errs);
                    break;
                }
                Tok::Punct(P::Semi) => {
                    self.error_here(
                        SyntaxErrorKind::Unexpected,
                        "expected `,` or a field name, found `;`".to_string(),
                        &["`,`", "a field name", "`}`"],
                        Some("fields are separated by `,` (or nothing), not `;`"),
                    );
                    self.bump();
                }
                Tok::Ident => {
                    if let Some(f) = self.field() {
                        fields.push(f);
                    }
                }
                _ => {
                    self.error_expected(&["a field name", "`}`"], "");
                    if let Some(e) = self.errors.last_mut()
                        && e.help.is_none()
                        && t.kind != Tok::Punct(P::Comma)
                    {
                        e.help = Some("fields are written `name: value`".to_string());
                    }
                    let from = self.pos;
                    self.skip();
                    self.sync_field(from);
                }
            }
            if self.pos == before {
                self.skip();
            }
        }
        Ok(Block {
            fields,
            span: self.span_from(self.span(open)),
        })
    }

    /// `name: expr` and what may follow it (`,`, the next field or `}`).
    fn field(&mut self) -> Option<Field> {
        let start = self.pos;
        let name_tok = self.bump();
        let name = self.ident(name_tok);
        match self.peek_kind() {
            Tok::Punct(P::Colon) => {
                self.bump();
            }
            Tok::Punct(P::Eq) => {
                // Report, then read the value as if `:` had been written.
                self.error_here(
                    SyntaxErrorKind::Unexpected,
                    format!("expected `:` after field name `{}`, found `=`", name.name),
                    &["`:`"],
                    Some("fields are written `name: value`"),
                );
                self.bump();
            }
            _ => {
                self.error_expected(&["`:`"], &format!("after field name `{}`", name.name));
                self.sync_field(start);
                return None;
            }
        }
        let value = match self.expr() {
            Ok(v) => v,
            Err(Stop) => {
                self.sync_field(start);
                return None;
            }
        };
        let span = name.span.to(value.span);
        let field = Field { name, value, span };
        match self.peek_kind() {
            Tok::Punct(P::Comma) => {
                self.bump();
            }
            Tok::Punct(P::RBrace | P::Semi) | Tok::Eof => {}
            Tok::Ident if self.nth_is(1, P::Colon) || self.nth_is(1, P::Eq) => {}
            _ if self.at_strong_sync() => {}
            _ => {
                self.error_expected(
                    &["`,`", "`}`", "a field name"],
                    &format!("after the value of `{}`", field.name.name),
                );
                self.sync_field(start);
            }
        }
        Some(field)
    }
}
