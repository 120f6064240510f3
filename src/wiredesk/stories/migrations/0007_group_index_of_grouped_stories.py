"""Index only grouped stories' group ids (a partial index).

The old index held every story's NULL; SQLite's statistics then said one
group id matched every story, and a group was read by scanning them all. The
old index is dropped by name rather than by altering the field, which on
SQLite would copy the whole story table.
"""

from django.db import migrations, models

OLD_INDEX = "stories_story_group_id_f56a46a2"


class Migration(migrations.Migration):
    dependencies = [
        ("sources", "0003_lifecycle"),
        ("stories", "0006_band_index"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            database_operations=[
                migrations.RunSQL(
                    f"DROP INDEX IF EXISTS {OLD_INDEX}",
                    f"CREATE INDEX {OLD_INDEX} ON stories_story (group_id)",
                )
            ],
            state_operations=[
                migrations.AlterField(
                    model_name="story",
                    name="group_id",
                    field=models.BigIntegerField(blank=True, null=True),
                )
            ],
        ),
        migrations.AddIndex(
            model_name="story",
            index=models.Index(
                condition=models.Q(("group_id__isnull", False)),
                fields=["group_id"],
                name="story_group",
            ),
        ),
    ]
