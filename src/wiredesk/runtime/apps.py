from django.apps import AppConfig


class RuntimeConfig(AppConfig):
    """The processes and their commands: run, serve, worker, scheduler, demo, sources."""

    name = "wiredesk.runtime"
    label = "runtime"
    verbose_name = "Runtime"
