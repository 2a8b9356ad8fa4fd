//! The email client: a template rendered with the op's data, sent over SMTP by the shared
//! [`Mailer`] with a Message-ID made from the call's idempotency key.

use std::collections::BTreeMap;

use handled_connector_core::Pace;
use handled_connector_core::mail::{Letter, Mailbox, Mailer};
use handled_contract::{CallError, Json};

use crate::config::EmailConfig;
use crate::template::{Rendered, Templates};
use crate::types::{SendParams, SendResult};

pub use handled_connector_core::mail::{classify_smtp, message_id_for};

/// The same error, its message prefixed with what was being done (`email.send: …`).
fn prefixed(prefix: &str, e: CallError) -> CallError {
    CallError {
        message: format!("{prefix}: {}", e.message),
        ..e
    }
}

/// Renders and sends emails.
#[derive(Debug)]
pub struct EmailClient {
    from: String,
    templates: Templates,
    mailer: Mailer,
}

impl EmailClient {
    /// A client for these settings (SMTP connections are opened at the first send and pooled),
    /// paced at `config.pace`.
    pub fn new(config: EmailConfig) -> Self {
        EmailClient {
            from: config.from,
            templates: config.templates,
            mailer: Mailer::new(crate::NAME, config.smtp, config.pace),
        }
    }

    /// A client that asks a standalone sandbox server where its SMTP sink is at the first send.
    pub fn discover(discovery_url: &str, from: &str, templates: Templates, pace: Pace) -> Self {
        EmailClient {
            from: from.to_string(),
            templates,
            mailer: Mailer::discover(crate::NAME, discovery_url, pace),
        }
    }

    /// The same client with templates embedded in the program (file name → source).
    pub fn with_templates(mut self, templates: BTreeMap<String, String>) -> Self {
        self.templates = Templates::Embedded(templates);
        self
    }

    /// Renders template `template` with `data` without sending it.
    pub async fn render(&self, template: &str, data: &Json) -> Result<Rendered, CallError> {
        self.templates
            .render(template, data)
            .await
            .map_err(|e| prefixed("email.send", e))
    }

    /// Renders and sends one email; the Message-ID comes from `idempotency_key`.
    pub async fn send(
        &self,
        params: &SendParams,
        idempotency_key: &str,
    ) -> Result<SendResult, CallError> {
        let to: Mailbox = params.to.parse().map_err(|e| {
            CallError::permanent(format!("email.send: bad recipient {:?}: {e}", params.to))
        })?;
        let from: Mailbox = self.from.parse().map_err(|e| {
            CallError::permanent(format!("email.send: bad sender (EMAIL_FROM): {e}"))
        })?;
        let rendered = self.render(&params.template, &params.data).await?;
        let message_id = message_id_for(idempotency_key, from.email.as_ref());
        let letter = Letter {
            from,
            to: vec![to],
            subject: rendered.subject,
            text: rendered.text,
            html: rendered.html,
            message_id: message_id.clone(),
        };
        self.mailer
            .send(letter)
            .await
            .map_err(|e| prefixed(&format!("email.send to {}", params.to), e))?;
        Ok(SendResult { message_id })
    }
}
