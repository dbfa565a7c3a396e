"""The hub's words for things stored as codes: the SCIM activity log's actions, and the
effect of a profile change (``teams.preview.ProfileImpact``) as a sentence. One place, so
the activity page, confirmations and messages say the same thing."""

from collections.abc import Mapping

# Action codes (``SCIMEvent.action``) -> what an administrator reads. SCIM Groups are teams.
ACTION_LABELS = {
    "user.create": "User created",
    "user.replace": "User replaced",
    "user.patch": "User updated",
    "user.delete": "User deprovisioned",
    "group.create": "Team created",
    "group.replace": "Team replaced",
    "group.patch": "Team updated",
    "group.delete": "Team deleted",
    "token.generated": "Token generated",
    "token.revoked": "Token revoked",
    "token.first_use": "Token first used",
    "token.rotation_started": "Token rotation started",
    "token.rotation_completed": "Token rotation completed",
    "token.rotation_cancelled": "Token rotation cancelled",
    "oauth.client_created": "OAuth client created",
    "oauth.client_revoked": "OAuth client revoked",
    "oauth.secret_added": "OAuth client secret added",
    "oauth.secret_revoked": "OAuth client secret revoked",
    "oauth.token_issued": "OAuth access token issued",
    "oauth.token_refused": "OAuth access token refused",
    "settings.scim_rails": "SCIM safety limits changed",
    "sso.sign_in": "Single sign-on",
    "sso.test_sign_in": "Single sign-on test",
    "team.profile_mapped": "Team profile changed",
    "organisation.default_profile_changed": "Default SCIM profile changed",
    "team.member_added": "Team member added",
    "team.member_removed": "Team member removed",
    "team.deleted": "Team deleted",
    "profile.rank_changed": "Profile rank changed",
    "profile.deleted": "Profile deleted",
}


def action_label(code: str) -> str:
    """The label of an action code; an unknown code is shown as it is."""
    return ACTION_LABELS.get(code, code)


def _users(n: int) -> str:
    return f"{n} user{'' if n == 1 else 's'}"


def impact_phrases(impact, profile_names: Mapping[int, str]) -> list[str]:
    """One phrase per move of ``impact`` (most users first): "37 users go from Viewer to
    Editor", "2 users lose access (Viewer)", "1 user gets access as Editor"."""
    def name(pk):
        return profile_names.get(pk, f"profile {pk}")

    phrases = []
    for move in impact.moves:
        if move.to_profile_id is None:
            verb = "loses" if move.count == 1 else "lose"
            phrases.append(f"{_users(move.count)} {verb} access (had {name(move.from_profile_id)})")
        elif move.from_profile_id is None:
            verb = "gets" if move.count == 1 else "get"
            phrases.append(f"{_users(move.count)} {verb} access as {name(move.to_profile_id)}")
        else:
            verb = "goes" if move.count == 1 else "go"
            phrases.append(f"{_users(move.count)} {verb} from {name(move.from_profile_id)} to {name(move.to_profile_id)}")
    return phrases


def impact_sentence(impact, profile_names: Mapping[int, str]) -> str:
    """The whole effect in one sentence, e.g. "37 users go from Viewer to Editor, 2 users lose
    access (had Viewer)."; "No user's profile changes." when nothing moves."""
    phrases = impact_phrases(impact, profile_names)
    if not phrases:
        return "No user's profile changes."
    return ", ".join(phrases) + "."


def changed_sentence(impact) -> str:
    """How many users changed profile, for a success message and the activity log."""
    return changed_count_sentence(impact.changed)


def changed_count_sentence(n: int) -> str:
    """"3 users changed profile." / "No user's profile changed."."""
    if n == 0:
        return "No user's profile changed."
    return f"{_users(n)} changed profile."
