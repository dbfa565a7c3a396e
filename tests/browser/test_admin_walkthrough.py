"""The vendor's setup steps in a real browser (headless Debian chromium via Selenium, the
driver at /usr/bin/chromedriver: Selenium Manager is never asked to download anything), against
live_server, with an Okta stand-in sending SCIM over HTTP with the token the page showed.

Screenshots go to a temporary directory; with ``SCREENSHOTS=1`` they are copied into
docs/images/ (the guides' images come only from here).
"""

import json
import os
import shutil
import urllib.request
from pathlib import Path

import pytest
from selenium import webdriver
from selenium.webdriver.chrome.service import Service
from selenium.webdriver.common.by import By

from tests import factories
from vxp_hub.models import Role
from vxp_hub.services import organisation_create

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
DOCS_IMAGES = Path(__file__).resolve().parents[2] / "docs" / "images"


@pytest.fixture(scope="module")
def browser():
    options = webdriver.ChromeOptions()
    options.binary_location = "/usr/bin/chromium"
    for arg in ("--headless=new", "--no-sandbox", "--disable-dev-shm-usage", "--disable-gpu"):
        options.add_argument(arg)
    driver = webdriver.Chrome(service=Service("/usr/bin/chromedriver"), options=options)
    yield driver
    driver.quit()


@pytest.fixture
def shots(tmp_path):
    taken = []

    def shot(driver, name):
        path = tmp_path / f"{name}.png"
        driver.save_screenshot(str(path))
        taken.append(path)

    yield shot
    if os.environ.get("SCREENSHOTS") == "1":
        DOCS_IMAGES.mkdir(parents=True, exist_ok=True)
        for path in taken:
            shutil.copy(path, DOCS_IMAGES / path.name)


def scim(base, token, method, path, body):
    request = urllib.request.Request(f"{base}{path}", method=method, data=json.dumps(body).encode(), headers={
        "Authorization": f"Bearer {token}", "Content-Type": "application/scim+json"})
    with urllib.request.urlopen(request) as response:
        return response.status, json.loads(response.read())


def no_horizontal_overflow(driver):
    return driver.execute_script("return document.documentElement.scrollWidth <= window.innerWidth")


@pytest.mark.parametrize("width", [1366, 390])
def test_vendor_steps(browser, live_server, shots, width):
    organisation = organisation_create(name="Acme", slug="acme")
    factories.UserFactory(organisation=organisation, role=Role.ADMINISTRATOR, username="admin@acme.example",
                          password="admin-pass-12345")
    browser.set_window_size(width, 900)
    suffix = "" if width > 600 else "-mobile"

    browser.get(f"{live_server.url}/accounts/login/")
    browser.find_element(By.NAME, "organisation").send_keys("acme")
    browser.find_element(By.NAME, "username").send_keys("admin@acme.example")
    browser.find_element(By.NAME, "password").send_keys("admin-pass-12345")
    browser.find_element(By.NAME, "password").submit()
    assert "General" in browser.title, browser.find_element(By.TAG_NAME, "main").text

    browser.find_element(By.XPATH, "//button[normalize-space()='Generate token']").submit()
    token = browser.find_element(By.ID, "scim-token").text.strip()
    assert token.startswith("vxpscim_")
    assert no_horizontal_overflow(browser)
    shots(browser, f"general-new-token{suffix}")
    base = browser.find_element(By.ID, "scim-base-url").text.strip().rstrip("/")

    # The Okta stand-in: create two users and push a group with them.
    ids = [scim(base, token, "POST", "/Users", {
        "schemas": ["urn:ietf:params:scim:schemas:core:2.0:User"], "userName": f"u{i}@acme.example",
        "name": {"givenName": "User", "familyName": str(i)}, "emails": [{"value": f"u{i}@acme.example", "primary": True}],
        "active": True})[1]["id"] for i in range(2)]
    status, group = scim(base, token, "POST", "/Groups", {
        "schemas": ["urn:ietf:params:scim:schemas:core:2.0:Group"], "displayName": "Okta Engineering",
        "members": [{"value": i} for i in ids]})
    assert status == 201

    browser.get(f"{live_server.url}/settings/organisation/teams/")
    browser.find_element(By.LINK_TEXT, "Okta Engineering").click()
    select = browser.find_element(By.NAME, "profile")
    select.find_element(By.XPATH, "option[starts-with(normalize-space(), 'Contributor')]").click()
    select.submit()
    # The effect is shown first; nothing applies until Confirm.
    summary = browser.find_element(By.ID, "impact-summary").text
    assert summary == "2 users get access as Contributor.", summary
    assert no_horizontal_overflow(browser)
    shots(browser, f"team-profile-confirm{suffix}")
    browser.find_element(By.ID, "confirm-profile-change").click()
    assert "Profile saved: Contributor. 2 users changed profile." in browser.find_element(By.TAG_NAME, "main").text
    shots(browser, f"team-edit{suffix}")

    browser.get(f"{live_server.url}/settings/organisation/users/")
    assert "Contributor, from team Okta Engineering" in browser.page_source
    assert no_horizontal_overflow(browser)
    shots(browser, f"users{suffix}")

    browser.get(f"{live_server.url}/settings/organisation/scim-activity/")
    assert no_horizontal_overflow(browser)
    shots(browser, f"scim-activity{suffix}")
    browser.delete_all_cookies()
