-- 0001_init: the run store. Times are Unix milliseconds (UTC). Metrics that
-- were NaN are stored as NULL (SQLite has no NaN) and read back as NaN.

CREATE TABLE experiments (
	name       TEXT    PRIMARY KEY,
	created_ms INTEGER NOT NULL
);

CREATE TABLE runs (
	id            TEXT    PRIMARY KEY,
	experiment    TEXT    NOT NULL REFERENCES experiments(name) ON DELETE CASCADE,
	trial         TEXT    NOT NULL,
	status        TEXT    NOT NULL CHECK (status IN ('RUNNING', 'FINISHED', 'FAILED', 'KILLED')),
	config_text   TEXT    NOT NULL,
	config_hash   TEXT    NOT NULL,
	seed          INTEGER NOT NULL,
	start_ms      INTEGER NOT NULL,
	end_ms        INTEGER,
	heartbeat_ms  INTEGER NOT NULL,
	error         TEXT    NOT NULL DEFAULT '',
	git_commit    TEXT    NOT NULL DEFAULT '',
	git_dirty     INTEGER NOT NULL DEFAULT 0 CHECK (git_dirty IN (0, 1)),
	go_version    TEXT    NOT NULL DEFAULT '',
	host          TEXT    NOT NULL DEFAULT '',
	pid           INTEGER NOT NULL DEFAULT 0,
	threads       INTEGER NOT NULL DEFAULT 0,
	resumed_from  TEXT    REFERENCES runs(id) ON DELETE SET NULL,
	-- Denormalised summary kept current by every epoch write, so listing the
	-- best epoch of every run reads one row per run.
	epochs        INTEGER NOT NULL DEFAULT 0,
	best_epoch    INTEGER,
	best_val_top1 REAL,
	best_val_top5 REAL,
	test_loss     REAL,
	test_top1     REAL,
	test_top5     REAL
);

CREATE INDEX runs_by_config ON runs (experiment, config_hash, start_ms);
CREATE INDEX runs_by_status ON runs (status);
CREATE INDEX runs_by_resume ON runs (resumed_from);

CREATE TABLE params (
	run_id TEXT NOT NULL REFERENCES runs(id) ON DELETE CASCADE,
	key    TEXT NOT NULL,
	value  TEXT NOT NULL,
	PRIMARY KEY (run_id, key)
) WITHOUT ROWID;

CREATE INDEX params_by_key ON params (key, value);

CREATE TABLE epochs (
	run_id         TEXT    NOT NULL REFERENCES runs(id) ON DELETE CASCADE,
	epoch          INTEGER NOT NULL CHECK (epoch >= 0),
	train_loss     REAL,
	train_top1     REAL,
	val_loss       REAL,
	val_top1       REAL,
	val_top5       REAL,
	lr             REAL,
	seconds        REAL,
	images_per_sec REAL,
	main_loss      REAL,
	aux_loss       REAL,
	logged_ms      INTEGER NOT NULL,
	PRIMARY KEY (run_id, epoch)
) WITHOUT ROWID;

CREATE TABLE artifacts (
	run_id     TEXT    NOT NULL REFERENCES runs(id) ON DELETE CASCADE,
	kind       TEXT    NOT NULL,
	path       TEXT    NOT NULL,
	sha256     TEXT    NOT NULL,
	size       INTEGER NOT NULL,
	created_ms INTEGER NOT NULL,
	PRIMARY KEY (run_id, kind, path)
) WITHOUT ROWID;

CREATE TABLE tags (
	run_id TEXT NOT NULL REFERENCES runs(id) ON DELETE CASCADE,
	key    TEXT NOT NULL,
	value  TEXT NOT NULL,
	PRIMARY KEY (run_id, key)
) WITHOUT ROWID;
