"""Storage of stories: every read and write below the ORM's everyday API, in one place.

The lifecycle (services.py, editorial.py, transitions.py, duplicates.py) says
what to store, the selectors and feeds what to read; this package says how,
fast enough for a backfill and for a feed read at every request
(docs/benchmarks.md):

- rows.py: many rows of a model in one INSERT ... RETURNING, and objects
  built without their constructor;
- queries.py: the lookups every delivery makes, written out;
- search_index.py and band_index.py: the full-text and near-duplicate indexes
  (search ranked inside the engine, a page in one statement);
- lists.py: the long tail's lists, each through an index that bounds it (an
  app's poll for what changed since its last);
- batch.py: index writes held until a backfill's transaction ends, passed
  down as an object;
- bulk_load.py, checkpoints.py, statistics.py: SQLite's settings for a bulk
  load, its log's checkpoints, the planner's statistics;
- prepared.py and postgres_statements.py: the reads a request repeats,
  compiled once and run as one statement (prepared on the server on
  PostgreSQL);
- snapshots.py: the database's consistent copy for a backup (SQLite's
  online backup API, pg_dump in an exported snapshot), and its restore.

Errors of hand-written SQL are Django's (`django.db.IntegrityError`), as the
ORM's are. tests/test_structure.py keeps hand-written SQL and Django's
internals out of every other module of the stories app.
"""

from .batch import Batch, batch

__all__ = ["Batch", "batch"]
