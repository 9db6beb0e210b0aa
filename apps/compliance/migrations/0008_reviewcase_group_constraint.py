"""The old per-conversation list of types goes, and one case per (assistant, end user, type) is
enforced, after 0007 regrouped the rows."""

from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [("compliance", "0007_regroup_review_cases")]

    operations = [
        migrations.RemoveField(model_name="reviewcase", name="finding_types"),
        migrations.AddConstraint(
            model_name="reviewcase",
            constraint=models.UniqueConstraint(
                fields=("assistant", "user_id", "finding_type"), name="reviewcase_group_uq"
            ),
        ),
        migrations.AddIndex(
            model_name="reviewcase",
            index=models.Index(fields=["user_id", "finding_type"], name="reviewcase_user_type"),
        ),
    ]
