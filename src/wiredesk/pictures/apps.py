from django.apps import AppConfig


class PicturesConfig(AppConfig):
    name = "wiredesk.pictures"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from wiredesk.stories import signals

        from .visibility import follow_story_changes

        signals.stories_changed.connect(follow_story_changes, dispatch_uid="pictures")
