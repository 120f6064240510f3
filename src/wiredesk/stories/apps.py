from django.apps import AppConfig
from django.db.models.signals import post_migrate


class StoriesConfig(AppConfig):
    name = "wiredesk.stories"
    label = "stories"
    verbose_name = "Stories"

    def ready(self) -> None:
        from .storage.statistics import analyze_after_migrate

        post_migrate.connect(analyze_after_migrate, sender=self, dispatch_uid="stories-analyze")
