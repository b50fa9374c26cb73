"""Questions a package asks that a package above it answers, so that imports run one way.

A package low in the order (stocktaking, say) sometimes needs a fact that only a package above
it knows (whether an entry is nominated). Instead of importing upward, it names the question
as a :class:`Hook` and calls it; the package that knows registers its answer when the app is
made (its ``init_app``). A hook nobody answered fails loudly, unless it was given a default::

    entry_is_locked: Hook[[StocktakingEntry], bool] = Hook("entry_is_locked")
    ...
    entry_is_locked.answer_with(is_entry_nominated)  # in nominations' init_app
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Generic, ParamSpec, TypeVar

P = ParamSpec("P")
R = TypeVar("R")


class Unanswered(RuntimeError):
    """A hook was asked before the package that answers it was set up."""


class Hook(Generic[P, R]):
    """One question, one answer: registering again replaces the answer (each app made in a
    test registers the same function again)."""

    def __init__(self, name: str, default: Callable[P, R] | None = None) -> None:
        self.name = name
        self._answer = default

    def answer_with(self, answer: Callable[P, R]) -> Callable[P, R]:
        self._answer = answer
        return answer

    def __call__(self, *args: P.args, **kwargs: P.kwargs) -> R:
        if self._answer is None:
            raise Unanswered(f"nobody answers the hook {self.name!r}: is its package set up?")
        return self._answer(*args, **kwargs)
