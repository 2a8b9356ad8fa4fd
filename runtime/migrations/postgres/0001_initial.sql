-- The PostgreSQL store's schema: the same tables as the SQLite store, plus the lease of a
-- running run (which process holds it, and until when).
CREATE TABLE events (
    id BIGSERIAL PRIMARY KEY,
    workflow TEXT NOT NULL,
    event_id TEXT NOT NULL,
    key TEXT,
    occurred_at_ms BIGINT,
    received_at_ms BIGINT NOT NULL,
    status TEXT NOT NULL,
    run_id TEXT,
    UNIQUE (workflow, event_id)
);
CREATE INDEX events_received ON events (received_at_ms);

CREATE TABLE runs (
    seq BIGSERIAL PRIMARY KEY,
    id TEXT NOT NULL UNIQUE,
    workflow TEXT NOT NULL,
    key TEXT,
    status TEXT NOT NULL,
    attempt INTEGER NOT NULL DEFAULT 0,
    payload TEXT NOT NULL,
    created_at_ms BIGINT NOT NULL,
    started_at_ms BIGINT,
    finished_at_ms BIGINT,
    error TEXT,
    dead BOOLEAN NOT NULL DEFAULT FALSE,
    run_at_ms BIGINT NOT NULL DEFAULT 0,
    owner TEXT,
    lease_until TIMESTAMPTZ
);
CREATE INDEX runs_status ON runs (status, seq);
-- The queue: claims walk only the runs not yet ended, however many ended runs are kept.
CREATE INDEX runs_active ON runs (seq) WHERE status IN ('queued', 'running');
CREATE INDEX runs_active_key ON runs (key, seq) WHERE status IN ('queued', 'running');
CREATE INDEX runs_finished ON runs (finished_at_ms);

CREATE TABLE key_state (
    workflow TEXT NOT NULL,
    key TEXT NOT NULL,
    last_occurred_ms BIGINT NOT NULL,
    PRIMARY KEY (workflow, key)
);

CREATE TABLE steps (
    run_id TEXT NOT NULL,
    step BIGINT NOT NULL,
    item BIGINT NOT NULL,
    entry BIGINT NOT NULL,
    name TEXT NOT NULL,
    kind TEXT NOT NULL,
    status TEXT NOT NULL,
    input TEXT,
    output TEXT,
    error TEXT,
    redacted BOOLEAN NOT NULL DEFAULT FALSE,
    PRIMARY KEY (run_id, step, item, entry)
);

CREATE TABLE calls (
    run_id TEXT NOT NULL,
    step BIGINT NOT NULL,
    item BIGINT NOT NULL,
    entry BIGINT NOT NULL,
    op TEXT NOT NULL,
    idempotency_key TEXT NOT NULL,
    params TEXT NOT NULL,
    status TEXT NOT NULL,
    result TEXT,
    error TEXT,
    attempts INTEGER NOT NULL DEFAULT 0,
    redacted BOOLEAN NOT NULL DEFAULT FALSE,
    PRIMARY KEY (run_id, step, item, entry)
);

CREATE TABLE cron_ticks (
    workflow TEXT PRIMARY KEY,
    last_tick_ms BIGINT NOT NULL
);

CREATE TABLE writes (
    id BIGSERIAL PRIMARY KEY,
    channel TEXT NOT NULL,
    sku TEXT NOT NULL,
    quantity BIGINT NOT NULL,
    at_ms BIGINT NOT NULL
);
CREATE INDEX writes_sku ON writes (channel, sku, quantity, at_ms);
