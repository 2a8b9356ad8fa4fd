//! An action's reserved options `retry` and `timeout`, checked and compiled to
//! `handled_runtime::CallOptions`.

use super::WorkflowCompiler;
use crate::diagnostic::did_you_mean;
use handled_parser::{Expr, ExprKind, Field, Prop, PropKey};
use proc_macro2::TokenStream;

impl<'a, 'o> WorkflowCompiler<'a, 'o> {
    /// Checks an action's `retry` and `timeout` options and returns its
    /// `handled_runtime::CallOptions`.
    pub(super) fn call_options(&mut self, fields: &[Field]) -> TokenStream {
        let mut attempts = None;
        let mut backoff_ms = None;
        let mut timeout_ms = None;
        for f in fields {
            match f.name.name.as_str() {
                "timeout" => timeout_ms = self.duration_option(&f.value, "`timeout`"),
                "retry" => {
                    let ExprKind::Object(props) = &f.value.kind else {
                        let d = self.error(
                            "E0218",
                            f.value.span,
                            "`retry` must be an object literal such as `{ attempts: 3, backoff: \"2s\" }`",
                        );
                        d.help = Some("`attempts`: attempts in all, the first included (1 to 100); `backoff`: the wait before the first retry, doubled for each further one".into());
                        continue;
                    };
                    for prop in props {
                        let (name, span, value) = match prop {
                            Prop::KeyValue {
                                key: PropKey::Ident(id),
                                value,
                            } => (id.name.as_str(), id.span, value),
                            Prop::KeyValue {
                                key: PropKey::String(name, span),
                                value,
                            } => (name.as_str(), *span, value),
                            other => {
                                let span = match other {
                                    Prop::Shorthand(id) => id.span,
                                    Prop::Spread(_, span) => *span,
                                    Prop::KeyValue { value, .. } => value.span,
                                };
                                self.error(
                                    "E0218",
                                    span,
                                    "`retry` takes `attempts` and `backoff`, written out",
                                );
                                continue;
                            }
                        };
                        match name {
                            "attempts" => match value.kind {
                                ExprKind::Number(n)
                                    if n.fract() == 0.0 && (1.0..=100.0).contains(&n) =>
                                {
                                    attempts = Some(n as u32);
                                }
                                _ => {
                                    let d = self.error(
                                        "E0218",
                                        value.span,
                                        "`retry.attempts` must be a whole number from 1 to 100",
                                    );
                                    d.help = Some("it counts every attempt, the first included: `attempts: 3` retries twice".into());
                                }
                            },
                            "backoff" => {
                                backoff_ms = self.duration_option(value, "`retry.backoff`")
                            }
                            other => {
                                let help = did_you_mean(other, ["attempts", "backoff"])
                                    .map(|s| format!("did you mean `{s}`?"))
                                    .unwrap_or_else(|| {
                                        "`retry` takes `attempts` and `backoff`".into()
                                    });
                                let d = self.error(
                                    "E0218",
                                    span,
                                    format!("`retry` has no option `{other}`"),
                                );
                                d.help = Some(help);
                            }
                        }
                    }
                }
                _ => {}
            }
        }
        if attempts.is_none() && backoff_ms.is_none() && timeout_ms.is_none() {
            return q!(::handled_runtime::CallOptions::DEFAULT);
        }
        let opt_u32 = |v: Option<u32>| match v {
            Some(v) => q!(::std::option::Option::Some(#v)),
            None => q!(::std::option::Option::None),
        };
        let opt_u64 = |v: Option<u64>| match v {
            Some(v) => q!(::std::option::Option::Some(#v)),
            None => q!(::std::option::Option::None),
        };
        let (a, b, t) = (opt_u32(attempts), opt_u64(backoff_ms), opt_u64(timeout_ms));
        q!(::handled_runtime::CallOptions { attempts: #a, backoff_ms: #b, timeout_ms: #t })
    }

    /// A duration option's value in ms, or an E0209 error.
    pub(super) fn duration_option(&mut self, value: &Expr, what: &str) -> Option<u64> {
        if let ExprKind::String(t) = &value.kind
            && let Ok(ms) = handled_contract::duration::parse_ms(t)
        {
            return Some(ms);
        }
        let d = self.error(
            "E0209",
            value.span,
            format!("{what} must be a duration literal such as \"30s\""),
        );
        d.help = Some("write a number and a unit: \"500ms\", \"5s\", \"2m\", \"1h\"".into());
        None
    }
}
