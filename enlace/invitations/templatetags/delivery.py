from django import template

from enlace.invitations import failures

register = template.Library()


@register.filter
def delivery_reason(stored: str) -> str:
    """An invitation's stored delivery error, in the reader's language."""
    return failures.worded(stored)
