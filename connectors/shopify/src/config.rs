//! The connector's configuration: shop, credentials and API version, from the environment.

use handled_connector_core::env::EnvReader;
use handled_contract::Env;

/// The Admin API version used unless `SHOPIFY_API_VERSION` says otherwise.
pub const DEFAULT_API_VERSION: &str = "2026-04";

/// Everything the connector needs to reach one shop.
#[derive(Clone)]
pub struct Config {
    /// The shop (`acme.myshopify.com`), as configured.
    pub store: String,
    /// Scheme and host the API is reached at (`https://acme.myshopify.com`), no trailing slash.
    pub base_url: String,
    /// The Admin API access token.
    pub access_token: String,
    /// The app's client secret, which signs webhooks.
    pub webhook_secret: String,
    /// The Admin API version (`2026-04`).
    pub api_version: String,
}

impl std::fmt::Debug for Config {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Config")
            .field("store", &self.store)
            .field("base_url", &self.base_url)
            .field("api_version", &self.api_version)
            .finish_non_exhaustive()
    }
}

impl Config {
    /// Reads `SHOPIFY_STORE_URL`, `SHOPIFY_ACCESS_TOKEN`, `SHOPIFY_WEBHOOK_SECRET`,
    /// `SHOPIFY_API_VERSION` and `SHOPIFY_BASE_URL`, naming every missing or bad one.
    pub fn from_env(env: &Env) -> Result<Config, Vec<String>> {
        let mut r = EnvReader::new(env);
        let store = r.required("SHOPIFY_STORE_URL");
        let access_token = r.required("SHOPIFY_ACCESS_TOKEN");
        let webhook_secret = r.required("SHOPIFY_WEBHOOK_SECRET");
        let api_version = r
            .optional("SHOPIFY_API_VERSION")
            .unwrap_or_else(|| DEFAULT_API_VERSION.to_string());
        if !valid_version(&api_version) {
            r.problem(format!(
                "SHOPIFY_API_VERSION must look like 2026-04 (got `{api_version}`)"
            ));
        }
        let base_url = r
            .optional("SHOPIFY_BASE_URL")
            .unwrap_or_else(|| store_base_url(&store));
        r.finish()?;
        Ok(Config {
            store,
            base_url: base_url.trim_end_matches('/').to_string(),
            access_token,
            webhook_secret,
            api_version,
        })
    }

    /// The GraphQL endpoint.
    pub fn graphql_url(&self) -> String {
        format!(
            "{}/admin/api/{}/graphql.json",
            self.base_url, self.api_version
        )
    }

    /// Whether the version uses `changeFromQuantity` and `@idempotent` (2026-01 and later).
    pub fn uses_change_from(&self) -> bool {
        self.api_version.as_str() >= "2026-01"
    }
}

/// Whether a version string looks like `YYYY-MM` (or `unstable`).
pub fn valid_version(v: &str) -> bool {
    if v == "unstable" {
        return true;
    }
    let b = v.as_bytes();
    b.len() == 7
        && b[4] == b'-'
        && b.iter()
            .enumerate()
            .all(|(i, c)| i == 4 || c.is_ascii_digit())
}

/// `acme` → `https://acme.myshopify.com`; `acme.myshopify.com` → `https://acme.myshopify.com`;
/// a URL stays as it is.
pub fn store_base_url(store: &str) -> String {
    let store = store.trim().trim_end_matches('/');
    if store.starts_with("http://") || store.starts_with("https://") {
        return store.to_string();
    }
    if store.contains('.') {
        format!("https://{store}")
    } else {
        format!("https://{store}.myshopify.com")
    }
}
