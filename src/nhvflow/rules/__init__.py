"""Legal rules: each a small object with an id, Swedish and English titles, a
citation, its kind and status, a validity period, and a check.

``nhvflow.rules.nhv`` holds the rules of the law in force; the other regimes
keep theirs beside it.

.. versionadded:: 0.1
"""

from nhvflow.rules._base import (
    Facts,
    Kind,
    Refusal,
    Responsibility,
    Rule,
    RuleOutcome,
    Status,
    Step,
    refuse,
    responsible_party_rule,
    rule,
)

__all__ = [
    "Facts",
    "Kind",
    "Refusal",
    "Responsibility",
    "Rule",
    "RuleOutcome",
    "Status",
    "Step",
    "refuse",
    "responsible_party_rule",
    "rule",
]
