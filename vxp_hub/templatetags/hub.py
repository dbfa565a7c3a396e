"""Template filters of the hub's pages (``{% load hub %}``)."""

from django import template

from .. import wording

register = template.Library()


@register.filter
def action_label(code: str) -> str:
    """``{{ event.action|action_label }}``: "user.create" -> "User created"."""
    return wording.action_label(code)
