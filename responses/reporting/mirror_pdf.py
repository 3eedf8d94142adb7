"""The local mirror as a PDF, for the bestuur's file and its council.

Same pattern as the respondent's copy (responses/answering/pdf.py): WeasyPrint is
too slow for a web request, so a worker renders the PDF once per bestuur and
publication and stores it as a MirrorCopy; the download serves the stored copy or
a page that waits for it. The PDF is built from the same `build_mirror` as the
page, so it carries the same numbers and the same small-cell protection.
"""

from __future__ import annotations

from datetime import datetime

from django.conf import settings
from django.db import IntegrityError, transaction
from django.template.loader import render_to_string
from django.utils import timezone
from django.utils.text import slugify

from municipalities.models import Municipality
from responses.models import Campaign, MirrorCopy, ResultsPublication

from .mirror import build_mirror

PDF_CONTENT_TYPE = "application/pdf"


def publication_moment(campaign: Campaign) -> datetime | None:
    """When the results now visible were published; None while not published."""
    record = ResultsPublication.objects.filter(
        campaign=campaign, published_at__isnull=False, withdrawn_at__isnull=True
    ).first()
    return record.published_at if record else None


def filename(campaign: Campaign, municipality: Municipality) -> str:
    return f"lokale-spiegel-{slugify(municipality.name)}-{slugify(campaign.slug)}.pdf"


def mirror_pdf(*, campaign: Campaign, municipality: Municipality) -> bytes:
    mirror = build_mirror(
        campaign, municipality_id=municipality.pk, k=settings.RESULTS_MIN_CELL
    )
    html = render_to_string(
        "responses/mirror/pdf.html",
        {
            "mirror": mirror,
            "municipality": municipality,
            "printed_at": timezone.localtime().strftime("%d-%m-%Y"),
        },
    )
    # Imported here: only the worker renders, so web processes never load pango.
    from weasyprint import HTML

    return HTML(string=html).write_pdf()


def current_mirror_copy(
    *, campaign: Campaign, municipality: Municipality
) -> MirrorCopy | None:
    """The stored PDF of the publication now visible, if a worker made it."""
    moment = publication_moment(campaign)
    if moment is None:
        return None
    return MirrorCopy.objects.filter(
        campaign=campaign, municipality=municipality, published_at=moment
    ).first()


def store_mirror_copy(*, campaign_id: int, municipality_id: int) -> MirrorCopy | None:
    """Render and keep the mirror PDF of the current publication (idempotent).

    Nothing while the results are not published. Two workers may render the same
    copy; the unique constraint keeps one row. Copies of earlier publications go.
    """
    campaign = Campaign.objects.filter(pk=campaign_id).first()
    municipality = Municipality.objects.filter(pk=municipality_id).first()
    if campaign is None or municipality is None:
        return None
    moment = publication_moment(campaign)
    if moment is None:
        return None
    if existing := current_mirror_copy(campaign=campaign, municipality=municipality):
        return existing
    pdf = mirror_pdf(campaign=campaign, municipality=municipality)
    try:
        with transaction.atomic():
            copy = MirrorCopy.objects.create(
                campaign=campaign,
                municipality=municipality,
                published_at=moment,
                pdf=pdf,
            )
    except IntegrityError:
        return current_mirror_copy(campaign=campaign, municipality=municipality)
    MirrorCopy.objects.filter(campaign=campaign, municipality=municipality).exclude(
        published_at=moment
    ).delete()
    return copy
