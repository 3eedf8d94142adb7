"""A mayor answers every section of the real 2026 instrument in the browser and submits.

Two branch paths: "ja" takes the first option everywhere (every follow-up opens),
"neen" answers the gate questions with their "Neen" option (follow-ups stay shut).
Each path ends with a submitted response whose stored answers are complete for the
branching evaluator. Runs on PostgreSQL in CI (services marker).
"""

from __future__ import annotations

import time

import pytest
from playwright.sync_api import expect

from responses.mailing.tokens import raw_token_for
from responses.models import Answer, Response, ResponseStatus
from surveys import branching
from surveys.queries import clear_spec_cache, instrument_spec
from tests.factories import make_campaign, make_invitation, make_real_instrument

pytestmark = [pytest.mark.browser, pytest.mark.services]

# The first unanswered visible field of the page, or null; chosen as a mayor would.
NEXT_FIELD = """(path) => {
  const labelOf = (input) =>
    (document.querySelector(`label[for="${input.id}"]`) || {}).textContent || "";
  for (const box of document.querySelectorAll("[data-question]")) {
    if (box.hidden) continue;
    if (box.querySelector(".matrix")) {
      for (const row of box.querySelectorAll("[data-row]")) {
        if (!row.hidden && !row.querySelector("input:checked")) {
          return {id: row.querySelector("input[type=radio]").id, fill: null};
        }
      }
      continue;
    }
    const radios = [...box.querySelectorAll("input[type=radio]")];
    if (radios.length) {
      if (radios.some((r) => r.checked)) continue;
      const no = radios.find((r) => /^Nee/i.test(labelOf(r).trim()));
      return {id: (path === "neen" && no ? no : radios[0]).id, fill: null};
    }
    const checks = [...box.querySelectorAll("input[type=checkbox]")];
    if (checks.length) {
      if (checks.some((c) => c.checked)) continue;
      return {id: checks[0].id, fill: null};
    }
    const text = box.querySelector("textarea");
    if (text && !text.value) return {id: text.id, fill: "Antwoord van de burgemeester"};
    const number = box.querySelector("input[type=number]");
    if (number && !number.value) return {id: number.id, fill: number.min || "1"};
  }
  return null;
}"""


def _answer_page(page, path: str) -> None:
    for _ in range(200):
        target = page.evaluate(NEXT_FIELD, path)
        if target is None:
            # Let autosaves land: they may reveal follow-up questions on this page.
            page.wait_for_timeout(400)
            expect(page.locator(".htmx-request")).to_have_count(0)
            target = page.evaluate(NEXT_FIELD, path)
            if target is None:
                return
        field = page.locator(f'[id="{target["id"]}"]')
        if target["fill"] is None:
            field.check()
        else:
            field.fill(target["fill"])
    raise AssertionError("a page that never runs out of questions")


def _walk(page, base: str, path: str) -> list[str]:
    page.goto(base)
    page.get_by_role("link", name="Start de vragenlijst").click()
    page.get_by_role("button", name="Start de vragenlijst").click()
    headings = []
    for _ in range(40):
        heading = page.get_by_role("heading", level=1).inner_text()
        if heading == "Overzicht van uw antwoorden":
            break
        if not headings or headings[-1] != heading:
            # The same page again: follow-ups a late autosave revealed after the
            # click were added to it ("verschenen bijkomende vragen").
            headings.append(heading)
        _answer_page(page, path)
        page.get_by_role("button", name="Volgende").or_(
            page.get_by_role("button", name="Naar het overzicht")
        ).click()
        page.wait_for_load_state("load")
        expect(page.locator("#page-check")).to_have_count(0)
    page.get_by_role("button", name="Antwoorden indienen").click()
    expect(
        page.get_by_role("heading", name="Bedankt voor uw antwoorden!")
    ).to_be_visible()
    return headings


def _complete(invitation) -> dict:
    response = Response.objects.get(invitations=invitation)
    values = dict(
        Answer.objects.filter(response=response).values_list("question__code", "value")
    )
    spec = instrument_spec(response.campaign.instrument)
    assert response.status == ResponseStatus.SUBMITTED
    assert branching.validate(spec, values, {}) == {}
    done, total = branching.progress_at(spec, values, None)
    assert done == total
    return values


@pytest.mark.parametrize("path", ["ja", "neen"])
def test_mayor_answers_every_section_of_the_2026_instrument_and_submits(
    transactional_db, live_server, page, path
):
    clear_spec_cache()
    campaign = make_campaign(instrument=make_real_instrument(2026))
    invitation = make_invitation(campaign=campaign)
    started = time.monotonic()

    headings = _walk(page, f"{live_server.url}/b/{raw_token_for(invitation)}/", path)

    values = _complete(invitation)
    spec = instrument_spec(campaign.instrument)
    sections = {spec.question(code).section for code in values}
    assert sections == set(spec.sections)  # every section answered
    assert len(headings) == len(spec.sections)
    if path == "ja":
        assert values["RAD_SIGNALEN"] == "ja_gelijk"
        assert {"RAD_VORMEN", "RAD_DREIGING", "RAD_CASUS_ISLAM"} <= set(values)
    else:
        assert values["RAD_SIGNALEN"] == "neen"
        assert "RAD_VORMEN" not in values
    print(f"{path}: {len(values)} answers in {time.monotonic() - started:.1f} s")
