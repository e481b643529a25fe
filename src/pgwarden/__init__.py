"""pgwarden: make production PostgreSQL changes provable.

The public API: each command of the CLI is a plain function here, with its options and its typed result. The
CLI is a thin layer over them; a library user calls them directly and gets the same evidence kit::

    import pgwarden

    result = pgwarden.check(Path("my-change"), dsn="service=prod")
    if result.verdict is pgwarden.Verdict.FAIL: ...

Functions never print: progress goes to the :class:`Reporter` passed in (silent by default). Every expected
failure is a :class:`PgwardenError` (``BadInput``: exit 2, ``EnvironmentProblem``: exit 3, ``GateFailed``:
exit 1); anything else is a bug. Names load on first use, so ``import pgwarden`` costs nothing.

Several rooms carry their command's name (``pgwarden/apply/`` defines ``apply``): ``pgwarden.apply`` is always
the function. Import a room's modules with ``from pgwarden.apply import execute`` or
``from pgwarden.apply.options import Options``, not ``import pgwarden.apply.apply as m``.
"""

from __future__ import annotations

import importlib
import sys
import types
from typing import TYPE_CHECKING, Any

from pgwarden.version import __version__

if TYPE_CHECKING:  # the names as the type checker sees them (`as` marks each one exported)
    from pgwarden.apply.apply import apply as apply
    from pgwarden.apply.options import OnFailure as OnFailure
    from pgwarden.apply.options import Options as Options
    from pgwarden.apply.results import ApplyResult as ApplyResult
    from pgwarden.apply.results import BundleResult as BundleResult
    from pgwarden.backup.backup import BackupResult as BackupResult
    from pgwarden.backup.backup import backup as backup
    from pgwarden.backup.verify import verify_backup as verify_backup
    from pgwarden.backup.verify_result import VerifyResult as VerifyResult
    from pgwarden.check.check import check as check
    from pgwarden.check.results import CheckResult as CheckResult
    from pgwarden.demo.demo import DemoResult as DemoResult
    from pgwarden.demo.demo import demo as demo
    from pgwarden.errors import BadInput as BadInput
    from pgwarden.errors import EnvironmentProblem as EnvironmentProblem
    from pgwarden.errors import ExitCode as ExitCode
    from pgwarden.errors import GateFailed as GateFailed
    from pgwarden.errors import Interrupted as Interrupted
    from pgwarden.errors import PgwardenError as PgwardenError
    from pgwarden.evidence.gates import Verdict as Verdict
    from pgwarden.evidence.report import ReportResult as ReportResult
    from pgwarden.evidence.report import report_kit as report_kit
    from pgwarden.evidence.sign import SignResult as SignResult
    from pgwarden.evidence.sign import sign_kit as sign_kit
    from pgwarden.evidence.verify import KitVerification as KitVerification
    from pgwarden.evidence.verify import verify_kit as verify_kit
    from pgwarden.findings import Finding as Finding
    from pgwarden.findings import Severity as Severity
    from pgwarden.importing.command import ImportResult as ImportResult
    from pgwarden.importing.command import import_migrations as import_migrations
    from pgwarden.instances.gc import GcResult as GcResult
    from pgwarden.instances.gc import gc as gc
    from pgwarden.ledger.resolve import ResolveResult as ResolveResult
    from pgwarden.ledger.resolve import resolve as resolve
    from pgwarden.ledger.status import StatusResult as StatusResult
    from pgwarden.ledger.status import status as status
    from pgwarden.package.init import InitResult as InitResult
    from pgwarden.package.init import init as init
    from pgwarden.package.lock import LockCheckResult as LockCheckResult
    from pgwarden.package.lock import LockResult as LockResult
    from pgwarden.package.lock import check_lock as check_lock
    from pgwarden.package.lock import lock as lock
    from pgwarden.probe.fingerprint import Fingerprint as Fingerprint
    from pgwarden.probe.fingerprint import FingerprintDiff as FingerprintDiff
    from pgwarden.probe.fingerprint import diff_files as diff_files
    from pgwarden.probe.probe import ProbeResult as ProbeResult
    from pgwarden.probe.probe import probe as probe
    from pgwarden.progress import SILENT as SILENT
    from pgwarden.progress import Reporter as Reporter
    from pgwarden.rehearse.rehearse import rehearse as rehearse
    from pgwarden.rehearse.results import RehearseResult as RehearseResult

