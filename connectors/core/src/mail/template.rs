//! Email templates: minijinja sources named `NAME.txt` and/or `NAME.html`, the subject in a
//! `{% block subject %}…{% endblock %}` block, rendered with the op's `data`.
//!
//! The body is the template rendered with its subject block emptied (a one-line child
//! template that extends it), so the subject line does not appear in the body. HTML templates
//! escape values (minijinja chooses by the `.html` name); text templates do not.

use std::collections::BTreeMap;
use std::path::PathBuf;

use handled_contract::{CallError, Json};
use minijinja::{Environment, ErrorKind, Value};

/// What a template rendered to.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Rendered {
    /// The subject (whitespace collapsed to single spaces).
    pub subject: String,
    /// The plain-text body, from `NAME.txt`.
    pub text: Option<String>,
    /// The HTML body, from `NAME.html`.
    pub html: Option<String>,
}

/// Where templates come from.
#[derive(Clone, Debug)]
pub enum Templates {
    /// Files `NAME.txt` / `NAME.html` in a directory, read at each send.
    Dir(PathBuf),
    /// Sources embedded in the program: file name → source.
    Embedded(BTreeMap<String, String>),
}

/// Whether a template name is a plain file stem: letters, digits, `-`, `_` and `.`, no path,
/// no `..`.
pub fn is_valid_name(name: &str) -> bool {
    !name.is_empty()
        && !name.starts_with('.')
        && !name.contains("..")
        && name
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.'))
}

/// Checks that a template name is a plain file stem ([`is_valid_name`]).
fn check_name(name: &str) -> Result<(), CallError> {
    if is_valid_name(name) {
        Ok(())
    } else {
        Err(CallError::permanent(format!(
            "template names are letters, digits, '-', '_' and '.' (got {name:?})"
        )))
    }
}

impl Templates {
    /// The sources of `NAME.txt` and `NAME.html`, `None` when neither exists.
    pub async fn find(&self, name: &str) -> Result<Option<Sources>, CallError> {
        check_name(name)?;
        let (txt, html) = match self {
            Templates::Embedded(map) => (
                map.get(&format!("{name}.txt")).cloned(),
                map.get(&format!("{name}.html")).cloned(),
            ),
            Templates::Dir(dir) => (
                read(dir.join(format!("{name}.txt"))).await?,
                read(dir.join(format!("{name}.html"))).await?,
            ),
        };
        if txt.is_none() && html.is_none() {
            return Ok(None);
        }
        Ok(Some(Sources { txt, html }))
    }

    /// The sources of `NAME.txt` and `NAME.html` (either may be missing, not both).
    pub async fn load(&self, name: &str) -> Result<Sources, CallError> {
        match self.find(name).await? {
            Some(sources) => Ok(sources),
            None => Err(CallError::permanent(format!(
                "no template {name}.txt or {name}.html{}",
                self.place()
            ))),
        }
    }

    /// Where templates are looked for, for messages (` in ./templates`).
    pub fn place(&self) -> String {
        match self {
            Templates::Dir(dir) => format!(" in {}", dir.display()),
            Templates::Embedded(_) => " among the embedded templates".to_string(),
        }
    }

    /// Loads and renders template `name` with `data`.
    pub async fn render(&self, name: &str, data: &Json) -> Result<Rendered, CallError> {
        self.load(name).await?.render(name, data)
    }
}

/// The sources of one template: `NAME.txt` and/or `NAME.html`.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Sources {
    /// `NAME.txt`.
    pub txt: Option<String>,
    /// `NAME.html`.
    pub html: Option<String>,
}

impl Sources {
    /// Renders them with `data` (see [`render_sources`]); a failure is permanent and names
    /// the template.
    pub fn render(&self, name: &str, data: &Json) -> Result<Rendered, CallError> {
        render_sources(name, self.txt.as_deref(), self.html.as_deref(), data)
            .map_err(|e| CallError::permanent(format!("template {name}: {e}")))
    }

    /// Checks them as [`check_templates`] does (no data, no I/O).
    pub fn check(&self) -> Result<(), String> {
        check_templates(self.txt.as_deref(), self.html.as_deref())
    }
}

async fn read(path: PathBuf) -> Result<Option<String>, CallError> {
    match tokio::fs::read_to_string(&path).await {
        Ok(s) => Ok(Some(s)),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
        Err(e) => Err(CallError::permanent(format!(
            "cannot read {}: {e}",
            path.display()
        ))),
    }
}

