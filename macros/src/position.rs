//! Positions for programs written inline (`source = r#"…"#`): the text handed to the checker is
//! padded so that its lines and columns are those of the calling Rust file, and diagnostics are
//! rendered against the Rust file itself when it can be read, so that the caret sits under the
//! mistake in the line the programmer wrote.

use crate::expand::CallSite;
use handled_codegen::{Diagnostic, SourceFile};
use proc_macro2::{Literal, Span};

/// Where an inline program sits in the calling file.
#[derive(Clone, Debug)]
pub struct Inline {
    /// Where the literal's value starts in the text the checker sees (the padding's length).
    start: usize,
    /// The literal's 1-based line and column in the calling file, when the compiler tells.
    position: Option<(usize, usize)>,
    /// Length in bytes of the literal's opening delimiter (`"`, `r#"`, …).
    prefix: usize,
    /// Whether the literal's text between its delimiters is exactly its value (no escapes), so
    /// that offsets in the value are offsets in the Rust file.
    verbatim: bool,
    /// The calling file's text, when it holds the literal where the compiler says, and the
    /// distance from offsets in the checked text to offsets in it.
    display: Option<(String, isize)>,
}

impl Inline {
    /// Describes the literal `literal` with value `value` at `position` in the calling file.
    pub fn new(
        literal: &Literal,
        value: &str,
        position: Option<(usize, usize)>,
        site: &CallSite,
    ) -> Self {
        let repr = literal.to_string();
        let prefix = repr.find('"').map_or(0, |i| i + 1);
        let verbatim = repr.get(prefix..prefix + value.len()) == Some(value);
        let start = position.map_or(0, |(line, column)| {
            line.saturating_sub(1) + column.saturating_sub(1) + prefix
        });
        let mut inline = Inline {
            start,
            position,
            prefix,
            verbatim,
            display: None,
        };
        if let (Some((line, column)), true, Some(file)) =
            (position, verbatim, site.local_file.as_ref())
            && let Ok(text) = std::fs::read_to_string(file)
            && let Some(offset) = offset_of(&text, line, column)
            && text.get(offset + prefix..offset + prefix + value.len()) == Some(value)
        {
            let shift = (offset + prefix) as isize - start as isize;
            inline.display = Some((text, shift));
        }
        inline
    }

    /// The text to put before the literal's value so that positions in it are positions in
    /// the calling file: one line break per line above the literal, one space per column
    /// before its value.
    pub fn padding(&self) -> String {
        match self.position {
            Some((line, _)) => {
                let newlines = line.saturating_sub(1);
                format!(
                    "{}{}",
                    "\n".repeat(newlines),
                    " ".repeat(self.start - newlines)
                )
            }
            None => String::new(),
        }
    }

    /// The part of the literal covering the byte range `start..end` of the checked text, where
    /// the compiler can give sub-spans of literals (nightly) and the literal has no escapes.
    pub fn subspan(&self, literal: &Literal, start: usize, end: usize) -> Option<Span> {
        if !self.verbatim || start < self.start {
            return None;
        }
        let from = self.prefix + start - self.start;
        let to = self.prefix + end.max(start + 1) - self.start;
        literal.subspan(from..to)
    }
}

/// The byte offset of a 1-based line and column (in characters) in a text.
fn offset_of(text: &str, line: usize, column: usize) -> Option<usize> {
    let line_start = if line <= 1 {
        0
    } else {
        text.match_indices('\n').nth(line - 2).map(|(i, _)| i + 1)?
    };
    let rest = text.get(line_start..)?;
    let within = rest
        .char_indices()
        .nth(column.saturating_sub(1))
        .map(|(i, _)| i)?;
    Some(line_start + within)
}

/// Renders a diagnostic whose files include inline programs: each inline program is shown as
/// the calling Rust file (when it could be read), with the spans moved accordingly, so the
/// text has the Rust file's name, line, column and source line.
pub fn render_inline<'a>(
    d: &Diagnostic,
    files: impl Iterator<Item = (&'a SourceFile, Option<&'a Inline>)>,
) -> String {
    let mut shown = Vec::new();
    let mut shifts = Vec::new();
    for (source, inline) in files {
        match inline.and_then(|i| i.display.as_ref()) {
            Some((text, shift)) => {
                shown.push(SourceFile::new(source.name.clone(), text.clone()));
                shifts.push(*shift);
            }
            None => {
                shown.push(source.clone());
                shifts.push(0);
            }
        }
    }
    let mut moved = d.clone();
    for label in std::iter::once(&mut moved.primary).chain(moved.secondary.iter_mut()) {
        let shift = shifts.get(label.file).copied().unwrap_or(0);
        label.span.start = shift_offset(label.span.start, shift);
        label.span.end = shift_offset(label.span.end, shift);
    }
    moved.render(&shown)
}

fn shift_offset(offset: u32, shift: isize) -> u32 {
    let moved = offset as isize + shift;
    u32::try_from(moved.max(0)).unwrap_or(u32::MAX)
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used)]

    use super::*;

    #[test]
    fn offsets_of_lines_and_columns() {
        let text = "ab\ncdé\nfg";
        assert_eq!(offset_of(text, 1, 1), Some(0));
        assert_eq!(offset_of(text, 2, 3), Some(5));
        assert_eq!(offset_of(text, 3, 2), Some(9));
        assert_eq!(offset_of(text, 4, 1), None);
    }

    #[test]
    fn padding_puts_the_value_at_its_place() {
        let literal: Literal = "r#\"x\"#".parse().unwrap();
        let inline = Inline::new(&literal, "x", Some((3, 5)), &CallSite::default());
        let text = format!("{}x", inline.padding());
        let file = SourceFile::new("a.rs", text.clone());
        // `r#"` takes columns 5 to 7, so the value starts at column 8 of line 3.
        assert_eq!(file.line_col(text.len() - 1), (3, 8));
    }
}
