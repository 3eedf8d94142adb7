"""Writes for municipalities: the reference-data loader and the demo contacts.

The reference data ships in `municipalities/data/` (see its README for provenance).
Everything is keyed on NIS codes, so loading twice changes nothing.
"""

from __future__ import annotations

import csv
import datetime as dt
import random
import unicodedata
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path

from django.db import models, transaction
from django.utils.text import slugify

from municipalities.models import (
    Cluster,
    ClusterSource,
    ClusterType,
    Contact,
    ContactRole,
    Municipality,
    MunicipalityFacts,
    Province,
)
from municipalities.queries import current_municipalities

DATA_DIR = Path(__file__).resolve().parent / "data"
MERGER_DATE_2025 = dt.date(2025, 1, 1)
MERGER_DATE_2019 = dt.date(2019, 1, 1)

PROVINCES = {
    "10000": "Antwerpen",
    "20001": "Vlaams-Brabant",
    "30000": "West-Vlaanderen",
    "40000": "Oost-Vlaanderen",
    "70000": "Limburg",
}
# The first digit of a (pre-2025) NIS code names the province; 2xxxx outside
# Brussels (21xxx) is Vlaams-Brabant.
PROVINCE_BY_PREFIX = {
    "1": "10000",
    "2": "20001",
    "3": "30000",
    "4": "40000",
    "7": "70000",
}

# Most urban first: the tie-break of the mixed-merger rule.
FAMILY_ORDER = (
    ClusterType.STEDEN,
    ClusterType.VERSTEDELIJKT,
    ClusterType.ECONOMISCH,
    ClusterType.KUST,
    ClusterType.WOON,
    ClusterType.LANDELIJK,
)


@dataclass
class Counts:
    created: int = 0
    updated: int = 0
    unchanged: int = 0

    def __str__(self) -> str:
        return (
            f"{self.created} created, {self.updated} updated, "
            f"{self.unchanged} unchanged"
        )


@dataclass
class LoadResult:
    provinces: Counts = field(default_factory=Counts)
    clusters: Counts = field(default_factory=Counts)
    municipalities: Counts = field(default_factory=Counts)
    facts: Counts = field(default_factory=Counts)


def _read_csv(path: Path) -> list[dict[str, str]]:
    with path.open(encoding="utf-8", newline="") as fh:
        return list(csv.DictReader(fh))


def _fold(text: str) -> str:
    """Case- and diacritics-insensitive form of a name."""
    decomposed = unicodedata.normalize("NFKD", text)
    return "".join(c for c in decomposed if not unicodedata.combining(c)).casefold()


def choose_merger_cluster(
    name: str,
    constituents: Iterable[tuple[str, str]],
    families: Mapping[str, str],
) -> str:
    """Pick one Belfius cluster for a municipality merged from mixed clusters.

    `constituents` are (2018 name, cluster code) pairs; `families` maps a cluster
    code to its ClusterType. The constituent that lends the new municipality its
    full name, else its first name part, wins; otherwise the most urban cluster
    family (FAMILY_ORDER), then the lowest V number.
    """
    constituents = list(constituents)
    for candidate in (name, name.split("-")[0]):
        for old_name, code in constituents:
            if _fold(old_name) == _fold(candidate):
                return code

    def urbanity(code: str) -> tuple[int, int]:
        return FAMILY_ORDER.index(families[code]), int(code.lstrip("V"))

    return min((code for _, code in constituents), key=urbanity)


def _parse_constituents(raw: str) -> list[tuple[str, str]]:
    """'11002 Antwerpen=V15;11007 Borsbeek=V14' -> [('Antwerpen', 'V15'), ...]."""
    pairs = []
    for part in raw.split(";"):
        left, code = part.rsplit("=", 1)
        pairs.append((left.split(" ", 1)[1], code))
    return pairs


def _differs(obj, name: str, value) -> bool:
    # Compare foreign keys by id so that no related row is fetched.
    if isinstance(value, models.Model) or (
        value is None and obj._meta.get_field(name).is_relation
    ):
        return getattr(obj, f"{name}_id") != (value.pk if value else None)
    return getattr(obj, name) != value


