from django.contrib import admin
from django.http import HttpRequest

from tickets.accounts.models import SignInPolicy, StaffEvent


@admin.register(StaffEvent)
class StaffEventAdmin(admin.ModelAdmin):
    """The sign-in log, read-only: an audit trail nobody edits."""

    list_display = ("at", "kind", "username", "ip_address", "user_agent")
    list_filter = ("kind",)
    search_fields = ("username", "ip_address")
    date_hierarchy = "at"

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False


@admin.register(SignInPolicy)
class SignInPolicyAdmin(admin.ModelAdmin):
    list_display = ("__str__", "require_two_factor")

    def has_add_permission(self, request: HttpRequest) -> bool:
        return not SignInPolicy.objects.exists()

    def has_delete_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False
