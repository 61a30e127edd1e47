-- Flightdeck daemon schema v5: cost accounting.

-- Prompt tokens written to a provider's prompt cache (Anthropic cache creation), per run.
ALTER TABLE runs ADD COLUMN cache_write_tokens BIGINT NOT NULL DEFAULT 0;

-- One row per completed model call, written in the same transaction as its model_responded
-- event (run_id, sequence name that event). Denormalized (tenant, bundle, version) so cost
-- queries never join runs; deleted with its run by retention. Times are epoch milliseconds
-- (UTC): range filters and day/hour buckets are integer arithmetic.
CREATE TABLE model_calls (
    run_id               VARCHAR(64) NOT NULL,
    sequence             BIGINT NOT NULL,
    tenant               VARCHAR(200) NOT NULL,
    bundle_name          VARCHAR(100) NOT NULL,
    bundle_version       VARCHAR(64) NOT NULL,
    provider             VARCHAR(100) NOT NULL,
    model                VARCHAR(200) NOT NULL,
    finished_at_ms       BIGINT NOT NULL,
    latency_ms           BIGINT NOT NULL,
    input_tokens         BIGINT NOT NULL,
    cached_input_tokens  BIGINT NOT NULL,
    cache_write_tokens   BIGINT NOT NULL,
    output_tokens        BIGINT NOT NULL,
    reasoning_tokens     BIGINT NOT NULL,
    cost_micros          BIGINT NOT NULL,
    priced               BOOLEAN NOT NULL,
    PRIMARY KEY (run_id, sequence)
);
-- QueryCost and TopRuns: every query is a time range first.
CREATE INDEX model_calls_by_time ON model_calls (finished_at_ms);
-- The per-tenant daily budget check before every model call: covering, so it never reads rows.
CREATE INDEX model_calls_by_tenant_time ON model_calls (tenant, finished_at_ms, cost_micros, priced);
