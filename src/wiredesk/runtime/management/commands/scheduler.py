"""`wiredesk scheduler`: Celery beat, queueing feed polls, embargo release and pings."""

from django.conf import settings
from django.core.management.base import BaseCommand


class Command(BaseCommand):
    help = "Run the scheduler (Celery beat). Run exactly one."

    def handle(self, *args: str, **options: object) -> None:
        from wiredesk.config.celery import app

        schedule = settings.DATA_DIR / "celerybeat-schedule"
        app.start(["beat", "--loglevel=INFO", f"--schedule={schedule}"])
