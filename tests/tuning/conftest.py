"""`descentlab tune` tests: a real PostgreSQL server for the shared-storage path."""

from __future__ import annotations

from tests.postgres import postgres_database, postgres_server, postgres_url

__all__ = ["postgres_database", "postgres_server", "postgres_url"]
