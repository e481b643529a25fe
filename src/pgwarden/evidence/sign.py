"""Signing a kit: ``ssh-keygen -Y sign`` over its ``SHA256SUMS``, which pins every other file.

The unkeyed hash chain of a kit catches accidents and partial edits; someone who rewrites the whole
kit can recompute every hash. A signature made with a key that person does not hold is what catches
that: ``pgwarden evidence sign KIT --key KEY`` writes ``SHA256SUMS.sig`` and ``pgwarden evidence verify
KIT --key KEY.pub`` checks it (``ssh-keygen -Y verify`` with a one-line allowed-signers file).
"""

from __future__ import annotations

import os
import shutil
import tempfile
from dataclasses import dataclass
from pathlib import Path

from pgwarden import proc, userfiles
from pgwarden.errors import BadInput, EnvironmentProblem
from pgwarden.evidence.kitfiles import SUMS

SIGNATURE = "SHA256SUMS.sig"
NAMESPACE = "pgwarden-kit"
_PRINCIPAL = "pgwarden-kit-signer"


@dataclass(frozen=True)
class SignResult:
    kit: str
    signature: str
    key: str


def _ssh_keygen() -> str:
    tool = shutil.which("ssh-keygen")
    if tool is None:
        raise EnvironmentProblem("ssh-keygen is not installed (Debian: openssh-client); it signs and checks kits")
    return tool


def sign_kit(kit: Path, key: Path) -> SignResult:
    """Sign ``kit``'s SHA256SUMS with the SSH private key ``key`` (or a public key held by ssh-agent)."""
    kit, key = Path(kit), Path(key)
    if not userfiles.exists(kit / SUMS):
        raise BadInput(f"{kit}: no {SUMS}; not a finished evidence kit")
    if not userfiles.exists(key) or not key.is_file():
        raise BadInput(f"--key {key}: no such key file")
    if (kit / SIGNATURE).exists():
        raise BadInput(f"{kit / SIGNATURE} exists: the kit is signed already")
    agent = {"SSH_AUTH_SOCK": os.environ["SSH_AUTH_SOCK"]} if "SSH_AUTH_SOCK" in os.environ else {}
    r = proc.run(
        [_ssh_keygen(), "-Y", "sign", "-q", "-f", key, "-n", NAMESPACE, kit / SUMS], env=agent, check=False, timeout=60
    )
    made = kit / f"{SUMS}.sig"
    if r.returncode != 0 or not made.is_file():
        raise BadInput(
            f"--key {key}: ssh-keygen cannot sign with it: {' '.join(r.stderr.split()) or f'exit code {r.returncode}'}"
        )
    os.chmod(made, 0o600)
    return SignResult(str(kit), str(made), str(key))


def check_signature(kit: Path, public_key: Path) -> str | None:
    """None when ``SHA256SUMS.sig`` is a valid signature of SHA256SUMS by ``public_key``; else why not."""
    if not (kit / SIGNATURE).is_file():
        return "missing: the kit is not signed"
    try:
        pub = userfiles.read_bytes(public_key, "public key").decode("utf-8").strip().splitlines()[0]
    except (UnicodeDecodeError, IndexError):
        raise BadInput(f"--key {public_key}: not an SSH public key") from None
    with tempfile.TemporaryDirectory(prefix="pgwarden-sig-") as tmp:
        allowed = Path(tmp) / "allowed_signers"
        allowed.write_text(f"{_PRINCIPAL} {pub}\n", encoding="utf-8")
        r = proc.run(
            [_ssh_keygen(), "-Y", "verify", "-f", allowed, "-I", _PRINCIPAL, "-n", NAMESPACE, "-s", kit / SIGNATURE],
            stdin_path=kit / SUMS,
            check=False,
            timeout=60,
        )
    if r.returncode == 0:
        return None
    return "does not verify with that key: " + (
        " ".join((r.stderr or r.stdout).split())[:300] or f"ssh-keygen exit code {r.returncode}"
    )
