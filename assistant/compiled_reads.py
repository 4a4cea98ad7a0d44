"""A read whose SQL Django compiles once per process, for the queries of the hot path.

Django compiles a queryset's SQL again on every evaluation: it resolves the joins of
``select_related``, the annotations and their subqueries, and builds the column list and the
map from columns to model instances. For the reply turn's context read (one statement with two
JSON array subqueries, four models) that compile cost more CPU than PostgreSQL's answer, on
every customer message (issue 23: about 2 ms of a database thread's CPU per answer, a tenth of
the web process's). The statement does not change between calls, only the value it looks up,
so it is compiled once, with a stand-in value, and each call runs the same SQL with the real
value in the stand-in's place and builds the instances as ``QuerySet`` iteration does.

Only for querysets whose SQL depends on nothing but the models and the database (no ``now()``
computed in Python, no values that vary in number): the stand-in must appear exactly once in
the compiled parameters, which is checked.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Any, Generic, TypeVar

from django.db import connections, router
from django.db.models import Model, QuerySet
from django.db.models.query import get_related_populators
from django.db.models.sql.compiler import SQLCompiler

M = TypeVar("M", bound=Model)


class CompiledRead(Generic[M]):
    """``build(value)`` as a queryset, compiled on first use; `all(value)` and `first(value)`
    run it with another value in ``standin``'s place."""

    def __init__(self, build: Callable[[Any], QuerySet[M]], *, standin: Any) -> None:
        self._build = build
        self._standin = standin
        self._model: type[M] | None = None
        self._compiled: dict[str, tuple[SQLCompiler, str, list[Any], int]] = {}
        self._lock = threading.Lock()

    def all(self, value: Any) -> list[M]:
        compiler, sql, params, position = self._compile()
        params = [*params]
        params[position] = value
        # This thread's connection: the compiler keeps the one it was compiled on, which
        # belongs to another thread (Django refuses to share them); only its SQL, column map
        # and converters are reused.
        with connections[compiler.using].cursor() as cursor:
            cursor.execute(sql, params)
            rows = cursor.fetchall()
        return self._instances(compiler, rows)

    def first(self, value: Any) -> M | None:
        found = self.all(value)
        return found[0] if found else None

    def _compile(self) -> tuple[SQLCompiler, str, list[Any], int]:
        # The database is the router's choice for the model, as the queryset's own would be.
        alias = router.db_for_read(self._model) if self._model is not None else None
        compiled = self._compiled.get(alias) if alias is not None else None
        if compiled is None:
            with self._lock:
                queryset = self._build(self._standin)
                self._model, alias = queryset.model, queryset.db
                compiled = self._compiled.get(alias)
                if compiled is None:
                    compiled = self._compiled[alias] = self._compile_for(queryset, alias)
        return compiled

    def _compile_for(
        self, queryset: QuerySet[M], alias: str
    ) -> tuple[SQLCompiler, str, list[Any], int]:
        compiler = queryset.query.get_compiler(using=alias, connection=connections[alias])
        sql, params = compiler.as_sql()
        positions = [index for index, param in enumerate(params) if param == self._standin]
        if len(positions) != 1:
            raise ValueError(
                f"the stand-in value appears {len(positions)} times in the compiled query; "
                "a compiled read needs it exactly once"
            )
        return compiler, sql, list(params), positions[0]

    @staticmethod
    def _instances(compiler: SQLCompiler, rows: list[tuple[Any, ...]]) -> list[M]:
        """The model instances of ``rows``, as Django's ``ModelIterable`` builds them (the
        model's fields, its ``select_related`` models, its annotations), from the compiler's
        column map, which only these reads use after compiling (so threads share it)."""
        db = compiler.using
        select, klass_info = compiler.select, compiler.klass_info
        annotations = compiler.annotation_col_map or {}
        model = klass_info["model"]
        fields = klass_info["select_fields"]
        start, end = fields[0], fields[-1] + 1
        names = [column[0].target.attname for column in select[start:end]]
        related = get_related_populators(klass_info, select, db)
        instances = []
        for row in compiler.results_iter([list(rows)]):
            instance = model.from_db(db, names, row[start:end])
            for populator in related:
                populator.populate(row, instance)
            for name, position in annotations.items():
                setattr(instance, name, row[position])
            instances.append(instance)
        return instances
