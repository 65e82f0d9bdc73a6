"""Events: one frozen class per fact the log records, each with a schema
version, the payload fields a step takes, and how it folds into a case's
``data``.

Event classes double as the payload schema of their trigger: ``fire(...,
units=3)`` builds :class:`NhvDecided` through :func:`nhvflow._payload.parse`,
and reading the log builds it again from the stored JSON the same way. Older
stored shapes are turned into the current class by the class's
``upcasters`` (from-version -> function), applied in order on read.

``nhvflow.events.nhv`` holds the events of the law in force; the other
regimes keep theirs beside it.

.. versionadded:: 0.1
"""

from nhvflow.events._base import Fact, Meta, Upcaster, iso, upcast
from nhvflow.events.nhv import (
    GENERAL_DUTY_RULE,
    REVOCATION_GROUNDS,
    SPECIAL_CONDITIONS_RULE,
    BasisDelivered,
    CasePreparedForBoard,
    ClosedNotEligible,
    ConsultationClosed,
    ConsultationOpened,
    ExpertGroupAppointed,
    FollowUpReported,
    MappingCompleted,
    NhvDecided,
    PermitApplied,
    PermitRevoked,
    PermitsEvaluated,
    PermitsGranted,
    PilotDesignated,
    ProposalRejected,
    ProposalSubmitted,
    ProposalWithdrawn,
    ReferredBack,
    RevocationRequested,
)

__all__ = [
    "GENERAL_DUTY_RULE",
    "REVOCATION_GROUNDS",
    "SPECIAL_CONDITIONS_RULE",
    "BasisDelivered",
    "CasePreparedForBoard",
    "ClosedNotEligible",
    "ConsultationClosed",
    "ConsultationOpened",
    "ExpertGroupAppointed",
    "Fact",
    "FollowUpReported",
    "MappingCompleted",
    "Meta",
    "NhvDecided",
    "PermitApplied",
    "PermitRevoked",
    "PermitsEvaluated",
    "PermitsGranted",
    "PilotDesignated",
    "ProposalRejected",
    "ProposalSubmitted",
    "ProposalWithdrawn",
    "ReferredBack",
    "RevocationRequested",
    "Upcaster",
    "iso",
    "upcast",
]
