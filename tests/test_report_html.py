"""``report.html`` and ``pgwarden report``: a kit as one self-contained page that renders in a real browser.

The kit of a failed-and-rolled-back apply on a real PostgreSQL is rendered and loaded in headless Chromium
(Debian's ``chromium``, which ``.ci/run`` installs), driven over its DevTools pipe with the standard library:
no console message, no uncaught exception, no log warning (a Content-Security-Policy violation is one), no
request but the page itself, and the key elements laid out visibly in a 1280 px wide window; a screenshot is
taken. The page makes no external fetch, escapes everything a kit holds, and the command refuses bad input.
"""

from __future__ import annotations

import base64
import contextlib
import fcntl
import json
import os
import re
import select
import shutil
import struct
import subprocess
import tempfile
import time
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

import psycopg
import pytest

from pgwarden.changes import ChangeSign, ObjectChange
from pgwarden.evidence import kitread, render_html
from pgwarden.evidence.blocks import Block, Diff, ErrorCard, Facts, Report, Section, Table, Text
from pgwarden.evidence.gates import GateRunner
from pgwarden.evidence.kit import EvidenceKit
from pgwarden.evidence.verify import verify_kit
from tests._apply_helpers import B, run_apply, write_package
from tests.conftest import Server, envelope, result_of, run_cli

HOSTILE_TITLE = "skus <marquee>unique</marquee> & <script>alert(1)</script>"


# -- headless Chromium over its DevTools pipe (--remote-debugging-pipe: fd 3 in, fd 4 out) ---------------
FLAGS = (
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--hide-scrollbars",
    "--disable-extensions",
    "--mute-audio",
    "--remote-debugging-pipe",
)


def chromium_path() -> str | None:
    for name in ("chromium", "chromium-browser", "google-chrome"):
        found = shutil.which(name)
        if found:
            return found
    return "/usr/bin/chromium" if os.access("/usr/bin/chromium", os.X_OK) else None


