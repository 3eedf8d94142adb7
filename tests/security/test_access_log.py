"""The production access log never records a respondent's token."""

import runpy
from collections import defaultdict

from tests.conftest import ROOT

TOKEN = "bkcdB0z8WnOvYW3hPt-BwrtUgnWoMoLi--kamwWMNs4"


def test_gunicorn_access_log_line_leaves_out_the_token_path():
    fmt = runpy.run_path(str(ROOT / "gunicorn.conf.py"))["access_log_format"]
    atoms = defaultdict(
        lambda: "-",
        h="192.0.2.7",
        t="[25/Nov/2026:11:40:00 +0100]",
        m="GET",
        s="200",
        B="5120",
        L="0.021",
        U=f"/b/{TOKEN}/",
        r=f"GET /b/{TOKEN}/ HTTP/1.1",
        q="",
        f=f"https://enquete.vvsg.be/b/{TOKEN}/",
    )

    line = fmt % atoms

    assert line == '192.0.2.7 [25/Nov/2026:11:40:00 +0100] "GET" 200 5120 0.021s'
    assert TOKEN not in line
