"""The hub's implementation of the SCIM app's backend hooks: the only module that knows
``vxp_hub``, ``teams`` and ``scim_provisioning`` together."""

from contextlib import contextmanager
from dataclasses import asdict

from django.utils import timezone

from scim_provisioning import errors
from scim_provisioning.backend import SCIMBackend, UserChanges
from teams import services as team_services
from teams.models import Team

from . import services
from .models import Role

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
    def user_queryset(self, *, organisation):
        return super().user_queryset(organisation=organisation).select_related("organisation", "profile", "profile_team")

    def user_extension(self, user):
        if user.is_protected:
            source = "role"
        elif user.profile_team_id:
            source = "team"
        elif user.scim_managed:
            source = "organisationDefault"
        else:
            source = "manual"
        block = {"role": user.role, "profile": user.profile.name if user.profile_id else "", "profileSource": source}
        if user.profile_team_id:
            block["profileTeam"] = {"value": str(user.profile_team.scim_id), "display": user.profile_team.name}
        return HUB_USER_EXTENSION, block

    def user_extension_schema(self):
        return HUB_USER_EXTENSION_SCHEMA

    def protected_detail(self, user):
        role = "the owner" if user.role == Role.OWNER else "an administrator"
        return (f"{user.username} is {role} of the organisation and is managed in the hub, not through "
                "SCIM; change this user in the hub's settings.")

    # --- writes: the hub's services ----------------------------------------------------
    def user_create(self, *, organisation, changes: UserChanges):
        return services.user_scim_create(
            organisation=organisation, active=changes.active is not False, **self._user_arguments(changes)
        )

    def user_update(self, *, user, changes: UserChanges):
        return services.user_scim_update(user=user, active=changes.active, **self._user_arguments(changes))

    def user_delete(self, *, user):
        services.user_scim_delete(user=user)

    @staticmethod
    def _user_arguments(changes: UserChanges) -> dict:
        return {
            "values": changes.field_values(),
            "emails": [asdict(email) for email in changes.emails],
            "manager": changes.manager,
            "attributes": changes.attributes,
        }

    # --- groups (teams) ------------------------------------------------------------------
    # Every membership, name and deletion change goes through teams.services, which keeps
    # the members' effective profiles right (protected users are never touched) in bounded
    # SQL. Only the SCIM bookkeeping (externalId, scim_managed, updated_at) is written here.

    def write_lock(self, *, organisation, resource_type):
        # The lock every teams service takes first (the organisation's row), taken before the
        # SCIM view locks the team's or user's row: group writes change memberships, and user
        # writes recompute profiles, so both must lock in the teams services' order.
        team_services.profiles_lock(organisation=organisation)

    def group_create(self, *, organisation, name, external_id="", user_ids=()):
        with _team_errors():
            return team_services.team_create(
                organisation=organisation, name=name, external_id=external_id, scim_managed=True, member_ids=user_ids
            )

    def group_update(self, *, group, name=None, external_id=None):
        with _team_errors():
            if name is not None and name != group.name:
                team_services.team_rename(team=group, name=name)
        fields = {"scim_managed": True, "updated_at": timezone.now()}
        if external_id is not None:
            fields["external_id"] = external_id
        Team.objects.filter(pk=group.pk).update(**fields)

    def group_members_add(self, *, group, user_ids):
        with _team_errors():
            team_services.team_members_add(team=group, user_ids=user_ids)

    def group_members_remove(self, *, group, user_ids):
        with _team_errors():
            team_services.team_members_remove(team=group, user_ids=user_ids)

    def group_members_set(self, *, group, user_ids):
        with _team_errors():
            team_services.team_members_set(team=group, user_ids=user_ids)

    def group_delete(self, *, group):
        team_services.team_delete(team=group)


@contextmanager
def _team_errors():
    """teams.services errors as SCIM errors. Their text is for developers, never shown."""
    try:
        yield
    except team_services.TeamNameTaken:
        raise errors.Conflict("A group with this displayName already exists in the organisation.")
    except team_services.InvalidTeamField as exc:
        attribute = {"name": "displayName", "external_id": "externalId"}.get(exc.field, exc.field)
        raise errors.InvalidValue(f"{attribute} is empty, too long or contains control characters.")
    except team_services.MemberNotInOrganisation:
        raise errors.InvalidValue("A member is not a user of this organisation; no change was made.")
    except team_services.TeamError:
        raise errors.InvalidValue("The group could not be changed with these values.")
