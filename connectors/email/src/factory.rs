//! Builds the email connector for the runtime: from the environment (templates from
//! `EMAIL_TEMPLATES_DIR`, or embedded in the program), or against the SMTP sink.

use std::collections::BTreeMap;
use std::sync::Arc;

use handled_connector_core::emulator::sandbox_base;
use handled_connector_core::{EmulatedFactory, Emulator};
use handled_contract::ops::OpList;
use handled_contract::{BoxFuture, Connector, ConnectorFactory, Env, Json, Sandboxed};

use crate::api::EmailClient;
use crate::config::EmailConfig;
use crate::emulator;
use crate::ops::{EmailConnector, OPS};
use crate::template::Templates;

/// Builds [`EmailConnector`]s for the runtime.
#[derive(Clone, Debug, Default)]
pub struct EmailFactory {
    embedded: Option<BTreeMap<String, String>>,
}

impl EmailFactory {
    /// A factory whose connectors use these embedded templates.
    pub fn with_templates(templates: BTreeMap<String, String>) -> Self {
        EmailFactory {
            embedded: Some(templates),
        }
    }

    fn templates(&self, default: Templates) -> Templates {
        match &self.embedded {
            Some(map) => Templates::Embedded(map.clone()),
            None => default,
        }
    }
}

impl ConnectorFactory for EmailFactory {
    fn name(&self) -> &'static str {
        crate::NAME
    }

    fn ops(&self) -> Option<&'static dyn OpList> {
        Some(&OPS)
    }

    fn from_env(&self, env: &Env) -> Result<Arc<dyn Connector>, Vec<String>> {
        let mut config = EmailConfig::from_env(env)?;
        config.templates = self.templates(config.templates);
        Ok(Arc::new(EmailConnector::new(EmailClient::new(config))))
    }

    fn sandbox(
        &self,
        fixture: Option<Json>,
        env: &Env,
    ) -> BoxFuture<'static, Result<Sandboxed, String>> {
        let templates = self.templates(Templates::Dir("./templates".into()));
        let pace = crate::config::RATE_LIMIT.or_default(env);
        Box::pin(async move {
            let pace = pace?;
            let (router, handle) = emulator::start_sink(fixture).await?;
            let (base_url, _task) = handled_connector_core::serve(router)
                .await
                .map_err(|e| format!("email sink: {e}"))?;
            let config = EmailConfig {
                smtp: handle.smtp_settings(),
                from: handle.default_from(),
                templates,
                pace,
            };
            let state = handle.clone();
            Ok(Sandboxed {
                connector: Arc::new(EmailConnector::new(EmailClient::new(config))),
                state: Arc::new(move || state.state()),
                base_url,
            })
        })
    }

    fn sandbox_url(&self, url: &str, env: &Env) -> Result<Arc<dyn Connector>, String> {
        let discovery = format!("{}/_smtp", sandbox_base(url, crate::NAME));
        let templates = self.templates(Templates::Dir("./templates".into()));
        let client = EmailClient::discover(
            &discovery,
            emulator::DEFAULT_FROM,
            templates,
            crate::config::RATE_LIMIT.or_default(env)?,
        );
        Ok(Arc::new(EmailConnector::new(client)))
    }
}

impl EmulatedFactory for EmailFactory {
    fn emulator(&self, fixture: Option<Json>) -> BoxFuture<'static, Result<Emulator, String>> {
        Box::pin(async move {
            let (router, handle) = emulator::start_sink(fixture).await?;
            Ok(Emulator::new(
                router,
                handle,
                emulator::EmulatorHandle::state,
            ))
        })
    }
}
