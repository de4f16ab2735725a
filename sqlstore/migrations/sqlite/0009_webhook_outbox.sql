-- The webhook outbox: a registry change writes one row per subscribed webhook
-- in its own transaction, so an event whose change committed cannot be lost;
-- the delivery loop of every server claims due rows for a lease, posts them
-- and records the outcome. delivery_id is the X-MLflow-Delivery-Id header,
-- the same on every attempt, so receivers can drop repeats.

CREATE TABLE webhook_outbox (
    delivery_id     TEXT    NOT NULL PRIMARY KEY,
    webhook_id      TEXT    NOT NULL REFERENCES webhooks (webhook_id) ON DELETE CASCADE,
    entity          TEXT    NOT NULL,
    action          TEXT    NOT NULL,
    data            TEXT    NOT NULL,            -- the payload's "data", JSON
    created_at      BIGINT  NOT NULL,            -- ms; the payload's timestamp
    attempts        INTEGER NOT NULL DEFAULT 0,
    next_attempt_at BIGINT  NOT NULL,            -- ms; not claimed before
    claim           TEXT    NOT NULL DEFAULT '', -- the token of the lease holder
    lease_until     BIGINT  NOT NULL DEFAULT 0,  -- ms; free to claim again after
    done_at         BIGINT,                      -- ms; NULL while pending
    last_status     INTEGER NOT NULL DEFAULT 0,  -- HTTP status of the last attempt
    last_error      TEXT    NOT NULL DEFAULT ''
);
CREATE INDEX webhook_outbox_due ON webhook_outbox (next_attempt_at, created_at) WHERE done_at IS NULL;
CREATE INDEX webhook_outbox_done ON webhook_outbox (done_at) WHERE done_at IS NOT NULL;
