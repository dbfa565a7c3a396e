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
from selenium.common.exceptions import StaleElementReferenceException, WebDriverException
from selenium.webdriver.chrome.service import Service
from selenium.webdriver.common.by import By
from selenium.webdriver.support.ui import WebDriverWait

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


def scim(base, token, method, path, body=None, *, with_headers=False):
    data = json.dumps(body).encode() if body is not None else None
    request = urllib.request.Request(f"{base}{path}", method=method, data=data, headers={
        "Authorization": f"Bearer {token}", "Content-Type": "application/scim+json"})
    with urllib.request.urlopen(request) as response:
        raw = response.read()
        result = (response.status, json.loads(raw) if raw else None)
        return (*result, response.headers) if with_headers else result


def navigate(driver, element) -> None:
    """Click ``element`` and wait for the page it leads to (the old page's element goes stale),
    so the next lookup never reads the page being left."""
    element.click()
    WebDriverWait(driver, 10).until(lambda _: _left_page(element))


def _left_page(element) -> bool:
    """Whether ``element``'s page is gone. Chromium answers a stale element either way: stale,
    or, while the old document is being replaced, "does not belong to the document"."""
    try:
        element.is_enabled()
    except StaleElementReferenceException:
        return True
    except WebDriverException as exc:
        if "does not belong to the document" in str(exc):
            return True
        raise
    return False


def main_text(driver) -> str:
    return driver.find_element(By.TAG_NAME, "main").text


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

    # The Okta stand-in: create three users, push a group with two of them, delete the third.
    ids = [scim(base, token, "POST", "/Users", {
        "schemas": ["urn:ietf:params:scim:schemas:core:2.0:User"], "userName": f"u{i}@acme.example",
        "name": {"givenName": "User", "familyName": str(i)}, "emails": [{"value": f"u{i}@acme.example", "primary": True}],
        "active": True})[1]["id"] for i in range(3)]
    status, group = scim(base, token, "POST", "/Groups", {
        "schemas": ["urn:ietf:params:scim:schemas:core:2.0:Group"], "displayName": "Okta Engineering",
        "members": [{"value": i} for i in ids[:2]]})
    assert status == 201
    status, _, headers = scim(base, token, "DELETE", f"/Users/{ids[2]}", with_headers=True)
    assert status == 204
    deprovision_request_id = headers["X-Request-Id"]
    assert len(deprovision_request_id) == 32

    browser.get(f"{live_server.url}/settings/organisation/teams/")
    navigate(browser, browser.find_element(By.LINK_TEXT, "Okta Engineering"))
    select = browser.find_element(By.NAME, "profile")
    select.find_element(By.XPATH, "option[starts-with(normalize-space(), 'Contributor')]").click()
    navigate(browser, browser.find_element(By.XPATH, "//button[normalize-space()='Save profile']"))
    # The effect is shown first; nothing applies until Confirm.
    summary = browser.find_element(By.ID, "impact-summary").text
    assert summary == "2 users get access as Contributor.", summary
    assert no_horizontal_overflow(browser)
    shots(browser, f"team-profile-confirm{suffix}")
    navigate(browser, browser.find_element(By.ID, "confirm-profile-change"))
    assert "Profile saved: Contributor. 2 users changed profile." in main_text(browser)
    shots(browser, f"team-edit{suffix}")

    # A second change, cancelled: nothing moves.
    select = browser.find_element(By.NAME, "profile")
    select.find_element(By.XPATH, "option[starts-with(normalize-space(), 'Manager')]").click()
    navigate(browser, browser.find_element(By.XPATH, "//button[normalize-space()='Save profile']"))
    assert browser.find_element(By.ID, "impact-summary").text == "2 users go from Contributor to Manager."
    navigate(browser, browser.find_element(By.ID, "cancel-profile-change"))
    assert "Okta Engineering" in browser.title
    selected = browser.find_element(By.CSS_SELECTOR, "select[name=profile] option:checked").text
    assert selected.startswith("Contributor"), selected

    browser.get(f"{live_server.url}/settings/organisation/users/")
    assert "Contributor, from team Okta Engineering" in browser.page_source
    assert "u2@acme.example" not in main_text(browser)
    assert no_horizontal_overflow(browser)
    shots(browser, f"users{suffix}")

    # The user Okta deleted is under Deprovisioned; the SCIM toggle is a link that keeps the filter.
    navigate(browser, browser.find_element(By.CSS_SELECTOR, "a[data-state=deprovisioned]"))
    assert "u2@acme.example" in main_text(browser) and "deprovisioned" in main_text(browser)
    navigate(browser, browser.find_element(By.CSS_SELECTOR, "#scim-toggle a"))
    assert "state=deprovisioned" in browser.current_url and "scim=1" in browser.current_url
    assert "u2@acme.example" in main_text(browser)
    assert no_horizontal_overflow(browser)
    shots(browser, f"users-deprovisioned{suffix}")
    navigate(browser, browser.find_element(By.CSS_SELECTOR, "#scim-toggle a"))
    assert "scim=1" not in browser.current_url

    # The default profile for SCIM users: effect first, then Confirm. (u0 and u1 have a mapped
    # team, u2 is deprovisioned: nobody moves.)
    browser.get(f"{live_server.url}/settings/organisation/general/")
    select = browser.find_element(By.CSS_SELECTOR, "select[name=profile]")
    select.find_element(By.XPATH, "option[normalize-space()='Viewer']").click()
    navigate(browser, browser.find_element(By.XPATH, "//button[normalize-space()='Save default profile']"))
    assert browser.find_element(By.ID, "impact-summary").text == "No user's profile changes."
    navigate(browser, browser.find_element(By.ID, "confirm-profile-change"))
    assert "Default profile for SCIM users saved. No user's profile changed." in main_text(browser)

    # SCIM activity: readable actions, and the deprovisioning found by its request id.
    browser.get(f"{live_server.url}/settings/organisation/scim-activity/")
    text = main_text(browser)
    for label in ("User created", "Team created", "User deprovisioned", "Team profile changed",
                  "Default SCIM profile changed", "Token generated"):
        assert label in text, label
    assert no_horizontal_overflow(browser)
    shots(browser, f"scim-activity{suffix}")
    browser.find_element(By.NAME, "request_id").send_keys(deprovision_request_id)
    navigate(browser, browser.find_element(By.XPATH, "//button[normalize-space()='Filter']"))
    rows = browser.find_elements(By.CSS_SELECTOR, "main tbody tr")
    assert len(rows) == 1 and "User deprovisioned" in rows[0].text and deprovision_request_id in rows[0].text
    assert no_horizontal_overflow(browser)
    shots(browser, f"scim-activity-request-id{suffix}")
    browser.delete_all_cookies()
