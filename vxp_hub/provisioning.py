"""The hub's backend for the SCIM app: only what is the hub's own. Users are written through
the hub's services (owners and administrators protected, the role never set); groups, the
lock order and the team→profile rule come from the package's default backend."""

from scim_provisioning.backend import SCIMBackend, UserChanges

from . import services
from .models import Role, User

HUB_USER_EXTENSION = "urn:vxp:params:scim:schemas:extension:hub:2.0:User"

HUB_USER_EXTENSION_SCHEMA = {
    "id": HUB_USER_EXTENSION,
    "name": "HubUser",
    "description": "The user's place in the hub: organisation role and effective user profile. Read-only, "
                   "returned on request (attributes=urn:vxp:params:scim:schemas:extension:hub:2.0:User), so "
                   "clients that know only the standard schemas can read every user.",
    "attributes": [
        {"name": "role", "type": "string", "multiValued": False, "required": False, "caseExact": True,
         "mutability": "readOnly", "returned": "request", "uniqueness": "none",
         "canonicalValues": ["owner", "administrator", "member"],
         "description": "Organisation role. Owners and administrators cannot be changed through SCIM."},
        {"name": "profile", "type": "string", "multiValued": False, "required": False, "caseExact": False,
         "mutability": "readOnly", "returned": "request", "uniqueness": "none",
         "description": "Effective user profile (empty: no access)."},
        {"name": "profileSource", "type": "string", "multiValued": False, "required": False, "caseExact": True,
         "mutability": "readOnly", "returned": "request", "uniqueness": "none",
         "canonicalValues": ["team", "organisationDefault", "manual", "role"],
         "description": "Where the effective profile comes from."},
        {"name": "profileTeam", "type": "complex", "multiValued": False, "required": False,
         "mutability": "readOnly", "returned": "request", "uniqueness": "none",
         "description": "The mapped team the profile comes from.",
         "subAttributes": [
             {"name": "value", "type": "string", "multiValued": False, "required": False, "caseExact": True,
              "mutability": "readOnly", "returned": "request", "uniqueness": "none", "description": "Group id"},
             {"name": "display", "type": "string", "multiValued": False, "required": False, "caseExact": False,
              "mutability": "readOnly", "returned": "request", "uniqueness": "none", "description": "Team name"},
         ]},
    ],
}


class HubSCIMBackend(SCIMBackend):
    # The hub's user has columns of its own for the names and the enterprise attributes it
    # shows, and ``email`` for the primary e-mail; the rest is only the SCIM user's.
    user_fields = {name: name for name in (
        "given_name", "family_name", "display_name", "title", "locale", "employee_number", "cost_center",
        "enterprise_organization", "division", "department",
    )}

    def user_queryset(self, *, organisation):
        return super().user_queryset(organisation=organisation).select_related("user__profile", "user__profile_team")

    def user_extension(self, link):
        user = link.user
        if user.is_protected:
            source = "role"
        elif user.profile_team_id:
            source = "team"
        elif link.managed:
            source = "organisationDefault"
        else:
            source = "manual"
        block = {"role": user.role, "profile": user.profile.name if user.profile_id else "", "profileSource": source}
        if user.profile_team_id:
            block["profileTeam"] = {"value": str(user.profile_team.scim_id), "display": user.profile_team.name}
        return HUB_USER_EXTENSION, block

    def user_extension_schema(self):
        return HUB_USER_EXTENSION_SCHEMA

    def protected_detail(self, link):
        role = "the owner" if link.user.role == Role.OWNER else "an administrator"
        return (f"{link.user_name} is {role} of the organisation and is managed in the hub, not through "
                "SCIM; change this user in the hub's settings.")

    # --- the hub's user: members only, through the hub's services ----------------------
    def user_host_new(self, *, organisation):
        return User(organisation=organisation, role=Role.MEMBER)

    def user_host_update(self, *, link, changes: UserChanges, active: bool, changed=None) -> None:
        services.user_scim_mirror(user=link.user, values=self.user_host_values(changes, active=active, changed=changed))

    def user_host_delete(self, *, link) -> None:
        services.user_scim_deactivate(user=link.user)
