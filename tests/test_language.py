"""Language: Dutch source strings; locale/nl only fills gaps in Django's catalogue."""

from pathlib import Path

from django.conf import settings
from django.db.models.fields import BLANK_CHOICE_LABEL
from django.utils import translation

CATALOGUE = Path(settings.BASE_DIR) / "locale" / "nl" / "LC_MESSAGES"


def _entries(po: str) -> list[tuple[str, str]]:
    entries, msgid = [], None
    for line in po.splitlines():
        if line.startswith("msgid "):
            msgid = line[7:-1]
        elif line.startswith("msgstr ") and msgid:
            entries.append((msgid, line[8:-1]))
    return entries


def test_catalogue_has_no_untranslated_entry_and_is_compiled():
    po = CATALOGUE / "django.po"
    mo = CATALOGUE / "django.mo"

    entries = _entries(po.read_text(encoding="utf-8"))

    assert entries and all(msgstr for _, msgstr in entries)
    assert mo.stat().st_mtime >= po.stat().st_mtime - 1  # msgfmt ran after editing
    with translation.override("nl-be"):
        for msgid, msgstr in entries:
            assert translation.gettext(msgid) == msgstr


def test_django_blank_choice_is_dutch():
    with translation.override("nl-be"):
        assert str(BLANK_CHOICE_LABEL) == "- Maak een keuze -"
