"""The dashboard as a person uses it: served by ``fragsim-dashboard``, opened in headless Chromium, offline.

Fails on any request to a host other than the server's, on any console error, page error or failed request.
Checks what a person sees: the browser tab's title, no "Page 0" tab, the controls' "press Reset" note, the seed
slider's number, the regulations table saying how much of the list it shows, the three charts (SVG and HTML
built by the server) redrawn at every step and showing their values, and the live world map: drawn, redrawn
at every step, a country's name and value on hover, its partners when clicked. Screenshots are saved to
``test-artifacts/dashboard-step0.png`` (the loss axis at step 0) and ``test-artifacts/dashboard.png``. Chromium is
Debian's ``/usr/bin/chromium`` (installed by ``.ci/run``); without it the test is skipped locally and fails under
``CI=true``.
"""

from __future__ import annotations

from urllib.parse import urlsplit

import pytest

from sim.dashboard.controls import TITLE
from sim.dashboard.panels import RESET_HINT
from tests.browser import CHROMIUM, chromium_page, dashboard_server, step_and_wait
from tests.shared_data import ROOT, skip_locally_fail_in_ci

pytestmark = pytest.mark.integration  # a server and a browser

ARTIFACTS = ROOT / "test-artifacts"


def _require_chromium() -> None:
    missing = []
    if not CHROMIUM.is_file():
        missing.append(f"{CHROMIUM} (apt-get install chromium)")
    try:
        import playwright  # noqa: F401
    except ImportError:
        missing.append("playwright (pip install -e '.[test]')")
    if not missing:
        return
    skip_locally_fail_in_ci(f"browser test needs {', '.join(missing)}")


class PageProblems:
    """Everything the page did that an offline dashboard must not do."""

    def __init__(self, page, server_url: str):
        self.server_host = urlsplit(server_url).netloc
        self.foreign, self.console, self.failed = [], [], []
        page.on("request", self._request)
        page.on("console", lambda msg: self.console.append(msg.text) if msg.type == "error" else None)
        page.on("pageerror", lambda exc: self.console.append(f"page error: {exc}"))
        page.on("requestfailed", lambda req: self.failed.append(f"{req.url}: {req.failure}"))
        page.on(
            "response",
            lambda resp: self.failed.append(f"{resp.url}: HTTP {resp.status}") if resp.status >= 400 else None,
        )

    def _request(self, request) -> None:
        parts = urlsplit(request.url)
        if parts.scheme in ("http", "https", "ws", "wss") and parts.netloc != self.server_host:
            self.foreign.append(request.url)

    def assert_none(self) -> None:
        assert not self.foreign, f"requests to other hosts than {self.server_host}: {self.foreign}"
        assert not self.console, f"console errors: {self.console}"
        assert not self.failed, f"failed requests: {self.failed}"


@pytest.fixture
def server(tmp_path):
    _require_chromium()
    with dashboard_server(tmp_path / "server.log", "--n-ases", "1000") as url:
        yield url


def check_world_map(page) -> None:
    """The map is drawn (one path per outline, the countries without data hatched), says the step it shows, gives
    a country's name and value on hover, and lists its partners when it is clicked."""
    page.get_by_text("World map, step 6").wait_for()
    countries = page.locator("path.fragsim-country")
    assert countries.count() == 176  # Natural Earth's 177 outlines, Antarctica left out
    fills = countries.evaluate_all("paths => paths.map(p => p.getAttribute('fill'))")
    assert "url(#fragsim-hatch)" in fills and any(f.startswith("#") for f in fills)  # data, and hatched "no data"
    brazil = page.locator('path.fragsim-country[data-code="BR"]')
    brazil.hover()
    tooltip = page.locator(".fragsim-map-tooltip")
    tooltip.wait_for()
    assert tooltip.inner_text().startswith("Brazil (BR): ") and "%" in tooltip.inner_text()
    brazil.click()
    page.get_by_text("Selected: Brazil (BR)", exact=False).wait_for()
    page.get_by_text("Still reaches ", exact=False).wait_for()
    assert brazil.get_attribute("stroke") == "#000"  # the selection is outlined on the map


