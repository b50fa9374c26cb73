"""``flask --app wsgi verify-log FILE``: check a downloaded vote log and recount it."""

from __future__ import annotations

import json
from pathlib import Path

import click
from flask import Flask

from prizes.transparency import verify


def init_app(app: Flask) -> None:
    app.cli.add_command(verify_log_command)
    app.cli.add_command(verify_results_command)


def load_json(path: Path, what: str) -> object:
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError) as error:
        raise click.ClickException(f"cannot read the {what} {path}: {error}") from None
    except json.JSONDecodeError as error:
        raise click.ClickException(
            f"the {what} {path} is not JSON (line {error.lineno}, column {error.colno}): "
            "it is truncated or damaged"
        ) from None


def public_key(key_file: Path | None) -> bytes:
    """The key a check is made with: the file given (PEM), else this installation's own."""
    from prizes.transparency import signing

    if key_file is None:
        return signing.public_pem().encode()
    try:
        return key_file.read_bytes()
    except OSError as error:
        raise click.ClickException(f"cannot read the key {key_file}: {error}") from None


@click.command("verify-log")
@click.argument("log_file", type=click.Path(path_type=Path))
@click.option(
    "--key",
    "key_file",
    type=click.Path(path_type=Path),
    help="The contest's public key (PEM); by default this installation's own.",
)
@click.option(
    "--head",
    "head_file",
    type=click.Path(path_type=Path),
    help="A signed head (JSON) to check the log against instead of the file's own.",
)
def verify_log_command(log_file: Path, key_file: Path | None, head_file: Path | None) -> None:
    """Check a vote log's leaves against a signed head and its signature, and recount."""
    document = load_json(log_file, "log")
    head = load_json(head_file, "head") if head_file else None
    if head is not None and not isinstance(head, dict):
        raise click.ClickException("the head file does not hold a head")
    key = public_key(key_file)
    report = verify.verify_log(document, key, head=head)
    for note in report.notes:
        click.echo(f"note: {note}")
    if not report.ok:
        for problem in report.problems:
            click.echo(f"MISMATCH: {problem}", err=True)
        raise click.ClickException("the log does not verify")
    click.echo(f"{report.leaves} leaves; the root matches the signed head.")
    click.echo("signature: " + ("verified" if report.signature_checked else "NOT checked"))
    click.echo("valid votes (category, nomination: votes):")
    for (category, nomination), count in sorted(report.valid.items()):
        click.echo(f"  {category}, {nomination}: {count}")
    for reason, count in sorted(report.invalidated.items()):
        click.echo(f"invalidated ({reason}): {count}")


@click.command("verify-results")
@click.argument("bundle_file", type=click.Path(path_type=Path))
@click.option(
    "--signature",
    "signature_file",
    type=click.Path(path_type=Path),
    help="The record's signature (record.sig.json) to check as well.",
)
@click.option(
    "--key",
    "key_file",
    type=click.Path(path_type=Path),
    help="The contest's public key (PEM); by default this installation's own.",
)
def verify_results_command(
    bundle_file: Path, signature_file: Path | None, key_file: Path | None
) -> None:
    """Recompute the tallies, shortlists, aggregated scores and ranks of a results record."""
    from prizes.transparency import bundle, signing

    document = load_json(bundle_file, "results record")
    if signature_file:
        seal = load_json(signature_file, "signature")
        key = public_key(key_file)
        sha = bundle.digest(document) if isinstance(document, dict) else ""
        signed = seal.get("sha256") if isinstance(seal, dict) else None
        if not isinstance(seal, dict) or signed != sha:
            raise click.ClickException(
                f"the record's SHA-256 is {sha}, the signature is over {signed}: "
                "the record was changed"
            )
        message = f"wsis-prizes-results/1\n{sha}\n".encode()
        if not signing.verify(key, message, str(seal.get("signature", ""))):
            raise click.ClickException("the record's signature does not verify with this key")
        click.echo(f"signature: verified (SHA-256 {sha})")
    problems = bundle.verify_bundle(document)
    if problems:
        for problem in problems:
            click.echo(f"MISMATCH: {problem}", err=True)
        raise click.ClickException(
            f"{len(problems)} published figures do not follow from the record"
        )
    click.echo("every tally, shortlist, aggregated score and rank follows from the record.")
