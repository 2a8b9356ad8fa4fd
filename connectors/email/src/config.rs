//! The SMTP server, sender and templates, from the environment.

use std::path::PathBuf;

use handled_connector_core::Pace;
use handled_connector_core::env::{EnvReader, PaceVar};
use handled_contract::Env;

use crate::template::Templates;

pub use handled_connector_core::mail::{SmtpSecurity, SmtpSettings};

/// The client-side pace, `EMAIL_RATE_LIMIT` (e.g. `50/s`). By default 5 sends a second, bursts of
/// 10, to stay under common relay limits.
pub const RATE_LIMIT: PaceVar = PaceVar::new("EMAIL_RATE_LIMIT", Pace::new(5.0, 10));

/// The email connector's settings.
#[derive(Clone, Debug)]
pub struct EmailConfig {
    /// The SMTP server.
    pub smtp: SmtpSettings,
    /// The sender (`EMAIL_FROM`), an address or `Name <address>`.
    pub from: String,
    /// Where templates come from.
    pub templates: Templates,
    /// The client-side pace (`EMAIL_RATE_LIMIT`, default [`RATE_LIMIT`]).
    pub pace: Pace,
}

impl EmailConfig {
    /// Reads `SMTP_URL`, `EMAIL_FROM` (required), `EMAIL_TEMPLATES_DIR` (optional, default
    /// `./templates`) and `EMAIL_RATE_LIMIT` (optional); names every missing or bad variable.
    pub fn from_env(env: &Env) -> Result<Self, Vec<String>> {
        let mut r = EnvReader::new(env);
        let url = r.required("SMTP_URL");
        let from = r.required("EMAIL_FROM");
        let dir = r
            .optional("EMAIL_TEMPLATES_DIR")
            .unwrap_or_else(|| "./templates".into());
        let smtp = if url.is_empty() {
            None
        } else {
            match SmtpSettings::parse(&url) {
                Ok(s) => Some(s),
                Err(e) => {
                    r.problem(e);
                    None
                }
            }
        };
        if !from.is_empty()
            && from
                .parse::<handled_connector_core::mail::Mailbox>()
                .is_err()
        {
            r.problem("EMAIL_FROM is not an email address");
        }
        let pace = RATE_LIMIT.read(&mut r);
        r.finish()?;
        let Some(smtp) = smtp else {
            return Err(vec!["SMTP_URL is missing".into()]);
        };
        Ok(EmailConfig {
            smtp,
            from,
            templates: Templates::Dir(PathBuf::from(dir)),
            pace,
        })
    }
}
