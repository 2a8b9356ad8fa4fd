-- The history's pages by workflow and by key (`runs_page`), newest first: on expressions that
-- only `runs_page` writes, so that the queue's statements keep their own indexes.
CREATE INDEX IF NOT EXISTS runs_history_workflow ON runs ((coalesce(workflow, '')), seq);
CREATE INDEX IF NOT EXISTS runs_history_key ON runs ((coalesce(key, '')), seq);
