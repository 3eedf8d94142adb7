"""Response admin: list with filters, export actions, and the read-only ExportLog."""

from __future__ import annotations

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.urls import path

from municipalities.models import Cluster, ClusterType, Province
from responses.models import Campaign, ExportLog, Response
from responses.reporting import exports
from responses.reporting.export_queries import ExportFilters
from responses.reporting.imports import import_responses
from responses.reporting.views.exports import export_download

EXPORT_PERMISSION = "responses.export_responses"


class _MunicipalityFilter(admin.SimpleListFilter):
    """Responses covering at least one municipality with the chosen attribute."""

    lookup: str = ""

    def queryset(self, request, queryset):
        if self.value():
            return queryset.filter(
                **{f"represented__municipality__{self.lookup}": self.value()}
            ).distinct()
        return queryset


class ProvinceFilter(_MunicipalityFilter):
    title = "provincie"
    parameter_name = "province"
    lookup = "province__nis_code"

    def lookups(self, request, model_admin):
        return list(Province.objects.values_list("nis_code", "name"))


class ClusterFilter(_MunicipalityFilter):
    title = "Belfius-cluster"
    parameter_name = "cluster"
    lookup = "cluster__code"

    def lookups(self, request, model_admin):
        return [(c.code, str(c)) for c in Cluster.objects.all()]


class ClusterTypeFilter(_MunicipalityFilter):
    title = "clustertype"
    parameter_name = "cluster_type"
    lookup = "cluster__type"

    def lookups(self, request, model_admin):
        return ClusterType.choices


class ImportForm(forms.Form):
    campaign = forms.ModelChoiceField(
        label="Bevraging",
        queryset=Campaign.objects.all(),
        help_text="De golf waarin de antwoorden terechtkomen (zelfde vragenlijst).",
    )
    file = forms.FileField(label="Exportbestand (CSV of XLSX)")
    dry_run = forms.BooleanField(
        label="Enkel controleren (niets opslaan)", required=False, initial=True
    )


def _export_action(fmt: str, layout: str, description: str):
    @admin.action(permissions=["export"], description=description)
    def action(modeladmin, request, queryset):
        return modeladmin.export_selection(request, queryset, fmt=fmt, layout=layout)

    action.__name__ = f"export_{fmt}_{layout}"
    return action


@admin.register(Response)
class ResponseAdmin(admin.ModelAdmin):
    list_display = [
        "id",
        "campaign",
        "status",
        "municipality_names",
        "respondent_function",
        "is_coordinator",
        "submitted_at",
        "imported",
    ]
    list_filter = [
        "status",
        "campaign",
        ProvinceFilter,
        ClusterFilter,
        ClusterTypeFilter,
        "is_coordinator",
        "imported",
    ]
    list_select_related = ["campaign"]
    search_fields = [
        "represented__municipality__name",
        "represented__municipality__nis_code",
    ]
    readonly_fields = ["started_at", "updated_at", "revision"]
    change_list_template = "responses/exports/admin_change_list.html"
    actions = [
        _export_action("csv", "response", "Exporteer als CSV (één rij per respons)"),
        _export_action("csv", "bestuur", "Exporteer als CSV (één rij per bestuur)"),
        _export_action("xlsx", "response", "Exporteer als XLSX (één rij per respons)"),
        _export_action("xlsx", "bestuur", "Exporteer als XLSX (één rij per bestuur)"),
    ]

    def get_queryset(self, request):
        return (
            super().get_queryset(request).prefetch_related("represented__municipality")
        )

    @admin.display(description="besturen")
    def municipality_names(self, obj: Response) -> str:
        return ", ".join(rm.municipality.name for rm in obj.represented.all())

    def has_export_permission(self, request) -> bool:
        return request.user.has_perm(EXPORT_PERMISSION)

    def changelist_view(self, request, extra_context=None):
        extra_context = extra_context or {}
        if self.has_export_permission(request):
            extra_context["export_campaigns"] = Campaign.objects.only("name", "slug")[
                :5
            ]
        extra_context["can_import"] = request.user.has_perm("responses.add_response")
        return super().changelist_view(request, extra_context=extra_context)

    def get_urls(self):
        view = self.admin_site.admin_view(self.import_view)
        return [
            path("import/", view, name="responses_response_import"),
            *super().get_urls(),
        ]

    def import_view(self, request):
        """Load an earlier wave from an export file; every row is validated first."""
        if not request.user.has_perm("responses.add_response"):
            raise PermissionDenied
        form = ImportForm(request.POST or None, request.FILES or None)
        result = None
        if request.method == "POST" and form.is_valid():
            result = import_responses(
                campaign=form.cleaned_data["campaign"],
                source=form.cleaned_data["file"],
                dry_run=form.cleaned_data["dry_run"],
            )
            if result.ok and not result.dry_run:
                self.message_user(
                    request,
                    f"{result.responses} antwoorden geïmporteerd "
                    f"({result.answers} antwoorden op vragen).",
                    messages.SUCCESS,
                )
                return redirect("admin:responses_response_changelist")
        context = {
            **self.admin_site.each_context(request),
            "opts": self.model._meta,
            "title": "Antwoorden van een vorige golf importeren",
            "form": form,
            "result": result,
        }
        return TemplateResponse(request, "responses/exports/admin_import.html", context)

    def export_selection(self, request, queryset, *, fmt: str, layout: str):
        """Export the selected responses through exports.py (one campaign only)."""
        campaign_ids = set(queryset.values_list("campaign_id", flat=True).distinct())
        if len(campaign_ids) != 1:
            self.message_user(
                request,
                "Selecteer antwoorden van precies één bevraging om te exporteren.",
                messages.ERROR,
            )
            return None
        campaign = Campaign.objects.select_related("instrument").get(
            pk=campaign_ids.pop()
        )
        filters = ExportFilters(
            response_ids=tuple(queryset.values_list("pk", flat=True).order_by("pk"))
        )
        user = request.user

        def log(count: int) -> None:
            exports.log_export(
                user=user,
                campaign=campaign,
                fmt=fmt,
                layout=layout,
                filters=filters,
                rows=count,
                source="admin",
            )

        return export_download(
            on_done=log, campaign=campaign, layout=layout, fmt=fmt, filters=filters
        )


@admin.register(ExportLog)
class ExportLogAdmin(admin.ModelAdmin):
    """Audit trail: visible, never editable."""

    list_display = [
        "created_at",
        "user",
        "campaign",
        "format",
        "layout",
        "rows",
        "source",
    ]
    list_filter = ["source", "format", "layout", "campaign"]
    list_select_related = ["user", "campaign"]
    readonly_fields = [f.name for f in ExportLog._meta.fields]

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False
