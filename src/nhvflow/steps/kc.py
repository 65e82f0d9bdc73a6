"""Typed steps of the proposed competence-centre system (``"kc-proposal"``);
see :mod:`nhvflow.steps`.

.. versionadded:: 0.1
"""

from __future__ import annotations

from nhvflow.events import kc as _ev
from nhvflow.events import nhv as _nhv

__all__ = [
    "ApplyToEstablish",
    "AppointExpertGroup",
    "AssessSystemEffects",
    "Close",
    "DeliverBasis",
    "Establish",
    "Evaluate",
    "Submit",
    "Withdraw",
]

Submit = _ev.NeedDefined
"""``submit`` (step 1): an NPO defines the need for competence centres (a new case)."""
AppointExpertGroup = _nhv.ExpertGroupAppointed
"""``appoint_expert_group`` (step 2): Socialstyrelsen appoints the expert group."""
DeliverBasis = _ev.CentresAndTasksFixed
"""``deliver_basis`` (step 2): the expert group fixes the number of centres and their tasks."""
AssessSystemEffects = _ev.SystemEffectsAssessed
"""``assess_system_effects`` (step 3): Socialstyrelsen weighs the system effects."""
ApplyToEstablish = _ev.EstablishmentApplied
"""``apply_to_establish`` (step 4): a region applies to establish a competence centre."""
Establish = _ev.CentresEstablished
"""``establish`` (step 4): Socialstyrelsen establishes the centres and their financing."""
Evaluate = _ev.CentresEvaluated
"""``evaluate``: Socialstyrelsen evaluates the centres and their financing."""
Close = _ev.CentreProposalClosed
"""``close``: Socialstyrelsen closes the proposal before the centres are established."""
Withdraw = _ev.CentreProposalWithdrawn
"""``withdraw``: the NPO withdraws its proposal before the centres are established."""
