"""Admin for the delivery log: read-only rows plus a retry action."""

from __future__ import annotations

from django.contrib import admin, messages

from responses.mailing.sending import confirm_delivery, retry_delivery
from responses.models import Delivery


@admin.register(Delivery)
class DeliveryAdmin(admin.ModelAdmin):
    list_display = [
        "email",
        "kind",
        "stream",
        "round",
        "status",
        "attempts",
        "sent_at",
        "smtp_reply",
        "last_error",
    ]
    list_filter = ["status", "kind", "stream", "campaign"]
    list_select_related = ["campaign"]
    search_fields = ["email"]
    readonly_fields = [f.name for f in Delivery._meta.fields]
    actions = ["retry_selected", "confirm_selected"]

    def has_add_permission(self, request):
        return False

    @admin.action(
        description="Opnieuw versturen (mislukt/overgeslagen/onzeker)",
        permissions=["send"],
    )
    def retry_selected(self, request, queryset):
        retried = sum(retry_delivery(delivery=d) for d in queryset)
        self.message_user(
            request, f"{retried} verzendingen opnieuw in de wachtrij.", messages.SUCCESS
        )

    @admin.action(
        description="Onzeker: bevestigd in het log van de mailserver",
        permissions=["send"],
    )
    def confirm_selected(self, request, queryset):
        confirmed = sum(confirm_delivery(delivery=d) for d in queryset)
        self.message_user(
            request,
            f"{confirmed} onzekere verzendingen als verzonden bevestigd.",
            messages.SUCCESS,
        )

    def has_send_permission(self, request):
        return request.user.has_perm("responses.send_mailings")
