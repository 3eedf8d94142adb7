import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from openpyxl import Workbook

from municipalities.management.commands.import_contacts import Command as ImportContacts
from municipalities.models import Contact, Municipality

pytestmark = pytest.mark.django_db


def write_csv(tmp_path, text, name="contacts.csv"):
    path = tmp_path / name
    path.write_text(text, encoding="utf-8-sig")
    return path


def test_load_municipalities_prints_counts(db, capsys):
    call_command("load_municipalities")
    call_command("load_municipalities")

    out = capsys.readouterr().out.splitlines()
    assert out == [
        "Provinces: 5 created, 0 updated, 0 unchanged",
        "Clusters: 16 created, 0 updated, 0 unchanged",
        "Municipalities: 312 created, 0 updated, 0 unchanged",
        "Facts at a date (per municipality): 312 created, 0 updated, 0 unchanged",
        "Provinces: 0 created, 0 updated, 5 unchanged",
        "Clusters: 0 created, 0 updated, 16 unchanged",
        "Municipalities: 0 created, 0 updated, 312 unchanged",
        "Facts at a date (per municipality): 0 created, 0 updated, 312 unchanged",
    ]
    assert Municipality.objects.count() == 312


def test_import_contacts_imports_semicolon_csv(reference_data, tmp_path, capsys):
    path = write_csv(
        tmp_path,
        "nis_code;role;function;name;email;active\n"
        "11001;burgemeester;Burgemeester;Jan Test;Jan.Test@Example.be;ja\n"
        "11002;staff;;Piet Staf;piet@example.be;\n",
    )

    call_command("import_contacts", str(path))
    call_command("import_contacts", str(path))

    assert capsys.readouterr().out.splitlines() == [
        "2 new, 0 updated, 0 unchanged.",
        "0 new, 0 updated, 2 unchanged.",
    ]
    assert sorted(Contact.objects.values_list("email", "role")) == [
        ("jan.test@example.be", "mayor"),
        ("piet@example.be", "staff"),
    ]


def test_import_contacts_reads_xlsx_with_numeric_nis(reference_data, tmp_path, capsys):
    book = Workbook()
    sheet = book.active
    sheet.append(["nis_code", "role", "function", "name", "email", "active"])
    sheet.append([11001, "mayor", "Burgemeester", "Xl Sheet", "xl@example.be", 1])
    path = tmp_path / "contacts.xlsx"
    book.save(path)

    call_command("import_contacts", str(path), "--dry-run")
    dry_count = Contact.objects.count()
    call_command("import_contacts", str(path))

    assert capsys.readouterr().out.splitlines() == [
        "Dry run, nothing saved: 1 new, 0 updated, 0 unchanged.",
        "1 new, 0 updated, 0 unchanged.",
    ]
    assert dry_count == 0
    assert list(Contact.objects.values_list("municipality__nis_code", "name")) == [
        ("11001", "Xl Sheet")
    ]


def test_import_contacts_reports_rows_and_imports_nothing(reference_data, tmp_path):
    path = write_csv(
        tmp_path,
        "nis_code,role,function,name,email,active\n"
        "11001,mayor,,Goed,goed@example.be,1\n"
        "1234,mayor,,Kort,kort@example.be,1\n"
        "99999,boss,,Fout,not-an-email,1\n",
    )

    with pytest.raises(CommandError) as excinfo:
        call_command("import_contacts", str(path))

    assert str(excinfo.value) == "4 error(s) in 2 row(s); nothing was imported."
    assert Contact.objects.count() == 0


def test_import_contacts_exits_non_zero_with_messages(reference_data, tmp_path, capsys):
    path = write_csv(
        tmp_path,
        "nis_code,role,function,name,email,active\n"
        "11001,mayor,,Goed,goed@example.be,1\n"
        "99999,boss,,Fout,not-an-email,1\n",
    )

    with pytest.raises(SystemExit) as excinfo:
        ImportContacts().run_from_argv(
            ["manage.py", "import_contacts", str(path), "--skip-checks"]
        )

    assert excinfo.value.code == 1
    assert capsys.readouterr().err.splitlines() == [
        "row 2, email: Ongeldig e-mailadres 'not-an-email'.",
        "row 2, nis_code: Onbekende gemeente met NIS-code 99999.",
        "row 2, role: Onbekende rol 'boss': gebruik mayor, director, livc, "
        "prevention, policy, coordinator of staff (of de Nederlandse naam, "
        "bv. burgemeester).",
        "CommandError: 3 error(s) in 1 row(s); nothing was imported.",
    ]


def test_create_demo_contacts_command(reference_data, capsys):
    call_command("create_demo_contacts", "--seed", "7")

    created = Contact.objects.count()
    assert capsys.readouterr().out == f"Demo contacts created: {created}\n"
    assert created >= 285
