"""SAML 2.0 single sign-on, one service provider per organisation, on pysaml2.

The hub is a separate SAML service provider (SP) for every organisation: its entity ID is
the organisation's SP metadata URL (``/sso/<slug>/saml/metadata/``) and its assertion
consumer service (ACS) is ``/sso/<slug>/saml/acs/``. Each organisation trusts exactly one
identity provider (IdP): the metadata its administrators gave (``SSOConfiguration``). The
pysaml2 configuration is built per request from those two, so an assertion signed by
organisation A's IdP is never valid at organisation B's ACS (B's configuration knows only
B's IdP and B's audience).

What pysaml2 checks (``parse_authn_request_response``): the XML schema, the signature of the
response or of the assertion (one is required) against the IdP's metadata certificates,
Destination and the subject confirmation's Recipient against our ACS URL, the audience
(our entity ID), NotBefore/NotOnOrAfter with ``CLOCK_SKEW_SECONDS`` of slack, exactly one
assertion. What it does not, and this module adds: an AudienceRestriction must be present;
InResponseTo must name a request this browser started when it is present (pysaml2 lets any
InResponseTo through once unsolicited responses are allowed); each assertion id is
accepted once (``SeenSAMLAssertion``); the assertion's issuer is the configured IdP.

Sign-in rules (one place, ``acs_process``): the NameID, or the configured attribute, is the
userName of an active, not SCIM-deleted user of *that* organisation; nobody is created here
(SCIM is the source of users). Every attempt, accepted or refused, goes to the activity log.
Password sign-in: ``password_login_allowed``.
"""

from __future__ import annotations

import logging
import shutil
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from datetime import timezone as dt_timezone

from django.conf import settings
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone
from saml2 import BINDING_HTTP_POST, BINDING_HTTP_REDIRECT
from saml2.attribute_converter import ac_factory
from saml2.client import Saml2Client
from saml2.config import SPConfig
from saml2.mdstore import MetadataStore
from saml2.metadata import create_metadata_string
from saml2.time_util import str_to_time

from scim_provisioning.activity import event_record
from scim_provisioning.models import SCIMEvent

from . import selectors
from .models import Organisation, SeenSAMLAssertion, SSOConfiguration, User

logger = logging.getLogger(__name__)

CLOCK_SKEW_SECONDS = 60
# How long an SP-initiated request may wait for its response.
REQUEST_MAX_AGE_SECONDS = 10 * 60
# Remembered for at least this long when an assertion states no expiry.
DEFAULT_ASSERTION_LIFETIME = timedelta(hours=1)
METADATA_FETCH_TIMEOUT_SECONDS = 10
METADATA_MAX_BYTES = 1_000_000
ACTION = "sso.sign_in"
ACTION_TEST = "sso.test_sign_in"


class MetadataError(ValueError):
    """The identity provider's metadata cannot be used; the message says why, for the form."""


def xmlsec_binary() -> str:
    path = shutil.which("xmlsec1")
    if not path:
        raise RuntimeError("xmlsec1 is not installed (Debian package xmlsec1; `make run` installs it).")
    return path


# ---------------------------------------------------------------------------------------------
# The service provider's URLs


def sp_urls(*, organisation: Organisation, request=None, base_url: str | None = None) -> dict[str, str]:
    """The absolute URLs an administrator pastes into the IdP. The entity ID is the metadata
    URL (the usual convention: it names the SP and says where to learn about it). They start
    with ``settings.SSO_BASE_URL`` when set, else with the request's scheme and host."""
    base = (base_url or settings.SSO_BASE_URL).rstrip("/")

    def absolute(name: str) -> str:
        path = reverse(name, args=[organisation.slug])
        if base:
            return base + path
        if request is None:
            raise ValueError("Set SSO_BASE_URL (or pass a request) to build absolute SSO URLs.")
        return request.build_absolute_uri(path)

    metadata = absolute("sso-metadata")
    return {
        "entity_id": metadata,
        "metadata_url": metadata,
        "acs_url": absolute("sso-acs"),
        "login_url": absolute("sso-login"),
    }


