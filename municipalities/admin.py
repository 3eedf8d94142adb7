from django.contrib import admin, messages
from django.http import HttpResponseRedirect
from django.urls import reverse
from import_export.admin import ImportExportModelAdmin

from municipalities.formats import SafeFormatsMixin
from municipalities.models import Cluster, Contact, Municipality, Province
from municipalities.resources import ContactResource, MunicipalityResource


class AtomicImportAdmin(ImportExportModelAdmin):
    """Report a write that failed at the confirm step instead of "Import finished".

    import-export rolls the whole import back when a row fails to save (e.g. a
    database error), but would still log every row and report its totals as done.
    """

    def process_result(self, result, request):
        if not (result.has_errors() or result.has_validation_errors()):
            return super().process_result(result, request)
        first = next(
            (str(e.error) for _, errors in result.row_errors() for e in errors),
            "ongeldige rij",
        )
        messages.error(
            request,
            f"Import mislukt, er is niets opgeslagen: {first.splitlines()[0]}",
        )
        opts = self.model._meta
        return HttpResponseRedirect(
            reverse(f"admin:{opts.app_label}_{opts.model_name}_changelist")
        )


@admin.register(Province)
class ProvinceAdmin(admin.ModelAdmin):
    list_display = ["name", "nis_code"]
    search_fields = ["name", "nis_code"]


@admin.register(Cluster)
class ClusterAdmin(admin.ModelAdmin):
    list_display = ["code", "label", "type", "number"]
    list_filter = ["type"]
    search_fields = ["code", "label"]
    ordering = ["number"]


class CurrentFilter(admin.SimpleListFilter):
    title = "geldigheid"
    parameter_name = "current"

    def lookups(self, request, model_admin):
        return [("yes", "Huidige gemeenten"), ("no", "Opgeheven gemeenten")]

    def queryset(self, request, queryset):
        if self.value() == "yes":
            return queryset.filter(valid_to__isnull=True)
        if self.value() == "no":
            return queryset.filter(valid_to__isnull=False)
        return queryset


@admin.register(Municipality)
class MunicipalityAdmin(SafeFormatsMixin, AtomicImportAdmin):
    resource_classes = [MunicipalityResource]
    list_display = [
        "name",
        "nis_code",
        "province",
        "cluster",
        "cluster_source",
        "police_zone_name",
        "valid_from",
        "valid_to",
        "successor",
    ]
    list_filter = [
        CurrentFilter,
        "province",
        "cluster",
        "cluster__type",
        "cluster_source",
    ]
    search_fields = ["name", "nis_code", "police_zone_name", "police_zone_code"]
    list_select_related = ["province", "cluster", "successor"]
    autocomplete_fields = ["successor"]
    ordering = ["name", "nis_code"]


@admin.register(Contact)
class ContactAdmin(SafeFormatsMixin, AtomicImportAdmin):
    resource_classes = [ContactResource]
    list_display = [
        "name",
        "email",
        "municipality",
        "role",
        "organisation",
        "function",
        "active",
        "email_bad",
        "updated_at",
    ]
    list_filter = ["role", "active", "email_bad"]
    search_fields = [
        "name",
        "email",
        "organisation",
        "municipality__name",
        "municipality__nis_code",
    ]
    list_select_related = ["municipality"]
    autocomplete_fields = ["municipality", "serves"]
    readonly_fields = ["updated_at"]