fn environment<'a>(
    name: &str,
    txt: Option<&'a str>,
    html: Option<&'a str>,
) -> Result<Environment<'a>, String> {
    let mut env = Environment::new();
    for (ext, source) in [("txt", txt), ("html", html)] {
        let Some(source) = source else { continue };
        env.add_template_owned(format!("{name}.{ext}"), source.to_string())
            .map_err(|e| describe(&e))?;
        env.add_template_owned(
            format!("body-of-{name}.{ext}"),
            format!("{{% extends \"{name}.{ext}\" %}}{{% block subject %}}{{% endblock %}}"),
        )
        .map_err(|e| describe(&e))?;
    }
    Ok(env)
}

fn describe(e: &minijinja::Error) -> String {
    let mut out = e.to_string();
    if let Some(line) = e.line()
        && !out.contains("line")
    {
        out.push_str(&format!(" (line {line})"));
    }
    out
}

/// The subject block of one template, `Ok(None)` when it has none.
fn subject_of(
    env: &Environment<'_>,
    template: &str,
    ctx: &Value,
) -> Result<Option<String>, String> {
    let tmpl = env.get_template(template).map_err(|e| describe(&e))?;
    let mut captured = tmpl
        .render_captured(ctx.clone())
        .map_err(|e| describe(&e))?;
    match captured.with_state_mut(|state| state.render_block("subject")) {
        Ok(s) => Ok(Some(s.split_whitespace().collect::<Vec<_>>().join(" "))),
        Err(e) if e.kind() == ErrorKind::UnknownBlock => Ok(None),
        Err(e) => Err(describe(&e)),
    }
}

/// Renders `NAME.txt` and/or `NAME.html` from their sources with `data`: the subject from the
/// first that has a `subject` block, each body without its subject block.
pub fn render_sources(
    name: &str,
    txt: Option<&str>,
    html: Option<&str>,
    data: &Json,
) -> Result<Rendered, String> {
    let env = environment(name, txt, html)?;
    let ctx = Value::from(minijinja::value::Serde(data));
    let mut subject = None;
    let mut bodies = [None, None];
    for (i, (ext, source)) in [("txt", txt), ("html", html)].into_iter().enumerate() {
        if source.is_none() {
            continue;
        }
        if subject.is_none() {
            subject = subject_of(&env, &format!("{name}.{ext}"), &ctx)?;
        }
        let body = env
            .get_template(&format!("body-of-{name}.{ext}"))
            .and_then(|t| t.render(ctx.clone()))
            .map_err(|e| describe(&e))?;
        bodies[i] = Some(body.trim_start_matches(['\r', '\n']).to_string());
    }
    let Some(subject) = subject else {
        return Err("no {% block subject %}…{% endblock %} in the template".into());
    };
    if subject.is_empty() {
        return Err("the subject block rendered empty".into());
    }
    let [text, html] = bodies;
    Ok(Rendered {
        subject,
        text,
        html,
    })
}

/// Checks one template's syntax (no I/O, no data needed). For the code generator.
pub fn check_template(source: &str) -> Result<(), String> {
    let env = Environment::new();
    env.template_from_str(source)
        .map(|_| ())
        .map_err(|e| describe(&e))
}

/// Checks a template pair as [`Templates`] will use it: at least one source, each
/// well-formed, and a `subject` block in one of them. No I/O.
pub fn check_templates(txt: Option<&str>, html: Option<&str>) -> Result<(), String> {
    if txt.is_none() && html.is_none() {
        return Err("neither NAME.txt nor NAME.html".into());
    }
    for source in [txt, html].into_iter().flatten() {
        check_template(source)?;
    }
    let env = environment("t", txt, html)?;
    let empty = Value::from(minijinja::value::Serde(serde_json::json!({})));
    for (ext, source) in [("txt", txt), ("html", html)] {
        if source.is_none() {
            continue;
        }
        let tmpl = env
            .get_template(&format!("t.{ext}"))
            .map_err(|e| describe(&e))?;
        // Rendering without data may fail on expressions that need it; only the block's
        // presence is checked here.
        let Ok(mut captured) = tmpl.render_captured(empty.clone()) else {
            return Ok(());
        };
        match captured.with_state_mut(|state| state.render_block("subject")) {
            Err(e) if e.kind() == ErrorKind::UnknownBlock => continue,
            _ => return Ok(()),
        }
    }
    Err("no {% block subject %}…{% endblock %} in the template".into())
}
