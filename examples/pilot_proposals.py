"""The pilot proposals on Socialstyrelsen's page, through all eight steps.

Three programme areas listed on the seed page (Kvinnosjukdomar och
förlossning and Nervsystemets sjukdomar, marked as pilots, and Psykisk
hälsa) each take one proposal from the NPO's proposal (step 1) to permits
(step 7) and a first follow-up and evaluation (step 8). NPO Reumatiska
sjukdomar's advisory-only competence-centre proposal is refused at the
decision, with the rule and its citation, and closed as not eligible.

Run it with ``make demo``, ``nhvflow demo [PATH]`` or
``python examples/pilot_proposals.py [PATH]``; it writes the log to
``demo.sqlite`` (or PATH) and prints an account. The story itself lives in
``nhvflow.cli._demo`` so that the ``nhvflow demo`` command tells the same one.
"""

from __future__ import annotations

import sys
import warnings
from pathlib import Path

import nhvflow
from nhvflow.cli._demo import run

if __name__ == "__main__":
    # nhvflow logs to the standard logger "nhvflow", silent unless the
    # application configures logging. This demo is the only writer of a file
    # of its own, so the warning about several writers does not apply.
    warnings.filterwarnings("ignore", category=nhvflow.SQLiteVersionWarning)
    sys.exit(run(Path(sys.argv[1] if len(sys.argv) > 1 else "demo.sqlite")))
