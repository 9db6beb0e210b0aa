"""One writer per table: a table's name appears as a literal only in the app that owns it.

Other apps write it through the owner's services and, when they must read it in raw SQL, compose
the name from the model (``psycopg.sql.Identifier(Model._meta.db_table)``). The table names and
their owners come from Django's app registry, so a new model is covered without editing this test.
"""

from __future__ import annotations

import ast
import re
from collections.abc import Iterator
from pathlib import Path

from django.apps import apps as django_apps

APPS_DIR = Path(__file__).resolve().parents[2] / "apps"


def _owners() -> dict[str, str]:
    """db table → folder of the owning app under ``apps/`` (e.g. ``conversations``)."""
    owners = {}
    for model in django_apps.get_models(include_auto_created=True):
        package = model._meta.app_config.name
        if package.startswith("apps."):
            owners[model._meta.db_table] = package.split(".")[1]
    return owners


def _strings(source: str) -> Iterator[tuple[int, str]]:
    """Every string literal of a module (f-string parts included) with its line."""
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Constant) and isinstance(node.value, str):
            yield node.lineno, node.value


def foreign_table_literals(source: str, *, app: str, owners: dict[str, str]) -> list[tuple[int, str]]:
    """(line, table) of each literal in ``source`` (a module of ``app``) naming another app's table."""
    pattern = re.compile(r"\b(" + "|".join(sorted(map(re.escape, owners), key=len, reverse=True)) + r")\b")
    return sorted(
        (line, table) for line, text in _strings(source) for table in pattern.findall(text) if owners[table] != app
    )


def test_registry_knows_the_tables_this_test_guards() -> None:
    owners = _owners()
    assert owners["conversations_message"] == "conversations"
    assert owners["ingestion_rawevent"] == "ingestion"
    assert owners["nlp_intent"] == "nlp"


def test_the_scan_finds_a_foreign_table_in_sql_docstrings_and_fstrings() -> None:
    owners = _owners()
    source = '''
"""Writes ingestion_rawevent."""
SQL = "UPDATE conversations_message m SET content = v.content"
OWN = "SELECT 1 FROM detection_sensitivefinding"
NOT_A_TABLE = "conversations_score(conversation_ids=ids) and conversations_messages"
def f(t):
    return f"DELETE FROM nlp_intent WHERE id = {t}"
'''
    assert foreign_table_literals(source, app="detection", owners=owners) == [
        (2, "ingestion_rawevent"),
        (3, "conversations_message"),
        (7, "nlp_intent"),
    ]


def test_no_module_names_another_apps_table() -> None:
    owners = _owners()
    offences = []
    for path in sorted(APPS_DIR.rglob("*.py")):
        relative = path.relative_to(APPS_DIR)
        if "migrations" in relative.parts:
            continue  # migrations describe their own app's schema, and Django writes them
        found = foreign_table_literals(path.read_text(), app=relative.parts[0], owners=owners)
        offences += [f"apps/{relative}:{line} names {table} (owned by apps/{owners[table]})" for line, table in found]
    assert offences == []
