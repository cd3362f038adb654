"""Issue 15's acceptance, clicked through in a real browser: sign in, Sage's
memories (search, filter, add, delete, sync), stats charts, a relationship's
prompt manifest, erasing a user, and a wrong key that shows nothing."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.ui.conftest import ADMIN_KEY, Site, expect

pytestmark = pytest.mark.browser


def signed_in_at_sage(site: Site) -> Any:
    site.sign_in()
    page = site.page
    page.get_by_label("Persona").select_option("sage")
    page.wait_for_selector("#memory-list table")
    return page


def rows(page: Any, where: str = "#memory-list") -> Any:
    return page.locator(f"{where} tbody tr")


def test_a_wrong_key_shows_an_error_and_no_data(site: Site) -> None:
    site.sign_in("not-the-key")
    page = site.page
    expect(page.get_by_role("alert")).to_contain_text("invalid, expired or revoked token")
    assert page.get_by_label("Admin key").is_visible()
    assert not page.locator("#nav").is_visible()
    assert "Sage" not in page.locator("main").inner_text()
    assert page.evaluate("sessionStorage.length") == 0
    # An empty key is refused with a message that says what is missing.
    site.sign_in("")
    expect(page.get_by_role("alert")).to_contain_text("needs its admin key")
    # A screen opened by address asks for the key first, too.
    site.open("#/users")
    assert page.get_by_label("Admin key").is_visible() and "alice" not in page.content()


def test_sign_in_keeps_the_key_for_the_tab_only_and_sign_out_forgets_it(site: Site) -> None:
    site.sign_in()
    page = site.page
    page.wait_for_selector("text=Signed in.")
    key = page.evaluate("sessionStorage.getItem('persona-memory-admin-key')")
    assert key == ADMIN_KEY
    assert page.evaluate("localStorage.length") == 0
    page.get_by_role("button", name="Sign out").click()
    assert page.get_by_label("Admin key").is_visible()
    assert page.evaluate("sessionStorage.length") == 0


def test_search_filter_add_delete_and_sync_sages_memories(site: Site) -> None:
    page = signed_in_at_sage(site)
    assert rows(page).count() == 10

    page.get_by_label("Search memories").fill("pizza")
    page.get_by_role("button", name="Search", exact=True).click()
    page.wait_for_selector("caption:has-text('best matching “pizza”')")
    assert rows(page).first.locator("td").first.inner_text() == "sage_mem_002"

    page.get_by_label("Search memories").fill("")
    page.get_by_label("Category").first.select_option("opinion")
    expect(rows(page)).to_have_count(2)
    categories = rows(page).locator("td[data-column='Category']").all_inner_texts()
    assert categories == ["opinion", "opinion"]
    page.get_by_label("Category").first.select_option("")
    expect(rows(page)).to_have_count(10)

    page.get_by_label("Memory text").fill("I finally learned a fifth ukulele chord today")
    page.locator("form[aria-labelledby='add-title']").get_by_label("Category").select_option(
        "interest"
    )
    page.get_by_role("button", name="Add memory").click()
    expect(page.get_by_role("status")).to_contain_text("(source runtime)")
    added = rows(page).filter(has_text="fifth ukulele chord")
    assert added.locator("td[data-column='Source']").inner_text() == "runtime"
    page.get_by_label("Source").select_option("runtime")
    expect(rows(page)).to_have_count(1)
    page.get_by_label("Source").select_option("")

    # Deleting asks first; cancel keeps it.
    added = rows(page).filter(has_text="fifth ukulele chord")
    added.get_by_role("button", name=re.compile("^Delete")).click()
    page.get_by_role("dialog").get_by_role("button", name="Cancel").click()
    assert rows(page).filter(has_text="fifth ukulele chord").count() == 1
    rows(page).filter(has_text="fifth ukulele chord").get_by_role("button").click()
    page.get_by_role("dialog").get_by_role("button", name="Delete").click()
    expect(rows(page)).to_have_count(10)
    expect(page.get_by_role("status")).to_contain_text("Deleted")
    assert not [m for m in _own(site) if "fifth" in m["text"]]

    # A memory from the file deleted here comes back with the next sync.
    rows(page).filter(has_text="sage_mem_009").get_by_role("button").click()
    page.get_by_role("dialog").get_by_role("button", name="Delete").click()
    expect(rows(page)).to_have_count(9)
    page.get_by_role("button", name="Sync from JSON").click()
    expect(page.get_by_role("status")).to_contain_text("1 added, 0 updated, 0 removed, 9 unchanged")
    assert rows(page).filter(has_text="sage_mem_009").count() == 1


def _own(site: Site) -> list[dict[str, Any]]:
    memories: list[dict[str, Any]] = site.http.get("/v1/admin/personas/sage/memories").json()[
        "memories"
    ]
    return memories


def test_an_error_from_the_api_is_shown_and_nothing_is_added(site: Site) -> None:
    page = signed_in_at_sage(site)
    # The browser checks the form's bounds; the API says what else is wrong.
    page.get_by_label("Importance (1-10)").fill("11")
    page.get_by_role("button", name="Add memory").click()
    assert page.get_by_label("Importance (1-10)").evaluate("e => !e.validity.valid")
    page.get_by_label("Importance (1-10)").fill("5")
    page.get_by_label("Memory text").fill("   ")
    page.get_by_role("button", name="Add memory").click()
    expect(page.get_by_role("alert")).to_contain_text("blank")
    assert len(_own(site)) == 10


def test_the_profile_tab_shows_the_passport(site: Site) -> None:
    page = signed_in_at_sage(site)
    page.get_by_role("tab", name="Profile").click()
    panel = page.get_by_role("tabpanel")
    panel.get_by_text("Passport (read-only").wait_for()
    passport = site.http.get("/v1/admin/personas/sage/profile").json()
    assert passport["core_system_prompt"] in panel.inner_text()
    assert panel.locator("input, textarea, select").count() == 0


def test_the_stats_tab_draws_its_charts_from_the_stats(site: Site) -> None:
    page = signed_in_at_sage(site)
    page.get_by_role("tab", name="Stats").click()
    page.wait_for_selector("svg.chart")
    stats = site.http.get("/v1/admin/personas/sage/memories/stats").json()
    charts = page.locator("svg.chart")
    assert charts.count() == 4
    by_category = page.locator("svg[data-chart='Memories by category']")
    heights = {
        bar.locator("title").text_content(): float(bar.get_attribute("height"))
        for bar in by_category.locator("rect.bar").all()
    }
    assert heights["opinion: 2"] > heights["preference: 1"] > 0
    assert f"experience: {stats['by_category']['experience']}" in heights
    importance = page.locator("svg[data-chart='Memories by importance (1-10)'] rect.bar")
    assert importance.count() == 10
    growth = page.locator("svg[data-chart^='Memories stored over time'] desc").text_content()
    assert growth is not None and growth.endswith(f": {stats['total']}")
    # The charts' numbers are there for a screen reader too.
    assert by_category.get_attribute("role") == "img"


def test_tabs_and_sign_in_work_from_the_keyboard(site: Site) -> None:
    site.open()
    page = site.page
    page.get_by_label("Admin key").wait_for()
    page.keyboard.type(ADMIN_KEY)  # the key field has the focus
    page.keyboard.press("Enter")
    page.get_by_label("Persona").select_option("sage")
    page.get_by_role("tab", name="Memories").focus()
    page.keyboard.press("ArrowRight")
    expect(page).to_have_url(re.compile("/profile$"))
    # The redrawn tab list gives the focus back to the tab moved to.
    expect(page.get_by_role("tab", name="Profile")).to_be_focused()
    page.keyboard.press("ArrowRight")
    expect(page).to_have_url(re.compile("/stats$"))
    expect(page.get_by_role("tab", name="Stats")).to_be_focused()
    assert page.get_by_role("tab", name="Stats").get_attribute("aria-selected") == "true"


def test_a_relationship_shows_its_record_blocks_facts_sessions_and_prompt(site: Site) -> None:
    site.sign_in()
    page = site.page
    page.get_by_role("link", name="Users").click()
    page.get_by_role("link", name="alice").click()
    page.get_by_role("link", name="sage").click()
    page.wait_for_selector("#prompt-total")
    main = page.locator("main")
    assert "close_friend" in main.inner_text()
    shared = page.locator("tr", has_text="qsr_real_estate_service_experience")
    assert shared.locator(".badge.shared").inner_text() == "shared"
    assert "parking first" in shared.inner_text()
    assert page.locator("tr", has_text="Alice is allergic to peanuts.").count() == 1
    assert page.locator("tr", has_text="ended").count() >= 1

    built = site.http.post(
        "/v1/prompt", json={"persona_id": "sage", "user_id": "alice", "token_budget": 2000}
    ).json()
    total = page.locator("#prompt-total").inner_text()
    assert total.startswith(f"{built['total_tokens']} of 2000 tokens")
    for section in built["sections"]:
        assert page.locator("td", has_text=section["title"]).count() >= 1
    assert "=== CORE IDENTITY ===" in page.locator("main pre").last.inner_text()

    # A smaller budget from the form: the manifest follows it.
    page.get_by_label("Token budget").fill("120")
    page.get_by_role("button", name="Build prompt").click()
    page.wait_for_selector("#prompt-total:has-text('of 120 tokens')")
    used = int(page.locator("#prompt-total").inner_text().split()[0])
    assert used <= 120

    # A fact's history opens in place.
    fact = page.locator("tr", has_text="Alice is allergic to peanuts.")
    fact.locator("summary").click()
    fact.get_by_text("ADD").wait_for()


def test_the_profile_json_is_edited_in_place(site: Site) -> None:
    site.sign_in()
    page = site.page
    site.open("#/relationships/sage/alice")
    editor = page.get_by_label(re.compile("^Profile JSON"))
    editor.wait_for()
    editor.fill('{"personal_info": {"city_mood": "sunny"}}')
    page.get_by_role("button", name="Save profile").click()
    expect(page.get_by_role("status")).to_contain_text("Saved the profile")
    profile = site.http.get("/v1/personas/sage/relationships/alice/profile").json()
    assert profile["categories"]["personal_info"] == {"city_mood": "sunny"}
    # Invalid JSON is refused before any request, with the reason.
    editor.fill("{not json")
    page.get_by_role("button", name="Save profile").click()
    expect(page.get_by_role("alert")).to_contain_text("not valid JSON")


def test_erasing_a_user_needs_their_id_typed(site: Site) -> None:
    site.sign_in()
    page = site.page
    site.open("#/users/bob")
    page.get_by_role("button", name="Erase user…").click()
    dialog = page.get_by_role("dialog")
    confirm = dialog.get_by_role("button", name="Erase user")
    assert confirm.is_disabled()
    dialog.get_by_label("Type bob to confirm").fill("bo")
    assert confirm.is_disabled()
    dialog.get_by_label("Type bob to confirm").fill("bob")
    confirm.click()
    expect(page).to_have_url(re.compile("#/users$"))
    page.locator("#user-list table").wait_for()
    assert page.get_by_role("link", name="bob").count() == 0
    assert page.get_by_role("link", name="alice").count() == 1
    assert site.http.get("/v1/users/bob").status_code == 404


def test_users_are_searched_and_paged(site: Site) -> None:
    for number in range(25):
        site.http.post("/v1/users", json={"id": f"member{number:02d}"})
    site.sign_in()
    page = site.page
    page.get_by_role("link", name="Users").click()
    page.locator("#user-list table").wait_for()
    assert page.locator("#user-list tbody tr").count() == 20
    assert page.get_by_text("1-20 of 27").is_visible()
    page.get_by_role("button", name="Next").click()
    page.get_by_text("21-27 of 27").wait_for()
    assert page.locator("#user-list tbody tr").count() == 7
    page.get_by_label("Find a user").fill("moreau")
    page.get_by_role("button", name="Search").click()
    expect(rows(page, "#user-list")).to_have_count(1)
    assert page.locator("#user-list tbody").inner_text().startswith("alice")


def test_a_user_exports_as_a_json_download(site: Site) -> None:
    site.sign_in()
    page = site.page
    site.open("#/users/alice")
    with page.expect_download() as waiting:
        page.get_by_role("button", name="Export JSON").click()
    download = waiting.value
    assert download.suggested_filename == "persona-memory-user-alice.json"
    exported = json.loads(Path(download.path()).read_text())
    assert exported["user"]["id"] == "alice"
    assert any(m["text"] == "Alice is allergic to peanuts." for m in exported["memories"])


def test_user_personas_list_members_and_the_shared_block(site: Site) -> None:
    site.sign_in()
    page = site.page
    page.get_by_role("link", name="User personas").click()
    page.get_by_role("link", name="qsr_real_estate").click()
    page.get_by_text("Shared experience block").wait_for()
    assert "parking first" in page.locator("main pre").inner_text()
    assert page.get_by_role("link", name="alice").count() == 1


def test_privacy_shows_redactions_and_scan_results(site: Site) -> None:
    # A shared write with an email in it: the firewall redacts and counts it.
    block = "/v1/personas/sage/relationships/alice/blocks/qsr_real_estate_service_experience"
    site.http.post(f"{block}/append", json={"content": "Mail leads to jo.smith@example.com."})
    stats = site.http.get("/v1/admin/privacy/stats").json()
    assert stats["by_type"].get("EMAIL") == 1
    site.sign_in()
    page = site.page
    page.get_by_role("link", name="Privacy").click()
    bars = page.locator("svg[data-chart='Redactions by PII type'] rect.bar title")
    bars.first.wait_for(state="attached")
    assert "EMAIL: 1" in bars.all_text_contents()
    page.get_by_role("button", name="Run scan").click()
    expect(page.get_by_role("status")).to_contain_text("Scanned")
    report = site.http.post("/v1/admin/privacy/scan").json()
    assert f"{report['scanned']} scanned" in page.locator("#scan-results").inner_text()


def test_the_layout_fits_a_small_laptop(site: Site) -> None:
    site.page.set_viewport_size({"width": 1024, "height": 700})
    site.sign_in()
    page = site.page
    for route in ["#/personas/sage/memories", "#/relationships/sage/alice", "#/privacy"]:
        site.open(route)
        page.locator("main h2").first.wait_for()
        page.wait_for_load_state("networkidle")
        overflow = page.evaluate("document.documentElement.scrollWidth - window.innerWidth")
        assert overflow <= 0, (route, overflow)


def test_the_api_docs_load_offline_from_the_package(site: Site) -> None:
    page = site.page
    sent: list[str] = []
    page.on("request", lambda request: sent.append(request.url))
    page.goto(f"{site.url}/docs")
    page.locator(".swagger-ui .info .title").wait_for()
    assert "persona-memory" in page.locator(".swagger-ui .info .title").inner_text()
    page.locator(".opblock-summary-path", has_text="/v1/admin/personas").first.wait_for()
    assert sent and all(url.startswith(site.url) for url in sent), sent


def test_the_ui_is_served_with_a_strict_content_security_policy(site: Site) -> None:
    response = site.http.get("/admin", follow_redirects=True)
    assert response.status_code == 200 and "persona-memory admin" in response.text
    policy = response.headers["content-security-policy"]
    assert "default-src 'self'" in policy and "frame-ancestors 'none'" in policy
    assert site.http.get("/admin/app.js").headers["x-content-type-options"] == "nosniff"
    # The pages need no key; the data behind them does.
    assert httpx.get(f"{site.url}/admin/").status_code == 200
    assert httpx.get(f"{site.url}/v1/admin/personas").status_code == 401


UNLABELLED = """() => [...document.querySelectorAll('input, select, textarea, button')]
    .filter((control) => !(control.labels && control.labels.length)
        && !control.getAttribute('aria-label')
        && !(control.tagName === 'BUTTON' && control.textContent.trim()))
    .map((control) => control.outerHTML.slice(0, 80))"""


def test_every_control_on_every_screen_has_a_label(site: Site) -> None:
    site.sign_in()
    page = site.page
    screens = {
        "#/personas/sage/memories": "#memory-list table",
        "#/personas/sage/stats": "svg.chart",
        "#/users": "#user-list table",
        "#/users/alice": "main table",
        "#/relationships/sage/alice": "#prompt-total",
        "#/user-personas": "main table",
        "#/privacy": "svg.chart",
    }
    for route, ready in screens.items():
        site.open(route)
        page.locator(ready).first.wait_for(state="attached")
        assert page.evaluate(UNLABELLED) == [], route
