//! Login with Amazon credentials, the seller and marketplace, and the hosts, from the
//! environment.

use std::time::Duration;

use handled_connector_core::env::EnvReader;
use handled_contract::Env;

/// The North America SP-API host.
pub const DEFAULT_BASE_URL: &str = "https://sellingpartnerapi-na.amazon.com";
/// The Login with Amazon token endpoint.
pub const DEFAULT_LWA_URL: &str = "https://api.amazon.com/auth/o2/token";
/// The marketplace used when neither the call nor `AMAZON_MARKETPLACE_ID` names one (US).
pub const DEFAULT_MARKETPLACE_ID: &str = "ATVPDKIKX0DER";

/// The amazon connector's settings.
#[derive(Clone)]
pub struct AmazonSettings {
    /// The SP-API host (`AMAZON_BASE_URL`), no trailing slash.
    pub base_url: String,
    /// The LWA token endpoint (`AMAZON_LWA_URL`).
    pub lwa_url: String,
    /// `AMAZON_LWA_CLIENT_ID`.
    pub client_id: String,
    /// `AMAZON_LWA_CLIENT_SECRET`.
    pub client_secret: String,
    /// `AMAZON_LWA_REFRESH_TOKEN`.
    pub refresh_token: String,
    /// `AMAZON_SELLER_ID`: the default seller (a call's `config` overrides it).
    pub seller_id: Option<String>,
    /// `AMAZON_MARKETPLACE_ID`: the default marketplace (else [`DEFAULT_MARKETPLACE_ID`]).
    pub marketplace_id: Option<String>,
    /// How often, at most, a bulk update polls its feed (default 15 s; feeds take minutes).
    /// A young feed is polled sooner: every quarter of its age, from one second on.
    pub feed_poll_interval: Duration,
    /// How long a bulk update waits for its feed before giving up (default 30 min).
    pub feed_timeout: Duration,
    /// Bulk calls of more SKUs than this go as one `JSON_LISTINGS_FEED`; fewer as one
    /// Listings Items patch each (`AMAZON_FEED_ABOVE`, default [`DEFAULT_FEED_ABOVE`]).
    pub feed_above: usize,
    /// The product type a quantity patch names (`AMAZON_PRODUCT_TYPE`): by default
    /// [`GENERIC_PRODUCT_TYPE`], which Amazon takes for a patch of a listing that exists
    /// whatever its own type; None (`lookup`) reads each listing's type first (one
    /// `searchListingsItems` per 20 SKUs, kept).
    pub product_type: Option<String>,
}

/// The product type Amazon's patch examples name for an existing listing of any type.
pub const GENERIC_PRODUCT_TYPE: &str = "PRODUCT";

/// Above how many SKUs at once a bulk update is a feed: patches go at 5 a second, and a feed
/// takes at least a few of its 15 s polls, so below about a hundred SKUs patches finish first.
pub const DEFAULT_FEED_ABOVE: usize = 100;

impl std::fmt::Debug for AmazonSettings {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("AmazonSettings")
            .field("base_url", &self.base_url)
            .field("lwa_url", &self.lwa_url)
            .field("client_id", &self.client_id)
            .field("seller_id", &self.seller_id)
            .field("marketplace_id", &self.marketplace_id)
            .finish_non_exhaustive()
    }
}

impl AmazonSettings {
    /// Settings for these hosts and credentials, with default feed polling.
    pub fn new(
        base_url: &str,
        lwa_url: &str,
        client_id: &str,
        client_secret: &str,
        refresh_token: &str,
    ) -> Self {
        AmazonSettings {
            base_url: base_url.trim_end_matches('/').to_string(),
            lwa_url: lwa_url.to_string(),
            client_id: client_id.to_string(),
            client_secret: client_secret.to_string(),
            refresh_token: refresh_token.to_string(),
            seller_id: None,
            marketplace_id: None,
            feed_poll_interval: Duration::from_secs(15),
            feed_timeout: Duration::from_secs(30 * 60),
            feed_above: DEFAULT_FEED_ABOVE,
            product_type: Some(GENERIC_PRODUCT_TYPE.to_string()),
        }
    }

    /// The same settings with a default seller and marketplace.
    pub fn with_seller(mut self, seller_id: &str, marketplace_id: &str) -> Self {
        self.seller_id = Some(seller_id.to_string());
        self.marketplace_id = Some(marketplace_id.to_string());
        self
    }

    /// Reads `AMAZON_LWA_CLIENT_ID`, `AMAZON_LWA_CLIENT_SECRET`, `AMAZON_LWA_REFRESH_TOKEN`
    /// (required), `AMAZON_SELLER_ID`, `AMAZON_MARKETPLACE_ID`, `AMAZON_BASE_URL`,
    /// `AMAZON_LWA_URL`, `AMAZON_FEED_ABOVE`, `AMAZON_PRODUCT_TYPE` (optional); names every
    /// missing or bad variable.
    pub fn from_env(env: &Env) -> Result<Self, Vec<String>> {
        let mut r = EnvReader::new(env);
        let id = r.required("AMAZON_LWA_CLIENT_ID");
        let secret = r.required("AMAZON_LWA_CLIENT_SECRET");
        let refresh = r.required("AMAZON_LWA_REFRESH_TOKEN");
        let base = r
            .optional("AMAZON_BASE_URL")
            .unwrap_or_else(|| DEFAULT_BASE_URL.to_string());
        let lwa = r
            .optional("AMAZON_LWA_URL")
            .unwrap_or_else(|| DEFAULT_LWA_URL.to_string());
        let seller = r.optional("AMAZON_SELLER_ID");
        let marketplace = r.optional("AMAZON_MARKETPLACE_ID");
        let feed_above = match r.optional("AMAZON_FEED_ABOVE") {
            None => DEFAULT_FEED_ABOVE,
            Some(text) => text.trim().parse::<usize>().unwrap_or_else(|_| {
                r.problem(format!(
                    "AMAZON_FEED_ABOVE: {text:?} is not a number of SKUs (such as 100)"
                ));
                DEFAULT_FEED_ABOVE
            }),
        };
        let product_type = match r.optional("AMAZON_PRODUCT_TYPE") {
            None => Some(GENERIC_PRODUCT_TYPE.to_string()),
            Some(t) if t.trim() == "lookup" => None,
            Some(t) if !t.trim().is_empty() => Some(t.trim().to_string()),
            Some(_) => {
                r.problem("AMAZON_PRODUCT_TYPE: empty (give a product type, or `lookup`)");
                None
            }
        };
        r.finish()?;
        let mut s = AmazonSettings::new(&base, &lwa, &id, &secret, &refresh);
        s.product_type = product_type;
        s.seller_id = seller;
        s.marketplace_id = marketplace;
        s.feed_above = feed_above;
        Ok(s)
    }

    /// The secret values to keep out of messages.
    pub fn secrets(&self) -> Vec<String> {
        vec![self.client_secret.clone(), self.refresh_token.clone()]
    }
}