def _upsert(model, key: dict, values: dict, existing: dict, counts: Counts):
    """Create or update one row; touch the database only when a value differs."""
    obj = existing.get(next(iter(key.values())))
    if obj is None:
        obj = model.objects.create(**key, **values)
        counts.created += 1
        return obj
    changed = [name for name, value in values.items() if _differs(obj, name, value)]
    if changed:
        for name in changed:
            setattr(obj, name, values[name])
        obj.save(update_fields=changed)
        counts.updated += 1
    else:
        counts.unchanged += 1
    return obj


def _load_provinces(counts: Counts) -> dict[str, Province]:
    existing = {p.nis_code: p for p in Province.objects.all()}
    return {
        nis: _upsert(Province, {"nis_code": nis}, {"name": name}, existing, counts)
        for nis, name in PROVINCES.items()
    }


def _load_clusters(data_dir: Path, counts: Counts) -> dict[str, Cluster]:
    family_by_label = {label: value for value, label in ClusterType.choices}
    existing = {c.code: c for c in Cluster.objects.all()}
    clusters = {}
    for row in _read_csv(data_dir / "belfius_2017_vla_labels.csv"):
        code = row["cluster"]
        values = {
            "number": int(code.lstrip("V")),
            "label": row["label_nl_vvsg_2024"],
            "type": family_by_label[row["type_nl"]],
        }
        clusters[code] = _upsert(Cluster, {"code": code}, values, existing, counts)
    return clusters


def _municipality_rows(
    data_dir: Path, clusters: Mapping[str, Cluster]
) -> tuple[list[dict], list[dict]]:
    """Field values for the current map and for the municipalities gone in 2025."""
    families = {code: cluster.type for code, cluster in clusters.items()}
    names_2024 = {
        r["nis_2024"]: r["naam_2024"]
        for r in _read_csv(data_dir / "gemeenten_2024.csv")
    }
    successor_2025 = {
        r["gemeente2024"]: r["gemeente"]
        for r in _read_csv(data_dir / "gemeente2024_gemeente.csv")
    }
    belfius_2018 = _read_csv(data_dir / "belfius_2017_vla_by_nis2018.csv")
    typology = {
        r["nis"]: r for r in _read_csv(data_dir / "belfius_2017_vla_current_285.csv")
    }
    merged_2019 = {
        r["nis_2024"] for r in belfius_2018 if r["nis_2024"] != r["nis_2018"]
    }

    current = []
    for row in _read_csv(data_dir / "vlaamse_gemeenten_285_draft.csv"):
        nis = row["nis"]
        status = typology[nis]["status"]
        if status == "merged_mixed":
            code = choose_merger_cluster(
                row["naam"],
                _parse_constituents(typology[nis]["constituents_2018"]),
                families,
            )
            source = ClusterSource.MERGER_RULE
        else:
            code, source = typology[nis]["cluster"], ClusterSource.BELFIUS
        if nis not in names_2024:
            valid_from = MERGER_DATE_2025
        elif nis in merged_2019:
            valid_from = MERGER_DATE_2019
        else:
            valid_from = None  # existed before the oldest map in the data
        current.append(
            {
                "nis_code": nis,
                "name": row["naam"],
                "province_nis": row["provincie_nis"],
                "cluster": clusters[code],
                "cluster_source": source,
                "police_zone_code": row["politiezone_code_pinc"],
                "police_zone_name": row["politiezone_naam"],
                "valid_from": valid_from,
                "valid_to": None,
                "successor_nis": None,
            }
        )

    current_codes = {r["nis_code"] for r in current}
    cluster_2024 = {r["nis_2024"]: r["cluster"] for r in belfius_2018}
    gone = []
    for nis, name in sorted(names_2024.items()):
        if nis in current_codes:
            continue
        gone.append(
            {
                "nis_code": nis,
                "name": name,
                "province_nis": PROVINCE_BY_PREFIX[nis[0]],
                "cluster": clusters[cluster_2024[nis]],
                "cluster_source": ClusterSource.BELFIUS,
                # The zone file describes 2025; a 2024 zone is not known here.
                "police_zone_code": "",
                "police_zone_name": "",
                "valid_from": None,
                "valid_to": MERGER_DATE_2025,
                "successor_nis": successor_2025[nis],
            }
        )
    return current, gone


