-- The history's pages by workflow and by key (`runs_page`), newest first.
CREATE INDEX IF NOT EXISTS runs_workflow ON runs (workflow, seq);
CREATE INDEX IF NOT EXISTS runs_by_key ON runs (key, seq);
