"""Read-mostly admin: instruments are edited in their YAML file and loaded with
`manage.py load_instrument`, so the admin only shows them and offers the codebook."""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.db.models import Count, QuerySet
from django.http import HttpRequest, HttpResponseRedirect
from django.urls import reverse
from django.utils.html import format_html

from surveys.models import Instrument, MatrixRow, Option, Question, Section


class ReadOnlyInline(admin.TabularInline):  # type: ignore[type-arg]
    extra = 0
    can_delete = False
    show_change_link = False

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


class SectionInline(ReadOnlyInline):
    model = Section
    fields = ("order", "code", "title")
    readonly_fields = fields


class OptionInline(ReadOnlyInline):
    model = Option
    fields = ("order", "code", "label", "exclusive", "is_other")
    readonly_fields = fields


class MatrixRowInline(ReadOnlyInline):
    model = MatrixRow
    fields = ("order", "code", "label", "condition")
    readonly_fields = fields


@admin.register(Instrument)
class InstrumentAdmin(admin.ModelAdmin):  # type: ignore[type-arg]
    list_display = (
        "title",
        "code",
        "version",
        "question_count",
        "locked_at",
        "codebook",
    )
    list_filter = ("code",)
    search_fields = ("code", "title")
    readonly_fields = (
        "code",
        "version",
        "title",
        "intro",
        "privacy",
        "definitions",
        "source_sha256",
        "locked_at",
        "created_at",
        "codebook",
    )
    inlines = (SectionInline,)
    actions = ("download_codebook_csv", "download_codebook_json")

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(
        self, request: HttpRequest, obj: Instrument | None = None
    ) -> bool:
        # Users with view permission get Django's read-only change page.
        return False

    def get_queryset(self, request: HttpRequest) -> QuerySet[Instrument]:
        queryset: QuerySet[Instrument] = super().get_queryset(request)
        return queryset.annotate(n_questions=Count("questions"))

    @admin.display(description="vragen", ordering="n_questions")
    def question_count(self, obj: Instrument) -> int | None:
        return getattr(obj, "n_questions", None)

    @admin.display(description="Codeboek downloaden")
    def codebook(self, obj: Instrument) -> str:
        if obj.pk is None:
            return "-"
        return format_html(
            '<a href="{}">Bekijken</a> · '
            '<a href="{}">CSV</a> · <a href="{}">CSV (;)</a> · <a href="{}">JSON</a>',
            reverse("surveys:instrument-detail", args=[obj.pk]),
            reverse("surveys:download-codebook", args=[obj.pk, "csv"]),
            reverse("surveys:download-codebook", args=[obj.pk, "csv"])
            + "?sep=semicolon",
            reverse("surveys:download-codebook", args=[obj.pk, "json"]),
        )

    def _download(
        self, request: HttpRequest, queryset: QuerySet[Instrument], fmt: str
    ) -> HttpResponseRedirect | None:
        if queryset.count() != 1:
            self.message_user(request, "Kies precies één vragenlijst.", level="warning")
            return None
        url = reverse("surveys:download-codebook", args=[queryset.get().pk, fmt])
        return HttpResponseRedirect(url)

    @admin.action(description="Codeboek downloaden (CSV)")
    def download_codebook_csv(
        self, request: HttpRequest, queryset: QuerySet[Instrument]
    ) -> HttpResponseRedirect | None:
        return self._download(request, queryset, "csv")

    @admin.action(description="Codeboek downloaden (JSON)")
    def download_codebook_json(
        self, request: HttpRequest, queryset: QuerySet[Instrument]
    ) -> HttpResponseRedirect | None:
        return self._download(request, queryset, "json")


@admin.register(Question)
class QuestionAdmin(admin.ModelAdmin):  # type: ignore[type-arg]
    list_display = ("number", "code", "instrument", "section", "type", "required")
    list_display_links = ("code",)
    list_filter = ("instrument", "section__title", "type", "required", "reconstructed")
    list_select_related = ("instrument", "section")
    search_fields = ("code", "text")
    ordering = ("instrument", "order")
    readonly_fields = (
        "instrument",
        "section",
        "code",
        "number",
        "order",
        "type",
        "text",
        "help_text",
        "required",
        "condition",
        "settings",
        "source",
        "reconstructed",
    )
    inlines = (OptionInline, MatrixRowInline)

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_delete_permission(
        self, request: HttpRequest, obj: Question | None = None
    ) -> bool:
        return False

    def has_change_permission(
        self, request: HttpRequest, obj: Question | None = None
    ) -> bool:
        # Users with view permission get Django's read-only change page.
        return False
