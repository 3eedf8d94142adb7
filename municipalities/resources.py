"""django-import-export resources for municipalities and contacts (admin + commands).

Both resources are all-or-nothing: one bad row rolls back the whole file, and every
bad cell is reported per row with a message the importing staff member can act on.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

import tablib
from django.core.exceptions import NON_FIELD_ERRORS, ValidationError
from django.core.validators import validate_email
from import_export import fields, resources, widgets
from import_export.results import Result

from municipalities.models import (
    Cluster,
    ClusterSource,
    Contact,
    ContactRole,
    Municipality,
    Province,
)
from vvsg_survey.uploads import UploadError, read_table

NIS_RE = re.compile(r"^\d{5}$")


def _text(value) -> str:
    """Cell value as trimmed text; spreadsheets turn 11002 into 11002.0."""
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return str(value).strip()


def _nis(value) -> str:
    nis = _text(value)
    if not NIS_RE.match(nis):
        raise ValueError(f"Ongeldige NIS-code '{nis}': verwacht precies 5 cijfers.")
    return nis


class NisCodeWidget(widgets.CharWidget):
    def clean(self, value, row=None, **kwargs):
        return _nis(value)


class MunicipalityWidget(widgets.ForeignKeyWidget):
    """A municipality by NIS code, with a readable error for bad or unknown codes."""

    def __init__(self, *, required: bool):
        super().__init__(Municipality, "nis_code")
        self.required = required

    def clean(self, value, row=None, **kwargs):
        nis = _text(value)
        if not nis:
            if self.required:
                raise ValueError("NIS-code ontbreekt.")
            return None
        nis = _nis(nis)
        try:
            return Municipality.objects.get(nis_code=nis)
        except Municipality.DoesNotExist:
            raise ValueError(f"Onbekende gemeente met NIS-code {nis}.") from None


class ProvinceWidget(widgets.ForeignKeyWidget):
    """A province by NIS code or by name (case-insensitive)."""

    def __init__(self):
        super().__init__(Province, "name")

    def clean(self, value, row=None, **kwargs):
        text = _text(value)
        if not text:
            raise ValueError("Provincie ontbreekt.")
        province = (
            Province.objects.filter(nis_code=text).first()
            or Province.objects.filter(name__iexact=text).first()
        )
        if province is None:
            raise ValueError(f"Onbekende provincie '{text}'.")
        return province


class ClusterWidget(widgets.ForeignKeyWidget):
    def __init__(self):
        super().__init__(Cluster, "code")

    def clean(self, value, row=None, **kwargs):
        code = _text(value).upper()
        if not code:
            return None
        cluster = Cluster.objects.filter(code=code).first()
        if cluster is None:
            raise ValueError(
                f"Onbekende clustercode '{code}': verwacht V1 tot en met V16."
            )
        return cluster


class RoleWidget(widgets.Widget):
    # Each role by its code and by its Dutch name, as staff type them.
    ALIASES = {
        **{role.value: role for role in ContactRole},
        **{role.label.lower(): role for role in ContactRole},
        "burgemeester": ContactRole.MAYOR,
        "directeur": ContactRole.DIRECTOR,
        "livc": ContactRole.LIVC,
        "livc r": ContactRole.LIVC,
        "preventie": ContactRole.PREVENTION,
        "coördinator": ContactRole.COORDINATOR,
        "coordinator": ContactRole.COORDINATOR,
        "medewerker": ContactRole.STAFF,
    }

    def clean(self, value, row=None, **kwargs):
        text = _text(value).lower()
        if text not in self.ALIASES:
            raise ValueError(
                f"Onbekende rol '{_text(value)}': gebruik mayor, director, livc, "
                "prevention, policy, coordinator of staff (of de Nederlandse "
                "naam, bv. burgemeester)."
            )
        return self.ALIASES[text]

    def render(self, value, obj=None, **kwargs):
        return value or ""


class BesturenWidget(widgets.ManyToManyWidget):
    """The besturen a coordinator serves: NIS codes separated by ; , or spaces."""

    def __init__(self):
        super().__init__(Municipality, separator=";", field="nis_code")

    def clean(self, value, row=None, **kwargs):
        codes = [c for c in re.split(r"[;,\s]+", _text(value)) if c]
        if not codes:
            return Municipality.objects.none()
        role = RoleWidget.ALIASES.get(_text((row or {}).get("role")).lower())
        if role != ContactRole.COORDINATOR:
            raise ValueError(
                "Alleen een intergemeentelijk coördinator (rol coordinator) kan "
                "besturen hebben."
            )
        for code in codes:
            _nis(code)
        found = Municipality.objects.filter(nis_code__in=codes, valid_to__isnull=True)
        if missing := sorted(set(codes) - {m.nis_code for m in found}):
            raise ValueError(
                "Onbekende of niet meer bestaande gemeente(n) in besturen: "
                + ", ".join(missing)
                + "."
            )
        return found

    def render(self, value, obj=None, **kwargs):
        if value is None:
            return ""
        return ";".join(sorted(m.nis_code for m in value.all()))


class EmailWidget(widgets.CharWidget):
    def clean(self, value, row=None, **kwargs):
        # Lower-cased because the address is half of the import key.
        email = _text(value).lower()
        if not email:
            raise ValueError("E-mailadres ontbreekt.")
        try:
            validate_email(email)
        except ValidationError:
            raise ValueError(f"Ongeldig e-mailadres '{email}'.") from None
        return email


class ActiveWidget(widgets.BooleanWidget):
    TRUE = {"1", "true", "ja", "yes", "waar", "x"}
    FALSE = {"0", "false", "nee", "no", "onwaar"}

    def clean(self, value, row=None, **kwargs):
        if isinstance(value, bool):
            return value
        text = _text(value).lower()
        if text == "" or text in self.TRUE:
            return True  # a missing value means the contact is in use
        if text in self.FALSE:
            return False
        raise ValueError(
            f"Ongeldige waarde '{_text(value)}' voor actief: gebruik ja/nee."
        )


class AllOrNothingResource(resources.ModelResource):
    """Roll back the whole import when any row is invalid, also outside the admin."""

    def import_data(self, dataset, **kwargs):
        kwargs["rollback_on_validation_errors"] = True
        return super().import_data(dataset, **kwargs)

    def get_instance(self, instance_loader, row):
        # A bad key cell raises ValueError here; treat the row as new so that
        # import_instance reports the message on the right field.
        try:
            return super().get_instance(instance_loader, row)
        except ValueError:
            return None


class MunicipalityResource(AllOrNothingResource):
    nis_code = fields.Field("nis_code", "nis_code", NisCodeWidget())
    name = fields.Field("name", "name")
    province = fields.Field("province", "province", ProvinceWidget())
    cluster = fields.Field("cluster", "cluster", ClusterWidget())
    cluster_source = fields.Field("cluster_source", "cluster_source", readonly=True)
    police_zone_code = fields.Field("police_zone_code", "police_zone_code")
    police_zone_name = fields.Field("police_zone_name", "police_zone_name")
    valid_from = fields.Field(
        "valid_from", "valid_from", widgets.DateWidget("%Y-%m-%d")
    )
    valid_to = fields.Field("valid_to", "valid_to", widgets.DateWidget("%Y-%m-%d"))
    successor = fields.Field(
        "successor", "successor", MunicipalityWidget(required=False)
    )

    class Meta:
        model = Municipality
        import_id_fields = ("nis_code",)
        fields = (
            "nis_code",
            "name",
            "province",
            "cluster",
            "cluster_source",
            "police_zone_code",
            "police_zone_name",
            "valid_from",
            "valid_to",
            "successor",
        )
        clean_model_instances = True
        skip_unchanged = True
        report_skipped = True

    def import_instance(self, instance, row, **kwargs):
        cluster_before = instance.cluster_id
        super().import_instance(instance, row, **kwargs)
        # A cluster chosen by hand outranks Belfius and the merger rule, and the
        # reference loader leaves it alone from now on.
        if "cluster" in row and instance.cluster_id != cluster_before:
            instance.cluster_source = ClusterSource.IMPORT


class ContactResource(AllOrNothingResource):
    municipality = fields.Field(
        "municipality", "nis_code", MunicipalityWidget(required=True)
    )
    municipality_name = fields.Field(
        "municipality__name", "municipality_name", readonly=True
    )
    role = fields.Field("role", "role", RoleWidget())
    function = fields.Field("function", "function")
    organisation = fields.Field("organisation", "organisation")
    name = fields.Field("name", "name")
    email = fields.Field("email", "email", EmailWidget())
    active = fields.Field("active", "active", ActiveWidget())
    serves = fields.Field("serves", "besturen", BesturenWidget())

    class Meta:
        model = Contact
        import_id_fields = ("municipality", "email")
        fields = (
            "municipality",
            "municipality_name",
            "role",
            "function",
            "organisation",
            "name",
            "email",
            "active",
            "serves",
        )
        clean_model_instances = True
        skip_unchanged = True
        report_skipped = True

    def import_instance(self, instance, row, **kwargs):
        # Many-to-many cells are only read after the save; check the besturen cell
        # up front so its error is reported per row and column like the others.
        errors = {}
        try:
            super().import_instance(instance, row, **kwargs)
        except ValidationError as exc:
            errors = exc.error_dict
        if "besturen" in row:
            try:
                self.fields["serves"].clean(row)
            except ValueError as exc:
                errors["serves"] = [ValidationError(str(exc), code="invalid")]
        if errors:
            raise ValidationError(errors)

    def get_queryset(self):
        return (
            super()
            .get_queryset()
            .select_related("municipality")
            .prefetch_related("serves")
        )


@dataclass(frozen=True)
class RowError:
    row: int  # 1 = first data row (the line after the header)
    field: str  # column name, or "" for an error about the whole row
    message: str


def row_errors(resource: resources.Resource, result) -> list[RowError]:
    """Every problem of an import Result, one entry per row, column and message."""
    column = {f.attribute: f.column_name for f in resource.fields.values()}
    found = []
    for invalid in result.invalid_rows:
        for attribute, messages in invalid.error_dict.items():
            name = (
                ""
                if attribute == NON_FIELD_ERRORS
                else column.get(attribute, attribute)
            )
            found += [RowError(invalid.number, name, message) for message in messages]
    for error_row in result.error_rows:
        found += [
            RowError(error_row.number, "", str(e.error)) for e in error_row.errors
        ]
    found += [RowError(0, "", str(e.error)) for e in result.base_errors]
    return sorted(found, key=lambda e: (e.row, e.field))


def read_dataset(source) -> tablib.Dataset:
    """A CSV (comma or semicolon, UTF-8/UTF-16/Windows-1252) or XLSX file as a
    tablib Dataset, within the upload limits (vvsg_survey.uploads; raises
    its UploadError, a ValueError, for a refused file)."""
    header, rows = read_table(source)
    dataset = tablib.Dataset(headers=[_text(name) for name in header])
    width = len(dataset.headers)
    for number, row in enumerate(rows, start=1):
        if not row:
            continue  # a blank CSV line
        if any(_text(value) for value in row[width:]):
            raise UploadError(
                f"Rij {number} heeft meer cellen ({len(row)}) dan de kopregel "
                f"kolommen ({width})."
            )
        dataset.append((list(row) + [None] * width)[:width])
    return dataset


def import_file(
    resource: resources.Resource, path: Path, *, dry_run: bool = False
) -> tuple[Result, list[RowError]]:
    """Import a whole file (nothing is written if any row fails)."""
    result = resource.import_data(
        read_dataset(path), dry_run=dry_run, use_transactions=True
    )
    return result, row_errors(resource, result)
