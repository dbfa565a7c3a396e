"""An organisation's SCIM safety rails (``SCIMOrganisationSettings``), read and enforced here.

- ``link_manual_groups`` (on by default, as before the setting existed): the identity
  provider may link, i.e. take over, a group created by hand. Off: SCIM sees only the groups
  it created, and a ``displayName`` equal to a hand-made group's answers 409 with a clear
  detail, so a leaked token cannot claim a team an administrator mapped to a profile.
- ``restrict_user_domains`` (off by default): a new or renamed user's ``userName`` must be an
  address at one of ``user_domains``; else 400 ``invalidValue`` (logged like every refused
  write). Users already there keep working (deactivation never fails on this rule).
"""

import re

from django.db import transaction

from . import errors
from .activity import event_record
from .models import SCIMOrganisationSettings

# A DNS name: labels of letters, digits and hyphens (IDNs in their xn-- form), with a dot.
_DOMAIN = re.compile(r"^(?=.{1,253}$)(?:[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z0-9-]{2,63}$")


def scim_settings(organisation) -> SCIMOrganisationSettings:
    """The organisation's rails; the defaults (unsaved) when it never changed them. Free when
    the organisation was loaded by the SCIM authentication (it joins the row in)."""
    try:
        return organisation.scim_settings
    except SCIMOrganisationSettings.DoesNotExist:
        return SCIMOrganisationSettings(organisation_id=organisation.pk)


def domains_parse(text: str) -> list[str]:
    """Domains from an administrator's text (commas, spaces or lines), normalised; ValueError
    names the first that is not a domain."""
    domains = []
    for item in re.split(r"[\s,;]+", text or ""):
        domain = item.strip().lower().lstrip("@").rstrip(".")
        if not domain:
            continue
        try:
            domain = domain.encode("idna").decode("ascii")
        except UnicodeError:
            raise ValueError(f"{item!r} is not a domain name.") from None
        if not _DOMAIN.match(domain):
            raise ValueError(f"{item!r} is not a domain name (for example: example.com).")
        if domain not in domains:
            domains.append(domain)
    return domains


@transaction.atomic
def scim_settings_update(*, organisation, link_manual_groups: bool, restrict_user_domains: bool,
                         user_domains: list[str], actor=None) -> SCIMOrganisationSettings:
    """Save the rails; every change is logged. Restricting needs at least one domain."""
    if restrict_user_domains and not user_domains:
        raise ValueError("Name at least one domain before restricting userNames to the organisation's domains.")
    current, _ = SCIMOrganisationSettings.objects.select_for_update().get_or_create(organisation=organisation)
    changes = []
    if current.link_manual_groups != link_manual_groups:
        changes.append("SCIM may link teams created by hand: " + ("on" if link_manual_groups else "off"))
    if current.restrict_user_domains != restrict_user_domains or current.user_domains != user_domains:
        changes.append("userNames restricted to " + ", ".join(user_domains) if restrict_user_domains
                       else "userNames not restricted to domains")
    current.link_manual_groups = link_manual_groups
    current.restrict_user_domains = restrict_user_domains
    current.user_domains = user_domains
    current.save()
    if changes:
        event_record(organisation=organisation, action="settings.scim_rails", actor=actor, detail="; ".join(changes))
    return current


def check_username(*, organisation, username: str, previous: str | None = None) -> None:
    """Refuse a userName outside the organisation's domains when it restricts them. Only a
    new userName is checked (``previous`` is the stored one)."""
    if previous is not None and username.lower() == previous.lower():
        return
    rails = scim_settings(organisation)
    if not rails.restrict_user_domains:
        return
    _, at, domain = username.rpartition("@")
    domain = domain.lower().rstrip(".")
    try:
        domain = domain.encode("idna").decode("ascii")
    except UnicodeError:
        pass
    if not at or domain not in rails.user_domains:
        raise errors.InvalidValue(
            f"userName must be an address at one of the organisation's domains ({', '.join(rails.user_domains)})."
        )


def links_manual_groups(organisation) -> bool:
    return scim_settings(organisation).link_manual_groups


def check_group_name(*, organisation, queryset, name: str, exclude_pk=None) -> None:
    """With linking off, a name taken by a hand-made group of the organisation answers 409
    saying so (``queryset``: all of the organisation's groups, hand-made included)."""
    if links_manual_groups(organisation):
        return
    clash = queryset.filter(name__iexact=name, scim_managed=False)
    if exclude_pk is not None:
        clash = clash.exclude(pk=exclude_pk)
    if clash.exists():
        raise errors.Conflict(
            "A team created by hand in the hub already has this name, and this organisation does not "
            "let SCIM link hand-made teams. Rename one of them, or allow linking in the hub's settings."
        )
