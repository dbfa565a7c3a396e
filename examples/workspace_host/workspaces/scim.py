"""What is this project's own in SCIM: a person may belong to several workspaces, so a SCIM
create finds the person by e-mail (or creates them) and gives them a membership; deactivation
and deletion end the membership's access, never the person's other workspaces; owners and
admins of a workspace are read-only to SCIM there."""

from scim_provisioning.backend import SCIMBackend

from .models import Membership, Person


class WorkspaceBackend(SCIMBackend):
    tenant_field = None  # people join workspaces through memberships
    login_field_source = "emails"  # the login is the primary e-mail, else the userName

    def is_protected(self, link):
        return Membership.objects.filter(organisation_id=link.organisation_id, user_id=link.user_id,
                                         role__in=Membership.PROTECTED_ROLES).exists()

    def protected_detail(self, link):
        return f"{link.user_name} is an owner or admin of this workspace; change them in the workspace's settings."

    def user_host_create(self, *, organisation, changes, active):
        email = self.login_value(changes)
        person = Person.objects.filter(email__iexact=email).first()
        if person is None:
            person = Person.objects.create_user(email=email, username=email[:150],
                                                first_name=changes.given_name, last_name=changes.family_name)
        Membership.objects.create(organisation=organisation, user=person, is_active=active,
                                  profile_id=organisation.default_scim_profile_id)
        return person

    def user_host_update(self, *, link, changes, active, changed=None):
        if changed is None or "active" in changed:
            Membership.objects.filter(organisation_id=link.organisation_id, user_id=link.user_id).update(is_active=active)

    def user_host_delete(self, *, link):
        Membership.objects.filter(organisation_id=link.organisation_id, user_id=link.user_id).update(is_active=False)
