//! Where purchase orders go, from the environment: the supplier's API, and the suppliers that
//! take their orders by email instead (with the mail server, sender and template).

mod suppliers;

use std::path::{Path, PathBuf};

use handled_connector_core::Pace;
use handled_connector_core::env::{EnvReader, PaceVar};
use handled_connector_core::mail::template::is_valid_name;
use handled_connector_core::mail::{Mailbox, SmtpSettings, Templates, check_templates};
use handled_contract::Env;

pub use suppliers::{EmailSuppliers, normalize_supplier};

/// The client-side pace, `SUPPLIER_RATE_LIMIT` (e.g. `50/s`), of API calls and order emails
/// alike. Supplier endpoints publish no limit, so the default only keeps a burst of runs
/// polite: 10 requests a second, bursts of 10.
pub const RATE_LIMIT: PaceVar = PaceVar::new("SUPPLIER_RATE_LIMIT", Pace::new(10.0, 10));

/// The variable naming the suppliers that take orders by email.
pub const ORDER_EMAILS: &str = "SUPPLIER_ORDER_EMAILS";

/// The field of a sandbox's fixture (and of its `/_smtp` answer) naming the suppliers that take
/// orders by email.
pub const SANDBOX_FIELD: &str = "orderEmails";

/// The template of an order email unless `SUPPLIER_ORDER_TEMPLATE` names another:
/// `purchase-order.txt` and/or `purchase-order.html` in the templates directory, else the
/// built-in one ([`crate::by_email::DEFAULT_TEMPLATE`]).
pub const DEFAULT_TEMPLATE_NAME: &str = "purchase-order";

/// Where templates are read from unless `EMAIL_TEMPLATES_DIR` says otherwise (as for the
/// email connector).
pub const DEFAULT_TEMPLATES_DIR: &str = "./templates";

/// The supplier API's settings.
#[derive(Clone)]
pub struct SupplierConfig {
    /// The API's base URL (`SUPPLIER_API_URL`), without a trailing slash.
    pub base_url: String,
    /// The bearer token (`SUPPLIER_API_KEY`), when the API wants one.
    pub api_key: Option<String>,
    /// The client-side pace (`SUPPLIER_RATE_LIMIT`, default [`RATE_LIMIT`]).
    pub pace: Pace,
}

impl std::fmt::Debug for SupplierConfig {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SupplierConfig")
            .field("base_url", &self.base_url)
            .field("api_key", &self.api_key.as_ref().map(|_| "[redacted]"))
            .field("pace", &self.pace)
            .finish()
    }
}

impl SupplierConfig {
    /// A config for this base URL and key.
    pub fn new(base_url: &str, api_key: Option<String>) -> Self {
        SupplierConfig {
            base_url: base_url.trim_end_matches('/').to_string(),
            api_key,
            pace: RATE_LIMIT.default,
        }
    }

    /// The same settings at another client-side pace.
    pub fn with_pace(mut self, pace: Pace) -> Self {
        self.pace = pace;
        self
    }
}

/// Which template an order email is rendered from.
#[derive(Clone, Debug)]
pub struct OrderTemplate {
    /// The template's name (`NAME.txt` and/or `NAME.html`).
    pub name: String,
    /// Where it is looked for.
    pub templates: Templates,
    /// Whether the built-in template stands in when neither file exists (the name was not
    /// chosen by `SUPPLIER_ORDER_TEMPLATE`).
    pub fallback: bool,
}

impl OrderTemplate {
    /// `purchase-order` in `templates`, else the built-in template.
    pub fn default_in(templates: Templates) -> Self {
        OrderTemplate {
            name: DEFAULT_TEMPLATE_NAME.into(),
            templates,
            fallback: true,
        }
    }
}

/// How purchase orders are emailed to the suppliers that take them by email.
#[derive(Clone, Debug)]
pub struct OrderEmailConfig {
    /// Who takes orders by email, and at which addresses (`SUPPLIER_ORDER_EMAILS`).
    pub suppliers: EmailSuppliers,
    /// The mail server (`SMTP_URL`, the email connector's).
    pub smtp: SmtpSettings,
    /// The sender (`SUPPLIER_ORDER_FROM`, else `EMAIL_FROM`).
    pub from: Mailbox,
    /// The template (`SUPPLIER_ORDER_TEMPLATE` in `EMAIL_TEMPLATES_DIR`).
    pub template: OrderTemplate,
    /// The client-side pace (`SUPPLIER_RATE_LIMIT`).
    pub pace: Pace,
}

/// The supplier connector's settings: the API, the suppliers that take orders by email, or
/// both (an order goes by email when its supplier is listed, else to the API).
#[derive(Clone, Debug)]
pub struct Settings {
    /// The supplier API, when `SUPPLIER_API_URL` is set.
    pub api: Option<SupplierConfig>,
    /// Orders by email, when `SUPPLIER_ORDER_EMAILS` is set.
    pub email: Option<OrderEmailConfig>,
}

impl Settings {
    /// Reads `SUPPLIER_API_URL` and `SUPPLIER_API_KEY` (the API), `SUPPLIER_ORDER_EMAILS`
    /// with `SMTP_URL`, `SUPPLIER_ORDER_FROM` or `EMAIL_FROM`, `SUPPLIER_ORDER_TEMPLATE` and
    /// `EMAIL_TEMPLATES_DIR` (orders by email), and `SUPPLIER_RATE_LIMIT`. At least one of
    /// `SUPPLIER_API_URL` and `SUPPLIER_ORDER_EMAILS` is required; names every missing or bad
    /// variable.
    pub fn from_env(env: &Env) -> Result<Self, Vec<String>> {
        let mut r = EnvReader::new(env);
        let by_email = r.optional(ORDER_EMAILS).is_some();
        let suppliers = read_suppliers(&mut r);
        let api = read_api(&mut r, by_email);
        let pace = RATE_LIMIT.read(&mut r);
        let email = if by_email {
            read_order_email(&mut r, suppliers, pace)
        } else {
            None
        };
        r.finish()?;
        Ok(Settings {
            api: api.map(|(url, key)| SupplierConfig::new(&url, key).with_pace(pace)),
            email,
        })
    }
}

