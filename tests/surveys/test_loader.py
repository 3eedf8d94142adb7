"""load_instrument: bad files write nothing; reloads are idempotent or refused."""

from __future__ import annotations

import copy
from datetime import UTC, datetime

import pytest
import yaml
from django.core.management import CommandError, call_command

from surveys.models import Instrument, MatrixRow, Option, Question, Section
from surveys.services import InstrumentError, load_instrument, lock_instrument

pytestmark = pytest.mark.django_db

BASE = {
    "code": "mini",
    "version": "1",
    "title": "Mini",
    "sections": [
        {
            "code": "a",
            "title": "A",
            "questions": [
                {
                    "code": "Q_SIGNALEN",
                    "number": 1,
                    "type": "single",
                    "text": "Signalen?",
                    "source": "Tabel 1",
                    "options": [
                        {"code": "ja", "label": "Ja"},
                        {"code": "neen", "label": "Neen"},
                    ],
                },
                {
                    "code": "Q_VORMEN",
                    "number": 2,
                    "type": "matrix",
                    "text": "Vormen?",
                    "source": "Tabel 2",
                    "when": {"q": "Q_SIGNALEN", "in": ["ja"]},
                    "options": [{"code": "aanwezig", "label": "Aanwezig"}],
                    "rows": [
                        {"code": "r1", "label": "R1"},
                        {"code": "r2", "label": "R2"},
                    ],
                },
                {
                    "code": "Q_ZICHT",
                    "number": 3,
                    "type": "multiple",
                    "text": "Zicht?",
                    "source": "Tabel 4",
                    "options": [
                        {"code": "livc", "label": "LIVC R"},
                        {"code": "ander", "label": "Ander", "other": True},
                        {"code": "niet", "label": "Niet", "exclusive": True},
                    ],
                },
                {
                    "code": "Q_OPEN",
                    "number": 4,
                    "type": "text",
                    "text": "Voorbeeld?",
                    "source": "Casuïstiek",
                    "required": False,
                    "settings": {"max_length": 500},
                },
            ],
        }
    ],
}


def write(tmp_path, data, name="mini.yaml"):
    path = tmp_path / name
    path.write_text(
        yaml.safe_dump(data, allow_unicode=True, sort_keys=False), encoding="utf-8"
    )
    return path


def questions(data):
    return data["sections"][0]["questions"]


def q(data, code):
    return next(x for x in questions(data) if x["code"] == code)


