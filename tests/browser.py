"""Driving ``fragsim-dashboard`` in Debian's headless Chromium through Playwright: start the server, open a
fresh browser profile, step and time the redraw. Used by the browser test and the timing script."""

from __future__ import annotations

import contextlib
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

from tests.shared_data import ROOT

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_FLAGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
VIEWPORT = {"width": 1600, "height": 1500}  # the whole page: Solara scrolls inside, not the window

#: click Step and resolve with the milliseconds until the step counter reads ``n``, every chart (``.fragsim-chart``, its
#: ``data-step``) shows step ``n`` and the world map says step ``n``
STEP_AND_WAIT_JS = """async (n) => {
  const button = [...document.querySelectorAll('button')].find(b => b.textContent.trim().toLowerCase() === 'step');
  const charts = () => [...document.querySelectorAll('.fragsim-chart')].map(c => c.getAttribute('data-step'));
  const before = charts().length;
  const t0 = performance.now();
  button.click();
  return await new Promise((resolve, reject) => {
    const check = () => {
      const now = charts();
      const redrawn = now.length > 0 && now.length >= before && now.every(step => step === String(n));
      const text = document.body.innerText;  // the world map (an SVG component) says the step it shows
      const mapped = text.includes('World map, step ' + n);
      if (text.includes('Step: ' + n) && mapped && redrawn) resolve(performance.now() - t0);
      else if (performance.now() - t0 > 120000) reject(new Error('no redraw within 120 s'));
      else requestAnimationFrame(check);
    };
    check();
  });
}"""


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _wait_until_serving(url: str, proc: subprocess.Popen, log: Path, timeout: float) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"fragsim-dashboard exited with {proc.returncode}:\n{log.read_text()[-3000:]}")
        with contextlib.suppress(OSError):
            with urllib.request.urlopen(url, timeout=5) as response:
                if response.status == 200:
                    return
        time.sleep(0.5)
    raise TimeoutError(f"fragsim-dashboard did not serve {url} within {timeout:.0f} s:\n{log.read_text()[-3000:]}")


@contextlib.contextmanager
def dashboard_server(log: Path, *args: str, timeout: float = 90.0):
    """Run ``fragsim-dashboard --host 127.0.0.1 --port <free port> ARGS`` from this checkout (its
    ``main()``, as the console script runs it); yield the page's URL; stop the server's process group."""
    port = free_port()
    command = [sys.executable, "-m", "sim.cli.dashboard", "--host", "127.0.0.1", "--port", str(port), *args]
    with open(log, "w") as out:
        proc = subprocess.Popen(
            command,
            cwd=ROOT,
            stdout=out,
            stderr=subprocess.STDOUT,
            start_new_session=True,
            env={**os.environ, "PYTHONPATH": str(ROOT)},
        )
    url = f"http://127.0.0.1:{port}/"
    try:
        _wait_until_serving(url, proc, log, timeout)
        yield url
    finally:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(proc.pid, signal.SIGTERM)
        try:
            proc.wait(timeout=15)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait(timeout=15)


@contextlib.contextmanager
def chromium_page(profile: Path):
    """A page of Debian's Chromium, headless, with a fresh profile (no browser is downloaded)."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        context = playwright.chromium.launch_persistent_context(
            str(profile), executable_path=str(CHROMIUM), headless=True, args=CHROMIUM_FLAGS, viewport=VIEWPORT
        )
        context.set_default_timeout(60_000)
        try:
            yield context.new_page()
        finally:
            context.close()


def step_and_wait(page, n: int) -> float:
    """Click Step; seconds until the counter reads ``n`` and every chart and the map show step ``n``."""
    return page.evaluate(STEP_AND_WAIT_JS, n) / 1000
