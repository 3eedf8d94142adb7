import cProfile
import pstats
import time

import pytest

from tests.factories import make_campaign, make_real_instrument, make_started_response

pytestmark = pytest.mark.services


def test_prof(postgres, transactional_db, client):
    campaign = make_campaign(instrument=make_real_instrument(2024))
    mayor, token = make_started_response(campaign=campaign)
    url = f"/b/{token}/vragen/radicalisering/"
    page = client.get(url)
    assert page.status_code == 200
    rev = 0
    def save(i):
        nonlocal rev
        r = client.post(url + "opslaan/", {"_question": "RAD_SIGNALEN", "q-RAD_SIGNALEN": ["ja_gelijk", "neen"][i % 2], "q-RAD_SIGNALEN-rev": str(rev)}, HTTP_HX_REQUEST="true")
        import json
        rev = json.loads(r.headers["HX-Trigger"])["surveySaved"]["revision"]
        return r
    for i in range(20):
        save(i)
    t = time.perf_counter()
    for i in range(100):
        client.get(url)
    g = (time.perf_counter() - t) / 100
    t = time.perf_counter()
    for i in range(100):
        save(i)
    a = (time.perf_counter() - t) / 100
    print(f"GET {g*1000:.1f} ms, autosave {a*1000:.1f} ms")
    prof = cProfile.Profile()
    prof.enable()
    for i in range(100):
        save(i)
    prof.disable()
    pstats.Stats(prof).sort_stats("cumulative").print_stats(35)
    prof = cProfile.Profile()
    prof.enable()
    for i in range(50):
        client.get(url)
    prof.disable()
    pstats.Stats(prof).sort_stats("cumulative").print_stats(40)
