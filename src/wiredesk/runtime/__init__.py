"""The processes Wiredesk runs and the commands that start them.

The top layer: `wiredesk run` and `wiredesk demo` (the embedded engine,
`engine.py`), `wiredesk serve` (a web node), `wiredesk worker` and `wiredesk
scheduler` (Celery), `wiredesk sources` (the config file's sources),
`wiredesk backup` and `wiredesk restore` (`backups.py`, `restore_checks.py`).
It may import everything below it, `config` included; nothing imports it.
"""
