"""What a log line says it is about: the request, feed, delivery and stories in hand.

The bottom layer: pure Python, no Django, nothing of ours; every package may
use it. `context` carries the ids, `formatting` writes a record as one JSON
line with them, `requests` gives each web request its id.
"""
