"""The desk story page's translations: which stories are this one in other languages."""

from django import template

from wiredesk.site.translations import translations_of
from wiredesk.stories.models import Story

register = template.Library()


@register.inclusion_tag("desk/_translations.html", takes_context=True)
def translations_form(context: template.Context, story: Story) -> dict:
    """Render the story's translations, and for a duty editor the form that links one."""
    return {
        "story": story,
        "others": translations_of(story),
        "perms": context.get("perms"),
        "csrf_token": context.get("csrf_token"),
    }
