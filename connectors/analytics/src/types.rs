//! The op's parameter and result types, exactly as the catalog declares them.

use handled_contract::{Json, Op};
use serde::{Deserialize, Serialize};

/// `analytics.track`: records an event (Segment track).
#[derive(Clone, Copy, Debug, Default)]
pub struct Track;

impl Op for Track {
    const CONNECTOR: &'static str = "analytics";
    const NAME: &'static str = "track";
    type Params = TrackParams;
    type Output = TrackResult;
}

/// Parameters of `analytics.track`.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct TrackParams {
    /// The event name.
    pub event: String,
    /// The event's properties (a `userId` in them becomes the Segment `userId`).
    pub properties: Json,
}

/// Result of `analytics.track`.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct TrackResult {
    /// Whether Segment accepted the event.
    pub accepted: bool,
}
