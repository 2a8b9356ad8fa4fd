//! Email for the connectors that send it (the email connector's reports, the supplier
//! connector's purchase orders for suppliers that take them by email): SMTP settings and a
//! paced, pooled sender ([`smtp`]), minijinja templates with the subject in a `subject` block
//! ([`template`]), and an SMTP sink that stands in for a mail server in tests and sandboxes
//! ([`sink`]).
//!
//! Compiled with the `mail` feature only, so that a connector that sends no email compiles
//! neither lettre nor minijinja.

pub mod sink;
pub mod smtp;
pub mod template;

pub use lettre::message::{Mailbox, Mailboxes};
pub use sink::{Received, Sink, SinkOptions};
pub use smtp::{Letter, Mailer, SmtpSecurity, SmtpSettings, classify_smtp, message_id_for};
pub use template::{Rendered, Sources, Templates, check_template, check_templates, render_sources};
