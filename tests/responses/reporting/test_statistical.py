"""SPSS, Stata and R exports: values, labels, and hidden = system-missing (issue 18)."""

from __future__ import annotations

import csv
import io
import math
import zipfile

import pyreadstat
import pytest
from django.core.management import call_command

from responses.models import ExportLog, Response, ResponseStatus
from responses.reporting.exports import export_rows
from responses.reporting.statistical import variables, write_statistical
from surveys.queries import instrument_spec
from tests.responses.reporting.test_imports import ANSWERS, OTHERS, SUBMITTED, wave

pytestmark = pytest.mark.django_db
__all__ = ["wave"]  # the fixture, re-used


def write(campaign, fmt, tmp_path, **kw):
    path = tmp_path / f"out.{fmt}"
    with path.open("wb") as fh:
        write_statistical(
            export_rows(campaign=campaign, **kw),
            fh,
            spec=instrument_spec(campaign.instrument),
            fmt=fmt,
            title=campaign.slug,
        )
    return path


def nan_as_none(values):
    return [None if isinstance(v, float) and math.isnan(v) else v for v in values]


@pytest.mark.parametrize("fmt", ["sav", "dta"])
def test_spss_and_stata_values_labels_and_system_missing(wave, tmp_path, fmt):
    source, _ = wave
    # Response 1 answered q1 = ja; response 2 answered q1 = nee, so q2 and matrix
    # row q3.r2 were hidden for it: system-missing, not 0.
    reader = pyreadstat.read_sav if fmt == "sav" else pyreadstat.read_dta

    frame, meta = reader(str(write(source, fmt, tmp_path)))

    column = {name: nan_as_none(list(frame[name])) for name in frame.columns}
    assert column["q1"] == [1, 2]  # ja = 1, nee = 2 (instrument order)
    assert column["q2__rad"] == [1, None]
    assert column["q2__pol"] == [0, None]
    assert column["q3__r1"] == [2, 1]  # integer scale codes keep their value
    assert column["q3__r2"] == [3, None]
    assert column["q5"] == [12, 7]
    assert column["q7"] == [2, None]  # "ander" is the 2nd option; not answered
    assert column["status"] == [3, 3]  # submitted
    assert column["is_coordinator"] == [0, 1]
    assert column["q4"] == [ANSWERS["q4"], "tweede"]  # text unchanged, no apostrophe
    assert column["q2__other"] == [OTHERS["q2"], ""]
    labels = meta.variable_value_labels
    assert labels["q1"] == {1: "Ja", 2: "Nee"}
    assert labels["q3__r2"] == {1: "Nooit", 2: "Soms", 3: "Vaak"}
    assert labels["q2__rad"] == {0: "niet gekozen", 1: "gekozen"}
    assert labels["status"] == {
        1: "Gestart",
        2: "Gedeeltelijk ingevuld",
        3: "Ingediend",
    }
    names = dict(zip(meta.column_names, meta.column_labels, strict=True))
    assert names["q3__r2"].startswith("q3. ") and names["q3__r2"].endswith("– Rij 2")
    assert names["q2__other"].endswith("– toelichting")
    assert f"{frame['submitted_at'][0]:%Y-%m-%d}" == f"{SUBMITTED:%Y-%m-%d}"


def test_partial_response_keeps_its_status_code(wave, tmp_path):
    source, _ = wave
    Response.objects.filter(campaign=source).update(status=ResponseStatus.PARTIAL)

    frame, _ = pyreadstat.read_sav(str(write(source, "sav", tmp_path)))

    assert list(frame["status"]) == [2, 2]


def test_r_export_is_csv_plus_labels_script(wave, tmp_path):
    source, _ = wave

    archive = zipfile.ZipFile(write(source, "r", tmp_path))

    slug = source.slug
    assert sorted(archive.namelist()) == [f"{slug}.csv", f"{slug}_labels.R"]
    text = archive.read(f"{slug}.csv").decode("utf-8-sig")
    rows = list(csv.DictReader(io.StringIO(text)))
    assert [(r["q1"], r["q2__rad"], r["q3__r2"]) for r in rows] == [
        ("1", "1", "3"),
        ("2", "", ""),  # hidden: NA in R
    ]
    assert rows[0]["q4"] == "'" + ANSWERS["q4"]  # the CSV rule; the script undoes it
    script = archive.read(f"{slug}_labels.R").decode("utf-8")
    assert (
        'd[["q1"]] <- factor(d[["q1"]], levels = c(1, 2), labels = c("Ja", "Nee"))'
        in script
    )
    assert (
        'd[["q3__r2"]] <- factor(d[["q3__r2"]], levels = c(1, 2, 3), '
        'labels = c("Nooit", "Soms", "Vaak"), ordered = TRUE)'
    ) in script


def test_stata_names_are_cut_to_32_characters_and_stay_unique(wave, tmp_path):
    spec = instrument_spec(wave[0].instrument)
    header = ["x" * 40 + "_a", "x" * 40 + "_b", "1st"]

    names = [v.name for v in variables(spec, header, fmt="dta")]

    assert names == ["x" * 32, "x" * 30 + "_2", "v1st"]


def test_export_responses_command_writes_sav_and_logs_it(wave, tmp_path):
    source, _ = wave
    path = tmp_path / "golf.sav"

    call_command("export_responses", source.slug, "-o", str(path))

    frame, _ = pyreadstat.read_sav(str(path))
    assert nan_as_none(list(frame["q2__rad"])) == [1, None]
    log = ExportLog.objects.get()
    assert (log.format, log.rows, log.source) == ("sav", 2, "command")
