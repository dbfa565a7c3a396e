from django import forms
from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin
from django.contrib.auth.forms import AdminUserCreationForm
from django.utils.html import format_html

from . import services as hub_services
from .auth import OrganisationAdminAuthenticationForm

from .models import Organisation, User, UserEmail, UserProfile


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


class UserEmailInline(admin.TabularInline):
    model = UserEmail
    extra = 0


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
    password hash is never rendered; ``scim_attributes`` is what the identity provider sent."""

    form = UserChangeForm
    add_form = UserCreationForm
    list_display = ["username", "organisation", "role", "profile", "is_active", "is_staff", "scim_managed"]
    list_filter = ["organisation", "role", "is_active", "is_staff", "scim_managed"]
    search_fields = ["username", "given_name", "family_name", "external_id"]
    ordering = ["organisation", "username"]
    filter_horizontal = []
    readonly_fields = ["scim_id", "last_login", "date_joined", "updated_at", "scim_updated_at",
                       "scim_deleted_at", "session_version", "profile_team"]
    fieldsets = [
        (None, {"fields": ["organisation", "username", "password"]}),
        ("Person", {"fields": ["given_name", "family_name", "display_name", "title", "locale"]}),
        ("Access", {"fields": ["is_active", "role", "profile", "profile_team", "is_staff", "is_superuser"]}),
        ("SCIM", {"fields": ["scim_managed", "external_id", "scim_id", "scim_updated_at", "scim_deleted_at"]}),
        ("Dates", {"fields": ["last_login", "date_joined", "updated_at", "session_version"]}),
    ]
    add_fieldsets = [(None, {"classes": ["wide"], "fields": ["organisation", "username", "usable_password", "password1", "password2"]})]
    inlines = [UserEmailInline]


# The admin signs in like the hub: (organisation, username, password), staff only.
admin.site.login_form = OrganisationAdminAuthenticationForm
