//! One diagnostic value for every error and warning, and its two renderers: the rustc-style
//! text for people and JSON for tools.

use crate::codes;
use crate::source::SourceFile;
use handled_parser::Span;
use std::fmt::Write;

/// How bad it is.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum Severity {
    /// The program is refused.
    Error,
    /// The program compiles, but probably does not do what was meant.
    Warning,
}

impl Severity {
    fn as_str(self) -> &'static str {
        match self {
            Severity::Error => "error",
            Severity::Warning => "warning",
        }
    }
}

/// A span in a file with a message.
#[derive(Clone, Debug, PartialEq)]
pub struct Label {
    /// Index of the file in the program.
    pub file: usize,
    /// Where.
    pub span: Span,
    /// What to say under the caret (may be empty).
    pub message: String,
}

/// An error or a warning.
#[derive(Clone, Debug, PartialEq)]
pub struct Diagnostic {
    /// The code from the registry (`E0104`).
    pub code: &'static str,
    /// Error or warning.
    pub severity: Severity,
    /// One sentence.
    pub message: String,
    /// The place the diagnostic is about.
    pub primary: Label,
    /// Other places worth showing (where a name was defined, …).
    pub secondary: Vec<Label>,
    /// How to fix it, when we know.
    pub help: Option<String>,
}

impl Diagnostic {
    /// An error with a code, at a span of a file.
    pub fn error(code: &'static str, file: usize, span: Span, message: impl Into<String>) -> Self {
        debug_assert!(codes::lookup(code).is_some(), "unregistered code {code}");
        Diagnostic {
            code,
            severity: Severity::Error,
            message: message.into(),
            primary: Label {
                file,
                span,
                message: String::new(),
            },
            secondary: Vec::new(),
            help: None,
        }
    }

    /// A warning with a code, at a span of a file.
    pub fn warning(
        code: &'static str,
        file: usize,
        span: Span,
        message: impl Into<String>,
    ) -> Self {
        Diagnostic {
            severity: Severity::Warning,
            ..Self::error(code, file, span, message)
        }
    }

    /// With a label under the primary caret.
    pub fn label(mut self, message: impl Into<String>) -> Self {
        self.primary.message = message.into();
        self
    }

    /// With a help line.
    pub fn help(mut self, help: impl Into<String>) -> Self {
        self.help = Some(help.into());
        self
    }

    /// With a help line when there is one.
    pub fn maybe_help(mut self, help: Option<String>) -> Self {
        if help.is_some() {
            self.help = help;
        }
        self
    }

    /// With a secondary label.
    pub fn note_at(mut self, file: usize, span: Span, message: impl Into<String>) -> Self {
        self.secondary.push(Label {
            file,
            span,
            message: message.into(),
        });
        self
    }

    /// Whether this is an error.
    pub fn is_error(&self) -> bool {
        self.severity == Severity::Error
    }

    /// Renders the diagnostic as rustc does: header, `-->` location, the source line with a caret
    /// under the span, secondary labels, and the help line.
    pub fn render(&self, files: &[SourceFile]) -> String {
        let mut out = String::new();
        let _ = writeln!(
            out,
            "{}[{}]: {}",
            self.severity.as_str(),
            self.code,
            self.message
        );
        let Some(file) = files.get(self.primary.file) else {
            return out;
        };
        let (line, col) = file.line_col(self.primary.span.start as usize);
        let mut lines: Vec<(&Label, usize, char)> = vec![(&self.primary, line, '^')];
        for label in &self.secondary {
            if label.file == self.primary.file {
                let (l, _) = file.line_col(label.span.start as usize);
                lines.push((label, l, '-'));
            }
        }
        let width = lines
            .iter()
            .map(|(_, l, _)| l.to_string().len())
            .max()
            .unwrap_or(1);
        let pad = " ".repeat(width);
        let _ = writeln!(out, "{pad}--> {}:{line}:{col}", file.name);
        let _ = writeln!(out, "{pad} |");
        lines.sort_by_key(|(_, l, _)| *l);
        for (label, l, mark) in lines {
            let text = file.line_text(l);
            let (_, c) = file.line_col(label.span.start as usize);
            let end = (label.span.end as usize).max(label.span.start as usize);
            let (end_line, end_col) = file.line_col(end);
            let len = if end_line == l {
                end_col.saturating_sub(c).max(1)
            } else {
                text.chars().count().saturating_sub(c - 1).max(1)
            };
            let _ = writeln!(out, "{:>width$} | {}", l, text.replace('\t', " "));
            let marks: String = std::iter::repeat_n(mark, len).collect();
            let msg = if label.message.is_empty() {
                String::new()
            } else {
                format!(" {}", label.message)
            };
            let _ = writeln!(out, "{pad} | {}{}{}", " ".repeat(c - 1), marks, msg);
        }
        let _ = writeln!(out, "{pad} |");
        if let Some(help) = &self.help {
            let _ = writeln!(out, "{pad} = help: {help}");
        }
        out
    }

    /// The same diagnostic as one JSON object.
    pub fn to_json(&self, files: &[SourceFile]) -> serde_json::Value {
        let label = |l: &Label| {
            let file = files.get(l.file);
            let (line, column) = file.map_or((0, 0), |f| f.line_col(l.span.start as usize));
            let (end_line, end_column) = file.map_or((0, 0), |f| f.line_col(l.span.end as usize));
            serde_json::json!({
                "file": file.map_or("", |f| f.name.as_str()),
                "byteStart": l.span.start,
                "byteEnd": l.span.end,
                "line": line,
                "column": column,
                "endLine": end_line,
                "endColumn": end_column,
                "message": l.message,
            })
        };
        serde_json::json!({
            "code": self.code,
            "severity": self.severity.as_str(),
            "message": self.message,
            "primary": label(&self.primary),
            "secondary": self.secondary.iter().map(label).collect::<Vec<_>>(),
            "help": self.help,
            "rendered": self.render(files),
        })
    }
}

/// The closest name to `wanted` among `candidates`, if it is close enough to suggest.
pub fn did_you_mean<'a>(
    wanted: &str,
    candidates: impl IntoIterator<Item = &'a str>,
) -> Option<&'a str> {
    let mut best: Option<(&str, f64)> = None;
    for candidate in candidates {
        let score = strsim::jaro_winkler(&wanted.to_lowercase(), &candidate.to_lowercase());
        let distance = strsim::levenshtein(wanted, candidate);
        let close = score >= 0.82
            || distance <= (wanted.len().max(candidate.len()) / 3).max(1)
            || is_abbreviation(wanted, candidate);
        if close && best.is_none_or(|(_, s)| score > s) {
            best = Some((candidate, score));
        }
    }
    best.map(|(c, _)| c)
}

/// Whether `short` abbreviates `long`: same first letter, and its letters appear in `long` in
/// order (`qty` → `quantity`).
fn is_abbreviation(short: &str, long: &str) -> bool {
    let short = short.to_lowercase();
    let long = long.to_lowercase();
    if short.len() < 2 || short.len() >= long.len() || short.chars().next() != long.chars().next() {
        return false;
    }
    let mut rest = long.chars();
    short.chars().all(|c| rest.any(|l| l == c))
}