@transaction.atomic
def load_reference_data(
    *, data_dir: Path | str = DATA_DIR, now: dt.datetime | None = None
) -> LoadResult:
    """Create or update provinces, Belfius clusters and the 2024 + 2025 municipalities.

    Idempotent (keyed on NIS code / cluster code). A cluster set by an import
    (cluster_source=import) is left alone. `now` is accepted for the service
    convention; the reference data carries its own validity dates.
    """
    data_dir = Path(data_dir)
    result = LoadResult()
    provinces = _load_provinces(result.provinces)
    clusters = _load_clusters(data_dir, result.clusters)
    current, gone = _municipality_rows(data_dir, clusters)

    existing = {m.nis_code: m for m in Municipality.objects.all()}
    saved: dict[str, Municipality] = {}
    # Current rows first: the disappeared ones point at them as successor.
    for row in current + gone:
        values = dict(row)
        nis = values.pop("nis_code")
        values["province"] = provinces[values.pop("province_nis")]
        successor_nis = values.pop("successor_nis")
        values["successor"] = saved[successor_nis] if successor_nis else None
        obj = existing.get(nis)
        if obj is not None and obj.cluster_source == ClusterSource.IMPORT:
            del values["cluster"], values["cluster_source"]
        saved[nis] = _upsert(
            Municipality, {"nis_code": nis}, values, existing, result.municipalities
        )
    _load_facts(data_dir, saved, clusters, result.facts)
    return result


# --- facts at a date -----------------------------------------------------------------

FACTS_2025 = "vlaamse_gemeenten_285_draft.csv, belfius_2017_vla_current_285.csv"
FACTS_2024 = "gemeenten_2024.csv, belfius_2017_vla_by_nis2018.csv"
FACTS_2024_VVSG = "clusters_2024_vvsg.csv"


def _fact(m: Municipality, start, end, **overrides) -> dict:
    values = {
        "valid_from": start,
        "valid_to": end,
        "province_id": m.province_id,
        "cluster_id": m.cluster_id,
        "cluster_source": m.cluster_source,
        "police_zone_code": m.police_zone_code,
        "police_zone_name": m.police_zone_name,
        "source": FACTS_2025,
    }
    return values | overrides


def _fact_rows(
    data_dir: Path, saved: Mapping[str, Municipality], clusters: Mapping[str, Cluster]
) -> dict[str, list[dict]]:
    """Per NIS code the periods with their cluster, province and police zone.

    The 2024 map takes VVSG's 2024 assignment for the 2019 mergers (Bijlage 1);
    a municipality whose 2024 facts equal today's has one open period.
    """
    vvsg_2024 = {
        r["nis_2024"]: r["cluster"]
        for r in _read_csv(data_dir / "clusters_2024_vvsg.csv")
    }
    names_2024 = {r["nis_2024"] for r in _read_csv(data_dir / "gemeenten_2024.csv")}
    rows: dict[str, list[dict]] = {}
    for nis, m in saved.items():
        if m.valid_to is not None:
            # Gone on 2025-01-01; its facts are the municipality's own (2024) ones.
            rows[nis] = [_fact(m, m.valid_from, m.valid_to, source=FACTS_2024)]
        elif nis in vvsg_2024 and clusters[vvsg_2024[nis]].pk != m.cluster_id:
            rows[nis] = [
                _fact(
                    m,
                    m.valid_from,
                    MERGER_DATE_2025,
                    cluster_id=clusters[vvsg_2024[nis]].pk,
                    cluster_source=ClusterSource.VVSG_2024,
                    source=FACTS_2024_VVSG,
                ),
                _fact(m, MERGER_DATE_2025, None),
            ]
        else:
            start = m.valid_from if nis in names_2024 else MERGER_DATE_2025
            rows[nis] = [_fact(m, start, None)]
    return rows


