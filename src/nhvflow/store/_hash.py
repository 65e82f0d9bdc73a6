"""The chain hash of one event: SHA-256 of the previous event's hash
followed by the event's canonical encoding. Every event nhvflow reads back is
checked against it (:func:`~nhvflow.store._interface.stored_event`), and
:class:`~nhvflow.store._chain.ChainCheck` walks the whole chain with it; the
recipe is documented in ``docs/log-format.md``.
"""

from __future__ import annotations

import hashlib
from typing import Any

from nhvflow.store._json import canonical

__all__ = ["as_hashed", "chain_hash"]


def chain_hash(
    prev_hash: str,
    *,
    position: int,
    stream_id: str,
    version: int,
    type: str,
    schema_version: int,
    actor: str,
    payload: str,
    occurred_at: str,
    recorded_at: str,
    idempotency_key: str | None,
    request_hash: str | None,
) -> str:
    """SHA-256 of the previous hash followed by the event's canonical encoding.

    ``actor`` and ``payload`` are the stored JSON texts. The recipe is
    documented in ``docs/log-format.md``.
    """
    fields = [
        position,
        stream_id,
        version,
        type,
        schema_version,
        actor,
        payload,
        occurred_at,
        recorded_at,
        idempotency_key,
        request_hash,
    ]
    # canonical() of a list of scalars is json.dumps(fields, ensure_ascii=False,
    # separators=(",", ":")), the recipe's text, in one call of the encoder.
    body = canonical(fields)
    return hashlib.sha256((prev_hash + body).encode("utf-8")).hexdigest()


def as_hashed(row: tuple[Any, ...]) -> bool:
    """Whether a stored row (``EVENT_COLUMNS`` order, actor and payload as
    their texts) holds the chain hash of its own content after its own
    ``prev_hash``. A value that cannot be encoded (a blob written where text
    belongs) is no match."""
    try:
        recomputed = chain_hash(
            row[11], position=row[0], stream_id=row[1], version=row[2], type=row[3],
            schema_version=row[4], actor=row[5], payload=row[6], occurred_at=row[7],
            recorded_at=row[8], idempotency_key=row[9], request_hash=row[10],
        )  # fmt: skip
    except (TypeError, ValueError):
        return False
    return bool(recomputed == row[12])
