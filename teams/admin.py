from django.contrib import admin

from .models import Team, TeamMembership


class TeamMembershipInline(admin.TabularInline):
    model = TeamMembership
    extra = 0
    raw_id_fields = ["user"]


@admin.register(Team)
class TeamAdmin(admin.ModelAdmin):
    list_display = ["name", "organisation", "profile", "scim_managed"]
    list_filter = ["organisation", "scim_managed"]
    search_fields = ["name", "external_id"]
    readonly_fields = ["scim_id", "created_at", "updated_at"]
    inlines = [TeamMembershipInline]