def _mutations():
    """(id, mutate(data), question code named in the message, message fragment)."""

    def set_(code, key, value):
        def apply(d):
            q(d, code)[key] = value

        return apply

    def drop(code, key):
        def apply(d):
            del q(d, code)[key]

        return apply

    def dup_question(d):
        questions(d).append({**copy.deepcopy(q(d, "Q_OPEN")), "number": 9})

    def dup_section(d):
        d["sections"].append(
            {
                "code": "a",
                "title": "B",
                "questions": [
                    {**copy.deepcopy(q(d, "Q_OPEN")), "code": "Q_X", "number": 8}
                ],
            }
        )

    def dup_option(d):
        q(d, "Q_ZICHT")["options"].append({"code": "livc", "label": "Nog eens"})

    def dup_row(d):
        q(d, "Q_VORMEN")["rows"].append({"code": "r1", "label": "Nog eens"})

    def two_others(d):
        q(d, "Q_ZICHT")["options"].append(
            {"code": "andere", "label": "Andere", "other": True}
        )

    def forward(d):
        q(d, "Q_SIGNALEN")["when"] = {"q": "Q_ZICHT", "in": ["livc"]}

    return [
        (
            "missing-key",
            drop("Q_OPEN", "text"),
            "Q_OPEN",
            "verplichte sleutel 'text' ontbreekt",
        ),
        (
            "unknown-key",
            set_("Q_OPEN", "opions", []),
            "Q_OPEN",
            "onbekende sleutel 'opions'",
        ),
        (
            "bad-number",
            set_("Q_OPEN", "number", "vier"),
            "Q_OPEN",
            "'number' moet een positief geheel getal zijn",
        ),
        (
            "bad-required",
            set_("Q_OPEN", "required", "nee"),
            "Q_OPEN",
            "'required' moet true of false zijn",
        ),
        ("bad-type", set_("Q_OPEN", "type", "date"), "Q_OPEN", "onbekend type 'date'"),
        ("dup-question", dup_question, "Q_OPEN", "dubbele vraagcode"),
        ("dup-section", dup_section, "sectie a", "dubbele sectiecode"),
        ("dup-number", set_("Q_OPEN", "number", 1), "Q_OPEN", "dubbel vraagnummer 1"),
        ("dup-option", dup_option, "Q_ZICHT", "dubbele optiecode 'livc'"),
        ("dup-row", dup_row, "Q_VORMEN", "dubbele rijcode 'r1'"),
        (
            "empty-options",
            set_("Q_SIGNALEN", "options", []),
            "Q_SIGNALEN",
            "lege of ontbrekende 'options'",
        ),
        (
            "matrix-no-rows",
            drop("Q_VORMEN", "rows"),
            "Q_VORMEN",
            "lege of ontbrekende 'rows'",
        ),
        (
            "options-on-text",
            set_("Q_OPEN", "options", [{"code": "x", "label": "X"}]),
            "Q_OPEN",
            "heeft geen 'options'",
        ),
        ("two-others", two_others, "Q_ZICHT", "meer dan één 'other'-optie"),
        (
            "exclusive-single",
            set_(
                "Q_SIGNALEN",
                "options",
                [{"code": "ja", "label": "Ja", "exclusive": True}],
            ),
            "Q_SIGNALEN",
            "'exclusive' kan enkel bij type multiple",
        ),
        (
            "unknown-question",
            set_("Q_OPEN", "when", {"q": "Q_NOPE", "in": ["ja"]}),
            "Q_OPEN",
            "onbekende vraag 'Q_NOPE'",
        ),
        ("forward-ref", forward, "Q_SIGNALEN", "verwijst vooruit naar Q_ZICHT"),
        (
            "self-ref",
            set_("Q_ZICHT", "when", {"q": "Q_ZICHT", "in": ["livc"]}),
            "Q_ZICHT",
            "verwijst naar de vraag zelf",
        ),
        (
            "unknown-option",
            set_("Q_OPEN", "when", {"q": "Q_SIGNALEN", "in": ["misschien"]}),
            "Q_OPEN",
            "onbekende optie(s) ['misschien']",
        ),
        (
            "unknown-row",
            set_("Q_OPEN", "when", {"q": "Q_VORMEN", "row": "r9", "in": ["aanwezig"]}),
            "Q_OPEN",
            "onbekende rij 'r9'",
        ),
        (
            "matrix-in-without-row",
            set_("Q_OPEN", "when", {"q": "Q_VORMEN", "in": ["aanwezig"]}),
            "Q_OPEN",
            "'in' op een matrix vereist 'row'",
        ),
        (
            "gte-on-single",
            set_("Q_OPEN", "when", {"q": "Q_SIGNALEN", "gte": 3}),
            "Q_OPEN",
            "'gte' kan enkel bij type number",
        ),
        (
            "row-on-single",
            set_("Q_OPEN", "when", {"q": "Q_SIGNALEN", "row": "r1", "in": ["ja"]}),
            "Q_OPEN",
            "'row' kan enkel bij een matrix",
        ),
        (
            "empty-in",
            set_("Q_OPEN", "when", {"q": "Q_SIGNALEN", "in": []}),
            "Q_OPEN",
            "'in' verwacht een niet-lege lijst",
        ),
        (
            "no-operator",
            set_("Q_OPEN", "when", {"q": "Q_SIGNALEN"}),
            "Q_OPEN",
            "geen operator",
        ),
        (
            "bad-combinator",
            set_("Q_OPEN", "when", {"all": []}),
            "Q_OPEN",
            "'all' verwacht een niet-lege lijst",
        ),
        (
            "bad-setting-key",
            set_("Q_OPEN", "settings", {"maxlength": 5}),
            "Q_OPEN",
            "onbekende instelling 'maxlength'",
        ),
        (
            "bad-setting-value",
            set_("Q_OPEN", "settings", {"max_length": "veel"}),
            "Q_OPEN",
            "instelling 'max_length' moet een positief geheel getal zijn",
        ),
        (
            "results-group-unknown-option",
            set_(
                "Q_ZICHT",
                "settings",
                {"results_groups": [{"code": "ja", "label": "J", "options": ["xx"]}]},
            ),
            "Q_ZICHT",
            "results_groups: onbekende optie(s) ['xx']",
        ),
        (
            "results-exclude-unknown-option",
            set_("Q_VORMEN", "settings", {"results_exclude": ["nooit"]}),
            "Q_VORMEN",
            "results_exclude: onbekende optie(s) ['nooit']",
        ),
        (
            "setting-for-other-type",
            set_("Q_OPEN", "settings", {"bins": [0, 1]}),
            "Q_OPEN",
            "onbekende instelling 'bins' voor type 'text'",
        ),
        (
            "bad-option-code",
            set_("Q_SIGNALEN", "options", [{"code": "Ja!", "label": "Ja"}]),
            "Q_SIGNALEN",
            "ongeldige code (snake_case)",
        ),
        (
            "bad-row-condition",
            set_(
                "Q_VORMEN",
                "rows",
                [
                    {
                        "code": "r1",
                        "label": "R",
                        "when": {"q": "Q_OPEN", "answered": True},
                    }
                ],
            ),
            "Q_VORMEN, rij r1",
            "verwijst vooruit naar Q_OPEN",
        ),
    ]