/// `SUPPLIER_API_URL` and `SUPPLIER_API_KEY`, when the URL is set (required unless some
/// suppliers take orders by email).
fn read_api(r: &mut EnvReader<'_>, by_email: bool) -> Option<(String, Option<String>)> {
    let key = r.optional("SUPPLIER_API_KEY");
    let Some(url) = r.optional("SUPPLIER_API_URL") else {
        if !by_email {
            r.problem(format!(
                "missing environment variable SUPPLIER_API_URL (or {ORDER_EMAILS}, for suppliers that take purchase orders by email)"
            ));
        } else if key.is_some() {
            r.problem("SUPPLIER_API_KEY is set but SUPPLIER_API_URL is not");
        }
        return None;
    };
    if !(url.starts_with("http://") || url.starts_with("https://")) {
        r.problem("SUPPLIER_API_URL must be an http:// or https:// URL");
    }
    Some((url, key))
}

/// `SUPPLIER_ORDER_EMAILS`, when set (its problems recorded).
fn read_suppliers(r: &mut EnvReader<'_>) -> Option<EmailSuppliers> {
    let text = r.optional(ORDER_EMAILS)?;
    match EmailSuppliers::parse(&text) {
        Ok(s) if s.is_empty() => {
            r.problem(format!("{ORDER_EMAILS} names no supplier"));
            None
        }
        Ok(s) => Some(s),
        Err(problems) => {
            for p in problems {
                r.problem(p);
            }
            None
        }
    }
}

/// The mail server, sender and template of orders by email, read even when the list of
/// suppliers was refused, so that every problem is recorded at once.
fn read_order_email(
    r: &mut EnvReader<'_>,
    suppliers: Option<EmailSuppliers>,
    pace: Pace,
) -> Option<OrderEmailConfig> {
    let smtp = read_smtp(r);
    let from = read_from(r);
    let template = read_template(r);
    Some(OrderEmailConfig {
        suppliers: suppliers?,
        smtp: smtp?,
        from: from?,
        template: template?,
        pace,
    })
}

fn read_smtp(r: &mut EnvReader<'_>) -> Option<SmtpSettings> {
    let Some(url) = r.optional("SMTP_URL") else {
        r.problem(format!(
            "missing environment variable SMTP_URL (the mail server {ORDER_EMAILS} sends purchase orders through)"
        ));
        return None;
    };
    SmtpSettings::parse(&url).map_err(|e| r.problem(e)).ok()
}

fn read_from(r: &mut EnvReader<'_>) -> Option<Mailbox> {
    let chosen = ["SUPPLIER_ORDER_FROM", "EMAIL_FROM"]
        .into_iter()
        .find_map(|var| r.optional(var).map(|v| (var, v)));
    let Some((var, from)) = chosen else {
        r.problem(format!(
            "missing environment variable SUPPLIER_ORDER_FROM or EMAIL_FROM (the sender of purchase orders by email, {ORDER_EMAILS})"
        ));
        return None;
    };
    from.parse()
        .map_err(|_| r.problem(format!("{var} is not an email address")))
        .ok()
}

/// `SUPPLIER_ORDER_TEMPLATE` in `EMAIL_TEMPLATES_DIR`, its files checked now so that a
/// mistake is named at start rather than at the first order.
fn read_template(r: &mut EnvReader<'_>) -> Option<OrderTemplate> {
    let dir = PathBuf::from(
        r.optional("EMAIL_TEMPLATES_DIR")
            .unwrap_or_else(|| DEFAULT_TEMPLATES_DIR.into()),
    );
    let chosen = r.optional("SUPPLIER_ORDER_TEMPLATE");
    let name = chosen
        .clone()
        .unwrap_or_else(|| DEFAULT_TEMPLATE_NAME.into());
    if !is_valid_name(&name) {
        r.problem(format!(
            "SUPPLIER_ORDER_TEMPLATE: template names are letters, digits, '-', '_' and '.' (got {name:?})"
        ));
        return None;
    }
    if let Err(problem) = check_template_files(&dir, &name, chosen.is_some()) {
        r.problem(problem);
        return None;
    }
    Some(OrderTemplate {
        name,
        templates: Templates::Dir(dir),
        fallback: chosen.is_none(),
    })
}

/// Checks `NAME.txt` / `NAME.html` in `dir`: they parse and have a subject; a missing pair
/// is a problem only when the name was chosen.
fn check_template_files(dir: &Path, name: &str, chosen: bool) -> Result<(), String> {
    let read = |ext: &str| -> Result<Option<String>, String> {
        let path = dir.join(format!("{name}.{ext}"));
        match std::fs::read_to_string(&path) {
            Ok(text) => Ok(Some(text)),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
            Err(e) => Err(format!("cannot read {}: {e}", path.display())),
        }
    };
    let (txt, html) = (read("txt")?, read("html")?);
    if txt.is_none() && html.is_none() {
        if chosen {
            return Err(format!(
                "SUPPLIER_ORDER_TEMPLATE: no template {name}.txt or {name}.html in {}",
                dir.display()
            ));
        }
        return Ok(());
    }
    check_templates(txt.as_deref(), html.as_deref())
        .map_err(|e| format!("the order email template {name} in {}: {e}", dir.display()))
}
