"""The change package manifest (``pgwarden.toml``): model and full validation.

Every problem is collected and reported at once as :class:`BadInput` (exit 2): the message names the
file, the key path (``bundle[2].rollback``: the second ``[[bundle]]`` table, counted from 1) and
what was expected. Nothing in a package is trusted before this passes.

Bytes are read once: the manifest, ``pgwarden.sum`` and every file the manifest names (bundle, rollback and
verify files, and non-secret ``[vars]`` files) are read here, one time each, into :attr:`Package.files`. The
integrity check hashes those bytes, and they are what every later step parses, shows and runs; nothing of
the package is read from disk again, so a file swapped during a run changes nothing.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from pgwarden import userfiles
from pgwarden.errors import BadInput
from pgwarden.expect.model import Expectations
from pgwarden.package import sections
from pgwarden.package.sections import MANIFEST, SUM, ApplySettings, Bundle, Policy, ProbeSpec, Waiver
from pgwarden.package.vars import Var, parse_vars, resolve_files, substitute
from pgwarden.parsing.source import decode_sql

# the package's model, whichever module parses its tables
__all__ = [
    "MANIFEST",
    "SUM",
    "ApplySettings",
    "Bundle",
    "Package",
    "Policy",
    "ProbeSpec",
    "Waiver",
    "load_package",
    "named_files",
]


@dataclass(frozen=True)
class Package:
    root: Path
    manifest_path: Path
    name: str
    description: str
    target: dict[str, Any]
    settings: dict[str, str]
    policy: Policy
    bundles: tuple[Bundle, ...]
    probes: tuple[ProbeSpec, ...]
    verify: Expectations | None  # [verify], typed; None when the manifest has none
    apply: ApplySettings = field(default_factory=ApplySettings)
    vars: Mapping[str, Var] = field(default_factory=dict)
    waivers: tuple[Waiver, ...] = ()
    files: Mapping[str, bytes] = field(default_factory=dict)  # every named file, manifest included, read once
    sum_data: bytes | None = None  # pgwarden.sum as read with them (None: absent)

    def data(self, rel: str) -> bytes:
        """The bytes of a file the manifest names, as read once at load."""
        return self.files[rel]

    @property
    def manifest_text(self) -> str:
        return self.files[MANIFEST].decode("utf-8")

    def sql_text(self, rel: str, *, placeholders: bool = False) -> str:
        """A bundle, rollback or verify file as it runs: decoded, its [vars] substituted (``placeholders``: a
        secret that is not available here is checked with a stand-in, as an offline ``check`` does)."""
        return substitute(decode_sql(self.files[rel], rel), self.vars, rel, placeholders=placeholders)

    def bundle(self, bundle_id: str) -> Bundle:
        for b in self.bundles:
            if b.id == bundle_id:
                return b
        raise KeyError(bundle_id)

    def named_files(self) -> tuple[str, ...]:
        """The manifest and every file it names, in manifest order (what ``pgwarden.sum`` pins): bundle,
        rollback and verify files, then the files of non-secret [vars]."""
        return named_files(self.bundles, self.vars)


def named_files(bundles: tuple[Bundle, ...], variables: Mapping[str, Var]) -> tuple[str, ...]:
    out = [MANIFEST]
    for b in bundles:
        out.append(b.apply_rel)
        if b.rollback_rel:
            out.append(b.rollback_rel)
        if b.verify_rel:
            out.append(b.verify_rel)
    out += [v.origin for v in variables.values() if v.pinned and v.origin not in out]
    return tuple(out)


def load_package(path: Path) -> Package:
    """Read and fully validate the package at ``path`` (a directory or its ``pgwarden.toml``)."""
    path = Path(path)
    userfiles.exists(path)
    root = path.parent if path.name == MANIFEST and path.is_file() else path
    if not root.exists():
        raise BadInput(f"{root}: no such package directory")
    if not root.is_dir():
        raise BadInput(f"{root}: expected a package directory containing {MANIFEST}")
    manifest = root / MANIFEST
    manifest_bytes = userfiles.read_bytes(
        manifest, MANIFEST, missing_hint=f"; a package is a directory with a {MANIFEST}"
    )
    data = userfiles.parse_toml(manifest_bytes, manifest, MANIFEST)
    p = sections.Problems(str(manifest))
    sections.unknown_keys(p, "", data, sections.TOP_KEYS)
    pkg = data.get("package")
    name, description = None, ""
    if not isinstance(pkg, dict):
        p.add("package", 'missing; expected a [package] table with name = "…"' if pkg is None else "expected a table")
    else:
        sections.unknown_keys(p, "package", pkg, sections.PACKAGE_KEYS)
        name = sections.string(p, "package", pkg, "name", required=True)
        description = sections.string(p, "package", pkg, "description", required=False, empty_ok=True) or ""
    target = sections.target(p, data.get("target"))
    settings = sections.settings(p, data.get("settings"))
    policy = sections.policy(p, data.get("policy"))
    bundles = sections.bundles(p, root, data.get("bundle"))
    raw_bundles: list[Any] = data["bundle"] if isinstance(data.get("bundle"), list) else []
    raw_ids = {b["id"] for b in raw_bundles if isinstance(b, dict) and isinstance(b.get("id"), str)}
    probes = sections.probes(p, data.get("probe"), raw_ids)
    verify = sections.verify(p, data.get("verify"), manifest)
    apply_settings = sections.apply_settings(p, data.get("apply"))
    variables = parse_vars(data.get("vars"), root, p.add, lambda key, rel: sections.rel_file(p, key, root, rel))
    waivers = sections.waivers(p, data.get("waiver"), raw_ids)
    p.raise_if_any()
    assert name is not None
    files: dict[str, bytes] = {MANIFEST: manifest_bytes}
    for rel in named_files(bundles, variables)[1:]:
        got = sections.read_once(root / rel, rel, p)
        if got is not None:
            files[rel] = got
    sum_path = root / SUM
    sum_data = sections.read_once(sum_path, SUM, p) if sum_path.is_file() else None
    p.raise_if_any()
    variables = resolve_files(variables, files, p.add)
    p.raise_if_any()
    return Package(
        root.absolute(),
        manifest.absolute(),
        name,
        description,
        target,
        settings,
        policy,
        bundles,
        probes,
        verify,
        apply_settings,
        variables,
        waivers,
        files,
        sum_data,
    )
