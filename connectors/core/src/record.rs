//! Records every request and response that passes through an emulator's router, so that
//! contract tests can check both against the vendor's API description.
//!
//! Request headers are kept as sent: a header sent twice is recorded twice
//! ([`Exchange::headers`], [`Exchange::header_values`]), so that a test can tell a doubled
//! `Content-Type` or `Authorization` from a single one ([`Exchange::repeated_headers`]).

use handled_contract::lock;
use std::sync::{Arc, Mutex};

use axum::Router;
use axum::body::{Body, to_bytes};
use axum::extract::Request;
use axum::http::HeaderMap;
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
    /// The request's `content-type`: every value sent, joined by ", " (the way a server combines
    /// a repeated field), so that a doubled one reads as no single media type.
    pub content_type: Option<String>,
    /// Every request header as sent, a repeated one once per value, the values of one name
    /// together in the order received (names in lower case; values that are not UTF-8 decoded
    /// lossily).
    pub headers: Vec<(String, String)>,
    /// The request body.
    pub request: Vec<u8>,
    /// The response status.
    pub status: u16,
    /// The response body.
    pub response: Vec<u8>,
}

impl Exchange {
    /// Every value sent for the request header `name` (any case), in order.
    pub fn header_values(&self, name: &str) -> Vec<&str> {
        self.headers
            .iter()
            .filter(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
            .collect()
    }

    /// The names of the request headers sent more than once, each named once, in order.
    pub fn repeated_headers(&self) -> Vec<&str> {
        let mut repeated: Vec<&str> = Vec::new();
        for (name, _) in &self.headers {
            let count = self.headers.iter().filter(|(n, _)| n == name).count();
            if count > 1 && !repeated.contains(&name.as_str()) {
                repeated.push(name);
            }
        }
        repeated
    }
}

/// Every header of a request as sent, a repeated one once per value.
fn header_list(headers: &HeaderMap) -> Vec<(String, String)> {
    headers
        .iter()
        .map(|(name, value)| {
            let value = String::from_utf8_lossy(value.as_bytes()).into_owned();
            (name.as_str().to_string(), value)
        })
        .collect()
}

/// Every value of `content-type` joined by ", ", or `None` when none was sent.
fn joined_content_type(headers: &[(String, String)]) -> Option<String> {
    let values: Vec<&str> = headers
        .iter()
        .filter(|(n, _)| n == "content-type")
        .map(|(_, v)| v.as_str())
        .collect();
    (!values.is_empty()).then(|| values.join(", "))
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
                let headers = header_list(&parts.headers);
                let content_type = joined_content_type(&headers);
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
                    headers,
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
