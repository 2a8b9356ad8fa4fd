//! The SMTP server, sender and templates, from the environment.

use std::path::PathBuf;

use handled_connector_core::Pace;
use handled_connector_core::env::{EnvReader, PaceVar};
use handled_contract::Env;

use crate::template::Templates;

/// How the SMTP connection is secured.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum SmtpSecurity {
    /// `smtp://`: plain connection upgraded with STARTTLS, which is required (port 587).
    StartTls,
    /// `smtps://`: TLS from the first byte (port 465).
    Implicit,
    /// No TLS at all: only for a local sink (`smtp://…?tls=none`, the sandbox).
    None,
}

/// Where and how to send.
#[derive(Clone)]
pub struct SmtpSettings {
    /// The server's host name.
    pub host: String,
    /// Its port.
    pub port: u16,
    /// TLS mode.
    pub security: SmtpSecurity,
    /// AUTH user, from the URL's userinfo.
    pub username: Option<String>,
    /// AUTH password, from the URL's userinfo.
    pub password: Option<String>,
}

impl std::fmt::Debug for SmtpSettings {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SmtpSettings")
            .field("host", &self.host)
            .field("port", &self.port)
            .field("security", &self.security)
            .field("username", &self.username)
            .finish_non_exhaustive()
    }
}

fn percent_decode(s: &str) -> String {
    let bytes = s.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%'
            && let Some(b) = s
                .get(i + 1..i + 3)
                .and_then(|h| u8::from_str_radix(h, 16).ok())
        {
            out.push(b);
            i += 3;
            continue;
        }
        out.push(bytes[i]);
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

impl SmtpSettings {
    /// Parses `smtp://user:pass@host:587` (STARTTLS), `smtps://user:pass@host:465` (implicit
    /// TLS), or `smtp://host:1025?tls=none` (no TLS, local sinks only). User and password are
    /// percent-decoded. Errors never repeat the password.
    pub fn parse(url: &str) -> Result<Self, String> {
        let (scheme, rest) = url
            .split_once("://")
            .ok_or("SMTP_URL must look like smtp://user:pass@host:587")?;
        let mut security = match scheme.to_ascii_lowercase().as_str() {
            "smtp" => SmtpSecurity::StartTls,
            "smtps" => SmtpSecurity::Implicit,
            _ => {
                return Err("SMTP_URL must start with smtp:// (STARTTLS) or smtps:// (TLS)".into());
            }
        };
        let (authority, query) = match rest.split_once('?') {
            Some((a, q)) => (a, Some(q)),
            None => (rest, None),
        };
        let authority = authority.trim_end_matches('/');
        if let Some(q) = query {
            for pair in q.split('&') {
                match pair {
                    "tls=none" => security = SmtpSecurity::None,
                    "" => {}
                    _ => {
                        return Err(format!(
                            "SMTP_URL: unknown option {:?} (only tls=none)",
                            pair.split('=').next().unwrap_or("")
                        ));
                    }
                }
            }
        }
        let (userinfo, hostport) = match authority.rsplit_once('@') {
            Some((u, h)) => (Some(u), h),
            None => (None, authority),
        };
        let (username, password) = match userinfo {
            Some(u) => match u.split_once(':') {
                Some((user, pass)) => (Some(percent_decode(user)), Some(percent_decode(pass))),
                None => (Some(percent_decode(u)), None),
            },
            None => (None, None),
        };
        let (host, port) = match hostport.rsplit_once(':') {
            Some((h, p)) if !h.ends_with(']') || hostport.starts_with('[') => {
                let port = p
                    .parse::<u16>()
                    .map_err(|_| "SMTP_URL has a bad port".to_string())?;
                (
                    h.trim_start_matches('[').trim_end_matches(']').to_string(),
                    port,
                )
            }
            _ => {
                let port = if security == SmtpSecurity::Implicit {
                    465
                } else {
                    587
                };
                (
                    hostport
                        .trim_start_matches('[')
                        .trim_end_matches(']')
                        .to_string(),
                    port,
                )
            }
        };
        if host.is_empty() {
            return Err("SMTP_URL has no host".into());
        }
        Ok(SmtpSettings {
            host,
            port,
            security,
            username: username.filter(|u| !u.is_empty()),
            password,
        })
    }
}

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
        if !from.is_empty() && from.parse::<lettre::message::Mailbox>().is_err() {
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
