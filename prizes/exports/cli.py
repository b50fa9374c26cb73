"""``flask export-edition YEAR FILE`` and ``flask import-edition FILE``: a whole edition as
one JSON document, and back (see ``prizes.exports.archive``)."""

from __future__ import annotations

import json
from pathlib import Path

import click
from flask import Flask

from prizes.db import db
from prizes.exports import archive
from prizes.nominations.queries import get_edition_by_year


def init_app(app: Flask) -> None:
    @app.cli.command("export-edition")
    @click.argument("year", type=int)
    @click.argument("path", type=click.Path(dir_okay=False, path_type=Path))
    def export_edition(year: int, path: Path) -> None:
        """Write the edition of YEAR, with everything of it, to PATH as JSON."""
        edition = get_edition_by_year(year)
        if edition is None:
            raise click.ClickException(f"there is no edition {year}")
        path.write_text(json.dumps(archive.dump_edition(edition), ensure_ascii=False))
        click.echo(f"edition {year} written to {path}")

    @app.cli.command("import-edition")
    @click.argument("path", type=click.Path(exists=True, dir_okay=False, path_type=Path))
    def import_edition(path: Path) -> None:
        """Import an edition written by export-edition into a database that lacks it."""
        try:
            edition = archive.load_edition(json.loads(path.read_text(encoding="utf-8")))
        except (ValueError, archive.ArchiveError) as error:
            db.session.rollback()
            raise click.ClickException(f"{path.name}: {error}") from error
        db.session.commit()
        click.echo(f"edition {edition.year} imported")
