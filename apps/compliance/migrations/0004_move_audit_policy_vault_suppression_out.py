# The audit log moved to apps.audit, and the masking policy, the vault and suppression rules to
# apps.detection (issue 9). The rows stay where they are: each table is renamed to its new
# app's name (and the audit index to the name its new model expects), while the models leave
# compliance's state; audit 0001 and detection 0002 added them to their apps' state.

import django.db.models.deletion
from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('compliance', '0003_unmaskrequest_finding_unmaskrequest_requester_and_more'),
        ('audit', '0001_initial'),
        ('detection', '0002_move_policy_vault_suppression_from_compliance'),
    ]

    operations = [
        # Detection sits below compliance: a suppression rule keeps its source case as a plain id,
        # so the foreign key constraint to compliance_reviewcase goes (the column and index stay).
        migrations.AlterField(
            model_name='suppressionrule',
            name='source_case',
            field=models.ForeignKey(
                blank=True,
                db_constraint=False,
                null=True,
                on_delete=django.db.models.deletion.SET_NULL,
                related_name='+',
                to='compliance.reviewcase',
            ),
        ),
        migrations.SeparateDatabaseAndState(
            database_operations=[
                migrations.RenameIndex(
                    model_name='auditentry',
                    new_name='audit_audit_target__e2abcf_idx',
                    old_name='compliance__target__09d8bf_idx',
                ),
                migrations.AlterModelTable(name='auditentry', table='audit_auditentry'),
                migrations.AlterModelTable(name='maskingpolicy', table='detection_maskingpolicy'),
                migrations.AlterModelTable(name='vaultentry', table='detection_vaultentry'),
                migrations.AlterModelTable(name='suppressionrule', table='detection_suppressionrule'),
            ],
            state_operations=[
                migrations.RemoveField(model_name='auditentry', name='actor'),
                migrations.RemoveField(model_name='maskingpolicy', name='updated_by'),
                migrations.RemoveField(model_name='suppressionrule', name='created_by'),
                migrations.RemoveField(model_name='suppressionrule', name='source_case'),
                migrations.DeleteModel(name='VaultEntry'),
                migrations.DeleteModel(name='AuditEntry'),
                migrations.DeleteModel(name='MaskingPolicy'),
                migrations.DeleteModel(name='SuppressionRule'),
            ],
        ),
    ]
