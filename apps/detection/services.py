"""Detection's writes that pages and other apps call: the masking policy, suppression rules and
the vault. Light by design (no spaCy): the enrichment step lives in ``enrichment.py``."""

from __future__ import annotations

import logging
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from django.db import DatabaseError, connection, transaction
from psycopg import sql

from apps.accounts.permissions import can_edit_masking_policy
from apps.audit.services import settings_update_audited
from apps.core.exceptions import NotPermittedError
from apps.core.services import singleton_get
from apps.core.tenancy import current_schema
from apps.detection.models import MaskingPolicy, SensitiveFinding, SuppressionRule, VaultEntry

if TYPE_CHECKING:
    from apps.accounts.models import User

logger = logging.getLogger(__name__)


POLICY_FIELDS = ("actions", "case_threshold", "retention_days", "four_eyes_unmask")


def masking_policy_get() -> MaskingPolicy:
    """The organization's policy row, created with the defaults on first use."""
    return singleton_get(MaskingPolicy)


@transaction.atomic
def masking_policy_update(*, actor: User, changes: dict[str, Any]) -> MaskingPolicy:
    if not can_edit_masking_policy(actor):
        raise NotPermittedError("only admins and compliance may change the masking policy")
    policy = MaskingPolicy.objects.select_for_update().get(pk=masking_policy_get().pk)
    settings_update_audited(
        instance=policy,
        actor=actor,
        fields=POLICY_FIELDS,
        changes=changes,
        action="policy.update",
        what="policy fields",
    )
    return policy


# --- Suppression rules and the vault, written for compliance's decisions and retention ---------


@transaction.atomic
def suppression_rules_from_cases(*, actor: User, case_by_finding: dict[int, int], comment: str) -> int:
    """Suppress these findings' values (a false-positive decision): one rule per (type, value
    hash), pointing at the deciding review case, and the findings themselves marked suppressed.
    ``case_by_finding`` maps finding id to review case id. Returns how many findings were
    suppressed."""
    findings = SensitiveFinding.objects.filter(id__in=list(case_by_finding), suppressed=False)
    rules = {
        (f.type, f.value_hash): SuppressionRule(
            type=f.type,
            value_hash=f.value_hash,
            comment=comment,
            source_case_id=case_by_finding[f.pk],
            created_by=actor,
        )
        for f in findings.only("type", "value_hash")
    }
    SuppressionRule.objects.bulk_create(list(rules.values()), ignore_conflicts=True)
    return findings.update(suppressed=True)


def suppression_rules_unlink_cases(*, case_ids: Sequence[int]) -> int:
    """Forget deleted review cases as rule sources (what ``on_delete=SET_NULL`` did before the
    rules moved below compliance); the rules themselves stay in force."""
    if not case_ids:
        return 0
    return SuppressionRule.objects.filter(source_case_id__in=list(case_ids)).update(source_case_id=None)


def vault_entries_delete(*, entry_ids: Sequence[int]) -> int:
    """Delete vaulted originals (retention, erasure); findings pointing at them keep a null vault.

    A deleted row's ciphertext stays on disk as a dead tuple until the table is vacuumed, so a
    VACUUM of the vault follows the commit (docs/compliance.md, "Erasure and dead tuples").
    """
    if not entry_ids:
        return 0
    deleted = VaultEntry.objects.filter(pk__in=list(entry_ids)).delete()[0]
    if deleted:
        schema = current_schema()
        transaction.on_commit(lambda: vault_vacuum(schema=schema))
    return deleted


def vault_vacuum_statement(*, schema: str) -> sql.Composed:
    return sql.SQL("VACUUM {}.{}").format(sql.Identifier(schema), sql.Identifier(VaultEntry._meta.db_table))


def vault_vacuum(*, schema: str) -> bool:
    """Best effort: VACUUM the vault table so deleted originals do not linger as dead tuples.

    VACUUM cannot run inside a transaction block; called there (a caller's outer atomic block,
    a transaction-wrapped test) it is skipped and autovacuum remains the fallback. A failure is
    logged, never raised: the erasure itself has already committed.
    """
    if connection.in_atomic_block:
        logger.info("vault vacuum skipped: inside a transaction (autovacuum will reclaim) schema=%s", schema)
        return False
    try:
        with connection.cursor() as cursor:
            cursor.execute(vault_vacuum_statement(schema=schema))
    except DatabaseError as exc:
        logger.warning("vault vacuum failed schema=%s: %s", schema, type(exc).__name__)
        return False
    logger.info("vault vacuumed schema=%s", schema)
    return True
