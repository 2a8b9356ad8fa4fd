//! Where the supplier API is and how to authenticate, from the environment.

use handled_connector_core::Pace;
use handled_connector_core::env::{EnvReader, PaceVar};
use handled_contract::Env;

/// The client-side pace, `SUPPLIER_RATE_LIMIT` (e.g. `50/s`). Supplier endpoints publish no limit, so
/// the default only keeps a burst of runs polite: 10 requests a second, bursts of 10.
pub const RATE_LIMIT: PaceVar = PaceVar::new("SUPPLIER_RATE_LIMIT", Pace::new(10.0, 10));

/// The supplier connector's settings.
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

    /// Reads `SUPPLIER_API_URL` (required), `SUPPLIER_API_KEY` and `SUPPLIER_RATE_LIMIT`
    /// (optional); names every
    /// missing or bad variable.
    pub fn from_env(env: &Env) -> Result<Self, Vec<String>> {
        let mut r = EnvReader::new(env);
        let url = r.required("SUPPLIER_API_URL");
        let key = r.optional("SUPPLIER_API_KEY");
        let is_http = url.starts_with("http://") || url.starts_with("https://");
        if !url.is_empty() && !is_http {
            r.problem("SUPPLIER_API_URL must be an http:// or https:// URL");
        }
        let pace = RATE_LIMIT.read(&mut r);
        r.finish()?;
        Ok(SupplierConfig::new(&url, key).with_pace(pace))
    }
}
