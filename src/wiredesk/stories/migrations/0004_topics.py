from django.db import migrations, models
from django.utils.text import slugify


def fill_topics(apps, schema_editor):
    Story = apps.get_model("stories", "Story")
    for story in Story.objects.only("pk", "subjects").iterator():
        slugs = sorted({slugify(s.get("name", "")) for s in story.subjects if s.get("name")} - {""})
        Story.objects.filter(pk=story.pk).update(topics=f"|{'|'.join(slugs)}|" if slugs else "")


class Migration(migrations.Migration):
    dependencies = [("stories", "0003_search")]
    operations = [
        migrations.AddField(
            model_name="story", name="topics", field=models.TextField(blank=True, default="")
        ),
        migrations.RunPython(fill_topics, migrations.RunPython.noop),
    ]
