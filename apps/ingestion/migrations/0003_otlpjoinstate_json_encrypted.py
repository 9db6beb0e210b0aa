"""OTLP join state: encrypted JSON instead of pickle, with what erasure and retention need.

Existing rows are dropped, not converted: converting would mean unpickling them, which is the
code-execution risk this removes. They are transient (at most OTLP_JOIN_TTL_SECONDS, one hour by
default): a log record parked just before the upgrade whose span arrives after it is not joined.
"""

import django.db.models.deletion
import django.utils.timezone
from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ("ingestion", "0002_otlpjoinstate"),
        ("registry", "0002_assistant_apikey_releaseannotation_and_more"),
    ]

    operations = [
        migrations.RunSQL("DELETE FROM ingestion_otlpjoinstate", reverse_sql=migrations.RunSQL.noop),
        migrations.RemoveField(model_name="otlpjoinstate", name="value"),
        migrations.AddField(
            model_name="otlpjoinstate",
            name="assistant",
            field=models.ForeignKey(
                db_index=False,
                default=0,
                on_delete=django.db.models.deletion.CASCADE,
                related_name="+",
                to="registry.assistant",
            ),
            preserve_default=False,
        ),
        migrations.AddField(
            model_name="otlpjoinstate",
            name="trace_id",
            field=models.CharField(default="", max_length=32),
            preserve_default=False,
        ),
        migrations.AddField(
            model_name="otlpjoinstate",
            name="user_hash",
            field=models.CharField(blank=True, db_index=True, max_length=64),
        ),
        migrations.AddField(
            model_name="otlpjoinstate",
            name="payload",
            field=models.TextField(default=""),
            preserve_default=False,
        ),
        migrations.AddField(
            model_name="otlpjoinstate",
            name="created_at",
            field=models.DateTimeField(auto_now_add=True, default=django.utils.timezone.now),
            preserve_default=False,
        ),
        migrations.AddIndex(
            model_name="otlpjoinstate",
            index=models.Index(fields=["assistant", "trace_id"], name="otlpjoin_trace_idx"),
        ),
    ]
