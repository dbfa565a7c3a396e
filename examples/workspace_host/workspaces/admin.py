from django.contrib import admin
from django.contrib.auth.admin import UserAdmin

from .models import Membership, Person, Role, Workspace


class MembershipInline(admin.TabularInline):
    model = Membership
    extra = 0


@admin.register(Person)
class PersonAdmin(UserAdmin):
    ordering = ["email"]
    inlines = [MembershipInline]


admin.site.register(Workspace)
admin.site.register(Role)
