//! eBay OAuth credentials and the API host, from the environment.

use handled_connector_core::Pace;
use handled_connector_core::env::{EnvReader, PaceVar};
use handled_contract::Env;

/// The real API host.
pub const DEFAULT_BASE_URL: &str = "https://api.ebay.com";
/// The client-side pace, `EBAY_RATE_LIMIT` (e.g. `50/s`). eBay's Inventory API quota is daily
/// (about 2,000,000 calls), so the default only smooths bursts: 20 calls a second, bursts of 20.
pub const RATE_LIMIT: PaceVar = PaceVar::new("EBAY_RATE_LIMIT", Pace::new(20.0, 20));
/// The scope a user token needs for the Sell Inventory API.
pub const SELL_INVENTORY_SCOPE: &str = "https://api.ebay.com/oauth/api_scope/sell.inventory";

/// The ebay connector's settings.
#[derive(Clone)]
pub struct EbaySettings {
    /// The API host (`EBAY_BASE_URL`, default `https://api.ebay.com`), no trailing slash. The
    /// token endpoint is `{base_url}/identity/v1/oauth2/token`, the inventory API
    /// `{base_url}/sell/inventory/v1`.
    pub base_url: String,
    /// `EBAY_CLIENT_ID`.
    pub client_id: String,
    /// `EBAY_CLIENT_SECRET`.
    pub client_secret: String,
    /// `EBAY_REFRESH_TOKEN`: the seller's refresh token.
    pub refresh_token: String,
    /// The client-side pace (`EBAY_RATE_LIMIT`, e.g. `50/s`; default [`RATE_LIMIT`]).
    pub pace: Pace,
}

impl std::fmt::Debug for EbaySettings {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("EbaySettings")
            .field("base_url", &self.base_url)
            .field("client_id", &self.client_id)
            .field("pace", &self.pace)
            .finish_non_exhaustive()
    }
}

impl EbaySettings {
    /// Settings for this host and these credentials.
    pub fn new(base_url: &str, client_id: &str, client_secret: &str, refresh_token: &str) -> Self {
        EbaySettings {
            base_url: base_url.trim_end_matches('/').to_string(),
            client_id: client_id.to_string(),
            client_secret: client_secret.to_string(),
            refresh_token: refresh_token.to_string(),
            pace: RATE_LIMIT.default,
        }
    }

    /// The same settings at another client-side pace.
    pub fn with_pace(mut self, pace: Pace) -> Self {
        self.pace = pace;
        self
    }

    /// Reads `EBAY_CLIENT_ID`, `EBAY_CLIENT_SECRET`, `EBAY_REFRESH_TOKEN` (required) and
    /// `EBAY_BASE_URL` and `EBAY_RATE_LIMIT` (optional); names every missing or bad variable.
    pub fn from_env(env: &Env) -> Result<Self, Vec<String>> {
        let mut r = EnvReader::new(env);
        let id = r.required("EBAY_CLIENT_ID");
        let secret = r.required("EBAY_CLIENT_SECRET");
        let refresh = r.required("EBAY_REFRESH_TOKEN");
        let base = r
            .optional("EBAY_BASE_URL")
            .unwrap_or_else(|| DEFAULT_BASE_URL.to_string());
        let pace = RATE_LIMIT.read(&mut r);
        r.finish()?;
        Ok(EbaySettings::new(&base, &id, &secret, &refresh).with_pace(pace))
    }

    /// The secret values to keep out of messages.
    pub fn secrets(&self) -> Vec<String> {
        vec![self.client_secret.clone(), self.refresh_token.clone()]
    }
}