def _by_start(rows: list[dict]) -> list[dict]:
    return sorted(rows, key=lambda r: r["valid_from"] or dt.date.min)


def _load_facts(
    data_dir: Path,
    saved: Mapping[str, Municipality],
    clusters: Mapping[str, Cluster],
    counts: Counts,
) -> None:
    """Replace a municipality's periods only when they differ (idempotent)."""
    fields = [f.attname for f in MunicipalityFacts._meta.concrete_fields][2:]
    existing: dict[int, list[dict]] = {}
    for row in MunicipalityFacts.objects.order_by("valid_from").values(
        "municipality_id", *fields
    ):
        existing.setdefault(row.pop("municipality_id"), []).append(row)
    for nis, wanted in _fact_rows(data_dir, saved, clusters).items():
        m = saved[nis]
        have = existing.get(m.pk)
        if have is not None and _by_start(have) == _by_start(wanted):
            counts.unchanged += 1
            continue
        MunicipalityFacts.objects.filter(municipality=m).delete()
        MunicipalityFacts.objects.bulk_create(
            MunicipalityFacts(municipality=m, **row) for row in wanted
        )
        if have is None:
            counts.created += 1
        else:
            counts.updated += 1


# --- Demo contacts -------------------------------------------------------------------

DEMO_DOMAIN = "demo.vvsg.invalid"
_FIRST_NAMES = (
    "An", "Bart", "Els", "Filip", "Griet", "Hans", "Ilse", "Jan", "Katrien", "Lieven",
    "Marijke", "Nico", "Olivia", "Pieter", "Roos", "Sofie", "Tom", "Veerle", "Wim",
    "Yasmina",
)  # fmt: skip
_LAST_NAMES = (
    "Peeters", "Janssens", "Maes", "Jacobs", "Mertens", "Willems", "Claes", "Goossens",
    "Wouters", "De Smet", "Dubois", "Vermeulen", "Van den Broeck", "Hermans", "Aerts",
    "Lambrechts", "Declercq", "Verstraete", "El Amrani", "Yilmaz",
)  # fmt: skip
_STAFF_FUNCTIONS = (
    "Ambtenaar radicalisering en polarisering",
    "Preventiecoördinator",
    "Algemeen directeur",
    "Diversiteitsambtenaar",
)


def create_demo_contacts(*, seed: int = 2026) -> int:
    """One fake mayor and 0-2 fake staff per current municipality; returns rows created.

    Names come from a seeded generator and addresses end in @demo.vvsg.invalid
    (the .invalid TLD can never deliver). Rerunning with the same seed creates nothing.
    """
    rng = random.Random(seed)
    created = 0
    with transaction.atomic():
        for municipality in current_municipalities().order_by("nis_code"):
            people = [(ContactRole.MAYOR, "Burgemeester")]
            people += [
                (ContactRole.STAFF, rng.choice(_STAFF_FUNCTIONS))
                for _ in range(rng.randint(0, 2))
            ]
            for index, (role, function) in enumerate(people):
                first, last = rng.choice(_FIRST_NAMES), rng.choice(_LAST_NAMES)
                local = slugify(f"{first} {last}").replace("-", ".")
                # "name.24028.0@" read as a float NIS code in the demo mails.
                tag = f"nis{municipality.nis_code}" + (f"-{index + 1}" if index else "")
                email = f"{local}.{tag}@{DEMO_DOMAIN}"
                _, was_created = Contact.objects.update_or_create(
                    municipality=municipality,
                    email=email,
                    defaults={
                        "role": role,
                        "function": function,
                        "name": f"{first} {last}",
                        "active": True,
                    },
                )
                created += was_created
    return created
