"""System checks: a host that forgot a model setting gets ``manage.py check`` errors naming it."""

from django.conf import settings
from django.core.checks import Error, register

MODEL_SETTINGS = (
    ("TEAMS_ORGANISATION_MODEL", "teams.E001", "your tenant model, e.g. TEAMS_ORGANISATION_MODEL = \"accounts.Organisation\""),
    ("TEAMS_PROFILE_MODEL", "teams.E002", "your profile (or role) model, e.g. TEAMS_PROFILE_MODEL = \"accounts.Profile\""),
)


@register()
def check_model_settings(app_configs, **kwargs):
    return [
        Error(f"{name} is not set.", hint=f"Set it to {example} (README: 'Install in your project').", id=check_id)
        for name, check_id, example in MODEL_SETTINGS
        if not getattr(settings, name, None)
    ]


FIRST_MIGRATION = "0001_initial"  # creates Team and TeamMembership, without foreign keys


@register()
def check_migration_order(app_configs, **kwargs):
    """``teams.E003``: a host's first migration that waits for a later teams migration.

    teams' later migrations add the foreign keys to the host's tenant, profile and user models,
    so they depend on the host's first migration. A host whose user model has ``profile_team``
    (a foreign key to ``teams.Team``) gets a first migration from ``makemigrations`` that depends
    on teams' *last* migration: a cycle, which ``migrate`` would report as a bare
    ``CircularDependencyError``. Its dependency must be teams' first migration, where ``Team``
    is created. Reads the migration files only (no database, no graph).
    """
    from django.db.migrations.loader import MigrationLoader

    loader = MigrationLoader(None, ignore_no_migrations=True, load=False)
    try:
        loader.load_disk()
    except Exception:  # noqa: BLE001 — a broken migration module is Django's to report, not ours
        return []
    teams_needs = {
        dep[0] for (app, _), migration in loader.disk_migrations.items() if app == "teams"
        for dep in migration.dependencies if dep[0] != "teams"
    }
    errors = []
    for (app, name), migration in sorted(loader.disk_migrations.items()):
        if app not in teams_needs or any(dep[0] == app for dep in migration.dependencies):
            continue  # not an app teams depends on, or not that app's first migration
        late = sorted(dep[1] for dep in migration.dependencies if dep[0] == "teams" and dep[1] != FIRST_MIGRATION)
        for teams_name in late:
            errors.append(Error(
                f"{app}.{name} depends on ('teams', {teams_name!r}), which itself depends on {app}'s first "
                "migration: a circular dependency, migrate cannot run.",
                hint=(f"In {app}/migrations/{name}.py change ('teams', {teams_name!r}) to ('teams', "
                      f"{FIRST_MIGRATION!r}): teams.Team exists from there (README: 'Install in your project', "
                      "migrations)."),
                id="teams.E003",
            ))
    return errors
