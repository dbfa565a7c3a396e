"""Forms of the hub's settings pages. They validate input only; services do the writing."""

from django import forms

from scim_provisioning.models import SCIMEvent

from .models import Organisation


class SCIMTokenGenerateForm(forms.Form):
    """Generate, or regenerate, the organisation's SCIM token.

    ``replaces`` is the id of the active token the page showed (empty: it showed none); the
    service refuses the form if that is no longer the active token, so a reloaded POST never
    issues a second token. Regenerating (``replaces`` set) needs ``confirm`` ticked: the old
    token stops working at once.
    """

    replaces = forms.IntegerField(required=False, widget=forms.HiddenInput)
    confirm = forms.BooleanField(required=False)

    def clean(self):
        cleaned = super().clean()
        if cleaned.get("replaces") is not None and not cleaned.get("confirm"):
            self.add_error(
                "confirm",
                "Tick the box to confirm: the current token stops working as soon as a new one is generated.",
            )
        return cleaned


class SCIMTokenRevokeForm(forms.Form):
    confirm = forms.BooleanField(
        error_messages={"required": "Tick the box to confirm: the token stops working at once."}
    )


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