class Chromium:
    def __init__(self, exe: str, width: int = 1280, height: int = 2000, timeout: float = 30.0) -> None:
        self.timeout = timeout
        self.profile = tempfile.mkdtemp(prefix="pgwarden-chromium-")
        to_chrome_r, self._to_chrome = os.pipe()
        self._from_chrome, from_chrome_w = os.pipe()
        # Above any fd the child could be using, so the dup2 onto 3 and 4 below cannot clobber its source.
        hi_r = fcntl.fcntl(to_chrome_r, fcntl.F_DUPFD, 100)
        hi_w = fcntl.fcntl(from_chrome_w, fcntl.F_DUPFD, 100)
        os.close(to_chrome_r)
        os.close(from_chrome_w)

        def wire() -> None:
            os.dup2(hi_r, 3)
            os.dup2(hi_w, 4)

        # chromium is chatty on stderr (dbus): a file, so that a pipe nobody reads can never fill up
        self._log = tempfile.TemporaryFile()  # noqa: SIM115 (closed in close())
        self.proc = subprocess.Popen(
            [exe, *FLAGS, f"--user-data-dir={self.profile}", f"--window-size={width},{height}", "about:blank"],
            stdin=subprocess.DEVNULL,
            stdout=subprocess.DEVNULL,
            stderr=self._log,
            preexec_fn=wire,
            pass_fds=(3, 4),
            close_fds=True,
        )
        os.close(hi_r)
        os.close(hi_w)
        self._buf = b""
        self._id = 0
        self.events: list[dict[str, Any]] = []
        self.session: str | None = None
        target = self.call("Target.createTarget", {"url": "about:blank"}, browser=True)["targetId"]
        self.session = self.call("Target.attachToTarget", {"targetId": target, "flatten": True}, browser=True)[
            "sessionId"
        ]
        for domain in ("Page", "Runtime", "Log", "Network"):
            self.call(f"{domain}.enable")
        self.call(
            "Emulation.setDeviceMetricsOverride",
            {"width": width, "height": height, "deviceScaleFactor": 1, "mobile": False},
        )

    # -- the protocol ---------------------------------------------------------------------------------
    def _send(self, msg: dict[str, Any]) -> None:
        os.write(self._to_chrome, json.dumps(msg).encode() + b"\0")

    def _recv(self, deadline: float) -> dict[str, Any]:
        while b"\0" not in self._buf:
            left = deadline - time.monotonic()
            if left <= 0:
                raise TimeoutError("chromium did not answer in time")
            ready, _, _ = select.select([self._from_chrome], [], [], left)
            if ready:
                chunk = os.read(self._from_chrome, 1 << 20)
                if not chunk:
                    raise RuntimeError("chromium closed its DevTools pipe: " + self._stderr())
                self._buf += chunk
        raw, self._buf = self._buf.split(b"\0", 1)
        return dict(json.loads(raw))

    def call(self, method: str, params: dict[str, Any] | None = None, *, browser: bool = False) -> dict[str, Any]:
        self._id += 1
        msg: dict[str, Any] = {"id": self._id, "method": method, "params": params or {}}
        if not browser and self.session:
            msg["sessionId"] = self.session
        self._send(msg)
        deadline = time.monotonic() + self.timeout
        while True:
            m = self._recv(deadline)
            if m.get("id") == self._id:
                if "error" in m:
                    raise RuntimeError(f"{method}: {m['error']}")
                return dict(m.get("result") or {})
            if "method" in m:
                self.events.append(m)

    def wait_for(self, event: str, after: int = 0) -> dict[str, Any]:
        deadline = time.monotonic() + self.timeout
        while True:
            for m in self.events[after:]:
                if m.get("method") == event:
                    return m
            m = self._recv(deadline)
            if "method" in m:
                self.events.append(m)

    def _stderr(self) -> str:
        self.proc.kill()
        self.proc.wait(timeout=10)
        self._log.seek(0)
        return self._log.read().decode(errors="replace")[-2000:]

    # -- what a test uses ----------------------------------------------------------------------------
    def load(self, url: str) -> int:
        """Navigate to ``url`` and wait for its load event; returns where its events start in ``events``."""
        mark = len(self.events)
        self.call("Page.navigate", {"url": url})
        self.wait_for("Page.loadEventFired", mark)
        self.evaluate("new Promise(r => requestAnimationFrame(() => requestAnimationFrame(r)))")
        return mark

    def evaluate(self, expression: str) -> Any:
        r = self.call("Runtime.evaluate", {"expression": expression, "returnByValue": True, "awaitPromise": True})
        if "exceptionDetails" in r:
            raise RuntimeError(f"evaluation failed: {r['exceptionDetails']}")
        return r.get("result", {}).get("value")

    def problems(self, since: int = 0) -> list[str]:
        """Console messages, uncaught exceptions and log entries of warning level or worse since ``since``."""
        out = []
        for m in self.events[since:]:
            method, p = m.get("method"), m.get("params", {})
            if method == "Runtime.consoleAPICalled":
                out.append(f"console.{p.get('type')}: {[a.get('value') for a in p.get('args', [])]}")
            elif method == "Runtime.exceptionThrown":
                out.append(f"uncaught: {p.get('exceptionDetails', {}).get('exception', {}).get('description')}")
            elif method == "Log.entryAdded" and p.get("entry", {}).get("level") in ("warning", "error"):
                e = p["entry"]
                out.append(f"log {e.get('level')} ({e.get('source')}): {e.get('text')} {e.get('url', '')}")
        return out

    def requests(self, since: int = 0) -> list[str]:
        return [
            m["params"]["request"]["url"] for m in self.events[since:] if m.get("method") == "Network.requestWillBeSent"
        ]

    def screenshot(self, path: Path, *, clip: dict[str, float] | None = None) -> None:
        params: dict[str, Any] = {"format": "png"}
        if clip is not None:
            params.update(clip={**clip, "scale": 1}, captureBeyondViewport=True)
        path.write_bytes(base64.b64decode(self.call("Page.captureScreenshot", params)["data"]))

    def close(self) -> None:
        with contextlib.suppress(RuntimeError, TimeoutError, OSError):
            self.call("Browser.close", browser=True)
        try:
            self.proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait(timeout=10)
        self._log.close()
        for fd in (self._to_chrome, self._from_chrome):
            with contextlib.suppress(OSError):
                os.close(fd)
        shutil.rmtree(self.profile, ignore_errors=True)

    def __enter__(self) -> Chromium:
        return self

    def __exit__(self, *_exc: object) -> None:
        self.close()


