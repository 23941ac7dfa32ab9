"""Search suggestions in Debian Chromium: typing in the viewer's search box asks
``GET /api/search`` (debounced), lists what the server found under the box, and the
keyboard (↑/↓/Enter/Esc) or a click chooses one, which selects the feature and flies the
camera to it. Against ``twin serve`` on the demo city (its buildings have Chinese names)."""

from __future__ import annotations

import math
from typing import Any
from urllib.parse import parse_qs, quote, urlsplit

import pytest
from playwright.sync_api import Page, expect
from playwright.sync_api import TimeoutError as PlaywrightTimeout

from tests.browser.conftest import DemoServer, Recorder, ViewerPages, twin_state, wait_settled

pytestmark = pytest.mark.browser

METRES_PER_DEGREE = 111_320.0
# the camera frames the feature's box: the ground at the middle of the canvas is within
# a few tens of metres of its centroid (the box's middle is above the ground, looked at
# from 45° down); a wrong feature of the city is hundreds of metres away
CENTRE_TOLERANCE_M = 120.0
SUGGEST_LIMIT = 8  # what the viewer asks for (search-suggest.ts)


def search_hook(page: Page) -> dict[str, Any]:
    hook: dict[str, Any] = page.evaluate("() => window.__twin.search")
    return hook


def named_prefix(server: DemoServer) -> tuple[str, list[dict[str, Any]]]:
    """A prefix of a demo building's name with several matches, and the server's answer
    to it as the viewer asks for it."""
    found = server.get_json(f"api/search?q={quote('栋')}&limit=50")["results"]
    names = [r["label"] for r in found if r["matched"] == "name" and len(r["label"]) >= 3]
    assert names, f"the demo city has no named buildings to search: {found[:5]}"
    for name in names:
        prefix = name[:2]
        results = server.get_json(f"api/search?q={quote(prefix)}&limit={SUGGEST_LIMIT}")["results"]
        if len(results) >= 3:
            return prefix, results
    pytest.fail(f"no two-character name prefix of {names[:10]} matches 3 features")


def type_query(page: Page, text: str) -> None:
    box = page.get_by_test_id("search-input")
    box.fill("", timeout=60_000)  # after a flight, SwiftShader on shared cores is slow
    box.press_sequentially(text, delay=40)


def wait_suggestions(page: Page, query: str) -> dict[str, Any]:
    try:
        page.wait_for_function(
            "(q) => window.__twin.search.open && window.__twin.search.query === q", arg=query
        )
    except PlaywrightTimeout:
        pytest.fail(
            f"no suggestions for {query!r}: window.__twin = {twin_state(page)}", pytrace=False
        )
    return search_hook(page)


def distance_m(a: tuple[float, float], b: tuple[float, float]) -> float:
    dlon = (a[0] - b[0]) * METRES_PER_DEGREE * math.cos(math.radians(b[1]))
    dlat = (a[1] - b[1]) * METRES_PER_DEGREE
    return math.hypot(dlon, dlat)


def wait_chosen(page: Page, feature_id: str) -> None:
    try:
        page.wait_for_function("(id) => window.__twin.lastPicked === id", arg=feature_id)
    except PlaywrightTimeout:
        pytest.fail(
            f"choosing {feature_id!r} did not select it: window.__twin = {twin_state(page)}",
            pytrace=False,
        )
    wait_settled(page, f"the flight to {feature_id}")


def search_queries(recorder: Recorder) -> list[str]:
    """The q= of every api/search request the page made, in order."""
    out = []
    for url in recorder.requests:
        parts = urlsplit(url)
        if parts.path.endswith("/api/search"):
            out.append(parse_qs(parts.query).get("q", [""])[0])
    return out


