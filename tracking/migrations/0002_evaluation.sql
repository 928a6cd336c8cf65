-- 0002_evaluation: per-example evidence of the best checkpoint, so reports
-- can test whether two runs really differ (McNemar on the same test set) and
-- show confusion matrices.
--
-- One row per example rather than one blob per run: 1,000-10,000 rows of
-- five small integers per run are a few tens of KB, SQLite can join two
-- runs' predictions on (split, example) for a paired test and GROUP BY a
-- class without decoding anything, and `runs export` streams rows as they
-- are. A blob would be smaller only by the row headers and would hide the
-- data from SQL. Thumbnails of misclassified examples are PNG blobs in a
-- table of their own, so the prediction rows stay small (WITHOUT ROWID
-- tables want rows well under a page).

-- The class names of a run, index order (class_indices.json as rows).
CREATE TABLE classes (
	run_id TEXT    NOT NULL REFERENCES runs(id) ON DELETE CASCADE,
	idx    INTEGER NOT NULL CHECK (idx >= 0),
	name   TEXT    NOT NULL,
	PRIMARY KEY (run_id, idx)
) WITHOUT ROWID;

-- One row per evaluated example of a split. top5 is the comma-separated
-- list of the five most probable classes, best first.
CREATE TABLE predictions (
	run_id  TEXT    NOT NULL REFERENCES runs(id) ON DELETE CASCADE,
	split   TEXT    NOT NULL CHECK (split IN ('val', 'test')),
	example INTEGER NOT NULL CHECK (example >= 0),
	label   INTEGER NOT NULL CHECK (label >= 0),
	pred    INTEGER NOT NULL CHECK (pred >= 0),
	p_true  REAL,
	top5    TEXT    NOT NULL DEFAULT '',
	PRIMARY KEY (run_id, split, example)
) WITHOUT ROWID;

-- The confusion matrix of a split, nonzero cells only: n examples of class
-- label were predicted as class pred. Per-class accuracy is the diagonal
-- over the row sums.
CREATE TABLE confusion (
	run_id TEXT    NOT NULL REFERENCES runs(id) ON DELETE CASCADE,
	split  TEXT    NOT NULL CHECK (split IN ('val', 'test')),
	label  INTEGER NOT NULL CHECK (label >= 0),
	pred   INTEGER NOT NULL CHECK (pred >= 0),
	n      INTEGER NOT NULL CHECK (n > 0),
	PRIMARY KEY (run_id, split, label, pred)
) WITHOUT ROWID;

-- Small PNG thumbnails of some examples (the runner keeps misclassified
-- test examples), for the report's grid of mistakes.
CREATE TABLE thumbnails (
	run_id  TEXT    NOT NULL REFERENCES runs(id) ON DELETE CASCADE,
	split   TEXT    NOT NULL CHECK (split IN ('val', 'test')),
	example INTEGER NOT NULL CHECK (example >= 0),
	png     BLOB    NOT NULL,
	PRIMARY KEY (run_id, split, example)
);
