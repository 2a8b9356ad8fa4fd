//! One workflow: its trigger, its steps and their typed connector calls, compiled to a Rust
//! module with one function per step.

use crate::cx::{Cx, Site, StepRef, is_rust_field, snake};
use crate::diagnostic::{Diagnostic, did_you_mean};
use crate::expr::{self, Code};
use crate::source::SourceFile;
use crate::ty::{Repr, StructDef, Ty};
use handled_catalog::{self as catalog, FieldDef, OpDef, Shape, TriggerDef};
use handled_parser::{Block, Expr, ExprKind, Field, Prop, PropKey, Span, Step, Workflow};
use proc_macro2::{Ident, TokenStream};
use quote::format_ident;
use std::collections::BTreeSet;
use std::rc::Rc;

/// Where a workflow's compiled code goes, and what it reports.
pub struct CompiledWorkflow {
    /// The workflow's module (`pub mod name { … }`).
    pub module: TokenStream,
    /// The module's name.
    pub module_name: Ident,
    /// The connector crates its actions and trigger use (`handled_shopify`, …).
    pub connectors: BTreeSet<&'static str>,
}

/// Options that affect checking.
pub struct WorkflowOptions<'a> {
    /// Spans of the file's syntax errors: blocks containing one are not reported as missing
    /// fields, since the field may be the one that failed to parse.
    pub broken: &'a [Span],
    /// Loads an email template beside the program: `(file, name)` → the `.txt` and `.html`
    /// sources found (either may be missing). `None`: templates are not checked.
    pub templates: Option<crate::TemplateLoader<'a>>,
}

struct StepSeed {
    name: Option<String>,
    op: Option<(String, String)>,
    span: Span,
    name_span: Span,
}

/// Compiles one workflow.
pub fn compile(
    file: usize,
    source: &SourceFile,
    wf: &Workflow,
    diags: &mut Vec<Diagnostic>,
    options: &WorkflowOptions<'_>,
) -> CompiledWorkflow {
    let mut w = WorkflowCompiler::new(file, source, wf, diags, options);
    w.run()
}

struct WorkflowCompiler<'a, 'o> {
    file: usize,
    source: &'a SourceFile,
    wf: &'a Workflow,
    diags: &'a mut Vec<Diagnostic>,
    options: &'a WorkflowOptions<'o>,
    steps: Vec<StepRef>,
    env_vars: BTreeSet<String>,
    connectors: BTreeSet<&'static str>,
    items: Vec<TokenStream>,
    structs: Vec<Rc<StructDef>>,
    trigger: Option<&'static TriggerDef>,
    counter: usize,
}

impl<'a, 'o> WorkflowCompiler<'a, 'o> {
    fn new(
        file: usize,
        source: &'a SourceFile,
        wf: &'a Workflow,
        diags: &'a mut Vec<Diagnostic>,
        options: &'a WorkflowOptions<'o>,
    ) -> Self {
        WorkflowCompiler {
            file,
            source,
            wf,
            diags,
            options,
            steps: Vec::new(),
            env_vars: BTreeSet::new(),
            connectors: BTreeSet::new(),
            items: Vec::new(),
            structs: Vec::new(),
            trigger: None,
            counter: 0,
        }
    }

    fn error(
        &mut self,
        code: &'static str,
        span: Span,
        message: impl Into<String>,
    ) -> &mut Diagnostic {
        self.diags
            .push(Diagnostic::error(code, self.file, span, message));
        let last = self.diags.len() - 1;
        &mut self.diags[last]
    }

    fn broken(&self, span: Span) -> bool {
        self.options
            .broken
            .iter()
            .any(|b| b.start >= span.start && b.start <= span.end)
    }

    fn location(&self, span: Span) -> TokenStream {
        let (line, column) = self.source.line_col(span.start as usize);
        let line = proc_macro2::Literal::u32_unsuffixed(line as u32);
        let column = proc_macro2::Literal::u32_unsuffixed(column as u32);
        q!(loc(#line, #column))
    }

    fn cx<'s>(&'s mut self, site: Site, current_step: usize) -> Cx<'s> {
        let (payload_ty, aliases) = match self.trigger {
            Some(t) => (payload_type(t, self.wf), t.aliases),
            None => (Ty::Error, &[][..]),
        };
        Cx {
            file: self.file,
            source: self.source,
            diags: self.diags,
            site,
            locals: Vec::new(),
            payload_ty,
            aliases,
            steps: &self.steps,
            current_step,
            input: None,
            item: None,
            used_steps: BTreeSet::new(),
            env_vars: &mut self.env_vars,
            counter: self.counter,
            chain_labels: Vec::new(),
            closure_depth: 0,
            uses_scope: false,
        }
    }