@pytest.mark.parametrize(
    ("mutate", "where", "fragment"),
    [m[1:] for m in _mutations()],
    ids=[m[0] for m in _mutations()],
)
def test_load_instrument_rejects_invalid_file_and_writes_nothing(
    tmp_path, mutate, where, fragment
):
    data = copy.deepcopy(BASE)
    mutate(data)
    path = write(tmp_path, data)

    with pytest.raises(InstrumentError) as excinfo:
        load_instrument(path=path)

    message = str(excinfo.value)
    assert message.startswith(f"{path}: ")
    assert any(where in line and fragment in line for line in message.splitlines()), (
        message
    )
    assert (
        Instrument.objects.count()
        == Section.objects.count()
        == Question.objects.count()
        == 0
    )


def test_load_instrument_rejects_yaml_syntax_error(tmp_path):
    path = tmp_path / "kapot.yaml"
    path.write_text("code: mini\nsections: [\n", encoding="utf-8")

    with pytest.raises(InstrumentError) as excinfo:
        load_instrument(path=path)

    assert str(excinfo.value).startswith(
        f"{path}: 1 probleem:\n  - bestand: ongeldige YAML (regel 3, kolom 1): "
    )
    assert Instrument.objects.count() == 0


def test_load_instrument_collects_all_problems_in_one_error(tmp_path):
    data = copy.deepcopy(BASE)
    q(data, "Q_OPEN")["number"] = 1
    q(data, "Q_ZICHT")["when"] = {"q": "Q_ZICHT", "in": ["livc"]}
    del data["title"]

    with pytest.raises(InstrumentError) as excinfo:
        load_instrument(path=write(tmp_path, data))

    assert excinfo.value.problems == [
        "bestand: verplichte sleutel 'title' ontbreekt",
        "vraag Q_ZICHT: voorwaarde verwijst naar de vraag zelf (Q_ZICHT)",
        "vraag Q_OPEN: dubbel vraagnummer 1 (ook Q_SIGNALEN)",
    ]


def test_load_instrument_writes_rows(tmp_path):
    instrument = load_instrument(path=write(tmp_path, BASE))

    vormen = Question.objects.get(instrument=instrument, code="Q_VORMEN")
    assert instrument.title == "Mini"
    assert len(instrument.source_sha256) == 64
    assert list(Question.objects.values_list("code", flat=True)) == [
        "Q_SIGNALEN",
        "Q_VORMEN",
        "Q_ZICHT",
        "Q_OPEN",
    ]
    assert vormen.condition == {"q": "Q_SIGNALEN", "in": ["ja"]}
    assert vormen.source == "Tabel 2"
    assert list(vormen.rows.values_list("code", flat=True)) == ["r1", "r2"]
    assert list(
        Option.objects.filter(question__code="Q_ZICHT").values_list(
            "code", "exclusive", "is_other"
        )
    ) == [
        ("livc", False, False),
        ("ander", False, True),
        ("niet", True, False),
    ]


def test_load_instrument_same_content_is_a_no_op(tmp_path):
    path = write(tmp_path, BASE)
    first = load_instrument(path=path)
    ids = sorted(Question.objects.values_list("pk", flat=True))
    option_ids = sorted(Option.objects.values_list("pk", flat=True))

    again = load_instrument(path=path)

    assert again.pk == first.pk
    assert sorted(Question.objects.values_list("pk", flat=True)) == ids
    assert sorted(Option.objects.values_list("pk", flat=True)) == option_ids
    assert Instrument.objects.count() == 1


def test_load_instrument_changed_content_needs_replace(tmp_path):
    path = write(tmp_path, BASE)
    load_instrument(path=path)
    changed = copy.deepcopy(BASE)
    q(changed, "Q_OPEN")["text"] = "Nieuw voorbeeld?"
    write(tmp_path, changed)

    with pytest.raises(InstrumentError, match="gebruik --replace"):
        load_instrument(path=path)

    assert Question.objects.get(code="Q_OPEN").text == "Voorbeeld?"


