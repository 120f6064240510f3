from django.apps import AppConfig


class SyndicationConfig(AppConfig):
    name = "wiredesk.syndication"
    label = "wiredesk_syndication"
    verbose_name = "Syndication"
