"""nhvflow: the Swedish process for national highly specialised care
(nationell högspecialiserad vård, NHV) as guarded state transitions, with
every step in an append-only SQLite event log.

Quick start::

    import nhvflow
    from nhvflow import Actor, Region

    reg = nhvflow.open("nhv.sqlite")
    npo = Actor.npo("Reumatiska sjukdomar")
    case = reg.submit(
        npo, title="...", programme_area="Reumatiska sjukdomar", care_measures=["..."]
    )
    reg.allowed_triggers(case.id, Actor.socialstyrelsen())

Importing nhvflow configures nothing (no logging, no files).
"""

from nhvflow import errors
from nhvflow.engine import Registry
from nhvflow.engine import open_registry as open
from nhvflow.engine._deadlines import Due
from nhvflow.engine._decision import AppliedRule, Decision
from nhvflow.errors import *  # noqa: F403  (each name in errors.__all__, added below)
from nhvflow.model import (
    Actor,
    Case,
    Event,
    Expert,
    HealthcareRegion,
    PermitGrant,
    Region,
    Role,
    Violation,
)
from nhvflow.rules import Rule, RuleOutcome
from nhvflow.store._interface import VerifyReport

__version__ = "0.1.0.dev0"

__all__ = [
    "Actor",
    "AppliedRule",
    "Case",
    "Decision",
    "Due",
    "Event",
    "Expert",
    "HealthcareRegion",
    "PermitGrant",
    "Region",
    "Registry",
    "Role",
    "Rule",
    "RuleOutcome",
    "VerifyReport",
    "Violation",
    "__version__",
    "open",
]
__all__ += errors.__all__  # the errors, named once in nhvflow.errors
