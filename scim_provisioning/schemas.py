"""The schemas this service provider publishes at /Schemas (RFC 7643 §7).

Built from django-scim2's copies of the RFC 7643 definitions, trimmed to what is really
stored and returned, because clients trust discovery: an attribute listed as writable that is
silently dropped, or a required one listed as optional, breaks a client that reads /Schemas
before it writes (scim2-tester does; Entra's gallery onboarding does).
"""

import copy

from django_scim.constants import SchemaURI
from django_scim.schemas import ALL as LIBRARY_SCHEMAS

_LIBRARY = {schema["id"]: schema for schema in LIBRARY_SCHEMAS}


def trimmed(urn: str, keep: dict[str, tuple[str, ...] | None], changes: dict[str, dict] | None = None) -> dict:
    """A copy of the library's schema ``urn`` with only the attributes in ``keep`` (for
    complex ones, only the sub-attributes named; None keeps them all). ``changes`` maps a
    dotted attribute name ("name.formatted") to characteristics to override or, for a
    sub-attribute not in the library's copy, to its full definition."""
    schema = copy.deepcopy(_LIBRARY[urn])
    attributes = []
    for attribute in schema["attributes"]:
        if attribute["name"] not in keep:
            continue
        wanted = keep[attribute["name"]]
        if wanted is not None:
            subs = {sub["name"]: sub for sub in attribute.get("subAttributes", [])}
            attribute["subAttributes"] = [subs.get(name, {"name": name}) for name in wanted]
        attributes.append(attribute)
    schema["attributes"] = attributes
    for dotted, overrides in (changes or {}).items():
        _find(schema, dotted).update(overrides)
    return schema


def _find(schema: dict, dotted: str) -> dict:
    attributes = schema["attributes"]
    found = None
    for part in dotted.split("."):
        found = next(a for a in attributes if a["name"] == part)
        attributes = found.get("subAttributes", [])
    return found


def _sub_attribute(name: str, description: str, mutability: str = "readWrite", **extra) -> dict:
    return {"name": name, "type": "string", "multiValued": False, "description": description, "required": False,
            "caseExact": False, "mutability": mutability, "returned": "default", "uniqueness": "none", **extra}


def _primary_sub_attribute() -> dict:
    return {"name": "primary", "type": "boolean", "multiValued": False, "required": False,
            "mutability": "readWrite", "returned": "default",
            "description": "A Boolean value indicating the 'primary' or preferred attribute value for this "
                           "attribute. The primary attribute value 'true' MUST appear no more than once."}


# Every RFC 7643 §4.1 core attribute but password (never set through SCIM): the modelled ones
# in columns, the others kept as sent (scim_provisioning.adapters.attributes).
USER = trimmed(
    SchemaURI.USER,
    keep={"userName": None,
          "name": ("formatted", "familyName", "givenName", "middleName", "honorificPrefix", "honorificSuffix"),
          "displayName": None, "nickName": None, "profileUrl": None, "title": None, "userType": None,
          "preferredLanguage": None, "locale": None, "timezone": None, "active": None,
          "emails": ("value", "display", "type", "primary"), "phoneNumbers": None, "ims": None, "photos": None,
          "addresses": ("formatted", "streetAddress", "locality", "region", "postalCode", "country", "type",
                        "primary"),
          "groups": None, "entitlements": None, "roles": None, "x509Certificates": None},
    changes={
        # RFC 7643 §4.1.2 lists primary for addresses; django-scim2's copy lacks it.
        "addresses.primary": _primary_sub_attribute(),
        # Every user here is active or not; "remove active" has no meaning, replace it with false.
        "active": {"required": True},
    },
)

ENTERPRISE_USER = copy.deepcopy(_LIBRARY[SchemaURI.ENTERPRISE_USER])

GROUP = trimmed(
    SchemaURI.GROUP,
    keep={"displayName": None, "members": ("value", "$ref", "type", "display")},
    changes={
        "displayName": {"required": True},  # RFC 7643 §4.2: REQUIRED, although §8.7.1 says false
        "members.display": _sub_attribute("display", "The member's userName.", mutability="readOnly"),
    },
)
