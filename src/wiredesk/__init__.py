"""Wiredesk: agency stories in, published word for word everywhere."""

__version__ = "0.1.0"
