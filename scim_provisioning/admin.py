"""Django admin for SCIM users, tokens, OAuth clients, safety rails and the activity log:
read-only.

Tokens are issued and revoked only through ``scim_provisioning.services`` (the host's
settings page and API, or ``manage.py scim_token``), which log who did it; here they can only
be looked at. The digest is never shown, and nothing can be added, changed or deleted.
"""

from django.contrib import admin

from .models import (SCIMEvent, SCIMOAuthClient, SCIMOAuthSecret, SCIMOrganisationSettings, SCIMToken, SCIMUser,
                     SCIMUserEmail)


class ReadOnlyAdmin(admin.ModelAdmin):
    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


class TokenStatusFilter(admin.SimpleListFilter):
    title = "status"
    parameter_name = "status"

    def lookups(self, request, model_admin):
        return [("active", "Active"), ("revoked", "Revoked")]

    def queryset(self, request, queryset):
        if self.value() == "active":
            return queryset.filter(revoked_at__isnull=True)
        if self.value() == "revoked":
            return queryset.filter(revoked_at__isnull=False)
        return queryset


class SCIMUserEmailInline(admin.TabularInline):
    model = SCIMUserEmail
    extra = 0
    can_delete = False
    fields = readonly_fields = ["value", "type", "display", "primary", "position"]

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(SCIMUser)
class SCIMUserAdmin(ReadOnlyAdmin):
    """What the identity provider said about each user, as it was provisioned."""

    list_display = ["user_name", "organisation", "user", "active", "managed", "deleted_at", "updated_at"]
    list_filter = ["organisation", "managed", "active"]
    search_fields = ["user_name", "external_id", "=scim_id"]
    readonly_fields = [f.name for f in SCIMUser._meta.fields]
    inlines = [SCIMUserEmailInline]


@admin.register(SCIMToken)
class SCIMTokenAdmin(ReadOnlyAdmin):
    list_display = ["hint", "organisation", "active", "created_at", "created_by", "last_used_at", "revoked_at"]
    list_filter = [TokenStatusFilter, "organisation"]
    list_select_related = ["organisation", "created_by"]
    search_fields = ["hint"]
    date_hierarchy = "created_at"
    # No "digest": it is not a secret, but nobody needs it and it is better not copied around.
    fields = ["hint", "organisation", "created_at", "created_by", "last_used_at", "expires_at", "retire_at",
              "revoked_at", "revoked_by"]
    readonly_fields = fields

    @admin.display(boolean=True)
    def active(self, obj: SCIMToken) -> bool:
        return obj.is_active


@admin.register(SCIMEvent)
class SCIMEventAdmin(ReadOnlyAdmin):
    list_display = [
        "created_at", "organisation", "action", "outcome", "status_code", "token_hint", "actor",
        "resource_type", "resource_display",
    ]
    list_filter = ["outcome", "organisation"]
    list_select_related = ["organisation", "actor"]
    search_fields = ["action", "token_hint", "resource_id", "resource_display", "detail"]
    date_hierarchy = "created_at"
    fields = [
        "created_at", "organisation", "action", "outcome", "status_code", "token", "token_hint", "actor",
        "resource_type", "resource_id", "resource_display", "detail",
    ]
    readonly_fields = fields


class SCIMOAuthSecretInline(admin.TabularInline):
    model = SCIMOAuthSecret
    fields = ["hint", "created_at", "created_by", "expires_at", "last_used_at", "revoked_at"]  # never the digest
    readonly_fields = fields
    extra = 0
    can_delete = False

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(SCIMOAuthClient)
class SCIMOAuthClientAdmin(ReadOnlyAdmin):
    list_display = ["client_id", "organisation", "created_at", "created_by", "revoked_at"]
    list_filter = ["organisation"]
    list_select_related = ["organisation", "created_by"]
    search_fields = ["client_id"]
    fields = ["client_id", "organisation", "created_at", "created_by", "revoked_at"]
    readonly_fields = fields
    inlines = [SCIMOAuthSecretInline]


@admin.register(SCIMOrganisationSettings)
class SCIMOrganisationSettingsAdmin(ReadOnlyAdmin):
    list_display = ["organisation", "link_manual_groups", "restrict_user_domains", "updated_at"]
    fields = ["organisation", "link_manual_groups", "restrict_user_domains", "user_domains", "updated_at"]
    readonly_fields = fields
