"""Guessing the admin's password: a few tries, then a lock-out, each failure logged."""

from __future__ import annotations

import logging

from django.contrib.auth.models import User


def test_wrong_passwords_lock_the_admin_login_out(client, db, caplog):
    User.objects.create_superuser("editor", "editor@news.example", "right-password-42")
    with caplog.at_level(logging.WARNING):
        answers = [
            client.post(
                "/admin/login/?next=/admin/",
                {"username": "editor", "password": f"guess-{n}"},
                REMOTE_ADDR="203.0.113.9",
            ).status_code
            for n in range(20)
        ]
    assert answers[:4] == [200] * 4  # the form again, with its error
    assert set(answers[4:]) == {429}  # the fifth failure locks the pair out
    locked = client.post(
        "/admin/login/?next=/admin/",
        {"username": "editor", "password": "right-password-42"},
        REMOTE_ADDR="203.0.113.9",
    )
    assert locked.status_code == 429  # even the right password, while locked
    assert "locking out" in caplog.text.lower()  # and the lock-out is logged


def test_the_right_password_logs_in_from_an_address_that_did_not_guess(client, db):
    User.objects.create_superuser("editor", "editor@news.example", "right-password-42")
    answer = client.post(
        "/admin/login/?next=/admin/",
        {"username": "editor", "password": "right-password-42"},
        REMOTE_ADDR="198.51.100.7",
    )
    assert answer.status_code == 302 and answer["Location"] == "/admin/"