def _sp_config(*, organisation: Organisation, request, idp_metadata_xml: str | None) -> SPConfig:
    urls = sp_urls(organisation=organisation, request=request)
    conf = {
        "entityid": urls["entity_id"],
        "xmlsec_binary": xmlsec_binary(),
        "accepted_time_diff": CLOCK_SKEW_SECONDS,
        "allow_unknown_attributes": True,
        "service": {
            "sp": {
                "name": f"VXP hub ({organisation.name})",
                "endpoints": {"assertion_consumer_service": [(urls["acs_url"], BINDING_HTTP_POST)]},
                # IdP-initiated sign-in (the Okta/Entra dashboard tile). InResponseTo, when a
                # response has one, is checked in acs_process.
                "allow_unsolicited": True,
                "authn_requests_signed": False,
                "want_assertions_signed": False,
                "want_response_signed": False,
                "want_assertions_or_response_signed": True,
                "only_use_keys_in_metadata": True,
                "name_id_format_allow_create": False,
            }
        },
    }
    if idp_metadata_xml:
        conf["metadata"] = {"inline": [idp_metadata_xml]}
    config = SPConfig()
    config.load(conf)
    return config


def sp_metadata_xml(*, organisation: Organisation, request) -> bytes:
    config = _sp_config(organisation=organisation, request=request, idp_metadata_xml=None)
    return create_metadata_string(None, config=config, valid=None, sign=False)


# ---------------------------------------------------------------------------------------------
# The identity provider's metadata


@dataclass
class IdPMetadata:
    xml: str
    entity_id: str


def idp_metadata_parse(xml: str | bytes) -> IdPMetadata:
    """Validate IdP metadata with pysaml2: exactly one identity provider, with a signing
    certificate and a single sign-on endpoint we can redirect to. Raises ``MetadataError``."""
    if isinstance(xml, bytes):
        try:
            xml = xml.decode("utf-8")
        except UnicodeDecodeError as exc:
            raise MetadataError("The metadata is not UTF-8 text.") from exc
    xml = xml.strip()
    if not xml:
        raise MetadataError("The metadata is empty.")
    store = MetadataStore(ac_factory(), None)
    try:
        store.load("inline", xml)
    except Exception as exc:  # pysaml2 raises many kinds (XML, schema, its own)
        raise MetadataError(f"This is not valid SAML metadata ({exc.__class__.__name__}).") from exc
    idps = store.identity_providers()
    if len(idps) != 1:
        raise MetadataError(
            f"The metadata must describe exactly one identity provider; it describes {len(idps)}."
        )
    entity_id = idps[0]
    if not store.certs(entity_id, "idpsso", "signing"):
        raise MetadataError("The identity provider's metadata has no signing certificate.")
    if not store.single_sign_on_service(entity_id, BINDING_HTTP_REDIRECT):
        raise MetadataError("The identity provider's metadata has no HTTP-Redirect single sign-on endpoint.")
    return IdPMetadata(xml=xml, entity_id=entity_id)


def idp_metadata_fetch(url: str) -> IdPMetadata:
    """GET the IdP metadata URL (http or https only) and validate what it answers."""
    import requests

    if not url.lower().startswith(("https://", "http://")):
        raise MetadataError("The metadata URL must start with https:// (or http://).")
    try:
        with requests.get(url, timeout=METADATA_FETCH_TIMEOUT_SECONDS, stream=True, allow_redirects=True) as r:
            if r.status_code != 200:
                raise MetadataError(f"Fetching the metadata URL answered HTTP {r.status_code}.")
            body = r.raw.read(METADATA_MAX_BYTES + 1, decode_content=True)
    except requests.RequestException as exc:
        raise MetadataError(f"The metadata URL could not be fetched ({exc.__class__.__name__}).") from exc
    if len(body) > METADATA_MAX_BYTES:
        raise MetadataError("The metadata at that URL is too large.")
    return idp_metadata_parse(body)


