"""What one step of a :class:`~nhvflow.testing.ProcessStateMachine` did:
:class:`StepOutcome` (public through :mod:`nhvflow.testing`)."""

from __future__ import annotations

from datetime import datetime
from typing import Any, Literal

import attrs

from nhvflow.errors import NhvflowError
from nhvflow.model import Actor, Case
from nhvflow.testing._steps import Intent

__all__ = ["Action", "StepOutcome"]

Action = Literal["submit", "fire", "complete_mapping"]


@attrs.frozen(eq=False)
class StepOutcome:
    """What one step of the machine did: the action (``"submit"``,
    ``"fire"`` or ``"complete_mapping"``), the case (``None`` for the
    mapping), trigger, actor, payload, business time and the intent it was
    drawn with; the case before and after (``None`` where there is none), and
    the error when the step was refused.

    .. versionadded:: 0.1
    """

    action: Action
    case_id: str | None
    trigger: str
    actor: Actor
    payload: dict[str, Any]
    at: datetime
    intent: Intent
    before: Case | None
    after: Case | None
    error: NhvflowError | None = None

    @property
    def accepted(self) -> bool:
        """Whether the step was accepted (no error)."""
        return self.error is None
