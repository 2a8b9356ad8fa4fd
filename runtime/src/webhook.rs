//! Webhook triggers: which path serves which workflow, and the runtime's own `webhook.received`
//! trigger (HMAC-SHA256 of the raw body, CONNECTORS.md §1). Connector triggers verify their
//! signatures in their crates ([`crate::Connector::accept_webhook`]).

use crate::connector::{
    IncomingEvent, Json, TriggerConfig, WebhookError, WebhookRequest, body_hash,
};
use crate::workflow::Workflow;

/// The path a workflow's webhook is served on: the trigger's `path`, or its `endpoint` (a path,
/// or a full URL of which the path is used), else `/hooks/<workflow>`.
pub fn hook_path(workflow: &Workflow, config: &TriggerConfig) -> String {
    let given = config
        .string("path")
        .or_else(|| config.string("endpoint"))
        .map(str::trim)
        .filter(|s| !s.is_empty());
    let Some(given) = given else {
        return format!("/hooks/{}", workflow.name);
    };
    let path = match given.find("://") {
        Some(scheme_end) => {
            let rest = &given[scheme_end + 3..];
            match rest.find('/') {
                Some(slash) => &rest[slash..],
                None => "/",
            }
        }
        None => given,
    };
    let path = path.split(['?', '#']).next().unwrap_or(path);
    if path.starts_with('/') {
        path.to_string()
    } else {
        format!("/{path}")
    }
}

/// Accepts a `webhook.received` delivery: checks the HMAC when the trigger has a `secret`,
/// parses the body, and finds the event id (`idField`, else `X-Event-Id`, else a body hash).
pub fn accept_received(
    config: &TriggerConfig,
    request: &WebhookRequest,
) -> Result<IncomingEvent, WebhookError> {
    if let Some(secret) = config.string("secret").filter(|s| !s.is_empty()) {
        let header = config.string("signatureHeader").unwrap_or("X-Signature");
        let Some(signature) = request.header(header) else {
            return Err(WebhookError::Signature(format!(
                "the {header} header is missing"
            )));
        };
        handled_contract::sign::verify_hmac_sha256(
            secret.as_bytes(),
            &request.body,
            signature,
            handled_contract::sign::Encoding::Any,
        )
        .map_err(|e| WebhookError::Signature(e.to_string()))?;
    }
    let payload: Json = serde_json::from_slice(&request.body)
        .map_err(|e| WebhookError::Malformed(format!("body is not JSON: {e}")))?;
    let from_field = config.string("idField").and_then(|path| {
        let mut at = &payload;
        for part in path.split('.') {
            at = at.get(part)?;
        }
        match at {
            Json::String(s) => Some(s.clone()),
            Json::Number(n) => Some(n.to_string()),
            _ => None,
        }
    });
    let event_id = match from_field {
        Some(id) => id,
        None => match request.header("x-event-id") {
            Some(id) => id.to_string(),
            None => body_hash(&request.body),
        },
    };
    Ok(IncomingEvent {
        event_id,
        occurred_at_ms: None,
        payload,
    })
}

/// The HMAC-SHA256 of `body` in hex (tests and emulators sign with it).
pub fn sign_hex(secret: &[u8], body: &[u8]) -> String {
    handled_contract::sign::hmac_sha256_hex(secret, body)
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used)]
    use std::collections::BTreeMap;

    use super::*;

    fn config(fields: &[(&str, &str)]) -> TriggerConfig {
        TriggerConfig {
            workflow: "W",
            connector: "webhook",
            event: "received",
            fields: fields
                .iter()
                .map(|(k, v)| (k.to_string(), Json::String(v.to_string())))
                .collect(),
        }
    }

    fn request(headers: &[(&str, &str)], body: &str) -> WebhookRequest {
        WebhookRequest {
            headers: headers
                .iter()
                .map(|(k, v)| (k.to_ascii_lowercase(), v.to_string()))
                .collect::<BTreeMap<_, _>>(),
            body: body.as_bytes().to_vec(),
        }
    }

    #[test]
    fn verifies_hex_base64_and_prefixed_signatures() {
        let body = r#"{"order":{"id":7}}"#;
        let hexsig = sign_hex(b"s3cret", body.as_bytes());
        let b64 = handled_contract::sign::hmac_sha256_base64(b"s3cret", body.as_bytes());
        let c = config(&[
            ("path", "/in"),
            ("secret", "s3cret"),
            ("idField", "order.id"),
        ]);
        for sig in [hexsig.clone(), format!("sha256={hexsig}"), b64] {
            let ev = accept_received(&c, &request(&[("X-Signature", &sig)], body)).unwrap();
            assert_eq!(ev.event_id, "7");
        }
        assert!(matches!(
            accept_received(
                &c,
                &request(
                    &[("X-Signature", &sign_hex(b"other", body.as_bytes()))],
                    body
                )
            ),
            Err(WebhookError::Signature(_))
        ));
        assert!(matches!(
            accept_received(&c, &request(&[], body)),
            Err(WebhookError::Signature(_))
        ));
        let unsigned = config(&[("path", "/in")]);
        assert!(matches!(
            accept_received(&unsigned, &request(&[], "{nope")),
            Err(WebhookError::Malformed(_))
        ));
        assert_eq!(
            accept_received(&unsigned, &request(&[("X-Event-Id", "e1")], "{}"))
                .unwrap()
                .event_id,
            "e1"
        );
    }

    #[test]
    fn paths_come_from_path_endpoint_or_the_workflow_name() {
        let mut c = config(&[("endpoint", "https://shop.example/wms/stock?x=1")]);
        let workflow = test_workflow();
        assert_eq!(hook_path(&workflow, &c), "/wms/stock");
        c.fields.insert("path".into(), Json::String("in".into()));
        assert_eq!(hook_path(&workflow, &c), "/in");
        assert_eq!(hook_path(&workflow, &config(&[])), "/hooks/W");
    }

    fn test_workflow() -> Workflow {
        fn trigger(_: &crate::connector::Env) -> Result<TriggerConfig, handled_js::JsError> {
            Ok(config(&[]))
        }
        fn run(
            _: &mut crate::context::RunContext,
        ) -> crate::connector::BoxFuture<'_, Result<(), crate::context::Stop>> {
            Box::pin(async { Ok(()) })
        }
        let location = crate::workflow::Location {
            file: "w.hs",
            line: 1,
            column: 1,
        };
        Workflow {
            name: "W",
            file: "w.hs",
            location,
            trigger_connector: "webhook",
            trigger_event: "received",
            trigger,
            key: None,
            natural_key: None,
            steps: &[],
            connectors: &[],
            env_vars: &[],
            run,
        }
    }
}
