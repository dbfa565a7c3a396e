"""Forms of the hub's settings pages. They validate input only; services do the writing."""

from datetime import timedelta

from django import forms
from django.utils import timezone

from scim_provisioning.models import SCIMEvent
from scim_provisioning.rails import domains_parse

from .models import Organisation


EXPIRY_CHOICES = [("", "No expiry"), ("90", "In 90 days"), ("365", "In 1 year"), ("730", "In 2 years")]
RETIRE_CHOICES = [("", "Until I complete the rotation"), ("1", "At most 1 day"), ("7", "At most 7 days"),
                  ("30", "At most 30 days")]
SECRET_CHOICES = [("365", "1 year"), ("730", "2 years"), ("1095", "3 years")]


def days_ahead(value: str):
    return timezone.now() + timedelta(days=int(value)) if value else None


class _SeenTokensForm(forms.Form):
    """``replaces``: the ids of the active tokens the page showed (comma-separated; empty: it
    showed none). The service refuses the form if others are active by now, so a reloaded
    POST never issues a second token. ``issue_key`` identifies this rendering of the form, so
    a double submit is recognised as one click."""

    replaces = forms.CharField(required=False, widget=forms.HiddenInput)
    issue_key = forms.CharField(required=False, max_length=64, widget=forms.HiddenInput)
    expires_in_days = forms.ChoiceField(choices=EXPIRY_CHOICES, required=False, label="New token expires")

    def clean_replaces(self):
        raw = self.cleaned_data["replaces"].strip()
        try:
            return frozenset(int(part) for part in raw.split(",") if part.strip())
        except ValueError:
            raise forms.ValidationError("The page was not sent as shown; reload it.") from None

    def expires_at(self):
        return days_ahead(self.cleaned_data.get("expires_in_days") or "")


class SCIMTokenGenerateForm(_SeenTokensForm):
    """Generate, or regenerate, the organisation's SCIM token. Regenerating (tokens were
    shown) needs ``confirm`` ticked: the old token stops working at once."""

    confirm = forms.BooleanField(required=False)

    def clean(self):
        cleaned = super().clean()
        if cleaned.get("replaces") and not cleaned.get("confirm"):
            self.add_error(
                "confirm",
                "Tick the box to confirm: the current token stops working as soon as a new one is generated.",
            )
        return cleaned


class SCIMTokenRotateForm(_SeenTokensForm):
    """Start a rotation: a second token; the current one keeps working meanwhile."""

    retire_old_in_days = forms.ChoiceField(choices=RETIRE_CHOICES, required=False,
                                           label="The current token keeps working")

    def retire_at(self):
        return days_ahead(self.cleaned_data.get("retire_old_in_days") or "")


class SCIMTokenRevokeForm(forms.Form):
    confirm = forms.BooleanField(
        error_messages={"required": "Tick the box to confirm: the token stops working at once."}
    )


class OAuthSecretForm(forms.Form):
    """A new OAuth client (with its first secret) or another secret for ``client_id``."""

    client_id = forms.CharField(required=False, max_length=64, widget=forms.HiddenInput)
    secret_days = forms.ChoiceField(choices=SECRET_CHOICES, initial="365", label="Secret expires after")

    def expires_at(self):
        return days_ahead(self.cleaned_data["secret_days"])


class OAuthRevokeForm(forms.Form):
    """Revoke a client (``client_id``) or one of its secrets (``secret``)."""

    client_id = forms.CharField(max_length=64, widget=forms.HiddenInput)
    secret = forms.IntegerField(required=False, widget=forms.HiddenInput)


class SCIMRailsForm(forms.Form):
    link_manual_groups = forms.BooleanField(
        required=False, label="SCIM may link teams created by hand",
        help_text="Off: the identity provider sees only the teams it pushed, and pushing a group named like a "
                  "team created here is refused (409), so a leaked token cannot take over a mapped team.",
    )
    restrict_user_domains = forms.BooleanField(
        required=False, label="userNames must belong to the organisation's domains",
        help_text="A new or renamed SCIM user whose userName is not an address at one of these domains is "
                  "refused (400) and the refusal is logged. Existing users keep working.",
    )
    user_domains = forms.CharField(
        required=False, label="The organisation's domains", widget=forms.Textarea(attrs={"rows": 2}),
        help_text="One per line or separated by commas, for example: example.com, example.org",
    )

    def clean_user_domains(self):
        try:
            return domains_parse(self.cleaned_data["user_domains"])
        except ValueError as exc:
            raise forms.ValidationError(str(exc)) from None

    def clean(self):
        cleaned = super().clean()
        if cleaned.get("restrict_user_domains") and cleaned.get("user_domains") == []:
            self.add_error("user_domains", "Name at least one domain to restrict userNames to.")
        return cleaned


