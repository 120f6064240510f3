"""Transport settings move into `options`, polling state into `checkpoint`.

A stored password is not carried over: credentials are now named, never kept
(an environment variable or a file). A feed that had one is given
`password_env = "WIREDESK_FEED_<SLUG>_PASSWORD"`, which start-up reports as
unset until the operator sets it.
"""

import re

from django.db import migrations, models

import wiredesk.transports.base


def forwards(apps, schema_editor):
    Feed = apps.get_model("sources", "Feed")
    for feed in Feed.objects.all():
        options, checkpoint = {}, {}
        if feed.username:
            options["auth"] = "basic"
            options["username"] = feed.username
        if feed.password:
            options["auth"] = "basic"
            slug = re.sub(r"[^A-Z0-9]+", "_", feed.slug.upper())
            options["password_env"] = f"WIREDESK_FEED_{slug}_PASSWORD"
        if feed.etag:
            checkpoint["etag"] = feed.etag
        if feed.last_modified:
            checkpoint["last_modified"] = feed.last_modified
        Feed.objects.filter(pk=feed.pk).update(options=options, checkpoint=checkpoint)


class Migration(migrations.Migration):
    dependencies = [
        ("sources", "0004_feed_fetch_allowed_hosts"),
    ]

    operations = [
        migrations.AddField(
            model_name="feed",
            name="checkpoint",
            field=models.JSONField(blank=True, default=dict, editable=False),
        ),
        migrations.AddField(
            model_name="feed",
            name="options",
            field=models.JSONField(
                blank=True,
                default=dict,
                help_text='The transport\'s settings (docs/sources.md). Credentials are named, never given: {"password_env": "PTI_FTP_PASSWORD"} or {"password_file": "/run/secrets/pti"}.',
            ),
        ),
        migrations.RunPython(forwards, migrations.RunPython.noop),
        migrations.RemoveField(model_name="feed", name="etag"),
        migrations.RemoveField(model_name="feed", name="last_modified"),
        migrations.RemoveField(model_name="feed", name="password"),
        migrations.RemoveField(model_name="feed", name="username"),
        migrations.AlterField(
            model_name="feed",
            name="location",
            field=models.CharField(
                help_text="A URL (http, ftp, ftps, sftp), or a folder path.", max_length=2000
            ),
        ),
        migrations.AlterField(
            model_name="feed",
            name="transport",
            field=models.CharField(
                choices=wiredesk.transports.base.transport_choices, max_length=16
            ),
        ),
    ]
