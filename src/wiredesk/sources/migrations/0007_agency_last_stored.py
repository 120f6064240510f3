"""Agency.last_stored_at, filled from each agency's newest story."""

from django.db import migrations, models
from django.db.models import Max


def fill(apps, schema_editor):
    # Stories already stored count for near-duplicate grouping from the start.
    Agency = apps.get_model("sources", "Agency")
    Story = apps.get_model("stories", "Story")
    newest = Story.objects.values("agency_id").annotate(at=Max("created_at")).order_by()
    for row in newest:
        Agency.objects.filter(pk=row["agency_id"]).update(last_stored_at=row["at"])


class Migration(migrations.Migration):
    dependencies = [
        ("sources", "0006_desk"),
        ("stories", "0013_pg_search_vector"),
    ]

    operations = [
        migrations.AddField(
            model_name="agency",
            name="last_stored_at",
            field=models.DateTimeField(blank=True, editable=False, null=True),
        ),
        migrations.RunPython(fill, migrations.RunPython.noop),
    ]
