"""Prometheus metrics: what every layer counts (`instruments`), and how processes share them.

Pure prometheus-client, nothing of ours and no Django, so the lowest layer may
import it. This package module itself imports nothing: `folder.use_folder` must
run before prometheus-client is first imported (it picks its multiprocess mode
then, from `PROMETHEUS_MULTIPROC_DIR`).
"""