def sso_get(*, organisation: Organisation) -> SSOConfiguration | None:
    return SSOConfiguration.objects.filter(organisation=organisation).first()


def sso_configure(
    *,
    organisation: Organisation,
    metadata: IdPMetadata | None = None,
    metadata_url: str | None = None,
    name_id_attribute: str | None = None,
    require_sso: bool | None = None,
) -> SSOConfiguration:
    """Save the organisation's SSO settings; ``None`` leaves a setting as it is. Metadata must
    have been validated (``idp_metadata_parse``/``idp_metadata_fetch``)."""
    config, _ = SSOConfiguration.objects.get_or_create(organisation=organisation)
    if metadata is not None:
        config.idp_metadata_xml = metadata.xml
        config.idp_entity_id = metadata.entity_id
    if metadata_url is not None:
        config.idp_metadata_url = metadata_url
    if name_id_attribute is not None:
        config.name_id_attribute = name_id_attribute.strip()
    if require_sso is not None:
        config.require_sso = require_sso
    config.save()
    return config


# ---------------------------------------------------------------------------------------------
# Password sign-in


def password_login_allowed(user: User) -> bool:
    """Owners and administrators can always use their password (break-glass); members
    cannot once their organisation requires single sign-on."""
    if user.is_protected:
        return True
    config = sso_get(organisation=user.organisation)
    return not (config and config.require_sso and config.is_configured)


def organisation_sso_login_url(*, slug: str) -> str | None:
    """The SP-initiated login path of the organisation ``slug`` when it has SSO, else None."""
    config = SSOConfiguration.objects.filter(organisation__slug=slug).select_related("organisation").first()
    if config and config.is_configured:
        return reverse("sso-login", args=[config.organisation.slug])
    return None


# ---------------------------------------------------------------------------------------------
# SP-initiated sign-in


class NotConfigured(Exception):
    pass


def _client(*, organisation: Organisation, request) -> tuple[Saml2Client, SSOConfiguration]:
    config = sso_get(organisation=organisation)
    if not config or not config.is_configured:
        raise NotConfigured(organisation.slug)
    sp_config = _sp_config(organisation=organisation, request=request, idp_metadata_xml=config.idp_metadata_xml)
    return Saml2Client(config=sp_config), config


def authn_request_start(*, organisation: Organisation, request) -> tuple[str, str]:
    """An AuthnRequest to the organisation's IdP: (request id, the URL to redirect to)."""
    client, config = _client(organisation=organisation, request=request)
    request_id, info = client.prepare_for_authenticate(
        entityid=config.idp_entity_id, relay_state="", binding=BINDING_HTTP_REDIRECT
    )
    location = dict(info["headers"])["Location"]
    return request_id, location


# ---------------------------------------------------------------------------------------------
# The assertion consumer service


@dataclass
class SignInResult:
    ok: bool
    organisation: Organisation
    reason: str = ""  # why it was refused, for the person and the activity log
    user: User | None = None
    name_id: str = ""
    attributes: dict = field(default_factory=dict)
    request_id: str = ""  # InResponseTo, when the response answered one of our requests
    issuer: str = ""
    test: bool = False  # an administrator's "Test sign-in": nobody is signed in


REFUSED_INVALID = "The identity provider's response could not be verified"

# pysaml2's exceptions, in words an administrator can act on (the class stays in the detail).
_EXPLANATIONS = [
    ("Neither the response nor the assertions are signed", "it is not signed"),
    ("Failed to verify signature", "its signature does not verify (altered, or signed with another key)"),
    ("AudienceRestrictions conditions not satisfied", "it is meant for another service provider (audience)"),
    ("Condition not OK", "it has expired or is not valid yet (NotBefore/NotOnOrAfter)"),
    ("Invalid number of assertions", "it carries more than one assertion"),
    ("MissingKey", "it comes from an identity provider this organisation does not trust"),
    ("Unsolicited response", "it answers a sign-in request this browser did not start"),
]