def _chromium_or_skip() -> str:
    exe = chromium_path()
    if exe is None:
        if os.environ.get("CI"):
            pytest.fail("CI must render the HTML report in Chromium: install Debian's chromium (.ci/run does)")
        pytest.skip("chromium is not installed (Debian: apt-get install chromium); under CI this test runs")
    return exe


def _png_size(path: Path) -> tuple[int, int]:
    data = path.read_bytes()
    assert data[:8] == b"\x89PNG\r\n\x1a\n" and data[12:16] == b"IHDR", "not a PNG"
    w, h = struct.unpack(">II", data[16:24])
    return int(w), int(h)


# -- the kit of a failed-and-rolled-back apply -------------------------------------------------------
def _rolled_back_apply(dsn: str, tmp_path: Path) -> tuple[Path, dict[str, Any]]:
    """Three bundles: A and B apply, C's unique index meets duplicate rows (preflight cannot see data), so
    C fails with 23505 and B, A are rolled back. The rehearsal is waived, verify is skipped."""
    with psycopg.connect(dsn, autocommit=True) as conn:
        conn.execute(
            "CREATE TABLE public.item (id int PRIMARY KEY, sku text NOT NULL);"
            "INSERT INTO public.item VALUES (1, 'A-1'), (2, 'A-1'), (3, 'B-7')"
        )
    pkg = write_package(
        tmp_path / "pkg",
        [
            B("A", "CREATE TABLE public.audit (id int PRIMARY KEY, note text);", "DROP TABLE public.audit;"),
            B("B", "ALTER TABLE public.item ADD COLUMN note text;", "ALTER TABLE public.item DROP COLUMN note;"),
            B("C", "CREATE UNIQUE INDEX item_sku_key ON public.item (sku);", "DROP INDEX public.item_sku_key;"),
        ],
        name="shop-sku",
    )
    manifest = pkg / "pgwarden.toml"
    manifest.write_text(manifest.read_text().replace('title = "bundle C"', f'title = "{HOSTILE_TITLE}"'))
    from pgwarden.package.lock import lock

    lock(pkg)
    kit = tmp_path / "kit"
    r = run_apply(pkg, dsn, kit, "--json", timeout=300)
    assert r.returncode == 1, r.stdout + r.stderr
    res = result_of(r)
    assert [b["outcome"] for b in res["bundles"]] == ["rolled back", "rolled back", "failed"]
    assert res["failure"]["sqlstate"] == "23505" and res["equals_probe_before"] is True
    return kit, res


_LAYOUT = """(() => {
  const ids = ["verdict", "verdict-status", "gates", "timeline", "bundles", "failure", "rollback", "differences",
               "backup", "evidence", "rerun"];
  const out = {elements: {}};
  for (const id of ids) {
    const e = document.getElementById(id);
    if (!e) { out.elements[id] = null; continue; }
    const r = e.getBoundingClientRect(), s = getComputedStyle(e);
    out.elements[id] = {x: r.left, y: r.top + scrollY, w: r.width, h: r.height, text: e.innerText,
                        visible: s.visibility === "visible" && s.display !== "none" && Number(s.opacity) > 0};
  }
  out.bars = [...document.querySelectorAll("#timeline rect.bar")].map(b => {
    const r = b.getBoundingClientRect(); return {w: r.width, h: r.height, fill: b.getAttribute("fill")}; });
  out.scripts = document.scripts.length;
  out.injected = document.querySelectorAll("marquee, img, iframe, object, embed, link").length;
  out.scrollWidth = document.documentElement.scrollWidth;
  out.title = document.title;
  return out;
})()"""


