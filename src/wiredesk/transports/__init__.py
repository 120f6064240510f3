"""Transports: fetch the bytes of agency deliveries. Pure Python, no Django."""
