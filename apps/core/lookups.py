"""``field__any=[...]``: membership in a list as ONE array parameter (``col = ANY(%s)``).

``field__in=ids`` compiles one placeholder per value; with the thousand-odd ids of an
enrichment batch, building, quoting and (for a statement inlined as a subquery) re-parsing
those placeholders cost more Python time than PostgreSQL spends running the query
(tests/benchmarks/pipeline.py: ORM and psycopg query building were ~17 % of the enrichment
step's samples). ``__any`` sends the list as a single array, whatever its length. Same
semantics as ``__in`` for non-NULL values; an empty list matches nothing. Values are prepared
by the field (``get_db_prep_value``), as ``__in`` does, so a value the column cannot hold is
refused in Python (``ValueError``/``TypeError``), not by the database. A list of plain ``int``
for an integer column (ids, the common case) skips both the per-value preparation and
psycopg's per-element array dumping: it is sent as one array literal, ``'{1,2,3}'`` (1,500 ids:
2.1 → 0.5 ms of CPU per statement); an int the column type cannot hold is then refused by
PostgreSQL (``DataError``), as psycopg refused it before.
"""

from __future__ import annotations

from typing import Any

from django.db.models import Field, ForeignObject, Lookup

# Column types (as cast by the field, a foreign key by its target) whose array literal is
# nothing but decimal digits: ``bool`` is excluded by the ``type(v) is int`` test.
_INTEGER_TYPES = frozenset({"smallint", "integer", "bigint"})


class AnyLookup(Lookup):
    lookup_name = "any"
    prepare_rhs = False

    def get_db_prep_lookup(self, value: Any, connection: Any) -> tuple[str, Any]:
        field = self.lhs.output_field
        if isinstance(value, str | bytes) or not hasattr(value, "__iter__"):
            raise TypeError(f"__any needs a list of values, not {type(value).__name__}")
        values = list(value)
        if field.cast_db_type(connection) in _INTEGER_TYPES and all(type(v) is int for v in values):
            return "%s", ("{" + ",".join(map(str, values)) + "}",)
        prepared = [field.get_db_prep_value(v, connection, prepared=False) for v in values]
        return "%s", (prepared,)

    def as_sql(self, compiler: Any, connection: Any) -> tuple[str, Any]:
        lhs, lhs_params = self.process_lhs(compiler, connection)
        rhs, rhs_params = self.process_rhs(compiler, connection)
        cast = self.lhs.output_field.cast_db_type(connection)
        # The cast names the array's element type: an empty list or a list of Python ints would
        # otherwise reach PostgreSQL untyped or as the wrong integer width.
        return f"{lhs} = ANY(({rhs})::{cast}[])", (*lhs_params, *rhs_params)


def register() -> None:
    # Relations keep their own lookup registry (``RelatedIn``...), so both need it.
    Field.register_lookup(AnyLookup)
    ForeignObject.register_lookup(AnyLookup)
