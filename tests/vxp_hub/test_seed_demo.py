from django.core.management import call_command

from teams.models import Team
from vxp_hub.models import Organisation, User


def test_seed_demo_is_idempotent(db, capsys):
    call_command("seed_demo")
    first = (User.objects.count(), Team.objects.count(), Organisation.objects.count())
    call_command("seed_demo")
    assert (User.objects.count(), Team.objects.count(), Organisation.objects.count()) == first
    demo = Organisation.objects.get(slug="demo")
    assert [p.name for p in demo.profiles.order_by("rank")] == ["Viewer", "Contributor", "Editor", "Manager"]
    assert demo.users.filter(role="owner").count() == 1
    assert demo.users.filter(role="administrator").count() == 1
    assert "owner@demo.example" in capsys.readouterr().out