    fn run(&mut self) -> CompiledWorkflow {
        let module_name = format_ident!("{}", snake(&self.wf.name.name));
        self.seed_steps();
        let trigger_fn = self.trigger();
        let mut run_body = Vec::new();
        let mut step_infos = Vec::new();
        let referenced = self.referenced_steps();
        for (index, step) in self.wf.steps.iter().enumerate() {
            let (info, call) = match step {
                Step::Transform(t) => self.transform(index, t, &referenced),
                Step::Action(a) => self.action(index, a, &referenced),
                Step::ForEach(f) => self.for_each(index, f),
            };
            step_infos.push(info);
            run_body.push(call);
        }
        let name = &self.wf.name.name;
        let file_name = &self.source.name;
        let wf_loc = self.location(self.wf.span);
        let (tc, te) = match self.trigger {
            Some(t) => (t.connector, t.event),
            None => ("", ""),
        };
        let natural_key = match self.trigger.and_then(|t| t.natural_key) {
            Some(k) => q!(Some(#k)),
            None => q!(None),
        };
        let key = match self.wf.trigger.block.get("key") {
            Some(_) => q!(Some(key)),
            None => q!(None),
        };
        let connectors: Vec<&str> = self
            .wf
            .steps
            .iter()
            .flat_map(step_connectors)
            .filter(|c| catalog::connector(c).is_some())
            .collect::<BTreeSet<_>>()
            .into_iter()
            .collect();
        let env_vars: Vec<&String> = self.env_vars.iter().collect();
        let n_steps = step_infos.len();
        let structs: Vec<TokenStream> = self.structs.iter().map(|s| struct_tokens(s)).collect();
        let items = &self.items;
        let payload_ty = match self.trigger.map(|t| (t, &t.payload)) {
            Some((_, Shape::Object(o))) => rust_path(o.rust_path),
            _ => q!(::handled_runtime::Json),
        };
        let payload_doc = match self.trigger {
            Some(t) => format!(
                " The payload of `{}` (`trigger.payload`): {}.",
                t.full_name(),
                t.doc
            ),
            None => " The trigger's payload (`trigger.payload`).".to_string(),
        };
        let doc = format!(" Workflow `{name}` ({}).", self.loc_text(self.wf.span));
        let module = q! {
            #[doc = #doc]
            #[allow(clippy::approx_constant, clippy::excessive_precision, clippy::neg_multiply, clippy::nonminimal_bool, clippy::double_parens, clippy::eq_op, clippy::identity_op, clippy::zero_divided_by_zero, clippy::overly_complex_bool_expr, clippy::useless_conversion, clippy::redundant_closure_call, unused_parens, unreachable_code, clippy::let_unit_value, clippy::needless_question_mark, clippy::neg_cmp_op_on_partial_ord)]
            pub mod #module_name {
                /// The workflow's name.
                pub const NAME: &str = #name;
                const FILE: &str = #file_name;

                #[doc = #payload_doc]
                pub type Payload = #payload_ty;

                /// Runs one event of this workflow to the end in the foreground (what the
                /// program's `exec` command does) and returns the run with its report.
                pub async fn exec(runtime: &::handled_runtime::Runtime, payload: &Payload) -> ::std::result::Result<::handled_runtime::ExecOutcome, ::handled_runtime::RuntimeError> {
                    ::handled_runtime::rt::exec(runtime, NAME, payload).await
                }

                /// The workflow's steps, in order.
                pub static STEPS: [::handled_runtime::StepInfo; #n_steps] = [#(#step_infos),*];

                /// The workflow, for `App::add_workflow`.
                pub fn workflow() -> ::handled_runtime::Workflow {
                    ::handled_runtime::Workflow {
                        name: NAME,
                        file: FILE,
                        location: #wf_loc,
                        trigger_connector: #tc,
                        trigger_event: #te,
                        trigger,
                        key: #key,
                        natural_key: #natural_key,
                        steps: &STEPS,
                        connectors: &[#(#connectors),*],
                        env_vars: &[#(#env_vars),*],
                        run: run_boxed,
                    }
                }

                fn run_boxed(
                    ctx: &mut ::handled_runtime::RunContext,
                ) -> ::handled_runtime::BoxFuture<'_, ::std::result::Result<(), ::handled_runtime::Stop>> {
                    ::std::boxed::Box::pin(run(ctx))
                }

                async fn run(ctx: &mut ::handled_runtime::RunContext) -> ::std::result::Result<(), ::handled_runtime::Stop> {
                    #(#run_body)*
                    Ok(())
                }

                /// Turns an expression's error into a step error at a position of this file.
                fn at(line: u32, column: u32) -> impl Fn(::handled_runtime::JsError) -> ::handled_runtime::StepError {
                    move |e| ::handled_runtime::StepError::js(e, loc(line, column))
                }

                /// A position in this workflow's `.hs` file.
                const fn loc(line: u32, column: u32) -> ::handled_runtime::Location {
                    ::handled_runtime::Location { file: FILE, line, column }
                }

                #trigger_fn
                #(#structs)*
                #(#items)*
            }
        };
        let mut connectors_used = BTreeSet::new();
        for c in &connectors {
            if let Some(def) = catalog::connector(c) {
                connectors_used.insert(def.crate_name);
            }
        }
        if let Some(def) = self.trigger.and_then(|t| catalog::connector(t.connector)) {
            connectors_used.insert(def.crate_name);
        }
        self.connectors.extend(connectors_used);
        CompiledWorkflow {
            module,
            module_name,
            connectors: std::mem::take(&mut self.connectors),
        }
    }

    fn loc_text(&self, span: Span) -> String {
        let (l, c) = self.source.line_col(span.start as usize);
        format!("{}:{l}:{c}", self.source.name)
    }

    /// Registers every step's name up front, so that references to later steps get a precise error.
    fn seed_steps(&mut self) {
        let mut seeds: Vec<StepSeed> = Vec::new();
        for step in &self.wf.steps {
            let seed = match step {
                Step::Transform(t) => StepSeed {
                    name: Some(t.name.name.clone()),
                    op: None,
                    span: t.span,
                    name_span: t.name.span,
                },
                Step::Action(a) => StepSeed {
                    name: a.alias.as_ref().map(|i| i.name.clone()),
                    op: Some((a.connector.name.clone(), a.op.name.clone())),
                    span: a.span,
                    name_span: a.alias.as_ref().map_or(a.op.span, |i| i.span),
                },
                Step::ForEach(f) => StepSeed {
                    name: None,
                    op: Some((String::new(), String::new())),
                    span: f.span,
                    name_span: f.span,
                },
            };
            if let Some(name) = &seed.name {
                let dup = seeds.iter().find(|s| {
                    s.name.as_deref() == Some(name.as_str()) && s.op.is_some() == seed.op.is_some()
                });
                if let Some(first) = dup {
                    let first_span = first.name_span;
                    let kind = if seed.op.is_some() {
                        "action alias"
                    } else {
                        "transform"
                    };
                    let d = Diagnostic::error(
                        "E0110",
                        self.file,
                        seed.name_span,
                        format!("the {kind} `{name}` is defined twice in this workflow"),
                    )
                    .note_at(self.file, first_span, "first defined here")
                    .help("rename one of them");
                    self.diags.push(d);
                }
            }
            seeds.push(seed);
        }
        for (index, seed) in seeds.into_iter().enumerate() {
            let stem = match (&seed.name, &seed.op) {
                (Some(n), _) => snake(n),
                (None, Some((c, o))) if !c.is_empty() => format!("{}_{}", c, snake(o)),
                _ => "for_each".to_string(),
            };
            let prefix = if seed.op.is_some() { "a" } else { "t" };
            self.steps.push(StepRef {
                index,
                name: seed.name,
                op: seed.op.filter(|(c, _)| !c.is_empty()),
                span: seed.span,
                var: format_ident!("{}{}_{}", prefix, index, stem),
                ty: Ty::Error,
                repr: Repr::Value,
            });
        }
    }

    /// Which steps' outputs some later step may read (by a conservative text scan of references).
    fn referenced_steps(&self) -> BTreeSet<usize> {
        let text = self.source.slice(self.wf.span);
        let mut out = BTreeSet::new();
        for s in &self.steps {
            let needles: Vec<String> = match (&s.name, &s.op) {
                (Some(n), None) => vec![format!("transform.{n}")],
                (Some(n), Some((c, o))) => vec![format!("action.{n}"), format!("action.{c}.{o}")],
                (None, Some((c, o))) => vec![format!("action.{c}.{o}")],
                _ => Vec::new(),
            };
            if needles.iter().any(|n| text.contains(n.as_str())) {
                out.insert(s.index);
            }
        }
        out
    }

    fn duplicate_fields(&mut self, block: &Block) {
        let mut seen: Vec<&Field> = Vec::new();
        for f in &block.fields {
            if let Some(first) = seen.iter().find(|s| s.name.name == f.name.name) {
                let d = Diagnostic::error(
                    "E0215",
                    self.file,
                    f.name.span,
                    format!("the field `{}` is given twice", f.name.name),
                )
                .note_at(self.file, first.name.span, "first given here")
                .help("remove one of them");
                self.diags.push(d);
            } else {
                seen.push(f);
            }
        }
    }

    // -------------------------------------------------------------------------------------
    // Trigger.

    fn trigger(&mut self) -> TokenStream {
        let t = &self.wf.trigger;
        let conn = &t.connector.name;
        let event = &t.event.name;
        let def = catalog::trigger(conn, event);
        if def.is_none() {
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
        }
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
        let fields_mut = if inserts.is_empty() {
            q!(let fields)
        } else {
            q!(let mut fields)
        };
        let env_param = if inserts.iter().any(|t| t.to_string().contains("env_value")) {
            q!(env)
        } else {
            q!(_env)
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

    fn key_fn(&mut self, e: &Expr) -> TokenStream {
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

    fn check_trigger_literal(&mut self, def: &TriggerDef, name: &str, value: &Expr) {
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
            (_, "coalesce") if parse_duration(text).is_none() => {
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

    // -------------------------------------------------------------------------------------
    // Transforms.

    fn transform(
        &mut self,
        index: usize,
        t: &handled_parser::Transform,
        referenced: &BTreeSet<usize>,
    ) -> (TokenStream, TokenStream) {
        self.duplicate_fields(&t.block);
        for f in &t.block.fields {
            if !["input", "output", "validate"].contains(&f.name.name.as_str()) {
                let help = did_you_mean(&f.name.name, ["input", "output", "validate"])
                    .map(|s| format!("did you mean `{s}`?"));
                let d = self.error(
                    "E0202",
                    f.name.span,
                    format!("a transform has no field `{}`", f.name.name),
                );
                d.help = Some(help.unwrap_or_else(|| {
                    "a transform's fields are `input`, `output` and `validate`".into()
                }));
            }
        }
        let name = &t.name.name;
        let struct_name = pascal(name);
        let loc = self.location(t.span);
        let info = self.step_info(name, q!(Transform), "", &[], &[], t.span);
        let fn_name = format_ident!("step_{}_{}", index, snake(name));

        let broken = self.broken(t.block.span);
        let mut cx = self.cx(Site::Step, index);
        // input
        let input = match t.block.get("input") {
            Some(f) => expr::compile(&mut cx, &f.value),
            None => {
                let payload = Expr {
                    kind: ExprKind::Ident("trigger".into()),
                    span: t.name.span,
                };
                let member = Expr {
                    kind: ExprKind::Member {
                        object: Box::new(payload),
                        property: handled_parser::Ident {
                            name: "payload".into(),
                            span: t.name.span,
                        },
                        optional: false,
                    },
                    span: t.name.span,
                };
                expr::compile(&mut cx, &member)
            }
        };
        let (input_ts, input_repr) = match input.repr {
            Repr::F64 | Repr::Bool => (input.ts.clone(), input.repr.clone()),
            _ => (input.value(), Repr::Value),
        };
        cx.input = Some((input.ty.clone(), input_repr.clone()));
        let input_value = expr::Code {
            ts: q!(input),
            ty: input.ty.clone(),
            repr: input_repr,
            place: expr::Place::Owned,
        }
        .value();
        // validate
        let mut rules = Vec::new();
        if let Some(v) = t.block.get("validate") {
            match &v.value.kind {
                ExprKind::Object(props) => {
                    for p in props {
                        match p {
                            Prop::KeyValue {
                                key: PropKey::Ident(k),
                                value,
                            } => {
                                let c = expr::compile(&mut cx, value);
                                expr::warn_env_condition(&mut cx, value);
                                let tt = c.truthy();
                                let rule = &k.name;
                                rules.push(q!(if !(#tt) { failed.push(#rule); }));
                            }
                            Prop::KeyValue {
                                key: PropKey::String(k, _),
                                value,
                            } => {
                                let c = expr::compile(&mut cx, value);
                                let tt = c.truthy();
                                rules.push(q!(if !(#tt) { failed.push(#k); }));
                            }
                            other => {
                                let span = match other {
                                    Prop::Shorthand(i) => i.span,
                                    Prop::Spread(_, s) => *s,
                                    Prop::KeyValue { value, .. } => value.span,
                                };
                                cx.error(
                                    "E0213",
                                    span,
                                    "each `validate` rule is written `name: condition`",
                                );
                            }
                        }
                    }
                }
                _ => {
                    cx.error("E0213", v.value.span, "`validate` must be an object of named rules, such as `{ hasSku: input.sku.length > 0 }`");
                }
            }
        }
        // output
        let output = t.block.get("output");
        let (out_ts, out_ty, out_repr) = match output {
            Some(f) => {
                let mut structs = Vec::new();
                let code = match &f.value.kind {
                    ExprKind::Object(props) => build_struct(
                        &mut cx,
                        props,
                        &struct_name,
                        &format!("Output of transform `{name}`"),
                        &mut structs,
                    ),
                    _ => None,
                };
                let code = code.unwrap_or_else(|| {
                    let c = expr::compile(&mut cx, &f.value);
                    let v = c.value();
                    Code {
                        ts: v,
                        ty: c.ty,
                        repr: Repr::Value,
                        place: expr::Place::Temp,
                    }
                });
                let structs_out = structs;
                let out_ty = code.ty.clone();
                let out_repr = code.repr.clone();
                let ts = code.ts;
                (ts, out_ty, (out_repr, structs_out))
            }
            None if broken => (
                q!(::handled_runtime::Value::Undefined),
                Ty::Error,
                (Repr::Value, Vec::new()),
            ),
            None => {
                let d = cx.error(
                    "E0213",
                    t.block.span,
                    format!("transform `{name}` has no `output`"),
                );
                d.help = Some("add `output: …`: the value the transform produces".into());
                (
                    q!(::handled_runtime::Value::Undefined),
                    Ty::Error,
                    (Repr::Value, Vec::new()),
                )
            }
        };
        let (out_repr, new_structs) = out_repr;
        let used = std::mem::take(&mut cx.used_steps);
        let uses_scope = cx.uses_scope;
        let counter = cx.counter;
        drop(cx);
        self.counter = counter;
        self.structs.extend(new_structs);
        let out_type = match &out_repr {
            Repr::Struct(def) => {
                let id = format_ident!("{}", def.name);
                q!(#id)
            }
            _ => q!(::handled_runtime::Value),
        };
        self.steps[index].ty = out_ty;
        self.steps[index].repr = out_repr;
        let (params, args) = self.step_params(&used);
        let scope_param = if uses_scope { q!(scope) } else { q!(_scope) };
        let validate = if rules.is_empty() {
            q!()
        } else {
            q! {
                let mut failed: ::std::vec::Vec<&'static str> = ::std::vec::Vec::new();
                #(#rules)*
                if !failed.is_empty() {
                    return Ok(::handled_runtime::Transformed::Skipped { input: #input_value, failed_rules: failed });
                }
            }
        };
        let doc = format!(
            " Step {}: transform `{name}` ({}).",
            index + 1,
            self.loc_text(t.span)
        );
        let _ = loc;
        self.items.push(q! {
            #[doc = #doc]
            pub fn #fn_name(#scope_param: &::handled_runtime::Scope<'_>, #(#params),*) -> ::std::result::Result<::handled_runtime::Transformed<#out_type>, ::handled_runtime::StepError> {
                let input = #input_ts;
                #validate
                let output = #out_ts;
                Ok(::handled_runtime::Transformed::Output { input: #input_value, output })
            }
        });
        let var = self.step_var(index, referenced);
        let f = step_closure(&fn_name, &args);
        let call = q!(let #var = ctx.transform(#index, #f).await?;);
        (info, call)
    }

    fn step_var(&self, index: usize, referenced: &BTreeSet<usize>) -> TokenStream {
        if referenced.contains(&index) {
            let v = &self.steps[index].var;
            q!(#v)
        } else {
            q!(_)
        }
    }

    fn step_params(&self, used: &BTreeSet<usize>) -> (Vec<TokenStream>, Vec<TokenStream>) {
        let mut params = Vec::new();
        let mut args = Vec::new();
        for &i in used {
            let s = &self.steps[i];
            let var = &s.var;
            let ty = match &s.repr {
                Repr::Struct(def) => {
                    let id = format_ident!("{}", def.name);
                    q!(#id)
                }
                Repr::F64 => q!(f64),
                Repr::Bool => q!(bool),
                Repr::Value => q!(::handled_runtime::Value),
            };
            params.push(q!(#var: &#ty));
            args.push(q!(&#var));
        }
        (params, args)
    }

    fn step_info(
        &self,
        name: &str,
        kind: TokenStream,
        op: &str,
        item_ops: &[String],
        calls: &[TokenStream],
        span: Span,
    ) -> TokenStream {
        let loc = self.location(span);
        q!(::handled_runtime::StepInfo { name: #name, kind: ::handled_runtime::StepKind::#kind, op: #op, item_ops: &[#(#item_ops),*], location: #loc, calls: &[#(#calls),*] })
    }

    /// Checks an action's `retry` and `timeout` options and returns its
    /// `handled_runtime::CallOptions`.
    fn call_options(&mut self, fields: &[Field]) -> TokenStream {
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
    fn duration_option(&mut self, value: &Expr, what: &str) -> Option<u64> {
        if let ExprKind::String(t) = &value.kind
            && let Some(ms) = parse_duration(t)
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

    // -------------------------------------------------------------------------------------
    // Actions.

    fn resolve_op(
        &mut self,
        connector: &str,
        conn_span: Span,
        op: &str,
        op_span: Span,
    ) -> Option<&'static OpDef> {
        if catalog::connector(connector).is_none() {
            let names = catalog::CONNECTORS.iter().map(|c| c.name);
            let help = did_you_mean(connector, names)
                .map(|s| format!("did you mean `{s}`?"))
                .unwrap_or_else(|| {
                    format!(
                        "the connectors are: {}",
                        catalog::CONNECTORS
                            .iter()
                            .map(|c| c.name)
                            .collect::<Vec<_>>()
                            .join(", ")
                    )
                });
            self.error(
                "E0101",
                conn_span,
                format!("unknown connector `{connector}`"),
            )
            .help = Some(help);
            return None;
        }
        match catalog::op(connector, op) {
            Some(def) => Some(def),
            None => {
                let ops: Vec<&str> = catalog::ops_of(connector).map(|o| o.name).collect();
                let help = did_you_mean(op, ops.iter().copied())
                    .map(|s| format!("did you mean `{connector}.{s}`?"))
                    .unwrap_or_else(|| format!("`{connector}` ops: {}", ops.join(", ")));
                self.error("E0103", op_span, format!("`{connector}` has no op `{op}`"))
                    .help = Some(help);
                None
            }
        }
    }

    fn action(
        &mut self,
        index: usize,
        a: &handled_parser::Action,
        referenced: &BTreeSet<usize>,
    ) -> (TokenStream, TokenStream) {
        self.duplicate_fields(&a.block);
        let op = self.resolve_op(&a.connector.name, a.connector.span, &a.op.name, a.op.span);
        let full = format!("{}.{}", a.connector.name, a.op.name);
        let step_name = a.alias.as_ref().map_or(full.clone(), |i| i.name.clone());
        let calls = [self.call_options(&a.block.fields)];
        let info = self.step_info(&step_name, q!(Action), &full, &[], &calls, a.span);
        let Some(op) = op else {
            return (info, q!());
        };
        if let Some(def) = catalog::connector(op.connector) {
            self.connectors.insert(def.crate_name);
        }
        let fn_name = format_ident!("step_{}_{}", index, snake(&step_name));
        let options = self.options;
        let mut cx = self.cx(Site::Step, index);
        let body = action_body(&mut cx, op, &a.block.fields, a.block.span, None, options);
        let used = std::mem::take(&mut cx.used_steps);
        let uses_scope = cx.uses_scope;
        let counter = cx.counter;
        drop(cx);
        self.counter = counter;
        let params_ty = rust_path(op.params.rust_path);
        let op_ty = op_type(op);
        self.steps[index].ty = Ty::from_shape(&Shape::Object(op.result));
        if a.block.get("condition").is_some() {
            self.steps[index].ty = Ty::Maybe(Box::new(self.steps[index].ty.clone()));
        }
        self.steps[index].repr = Repr::Value;
        let (params, args) = self.step_params(&used);
        let scope_param = if uses_scope { q!(scope) } else { q!(_scope) };
        let doc = format!(
            " Step {}: action `{full}` ({}).",
            index + 1,
            self.loc_text(a.span)
        );
        self.items.push(q! {
            #[doc = #doc]
            pub fn #fn_name(#scope_param: &::handled_runtime::Scope<'_>, #(#params),*) -> ::std::result::Result<::std::option::Option<#params_ty>, ::handled_runtime::StepError> {
                #body
            }
        });
        let call = if referenced.contains(&index) {
            let var = &self.steps[index].var;
            let f = step_closure(&fn_name, &args);
            q!(let #var = ::handled_runtime::rt::result_value(&ctx.action::<#op_ty, _>(#index, #f).await?);)
        } else {
            let f = step_closure(&fn_name, &args);
            q!(ctx.action::<#op_ty, _>(#index, #f).await?;)
        };
        (info, call)
    }

    // -------------------------------------------------------------------------------------
    // forEach.

    fn for_each(
        &mut self,
        index: usize,
        f: &handled_parser::ForEach,
    ) -> (TokenStream, TokenStream) {
        let number = self.wf.steps[..index]
            .iter()
            .filter(|s| matches!(s, Step::ForEach(_)))
            .count();
        let name = if number == 0 {
            "forEach".to_string()
        } else {
            format!("forEach#{}", number + 1)
        };
        let list_fn = format_ident!("step_{}_for_each", index);
        let mut cx = self.cx(Site::Step, index);
        let list = expr::compile(&mut cx, &f.list);
        if matches!(
            list.ty,
            Ty::Num(_) | Ty::Str | Ty::Bool | Ty::Object(_) | Ty::Null | Ty::Undefined
        ) {
            let d = cx.error(
                "E0203",
                f.list.span,
                format!("forEach needs a list, but this is a {}", list.ty.describe()),
            );
            d.help = Some("give it a list, such as `transform.<name>.items`".into());
        }
        let item_ty = list.ty.element();
        let list_v = list.value();
        let at = cx.at(f.list.span);
        let used = std::mem::take(&mut cx.used_steps);
        let uses_scope = cx.uses_scope;
        let counter = cx.counter;
        drop(cx);
        self.counter = counter;
        let (params, args) = self.step_params(&used);
        let scope_param = if uses_scope { q!(scope) } else { q!(_scope) };
        let doc = format!(
            " Step {}: the list of `forEach` ({}).",
            index + 1,
            self.loc_text(f.span)
        );
        self.items.push(q! {
            #[doc = #doc]
            pub fn #list_fn(#scope_param: &::handled_runtime::Scope<'_>, #(#params),*) -> ::std::result::Result<::std::vec::Vec<::handled_runtime::Value>, ::handled_runtime::StepError> {
                Ok(::handled_runtime::rt::list_items(#list_v)#at)
            }
        });
        let mut item_calls = Vec::new();
        let mut item_ops = Vec::new();
        let mut item_options = Vec::new();
        let n_entries = f.actions.len();
        for (entry, block) in f.actions.iter().enumerate() {
            self.duplicate_fields(block);
            let Some(op) = self.entry_op(block) else {
                continue;
            };
            item_ops.push(op.full_name());
            item_options.push(self.call_options(&block.fields));
            if let Some(def) = catalog::connector(op.connector) {
                self.connectors.insert(def.crate_name);
            }
            let fn_name = format_ident!(
                "step_{}_{}_{}_{}",
                index,
                entry,
                op.connector,
                snake(op.name)
            );
            let options = self.options;
            let mut cx = self.cx(Site::Step, index);
            cx.item = Some(item_ty.clone());
            let fields: Vec<Field> = block
                .fields
                .iter()
                .filter(|f| f.name.name != "action")
                .cloned()
                .collect();
            let body = action_body(&mut cx, op, &fields, block.span, Some(()), options);
            let used = std::mem::take(&mut cx.used_steps);
            let uses_scope = cx.uses_scope;
            let counter = cx.counter;
            drop(cx);
            self.counter = counter;
            let (params, args) = self.step_params(&used);
            let params_ty = rust_path(op.params.rust_path);
            let op_ty = op_type(op);
            let scope_param = if uses_scope { q!(scope) } else { q!(_scope) };
            let doc = format!(
                " Step {}, entry {}: `{}` for each item ({}).",
                index + 1,
                entry + 1,
                op.full_name(),
                self.loc_text(block.span)
            );
            self.items.push(q! {
                #[doc = #doc]
                pub fn #fn_name(#scope_param: &::handled_runtime::Scope<'_>, item: &::handled_runtime::Value, #(#params),*) -> ::std::result::Result<::std::option::Option<#params_ty>, ::handled_runtime::StepError> {
                    #body
                }
            });
            let call = q!(ctx.item_action::<#op_ty, _>(#index, i, #entry, |scope| #fn_name(scope, item, #(#args),*)).await);
            if entry + 1 == n_entries {
                item_calls.push(q!(let _ = #call;));
            } else {
                item_calls.push(q!(if #call.is_err() { continue; }));
            }
        }
        let info = self.step_info(&name, q!(ForEach), "", &item_ops, &item_options, f.span);
        self.steps[index].ty = Ty::Undefined;
        let loop_body = if item_calls.is_empty() {
            q!()
        } else {
            q! {
                for (i, item) in list.iter().enumerate() {
                    #(#item_calls)*
                }
            }
        };
        let list_var = if item_calls.is_empty() {
            q!(_)
        } else {
            q!(list)
        };
        let list_closure = step_closure(&list_fn, &args);
        let call = q! {
            let #list_var = ctx.for_each(#index, #list_closure).await?;
            #loop_body
            ctx.end_for_each(#index)?;
        };
        (info, call)
    }

    fn entry_op(&mut self, block: &Block) -> Option<&'static OpDef> {
        let Some(field) = block.get("action") else {
            let d = self.error("E0210", block.span, "this forEach entry has no `action`");
            d.help = Some(
                "add `action: \"connector.op\"`, such as `action: \"slack.sendMessage\"`".into(),
            );
            return None;
        };
        let ExprKind::String(name) = &field.value.kind else {
            let help = format!(
                "quote it: `action: \"{}\"`",
                self.source.slice(field.value.span)
            );
            let d = self.error(
                "E0210",
                field.value.span,
                "a forEach entry's `action` must be a string literal naming an op",
            );
            d.help = Some(help);
            return None;
        };
        let Some((c, o)) = name.split_once('.') else {
            let d = self.error(
                "E0210",
                field.value.span,
                format!("{name:?} is not of the form \"connector.op\""),
            );
            d.help = Some("such as \"slack.sendMessage\"".into());
            return None;
        };
        // Spans inside the string literal: skip the opening quote.
        let start = field.value.span.start as usize + 1;
        let conn_span = Span::new(start, start + c.len());
        let op_span = Span::new(start + c.len() + 1, start + name.len());
        self.resolve_op(c, conn_span, o, op_span)
    }
}

/// The closure a `RunContext` method gets for a step function: the function itself when it
/// takes only the scope.
fn step_closure(fn_name: &Ident, args: &[TokenStream]) -> TokenStream {
    if args.is_empty() {
        q!(#fn_name)
    } else {
        q!(|scope| #fn_name(scope, #(#args),*))
    }
}

/// The body of an action's step function: the condition, each parameter in the order written,
/// then the typed params struct.
fn action_body(
    cx: &mut Cx<'_>,
    op: &'static OpDef,
    fields: &[Field],
    block_span: Span,
    item_entry: Option<()>,
    options: &WorkflowOptions<'_>,
) -> TokenStream {
    let mut pre = Vec::new();
    // condition
    if let Some(cond) = fields.iter().find(|f| f.name.name == "condition") {
        let code = if item_entry.is_some() {
            match &cond.value.kind {
                ExprKind::String(text) => {
                    let offset = cond.value.span.start as usize + 1;
                    match handled_parser::parse_expression(text, offset) {
                        Ok(e) => {
                            expr::warn_env_condition(cx, &e);
                            Some(expr::condition(cx, &e))
                        }
                        Err(errors) => {
                            for err in errors {
                                let d = Diagnostic::error(
                                    "E0211",
                                    cx.file,
                                    err.span,
                                    format!("in this condition: {}", err.message),
                                )
                                .maybe_help(err.help);
                                cx.report(d);
                            }
                            None
                        }
                    }
                }
                _ => {
                    let d = cx.error(
                        "E0210",
                        cond.value.span,
                        "a forEach entry's `condition` must be a string holding an expression",
                    );
                    d.help = Some("quote it: `condition: \"item.currentStock === 0\"`".into());
                    None
                }
            }
        } else {
            expr::warn_env_condition(cx, &cond.value);
            Some(expr::condition(cx, &cond.value))
        };
        if let Some(t) = code {
            pre.push(q!(if !(#t) { return Ok(None); }));
        }
    }
    // parameters
    let known = op.params.fields;
    let options_names: Vec<&str> = catalog::ACTION_OPTIONS.iter().map(|f| f.name).collect();
    let mut values: Vec<(&'static FieldDef, TokenStream)> = Vec::new();
    for f in fields {
        let name = f.name.name.as_str();
        if options_names.contains(&name) {
            // `retry` and `timeout` are checked by `call_options`.
            continue;
        }
        let Some(def) = known.iter().find(|k| k.name == name) else {
            let help = did_you_mean(name, known.iter().map(|k| k.name))
                .map(|s| format!("did you mean `{s}`?"))
                .unwrap_or_else(|| {
                    format!(
                        "`{}` takes: {}",
                        op.full_name(),
                        known.iter().map(|k| k.name).collect::<Vec<_>>().join(", ")
                    )
                });
            let d = cx.error(
                "E0202",
                f.name.span,
                format!("`{}` has no parameter `{name}`", op.full_name()),
            );
            d.primary.message = "unknown parameter".into();
            d.help = Some(help);
            continue;
        };
        if op.full_name() == "email.send" && name == "template" {
            check_template(cx, &f.value, options);
        }
        let loc = cx.location(f.value.span);
        let var = cx.fresh(&format!("param_{}", snake(name)));
        let converted = param_value(cx, &def.shape, def.required, name, &f.value, &loc);
        pre.push(q!(let #var = #converted;));
        values.push((def, q!(#var)));
    }
    // required and one-of groups
    let broken = options
        .broken
        .iter()
        .any(|b| b.start >= block_span.start && b.start <= block_span.end);
    for req in known.iter().filter(|k| k.required) {
        if !broken && !fields.iter().any(|f| f.name.name == req.name) {
            let d = cx.error(
                "E0201",
                block_span,
                format!("`{}` needs the parameter `{}`", op.full_name(), req.name),
            );
            d.help = Some(format!("add `{}: …` ({})", req.name, req.doc));
        }
    }
    if !op.one_of.is_empty() && !broken {
        let given = |n: &str| fields.iter().any(|f| f.name.name == n);
        let complete: Vec<&&[&str]> = op
            .one_of
            .iter()
            .filter(|g| g.iter().all(|n| given(n)))
            .collect();
        if complete.len() != 1 {
            let groups: Vec<String> = op
                .one_of
                .iter()
                .map(|g| format!("`{}`", g.join("` with `")))
                .collect();
            let msg = if complete.is_empty() {
                format!("`{}` needs {}", op.full_name(), groups.join(", or "))
            } else {
                format!(
                    "`{}` takes {}, not both",
                    op.full_name(),
                    groups.join(" or ")
                )
            };
            cx.error("E0214", block_span, msg);
        }
    }
    let struct_path = rust_path(op.params.rust_path);
    let inits: Vec<TokenStream> = known
        .iter()
        .map(|k| {
            let field = format_ident!("{}", k.rust_name());
            match values.iter().find(|(d, _)| d.name == k.name) {
                Some((_, v)) => q!(#field: #v),
                None if k.required => q!(#field: ::std::default::Default::default()),
                None => q!(#field: None),
            }
        })
        .collect();
    q! {
        #(#pre)*
        Ok(Some(#struct_path { #(#inits),* }))
    }
}

/// Converts a parameter's expression to the Rust type of its catalog shape, checking what can
/// be checked at compile time.
fn param_value(
    cx: &mut Cx<'_>,
    shape: &Shape,
    required: bool,
    name: &str,
    e: &Expr,
    loc: &TokenStream,
) -> TokenStream {
    // An object literal for an object parameter: build the nested struct field by field.
    if let (Shape::Object(obj), ExprKind::Object(props)) = (shape, &e.kind)
        && let Some(ts) = nested_params(cx, obj, name, props, e.span, loc)
    {
        return if required { ts } else { q!(Some(#ts)) };
    }
    let code = expr::compile(cx, e);
    let fd = FieldDef {
        name: "",
        shape: *shape,
        required,
        doc: "",
    };
    let _ = fd;
    check_param_static(cx, shape, name, &code, e);
    let fast = match (shape, &code.repr) {
        (Shape::Integer, Repr::F64) => {
            let ts = &code.ts;
            Some(q!(::handled_runtime::convert::integer_f64(#ts, #name, #loc)?))
        }
        (Shape::Number, Repr::F64) => Some(code.ts.clone()),
        (Shape::Boolean, Repr::Bool) => Some(code.ts.clone()),
        _ => None,
    };
    if let Some(ts) = fast {
        return if required { ts } else { q!(Some(#ts)) };
    }
    let f = converter(shape);
    let v = code.value_ref();
    if required {
        q!((#f)(#v, #name, #loc)?)
    } else {
        q!(::handled_runtime::convert::optional(#v, #name, #loc, #f)?)
    }
}

fn nested_params(
    cx: &mut Cx<'_>,
    obj: &'static catalog::ObjectShape,
    name: &str,
    props: &[Prop],
    span: Span,
    loc: &TokenStream,
) -> Option<TokenStream> {
    let mut given: Vec<(&'static FieldDef, TokenStream)> = Vec::new();
    for p in props {
        let (key, key_span, value): (&str, Span, Expr) = match p {
            Prop::KeyValue {
                key: PropKey::Ident(k),
                value,
            } => (k.name.as_str(), k.span, value.clone()),
            Prop::KeyValue {
                key: PropKey::String(k, s),
                value,
            } => (k.as_str(), *s, value.clone()),
            Prop::Shorthand(i) => (
                i.name.as_str(),
                i.span,
                Expr {
                    kind: ExprKind::Ident(i.name.clone()),
                    span: i.span,
                },
            ),
            _ => return None,
        };
        let Some(def) = obj.field(key) else {
            let help = did_you_mean(key, obj.fields.iter().map(|f| f.name))
                .map(|s| format!("did you mean `{s}`?"))
                .unwrap_or_else(|| {
                    format!(
                        "`{name}` takes: {}",
                        obj.fields
                            .iter()
                            .map(|f| f.name)
                            .collect::<Vec<_>>()
                            .join(", ")
                    )
                });
            let d = cx.error("E0202", key_span, format!("`{name}` has no field `{key}`"));
            d.help = Some(help);
            continue;
        };
        let inner_loc = cx.location(value.span);
        let full = format!("{name}.{key}");
        let v = param_value(cx, &def.shape, def.required, &full, &value, &inner_loc);
        given.push((def, v));
    }
    for req in obj.fields.iter().filter(|f| f.required) {
        if !given.iter().any(|(d, _)| d.name == req.name) {
            let d = cx.error(
                "E0201",
                span,
                format!("`{name}` needs the field `{}`", req.name),
            );
            d.help = Some(format!("add `{}: …` ({})", req.name, req.doc));
        }
    }
    let _ = loc;
    let path = rust_path(obj.rust_path);
    let inits: Vec<TokenStream> = obj
        .fields
        .iter()
        .map(|k| {
            let field = format_ident!("{}", k.rust_name());
            match given.iter().find(|(d, _)| d.name == k.name) {
                Some((_, v)) => q!(#field: #v),
                None if k.required => q!(#field: ::std::default::Default::default()),
                None => q!(#field: None),
            }
        })
        .collect();
    Some(q!(#path { #(#inits),* }))
}

/// A function `(&Value, &str, Location) -> Result<T, StepError>` converting to a shape.
fn converter(shape: &Shape) -> TokenStream {
    match shape {
        Shape::String => q!(::handled_runtime::convert::string),
        Shape::Enum(values) => {
            q!(|v: &::handled_runtime::Value, p: &str, at: ::handled_runtime::Location| ::handled_runtime::convert::one_of(v, &[#(#values),*], p, at))
        }
        Shape::Integer => q!(::handled_runtime::convert::integer),
        Shape::Number => q!(::handled_runtime::convert::number),
        Shape::Boolean => q!(::handled_runtime::convert::boolean),
        Shape::Json => q!(::handled_runtime::convert::json_param),
        Shape::Object(obj) => {
            let path = rust_path(obj.rust_path);
            q!(::handled_runtime::convert::object::<#path>)
        }
        Shape::Array(inner) => {
            let f = converter(inner);
            q!(|v: &::handled_runtime::Value, p: &str, at: ::handled_runtime::Location| ::handled_runtime::convert::list(v, p, at, #f))
        }
        Shape::Nullable(inner) => {
            let f = converter(inner);
            q!(|v: &::handled_runtime::Value, p: &str, at: ::handled_runtime::Location| ::handled_runtime::convert::optional(v, p, at, #f))
        }
    }
}

fn check_param_static(cx: &mut Cx<'_>, shape: &Shape, name: &str, code: &Code, e: &Expr) {
    let ty = &code.ty;
    if ty.is_open() {
        return;
    }
    let mismatch =
        |expected: &str| format!("`{name}` needs {expected}, but this is a {}", ty.describe());
    match shape {
        Shape::Integer | Shape::Number => match ty {
            Ty::Num(kind) => {
                if matches!(shape, Shape::Integer) {
                    match kind {
                        crate::ty::NumKind::Frac => {
                            let d = cx.error(
                                "E0204",
                                e.span,
                                format!("`{name}` needs an integer, but this can have a fraction"),
                            );
                            d.primary.message = "can leave a fraction".into();
                            d.help = Some(
                                "wrap it in `Math.floor(…)`, `Math.round(…)` or `Math.trunc(…)`"
                                    .into(),
                            );
                        }
                        crate::ty::NumKind::DynFrac => {
                            let d = Diagnostic::warning("W0003", cx.file, e.span, format!("`{name}` needs an integer, and this can have a fraction at run time"))
                                .help("wrap it in `Math.floor(…)`, `Math.round(…)` or `Math.trunc(…)`");
                            cx.report(d);
                        }
                        _ => {}
                    }
                    if let Some(n) = literal_number(e)
                        && n < 0.0
                    {
                        cx.error(
                            "E0205",
                            e.span,
                            format!("`{name}` is {}, but quantities cannot be negative", n),
                        )
                        .help = Some("use `Math.max(0, …)`".into());
                    }
                }
            }
            Ty::Maybe(inner) if inner.is_num() => {}
            _ => {
                let expected = if matches!(shape, Shape::Integer) {
                    "an integer"
                } else {
                    "a number"
                };
                let d = cx.error("E0203", e.span, mismatch(expected));
                d.help = Some(if *ty == Ty::Str {
                    "convert it explicitly: `Number(…)`".into()
                } else {
                    format!("give {expected}")
                });
            }
        },
        Shape::String | Shape::Enum(_) => {
            if matches!(
                ty,
                Ty::Bool | Ty::Array(_) | Ty::Object(_) | Ty::Null | Ty::Undefined
            ) {
                cx.error("E0203", e.span, mismatch("a string")).help =
                    Some("convert it explicitly: `String(…)`".into());
            }
            if let (Shape::Enum(values), ExprKind::String(s)) = (shape, &e.kind)
                && !values.contains(&s.as_str())
            {
                let help =
                    did_you_mean(s, values.iter().copied()).map(|v| format!("did you mean {v:?}?"));
                let d = cx.error(
                    "E0203",
                    e.span,
                    format!("`{name}` must be one of {}", values.join(", ")),
                );
                d.help = help;
            }
        }
        Shape::Boolean => {
            if !matches!(ty, Ty::Bool) {
                let d = cx.error("E0203", e.span, mismatch("true or false"));
                d.help = Some(if *ty == Ty::Str {
                    "compare it: `x === \"true\"`".into()
                } else {
                    "give a boolean, such as `x > 0`".into()
                });
            }
        }
        Shape::Array(_) => {
            if !matches!(ty, Ty::Array(_)) {
                cx.error("E0203", e.span, mismatch("a list"));
            }
        }
        Shape::Object(_) => {
            if !matches!(ty, Ty::Object(_)) {
                cx.error("E0203", e.span, mismatch("an object"));
            }
        }
        Shape::Json | Shape::Nullable(_) => {}
    }
}

fn literal_number(e: &Expr) -> Option<f64> {
    match &e.kind {
        ExprKind::Number(n) => Some(*n),
        ExprKind::Unary {
            op: handled_parser::UnaryOp::Neg,
            expr,
        } => literal_number(expr).map(|n| -n),
        _ => None,
    }
}

fn check_shape_static(
    diags: &mut Vec<Diagnostic>,
    file: usize,
    fd: &FieldDef,
    code: &Code,
    e: &Expr,
) {
    if code.ty.is_open() {
        return;
    }
    let bad = match fd.shape {
        Shape::String => !matches!(code.ty, Ty::Str | Ty::Num(_) | Ty::Maybe(_)),
        Shape::Array(_) => !matches!(code.ty, Ty::Array(_)),
        _ => false,
    };
    if bad {
        let d = Diagnostic::error(
            "E0206",
            file,
            e.span,
            format!(
                "the trigger field `{}` needs {}, but this is a {}",
                fd.name,
                shape_name(&fd.shape),
                code.ty.describe()
            ),
        )
        .help(fd.doc.to_string());
        diags.push(d);
    }
}

fn shape_name(shape: &Shape) -> &'static str {
    match shape {
        Shape::String | Shape::Enum(_) => "a string",
        Shape::Integer => "an integer",
        Shape::Number => "a number",
        Shape::Boolean => "true or false",
        Shape::Json => "a value",
        Shape::Array(_) => "a list",
        Shape::Object(_) => "an object",
        Shape::Nullable(_) => "a value or null",
    }
}

fn check_template(cx: &mut Cx<'_>, value: &Expr, options: &WorkflowOptions<'_>) {
    let ExprKind::String(name) = &value.kind else {
        cx.error(
            "E0212",
            value.span,
            "`template` must be a string literal naming a template beside the program",
        );
        return;
    };
    let Some(load) = options.templates else {
        return;
    };
    let (txt, html) = load(&cx.source.name, name);
    if txt.is_none() && html.is_none() {
        let d = cx.error("E0212", value.span, format!("no template `{name}`: looked for templates/{name}.txt and templates/{name}.html beside the program"));
        d.help = Some(format!(
            "create templates/{name}.txt (minijinja syntax, subject in a `{{% block subject %}}` block)"
        ));
        return;
    }
    for (ext, text) in [("txt", txt), ("html", html)] {
        let Some(text) = text else { continue };
        let mut env = minijinja::Environment::new();
        if let Err(e) = env.add_template_owned(format!("{name}.{ext}"), text) {
            cx.error(
                "E0212",
                value.span,
                format!("templates/{name}.{ext} does not parse: {e}"),
            );
        }
    }
}

/// The payload type of the workflow's trigger (with `conflicts` when `coalesce` is set).
fn payload_type(t: &TriggerDef, wf: &Workflow) -> Ty {
    let base = Ty::from_shape(&t.payload);
    if wf.trigger.block.get("coalesce").is_none() {
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

fn step_connectors(step: &Step) -> Vec<&str> {
    match step {
        Step::Action(a) => vec![a.connector.name.as_str()],
        Step::Transform(_) => Vec::new(),
        Step::ForEach(f) => f
            .actions
            .iter()
            .filter_map(|b| b.get("action"))
            .filter_map(|a| match &a.value.kind {
                ExprKind::String(s) => s.split_once('.').map(|(c, _)| c),
                _ => None,
            })
            .collect(),
    }
}

/// Builds a struct for an object literal whose keys can all be Rust fields; `None` when the
/// object must stay a `Value` (spreads, computed or unusual keys).
fn build_struct(
    cx: &mut Cx<'_>,
    props: &[Prop],
    name: &str,
    doc: &str,
    out: &mut Vec<Rc<StructDef>>,
) -> Option<Code> {
    let mut seen = BTreeSet::new();
    for p in props {
        let key = match p {
            Prop::KeyValue {
                key: PropKey::Ident(k),
                ..
            } => k.name.clone(),
            Prop::KeyValue {
                key: PropKey::String(k, _),
                ..
            } => k.clone(),
            Prop::Shorthand(i) => i.name.clone(),
            _ => return None,
        };
        // `__proto__: …` is refused by the expression compiler (it sets a prototype in
        // JavaScript), so it must not become a struct field here.
        if key == "__proto__" || !is_rust_field(&key) || !seen.insert(snake(&key)) {
            return None;
        }
    }
    let mut fields = Vec::new();
    let mut inits = Vec::new();
    let mut tys = Vec::new();
    for p in props {
        let (key, value) = match p {
            Prop::KeyValue {
                key: PropKey::Ident(k),
                value,
            } => (k.name.clone(), value.clone()),
            Prop::KeyValue {
                key: PropKey::String(k, _),
                value,
            } => (k.clone(), value.clone()),
            Prop::Shorthand(i) => (
                i.name.clone(),
                Expr {
                    kind: ExprKind::Ident(i.name.clone()),
                    span: i.span,
                },
            ),
            _ => return None,
        };
        let rust = snake(&key);
        let field = format_ident!("{}", rust);
        let nested = match &value.kind {
            ExprKind::Object(inner) => build_struct(
                cx,
                inner,
                &format!("{name}{}", pascal(&key)),
                &format!("`{key}` of {}", doc.to_lowercase()),
                out,
            ),
            _ => None,
        };
        let code = nested.unwrap_or_else(|| expr::compile(cx, &value));
        let (ts, repr) = match &code.repr {
            Repr::F64 | Repr::Bool => (code.ts.clone(), code.repr.clone()),
            Repr::Struct(_) if code.place == expr::Place::Temp => {
                (code.ts.clone(), code.repr.clone())
            }
            _ => (code.value(), Repr::Value),
        };
        inits.push(q!(#field: #ts));
        tys.push((key.clone(), code.ty.clone()));
        fields.push((key, rust, repr));
    }
    let def = Rc::new(StructDef {
        name: name.to_string(),
        doc: doc.to_string(),
        fields,
    });
    out.push(def.clone());
    let id = format_ident!("{}", name);
    Some(Code {
        ts: q!(#id { #(#inits),* }),
        ty: Ty::object(tys),
        repr: Repr::Struct(def),
        place: expr::Place::Temp,
    })
}

fn struct_tokens(def: &StructDef) -> TokenStream {
    let name = format_ident!("{}", def.name);
    let doc = &def.doc;
    let mut fields = Vec::new();
    let mut parts = Vec::new();
    for (key, rust, repr) in &def.fields {
        let id = format_ident!("{}", rust);
        let rename = if key != rust {
            q!(rename = #key,)
        } else {
            q!()
        };
        let field_doc = format!("`{key}`");
        let (ty, attrs, value) = match repr {
            Repr::F64 => (
                q!(f64),
                q!(#[serde(#rename with = "::handled_runtime::js::number_serde")]),
                q!(::handled_runtime::Value::Number(self.#id)),
            ),
            Repr::Bool => (
                q!(bool),
                if key != rust {
                    q!(#[serde(rename = #key)])
                } else {
                    q!()
                },
                q!(::handled_runtime::Value::Bool(self.#id)),
            ),
            Repr::Struct(inner) => {
                let inner_id = format_ident!("{}", inner.name);
                (
                    q!(#inner_id),
                    if key != rust {
                        q!(#[serde(rename = #key)])
                    } else {
                        q!()
                    },
                    q!(self.#id.to_value()),
                )
            }
            Repr::Value => (
                q!(::handled_runtime::Value),
                q!(#[serde(#rename default = "::handled_runtime::rt::undefined", skip_serializing_if = "::handled_runtime::rt::is_undefined")]),
                q!(self.#id.clone()),
            ),
        };
        fields.push(q! {
            #[doc = #field_doc]
            #attrs
            pub #id: #ty
        });
        parts.push(q!(::handled_runtime::rt::Part::Prop(::handled_runtime::js::JsString::from(#key), #value)));
    }
    q! {
        #[doc = #doc]
        #[derive(Clone, Debug, PartialEq, ::handled_runtime::serde::Serialize, ::handled_runtime::serde::Deserialize)]
        #[serde(crate = "::handled_runtime::serde")]
        pub struct #name {
            #(#fields),*
        }

        impl #name {
            /// The value as JavaScript sees it.
            pub fn to_value(&self) -> ::handled_runtime::Value {
                ::handled_runtime::rt::object(vec![#(#parts),*])
            }
        }
    }
}

/// `handled_shopify::UpdateInventoryParams` → `::handled_shopify::UpdateInventoryParams`.
fn rust_path(path: &str) -> TokenStream {
    let segments: Vec<Ident> = path.split("::").map(|s| format_ident!("{}", s)).collect();
    q!(#(::#segments)*)
}

fn op_type(op: &OpDef) -> TokenStream {
    let krate = catalog::connector(op.connector).map_or("handled_runtime", |c| c.crate_name);
    rust_path(&format!("{krate}::{}", op.rust_type()))
}

/// `calculateChannelAllocation` → `CalculateChannelAllocation`.
pub fn pascal(name: &str) -> String {
    let p = catalog::pascal_case(name);
    let cleaned: String = p.chars().filter(|c| c.is_ascii_alphanumeric()).collect();
    if cleaned.starts_with(|c: char| c.is_ascii_digit()) || cleaned.is_empty() {
        format!("T{cleaned}")
    } else {
        cleaned
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

/// Parses a duration literal such as `500ms`, `5s`, `2m`, `1h` into milliseconds.
pub fn parse_duration(text: &str) -> Option<u64> {
    let text = text.trim();
    let split = text.find(|c: char| !c.is_ascii_digit() && c != '.')?;
    let (num, unit) = text.split_at(split);
    let n: f64 = num.parse().ok()?;
    let factor = match unit.trim() {
        "ms" => 1.0,
        "s" => 1000.0,
        "m" | "min" => 60_000.0,
        "h" => 3_600_000.0,
        _ => return None,
    };
    let ms = n * factor;
    (ms.is_finite() && ms >= 0.0).then_some(ms as u64)
}
