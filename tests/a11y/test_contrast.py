"""Non-text contrast of form controls, measured on computed styles in chromium.

WCAG 1.4.11 asks 3:1 for the boundary of a control and for its focus indicator
against what is next to them; the outline buttons' text needs 4.5:1 (1.4.3).
"""

from __future__ import annotations

import pytest
from django.test import Client
from playwright.sync_api import expect

from tests.a11y.contrast import BACKGROUND_JS, contrast, over, parse_colours
from tests.a11y.pages import RESULTS_SLUG, build_pages
from tests.factories import make_started_response

pytestmark = [pytest.mark.browser, pytest.mark.services]


def _control_contrasts(page, selector: str) -> list[tuple[str, float]]:
    found = []
    for control in page.locator(selector).all():
        if not control.is_visible():
            continue
        border = parse_colours(
            control.evaluate("e => getComputedStyle(e).borderTopColor")
        )[0]
        background = parse_colours(control.evaluate(BACKGROUND_JS))[0]
        name = control.get_attribute("id") or selector
        found.append((name, contrast(over(border, background), background)))
    return found


def _focus_ring_contrast(page, control) -> float:
    """Contrast of the focus ring (box-shadow or outline) on its page."""
    control.page.wait_for_timeout(400)  # Bootstrap animates the ring in (.15 s)
    style = control.evaluate(
        "e => { const s = getComputedStyle(e);"
        " return {shadow: s.boxShadow, outline: s.outlineStyle !== 'none'"
        " ? s.outlineColor : ''}; }"
    )
    background = parse_colours(control.evaluate(BACKGROUND_JS))[0]
    colours = parse_colours(style["shadow"]) if style["shadow"] != "none" else []
    if style["outline"]:
        colours.append(parse_colours(style["outline"])[0])
    assert colours, f"no visible focus indicator: {style}"
    return max(contrast(over(c, background), background) for c in colours)


def test_radio_checkbox_and_field_borders_and_focus_reach_3_to_1(
    transactional_db, live_server, page
):
    _, token = make_started_response()
    page.goto(f"{live_server.url}/b/{token}/vragen/radicalisering/")
    page.get_by_label("Ja (stijging)").check()
    expect(page.locator('[data-question="rad_vormen"]')).to_be_visible()
    radio = page.get_by_label("Neen")

    borders = _control_contrasts(page, "input.form-check-input:not(:checked)")
    kinds = page.locator("input.form-check-input:not(:checked)").evaluate_all(
        "els => [...new Set(els.filter(e => e.offsetParent).map(e => e.type))]"
    )
    radio.focus()
    page.keyboard.press("ArrowUp")  # keyboard focus, as a keyboard user gets it
    page.keyboard.press("ArrowDown")
    focused = page.locator("input:focus")
    ring = _focus_ring_contrast(page, focused)
    page.goto(f"{live_server.url}/b/{token}/vragen/beleid/")
    fields = _control_contrasts(page, "input.form-control, textarea.form-control")
    page.locator("#id_q-bel_fte, input.form-control").first.focus()
    field_ring = _focus_ring_contrast(page, page.locator("input:focus"))

    assert sorted(kinds) == ["checkbox", "radio"]
    assert len(borders) >= 8
    assert [(n, round(c, 2)) for n, c in borders if c < 3] == []
    assert fields and [(n, round(c, 2)) for n, c in fields if c < 3] == []
    assert ring >= 3
    assert field_ring >= 3


def test_outline_buttons_text_reaches_4_5_to_1(transactional_db, live_server, page):
    pages = build_pages()
    client = Client()
    client.force_login(pages.superuser)
    page.context.add_cookies(
        [
            {
                "name": "sessionid",
                "value": client.cookies["sessionid"].value,
                "url": live_server.url,
            }
        ]
    )
    page.goto(f"{live_server.url}/beheer/campagnes/{RESULTS_SLUG}/")
    # The pause control is a link styled as a button since the console redesign.
    pause = page.get_by_role("link", name="Verzending pauzeren…")

    text = parse_colours(pause.evaluate("e => getComputedStyle(e).color"))[0]
    background = parse_colours(pause.evaluate(BACKGROUND_JS))[0]
    pause.focus()
    ring = _focus_ring_contrast(page, pause)

    assert contrast(text, background) >= 4.5
    assert ring >= 3


def test_sticky_matrix_header_stays_above_checked_radios(
    transactional_db, live_server, page
):
    _, token = make_started_response()
    page.set_viewport_size({"width": 1280, "height": 500})
    page.goto(f"{live_server.url}/b/{token}/vragen/radicalisering/")
    page.get_by_label("Ja (stijging)").check()
    matrix = page.locator('[data-question="rad_dreiging"]')
    expect(matrix).to_be_visible()
    radios = matrix.locator("input[type=radio]")
    radios.first.check()
    head = matrix.locator(".matrix-head")
    head_height = head.bounding_box()["height"]
    # Room below the form, then scroll the checked radio under the header, which
    # sticks at the top of the viewport.
    page.evaluate("document.body.style.paddingBottom = '2000px'")
    radio_top = radios.first.evaluate(
        "e => e.getBoundingClientRect().top + window.scrollY"
    )
    page.evaluate(f"window.scrollTo(0, {radio_top - head_height / 2 + 4})")
    box = radios.first.bounding_box()

    on_top = page.evaluate(
        "([x, y]) => !!document.elementFromPoint(x, y).closest('.matrix-head')",
        [box["x"] + box["width"] / 2, head_height / 2],
    )

    assert head.bounding_box()["y"] == pytest.approx(0, abs=1)
    assert box["y"] < head_height  # the radio really is under the header
    assert on_top is True
