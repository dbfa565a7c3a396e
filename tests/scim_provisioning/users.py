"""Helpers of the Users endpoint tests: SCIM constants, error checks, a user's full state."""

from django_scim.constants import SchemaURI

from scim_provisioning.models import SCIMUser
from vxp_hub.models import User

USER = SchemaURI.USER
ENTERPRISE = SchemaURI.ENTERPRISE_USER
PATCH_OP = SchemaURI.PATCH_OP
ERROR = SchemaURI.ERROR
LIST = SchemaURI.LIST_RESPONSE


def patch_body(*operations) -> dict:
    return {"schemas": [PATCH_OP], "Operations": list(operations)}


def assert_error(response, status: int, scim_type: str | None = None) -> dict:
    """A SCIM error body with this status (a string) and scimType, and a detail."""
    assert response.status_code == status, response.content
    assert response["Content-Type"].startswith("application/scim+json")
    body = response.json()
    assert body["schemas"] == [ERROR]
    assert body["status"] == str(status)
    assert body["detail"]
    assert "Traceback" not in body["detail"] and "IntegrityError" not in body["detail"]
    if scim_type is not None:
        assert body.get("scimType") == scim_type, body
    return body


def user_state(user: User) -> dict:
    """Everything a SCIM write could change about ``user``, read fresh from the database."""
    fresh = User.objects.get(pk=user.pk)
    fields = {f.attname: getattr(fresh, f.attname) for f in User._meta.concrete_fields}
    link = fresh.scim_link
    if link is not None:
        fields.update({f"scim.{f.attname}": getattr(link, f.attname) for f in SCIMUser._meta.concrete_fields})
        fields["emails"] = list(link.emails.order_by("position", "pk").values_list("value", "type", "primary", "position"))
    fields["teams"] = sorted(fresh.teams.values_list("pk", flat=True))
    return fields


def link_of(scim_id) -> SCIMUser:
    """The SCIM user with this id (a string or UUID), with its host user."""
    return SCIMUser.objects.select_related("user").get(scim_id=scim_id)


def user_of(scim_id) -> User:
    """The hub user whose SCIM user has this id."""
    return link_of(scim_id).user


def organisation_state(organisation) -> dict:
    """Every user of ``organisation`` with its state, keyed by username."""
    return {u.username: user_state(u) for u in User.objects.filter(organisation=organisation)}
