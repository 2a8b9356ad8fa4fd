//! A cache for one OAuth access token: fetched on first use, refreshed shortly before it
//! expires or when the API refuses it (401), and refreshed once for all concurrent callers.
//!
//! ```no_run
//! # async fn f(cache: &handled_connector_core::TokenCache) -> Result<(), handled_contract::CallError> {
//! use handled_connector_core::FreshToken;
//! use std::time::Duration;
//! let fetch = || async { Ok(FreshToken { access_token: "Atza|…".into(), expires_in: Duration::from_secs(3600) }) };
//! let token = cache.get(fetch).await?;
//! // … the API answered 401 with `token`:
//! let token = cache.refresh_after_rejection(&token, fetch).await?;
//! # let _ = token; Ok(()) }
//! ```

use std::future::Future;
use std::time::Duration;

use handled_contract::CallError;
use tokio::sync::Mutex;
use tokio::time::Instant;

/// A token just issued by the token endpoint.
#[derive(Clone, Debug)]
pub struct FreshToken {
    /// The access token.
    pub access_token: String,
    /// How long it is valid (`expires_in`).
    pub expires_in: Duration,
}

#[derive(Clone)]
struct Cached {
    token: String,
    refresh_at: Instant,
}

/// One cached access token. Share it (in an `Arc` or inside the connector) between calls.
pub struct TokenCache {
    state: Mutex<Option<Cached>>,
    margin: Duration,
}

impl std::fmt::Debug for TokenCache {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // Never print the token.
        f.debug_struct("TokenCache")
            .field("margin", &self.margin)
            .finish_non_exhaustive()
    }
}

impl Default for TokenCache {
    fn default() -> Self {
        Self::new()
    }
}

impl TokenCache {
    /// An empty cache that refreshes 60 s before expiry.
    pub fn new() -> Self {
        Self::with_margin(Duration::from_secs(60))
    }

    /// An empty cache that refreshes `margin` before expiry (at half-life for short tokens).
    pub fn with_margin(margin: Duration) -> Self {
        TokenCache {
            state: Mutex::new(None),
            margin,
        }
    }

    /// The cached token, or a new one from `fetch` when there is none or it is about to
    /// expire. Concurrent callers wait for the one fetch in progress.
    pub async fn get<F, Fut>(&self, fetch: F) -> Result<String, CallError>
    where
        F: FnOnce() -> Fut,
        Fut: Future<Output = Result<FreshToken, CallError>>,
    {
        let mut state = self.state.lock().await;
        if let Some(c) = state.as_ref()
            && Instant::now() < c.refresh_at
        {
            return Ok(c.token.clone());
        }
        self.fetch_into(&mut state, fetch).await
    }

    /// After the API refused `rejected` (401): fetches a new token, unless another caller
    /// already replaced it, in which case that newer token is returned.
    pub async fn refresh_after_rejection<F, Fut>(
        &self,
        rejected: &str,
        fetch: F,
    ) -> Result<String, CallError>
    where
        F: FnOnce() -> Fut,
        Fut: Future<Output = Result<FreshToken, CallError>>,
    {
        let mut state = self.state.lock().await;
        if let Some(c) = state.as_ref()
            && c.token != rejected
            && Instant::now() < c.refresh_at
        {
            return Ok(c.token.clone());
        }
        self.fetch_into(&mut state, fetch).await
    }

    /// Forgets the cached token.
    pub async fn invalidate(&self) {
        *self.state.lock().await = None;
    }

    async fn fetch_into<F, Fut>(
        &self,
        state: &mut Option<Cached>,
        fetch: F,
    ) -> Result<String, CallError>
    where
        F: FnOnce() -> Fut,
        Fut: Future<Output = Result<FreshToken, CallError>>,
    {
        let fresh = fetch().await?;
        let margin = self.margin.min(fresh.expires_in / 2);
        let now = Instant::now();
        let refresh_at = now
            .checked_add(fresh.expires_in.saturating_sub(margin))
            .unwrap_or(now);
        *state = Some(Cached {
            token: fresh.access_token.clone(),
            refresh_at,
        });
        Ok(fresh.access_token)
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used)]
    use super::*;
    use std::sync::Arc;
    use std::sync::atomic::{AtomicU32, Ordering};

    #[tokio::test]
    async fn single_flight_and_rejection() {
        let cache = Arc::new(TokenCache::new());
        let fetches = Arc::new(AtomicU32::new(0));
        let fetch = |fetches: Arc<AtomicU32>| async move {
            let n = fetches.fetch_add(1, Ordering::SeqCst) + 1;
            tokio::time::sleep(Duration::from_millis(20)).await;
            Ok(FreshToken {
                access_token: format!("t{n}"),
                expires_in: Duration::from_secs(3600),
            })
        };
        let mut tasks = Vec::new();
        for _ in 0..10 {
            let cache = cache.clone();
            let fetches = fetches.clone();
            tasks.push(tokio::spawn(
                async move { cache.get(|| fetch(fetches)).await },
            ));
        }
        for t in tasks {
            assert_eq!(t.await.unwrap().unwrap(), "t1");
        }
        assert_eq!(fetches.load(Ordering::SeqCst), 1);
        let t2 = cache
            .refresh_after_rejection("t1", || fetch(fetches.clone()))
            .await
            .unwrap();
        assert_eq!(t2, "t2");
        // A second caller that also saw t1 refused gets t2 without another fetch.
        let again = cache
            .refresh_after_rejection("t1", || fetch(fetches.clone()))
            .await
            .unwrap();
        assert_eq!(again, "t2");
        assert_eq!(fetches.load(Ordering::SeqCst), 2);
    }

    #[tokio::test]
    async fn expired_tokens_are_refreshed() {
        let cache = TokenCache::with_margin(Duration::ZERO);
        let n = AtomicU32::new(0);
        let fetch = || async {
            let i = n.fetch_add(1, Ordering::SeqCst);
            Ok(FreshToken {
                access_token: format!("t{i}"),
                expires_in: Duration::from_millis(if i == 0 { 1 } else { 3_600_000 }),
            })
        };
        assert_eq!(cache.get(fetch).await.unwrap(), "t0");
        tokio::time::sleep(Duration::from_millis(5)).await;
        assert_eq!(cache.get(fetch).await.unwrap(), "t1");
    }
}
