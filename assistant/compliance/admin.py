"""Admin: an inbox's data-protection settings (editable), the outbound-call log (read-only)."""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.db.models import QuerySet
from django.http import HttpRequest, StreamingHttpResponse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from assistant.privacy.models import InboxPrivacy, OutboundCallAudit, RightsRecord
from assistant.privacy.services import csv_lines

from . import retention
from .rights import contact_reference


class RecordAdmin(admin.ModelAdmin):
    """A record of what happened: nobody adds, edits or deletes one through the admin."""

    def get_readonly_fields(self, request: HttpRequest, obj: Any = None) -> list[str]:
        return [field.name for field in self.model._meta.fields]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(InboxPrivacy)
class InboxPrivacyAdmin(admin.ModelAdmin):
    list_display = (
        "inbox", "allowed_jurisdictions", "redact_internal", "audit_payload_mode",
        "retention_days", "retention_action",
    )  # fmt: skip
    list_select_related = ("inbox",)
    readonly_fields = ("expiring_now", "updated_at")

    @admin.display(description=_("past the retention period now"))
    def expiring_now(self, obj: InboxPrivacy) -> str:
        """What the next retention run would take, so a shorter period is not a surprise."""
        if obj.pk is None or obj.keeps_forever:
            return str(_("nothing (kept forever)"))
        preview = retention.preview(obj)
        return str(_("closed conversations: %(conversations)d, contacts: %(contacts)d") % preview)


@admin.action(description=_("Export selected calls as CSV"))
def export_csv(
    modeladmin: admin.ModelAdmin, request: HttpRequest, queryset: QuerySet[OutboundCallAudit]
) -> StreamingHttpResponse:
    rows = queryset.select_related("inbox").order_by("created_at", "id").iterator(chunk_size=1000)
    response = StreamingHttpResponse(csv_lines(rows), content_type="text/csv; charset=utf-8")
    stamp = timezone.now().strftime("%Y%m%d-%H%M%S")
    response["Content-Disposition"] = f'attachment; filename="outbound-calls-{stamp}.csv"'
    return response


@admin.register(OutboundCallAudit)
class OutboundCallAuditAdmin(RecordAdmin):
    """What left the system. Nobody edits or deletes the record through the admin."""

    list_display = (
        "created_at", "inbox", "purpose", "provider", "model", "hosting", "jurisdiction",
        "outcome", "redacted", "redaction_total",
    )  # fmt: skip
    list_filter = (
        ("created_at", admin.DateFieldListFilter),
        "purpose",
        "hosting",
        "provider",
        "jurisdiction",
        "redacted",
        "inbox",
    )
    list_select_related = ("inbox",)
    date_hierarchy = "created_at"
    search_fields = ("=payload_sha256", "=conversation__id")
    actions = (export_csv,)
    # Admins select "all N" matching a filter and export; the default limit would cap that.
    list_max_show_all = 10_000

    @admin.display(description=_("redactions"))
    def redaction_total(self, obj: OutboundCallAudit) -> int:
        return obj.redaction_total


@admin.register(RightsRecord)
class RightsRecordAdmin(RecordAdmin):
    """Exports and erasures of contacts' data: the record a data-protection officer shows an
    auditor. Read-only; search by the reference that rights.contact_reference(id) computes."""

    list_display = ("created_at", "kind", "channel", "actor_name", "inbox", "contact_reference")
    list_filter = ("kind", "channel", ("created_at", admin.DateFieldListFilter), "inbox")
    list_select_related = ("inbox",)
    date_hierarchy = "created_at"
    search_fields = ("=contact_reference",)
    search_help_text = _("A contact's id, or the reference shown on an erasure.")

    def get_search_results(
        self, request: HttpRequest, queryset: QuerySet[RightsRecord], search_term: str
    ) -> tuple[QuerySet[RightsRecord], bool]:
        # The records never hold the id itself: a searched id is turned into its reference.
        term = search_term.strip()
        if term and len(term) != 64:
            term = contact_reference(term)
        return super().get_search_results(request, queryset, term)
