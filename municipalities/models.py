from __future__ import annotations

import datetime as dt

from django.core.validators import RegexValidator
from django.db import models
from django.db.models import Q

nis_validator = RegexValidator(
    r"^\d{5}$", "Een NIS-code bestaat uit precies 5 cijfers."
)


class Province(models.Model):
    nis_code = models.CharField(max_length=5, unique=True, validators=[nis_validator])
    name = models.CharField(max_length=100, unique=True)

    class Meta:
        ordering = ["name"]
        verbose_name = "provincie"
        verbose_name_plural = "provincies"

    def __str__(self) -> str:
        return self.name


class ClusterType(models.TextChoices):
    """The six families VVSG reports on (report 2024, Bijlage 1)."""

    WOON = "woon", "Woongemeenten"
    LANDELIJK = "landelijk", "Landelijke gemeenten"
    ECONOMISCH = "economisch", "Gemeenten met economische aantrekking"
    VERSTEDELIJKT = "verstedelijkt", "Verstedelijkte gemeenten"
    STEDEN = "steden", "Grote en regionale steden"
    KUST = "kust", "Kustgemeenten"


class Cluster(models.Model):
    """Belfius 2017 socio-economic cluster V1..V16."""

    code = models.CharField(max_length=3, unique=True)
    number = models.PositiveSmallIntegerField(unique=True)
    label = models.CharField(max_length=200)
    type = models.CharField(max_length=20, choices=ClusterType.choices)

    class Meta:
        ordering = ["number"]
        verbose_name = "Belfius-cluster"
        verbose_name_plural = "Belfius-clusters"

    def __str__(self) -> str:
        return f"{self.code} {self.label}"


class ClusterSource(models.TextChoices):
    BELFIUS = "belfius", "Belfius 2017"
    MERGER_RULE = "merger_rule", "Regel voor gemengde fusie"
    IMPORT = "import", "Manueel (import)"
    VVSG_2024 = "vvsg_2024", "VVSG-rapport 2024 (Bijlage 1)"


class MunicipalityQuerySet(models.QuerySet["Municipality"]):
    """The one home of "which municipalities exist" (today or on a date)."""

    def current(self) -> MunicipalityQuerySet:
        """Today's map: municipalities without an end date (285 since 2025)."""
        return self.filter(valid_to__isnull=True)

    def on(self, date: dt.date) -> MunicipalityQuerySet:
        """The map valid on `date` (300 municipalities on 2024-12-31); valid_to is
        the first day a municipality no longer exists."""
        return self.filter(
            Q(valid_from__isnull=True) | Q(valid_from__lte=date),
            Q(valid_to__isnull=True) | Q(valid_to__gt=date),
        )


class Municipality(models.Model):
    """A Flemish municipality (gemeente/bestuur) in one period of validity.

    The 300 municipalities of 2024 and the 285 of 2025 live side by side: a merged
    municipality gets valid_to and a successor, so earlier waves map onto today's map.
    """

    nis_code = models.CharField(max_length=5, unique=True, validators=[nis_validator])
    name = models.CharField(max_length=120)
    province = models.ForeignKey(
        Province, on_delete=models.PROTECT, related_name="municipalities"
    )
    cluster = models.ForeignKey(
        Cluster,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="municipalities",
    )
    cluster_source = models.CharField(
        max_length=20, choices=ClusterSource.choices, default=ClusterSource.BELFIUS
    )
    police_zone_code = models.CharField(max_length=20, blank=True)
    police_zone_name = models.CharField(max_length=120, blank=True)
    population = models.PositiveIntegerField(null=True, blank=True)
    valid_from = models.DateField(null=True, blank=True)
    valid_to = models.DateField(null=True, blank=True)
    successor = models.ForeignKey(
        "self",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="predecessors",
    )

    objects = MunicipalityQuerySet.as_manager()

    class Meta:
        ordering = ["name"]
        verbose_name = "gemeente"
        verbose_name_plural = "gemeenten"
        indexes = [models.Index(fields=["valid_to"], name="municipality_valid_to")]
        constraints = [
            models.CheckConstraint(
                condition=Q(valid_to__isnull=True)
                | Q(valid_from__isnull=True)
                | Q(valid_to__gt=models.F("valid_from")),
                name="municipality_valid_period",
            )
        ]

    def __str__(self) -> str:
        return f"{self.name} ({self.nis_code})"

    @property
    def is_current(self) -> bool:
        return self.valid_to is None


class MunicipalityFactsQuerySet(models.QuerySet["MunicipalityFacts"]):
    def on(self, date: dt.date) -> MunicipalityFactsQuerySet:
        """The facts valid on `date` (at most one row per municipality)."""
        return self.filter(
            Q(valid_from__isnull=True) | Q(valid_from__lte=date),
            Q(valid_to__isnull=True) | Q(valid_to__gt=date),
        )


