"""Admin for campaigns, reminder rules and e-mail templates (declarative)."""

from __future__ import annotations

from functools import partial

from django.contrib import admin, messages
from django.db import transaction
from django.urls import reverse
from django.utils.html import format_html

from responses.mailing.campaigns import (
    open_campaign,
    pause_campaign,
    resume_campaign,
)
from responses.mailing.forms import EmailTemplateForm
from responses.mailing.rendering import render_mail, sample_context
from responses.mailing.tasks import send_invitations_task
from responses.mailing.tokens import revoke_invitation
from responses.models import Campaign, EmailTemplate, Invitation, ReminderRule


class ReminderRuleInline(admin.TabularInline):
    model = ReminderRule
    extra = 0


class EmailTemplateInline(admin.StackedInline):
    model = EmailTemplate
    form = EmailTemplateForm
    extra = 0


@admin.register(Campaign)
class CampaignAdmin(admin.ModelAdmin):
    # Narrow enough to fit beside the filter; the instrument is on the detail page.
    list_display = [
        "name",
        "status",
        "mail_paused",
        "opens_at",
        "closes_at",
        "console_link",
    ]
    list_filter = ["status"]
    list_select_related = ["instrument"]
    search_fields = ["name", "slug"]
    prepopulated_fields = {"slug": ["name"]}
    inlines = [ReminderRuleInline, EmailTemplateInline]
    actions = [
        "open_selected",
        "send_invitations_now",
        "pause_selected",
        "resume_selected",
    ]

    @admin.action(description="Openen (vergrendelt de vragenlijst)")
    def open_selected(self, request, queryset):
        for campaign in queryset.select_related("instrument"):
            open_campaign(campaign=campaign)
        self.message_user(request, "Bevraging(en) geopend.", messages.SUCCESS)

    @admin.action(description="Uitnodigingen nu versturen", permissions=["send"])
    def send_invitations_now(self, request, queryset):
        # A task per campaign: the worker creates and sends, never this request.
        for pk in queryset.values_list("pk", flat=True):
            transaction.on_commit(partial(send_invitations_task.delay, pk))
        self.message_user(
            request,
            "De uitnodigingen worden klaargezet; volg de voortgang op de "
            "campagnepagina.",
            messages.SUCCESS,
        )

    @admin.action(description="Verzending pauzeren", permissions=["send"])
    def pause_selected(self, request, queryset):
        for campaign in queryset:
            pause_campaign(campaign=campaign)

    @admin.action(description="Verzending hervatten", permissions=["send"])
    def resume_selected(self, request, queryset):
        for campaign in queryset:
            resume_campaign(campaign=campaign)

    @admin.display(description="Veldwerk")
    def console_link(self, campaign):
        url = reverse("responses:show-campaign", args=[campaign.slug])
        return format_html('<a href="{}">Naar de veldwerkconsole</a>', url)

    def has_send_permission(self, request):
        return request.user.has_perm("responses.send_mailings")


@admin.register(EmailTemplate)
class EmailTemplateAdmin(admin.ModelAdmin):
    form = EmailTemplateForm
    list_display = ["campaign", "kind", "subject"]
    list_filter = ["kind", "campaign"]
    list_select_related = ["campaign"]
    readonly_fields = ["preview"]
    fields = ["campaign", "kind", "subject", "body_text", "body_html", "preview"]

    @admin.display(description="Voorbeeld (voorbeeldontvanger)")
    def preview(self, obj):
        if obj is None or obj.pk is None:
            return "Bewaar eerst om een voorbeeld te zien."
        try:
            subject, text, html = render_mail(
                campaign=obj.campaign,
                kind=obj.kind,
                context=sample_context(campaign=obj.campaign),
            )
        except Exception as exc:  # noqa: BLE001 - show the error to the editor
            return f"Fout: {exc}"
        return format_html(
            "<strong>{}</strong><pre>{}</pre>"
            '<iframe sandbox="" class="w-100" height="300" srcdoc="{}"></iframe>',
            subject,
            text,
            html,
        )


@admin.register(Invitation)
class InvitationAdmin(admin.ModelAdmin):
    """Who was invited; the token columns stay hidden (they are secrets' inputs)."""

    list_display = [
        "name",
        "email",
        "municipality",
        "kind",
        "campaign",
        "first_opened_at",
    ]
    list_filter = ["kind", "campaign"]
    list_select_related = ["municipality", "campaign"]
    search_fields = ["name", "email", "municipality__name"]
    exclude = ["token_hash", "token_nonce"]
    raw_id_fields = ["municipality", "contact", "response", "forwarded_by"]
    actions = ["revoke_selected"]

    def has_add_permission(self, request):
        return False  # invitations are created by create_invitations / forwarding

    @admin.action(description="Intrekken (link werkt niet meer)")
    def revoke_selected(self, request, queryset):
        for invitation in queryset:
            revoke_invitation(invitation=invitation)
