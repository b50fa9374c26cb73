"""The voting tests' round with a ballot of three categories, for the disputes about it."""

from tests.voting.conftest import Contest, contest

__all__ = ["Contest", "contest"]
