from django.contrib import admin

from teams import services as team_services

from .models import Organisation, User, UserEmail, UserProfile


@admin.register(Organisation)
class OrganisationAdmin(admin.ModelAdmin):
    list_display = ["name", "slug", "created_at"]
    search_fields = ["name", "slug"]


@admin.register(UserProfile)
class UserProfileAdmin(admin.ModelAdmin):
    """Rank changes and deletions go through teams.services, so effective profiles follow."""

    list_display = ["name", "organisation", "rank"]
    list_filter = ["organisation"]

    def save_model(self, request, obj, form, change):
        if change and "rank" in form.changed_data:
            rank = obj.rank
            obj.rank = form.initial["rank"]
            super().save_model(request, obj, form, change)
            team_services.profile_set_rank(profile=obj, rank=rank)
        else:
            super().save_model(request, obj, form, change)

    def delete_model(self, request, obj):
        team_services.profile_delete(profile=obj)

    def delete_queryset(self, request, queryset):
        for profile in queryset:
            team_services.profile_delete(profile=profile)


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