def _tick_texts(svg) -> list[str]:
    """The y axis's tick labels of an SVG chart (its end-anchored texts)."""
    return svg.evaluate("s => [...s.querySelectorAll('text[text-anchor=end]')].map(t => t.textContent)")


def check_charts(page) -> None:
    """The three charts show step 6 and their values: a dot per step on each loss line, the heatmap's 400 cells
    with their shares, ten bars with their losses in percent and each country's label whole and in the panel."""
    charts = page.locator(".fragsim-chart")
    assert charts.count() == 3 and all(charts.nth(i).get_attribute("data-step") == "6" for i in range(3))
    loss, cells, bars = charts.nth(0), charts.nth(1), charts.nth(2)
    assert loss.locator("circle title").count() == 2 * 7  # two lines, steps 0 to 6
    assert loss.locator("circle title").last.text_content().startswith("cross-border pairs, step 6: ")
    assert _tick_texts(loss)[-1].endswith("%") and loss.bounding_box()["width"] > 300
    assert (
        cells.locator("rect title").count() == 400
        and "% of AS pairs reachable" in cells.locator("title").first.text_content()
    )
    assert cells.bounding_box()["width"] > 300
    labels = bars.locator(".fragsim-bar-label")
    assert labels.count() == 10 and bars.get_by_text("%", exact=False).count() >= 10
    panel = bars.bounding_box()
    for i in range(10):
        label = labels.nth(i)
        assert label.evaluate("e => e.scrollWidth <= e.clientWidth && e.scrollHeight <= e.clientHeight + 1")
        box = label.bounding_box()
        assert box["x"] >= panel["x"] and box["width"] > 0


def test_dashboard_in_chromium_loads_offline_steps_and_redraws(server, tmp_path):
    with chromium_page(tmp_path / "profile") as page:
        problems = PageProblems(page, server)
        page.goto(server, wait_until="load")
        page.locator(".v-toolbar__title", has_text=TITLE).first.wait_for()  # the app bar's (the tab's is hidden)
        page.get_by_text("Step: 0").wait_for()
        page.get_by_role("button", name="Reset", exact=True).click()
        page.get_by_text("extraterritorial_wave: step 0 of 20").wait_for()
        assert page.title() == TITLE  # the browser tab's title
        assert not page.get_by_text("Page 0", exact=True).is_visible()  # Mesa's lone tab is not shown
        assert page.get_by_text(RESET_HINT).is_visible()
        seed = page.locator(".v-input", has=page.get_by_text("Seed", exact=True)).locator(".v-slider__thumb-label")
        assert seed.is_visible() and seed.inner_text().strip() == "0"  # the seed slider shows its number
        ARTIFACTS.mkdir(exist_ok=True)
        page.screenshot(path=str(ARTIFACTS / "dashboard-step0.png"), full_page=True)  # the loss axis: 0 to 5%
        assert page.locator(".fragsim-chart").count() == 3  # loss, heatmap, countries losing most
        assert _tick_texts(page.locator("svg.fragsim-chart").first) == ["0%", "1%", "2%", "3%", "4%", "5%"]
        for n in range(1, 7):
            step_and_wait(page, n)  # bounded: rejects after 120 s
        page.get_by_text("Step: 6").wait_for()
        check_charts(page)
        page.get_by_text("Regulations adopted so far:").wait_for()
        page.get_by_text("extraterritorial_wave: step 6 of 20").wait_for()
        n_regulations = int(page.get_by_text("Regulations adopted so far:").inner_text().rsplit(" ", 1)[1])
        caption = f"The latest 12 of {n_regulations} regulations" if n_regulations > 12 else f"All {n_regulations},"
        assert page.get_by_text(caption).is_visible()
        check_world_map(page)
        shot = ARTIFACTS / "dashboard.png"
        page.screenshot(path=str(shot), full_page=True)
        print(f"dashboard screenshot: {shot}")
        problems.assert_none()
