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

from nhvflow.engine import Registry
from nhvflow.engine import open_registry as open
from nhvflow.engine._deadlines import Due
from nhvflow.engine._decision import AppliedRule, Decision
from nhvflow.errors import (
    ConcurrencyConflict,
    DefinitionError,
    IdempotencyConflict,
    IntegrityError,
    InvalidPayload,
    InvalidTrigger,
    LogFormatError,
    NhvflowError,
    NhvflowWarning,
    NotAuthorised,
    ReadOnlyLog,
    SQLiteVersionWarning,
    StoreBusy,
    StoreError,
    TransitionDenied,
    UnknownCase,
)
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

# The errors of nhvflow.errors are named here again, not added from its
# __all__: mypy --strict re-exports only the names of a literal list
# (tests/typing checks that the two lists agree).
__all__ = [
    "Actor",
    "AppliedRule",
    "Case",
    "ConcurrencyConflict",
    "Decision",
    "DefinitionError",
    "Due",
    "Event",
    "Expert",
    "HealthcareRegion",
    "IdempotencyConflict",
    "IntegrityError",
    "InvalidPayload",
    "InvalidTrigger",
    "LogFormatError",
    "NhvflowError",
    "NhvflowWarning",
    "NotAuthorised",
    "PermitGrant",
    "ReadOnlyLog",
    "Region",
    "Registry",
    "Role",
    "Rule",
    "RuleOutcome",
    "SQLiteVersionWarning",
    "StoreBusy",
    "StoreError",
    "TransitionDenied",
    "UnknownCase",
    "VerifyReport",
    "Violation",
    "__version__",
    "open",
]
