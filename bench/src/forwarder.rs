//! `handled-forwarder`: the baseline the runtime is measured against. A hand-written,
//! non-durable forwarder of pattern 1's warehouse-to-Shopify shape: it verifies a warehouse
//! webhook's HMAC, looks the SKU up in Shopify and sets the quantity with a compare-and-set
//! (through the same Shopify connector as compiled programs, so that both send the emulator the
//! same requests), then answers. Nothing is stored: an event in flight when it stops is lost,
//! a failed write is not retried, and two events of one SKU may overtake each other.
//!
//! It takes a program's `serve` command line (`--store`, `--workers` and `--bulk` are accepted
//! and ignored: every call is sent alone), so that `handled-bench --pattern1-program target/release/handled-forwarder`
//! measures it exactly as it measures a program. It answers `{"runId": …}` after the write,
//! and writes with the idempotency key `{runId}:2`, as pattern 1's second step does.

use std::net::SocketAddr;
use std::process::ExitCode;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};

use axum::Router;
use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::routing::{get, post};
use clap::Parser;
use handled_connector_core::{CallInfo, Json};
use handled_contract::sign::{Encoding, verify_hmac_sha256};
use handled_runtime::{Connector, Env};
use serde_json::json;

/// The forwarder's command line: a program's `serve`.
#[derive(Debug, Parser)]
enum Command {
    /// Serves webhooks until killed.
    Serve {
        /// Where to listen.
        #[arg(long, default_value = "127.0.0.1:8080")]
        listen: SocketAddr,
        /// The emulators (as `handled-sandbox` mounts them).
        #[arg(long)]
        sandbox_url: String,
        /// Accepted for a program's command line; nothing is stored.
        #[arg(long)]
        store: Option<String>,
        /// Accepted for a program's command line; every request is served as it comes.
        #[arg(long)]
        workers: Option<usize>,
        /// Accepted for a program's command line; every call is sent alone.
        #[arg(long)]
        bulk: Option<String>,
    },
}

struct Forwarder {
    shopify: Arc<dyn Connector>,
    signature_header: String,
    next: AtomicU64,
}

async fn webhook(
    State(f): State<Arc<Forwarder>>,
    headers: HeaderMap,
    body: Bytes,
) -> (StatusCode, axum::Json<Json>) {
    let fail = |status: StatusCode, why: String| (status, axum::Json(json!({"error": why})));
    let signature = headers
        .get(&f.signature_header)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("");
    let secret = handled_wms::emulator::SANDBOX_WEBHOOK_SECRET.as_bytes();
    if verify_hmac_sha256(secret, &body, signature, Encoding::Hex).is_err() {
        return fail(StatusCode::UNAUTHORIZED, "bad signature".into());
    }
    let Ok(event) = serde_json::from_slice::<Json>(&body) else {
        return fail(StatusCode::BAD_REQUEST, "malformed JSON".into());
    };
    let (Some(sku), Some(quantity)) = (
        event["product_sku"].as_str(),
        event["available_quantity"].as_i64(),
    ) else {
        return fail(StatusCode::BAD_REQUEST, "no SKU or quantity".into());
    };
    let run = format!("fwd-{}", f.next.fetch_add(1, Ordering::Relaxed));
    let info = |step: u32| CallInfo {
        idempotency_key: format!("{run}:{step}"),
        run_id: run.clone(),
        attempt: 1,
        maybe_sent: false,
    };
    let found = match f
        .shopify
        .call("findProduct", json!({"sku": sku}), &info(1))
        .await
    {
        Ok(found) => found,
        Err(e) => return fail(StatusCode::BAD_GATEWAY, e.message),
    };
    let update = json!({
        "productId": found["productId"], "variantId": found["variantId"],
        "quantity": quantity.max(0), "location": "primary",
    });
    match f.shopify.call("updateInventory", update, &info(2)).await {
        Ok(_) => (StatusCode::ACCEPTED, axum::Json(json!({"runId": run}))),
        Err(e) => fail(StatusCode::BAD_GATEWAY, e.message),
    }
}

async fn serve(listen: SocketAddr, sandbox_url: &str) -> Result<(), String> {
    let shopify = handled_shopify::connector().sandbox_url(sandbox_url, &Env::default())?;
    let handled_wms::profile::Signature::Hmac { header, .. } =
        handled_wms::Profile::generic().webhook.signature
    else {
        return Err("the generic warehouse profile no longer signs with an HMAC".into());
    };
    let signature_header = header.to_ascii_lowercase();
    let forwarder = Arc::new(Forwarder {
        shopify,
        signature_header,
        next: AtomicU64::new(0),
    });
    let app = Router::new()
        .route(handled_bench::webhooks::WMS_PATH, post(webhook))
        .route("/healthz", get(|| async { "ok" }))
        .with_state(forwarder);
    let listener = tokio::net::TcpListener::bind(listen)
        .await
        .map_err(|e| format!("cannot listen on {listen}: {e}"))?;
    axum::serve(listener, app)
        .await
        .map_err(|e| format!("server: {e}"))
}

#[global_allocator]
static ALLOCATOR: handled_alloc::Allocator = handled_alloc::Allocator;

fn main() -> ExitCode {
    handled_alloc::init();
    let Command::Serve {
        listen,
        sandbox_url,
        store: _,
        workers: _,
        bulk: _,
    } = Command::parse();
    let result = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .map_err(|e| format!("cannot start the async runtime: {e}"))
        .and_then(|rt| rt.block_on(serve(listen, &sandbox_url)));
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: {e}");
            ExitCode::FAILURE
        }
    }
}
