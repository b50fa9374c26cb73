"""Provable fairness: the tamper-evident vote log of each round (RFC 9162 Merkle trees with
signed heads), its proofs and open-data file, and their verification."""

from __future__ import annotations

from flask import Flask


def init_app(app: Flask) -> None:
    from prizes.transparency import cli, signing, views

    signing.init_app(app)
    cli.init_app(app)
    views.init_app(app)