class MunicipalityFacts(models.Model):
    """Cluster, province and police zone of a municipality during one period.

    Results break a wave down by the facts valid on the campaign's opening day: in
    2024 Kruisem counts in V7 as VVSG's 2024 report has it, from 2025 in the
    platform's merger-rule cluster; the response exports' province and cluster
    columns read the same day. Municipality.cluster/province/police zone stay
    today's values (the admin and the console read those).
    """

    municipality = models.ForeignKey(
        Municipality, on_delete=models.CASCADE, related_name="facts"
    )
    valid_from = models.DateField(null=True, blank=True)
    valid_to = models.DateField(null=True, blank=True)
    province = models.ForeignKey(Province, on_delete=models.PROTECT, related_name="+")
    cluster = models.ForeignKey(
        Cluster, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    cluster_source = models.CharField(
        max_length=20, choices=ClusterSource.choices, default=ClusterSource.BELFIUS
    )
    police_zone_code = models.CharField(max_length=20, blank=True)
    police_zone_name = models.CharField(max_length=120, blank=True)
    source = models.CharField(
        "bron", max_length=200, help_text="Bestand(en) in municipalities/data/."
    )

    objects = MunicipalityFactsQuerySet.as_manager()

    class Meta:
        ordering = ["municipality__nis_code", "valid_from"]
        verbose_name = "gemeentegegevens op datum"
        verbose_name_plural = "gemeentegegevens op datum"
        constraints = [
            models.UniqueConstraint(
                fields=["municipality", "valid_from"],
                name="facts_one_start_per_municipality",
            ),
            models.CheckConstraint(
                condition=Q(valid_to__isnull=True)
                | Q(valid_from__isnull=True)
                | Q(valid_to__gt=models.F("valid_from")),
                name="facts_valid_period",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.municipality_id} {self.valid_from}–{self.valid_to}"


class PopulationFigure(models.Model):
    """Inhabitants of a municipality on 1 January of `year` (Statbel), imported with
    `manage.py import_population`; results use it for size classes."""

    municipality = models.ForeignKey(
        Municipality, on_delete=models.CASCADE, related_name="population_figures"
    )
    year = models.PositiveSmallIntegerField("jaar")
    population = models.PositiveIntegerField("inwoners")
    source = models.CharField("bron", max_length=200, blank=True)

    class Meta:
        ordering = ["municipality__nis_code", "year"]
        verbose_name = "bevolkingscijfer"
        verbose_name_plural = "bevolkingscijfers"
        constraints = [
            models.UniqueConstraint(
                fields=["municipality", "year"], name="population_one_per_year"
            )
        ]

    def __str__(self) -> str:
        return f"{self.municipality_id} {self.year}: {self.population}"


class ContactRole(models.TextChoices):
    """Who a contact is for the enquiry (the 2024 report addresses these roles)."""

    MAYOR = "mayor", "Burgemeester"
    DIRECTOR = "director", "Algemeen directeur"
    LIVC = "livc", "LIVC R-coördinator"
    PREVENTION = "prevention", "Preventiewerker"
    POLICY = "policy", "Beleidsmedewerker"
    COORDINATOR = "coordinator", "Intergemeentelijk coördinator"
    STAFF = "staff", "Medewerker"


class Contact(models.Model):
    municipality = models.ForeignKey(
        Municipality, on_delete=models.CASCADE, related_name="contacts"
    )
    role = models.CharField(
        max_length=20, choices=ContactRole.choices, default=ContactRole.STAFF
    )
    function = models.CharField(max_length=120, blank=True)
    name = models.CharField(max_length=200)
    organisation = models.CharField(
        "organisatie", max_length=200, blank=True, help_text="Bv. IGS Westhoek."
    )
    # The besturen an intergemeentelijk coördinator answers for (authorised coverage).
    serves = models.ManyToManyField(
        Municipality,
        blank=True,
        related_name="coordinators",
        verbose_name="besturen waarvoor hij/zij antwoordt",
    )
    email = models.EmailField()
    active = models.BooleanField(default=True)
    email_bad = models.BooleanField(default=False)
    email_bad_reason = models.CharField(max_length=500, blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["municipality__name", "role", "name"]
        verbose_name = "contactpersoon"
        verbose_name_plural = "contactpersonen"
        constraints = [
            models.UniqueConstraint(
                fields=["municipality", "email"],
                name="contact_unique_email_per_municipality",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.name} <{self.email}> ({self.municipality.name})"
