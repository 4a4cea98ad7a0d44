"""The channel dimension (issue 21): facts and rollups record whether a conversation came by
chat or by e-mail, so every dashboard figure can be filtered by channel.

Facts are kept (they outlive conversations deleted by retention) and get their conversation's
channel where it still exists; every fact written before e-mail existed is a chat. The rollup
rows are grouped differently now (every level also groups by channel), so they are emptied and
the watermark forgotten: the next refresh (the beat task, within a minute of the workers
starting) rebuilds them month by month, as a first run does, from the earliest fact on.
"""

from django.db import migrations, models

BACKFILL_FACTS = """
UPDATE analytics_conversationfact f SET channel = c.channel
FROM chat_conversation c WHERE c.id = f.conversation_id AND f.channel <> c.channel
"""
RESET_ROLLUPS = """
TRUNCATE analytics_conversationhourly, analytics_conversationdaily,
         analytics_modelcallhourly, analytics_modelcalldaily;
DELETE FROM analytics_rollupstate WHERE name = 'rollups';
"""


class Migration(migrations.Migration):
    dependencies = [
        ("analytics", "0001_initial"),
        ("chat", "0012_channel_subject_and_verified_email"),
    ]

    operations = [
        migrations.AddField(
            model_name="conversationfact",
            name="channel",
            field=models.CharField(default="chat", max_length=16),
        ),
        migrations.AddField(
            model_name="conversationdaily",
            name="channel",
            field=models.CharField(max_length=16, null=True),
        ),
        migrations.AddField(
            model_name="conversationhourly",
            name="channel",
            field=models.CharField(max_length=16, null=True),
        ),
        migrations.AddField(
            model_name="modelcalldaily",
            name="channel",
            field=models.CharField(max_length=16, null=True),
        ),
        migrations.AddField(
            model_name="modelcallhourly",
            name="channel",
            field=models.CharField(max_length=16, null=True),
        ),
        migrations.RunSQL(BACKFILL_FACTS, migrations.RunSQL.noop),
        # Either way the stored rows no longer match the levels in analytics/cube.py.
        migrations.RunSQL(RESET_ROLLUPS, RESET_ROLLUPS),
    ]