def _explain(exc: Exception) -> str:
    text = f"{exc.__class__.__name__}: {exc}"
    for marker, words in _EXPLANATIONS:
        if marker in text:
            return f"{words} [{text}]"
    return text


def _refuse(organisation, reason: str, **kwargs) -> SignInResult:
    return SignInResult(ok=False, organisation=organisation, reason=reason, **kwargs)


def _as_aware(value: str | None) -> datetime | None:
    if not value:
        return None
    return datetime(*str_to_time(value)[:6], tzinfo=dt_timezone.utc)


def _assertion_expiry(assertion) -> datetime:
    candidates = []
    if assertion.conditions is not None:
        candidates.append(_as_aware(assertion.conditions.not_on_or_after))
    for confirmation in assertion.subject.subject_confirmation or []:
        data = confirmation.subject_confirmation_data
        if data is not None:
            candidates.append(_as_aware(data.not_on_or_after))
    candidates = [c for c in candidates if c]
    latest = max(candidates) if candidates else timezone.now() + DEFAULT_ASSERTION_LIFETIME
    return latest + timedelta(seconds=CLOCK_SKEW_SECONDS)


def _in_response_to_values(response) -> set[str]:
    values = set()
    if response.response.in_response_to:
        values.add(response.response.in_response_to)
    for assertion in response.response.assertion or []:
        for confirmation in assertion.subject.subject_confirmation or []:
            data = confirmation.subject_confirmation_data
            if data is not None and data.in_response_to:
                values.add(data.in_response_to)
    return values


def _has_audience_restriction(assertion) -> bool:
    conditions = assertion.conditions
    return bool(conditions is not None and any(r.audience for r in conditions.audience_restriction or []))


def _attributes(response) -> dict[str, list[str]]:
    """Every attribute by its SAML Name, and by pysaml2's friendly name where it has one."""
    result: dict[str, list[str]] = {}
    for statement in response.assertion.attribute_statement or []:
        for attribute in statement.attribute or []:
            values = [v.text or "" for v in attribute.attribute_value or []]
            for key in {attribute.name, attribute.friendly_name} - {None, ""}:
                result.setdefault(key, values)
    for key, values in (response.ava or {}).items():
        result.setdefault(key, [str(v) for v in values])
    return result


def seen_assertion_remember(*, organisation: Organisation, assertion_id: str, not_on_or_after: datetime) -> bool:
    """Remember an accepted assertion id; False when it was already seen (a replay). Prunes
    the expired ones: after they expire, pysaml2 refuses them anyway."""
    SeenSAMLAssertion.objects.filter(not_on_or_after__lt=timezone.now()).delete()
    try:
        with transaction.atomic():
            SeenSAMLAssertion.objects.create(
                organisation=organisation, assertion_id=assertion_id, not_on_or_after=not_on_or_after
            )
    except IntegrityError:
        return False
    return True


