"""``python -m nhvflow``: the ``nhvflow`` command (see :mod:`nhvflow.cli`)."""

from nhvflow.cli import main

if __name__ == "__main__":
    main(prog_name="nhvflow")
