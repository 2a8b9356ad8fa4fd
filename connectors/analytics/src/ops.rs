//! The analytics connector's table of ops: `track`.

use handled_contract::{
    BatchCall, CallError, CallInfo, Channel, Handles, HandlesBatch, OpEntry, OpTable,
};

use crate::api::AnalyticsConnector;
use crate::types::{Track, TrackParams, TrackResult};

impl Handles<Track> for AnalyticsConnector {
    async fn handle(&self, p: TrackParams, call: &CallInfo) -> Result<TrackResult, CallError> {
        self.track(p, call).await
    }
}

/// Many runs' events as one `/v1/batch` (Segment's limit is its size, 500 KB, which
/// [`AnalyticsConnector::track_batch`] keeps to).
impl HandlesBatch<Track> for AnalyticsConnector {
    const MAX_BATCH: usize = 250;

    async fn handle_batch(
        &self,
        calls: Vec<BatchCall<TrackParams>>,
    ) -> Vec<Result<TrackResult, CallError>> {
        self.track_batch(calls).await
    }
}

/// Every op of the connector.
pub static OPS: OpTable<AnalyticsConnector> =
    OpTable::new(crate::NAME, &[OpEntry::batched::<Track>()]);

impl Channel for AnalyticsConnector {
    const NAME: &'static str = crate::NAME;

    fn ops() -> &'static OpTable<Self> {
        &OPS
    }
}
