"""Bringing a hub database made before schools were tenants up to date, in place, on every open.

``create_tables(safe=True)`` adds missing tables but never missing columns, so
an existing single-school hub would fail on its first query. Every row it
holds belongs to the implicit school (""), which is the new column's default.
The report's counts and slots are a cache recounted from the records: they
are dropped and rebuilt rather than converted.
"""
from __future__ import annotations

from peewee import Database
from playhouse.migrate import SchemaMigrator, migrate

from ..models import Board, Claim, ConsoleUser, EnrollmentToken, Notice, ReportCount, ReportSlot, SchoolData

TENANT_MODELS = (Board, Claim, ConsoleUser, EnrollmentToken, Notice)
CACHE_MODELS = (ReportCount, ReportSlot)


def _has_school(db: Database, model) -> bool:
    return "school" in {c.name for c in db.get_columns(model._meta.table_name)}


def add_school_columns(db: Database) -> list[str]:
    """Add the ``school`` column where it is missing; returns the tables changed (empty when up to date)."""
    changed = []
    migrator = SchemaMigrator.from_database(db)
    with db.atomic():
        for model in TENANT_MODELS:
            if not _has_school(db, model):
                table = model._meta.table_name
                migrate(migrator.add_column(table, "school", model.school), migrator.add_index(table, ("school",)))
                changed.append(table)
        stale = [m for m in CACHE_MODELS if not _has_school(db, m)]
        if stale:
            db.drop_tables(stale)
            db.create_tables(stale)
            SchoolData.delete().where(SchoolData.key == "report.tally").execute()  # recount from the records
            changed += [m._meta.table_name for m in stale]
    return changed
