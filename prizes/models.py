"""Imports every model so that ``Base.metadata`` is complete (Alembic and tests read it)."""

from prizes.accounts.models import LoginEvent, RecoveryCode, Role, User, UserRole
from prizes.contest.models import Category, Edition
from prizes.core.audit import AuditEvent
from prizes.core.mail import OutgoingMail
from prizes.core.proof_of_work import UsedChallenge
from prizes.core.runs import JobRun
from prizes.disputes.models import Dispute, DisputeOpinion
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
from prizes.transparency.models import LogLeaf, LogNode, TreeHead
from prizes.voting.models import BallotEntry, IntegrityReview, SuspicionFlag, Vote, VotingRound

__all__ = [
    "AuditEvent",
    "BallotEntry",
    "Category",
    "ConflictDeclaration",
    "Decision",
    "Dispute",
    "DisputeOpinion",
    "Edition",
    "EntryActionLine",
    "EntryCountry",
    "EntrySdg",
    "ExpertAssignment",
    "ExpertInvitation",
    "Export",
    "ImportRun",
    "IntegrityReview",
    "JobRun",
    "LogLeaf",
    "LogNode",
    "LoginEvent",
    "Nomination",
    "NominationSdgLink",
    "OutgoingMail",
    "RecoveryCode",
    "Role",
    "RubricCriterion",
    "Score",
    "StocktakingEntry",
    "SuspicionFlag",
    "TreeHead",
    "UsedChallenge",
    "User",
    "UserRole",
    "Vote",
    "VotingRound",
]
