from django.contrib import admin

from . import services
from .models import Team, TeamMembership


class TeamMembershipInline(admin.TabularInline):
    model = TeamMembership
    extra = 0
    raw_id_fields = ["user"]


@admin.register(Team)
class TeamAdmin(admin.ModelAdmin):
    """Edits here bypass the services' validation, so profiles are recomputed afterwards for
    the whole organisation (one UPDATE), and deletion goes through ``team_delete``."""

    list_display = ["name", "organisation", "profile", "scim_managed"]
    list_filter = ["organisation", "scim_managed"]
    search_fields = ["name", "external_id"]
    readonly_fields = ["scim_id", "created_at", "updated_at"]
    inlines = [TeamMembershipInline]

    def save_related(self, request, form, formsets, change):
        super().save_related(request, form, formsets, change)
        services.profiles_recompute(organisation=form.instance.organisation)

    def delete_model(self, request, obj):
        services.team_delete(team=obj)

    def delete_queryset(self, request, queryset):
        for team in queryset:
            services.team_delete(team=team)