def test_rolled_back_apply_report_renders_in_chromium(fresh_db: str, pg_server: Server, tmp_path: Path) -> None:
    exe = _chromium_or_skip()
    kit, res = _rolled_back_apply(fresh_db, tmp_path)
    sealed = kit / "report.html"
    assert sealed.is_file() and verify_kit(kit).ok  # written before the seal: pinned like every other file
    assert "report.html" in (kit / "SHA256SUMS").read_text()
    page = tmp_path / "out" / "report.html"
    page.parent.mkdir()
    r = run_cli("report", str(kit), "--html", str(page), "--json")
    assert r.returncode == 0, r.stdout + r.stderr
    body = envelope(r)
    assert body["command"] == "report" and body["kit"] == str(kit)
    assert body["result"]["html"] == str(page) and body["result"]["evidence"]["ok"] is True
    assert verify_kit(kit).ok, "pgwarden report changed the kit"

    shot = tmp_path / f"report-pg{pg_server.major}.png"
    with Chromium(exe) as c:
        # The checker sees what it must: a page with a failing script, a console error and an external image.
        bad = tmp_path / "bad.html"
        bad.write_text(
            '<!DOCTYPE html><p>x</p><script>console.error("boom"); nope();</script><img src="http://127.0.0.1:9/x.png">'
        )
        mark = c.load(bad.as_uri())
        caught = c.problems(mark)
        assert any("boom" in p for p in caught) and any("nope" in p for p in caught), caught
        assert "http://127.0.0.1:9/x.png" in c.requests(mark)

        for url in (sealed.as_uri(), page.as_uri()):
            mark = c.load(url)
            assert c.problems(mark) == [], url
            assert c.requests(mark) == [url], "the page fetched something besides itself"
        layout = c.evaluate(_LAYOUT)
        c.screenshot(shot)

    els = layout["elements"]
    missing = [k for k, v in els.items() if v is None]
    assert missing == [], f"elements missing from the page: {missing}"
    for name, e in els.items():
        assert e["visible"] and e["w"] > 20 and e["h"] > 10, (name, e)
        assert e["x"] >= 0 and e["x"] + e["w"] <= 1280 + 0.5, (name, e)  # laid out inside the window
    assert layout["scrollWidth"] <= 1280, "the page scrolls sideways"
    assert els["verdict"]["y"] + els["verdict"]["h"] < 2000 and els["timeline"]["y"] < 2000  # above the fold
    assert layout["scripts"] == 0 and layout["injected"] == 0  # the bundle title's markup stayed text
    assert layout["title"] == "pgwarden apply: shop-sku: FAIL"

    verdict = els["verdict"]["text"]
    assert "FAIL" in verdict and "shop-sku" in verdict and "could not create unique index" in verdict
    bars = layout["bars"]
    assert len(bars) == 12 and all(b["w"] >= 2 and b["h"] > 5 for b in bars)
    fills = [b["fill"] for b in bars]
    assert {fills[0], fills[5], fills[8], fills[10]} == {"#1a7f37", "#bf8700", "#cf222e", "#8c959f"}, fills
    gates = els["gates"]["text"]
    for needle in ("identity", "rehearsal", "WAIVED", "execute", "FAIL", "rollback", "verify", "SKIPPED"):
        assert needle in gates, needle
    bundles = els["bundles"]["text"]
    for needle in ("TXN-1", "TXN-2", "TXN-3", "rolled back", "failed", HOSTILE_TITLE):
        assert needle in bundles, needle
    rollback = els["rollback"]["text"]
    assert "Rolled back, in reverse order: B, A." in rollback and "Production equals probe-before: YES" in rollback
    failure = els["failure"]["text"]
    f = res["failure"]
    for needle in (
        "The failure: bundle C, C.sql:1:1",
        "CREATE UNIQUE INDEX item_sku_key ON public.item (sku)",
        "SQLSTATE",
        "23505",
        f["message"],
        f["detail"],
    ):
        assert needle in failure, needle
    assert "IDENTICAL" in els["differences"]["text"]  # after the rollback the target equals probe-before
    backup = els["backup"]["text"]
    assert res["backup"]["sha256"] in backup
    for needle in ("pg_restore -l header", "Dumped from database version", "TOC entries", "Compression"):
        assert needle in backup, needle
    assert "kit OK" in els["evidence"]["text"]
    assert f"pgwarden evidence verify {kit}" in els["rerun"]["text"]

    assert _png_size(shot) == (1280, 2000) and shot.stat().st_size > 40_000, "a blank screenshot"