# name -> the module that defines it (loaded on first use: a command's dependencies cost nothing until then)
_WHERE = {
    # commands
    "check": "pgwarden.check.check",
    "lock": "pgwarden.package.lock",
    "check_lock": "pgwarden.package.lock",
    "init": "pgwarden.package.init",
    "apply": "pgwarden.apply.apply",
    "rehearse": "pgwarden.rehearse.rehearse",
    "status": "pgwarden.ledger.status",
    "resolve": "pgwarden.ledger.resolve",
    "backup": "pgwarden.backup.backup",
    "verify_backup": "pgwarden.backup.verify",
    "probe": "pgwarden.probe.probe",
    "diff_files": "pgwarden.probe.fingerprint",
    "import_migrations": "pgwarden.importing.command",
    "report_kit": "pgwarden.evidence.report",
    "verify_kit": "pgwarden.evidence.verify",
    "sign_kit": "pgwarden.evidence.sign",
    "gc": "pgwarden.instances.gc",
    "demo": "pgwarden.demo.demo",
    # options and results
    "Options": "pgwarden.apply.options",
    "OnFailure": "pgwarden.apply.options",
    "ApplyResult": "pgwarden.apply.results",
    "BundleResult": "pgwarden.apply.results",
    "CheckResult": "pgwarden.check.results",
    "RehearseResult": "pgwarden.rehearse.results",
    "StatusResult": "pgwarden.ledger.status",
    "ResolveResult": "pgwarden.ledger.resolve",
    "BackupResult": "pgwarden.backup.backup",
    "VerifyResult": "pgwarden.backup.verify_result",
    "ProbeResult": "pgwarden.probe.probe",
    "Fingerprint": "pgwarden.probe.fingerprint",
    "FingerprintDiff": "pgwarden.probe.fingerprint",
    "ImportResult": "pgwarden.importing.command",
    "ReportResult": "pgwarden.evidence.report",
    "KitVerification": "pgwarden.evidence.verify",
    "SignResult": "pgwarden.evidence.sign",
    "GcResult": "pgwarden.instances.gc",
    "DemoResult": "pgwarden.demo.demo",
    "InitResult": "pgwarden.package.init",
    "LockResult": "pgwarden.package.lock",
    "LockCheckResult": "pgwarden.package.lock",
    "Finding": "pgwarden.findings",
    "Severity": "pgwarden.findings",
    "Verdict": "pgwarden.evidence.gates",
    "Reporter": "pgwarden.progress",
    "SILENT": "pgwarden.progress",
    # errors
    "PgwardenError": "pgwarden.errors",
    "BadInput": "pgwarden.errors",
    "EnvironmentProblem": "pgwarden.errors",
    "GateFailed": "pgwarden.errors",
    "Interrupted": "pgwarden.errors",
    "ExitCode": "pgwarden.errors",
}

__all__ = ["__version__", *_WHERE]


class _Api(types.ModuleType):
    """The package's own type: each public name is a property that loads its module on first use. Several rooms
    carry their command's name (``pgwarden/apply/`` holds ``apply``); when the import system binds such a
    subpackage on the package, the public name stays the command (``import pgwarden.apply.apply`` still works:
    imports go through ``sys.modules``)."""

    def __dir__(self) -> list[str]:
        return sorted(__all__)


def _public(name: str) -> property:
    def get(_self: types.ModuleType) -> Any:
        if name not in _loaded:
            _loaded[name] = getattr(importlib.import_module(_WHERE[name]), name)
        return _loaded[name]

    def bind(_self: types.ModuleType, value: Any) -> None:
        if not isinstance(value, types.ModuleType):  # the import system binding a subpackage is ignored
            _loaded[name] = value

    return property(get, bind)


_loaded: dict[str, Any] = {}
for _name in _WHERE:
    setattr(_Api, _name, _public(_name))
sys.modules[__name__].__class__ = _Api