class DefaultSCIMProfileForm(forms.Form):
    """The organisation's default profile for SCIM users: one of *its* profiles, or none."""

    profile = forms.ModelChoiceField(
        queryset=None,
        required=False,
        empty_label="None — no access",
        label="Default profile for SCIM users",
        help_text="SCIM users who belong to no team mapped to a profile get this profile.",
        error_messages={"invalid_choice": "Choose one of this organisation's profiles, or none."},
    )

    def __init__(self, *args, organisation: Organisation, **kwargs):
        kwargs.setdefault("initial", {"profile": organisation.default_scim_profile_id})
        super().__init__(*args, **kwargs)
        self.fields["profile"].queryset = organisation.profiles.order_by("rank", "id")


class SCIMActivityFilterForm(forms.Form):
    """The SCIM activity page's filter (a GET form: it works without JavaScript)."""

    outcome = forms.ChoiceField(
        choices=[("", "All outcomes"), *SCIMEvent.Outcome.choices], required=False, label="Outcome"
    )
    request_id = forms.CharField(
        required=False, max_length=64, strip=True, label="Request id",
        help_text="The X-Request-Id of a SCIM response, as your identity provider's log shows it.",
        widget=forms.TextInput(attrs={"aria-describedby": "request-id-hint", "autocomplete": "off", "spellcheck": "false"}),
    )


class SSOConfigurationForm(forms.Form):
    """Settings › Single sign-on. The identity provider's metadata comes from an uploaded XML
    file or from a URL fetched on save; either is validated with pysaml2 here, and nothing is
    saved when it is invalid. Without new metadata the stored one stays."""

    metadata_file = forms.FileField(
        required=False,
        label="Identity provider metadata (XML file)",
        help_text="Okta: “Identity Provider metadata”; Entra ID: “Federation Metadata XML”.",
    )
    metadata_url = forms.URLField(
        required=False,
        max_length=1000,
        assume_scheme="https",
        label="…or its metadata URL (fetched when you save)",
        help_text="Okta: “Metadata URL”; Entra ID: “App Federation Metadata Url”.",
    )
    name_id_attribute = forms.CharField(
        required=False,
        max_length=255,
        label="Attribute that carries the userName",
        help_text="Empty: the assertion's NameID. Otherwise a SAML attribute name, e.g. email.",
    )
    require_sso = forms.BooleanField(
        required=False,
        label="Require single sign-on for members",
        help_text="Members can no longer sign in with a password. Owners and administrators always can (the break-glass path).",
    )

    def __init__(self, *args, configuration=None, **kwargs):
        self.configuration = configuration
        if configuration is not None:
            kwargs.setdefault("initial", {
                "metadata_url": configuration.idp_metadata_url,
                "name_id_attribute": configuration.name_id_attribute,
                "require_sso": configuration.require_sso,
            })
        super().__init__(*args, **kwargs)

    def clean(self):
        from .sso import MetadataError, idp_metadata_fetch, idp_metadata_parse

        cleaned = super().clean()
        upload = cleaned.get("metadata_file")
        url = cleaned.get("metadata_url") or ""
        cleaned["metadata"] = None
        try:
            if upload:
                if upload.size > 1_000_000:
                    raise MetadataError("The metadata file is too large.")
                cleaned["metadata"] = idp_metadata_parse(upload.read())
            elif url:
                cleaned["metadata"] = idp_metadata_fetch(url)
        except MetadataError as exc:
            self.add_error("metadata_file" if upload else "metadata_url", str(exc))
            return cleaned
        has_metadata = cleaned["metadata"] is not None or bool(self.configuration and self.configuration.is_configured)
        if cleaned.get("require_sso") and not has_metadata:
            self.add_error("require_sso", "Add the identity provider's metadata before requiring single sign-on.")
        return cleaned
