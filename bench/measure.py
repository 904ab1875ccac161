"""Timing the service functions the pages call, and the query plans behind them.

Each call gets its own Session, as state/base.py:call_service gives every page event one. The SQL of a call is
captured from SQLAlchemy (the statement objects, compiled with literal binds) and explained on PostgreSQL with
EXPLAIN (ANALYZE, BUFFERS), so the plans recorded are those of the queries the service really sends.
"""

from __future__ import annotations

import contextlib
import statistics
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass

from sqlalchemy import event
from sqlalchemy.engine import Engine
from sqlalchemy.sql import Select
from sqlalchemy.sql.elements import ClauseElement
from sqlmodel import Session


@dataclass(frozen=True)
class Timing:
    name: str
    samples: int
    p50_ms: float
    p95_ms: float
    p99_ms: float
    target_ms: float | None = None

    @property
    def met(self) -> bool | None:
        return None if self.target_ms is None else self.p95_ms <= self.target_ms


def summarize(name: str, seconds: list[float], target_ms: float | None = None) -> Timing:
    ms = sorted(s * 1000 for s in seconds)
    cuts = statistics.quantiles(ms, n=100, method="inclusive")
    return Timing(name, len(ms), cuts[49], cuts[94], cuts[98], target_ms)


def time_calls(engine: Engine, calls: list[Callable[[Session], object]]) -> list[float]:
    """Seconds per call, each call in a fresh Session on `engine`."""
    seconds = []
    for call in calls:
        started = time.perf_counter()
        with Session(engine) as db:
            call(db)
        seconds.append(time.perf_counter() - started)
    return seconds


@contextlib.contextmanager
def captured_selects(engine: Engine) -> Iterator[list[ClauseElement]]:
    """The SELECT statements executed on `engine` inside the block, with their parameters bound in."""
    found: list[ClauseElement] = []

    def before_execute(conn, clauseelement, multiparams, params, execution_options):  # noqa: ANN001
        if isinstance(clauseelement, Select):
            bound = params or (multiparams[0] if multiparams and isinstance(multiparams[0], dict) else None)
            found.append(clauseelement.params(bound) if bound else clauseelement)

    event.listen(engine, "before_execute", before_execute)
    try:
        yield found
    finally:
        event.remove(engine, "before_execute", before_execute)


def literal_sql(engine: Engine, statement: ClauseElement) -> str:
    sql = str(statement.compile(dialect=engine.dialect, compile_kwargs={"literal_binds": True}))
    # psycopg's paramstyle makes the compiler double every % of a literal (LIKE patterns); there are no parameters.
    return sql.replace("%%", "%")


def explain(engine: Engine, statement: ClauseElement) -> tuple[str, str]:
    """(the SQL with literal values, its EXPLAIN (ANALYZE, BUFFERS) text) on PostgreSQL."""
    sql = literal_sql(engine, statement)
    with engine.connect() as conn:
        cursor = conn.connection.dbapi_connection.cursor()
        with cursor:
            cursor.execute(f"EXPLAIN (ANALYZE, BUFFERS) {sql}")
            plan = "\n".join(row[0] for row in cursor.fetchall())
        conn.rollback()
    return sql, plan
