"""Imports every model so that ``Base.metadata`` is complete (Alembic and tests read it)."""

from prizes.accounts.models import LoginEvent, RecoveryCode, Role, User, UserRole
from prizes.contest.models import Category, Edition
from prizes.core.audit import AuditEvent
from prizes.core.proof_of_work import UsedChallenge
from prizes.exports.models import Export
from prizes.nominations.models import Nomination, NominationSdgLink
from prizes.review.models import (
    ConflictDeclaration,
    Decision,
    ExpertAssignment,
    ExpertInvitation,
    RubricCriterion,
    Score,
)
from prizes.stocktaking.models import EntryActionLine, EntryCountry, EntrySdg, StocktakingEntry
from prizes.stocktaking.uploads import ImportRun
from prizes.voting.models import BallotEntry, SuspicionFlag, Vote, VotingRound

__all__ = [
    "AuditEvent",
    "BallotEntry",
    "Category",
    "ConflictDeclaration",
    "Decision",
    "Edition",
    "EntryActionLine",
    "EntryCountry",
    "EntrySdg",
    "ExpertAssignment",
    "ExpertInvitation",
    "Export",
    "ImportRun",
    "LoginEvent",
    "Nomination",
    "NominationSdgLink",
    "RecoveryCode",
    "Role",
    "RubricCriterion",
    "Score",
    "StocktakingEntry",
    "SuspicionFlag",
    "UsedChallenge",
    "User",
    "UserRole",
    "Vote",
    "VotingRound",
]
