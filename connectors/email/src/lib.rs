//! The email connector: messages rendered from minijinja templates beside the program
//! (`NAME.txt` and/or `NAME.html`, the subject in a `subject` block) and sent over SMTP with
//! lettre (STARTTLS on 587 or implicit TLS on 465, AUTH from the URL), with a Message-ID made
//! from the call's idempotency key; and an SMTP sink that stands in for a mail server.
//!
//! - [`connector()`] is the factory the runtime uses (`from_env`, `sandbox`, `sandbox_url`);
//!   [`connector_with_templates`] embeds the templates in the program instead of reading them
//!   from `EMAIL_TEMPLATES_DIR`.
//! - [`Send`] is the op type; [`SendParams`] and [`SendResult`] match the catalog.
//! - [`check_template`] and [`check_templates`] validate templates without I/O (for the code
//!   generator).
//! - [`emulator::start_sink`] starts the SMTP sink (fixture format in [`emulator`]).

pub mod api;
pub mod config;
pub mod emulator;
pub mod factory;
pub mod ops;
pub mod template;
pub mod types;

pub use api::{EmailClient, message_id_for};
pub use config::{EmailConfig, SmtpSecurity, SmtpSettings};
pub use ops::EmailConnector;
pub use template::{Rendered, Templates, check_template, check_templates};
pub use types::{Send, SendParams, SendResult};

use std::collections::BTreeMap;

/// The connector's name in HandledScript.
pub const NAME: &str = "email";

/// The factory the runtime uses to build this connector (templates read from
/// `EMAIL_TEMPLATES_DIR`, default `./templates`).
pub fn connector() -> Box<dyn handled_connector_core::EmulatedFactory> {
    Box::new(factory::EmailFactory::default())
}

/// The factory with templates embedded in the program: file name (`NAME.txt`, `NAME.html`) →
/// source. The templates directory is not read.
pub fn connector_with_templates(
    templates: BTreeMap<String, String>,
) -> Box<dyn handled_connector_core::EmulatedFactory> {
    Box::new(factory::EmailFactory::with_templates(templates))
}
