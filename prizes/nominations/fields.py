"""What a nominator fills in, as one frozen object: forms build it, services take nothing else."""

from __future__ import annotations

from dataclasses import dataclass, field

from prizes.contest.models import Category
from prizes.nominations.models import ProjectStage


@dataclass(frozen=True)
class NominationFields:
    """What the nominator fills in; the form builds it, the services trust nothing else."""

    category: Category
    short_description: str = ""
    impact: str = ""
    partnerships: str = ""
    challenges: str = ""
    project_stage: ProjectStage | None = None
    link: str | None = None
    sdg_linkages: dict[int, str] = field(default_factory=dict)
