"""``python -m storage upgrade`` (the schema at the latest revision), ``current`` (the database's
revision and the latest), ``revision "message"`` (a new, empty revision file to fill in)."""
from __future__ import annotations

import sys

from alembic import command

import storage
from storage import migrate


def main(argv: list[str] | None = None) -> int:
    args = sys.argv[1:] if argv is None else argv
    if args[:1] == ["revision"] and len(args) == 2:
        command.revision(migrate.config(), message=args[1])
        return 0
    if args == ["upgrade"]:
        storage.engine()
        args = ["current"]
    if args == ["current"]:
        with storage.engine(migrate=False).connect() as conn:
            print(f"base : {migrate.current(conn) or 'aucune version'} ; dernière version : {migrate.head()}")
        return 0
    print(__doc__, file=sys.stderr)
    return 2


if __name__ == "__main__":
    raise SystemExit(main())