# -- no external fetch, and every kit string escaped ------------------------------------------------------
class _Tags(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.tags: list[tuple[str, dict[str, str | None]]] = []
        self.styles: list[str] = []
        self._in_style = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append((tag, dict(attrs)))
        self._in_style = tag == "style"

    def handle_endtag(self, tag: str) -> None:
        self._in_style = False

    def handle_data(self, data: str) -> None:
        if self._in_style:
            self.styles.append(data)


FETCHING_TAGS = {
    "script",
    "link",
    "img",
    "iframe",
    "frame",
    "object",
    "embed",
    "base",
    "source",
    "video",
    "audio",
    "track",
    "image",
    "use",
    "form",
    "input",
    "picture",
    "portal",
    "applet",
    "marquee",
}


def assert_self_contained(page: str) -> None:
    """Nothing on the page can fetch: no fetching tag, no src, every href an in-page anchor, no CSS import
    or url(), no refresh, and a CSP that forbids everything but inline style."""
    p = _Tags()
    p.feed(page)
    bad = [(t, a) for t, a in p.tags if t in FETCHING_TAGS]
    assert bad == [], bad
    for tag, attrs in p.tags:
        for name, value in attrs.items():
            assert name not in ("src", "srcset", "xlink:href", "action", "formaction", "background", "poster"), tag
            assert not name.startswith("on"), (tag, name)  # no event handler attribute
            if name == "href":
                assert value is not None and value.startswith("#"), (tag, value)
            if name == "style":
                assert "url(" not in (value or ""), (tag, value)
        if tag == "meta" and (attrs.get("http-equiv") or "").lower() == "refresh":
            raise AssertionError("meta refresh")
    css = "".join(p.styles)
    assert "@import" not in css and "url(" not in css and "//" not in css
    csp = [a.get("content") for t, a in p.tags if t == "meta" and a.get("http-equiv") == "Content-Security-Policy"]
    assert csp and (csp[0] or "").startswith("default-src 'none'"), csp
    assert not re.search(r"""(?:src|href)\s*=\s*["']?\s*(?:https?:)?//""", page, re.IGNORECASE)


def _sealed_kit(root: Path, reason: str, result: dict[str, Any], blocks: tuple[Block, ...] = ()) -> Path:
    kit = EvidenceKit.create(root, "apply", {"package": "/pkgs/shop", "dsn": "postgresql://u:s3cret@db/shop"})
    runner = GateRunner(kit, ("identity", "execute", "rollback", "verify"))

    def body() -> None:
        with runner.gate("identity") as g:
            g.record({"database": "shop"})
        with runner.gate("execute") as g:
            g.fail(reason)

    report = Report(
        "pgwarden apply: shop: FAIL",
        "shop",
        "FAIL",
        (Section("Status", (Text("Bundle A failed."),), "status"), *blocks),
        "Bundle A failed.",
    )
    runner.run(body, lambda _v, _e: (report, result))
    return root


def test_every_kit_carries_a_sealed_self_contained_report(tmp_path: Path) -> None:
    kit = _sealed_kit(
        tmp_path / "kit",
        "bundle A failed",
        {"package": "shop"},
        (
            Section(
                "Execution",
                (
                    Table.of("", ("order", "bundle", "title", "outcome"), [("TXN-1", "A", "skus", "failed")], ["FAIL"]),
                    Section(
                        "The failure: bundle A, A.sql:3:1",
                        (
                            ErrorCard(
                                "",
                                "could not create unique index",
                                "23505",
                                "Key (sku)=(A-1)",
                                "deduplicate first",
                                location="A.sql:3:1",
                                statement="CREATE …",
                            ),
                        ),
                        "failure",
                    ),
                ),
                "bundles",
            ),
        ),
    )
    page = (kit / "report.html").read_text()
    assert verify_kit(kit).ok
    assert_self_contained(page)
    assert not re.search(r"https?://", page, re.IGNORECASE)
    for needle in (
        '<section id="gates">',
        'id="timeline"',
        "TXN-1",
        "deduplicate first",
        "23505",
        "SEALED",
        '<section id="bundles">',
        'id="failure"',
        f"pgwarden evidence verify {kit}",
        "sha256sum -c --strict SHA256SUMS",
    ):
        assert needle in page, needle
    assert "s3cret" not in page
    (kit / "report.html").write_text(page.replace("23505", "00000"))  # the page is pinned like every file
    assert not verify_kit(kit).ok


EVIL = '"><script>alert(1)</script><img src=x onerror=alert(2)></style><svg onload=alert(3)>'


def _evil_blocks() -> tuple[Block, ...]:
    """One block of every kind, every string of it hostile."""
    from pgwarden.evidence.blocks import Bullets, Code, Findings, GateRow, Gates
    from pgwarden.findings import Finding
    from pgwarden.rules import Rule

    evil = EVIL
    return (
        Text(evil + " \ud800 lone surrogate \x00 nul `[x](https://evil.example/)` **b**"),
        Bullets((evil, evil)),
        Code((evil, "\x1b[2J"), evil),
        Facts.of(evil, [(evil, evil)]),
        Table.of(evil, (evil, "b"), [(evil, evil)], [evil], 3),
        ErrorCard(evil, evil, evil, evil, "[x](https://evil.example/)", evil, evil, evil),
        Diff(
            evil,
            evil,
            (
                ObjectChange(ChangeSign.ADDED, evil, evil),
                ObjectChange(ChangeSign.REMOVED, "view", evil),
                ObjectChange(ChangeSign.CHANGED, "function", evil, evil),
            ),
            (evil,),
            9,
        ),
        Findings(evil, (Finding(Rule.POLICY_FORBID, evil, evil, 1, 2, evil, evil, hint=evil, fix=evil),)),
        Gates(evil, (GateRow(evil, evil, 1.5, evil, "yesterday", evil),)),
        Section(evil, (Section(evil, (Text(evil),), evil),), evil),
    )


def test_hostile_kit_content_is_escaped_and_the_page_still_renders(tmp_path: Path) -> None:
    evil = EVIL
    result = {"package": evil, "failed_bundle": evil, "reasons": [evil, None, 5, {"x": evil}]}
    kit = _sealed_kit(tmp_path / "kit", evil, result, _evil_blocks())
    (kit / "probes").mkdir(exist_ok=True)
    sealed = (kit / "report.html").read_text()
    assert "could not be rendered" not in sealed, "the renderer fell back on odd types"
    for page in (sealed, render_html.render(kitread.load_kit(kit))):
        assert_self_contained(page)
        assert "<script>" not in page and "<svg onload" not in page and "&lt;script&gt;alert(1)" in page
        assert "<img" not in page and "\\x1b[2J" in page
        page.encode("utf-8")  # no lone surrogate made it through
    assert verify_kit(kit).ok

    # A hand-made "kit": hostile run.json and report.json, odd types everywhere; no SHA256SUMS, so its check fails.
    fake = tmp_path / "fake"
    fake.mkdir()
    (fake / "run.json").write_text(
        json.dumps(
            {
                "command": evil,
                "status": evil,
                "started": "yesterday",
                "finished": 5,
                "gates": [
                    {"name": evil, "status": "FAIL", "seconds": -3, "started": "2026-01-01T00:00:00Z", "reason": evil},
                    {"name": "x", "status": "PASS", "seconds": 1e308, "started": None},
                    "not a gate",
                    {"details": {"findings": [{"rule": evil, "message": evil, "severity": evil}]}},
                ],
                "result": result,
                "environment": evil,
            }
        )
    )
    good = Report(evil, evil, evil, _evil_blocks(), evil, (evil,)).to_json()
    good["blocks"] += [
        "not a block",
        {"kind": evil},
        {"kind": "table", "headers": ["a"], "rows": [[1]]},
        {"kind": "section", "title": evil, "blocks": 5},
        {"kind": "text", "text": "<script>alert(4)"},
        {"kind": "findings", "findings": [{"rule": evil}]},
        {"kind": "gates", "gates": [{"name": 5}]},
        {"kind": "gates", "gates": [{"name": "n", "status": "PASS", "seconds": float("nan")}]},
    ]
    (fake / "report.json").write_text(json.dumps(good))
    out = tmp_path / "fake.html"
    r = run_cli("report", str(fake), "--html", str(out))
    assert r.returncode == 1, r.stdout + r.stderr  # the page is written; the kit fails its evidence check
    assert "kit FAILED verification" in r.stdout and "SHA256SUMS: missing" in r.stdout
    page = out.read_text()
    p = _Tags()
    p.feed(page)
    assert [t for t, _a in p.tags if t in FETCHING_TAGS] == []
    assert not any(n.startswith("on") for _t, a in p.tags for n in a)
    assert all((a.get("href") or "#").startswith("#") and "src" not in a for _t, a in p.tags)
    assert "nothing on this page can be trusted" in page and "&lt;script&gt;alert(4)" in page
    assert all(f">1 {what}</b>" in page for what in ("added", "removed", "changed"))
    assert page.count("of report.json could not be read") == 6, page
    assert not any(a.get("id") == evil for _t, a in p.tags)  # an anchor the kit names is no id on the page

    # An old kit (no report.json): run.json's gates and verdict, and its SUMMARY.md as text.
    (fake / "report.json").unlink()
    (fake / "SUMMARY.md").write_text(f"# {evil}\n\n<script>alert(5)</script>\n\n![x](https://evil.example/x.png)\n")
    r = run_cli("report", str(fake), "--html", str(out))
    page = out.read_text()
    assert r.returncode == 1 and "the kit has no report.json" in page and "&lt;script&gt;alert(5)" in page
    assert_self_contained(page)
    assert 'id="timeline"' in page and "<script>" not in page


def test_a_report_round_trips_through_json_and_renders_every_block(tmp_path: Path) -> None:
    """report.json holds what the command made: every kind of block reads back equal, and each renderer shows
    each block's content, escaped."""
    from pgwarden.evidence.render_md import render_md
    from pgwarden.evidence.render_text import render_text

    report = Report("pgwarden x: <b>FAIL</b>", "sub<j>", "FAIL", _evil_blocks(), "lead <i>", ("why <u>",))
    data = json.loads(json.dumps(report.to_json()))
    assert Report.from_json(data) == report
    md = render_md(report)
    text = "\n".join(render_text(report))
    kit = _sealed_kit(tmp_path / "kit", "x", {}, report.blocks)
    page = (kit / "report.html").read_text()
    assert_self_contained(page)
    assert "<script>" not in page and EVIL not in page and page.count("&lt;script&gt;alert(1)") >= 20
    for needle in (
        "+ " + EVIL,
        "- view",
        "~ function",
        "note: ",
        "policy.forbid",
        "ERROR:  ",
        "SQLSTATE: ",
        "HINT:  [x](https://evil.example/)",
        "… and 3 more",
        "| b |",
    ):
        assert needle in md, needle
    assert "\x00" not in md and "\\x00 nul" in md  # made visible
    for needle in ("+ ", "- view", "policy.forbid", "ERROR:  ", "SQLSTATE: ", "… and 3 more"):
        assert needle in text, needle
    assert "\x00" not in text and "\x1b" not in text
    for needle in (
        ">1 added</b>",
        ">1 removed</b>",
        ">1 changed</b>",
        "policy.<wbr>forbid",
        "… and 3 more",
        "<strong>b</strong>",
        "<code>[x](https://evil.example/)</code>",
    ):
        assert needle in page, needle
    with pytest.raises(ValueError, match="kind"):
        Report.from_json({**data, "blocks": [{"kind": "nope"}]})


# -- the command -------------------------------------------------------------------------------------
def test_report_command_input_and_defaults(tmp_path: Path) -> None:
    kit = _sealed_kit(tmp_path / "kit", "bundle A failed", {"package": "shop"})
    one_line = "pgwarden: bad-input: "
    cases = {
        "no such": [str(tmp_path / "nope")],
        "not a directory": [str(kit / "run.json")],
        "not an evidence kit": [str(tmp_path)],
        "inside the kit": [str(kit), "--html", str(kit / "mine.html")],
        "does not exist": [str(kit), "--html", str(tmp_path / "no" / "dir" / "r.html")],
        "is a directory": [str(kit), "--html", str(tmp_path)],
    }
    runs = {why: run_cli("report", *argv) for why, argv in cases.items()}  # in this process: one at a time
    for why, r in runs.items():
        assert r.returncode == 2 and r.stderr.startswith(one_line) and why in r.stderr, (why, r.stderr)
        assert len(r.stderr.strip().splitlines()) == 1 and "Traceback" not in r.stderr, r.stderr
    r = run_cli("report", str(tmp_path / "nope"), "--json")
    body = envelope(r)
    assert r.returncode == 2 and body["status"] == "BAD_INPUT" and "no such directory" in body["error"]["message"]
    assert verify_kit(kit).ok

    work = tmp_path / "work"
    work.mkdir()
    r = run_cli("report", str(kit), cwd=work)  # default: ./<kit name>.report.html, the kit untouched
    assert r.returncode == 0, r.stderr
    assert f"report: {work / 'kit.report.html'}" in r.stdout and "evidence check: kit OK" in r.stdout
    assert (work / "kit.report.html").stat().st_mode & 0o077 == 0 and verify_kit(kit).ok
    assert "kit OK" in (work / "kit.report.html").read_text()
    r = run_cli("report", ".", cwd=kit)  # from inside the kit the default would land in it: refused
    assert r.returncode == 2 and "inside the kit" in r.stderr

    summary = kit / "SUMMARY.md"
    summary.write_bytes(summary.read_bytes().replace(b"failed", b"fixed!"))
    r = run_cli("report", str(kit), "--html", str(work / "t.html"), "--json")
    assert r.returncode == 1 and result_of(r)["evidence"]["ok"] is False
    assert any(p["file"] == "SUMMARY.md" for p in result_of(r)["evidence"]["problems"])
    assert "kit FAILED verification" in (work / "t.html").read_text()


def test_report_as_text_prints_the_blocks_and_writes_no_page(tmp_path: Path) -> None:
    kit = _sealed_kit(
        tmp_path / "kit",
        "bundle A failed",
        {"package": "shop"},
        (
            Table.of("Execution", ("order", "bundle"), [("TXN-1", "A\x1b[2J")], ["FAIL"]),
            Diff("Differences", "probes/diff.txt", (ObjectChange(ChangeSign.ADDED, "table", "public.t"),)),
        ),
    )
    work = tmp_path / "work"
    work.mkdir()
    r = run_cli("report", str(kit), "--format", "text", cwd=work)
    assert r.returncode == 0, r.stdout + r.stderr
    out = r.stdout.splitlines()
    assert out[:2] == ["pgwarden apply: shop: FAIL", "=" * len("pgwarden apply: shop: FAIL")], out
    for needle in (
        "Bundle A failed.",
        "Gates",
        "execute",
        "FAIL",
        "bundle A failed",
        "TXN-1",
        "A\\x1b[2J",
        "+ table public.t",
        "evidence check: kit OK",
    ):
        assert needle in r.stdout, needle
    assert "\x1b" not in r.stdout and list(work.iterdir()) == []
    r = run_cli("report", str(kit), "--format", "text", "--html", str(work / "x.html"))
    assert r.returncode == 2 and "give one of them" in r.stderr


def test_a_kit_without_run_json_is_rebuilt_from_its_events(tmp_path: Path) -> None:
    kit = _sealed_kit(tmp_path / "kit", "bundle A failed", {"package": "shop"})
    (kit / "run.json").unlink()
    r = run_cli("report", str(kit), "--html", str(tmp_path / "r.html"))
    assert r.returncode == 1 and "run.json: listed in SHA256SUMS but missing" in r.stdout
    page = (tmp_path / "r.html").read_text()
    assert "rebuilt from events.jsonl" in page and "bundle A failed" in page and 'id="timeline"' in page
    assert_self_contained(page)


def test_a_renderer_failure_never_stops_the_seal(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    def boom(*_a: object, **_k: object) -> str:
        raise RuntimeError("<b>renderer bug</b>")

    monkeypatch.setattr(render_html, "render", boom)
    kit = _sealed_kit(tmp_path / "kit", "x", {})
    page = (kit / "report.html").read_text()
    assert "could not be rendered: RuntimeError: &lt;b&gt;renderer bug&lt;/b&gt;" in page
    assert verify_kit(kit).ok


def test_a_signed_kit_shows_its_signature_check(tmp_path: Path) -> None:
    kit = _sealed_kit(tmp_path / "kit", "bundle A failed", {"package": "shop"})
    for name in ("key", "other"):
        subprocess.run(["ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-f", str(tmp_path / name)], check=True)
    assert run_cli("evidence", "sign", str(kit), "--key", str(tmp_path / "key")).returncode == 0
    good, bad, unchecked = (
        run_cli("report", str(kit), *argv)
        for argv in (
            ["--html", str(tmp_path / "good.html"), "--key", str(tmp_path / "key.pub")],
            ["--html", str(tmp_path / "bad.html"), "--key", str(tmp_path / "other.pub")],
            ["--html", str(tmp_path / "unchecked.html")],
        )
    )
    assert good.returncode == 0 and "signature: valid" in good.stdout, good.stdout + good.stderr
    assert "valid: signed by the holder of" in (tmp_path / "good.html").read_text()
    assert bad.returncode == 1 and "SHA256SUMS.sig" in bad.stdout
    assert "INVALID" in (tmp_path / "bad.html").read_text()
    assert unchecked.returncode == 0
    page = (tmp_path / "unchecked.html").read_text()
    assert "present, not checked" in page and f"pgwarden evidence verify {kit} --key SIGNER.pub" in page
