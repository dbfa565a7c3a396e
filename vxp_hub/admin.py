from django.contrib import admin

from .models import Organisation, User, UserEmail, UserProfile


@admin.register(Organisation)
class OrganisationAdmin(admin.ModelAdmin):
    list_display = ["name", "slug", "created_at"]
    search_fields = ["name", "slug"]


@admin.register(UserProfile)
class UserProfileAdmin(admin.ModelAdmin):
    list_display = ["name", "organisation", "rank"]
    list_filter = ["organisation"]


class UserEmailInline(admin.TabularInline):
    model = UserEmail
    extra = 0


@admin.register(User)
class UserAdmin(admin.ModelAdmin):
    list_display = ["username", "organisation", "role", "profile", "is_active", "scim_managed"]
    list_filter = ["organisation", "role", "is_active", "scim_managed"]
    search_fields = ["username", "given_name", "family_name", "external_id"]
    readonly_fields = ["scim_id", "password", "last_login", "date_joined", "updated_at", "scim_updated_at",
                       "scim_deleted_at", "session_version", "profile_team"]
    exclude = ["user_permissions", "groups"]
    inlines = [UserEmailInline]
