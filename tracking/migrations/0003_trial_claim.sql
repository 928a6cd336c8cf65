-- 0003_trial_claim: a trial (experiment, trial, config hash) has at most one
-- RUNNING run. StartRun inserts the RUNNING row in its own transaction, so
-- this index is the atomic claim: a second process starting the same trial
-- gets a constraint error (ErrClaimed) instead of training it twice.
--
-- Databases written before the claim may hold several RUNNING rows of one
-- trial (the bug this fixes); all but the newest are ended as FAILED first.
-- The newest stays RUNNING and is reaped as usual if its process is gone.
UPDATE runs SET status = 'FAILED', end_ms = heartbeat_ms,
	error = 'superseded: a newer run of this trial was RUNNING at the same time (migration 0003)'
WHERE status = 'RUNNING' AND EXISTS (
	SELECT 1 FROM runs n
	WHERE n.status = 'RUNNING' AND n.experiment = runs.experiment AND n.trial = runs.trial
		AND n.config_hash = runs.config_hash
		AND (n.start_ms > runs.start_ms OR (n.start_ms = runs.start_ms AND n.id > runs.id)));

CREATE UNIQUE INDEX runs_one_running ON runs (experiment, trial, config_hash) WHERE status = 'RUNNING';
