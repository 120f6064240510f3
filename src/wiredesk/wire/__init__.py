"""Wire formats: bytes of an agency delivery in, neutral WireItems out.

Pure Python: nothing here imports Django or touches the network or a database.
"""

from .errors import ParseError
from .formats import detect, format_choices, format_names, parse
from .item import FIELD_NAMES, WireItem, rfc3339
from .normalize import normalize

__all__ = [
    "FIELD_NAMES",
    "ParseError",
    "WireItem",
    "detect",
    "format_choices",
    "format_names",
    "normalize",
    "parse",
    "rfc3339",
]
