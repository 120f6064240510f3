"""The one error a wire parser may raise."""


class ParseError(ValueError):
    """The delivery cannot be read; the message says why in one line."""
