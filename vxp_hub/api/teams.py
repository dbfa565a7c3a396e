"""JSON API for teams and user profiles (Django REST framework), for automation.

Everything is scoped to ``request.user.organisation``: another organisation's team answers
404, exactly like a team that does not exist. Permissions are the project's DRF default
(``IsOrganisationAdmin``: owners and administrators only).

Teams are addressed by their primary key, ``/api/teams/<id>/``: the same id as the settings
pages (``/settings/organisation/teams/<id>/``) and as profile ids. ``scim_id`` (the SCIM
Group id) is included read-only for correlating with the identity provider.

- ``GET /api/teams/[?scim=1]``: the teams (paginated, 50 a page), SCIM teams only with ``scim=1``
- ``GET /api/teams/<id>/``: one team
- ``PATCH /api/teams/<id>/`` ``{"profile": <profile id> | null}``: map the team to a profile
  of this organisation (400 for any other), recorded in the SCIM activity log. The only
  writable field.
- ``GET /api/profiles/``: the organisation's user profiles, lowest rank first
"""

from rest_framework import generics, serializers
from rest_framework.response import Response

from teams.models import Team
from teams.selectors import team_list

from ..models import UserProfile
from ..selectors import profile_list
from ..services import team_map_profile


class ProfileSerializer(serializers.ModelSerializer):
    class Meta:
        model = UserProfile
        fields = ["id", "name", "rank"]


class TeamSerializer(serializers.ModelSerializer):
    member_count = serializers.IntegerField(read_only=True)
    profile_name = serializers.CharField(source="profile.name", read_only=True, default=None)

    class Meta:
        model = Team
        fields = [
            "id", "scim_id", "name", "external_id", "scim_managed", "profile", "profile_name", "member_count",
            "created_at", "updated_at",
        ]
        read_only_fields = fields


class TeamProfileSerializer(serializers.Serializer):
    """The PATCH body: only profiles of the caller's organisation are valid choices."""

    profile = serializers.PrimaryKeyRelatedField(queryset=UserProfile.objects.none(), allow_null=True)

    def __init__(self, *args, organisation, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["profile"].queryset = profile_list(organisation=organisation)


class TeamList(generics.ListAPIView):
    serializer_class = TeamSerializer

    def get_queryset(self):
        return team_list(organisation=self.request.user.organisation, scim_only=self.request.query_params.get("scim") == "1")


class TeamDetail(generics.RetrieveAPIView):
    serializer_class = TeamSerializer

    def get_queryset(self):
        return team_list(organisation=self.request.user.organisation)

    def patch(self, request, *args, **kwargs):
        team = self.get_object()
        body = TeamProfileSerializer(data=request.data, organisation=request.user.organisation)
        body.is_valid(raise_exception=True)
        team_map_profile(team=team, profile=body.validated_data["profile"], actor=request.user)
        return Response(self.get_serializer(self.get_object()).data)


class ProfileList(generics.ListAPIView):
    serializer_class = ProfileSerializer

    def get_queryset(self):
        return profile_list(organisation=self.request.user.organisation)
