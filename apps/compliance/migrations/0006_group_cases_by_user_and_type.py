"""Review cases grouped per (assistant, end user, finding type) instead of per conversation
(the schema; 0007 regroups the existing cases, 0008 enforces one case per group); auto-close
rules; saved queue views. Three migrations, because PostgreSQL will not alter a table (or build
the deferred indexes of this one) in the transaction that rewrote its rows."""

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("compliance", "0005_unmaskrequest_used_once"),
        ("conversations", "0004_conversation_dims"),
        ("detection", "0002_move_policy_vault_suppression_from_compliance"),
        ("registry", "0001_initial"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.AlterField(
            model_name="reviewcase",
            name="conversation",
            field=models.ForeignKey(
                on_delete=django.db.models.deletion.CASCADE,
                related_name="review_cases",
                to="conversations.conversation",
            ),
        ),
        migrations.AddField(
            model_name="reviewcase",
            name="user_id",
            field=models.CharField(default="", max_length=128),
            preserve_default=False,
        ),
        migrations.AddField(
            model_name="reviewcase",
            name="finding_type",
            field=models.CharField(default="", max_length=32),
            preserve_default=False,
        ),
        migrations.AddField(
            model_name="reviewcase", name="conversation_count", field=models.PositiveIntegerField(default=1)
        ),
        migrations.AddField(
            model_name="reviewcase", name="reviewable_count", field=models.PositiveIntegerField(default=0)
        ),
        migrations.CreateModel(
            name="AutoCloseRule",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                ("finding_type", models.CharField(max_length=32)),
                ("message_role", models.CharField(max_length=16)),
                (
                    "decision",
                    models.CharField(
                        choices=[("accepted_risk", "Accepted risk"), ("false_positive", "False positive")],
                        max_length=24,
                    ),
                ),
                ("comment", models.TextField()),
                ("created_at", models.DateTimeField(auto_now_add=True)),
                (
                    "assistant",
                    models.ForeignKey(
                        blank=True,
                        null=True,
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="+",
                        to="registry.assistant",
                    ),
                ),
                (
                    "created_by",
                    models.ForeignKey(
                        blank=True,
                        null=True,
                        on_delete=django.db.models.deletion.SET_NULL,
                        related_name="+",
                        to=settings.AUTH_USER_MODEL,
                    ),
                ),
            ],
            options={
                "ordering": ["finding_type", "message_role", "id"],
                "constraints": [
                    models.UniqueConstraint(
                        fields=("finding_type", "message_role", "assistant"),
                        name="autocloserule_uq",
                        nulls_distinct=False,
                    )
                ],
            },
        ),
        migrations.AddField(
            model_name="reviewcase",
            name="auto_rule",
            field=models.ForeignKey(
                blank=True,
                null=True,
                on_delete=django.db.models.deletion.SET_NULL,
                related_name="cases",
                to="compliance.autocloserule",
            ),
        ),
        migrations.CreateModel(
            name="SavedQueueView",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                ("name", models.CharField(max_length=80)),
                ("query", models.TextField()),
                ("created_at", models.DateTimeField(auto_now_add=True)),
                (
                    "user",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.CASCADE, related_name="+", to=settings.AUTH_USER_MODEL
                    ),
                ),
            ],
            options={
                "ordering": ["name"],
                "constraints": [models.UniqueConstraint(fields=("user", "name"), name="savedqueueview_name_uq")],
            },
        ),
    ]
