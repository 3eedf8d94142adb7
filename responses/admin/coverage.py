"""Coverage in the admin: the audit trail (read-only) and claims by status."""

from django.contrib import admin

from responses.models import CoverageEvent, ResponseMunicipality


@admin.register(CoverageEvent)
class CoverageEventAdmin(admin.ModelAdmin):
    list_display = ["created_at", "municipality", "kind", "actor", "response", "note"]
    list_filter = ["kind", "campaign"]
    search_fields = ["municipality__name", "municipality__nis_code", "actor"]
    list_select_related = ["municipality", "response"]
    date_hierarchy = "created_at"

    # Append-only: the trail is evidence, so nobody edits or deletes it here.
    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(ResponseMunicipality)
class ResponseMunicipalityAdmin(admin.ModelAdmin):
    list_display = ["municipality", "status", "response", "claimed_by", "added_at"]
    list_filter = ["status", "campaign"]
    search_fields = ["municipality__name", "municipality__nis_code"]
    list_select_related = ["municipality", "response", "claimed_by"]
    readonly_fields = [
        "response",
        "campaign",
        "municipality",
        "claimed_by",
        "added_at",
        "decided_at",
    ]

    # Decisions go through the coverage page so the claimant is told and the
    # audit trail is written (responses/answering/claims.py).
    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
