"""API clients: tokens and rate limits for private deployments."""

from __future__ import annotations

import secrets

from django.db import models


def new_token() -> str:
    return secrets.token_urlsafe(32)


class ApiClient(models.Model):
    """An app or integrator allowed to call the API, with its own rate limit."""

    name = models.CharField(max_length=200)
    token = models.CharField(max_length=100, unique=True, default=new_token)
    requests_per_minute = models.PositiveIntegerField(default=600)
    active = models.BooleanField(default=True)
    created_at = models.DateTimeField(auto_now_add=True)

    def __str__(self) -> str:
        return self.name
