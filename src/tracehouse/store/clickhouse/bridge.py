"""Relational reads answered by ClickHouse: a SQLAlchemy Core `select` over the trace tables,
compiled to SQL ClickHouse reads, each trace table replaced by the latest version of its rows
in the project (`schema.latest`, never `FINAL`).

The readers outside the trace API (UI chips, evaluators, Langfuse reads, prompt and skill
usage, …) keep their one query: it runs on the relational database, or through `rows` here
when `dispatch.of(conn)` names a ClickHouse. A query may join trace tables with each other,
never with a relational table (those live in another database): such readers split their
query in two.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, Any

from sqlalchemy import Column, Connection, Select
from sqlalchemy.dialects.postgresql.base import PGCompiler, PGDialect
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.sql import operators
from sqlalchemy.sql.elements import BinaryExpression, BindParameter, BooleanClauseList

from tracehouse.store.clickhouse import dispatch
from tracehouse.store.clickhouse.schema import SPECS, latest
from tracehouse.store.jsonkey import JsonKey

if TYPE_CHECKING:
    from tracehouse.store.clickhouse.client import ClickHouse

_TYPES = {bool: "Bool", int: "Int64", float: "Float64", str: "String", bytes: "String"}
#: SQL's meanings where ClickHouse's differ: outer joins give NULLs, a bare UNION is DISTINCT.
_SETTINGS = {"join_use_nulls": 1, "union_default_mode": "DISTINCT"}
_PARAM = re.compile(r"(?<![:\w]):(\w+)")


class _Compiler(PGCompiler):
    """PostgreSQL's SQL, less what ClickHouse spells otherwise."""

    def visit_like_op_binary(self, binary: Any, operator: Any, **kw: Any) -> str:
        return self._like(binary, "LIKE", **kw)

    def visit_not_like_op_binary(self, binary: Any, operator: Any, **kw: Any) -> str:
        return self._like(binary, "NOT LIKE", **kw)

    def visit_ilike_op_binary(self, binary: Any, operator: Any, **kw: Any) -> str:
        return self._like(binary, "ILIKE", **kw)

    def visit_not_ilike_op_binary(self, binary: Any, operator: Any, **kw: Any) -> str:
        return self._like(binary, "NOT ILIKE", **kw)

    def visit_table(self, table: Any, *args: Any, **kw: Any) -> str:
        """A trace table in a FROM: the latest version of its rows in the project."""
        scope = kw.get("clickhouse")
        asfrom = kw.get("asfrom", args[0] if args else False)
        if not asfrom or table.name not in SPECS:
            return str(super().visit_table(table, *args, **kw))  # type: ignore[no-untyped-call]
        if scope is None:
            raise RuntimeError("a trace table outside a ClickHouse query")
        where = " AND ".join([f"project_rowid = {scope['project_rowid']}", *self._keyed(table, kw)])
        return f"({latest(scope['layout'], table.name, where)}) AS {table.name}"

    def _keyed(self, table: Any, kw: dict[str, Any]) -> list[str]:
        """The top-level WHERE's conditions on the table's key columns (`id = …`,
        `id IN (…)`), to narrow the latest-version subquery too: no version of a row changes
        them, and the outer WHERE still applies, so the answer is the same, read faster."""
        where = getattr(self.statement, "whereclause", None)
        if where is None or len(self.stack) != 1:
            return []
        keys = SPECS[table.name].order_by[1:]
        rendered = {k: v for k, v in kw.items() if k not in ("asfrom", "from_linter")}
        return [
            self.process(clause, **rendered)
            for clause in _conjuncts(where)
            if isinstance(clause, BinaryExpression)
            and clause.operator in (operators.eq, operators.in_op)
            and isinstance(clause.left, Column)
            and clause.left.table is table
            and clause.left.name in keys
            and isinstance(clause.right, BindParameter)
        ]

    def _like(self, binary: Any, word: str, **kw: Any) -> str:
        # ClickHouse's LIKE always escapes with `\` (the escape our filters use) and has
        # no ESCAPE clause
        escape = binary.modifiers.get("escape")
        if escape not in (None, "\\"):
            raise NotImplementedError(f"LIKE ... ESCAPE {escape!r} on ClickHouse")
        left = self.process(binary.left, **kw)
        return f"{left} {word} {self.process(binary.right, **kw)}"


class _Dialect(PGDialect):
    name = "clickhouse"
    statement_compiler = _Compiler
    paramstyle = "named"


