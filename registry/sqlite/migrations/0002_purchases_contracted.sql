-- Spending figures count only the records whose process became a contract or
-- an order (registry.NoContract): 1 for those, 0 for drafts, cancelled and
-- void processes. The states live in the encoded document, so the rows
-- stored before this column are set by backfillContracted, in Go, in the
-- same transaction.
ALTER TABLE purchases ADD COLUMN contracted INTEGER NOT NULL DEFAULT 1;
