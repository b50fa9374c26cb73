"""``flask --app wsgi import-entries PATH``: load stocktaking entries from CSV or JSON."""

from __future__ import annotations

from pathlib import Path

import click
from flask import Flask
from sqlalchemy.exc import IntegrityError

from prizes.core.clock import now
from prizes.db import db
from prizes.stocktaking import importer
from prizes.stocktaking.search import refresh_index

# Below this many rows the import is over before a progress bar would tell anything.
PROGRESS_THRESHOLD = 200


def init_app(app: Flask) -> None:
    """Register the stocktaking commands."""

    @app.cli.command("import-entries")
    @click.argument("path", type=click.Path(exists=True, dir_okay=False, path_type=Path))
    @click.option(
        "--skip-invalid",
        is_flag=True,
        help="Import the good rows and list the bad ones, instead of importing nothing.",
    )
    def import_entries(path: Path, skip_invalid: bool) -> None:
        """Create or update stocktaking entries from PATH, a .csv or .json file.

        Entries are matched by external_id, so importing a file again updates them. Every
        row is checked before anything is written: by default one bad row means nothing is
        imported. The fields and formats are described in docs/importing.md.
        """
        if path.suffix.lower() not in importer.FORMATS:
            raise click.BadParameter(
                f"{path.name} is neither a .csv nor a .json file.", param_hint="PATH"
            )
        try:
            parsed = importer.read_entries(path)
        except importer.ImportFileError as error:
            raise click.ClickException(f"{path.name}: {error}") from error

        for problem in parsed.errors:
            click.echo(str(problem), err=True)
        skipped = parsed.bad_row_count
        if skipped and not skip_invalid:
            raise click.ClickException(
                f"{skipped} bad row(s) in {path.name}; nothing was imported. Fix them, or "
                "use --skip-invalid to import the other rows."
            )

        try:
            if len(parsed.rows) > PROGRESS_THRESHOLD:
                with click.progressbar(length=len(parsed.rows), label="Importing") as bar:
                    result = importer.apply_rows(
                        parsed.rows, source=path.name, now=now(), on_progress=bar.update
                    )
            else:
                result = importer.apply_rows(parsed.rows, source=path.name, now=now())
            db.session.commit()
        except IntegrityError as error:
            # Only a concurrent import of the same external ids gets here: the rows were checked.
            db.session.rollback()
            raise click.ClickException(
                "The database refused the import (is another import running?); "
                "nothing was imported."
            ) from error
        refresh_index()
        db.session.commit()
        click.echo(f"{result.created} created, {result.updated} updated, {skipped} skipped.")
