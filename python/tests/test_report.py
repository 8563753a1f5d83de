"""Reports in a real browser: headless Chromium (Debian's ``chromium``) renders the report of
a small run of every shipped scenario; every image and figure loads, the page logs no error and
requests nothing from the network, it does not overflow at 200% zoom, and a screenshot of
each is kept under build/test-artifacts/. Also Result.report() from Python.

Chromium is driven through the DevTools protocol over ``--remote-debugging-pipe`` (file
descriptors 3 and 4, NUL-separated JSON): the standard library is enough (no websocket
client, no Playwright), and the protocol's events, unlike ``--enable-logging`` output, say
exactly which requests the page made and what its console logged."""
import base64
import json
import os
import re
import shutil
import subprocess
import tempfile
import time
from pathlib import Path

import pytest

import counterpoint as cp
from conftest import ROOT, small_world

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
ARTIFACTS = ROOT / "build" / "test-artifacts"
# every shipped scenario that is a run (the others, with a top-level graph: block, are audits),
# on its own catalog with fewer users, steps and replicates: about a second each
SHIPPED_RUNS = sorted(p.stem for p in (ROOT / "scenarios").glob("*.yaml")
                      if not re.search(r"^graph:", p.read_text(), re.MULTILINE))
SMALL = ["population.n_users=150", "steps=8", "replicates=2"]
# a scenario whose script switches at a step beyond the short run switches within it
SMALL_EXTRA = {"replicate_hosseinmardi2024": ["sock_puppets.0.script.1.from_step=4"]}


def _cli():
    built = ROOT / "build" / "cli" / "counterpoint"
    return str(built) if built.exists() else shutil.which("counterpoint")


class DevTools:
    """Chromium headless with the DevTools protocol on a pipe."""

    def __init__(self, profile):
        flags = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking", "--no-first-run",
                 f"--user-data-dir={profile}", "--remote-debugging-pipe", "about:blank"]
        to_chrome_r, self._to_chrome = os.pipe()
        self._from_chrome, from_chrome_w = os.pipe()
        def pipes_on_3_and_4():
            # Chromium reads commands from fd 3 and writes to fd 4; dup2 leaves them inheritable,
            # every other descriptor of this process is closed on exec (PEP 446)
            r, w = os.dup(to_chrome_r), os.dup(from_chrome_w)
            os.dup2(r, 3)
            os.dup2(w, 4)

        # its own log goes to a file (a pipe nobody reads could fill and block it)
        self._log = open(Path(profile) / "chromium.log", "w+b")
        self.proc = subprocess.Popen([CHROMIUM, *flags], stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                                     stderr=self._log, close_fds=False, preexec_fn=pipes_on_3_and_4)
        os.close(to_chrome_r)
        os.close(from_chrome_w)
        self._buf = b""
        self._id = 0
        self.events = []

    def _read(self, deadline):
        while b"\0" not in self._buf:
            if time.time() > deadline:
                raise TimeoutError("no answer from chromium")
            chunk = os.read(self._from_chrome, 1 << 16)
            if not chunk:
                self._log.seek(0)
                raise RuntimeError("chromium closed the pipe: " + self._log.read().decode(errors="replace")[-2000:])
            self._buf += chunk
        msg, self._buf = self._buf.split(b"\0", 1)
        return json.loads(msg)

    def send(self, method, params=None, session=None, timeout=60):
        self._id += 1
        msg = {"id": self._id, "method": method, "params": params or {}}
        if session:
            msg["sessionId"] = session
        os.write(self._to_chrome, json.dumps(msg).encode() + b"\0")
        deadline = time.time() + timeout
        while True:
            m = self._read(deadline)
            if m.get("id") == self._id:
                if "error" in m:
                    raise RuntimeError(f"{method}: {m['error']}")
                return m.get("result", {})
            self.events.append(m)

    def wait_for(self, method, timeout=60):
        deadline = time.time() + timeout
        for i, e in enumerate(self.events):
            if e.get("method") == method:
                return self.events.pop(i)
        while True:
            m = self._read(deadline)
            self.events.append(m)
            if m.get("method") == method:
                return self.events.pop()

    def close(self):
        try:
            self.send("Browser.close", timeout=10)
        except Exception:  # noqa: BLE001  (already gone)
            pass
        try:
            self.proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()
        os.close(self._to_chrome)
        os.close(self._from_chrome)
        self._log.close()


