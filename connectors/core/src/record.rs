//! Records every request and response that passes through an emulator's router, so that
//! contract tests can check both against the vendor's API description.

use handled_contract::lock;
use std::sync::{Arc, Mutex};

use axum::Router;
use axum::body::{Body, to_bytes};
use axum::extract::Request;
use axum::middleware::Next;
use axum::response::Response;

/// One request and its answer.
#[derive(Clone, Debug)]
pub struct Exchange {
    /// `GET`, `POST`, …
    pub method: String,
    /// The path (no query).
    pub path: String,
    /// The query string, if any.
    pub query: Option<String>,
    /// The request's `content-type`.
    pub content_type: Option<String>,
    /// The request body.
    pub request: Vec<u8>,
    /// The response status.
    pub status: u16,
    /// The response body.
    pub response: Vec<u8>,
}

/// The recorded exchanges, in the order they ended.
#[derive(Clone, Debug, Default)]
pub struct Log(Arc<Mutex<Vec<Exchange>>>);

impl Log {
    /// A copy of what was recorded so far.
    pub fn exchanges(&self) -> Vec<Exchange> {
        lock(&self.0).clone()
    }

    fn push(&self, exchange: Exchange) {
        lock(&self.0).push(exchange);
    }
}

/// `router` with a layer that records every exchange into the returned log.
pub fn record(router: Router) -> (Router, Log) {
    let log = Log::default();
    let layer_log = log.clone();
    let router = router.layer(axum::middleware::from_fn(
        move |req: Request, next: Next| {
            let log = layer_log.clone();
            async move {
                let (parts, body) = req.into_parts();
                let request = to_bytes(body, usize::MAX)
                    .await
                    .map(|b| b.to_vec())
                    .unwrap_or_default();
                let method = parts.method.to_string();
                let path = parts.uri.path().to_string();
                let query = parts.uri.query().map(str::to_string);
                let content_type = parts
                    .headers
                    .get("content-type")
                    .and_then(|v| v.to_str().ok())
                    .map(str::to_string);
                let response = next
                    .run(Request::from_parts(parts, Body::from(request.clone())))
                    .await;
                let (rparts, rbody) = response.into_parts();
                let bytes = to_bytes(rbody, usize::MAX)
                    .await
                    .map(|b| b.to_vec())
                    .unwrap_or_default();
                log.push(Exchange {
                    method,
                    path,
                    query,
                    content_type,
                    request,
                    status: rparts.status.as_u16(),
                    response: bytes.clone(),
                });
                Response::from_parts(rparts, Body::from(bytes))
            }
        },
    ));
    (router, log)
}
