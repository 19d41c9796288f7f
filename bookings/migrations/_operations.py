"""Migration operations that exist only on Postgres (the production database).

Modelled on django.contrib.postgres.operations.CreateExtension: on any other
database they do nothing, so SQLite (the embedded default) still migrates.
"""

from django.db import router
from django.db.migrations.operations import RunSQL


class PostgresOnlyRunSQL(RunSQL):
    """RunSQL that runs on Postgres and is a no-op elsewhere."""

    def _applies(self, app_label: str, schema_editor) -> bool:
        return schema_editor.connection.vendor == "postgresql" and router.allow_migrate(
            schema_editor.connection.alias, app_label
        )

    def database_forwards(self, app_label, schema_editor, from_state, to_state) -> None:
        if self._applies(app_label, schema_editor):
            super().database_forwards(app_label, schema_editor, from_state, to_state)

    def database_backwards(self, app_label, schema_editor, from_state, to_state) -> None:
        if self._applies(app_label, schema_editor):
            super().database_backwards(app_label, schema_editor, from_state, to_state)

    def describe(self) -> str:
        return "Raw SQL on PostgreSQL only"
