"""Template filters of the wire's rows that the live poll draws again (desk/live.py)."""

from __future__ import annotations

from django import template

register = template.Library()


@register.filter
def section_slugs(sections: str) -> str:
    """Return a story's sections column ("|world|business|") as "world, business"."""
    return ", ".join(slug for slug in sections.split("|") if slug)
