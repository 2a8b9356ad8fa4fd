//! Where the supplier API is and how to authenticate, from the environment.

use handled_connector_core::env::EnvReader;
use handled_runtime::Env;

/// The supplier connector's settings.
#[derive(Clone)]
pub struct SupplierConfig {
    /// The API's base URL (`SUPPLIER_API_URL`), without a trailing slash.
    pub base_url: String,
    /// The bearer token (`SUPPLIER_API_KEY`), when the API wants one.
    pub api_key: Option<String>,
}

impl std::fmt::Debug for SupplierConfig {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SupplierConfig")
            .field("base_url", &self.base_url)
            .field("api_key", &self.api_key.as_ref().map(|_| "[redacted]"))
            .finish()
    }
}

impl SupplierConfig {
    /// A config for this base URL and key.
    pub fn new(base_url: &str, api_key: Option<String>) -> Self {
        SupplierConfig {
            base_url: base_url.trim_end_matches('/').to_string(),
            api_key,
        }
    }

    /// Reads `SUPPLIER_API_URL` (required) and `SUPPLIER_API_KEY` (optional); names every
    /// missing or bad variable.
    pub fn from_env(env: &Env) -> Result<Self, Vec<String>> {
        let mut r = EnvReader::new(env);
        let url = r.required("SUPPLIER_API_URL");
        let key = r.optional("SUPPLIER_API_KEY");
        let is_http = url.starts_with("http://") || url.starts_with("https://");
        if !url.is_empty() && !is_http {
            r.problem("SUPPLIER_API_URL must be an http:// or https:// URL");
        }
        r.finish()?;
        Ok(SupplierConfig::new(&url, key))
    }
}
