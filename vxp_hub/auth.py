"""Login with (organisation, username, password): userName is unique per organisation only."""

from django import forms
from django.core.exceptions import NON_FIELD_ERRORS
from django.contrib.auth import authenticate
from django.contrib.auth.backends import ModelBackend
from django.contrib.auth.forms import AuthenticationForm

from . import selectors, throttle
from .models import User


class OrganisationBackend(ModelBackend):
    """ModelBackend whose lookup is scoped to one organisation (by slug).

    ``get_user`` (inherited) refuses inactive users, so a deactivated user's requests are
    anonymous at once; the session hash (``User.session_version``) ends the sessions for good.
    """

    def authenticate(self, request, username=None, password=None, organisation=None, **kwargs):
        if not (username and password and organisation):
            return None
        try:
            user = User.objects.get(organisation__slug=organisation, username__iexact=username)
        except User.DoesNotExist:
            User().set_password(password)  # same work as a real check: no timing oracle
            return None
        # Deprovisioned (deleted by the identity provider): refused even if reactivated by hand.
        # Checked at sign-in only; their sessions ended when SCIM deleted them (session_version).
        if user.check_password(password) and self.user_can_authenticate(user) \
                and not selectors.user_is_deprovisioned(user):
            return user
        return None


class OrganisationAuthenticationForm(AuthenticationForm):
    """Sign-in with the organisation, throttled (``vxp_hub.throttle``): over the limit the form
    has a non-field error with code ``throttled`` and the password is not even checked."""

    organisation = forms.SlugField(label="Organisation", max_length=60)

    error_messages = {
        **AuthenticationForm.error_messages,
        "sso_required": "%(organisation)s requires single sign-on for members: use “Sign in with single sign-on”.",
    }

    field_order = ["organisation", "username", "password"]

    def clean(self):
        organisation = self.cleaned_data.get("organisation")
        username = self.cleaned_data.get("username")
        password = self.cleaned_data.get("password")
        if organisation and username and password:
            account = {"organisation": organisation, "username": username}
            address = self.request.META.get("REMOTE_ADDR") if self.request is not None else None
            wait = throttle.login_wait(**account, address=address)
            if wait:
                raise forms.ValidationError(throttle.wait_message(wait), code="throttled")
            self.user_cache = authenticate(
                self.request, organisation=organisation, username=username, password=password
            )
            if self.user_cache is None:
                throttle.login_failed(**account, address=address)
                raise self.get_invalid_login_error()
            self.confirm_login_allowed(self.user_cache)
            throttle.login_succeeded(**account)
        return self.cleaned_data

    def confirm_login_allowed(self, user):
        from .sso import password_login_allowed

        super().confirm_login_allowed(user)
        if not password_login_allowed(user):
            raise forms.ValidationError(
                self.error_messages["sso_required"],
                code="sso_required",
                params={"organisation": user.organisation.name},
            )

    @property
    def throttled(self) -> bool:
        return self.has_error(NON_FIELD_ERRORS, code="throttled")


class OrganisationAdminAuthenticationForm(OrganisationAuthenticationForm):
    """The Django admin's login: the organisation-aware form, for staff only (the hub's
    operators: ``createsuperuser`` users, or users an operator marks staff). Organisation
    owners and administrators are not staff; they use the settings pages."""

    error_messages = {
        **OrganisationAuthenticationForm.error_messages,
        "invalid_login": "Enter the organisation, username and password of a staff account.",
    }

    def confirm_login_allowed(self, user):
        super().confirm_login_allowed(user)
        if not user.is_staff:
            raise forms.ValidationError(self.error_messages["invalid_login"], code="invalid_login")
