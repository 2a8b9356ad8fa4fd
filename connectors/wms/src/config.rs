//! The warehouse's base URL, credentials, profile and client-side pace, from the environment.

use handled_connector_core::Pace;
use handled_connector_core::env::{EnvReader, PaceVar};
use handled_contract::Env;

use crate::profile::{Auth, Profile};

/// Everything the connector needs.
#[derive(Clone)]
pub struct Config {
    /// The warehouse API's base URL, no trailing slash.
    pub base_url: String,
    /// The API key (`account:key` for header pairs, `user:password` for basic).
    pub api_key: String,
    /// The webhook secret.
    pub webhook_secret: String,
    /// The warehouse profile.
    pub profile: Profile,
}

impl std::fmt::Debug for Config {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Config")
            .field("base_url", &self.base_url)
            .field("profile", &self.profile.name)
            .finish_non_exhaustive()
    }
}

impl Config {
    /// Reads `WMS_BASE_URL`, `WMS_API_KEY`, `WMS_WEBHOOK_SECRET`, `WMS_PROFILE` and
    /// `WMS_RATE_LIMIT` (which overrides the profile's pace), naming every missing or bad one.
    pub fn from_env(env: &Env) -> Result<Config, Vec<String>> {
        let mut r = EnvReader::new(env);
        let base_url = r.required("WMS_BASE_URL");
        let api_key = r.required("WMS_API_KEY");
        let webhook_secret = r.required("WMS_WEBHOOK_SECRET");
        let profile = match Profile::from_setting(
            &r.optional("WMS_PROFILE")
                .unwrap_or_else(|| "generic".into()),
        ) {
            Ok(p) => Some(p),
            Err(e) => {
                r.problem(e);
                None
            }
        };
        if let Some(p) = &profile
            && matches!(p.auth, Auth::HeaderPair { .. } | Auth::Basic)
            && !api_key.is_empty()
            && !api_key.contains(':')
        {
            r.problem(format!(
                "WMS_API_KEY must be `account:key` for the {} profile",
                p.name
            ));
        }
        let profile = profile.unwrap_or_else(Profile::generic);
        let pace = r.pace(RATE_LIMIT.name, profile.pace());
        r.finish()?;
        let profile = profile.with_pace(pace);
        Ok(Config {
            base_url: base_url.trim_end_matches('/').to_string(),
            api_key,
            webhook_secret,
            profile,
        })
    }
}

/// The client-side pace, `WMS_RATE_LIMIT` (e.g. `10/s`), over the profile's own; the default
/// here is the generic profile's.
pub const RATE_LIMIT: PaceVar = PaceVar::new("WMS_RATE_LIMIT", Pace::new(10.0, 10));
