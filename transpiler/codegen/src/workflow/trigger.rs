//! The trigger: its connector and event, its literal options (cron, time zone, `coalesce`,
//! path), its `key` and its payload type.

use super::WorkflowCompiler;
use super::checks::check_shape_static;
use crate::cx::Site;
use crate::diagnostic::did_you_mean;
use crate::expr;
use crate::ty::Ty;
use handled_catalog::{self as catalog, FieldDef, TriggerDef};
use handled_parser::{Expr, ExprKind, Trigger, Workflow};
use proc_macro2::TokenStream;
use std::collections::BTreeSet;

impl<'a, 'o> WorkflowCompiler<'a, 'o> {
    pub(super) fn trigger(&mut self) -> TokenStream {
        // A missing trigger has its syntax error already: nothing is checked against it.
        let Some(t) = &self.wf.trigger else {
            return trigger_fn(q!(_env), &[], "", "", q!());
        };
        let (conn, event) = (&t.connector.name, &t.event.name);
        let def = self.trigger_def(t);
        self.trigger = def;
        self.duplicate_fields(&t.block);
        let mut inserts = Vec::new();
        let mut key_fn = q!();
        if let Some(def) = def {
            let known: Vec<&FieldDef> = def
                .fields
                .iter()
                .chain(if def.is_event {
                    catalog::EVENT_OPTIONS
                } else {
                    &[]
                })
                .collect();
            for req in def.fields.iter().filter(|f| f.required) {
                if t.block.get(req.name).is_none() && !self.broken(t.block.span) {
                    let d = self.error(
                        "E0201",
                        t.block.span,
                        format!("`{}` needs the field `{}`", def.full_name(), req.name),
                    );
                    d.help = Some(format!("add `{}: …` ({})", req.name, req.doc));
                }
            }
            for field in &t.block.fields {
                let name = field.name.name.as_str();
                let Some(fd) = known.iter().find(|f| f.name == name).copied() else {
                    let help = did_you_mean(name, known.iter().map(|f| f.name))
                        .map(|s| format!("did you mean `{s}`?"))
                        .unwrap_or_else(|| {
                            format!(
                                "`{}` takes: {}",
                                def.full_name(),
                                known.iter().map(|f| f.name).collect::<Vec<_>>().join(", ")
                            )
                        });
                    self.error(
                        "E0202",
                        field.name.span,
                        format!("`{}` has no field `{name}`", def.full_name()),
                    )
                    .help = Some(help);
                    continue;
                };
                if name == "key" {
                    key_fn = self.key_fn(&field.value);
                    continue;
                }
                self.check_trigger_literal(def, name, &field.value);
                let mut cx = self.cx(Site::TriggerConfig, 0);
                let code = expr::compile(&mut cx, &field.value);
                let counter = cx.counter;
                self.counter = counter;
                check_shape_static(self.diags, self.file, fd, &code, &field.value);
                let r = code.value_ref();
                inserts.push(q!(fields.insert(#name.to_string(), ::handled_runtime::js::Value::to_json(#r));));
            }
        }
        let env_param = if inserts.iter().any(|t| t.to_string().contains("env_value")) {
            q!(env)
        } else {
            q!(_env)
        };
        trigger_fn(env_param, &inserts, conn, event, key_fn)
    }

    /// The catalog's definition of the trigger, or an error naming what is unknown.
    fn trigger_def(&mut self, t: &Trigger) -> Option<&'static TriggerDef> {
        let conn = &t.connector.name;
        let event = &t.event.name;
        let def = catalog::trigger(conn, event);
        if def.is_some() {
            return def;
        }
        let trigger_connectors: BTreeSet<&str> =
            catalog::TRIGGERS.iter().map(|d| d.connector).collect();
        if !trigger_connectors.contains(conn.as_str()) {
            let help = did_you_mean(conn, trigger_connectors.iter().copied())
                .map(|s| format!("did you mean `{s}`?"))
                .unwrap_or_else(|| {
                    format!(
                        "triggers exist for: {}",
                        trigger_connectors
                            .into_iter()
                            .collect::<Vec<_>>()
                            .join(", ")
                    )
                });
            self.error(
                "E0101",
                t.connector.span,
                format!("no connector `{conn}` has triggers"),
            )
            .help = Some(help);
        } else {
            let events: Vec<&str> = catalog::TRIGGERS
                .iter()
                .filter(|d| d.connector == conn)
                .map(|d| d.event)
                .collect();
            let help = did_you_mean(event, events.iter().copied())
                .map(|s| format!("did you mean `{conn}.{s}`?"))
                .unwrap_or_else(|| format!("`{conn}` triggers: {}", events.join(", ")));
            self.error(
                "E0102",
                t.event.span,
                format!("`{conn}` has no trigger `{event}`"),
            )
            .help = Some(help);
        }
        None
    }

    pub(super) fn key_fn(&mut self, e: &Expr) -> TokenStream {
        let mut cx = self.cx(Site::Key, usize::MAX);
        cx.steps = &[];
        let code = expr::compile(&mut cx, e);
        self.counter = cx.counter;
        let v = code.value();
        q! {
            fn key(payload: &::handled_runtime::Value) -> ::std::result::Result<::handled_runtime::Value, ::handled_runtime::JsError> {
                Ok(#v)
            }
        }
    }

    pub(super) fn check_trigger_literal(&mut self, def: &TriggerDef, name: &str, value: &Expr) {
        let ExprKind::String(text) = &value.kind else {
            if (name == "coalesce") && !matches!(value.kind, ExprKind::String(_)) {
                self.error(
                    "E0209",
                    value.span,
                    "`coalesce` must be a duration literal such as \"5s\"",
                );
            }
            return;
        };
        match (def.connector, name) {
            ("schedule", "expression") => {
                if let Err(msg) = check_cron(text) {
                    let d = self.error(
                        "E0207",
                        value.span,
                        format!("invalid cron expression {text:?}: {msg}"),
                    );
                    d.help = Some("use 5 fields (minute hour day-of-month month day-of-week) or 6 with seconds first, such as \"0 */6 * * *\"".into());
                }
            }
            ("schedule", "timezone") if text.parse::<chrono_tz::Tz>().is_err() => {
                let names = chrono_tz::TZ_VARIANTS.iter().map(|tz| tz.name());
                let help = did_you_mean(text, names).map(|s| format!("did you mean {s:?}?"));
                let d = self.error("E0208", value.span, format!("unknown time zone {text:?}"));
                d.help = Some(help.unwrap_or_else(|| {
                    "use an IANA name such as \"America/New_York\" or \"UTC\"".into()
                }));
            }
            (_, "coalesce") if handled_contract::duration::parse_ms(text).is_err() => {
                let d = self.error("E0209", value.span, format!("invalid duration {text:?}"));
                d.help =
                    Some("write a number and a unit: \"500ms\", \"5s\", \"2m\", \"1h\"".into());
            }
            (_, "path") if !text.starts_with('/') => {
                self.error(
                    "E0206",
                    value.span,
                    format!("the webhook path {text:?} must start with `/`"),
                );
            }
            _ => {}
        }
    }
}

/// The generated `trigger` function (its configuration fields) and the `key` function.
fn trigger_fn(
    env_param: TokenStream,
    inserts: &[TokenStream],
    conn: &str,
    event: &str,
    key_fn: TokenStream,
) -> TokenStream {
    let fields_mut = if inserts.is_empty() {
        q!(let fields)
    } else {
        q!(let mut fields)
    };
    q! {
        fn trigger(#env_param: &::handled_runtime::Env) -> ::std::result::Result<::handled_runtime::TriggerConfig, ::handled_runtime::JsError> {
            #fields_mut = ::std::collections::BTreeMap::new();
            #(#inserts)*
            Ok(::handled_runtime::TriggerConfig { workflow: NAME, connector: #conn, event: #event, fields })
        }
        #key_fn
    }
}

/// The payload type of the workflow's trigger (with `conflicts` when `coalesce` is set).
pub(super) fn payload_type(t: &TriggerDef, wf: &Workflow) -> Ty {
    let base = Ty::from_shape(&t.payload);
    let coalesced = wf
        .trigger
        .as_ref()
        .is_some_and(|t| t.block.get("coalesce").is_some());
    if !coalesced {
        return base;
    }
    match &base {
        Ty::Object(fields) => {
            let mut fields = (**fields).clone();
            fields.push(("conflicts".into(), Ty::Array(Box::new(base.clone()))));
            Ty::object(fields)
        }
        _ => base,
    }
}

/// Checks a cron expression of 5 fields, or 6 with seconds first.
pub fn check_cron(text: &str) -> Result<(), String> {
    let fields = text.split_whitespace().count();
    if fields != 5 && fields != 6 {
        return Err(format!(
            "it has {fields} fields; cron needs 5, or 6 with seconds first"
        ));
    }
    let parser = croner::parser::CronParser::builder()
        .seconds(if fields == 6 {
            croner::parser::Seconds::Required
        } else {
            croner::parser::Seconds::Disallowed
        })
        .build();
    parser.parse(text).map(|_| ()).map_err(|e| e.to_string())
}
