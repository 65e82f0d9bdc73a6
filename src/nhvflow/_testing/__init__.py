"""The implementation of :mod:`nhvflow.testing` (import from there)."""
