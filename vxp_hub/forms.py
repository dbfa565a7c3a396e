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
    request_id = forms.CharField(
        required=False, max_length=64, strip=True, label="Request id",
        help_text="The X-Request-Id of a SCIM response, as your identity provider's log shows it.",
        widget=forms.TextInput(attrs={"aria-describedby": "request-id-hint", "autocomplete": "off", "spellcheck": "false"}),
    )
