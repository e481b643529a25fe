"""The details every probe gate records, whichever command took the fingerprint (``probe``, apply's
``probe-before``/``probe-after``, verify-backup's probes of production): one shape in run.json."""

from __future__ import annotations

from dataclasses import dataclass, field

from pgwarden.changes import ObjectChange
from pgwarden.probe.fingerprint import Fingerprint, FingerprintDiff, dumps, sha256_text

MAX_CHANGES = 200  # the gate lists this many differences; the kit's probes/diff.txt has them all


@dataclass(frozen=True)
class ProbeGate:
    entries: int  # objects fingerprinted
    counts: dict[str, int]  # … per kind
    rows_mode: str  # none | estimate | exact
    fingerprint_sha256: str  # of the fingerprint's canonical JSON
    compared_with: str | None = None  # the earlier probe this one is compared with, if any
    identical: bool | None = None  # … and whether nothing differs (None: not compared)
    changes: tuple[ObjectChange, ...] = ()  # … what differs, structured (at most MAX_CHANGES)
    changes_total: int = 0
    notes: tuple[str, ...] = field(default=())  # what the probe could not see, and why


def probe_gate(
    fp: Fingerprint,
    *,
    compared_with: str | None = None,
    diff: FingerprintDiff | None = None,
    notes: tuple[str, ...] = (),
) -> ProbeGate:
    """The gate's details for fingerprint ``fp`` (and its difference from ``compared_with``, when given)."""
    changes = diff.changes() if diff is not None else ()
    return ProbeGate(
        len(fp.entries),
        fp.counts(),
        fp.rows_mode,
        sha256_text(dumps(fp)),
        compared_with,
        diff.identical if diff is not None else None,
        changes[:MAX_CHANGES],
        len(changes),
        tuple(notes) + (diff.notes if diff is not None else ()),
    )
