//! The Slack bot token and API base URL, from the environment.

use handled_connector_core::Pace;
use handled_connector_core::env::{EnvReader, PaceVar};
use handled_contract::Env;

/// The real Web API's base URL.
pub const DEFAULT_BASE_URL: &str = "https://slack.com/api";

/// The client-side pace, `SLACK_RATE_LIMIT` (e.g. `50/s`). Per channel; by default Slack's one
/// message a second.
pub const RATE_LIMIT: PaceVar = PaceVar::new("SLACK_RATE_LIMIT", Pace::new(1.0, 1));

/// The slack connector's settings.
#[derive(Clone)]
pub struct SlackConfig {
    /// The Web API base (`SLACK_BASE_URL`, default `https://slack.com/api`), no trailing slash.
    pub base_url: String,
    /// The bot token (`SLACK_BOT_TOKEN`, `xoxb-…`).
    pub bot_token: String,
    /// The client-side pace per channel (`SLACK_RATE_LIMIT`, default [`RATE_LIMIT`]).
    pub pace: Pace,
}

impl std::fmt::Debug for SlackConfig {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SlackConfig")
            .field("base_url", &self.base_url)
            .field("bot_token", &"[redacted]")
            .field("pace", &self.pace)
            .finish()
    }
}

impl SlackConfig {
    /// Settings for this base URL and token.
    pub fn new(base_url: &str, bot_token: &str) -> Self {
        SlackConfig {
            base_url: base_url.trim_end_matches('/').to_string(),
            bot_token: bot_token.to_string(),
            pace: RATE_LIMIT.default,
        }
    }

    /// The same settings at another client-side pace.
    pub fn with_pace(mut self, pace: Pace) -> Self {
        self.pace = pace;
        self
    }

    /// Reads `SLACK_BOT_TOKEN` (required), `SLACK_BASE_URL` and `SLACK_RATE_LIMIT` (optional).
    pub fn from_env(env: &Env) -> Result<Self, Vec<String>> {
        let mut r = EnvReader::new(env);
        let token = r.required("SLACK_BOT_TOKEN");
        let base = r
            .optional("SLACK_BASE_URL")
            .unwrap_or_else(|| DEFAULT_BASE_URL.to_string());
        let pace = RATE_LIMIT.read(&mut r);
        r.finish()?;
        Ok(SlackConfig::new(&base, &token).with_pace(pace))
    }
}
