"""SIGTERM or SIGINT at any moment of a run, its start-up and imports included, ends it with exit 130 (or the
signal's own death before Python runs any of pgwarden), applies nothing and prints no traceback.

SIGTERM is sent from the moment the process exists. SIGINT is sent from the moment pgwarden's first lines have
put its handlers in place (the kernel's SigCgt mask of the process shows SIGTERM caught): before that, in the
interpreter's own first milliseconds, Python itself turns SIGINT into a KeyboardInterrupt in whatever it is
importing (runpy, site), which no program it runs can prevent.

The run is held from the server side: its only bundle first waits on an advisory lock the test holds, so every
signal lands before anything could be applied. The moments are spread from 0 to the time the run takes to reach
that wait, measured first, so they fall in the interpreter's start, the imports (psycopg's among them), the
gates, and the wait itself.
"""

from __future__ import annotations

import signal
import time
from pathlib import Path

import psycopg

from tests._apply_helpers import B, Holder, ledger_states, start_apply, wait_for, waiting_on, write_package

NO_BACKUP = ("--no-backup", "--i-have-a-backup", "0" * 64)
KEY = 4242


def _catches_sigterm(pid: int) -> bool:
    """pgwarden's handlers are in place: the process catches SIGTERM (Python leaves it at the default)."""
    try:
        status = Path(f"/proc/{pid}/status").read_text()
    except OSError:
        return False
    mask = next((int(line.split()[1], 16) for line in status.splitlines() if line.startswith("SigCgt:")), 0)
    return bool(mask & (1 << (signal.SIGTERM - 1)))


def test_a_signal_at_any_moment_applies_nothing(fresh_db: str, tmp_path: Path) -> None:
    pkg = write_package(
        tmp_path / "p",
        [
            B(
                "A",
                f"SELECT pg_advisory_xact_lock({KEY});\nCREATE TABLE public.sentinel (id int);\n",
                "DROP TABLE public.sentinel;",
            )
        ],
    )
    holder = Holder(fresh_db, KEY)
    try:
        t0 = time.monotonic()
        first = start_apply(pkg, fresh_db, tmp_path / "calibrate", *NO_BACKUP)
        wait_for(
            lambda: waiting_on(fresh_db, f"pg_advisory_xact_lock({KEY})") or first.poll() is not None,
            what="apply waiting on the test's lock",
        )
        reach = time.monotonic() - t0
        assert first.poll() is None, first.communicate()
        first.send_signal(signal.SIGTERM)
        _out, err = first.communicate(timeout=60)
        assert first.returncode == 130 and "Traceback" not in err, err
        moments = sorted({0.0, 0.005, 0.01, 0.02, 0.04, *(reach * i / 20 for i in range(1, 21)), reach + 0.2})
        outcomes = []
        for n, delay in enumerate(moments):
            sig = signal.SIGINT if n % 4 == 3 else signal.SIGTERM
            p = start_apply(pkg, fresh_db, tmp_path / f"k{n}", *NO_BACKUP)
            if sig == signal.SIGINT:
                wait_for(lambda p=p: _catches_sigterm(p.pid) or p.poll() is not None, what="pgwarden's handlers")
            time.sleep(delay)
            p.send_signal(sig)
            _out, err = p.communicate(timeout=60)
            outcomes.append((round(delay, 3), sig.name, p.returncode))
            # 130: pgwarden's own handling; -SIG: the default action, before Python ran a line of pgwarden
            assert p.returncode in (130, -sig), (delay, sig.name, p.returncode, err[-2000:])
            assert "Traceback" not in err, (delay, sig.name, err[-3000:])
    finally:
        holder.release()
    assert any(rc == 130 for _d, _s, rc in outcomes), outcomes
    with psycopg.connect(fresh_db, autocommit=True) as conn:
        assert conn.execute("SELECT to_regclass('public.sentinel')").fetchone() == (None,), outcomes
    assert "applied" not in ledger_states(fresh_db).values()
