//! The analytics connector's table of ops: `track`.

use handled_contract::{CallError, CallInfo, Channel, Handles, OpEntry, OpTable};

use crate::api::AnalyticsConnector;
use crate::types::{Track, TrackParams, TrackResult};

impl Handles<Track> for AnalyticsConnector {
    async fn handle(&self, p: TrackParams, call: &CallInfo) -> Result<TrackResult, CallError> {
        self.track(p, call).await
    }
}

/// Every op of the connector.
pub static OPS: OpTable<AnalyticsConnector> = OpTable::new(crate::NAME, &[OpEntry::of::<Track>()]);

impl Channel for AnalyticsConnector {
    const NAME: &'static str = crate::NAME;

    fn ops() -> &'static OpTable<Self> {
        &OPS
    }
}