def _verify(*, organisation: Organisation, request, saml_response: str, outstanding: dict[str, dict]) -> SignInResult:
    try:
        client, config = _client(organisation=organisation, request=request)
    except NotConfigured:
        return _refuse(organisation, "Single sign-on is not configured for this organisation")
    if not saml_response:
        return _refuse(organisation, "The request carried no SAML response")
    try:
        response = client.parse_authn_request_response(saml_response, BINDING_HTTP_POST, outstanding=outstanding)
    except Exception as exc:  # pysaml2 signals every failed check with an exception
        logger.warning("SAML response refused for %s: %r", organisation.slug, exc)
        return _refuse(organisation, f"{REFUSED_INVALID}: {_explain(exc)}"[:400])
    if response is None or response.assertion is None:
        # pysaml2 answers None when Destination is not one of our ACS URLs.
        return _refuse(organisation, f"{REFUSED_INVALID}: it is not addressed to this organisation's ACS URL")
    assertion = response.assertion
    # The assertion's Issuer is required (pysaml2 checked its signature against that IdP's
    # keys); the Response's is optional in SAML, and must agree when present.
    issuer = (assertion.issuer.text or "").strip() if assertion.issuer is not None else ""
    response_issuer = response.issuer()
    if issuer != config.idp_entity_id or (response_issuer and response_issuer != issuer):
        return _refuse(organisation, f"{REFUSED_INVALID}: issued by {issuer!r}, not this organisation's identity provider")
    if not _has_audience_restriction(assertion):
        return _refuse(organisation, f"{REFUSED_INVALID}: the assertion names no audience")
    in_response_to = _in_response_to_values(response)
    if in_response_to and (len(in_response_to) > 1 or not in_response_to <= set(outstanding)):
        return _refuse(organisation, f"{REFUSED_INVALID}: it answers a sign-in request this browser did not start")
    request_id = next(iter(in_response_to), "")
    name_id = (assertion.subject.name_id.text or "").strip() if assertion.subject.name_id is not None else ""
    attributes = _attributes(response)
    result = SignInResult(
        ok=True, organisation=organisation, name_id=name_id, attributes=attributes, request_id=request_id, issuer=issuer
    )
    if not seen_assertion_remember(
        organisation=organisation, assertion_id=assertion.id, not_on_or_after=_assertion_expiry(assertion)
    ):
        result.ok = False
        result.reason = f"{REFUSED_INVALID}: this assertion was already used (a replay)"
        return result
    # Who is it? NameID, or the configured attribute.
    login = name_id
    if config.name_id_attribute:
        values = attributes.get(config.name_id_attribute) or []
        login = (values[0] if values else "").strip()
        if not login:
            result.ok = False
            result.reason = f"The assertion has no attribute {config.name_id_attribute!r} to identify the user"
            return result
    if not login:
        result.ok = False
        result.reason = "The assertion has no NameID to identify the user"
        return result
    user = User.objects.filter(organisation=organisation, username__iexact=login).first()
    if user is None:
        result.ok = False
        result.reason = f"No user {login!r} in {organisation.name}: users are created by provisioning (SCIM), not at sign-in"
        return result
    result.user = user
    if selectors.user_is_deprovisioned(user):
        result.ok = False
        result.reason = f"The user {user.username!r} was deleted by the identity provider"
    elif not user.is_active:
        result.ok = False
        result.reason = f"The user {user.username!r} is deactivated"
    return result


def acs_process(*, organisation: Organisation, request, saml_response: str, outstanding: dict[str, dict]) -> SignInResult:
    """Check a POSTed SAML response and decide who it signs in; log the attempt. Signing in
    (the session) is the view's job. ``outstanding``: request id → {"test": bool, ...}, the
    requests this browser started; a response to a test request is an administrator's "Test
    sign-in" (``result.test``), logged as such, and signs nobody in."""
    result = _verify(organisation=organisation, request=request, saml_response=saml_response, outstanding=outstanding)
    started = outstanding.get(result.request_id) if result.request_id else None
    result.test = test = bool(isinstance(started, dict) and started.get("test"))
    who = result.user.username if result.user else result.name_id
    event_record(
        organisation=organisation,
        action=ACTION_TEST if test else ACTION,
        outcome=SCIMEvent.Outcome.SUCCESS if result.ok else SCIMEvent.Outcome.FAILURE,
        status_code=(200 if test else 302) if result.ok else 403,
        actor=result.user if result.ok and not test else None,
        resource_type="User",
        resource_id=str(result.user.scim_link.scim_id) if result.user and result.user.scim_link else "",
        resource_display=who,
        detail=("Signed in with SAML" + (f" (SP-initiated {result.request_id})" if result.request_id else " (IdP-initiated)"))
        if result.ok
        else result.reason,
    )
    return result