def test_load_instrument_replace_keeps_question_rows(tmp_path):
    path = write(tmp_path, BASE)
    load_instrument(path=path)
    before = dict(Question.objects.values_list("code", "pk"))
    changed = copy.deepcopy(BASE)
    q(changed, "Q_OPEN")["text"] = "Nieuw voorbeeld?"
    questions(changed).reverse()  # renumbering must not trip the order constraint
    for number, item in enumerate(questions(changed), 1):
        item["number"] = number
    # Q_VORMEN would now refer forward to Q_SIGNALEN: drop it (it has no answers).
    changed["sections"][0]["questions"] = [
        x for x in questions(changed) if x["code"] != "Q_VORMEN"
    ]
    write(tmp_path, changed)

    instrument = load_instrument(path=path, replace=True)

    after = dict(Question.objects.values_list("code", "pk"))
    assert after == {code: pk for code, pk in before.items() if code != "Q_VORMEN"}
    assert Question.objects.get(code="Q_OPEN").text == "Nieuw voorbeeld?"
    assert list(Question.objects.order_by("order").values_list("code", flat=True)) == [
        "Q_OPEN",
        "Q_ZICHT",
        "Q_SIGNALEN",
    ]
    assert MatrixRow.objects.count() == 0
    assert instrument.source_sha256 == Instrument.objects.get().source_sha256


def test_load_instrument_refuses_to_change_a_locked_instrument(tmp_path):
    path = write(tmp_path, BASE)
    instrument = load_instrument(path=path)
    lock_instrument(instrument=instrument, now=datetime(2026, 5, 1, 9, 0, tzinfo=UTC))
    changed = copy.deepcopy(BASE)
    q(changed, "Q_OPEN")["text"] = "Nieuw?"
    write(tmp_path, changed)

    with pytest.raises(InstrumentError) as excinfo:
        load_instrument(path=path, replace=True)

    assert "is vergrendeld sinds 2026-05-01 09:00" in str(excinfo.value)
    assert Question.objects.get(code="Q_OPEN").text == "Voorbeeld?"


def test_load_instrument_locked_identical_reload_is_allowed(tmp_path):
    path = write(tmp_path, BASE)
    instrument = load_instrument(path=path)
    lock_instrument(instrument=instrument)

    assert load_instrument(path=path).pk == instrument.pk


def test_lock_instrument_keeps_first_lock_time(tmp_path):
    instrument = load_instrument(path=write(tmp_path, BASE))
    first = datetime(2026, 5, 1, 9, 0, tzinfo=UTC)

    lock_instrument(instrument=instrument, now=first)
    lock_instrument(instrument=instrument, now=datetime(2026, 6, 1, tzinfo=UTC))

    assert Instrument.objects.get().locked_at == first
    assert instrument.locked_at == first


def test_load_instrument_command_reports_errors_and_success(tmp_path, capsys):
    good = write(tmp_path, BASE)
    bad_data = copy.deepcopy(BASE)
    q(bad_data, "Q_OPEN")["type"] = "date"
    bad = write(tmp_path, bad_data, name="bad.yaml")

    with pytest.raises(CommandError, match="vraag Q_OPEN: onbekend type 'date'"):
        call_command("load_instrument", str(bad))
    call_command("load_instrument", str(good))

    assert "mini 1: 4 vragen" in capsys.readouterr().out
    assert Instrument.objects.count() == 1


def test_load_real_instruments_2024_and_2026(tmp_path):
    from tests.factories import make_real_instrument

    old = make_real_instrument(2024)
    new = make_real_instrument(2026)

    assert old.questions.count() == new.questions.count() == 57
    assert Section.objects.filter(instrument=old).count() == 7
    assert old.definitions[0]["term"] == "Radicalisering"
    assert (
        Option.objects.filter(
            question__instrument=old, question__code="RAD_SIGNALEN"
        ).count()
        == 4
    )


def test_replace_refuses_to_drop_an_answered_question_and_rolls_back(tmp_path):
    from responses.models import Answer, Response
    from tests.factories import make_campaign

    path = write(tmp_path, BASE)
    instrument = load_instrument(path=path)
    original_sha = instrument.source_sha256
    campaign = make_campaign(instrument=instrument)
    response = Response.objects.create(campaign=campaign)
    Answer.objects.create(
        response=response, question=Question.objects.get(code="Q_OPEN"), value="x"
    )
    changed = copy.deepcopy(BASE)
    q(changed, "Q_SIGNALEN")["text"] = "Gewijzigd?"
    changed["sections"][0]["questions"] = questions(changed)[:-1]  # drops Q_OPEN
    write(tmp_path, changed)

    with pytest.raises(InstrumentError, match="vraag Q_OPEN: heeft al antwoorden"):
        load_instrument(path=path, replace=True)

    instrument.refresh_from_db()
    assert Question.objects.get(code="Q_SIGNALEN").text == "Signalen?"
    assert Question.objects.filter(instrument=instrument).count() == 4
    assert Option.objects.filter(question__instrument=instrument).count() == 6
    assert instrument.source_sha256 == original_sha
    assert Answer.objects.get().question.code == "Q_OPEN"
