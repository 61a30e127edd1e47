-- Flightdeck daemon schema v3: the durable run queue and retention.

-- The scheduler picks the oldest runnable run (QUEUED, or RUNNING with no worker) of a tenant.
CREATE INDEX runs_queue ON runs (status, tenant, run_id);
-- Retention finds terminal runs by when they finished.
CREATE INDEX runs_by_finished_at ON runs (finished_at);