def test_typing_lists_the_server_s_matches_and_the_keyboard_chooses_one(
    viewer_pages: ViewerPages, demo_server: DemoServer, recorder: Recorder
) -> None:
    prefix, expected = named_prefix(demo_server)
    page = viewer_pages.open()

    type_query(page, prefix)
    hook = wait_suggestions(page, prefix)
    # the list is the server's answer, in its order
    assert hook["suggestions"] == [r["id"] for r in expected]
    items = page.get_by_test_id("search-suggestion")
    expect(items).to_have_count(len(expected))
    expect(items.first).to_contain_text(expected[0]["label"])
    expect(page.get_by_test_id("search-input")).to_have_attribute("aria-expanded", "true")
    # debounced: the characters typed 40 ms apart made one query, for the whole text
    assert search_queries(recorder) == [prefix], search_queries(recorder)

    # ↓ ↓ ↑ ↑ goes to the second, then back round to the last
    box = page.get_by_test_id("search-input")
    box.press("ArrowDown")
    box.press("ArrowDown")
    assert search_hook(page)["active"] == 1
    expect(items.nth(1)).to_have_attribute("aria-selected", "true")
    box.press("ArrowUp")
    box.press("ArrowUp")
    last = len(expected) - 1
    assert search_hook(page)["active"] == last
    expect(items.nth(last)).to_have_attribute("aria-selected", "true")
    expect(items.nth(1)).to_have_attribute("aria-selected", "false")

    # Enter chooses the highlighted one: selected, shown, flown to
    target = expected[last]
    box.press("Enter")
    wait_chosen(page, target["id"])
    expect(page.get_by_test_id("search-suggestions")).to_be_hidden()
    expect(page.get_by_test_id("info-id")).to_have_text(target["id"])
    assert search_hook(page)["chosen"] == target["id"]
    view = page.evaluate("() => window.__twin.view")
    assert view["centre"] is not None, twin_state(page)
    off = distance_m(tuple(view["centre"]), (target["lon"], target["lat"]))
    assert off < CENTRE_TOLERANCE_M, f"the view centre is {off:.0f} m from {target}"

    # Esc closes the list and leaves the selection as it was
    type_query(page, prefix)
    wait_suggestions(page, prefix)
    box.press("Escape")
    expect(page.get_by_test_id("search-suggestions")).to_be_hidden()
    assert search_hook(page)["open"] is False
    assert page.evaluate("() => window.__twin.lastPicked") == target["id"]
    assert recorder.bad_responses() == []
    assert page.evaluate("() => window.__twin.errors") == []


def test_a_click_chooses_a_suggestion_and_enter_without_one_looks_up_the_id(
    viewer_pages: ViewerPages, demo_server: DemoServer, recorder: Recorder
) -> None:
    prefix, expected = named_prefix(demo_server)
    page = viewer_pages.open("?lang=en")
    type_query(page, prefix)
    wait_suggestions(page, prefix)
    target = expected[1]
    page.locator(f'[data-testid="search-suggestion"][data-id="{target["id"]}"]').click()
    wait_chosen(page, target["id"])
    expect(page.get_by_test_id("info-id")).to_have_text(target["id"])

    # an id typed whole: its suggestion names the id as what matched (in English here)
    other = expected[0]
    type_query(page, other["id"])
    wait_suggestions(page, other["id"])
    first = page.get_by_test_id("search-suggestion").first
    expect(first).to_have_attribute("data-id", other["id"])
    expect(first).to_contain_text("ID")
    # Enter with nothing highlighted is the form's own lookup by id
    page.get_by_test_id("search-input").press("Enter")
    wait_chosen(page, other["id"])
    expect(page.get_by_test_id("search-suggestions")).to_be_hidden()

    # a text nothing matches says so in the list
    type_query(page, "zzqx没有这个")
    wait_suggestions(page, "zzqx没有这个")
    expect(page.get_by_test_id("search-suggestions")).to_contain_text("No matching feature")
    assert search_hook(page)["suggestions"] == []
    assert recorder.bad_responses() == []
    assert page.evaluate("() => window.__twin.errors") == []
