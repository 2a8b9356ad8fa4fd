-- Runs of one key apply in the order their events happened, whichever workflow they belong to:
-- the time of the newest event applied for each key, and per workflow and key the time of the
-- newest echo of our own write (queued runs of older events are stale when they come up).
ALTER TABLE key_state ADD COLUMN echo_ms BIGINT;

CREATE TABLE key_applied (
    key TEXT PRIMARY KEY,
    applied_ms BIGINT NOT NULL
);

-- A run's events are looked up when it is claimed.
CREATE INDEX events_run ON events (run_id);
