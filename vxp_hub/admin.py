from django import forms
from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin
from django.contrib.auth.forms import AdminUserCreationForm
from django.utils.html import format_html

from . import services as hub_services
from .auth import OrganisationAdminAuthenticationForm

from scim_provisioning import users as scim_users

from .models import Organisation, User, UserProfile


@admin.register(Organisation)
class OrganisationAdmin(admin.ModelAdmin):
    list_display = ["name", "slug", "created_at"]
    search_fields = ["name", "slug"]


@admin.register(UserProfile)
class UserProfileAdmin(admin.ModelAdmin):
    """Rank changes and deletions go through the hub's services (teams.services underneath), so
    effective profiles follow and the SCIM activity log records them."""

    list_display = ["name", "organisation", "rank"]
    list_filter = ["organisation"]

    def save_model(self, request, obj, form, change):
        if change and "rank" in form.changed_data:
            rank = obj.rank
            obj.rank = form.initial["rank"]
            super().save_model(request, obj, form, change)
            hub_services.profile_set_rank(profile=obj, rank=rank, actor=request.user)
        else:
            super().save_model(request, obj, form, change)

    def delete_model(self, request, obj):
        hub_services.profile_delete(profile=obj, actor=request.user)

    def delete_queryset(self, request, queryset):
        for profile in queryset:
            hub_services.profile_delete(profile=profile, actor=request.user)


class PasswordStatusWidget(forms.Widget):
    """Says whether a password is set, never any part of its hash, and links to Django's
    set-password form (``UserAdmin.user_change_password``, at ``../password/``)."""

    def render(self, name, value, attrs=None, renderer=None):
        state = "Set (never shown)" if value and not str(value).startswith("!") else "Not set (cannot log in with a password)"
        return format_html('<div id="password-status">{} · <a href="../password/">Set a new password</a></div>', state)


class UserChangeForm(forms.ModelForm):
    password = forms.CharField(label="Password", required=False, disabled=True, widget=PasswordStatusWidget)

    class Meta:
        model = User
        fields = "__all__"


class UserCreationForm(AdminUserCreationForm):
    class Meta(AdminUserCreationForm.Meta):
        model = User
        fields = ("organisation", "username")


@admin.register(User)
class UserAdmin(DjangoUserAdmin):
    """Django's UserAdmin (so its set-password view works), with the hub's fields. The
    password hash is never rendered. What the identity provider said is the SCIM user's (the
    SCIM app's admin); a user added here gets one, unmanaged, so that SCIM can import it."""

    form = UserChangeForm
    add_form = UserCreationForm
    list_display = ["username", "organisation", "role", "profile", "is_active", "is_staff"]
    list_filter = ["organisation", "role", "is_active", "is_staff"]
    search_fields = ["username", "given_name", "family_name", "email"]
    ordering = ["organisation", "username"]
    filter_horizontal = []
    readonly_fields = ["last_login", "date_joined", "updated_at", "session_version", "profile_team"]
    fieldsets = [
        (None, {"fields": ["organisation", "username", "password"]}),
        ("Person", {"fields": ["given_name", "family_name", "display_name", "email", "title", "locale"]}),
        ("Access", {"fields": ["is_active", "role", "profile", "profile_team", "is_staff", "is_superuser"]}),
        ("Dates", {"fields": ["last_login", "date_joined", "updated_at", "session_version"]}),
    ]
    add_fieldsets = [(None, {"classes": ["wide"], "fields": ["organisation", "username", "usable_password", "password1", "password2"]})]

    def save_model(self, request, obj, form, change):
        super().save_model(request, obj, form, change)
        if not change:
            scim_users.user_link(organisation=obj.organisation, user=obj, user_name=obj.username, active=obj.is_active)


# The admin signs in like the hub: (organisation, username, password), staff only.
admin.site.login_form = OrganisationAdminAuthenticationForm
