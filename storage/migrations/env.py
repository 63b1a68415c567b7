"""Alembic's environment: runs on the connection storage.migrate hands over (never an ini file's URL)."""
from alembic import context

connection = context.config.attributes["connection"]
context.configure(connection=connection, render_as_batch=True, transaction_per_migration=True)
with context.begin_transaction():
    context.run_migrations()
