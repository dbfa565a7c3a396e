"""Where the default backend takes an e-mail login field's value from (``login_field_source``)."""

from scim_provisioning.backend import EmailChange, SCIMBackend, UserChanges


class FromEmails(SCIMBackend):
    login_field_source = "emails"


class EmailLogin(SCIMBackend):
    login_field = "email"


CHANGES = UserChanges(username="u@example.com", emails=[EmailChange("a@example.com", primary=False),
                                                        EmailChange("p@example.com", primary=True)])


def test_login_value_is_the_username_by_default():
    assert SCIMBackend().login_value(CHANGES) == "u@example.com"


def test_login_value_from_the_primary_email_else_the_username():
    assert FromEmails().login_value(CHANGES) == "p@example.com"
    assert FromEmails().login_value(UserChanges(username="u@example.com")) == "u@example.com"


def test_the_hub_logs_in_by_username_so_nothing_else_is_filled():
    assert SCIMBackend().login_field_name() is None  # vxp_hub.User.USERNAME_FIELD == "username"
    assert EmailLogin().login_field_name() == "email"
