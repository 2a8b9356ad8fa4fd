//! Builds the wms connector for the runtime: from the environment, or against an emulator of
//! the fixture's profile.

use std::sync::Arc;

use handled_connector_core::emulator::{sandbox_base, sandboxed};
use handled_connector_core::{EmulatedFactory, Emulator};
use handled_contract::ops::OpList;
use handled_contract::{BoxFuture, Connector, ConnectorFactory, Env, Json, Sandboxed};

use crate::api::WmsConnector;
use crate::config::{Config, RATE_LIMIT};
use crate::emulator;
use crate::ops::OPS;
use crate::profile::Profile;

/// Builds wms connectors.
#[derive(Clone, Copy, Debug, Default)]
pub struct WmsFactory;

impl ConnectorFactory for WmsFactory {
    fn name(&self) -> &'static str {
        crate::NAME
    }

    fn ops(&self) -> Option<&'static dyn OpList> {
        Some(&OPS)
    }

    fn from_env(&self, env: &Env) -> Result<Arc<dyn Connector>, Vec<String>> {
        let config = Config::from_env(env)?;
        Ok(Arc::new(
            WmsConnector::new(config).map_err(|e| vec![e.message])?,
        ))
    }

    fn sandbox(
        &self,
        fixture: Option<Json>,
        env: &Env,
    ) -> BoxFuture<'static, Result<Sandboxed, String>> {
        Box::pin(sandboxed(
            crate::NAME,
            fixture,
            RATE_LIMIT.set_in(env),
            emulator::emulator_router,
            emulator::EmulatorHandle::state,
            |base, h, pace| {
                let config = Config {
                    base_url: base.to_string(),
                    api_key: h.api_key().to_string(),
                    webhook_secret: h.webhook_secret().to_string(),
                    profile: match pace {
                        Some(pace) => h.profile().clone().with_pace(pace),
                        None => h.profile().clone(),
                    },
                };
                Ok(Arc::new(WmsConnector::new(config).map_err(|e| e.message)?))
            },
        ))
    }

    fn sandbox_url(&self, url: &str, env: &Env) -> Result<Arc<dyn Connector>, String> {
        let profile = match env.get(PROFILE) {
            Some(name) => Profile::from_setting(name)?,
            None => Profile::generic(),
        };
        let profile = match RATE_LIMIT.set_in(env)? {
            Some(pace) => profile.with_pace(pace),
            None => profile,
        };
        let config = Config {
            base_url: sandbox_base(url, crate::NAME),
            api_key: env
                .get(KEY)
                .map_or_else(|| emulator::sandbox_key(&profile), str::to_string),
            webhook_secret: env
                .get(SECRET)
                .unwrap_or(emulator::SANDBOX_WEBHOOK_SECRET)
                .to_string(),
            profile,
        };
        Ok(Arc::new(WmsConnector::new(config).map_err(|e| e.message)?))
    }

    fn sandbox_credentials(&self, fixture: Option<&Json>) -> Vec<(&'static str, String)> {
        let field = |name: &str| fixture.and_then(|f| f[name].as_str());
        let profile_name = field("profile").unwrap_or("generic");
        let key = match field("apiKey") {
            Some(key) => key.to_string(),
            None => Profile::from_setting(profile_name)
                .map(|p| emulator::sandbox_key(&p))
                .unwrap_or_default(),
        };
        let secret = field("webhookSecret").unwrap_or(emulator::SANDBOX_WEBHOOK_SECRET);
        vec![
            (PROFILE, profile_name.to_string()),
            (KEY, key),
            (SECRET, secret.to_string()),
        ]
    }
}

/// The profile's variable.
const PROFILE: &str = "WMS_PROFILE";
/// The API key's variable.
const KEY: &str = "WMS_API_KEY";
/// The webhook secret's variable.
const SECRET: &str = "WMS_WEBHOOK_SECRET";

impl EmulatedFactory for WmsFactory {
    fn emulator(&self, fixture: Option<Json>) -> BoxFuture<'static, Result<Emulator, String>> {
        Box::pin(std::future::ready(Emulator::seeded(
            fixture,
            emulator::emulator_router,
            emulator::EmulatorHandle::state,
        )))
    }
}