def render(html_path, screenshot):
    """Opens the report; returns what the page did: requests, console and log entries, and
    facts evaluated in it (at 100% and at 200% zoom). Saves a screenshot."""
    with tempfile.TemporaryDirectory() as profile:
        dt = DevTools(profile)
        try:
            target = next(t for t in dt.send("Target.getTargets")["targetInfos"] if t["type"] == "page")
            s = dt.send("Target.attachToTarget", {"targetId": target["targetId"], "flatten": True})["sessionId"]
            for domain in ("Page", "Network", "Runtime", "Log"):
                dt.send(f"{domain}.enable", session=s)
            dt.events.clear()
            url = Path(html_path).resolve().as_uri()
            dt.send("Page.navigate", {"url": url}, session=s)
            dt.wait_for("Page.loadEventFired")
            facts = {}
            # 100%: a laptop's width; 200%: the same window at twice the zoom, half the CSS pixels
            for zoom, (width, scale) in {"100": (1280, 1), "200": (640, 2)}.items():
                dt.send("Emulation.setDeviceMetricsOverride",
                        {"width": width, "height": 900, "deviceScaleFactor": scale, "mobile": False}, session=s)
                js = ("JSON.stringify({svgs: document.querySelectorAll('svg').length,"
                      " named: [...document.querySelectorAll('svg')].filter(e => e.getAttribute('role') === 'img'"
                      "   && e.querySelector('title') && e.querySelector('desc') && e.getAttribute('aria-label')).length,"
                      " drawn: [...document.querySelectorAll('svg')].filter(e => e.getBoundingClientRect().width > 0)"
                      "   .length,"
                      " images: [...document.images].filter(i => !(i.complete && i.naturalWidth > 0)).length,"
                      " overflow: document.documentElement.scrollWidth - window.innerWidth,"
                      " text: document.body.innerText.length})")
                facts[zoom] = json.loads(dt.send("Runtime.evaluate", {"expression": js, "returnByValue": True},
                                                 session=s)["result"]["value"])
            dt.send("Emulation.setDeviceMetricsOverride",
                    {"width": 1280, "height": 1600, "deviceScaleFactor": 1, "mobile": False}, session=s)
            shot = dt.send("Page.captureScreenshot", {"format": "png"}, session=s)
            screenshot.parent.mkdir(parents=True, exist_ok=True)
            screenshot.write_bytes(base64.b64decode(shot["data"]))
            requests = [e["params"]["request"]["url"] for e in dt.events if e.get("method") == "Network.requestWillBeSent"]
            console = [e["params"] for e in dt.events if e.get("method") == "Runtime.consoleAPICalled"]
            errors = [e["params"] for e in dt.events
                      if e.get("method") == "Runtime.exceptionThrown"
                      or (e.get("method") == "Log.entryAdded" and e["params"]["entry"]["level"] in ("error", "warning"))]
            return {"url": url, "requests": requests, "console": console, "errors": errors, "facts": facts}
        finally:
            dt.close()


def check_rendered(page):
    # the page itself is the only request; it logs nothing
    assert page["requests"] == [page["url"]], page["requests"]
    assert page["console"] == [], page["console"]
    assert page["errors"] == [], page["errors"]
    for zoom, f in page["facts"].items():
        assert f["svgs"] > 0, zoom
        assert f["named"] == f["svgs"], (zoom, f)
        assert f["drawn"] == f["svgs"], (zoom, f)
        assert f["images"] == 0, (zoom, f)
        assert f["overflow"] <= 0, f"horizontal overflow at {zoom}% zoom: {f}"
        assert f["text"] > 1000, (zoom, f)


needs_chromium = pytest.mark.skipif(
    CHROMIUM is None,
    reason="chromium is not installed (apt-get install -y --no-install-recommends chromium; scripts/test.sh does)")


@needs_chromium
@pytest.mark.parametrize("scenario", SHIPPED_RUNS)
def test_shipped_scenario_report_renders_offline(scenario, tmp_path):
    cli = _cli()
    if cli is None:
        pytest.skip("the counterpoint command is not built (scripts/setup.sh)")
    out = tmp_path / scenario
    args = [cli, "run", str(ROOT / "scenarios" / f"{scenario}.yaml"), "--out", str(out), "--quiet", "--report",
            "--threads", "2"]
    for s in SMALL + SMALL_EXTRA.get(scenario, []):
        args += ["--set", s]
    done = subprocess.run(args, capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr
    assert f"Report: {out}/report.html" in done.stdout
    if scenario.startswith("crisis"):  # a world of platforms: each platform's transparency report
        html = (out / "report.html").read_text()
        assert html.count("transparency report (transparency.csv)") == 4  # one table per platform
    page = render(out / "report.html", ARTIFACTS / f"report_{scenario}.png")
    check_rendered(page)
    # the screenshot is a PNG of the page
    assert (ARTIFACTS / f"report_{scenario}.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


@needs_chromium
def test_python_report_renders(tmp_path):
    result = cp.run(small_world(replicates=2), progress=False)
    path = result.report(tmp_path / "small.html")
    check_rendered(render(path, ARTIFACTS / "report_python.png"))


def test_python_report_states_summary_numbers(tmp_path):
    result = cp.run(small_world(replicates=2), progress=False)
    html = Path(result.report(tmp_path / "r.html")).read_text()
    assert "<title>counterpoint report: small</title>" in html
    assert "http://" not in html and "https://" not in html and "<script" not in html
    diff = next(c for c in result.summary["comparisons"]
                if c["arm"] == "relevance" and c["metric"] == "harmful_exposure_share")
    m = re.search(r'<data value="([^"]*)" data-arm="relevance" data-metric="harmful_exposure_share" '
                  r'data-field="diff">', html)
    assert m and float(m.group(1)) == diff["diff"]
