"""Sample versus population (Bijlage 1 and 2) and the required sample size.

Pure. The population is the list of besturen valid when the campaign opened; the
sample is the besturen represented by respondents.

Required sample size: the report's "vereiste steekproefgrootte van 172" for 300
besturen is Yamane's (Slovin's) formula n = N / (1 + N e^2) with e = 5%, rounded
up (300 / 1.75 = 171.4 -> 172); it implicitly assumes 95% confidence and p = 0.5.
Cochran's formula with the finite population correction, n0 = z^2 p(1-p) / e^2,
n = n0 / (1 + (n0 - 1) / N), gives 169 for N = 300 (z = 1.96). Both are shown;
Yamane is the default because it reproduces the published number.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from statistics import NormalDist

from .tables import ratio
from .units import Bestuur

YAMANE = "yamane"
COCHRAN = "cochran"


def required_sample_size(
    population: int,
    *,
    margin: float = 0.05,
    confidence: float = 0.95,
    p: float = 0.5,
    method: str = YAMANE,
) -> int:
    """Smallest sample for the margin of error (rounded up)."""
    if population <= 0:
        return 0
    if method == YAMANE:
        return math.ceil(population / (1 + population * margin**2) - 1e-9)
    z = NormalDist().inv_cdf((1 + confidence) / 2)
    n0 = z**2 * p * (1 - p) / margin**2
    return math.ceil(n0 / (1 + (n0 - 1) / population) - 1e-9)


@dataclass(frozen=True)
class SampleSize:
    population: int
    yamane: int
    cochran: int
    respondents: int
    besturen: int
    margin: float = 0.05
    confidence: float = 0.95

    @property
    def reached(self) -> bool:
        return self.besturen >= self.yamane


def sample_size(population: int, *, respondents: int, besturen: int) -> SampleSize:
    return SampleSize(
        population=population,
        yamane=required_sample_size(population, method=YAMANE),
        cochran=required_sample_size(population, method=COCHRAN),
        respondents=respondents,
        besturen=besturen,
    )


@dataclass(frozen=True)
class ClusterLine:
    code: str
    label: str
    population: int
    sample: int
    response_rate: float | None  # sample / population within the cluster


@dataclass(frozen=True)
class FamilyBlock:
    """One cluster type (family) with its clusters, as Bijlage 1 groups them."""

    key: str
    label: str
    population: int
    population_share: float | None
    sample: int
    sample_share: float | None
    response_rate: float | None
    clusters: tuple[ClusterLine, ...]


@dataclass(frozen=True)
class ClusterRepresentation:
    families: tuple[FamilyBlock, ...]
    population: int
    sample: int
    response_rate: float | None


def _unknown_last(families: Sequence[tuple[str, str]]) -> list[tuple[str, str]]:
    return [*families, ("", "Onbekend")]


def by_cluster(
    population: Sequence[Bestuur],
    sample: Sequence[Bestuur],
    *,
    families: Sequence[tuple[str, str]],
) -> ClusterRepresentation:
    """Bijlage 1: per family and cluster V1..V16 the population and sample counts,
    shares of the totals and the response rate within the cluster."""
    total_pop, total_sample = len(population), len(sample)
    blocks = []
    for key, label in _unknown_last(families):
        pop = [b for b in population if b.family == key]
        smp = [b for b in sample if b.family == key]
        if not pop and not smp:
            continue
        clusters: dict[str, tuple[int, str]] = {}
        for b in [*pop, *smp]:
            clusters.setdefault(b.cluster, (b.cluster_number or 0, b.cluster_label))
        lines = []
        for code, (_, cluster_label) in sorted(clusters.items(), key=lambda i: i[1][0]):
            p = sum(1 for b in pop if b.cluster == code)
            s = sum(1 for b in smp if b.cluster == code)
            lines.append(ClusterLine(code, cluster_label, p, s, ratio(s, p)))
        blocks.append(
            FamilyBlock(
                key=key,
                label=label,
                population=len(pop),
                population_share=ratio(len(pop), total_pop),
                sample=len(smp),
                sample_share=ratio(len(smp), total_sample),
                response_rate=ratio(len(smp), len(pop)),
                clusters=tuple(lines),
            )
        )
    return ClusterRepresentation(
        tuple(blocks), total_pop, total_sample, ratio(total_sample, total_pop)
    )


@dataclass(frozen=True)
class ProvinceLine:
    name: str
    population: int
    population_share: float | None
    sample: int
    sample_share: float | None
    response_rate: float | None


def by_province(
    population: Sequence[Bestuur], sample: Sequence[Bestuur]
) -> tuple[ProvinceLine, ...]:
    """Bijlage 2: besturen per province in population and sample (NIS order)."""
    names: dict[str, str] = {}
    for b in [*population, *sample]:
        names.setdefault(b.province, b.province_nis)
    lines = []
    for name in sorted(names, key=lambda n: (names[n], n)):
        p = sum(1 for b in population if b.province == name)
        s = sum(1 for b in sample if b.province == name)
        lines.append(
            ProvinceLine(
                name or "Onbekend",
                p,
                ratio(p, len(population)),
                s,
                ratio(s, len(sample)),
                ratio(s, p),
            )
        )
    return tuple(lines)