_DIALECT = _Dialect(paramstyle="named")  # type: ignore[no-untyped-call]


def _conjuncts(where: Any) -> list[Any]:
    if isinstance(where, BooleanClauseList) and where.operator is operators.and_:
        return list(where.clauses)
    return [where]


@compiles(JsonKey, "clickhouse")
def _json_key(element: JsonKey, compiler: Any, **kw: Any) -> str:
    """`JsonKey` on ClickHouse: NULL unless the text is an object holding the key; a string as
    itself, other values as their JSON (as PostgreSQL's `->>`); as a number, numbers only."""
    column = f"coalesce({compiler.process(element.column, **kw)}, '')"
    key = compiler.process(element.json_key, **kw)
    kind = f"JSONType({column}, {key})"
    if element.number:
        return (
            f"if({kind} IN ('Int64', 'UInt64', 'Double'), JSONExtractFloat({column}, {key}), NULL)"
        )
    return (
        f"multiIf(NOT isValidJSON({column}) OR {kind} = 'Null', NULL, "
        f"{kind} = 'String', JSONExtractString({column}, {key}), JSONExtractRaw({column}, {key}))"
    )


class Record(tuple[Any, ...]):
    """A result row as SQLAlchemy's `Row` reads: by position, by attribute, `_mapping`."""

    _fields: tuple[str, ...]

    def __new__(cls, values: tuple[Any, ...], fields: tuple[str, ...]) -> Record:
        record = super().__new__(cls, values)
        record._fields = fields
        return record

    def __getattr__(self, name: str) -> Any:
        try:
            return self[self._fields.index(name)]
        except ValueError:
            raise AttributeError(name) from None

    @property
    def _mapping(self) -> dict[str, Any]:
        return dict(zip(self._fields, self, strict=True))


def compile_query(
    ch: ClickHouse, query: Select[Any], project_rowid: int
) -> tuple[str, dict[str, Any]]:
    """The ClickHouse SQL of `query` and its parameters (`{name:Type}`, bound server side)."""
    scope = {"layout": ch.layout, "project_rowid": int(project_rowid)}
    compiled = query.compile(
        dialect=_DIALECT, compile_kwargs={"render_postcompile": True, "clickhouse": scope}
    )
    params = dict(compiled.params)
    sql = _PARAM.sub(lambda m: _placeholder(m.group(1), params[m.group(1)]), compiled.string)
    return sql, params


def _placeholder(name: str, value: Any) -> str:
    if value is None:
        return f"{{{name}:Nullable(String)}}"
    return f"{{{name}:{_TYPES[type(value)]}}}"


def rows(ch: ClickHouse, query: Select[Any], project_rowid: int) -> list[Record]:
    """The rows of `query` (over trace tables only) on ClickHouse, as SQLAlchemy gives them."""
    sql, params = compile_query(ch, query, project_rowid)
    result = ch.client.query(sql, parameters=params, settings=_SETTINGS)
    fields = tuple(query.selected_columns.keys())
    return [Record(tuple(row), fields) for row in result.result_rows]


def mappings(ch: ClickHouse, query: Select[Any], project_rowid: int) -> list[dict[str, Any]]:
    return [row._mapping for row in rows(ch, query, project_rowid)]


def scalar(ch: ClickHouse, query: Select[Any], project_rowid: int) -> Any:
    found = rows(ch, query, project_rowid)
    return found[0][0] if found else None


def read(conn: Connection, query: Select[Any], project_rowid: int) -> list[Any]:
    """The rows of a query over the trace tables of one project, from the engine holding them:
    the relational database, or ClickHouse (`dispatch.of`). Rows read by position, attribute
    and `_mapping` on both."""
    if (ch := dispatch.of(conn)) is not None:
        return list(rows(ch, query, project_rowid))
    return list(conn.execute(query))


def read_mappings(conn: Connection, query: Select[Any], project_rowid: int) -> list[Any]:
    """`read` as mappings (`conn.execute(query).mappings()`)."""
    if (ch := dispatch.of(conn)) is not None:
        return mappings(ch, query, project_rowid)
    return list(conn.execute(query).mappings())


def read_scalar(conn: Connection, query: Select[Any], project_rowid: int) -> Any:
    """`read`'s first column of the first row (None without rows)."""
    if (ch := dispatch.of(conn)) is not None:
        return scalar(ch, query, project_rowid)
    return conn.execute(query).scalar()
