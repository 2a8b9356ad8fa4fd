-- The channel and SKU a run's event reported, so that a run not started yet waits for the echo
-- of a write of ours to them before it starts, when the channel echoes our writes at all
-- (runtime/src/echo.rs).
ALTER TABLE runs ADD COLUMN echo_channel TEXT;
ALTER TABLE runs ADD COLUMN echo_sku TEXT;

-- When each channel last reported one of our writes back.
CREATE TABLE echo_channels (
    channel TEXT PRIMARY KEY,
    last_echo_ms BIGINT NOT NULL
);
