"""Story labels: a story's topics, sections and language, each in a list's order.

A topic's, a section's or a language's list walked every story newest first,
testing the story's `topics`, `sections` or `language` column, until it had a
page: for a rare one, most of the archive. Each has its own range of
`story_label_recent` now (stories/storage/labels.py).

The database keeps the labels, by triggers on the story table: every
statement that writes those columns (an agency's version, a desk's sections,
a backfill's multi-row insert, an UPDATE by hand) writes its labels with it,
and none can forget to. The stories already stored are labelled here.
A label's value: a topic's or a section's slug as the column has it between
its bars ("|world|korea|"); a language's primary subtag, lower-cased ("hi"
for "hi-IN" and "hi_IN").
"""

import django.db.models.deletion
from django.db import migrations, models

STORY, LABEL = "stories_story", "stories_storylabel"
COLUMNS = f"INSERT INTO {LABEL} (story_id, kind, value, first_published_at)"


def _sqlite_labels(row):
    """Return INSERT statements labelling the story `row` names ("NEW", or a FROM's alias)."""

    def slugs(column, kind):
        # Split on the bars by json_each: a trigger may hold no WITH (no recursive
        # split), and json_quote escapes whatever the column holds.
        array = f"'[' || replace(json_quote(trim({row}.{column}, '|')), '|', '\",\"') || ']'"
        return (
            f"{COLUMNS} SELECT DISTINCT {row}.id, '{kind}', part.value, {row}.first_published_at "
            f"FROM {'' if row == 'NEW' else f'{STORY} AS {row}, '}json_each({array}) AS part "
            "WHERE part.value <> ''"
        )

    tag = f"replace({row}.language, '_', '-')"
    language = f"lower(substr({tag}, 1, instr({tag} || '-', '-') - 1))"
    return [
        slugs("topics", "t"),
        slugs("sections", "s"),
        f"{COLUMNS} SELECT {row}.id, 'l', {language}, {row}.first_published_at "
        f"{'' if row == 'NEW' else f'FROM {STORY} AS {row} '}WHERE {language} <> ''",
    ]


CHANGED = " OR ".join(
    f"OLD.{column} IS NOT NEW.{column}"
    for column in ("topics", "sections", "language", "first_published_at")
)

SQLITE = [
    f"CREATE TRIGGER story_labels_insert AFTER INSERT ON {STORY} BEGIN "
    + "; ".join(_sqlite_labels("NEW"))
    + "; END",
    f"CREATE TRIGGER story_labels_update "
    f"AFTER UPDATE OF topics, sections, language, first_published_at ON {STORY} "
    f"WHEN {CHANGED} BEGIN DELETE FROM {LABEL} WHERE story_id = OLD.id; "
    + "; ".join(_sqlite_labels("NEW"))
    + "; END",
    f"CREATE TRIGGER story_labels_delete AFTER DELETE ON {STORY} "
    f"BEGIN DELETE FROM {LABEL} WHERE story_id = OLD.id; END",
]

POSTGRES = [
    # A story's labels from its columns: the triggers' and the filling's one definition.
    "CREATE OR REPLACE FUNCTION wiredesk_labels_of(topics text, sections text, language text) "
    "RETURNS TABLE (kind text, value text) LANGUAGE sql IMMUTABLE AS $$ "
    "SELECT DISTINCT 't', part FROM unnest(string_to_array(btrim(topics, '|'), '|')) AS part "
    "WHERE part <> '' "
    "UNION ALL SELECT DISTINCT 's', part FROM unnest(string_to_array(btrim(sections, '|'), '|')) "
    "AS part WHERE part <> '' "
    "UNION ALL SELECT 'l', lower(split_part(replace(language, '_', '-'), '-', 1)) "
    "WHERE lower(split_part(replace(language, '_', '-'), '-', 1)) <> '' $$",
    "CREATE OR REPLACE FUNCTION wiredesk_story_labels() RETURNS trigger LANGUAGE plpgsql AS $$ "
    "BEGIN "
    f"IF TG_OP <> 'INSERT' THEN DELETE FROM {LABEL} WHERE story_id = OLD.id; END IF; "
    f"IF TG_OP <> 'DELETE' THEN {COLUMNS} "
    "SELECT NEW.id, label.kind, label.value, NEW.first_published_at "
    "FROM wiredesk_labels_of(NEW.topics, NEW.sections, NEW.language) AS label; END IF; "
    "RETURN NULL; END $$",
    f"CREATE TRIGGER story_labels_insert AFTER INSERT ON {STORY} "
    "FOR EACH ROW EXECUTE FUNCTION wiredesk_story_labels()",
    f"CREATE TRIGGER story_labels_update "
    f"AFTER UPDATE OF topics, sections, language, first_published_at ON {STORY} "
    f"FOR EACH ROW WHEN ({CHANGED.replace(' IS NOT ', ' IS DISTINCT FROM ')}) "
    "EXECUTE FUNCTION wiredesk_story_labels()",
    f"CREATE TRIGGER story_labels_delete AFTER DELETE ON {STORY} "
    "FOR EACH ROW EXECUTE FUNCTION wiredesk_story_labels()",
]

POSTGRES_FILL = (
    f"{COLUMNS} SELECT story.id, label.kind, label.value, story.first_published_at "
    f"FROM {STORY} AS story, "
    "wiredesk_labels_of(story.topics, story.sections, story.language) AS label"
)

TRIGGERS = ("story_labels_insert", "story_labels_update", "story_labels_delete")


def forwards(apps, schema_editor):
    postgres = schema_editor.connection.vendor == "postgresql"
    for statement in POSTGRES if postgres else SQLITE:
        schema_editor.execute(statement)
    for statement in [POSTGRES_FILL] if postgres else _sqlite_labels("story"):
        schema_editor.execute(statement)


def backwards(apps, schema_editor):
    postgres = schema_editor.connection.vendor == "postgresql"
    for name in TRIGGERS:
        schema_editor.execute(f"DROP TRIGGER IF EXISTS {name}{f' ON {STORY}' if postgres else ''}")
    if postgres:
        schema_editor.execute("DROP FUNCTION IF EXISTS wiredesk_story_labels()")
        schema_editor.execute("DROP FUNCTION IF EXISTS wiredesk_labels_of(text, text, text)")


class Migration(migrations.Migration):
    dependencies = [
        ("stories", "0020_event_kind_translated"),
    ]

    operations = [
        migrations.CreateModel(
            name="StoryLabel",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                (
                    "kind",
                    models.CharField(
                        choices=[("t", "Topic"), ("s", "Section"), ("l", "Language")], max_length=1
                    ),
                ),
                ("value", models.TextField()),
                ("first_published_at", models.DateTimeField()),
                (
                    "story",
                    models.ForeignKey(
                        db_index=False,
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="labels",
                        to="stories.story",
                    ),
                ),
            ],
            options={
                "indexes": [
                    models.Index(
                        fields=["kind", "value", "-first_published_at", "-story"],
                        name="story_label_recent",
                    )
                ],
                "constraints": [
                    models.UniqueConstraint(
                        fields=("story", "kind", "value"), name="story_label_unique"
                    )
                ],
            },
        ),
        migrations.RunPython(forwards, backwards),
    ]
