//! The Segment write key, API host and client-side pace, from the environment.

use handled_connector_core::Pace;
use handled_connector_core::env::{EnvReader, PaceVar};
use handled_contract::Env;

/// The default API host.
pub const DEFAULT_BASE_URL: &str = "https://api.segment.io";
/// The client-side pace, `SEGMENT_RATE_LIMIT` (e.g. `50/s`). Segment has no hard ingest rate; the
/// default only smooths bursts: 200 calls a second.
pub const RATE_LIMIT: PaceVar = PaceVar::new("SEGMENT_RATE_LIMIT", Pace::new(200.0, 200));

/// Everything the connector needs.
#[derive(Clone)]
pub struct Config {
    /// The source's write key.
    pub write_key: String,
    /// Scheme and host (`https://api.segment.io`, or an EU regional host), no trailing slash.
    pub base_url: String,
    /// The client-side pace (`SEGMENT_RATE_LIMIT`, default [`RATE_LIMIT`]).
    pub pace: Pace,
}

impl std::fmt::Debug for Config {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Config")
            .field("base_url", &self.base_url)
            .field("pace", &self.pace)
            .finish_non_exhaustive()
    }
}

impl Config {
    /// Reads `SEGMENT_WRITE_KEY`, `SEGMENT_BASE_URL` and `SEGMENT_RATE_LIMIT`.
    pub fn from_env(env: &Env) -> Result<Config, Vec<String>> {
        let mut r = EnvReader::new(env);
        let write_key = r.required("SEGMENT_WRITE_KEY");
        let base_url = r
            .optional("SEGMENT_BASE_URL")
            .unwrap_or_else(|| DEFAULT_BASE_URL.to_string());
        let pace = RATE_LIMIT.read(&mut r);
        r.finish()?;
        Ok(Config {
            write_key,
            base_url: base_url.trim_end_matches('/').to_string(),
            pace,
        })
    }
}
