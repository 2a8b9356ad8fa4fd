//! HTTP client, error classification, rate limiters, OAuth token cache, emulator
//! plumbing and a small OpenAPI validator shared by every connector crate.
//!
//! The pieces, and where a connector uses them:
//!
//! - [`http::HttpClient`]: one per connector instance; sends `reqwest` requests with timeouts and
//!   turns every failure into a classified [`CallError`] (connection/timeout/5xx → Retryable,
//!   429 → Throttled with `Retry-After`, 401/403 → Auth, other 4xx → Permanent).
//! - [`limit::RateLimiter`] / [`limit::KeyedRateLimiter`]: client-side pacing shaped like the
//!   API's own limit, with a shared pause for when the API says "wait".
//! - [`token::TokenCache`]: OAuth access tokens, refreshed once for all concurrent callers.
//! - [`params`] and [`env::EnvReader`]: typed op parameters in and out of JSON, and reading the
//!   environment while naming every missing variable at once.
//! - [`emulator`]: what every emulator needs: [`emulator::serve`] on a loopback port, op
//!   counters, an idempotency replay cache and fault injection (`POST /_faults`).
//! - [`mail`] (feature `mail`): SMTP settings and a paced sender, minijinja templates and an
//!   SMTP sink, for the connectors that send email.
//! - [`openapi`]: validates JSON bodies against schemas of an OpenAPI 3 / Swagger 2 document
//!   for the contract tests.

pub mod emulator;
pub mod env;
pub mod http;
pub mod limit;
#[cfg(feature = "mail")]
pub mod mail;
pub mod openapi;
pub mod params;
pub mod record;
pub mod token;

pub use emulator::{EmulatedFactory, Emulator, serve};
pub use handled_contract::{CallError, CallInfo, ErrorClass, Json};
pub use http::{HttpClient, HttpResponse};
pub use limit::{KeyedRateLimiter, Pace, Pause, RateLimiter};
pub use token::{FreshToken, TokenCache};
