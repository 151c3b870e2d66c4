"""Values placed at the end of a sentence."""


def before_period(value: str) -> str:
    """A value that ends a sentence, without its own final period (S.A., Cía. Ltda., p. m.): the
    sentence's period then closes the abbreviation too, as in print, never "S.A..".

    Applied to the value before it reaches a template (not as a template filter): the compiled
    emails put each person's values into the rendered bytes unfiltered."""
    return value.rstrip(".")
