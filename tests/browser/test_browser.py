"""The chat page in a real browser (Debian's Chromium driven by Playwright), against the real
action server, Rasa server (socket.io channel) and web app on loopback."""
import json
import subprocess
import sys

import pytest

from harness.servers import GUARDED_REST, GUARDED_SOCKETIO, ROOT, Servers, free_port, latest_model, wait_until_up

AXE = ROOT / "node_modules" / "axe-core" / "axe.min.js"
RESULTS = ROOT / "results"

sync_api = pytest.importorskip("playwright.sync_api")


@pytest.fixture(scope="module")
def site(tmp_path_factory, chromium):
    if not (ROOT / "web/static/vendor/socket.io.min.js").exists() or not AXE.exists():
        pytest.fail("front-end packages are not vendored: run `make web-vendor` (make test does)")
    workdir = tmp_path_factory.mktemp("browser")
    web_port = free_port()
    servers = Servers(workdir, {"BMA_DB_URL": f"sqlite:///{workdir / 'registry.sqlite3'}", "BMA_TODAY": "2024-11-15",
                                "BMA_SITE_ORIGINS": f"http://127.0.0.1:{web_port}"},
                      latest_model(), credentials=GUARDED_REST + GUARDED_SOCKETIO)
    web = None
    try:
        servers.start_actions()
        servers.start_rasa()
        log = workdir / "web.log"
        web = subprocess.Popen([sys.executable, "-m", "web.app", "--port", str(web_port)], cwd=ROOT,
                               env={**servers.env, "BMA_SOCKET_URL": servers.rasa_url},
                               stdout=log.open("w"), stderr=subprocess.STDOUT)
        wait_until_up(f"http://127.0.0.1:{web_port}/health", web, 60, log)
        yield f"http://127.0.0.1:{web_port}/"
    finally:
        if web:
            web.terminate()
            web.wait(10)
        servers.stop()


@pytest.fixture(scope="module")
def browser(chromium):
    with sync_api.sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=chromium, headless=True,
            args=["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                  "--disable-background-networking", "--disable-component-update", "--disable-sync"],
        )
        yield browser
        browser.close()


def bot_bubbles(page):
    return page.locator(".chat__msg--bot .chat__bubble")


def ask(page, send) -> str:
    """Send with ``send()``, wait for the whole answer (it ends with quick replies), return its text."""
    before = page.locator(".chat__msg").count()
    send()
    page.wait_for_function(
        f"document.querySelectorAll('.chat__msg').length > {before + 1} && "
        "document.querySelector('.chat__msg:last-child .chat__replies') !== null", timeout=30000)
    return "\n".join(page.locator(".chat__msg").nth(i).inner_text() for i in range(before + 1, page.locator(".chat__msg").count()))


def test_keyboard_conversation_quick_reply_and_reload(site, browser):
    RESULTS.mkdir(exist_ok=True)
    context = browser.new_context(viewport={"width": 1280, "height": 900}, locale="fr-BE")
    page = context.new_page()
    page.goto(site)
    assert page.locator("h1").inner_text() == "FAQ BMA : migration SMAIL2"
    # Keyboard only: tab to the launcher, open it, focus lands in the input.
    launcher = page.get_by_role("button", name="Poser une question à l'assistant")
    for _ in range(10):
        page.keyboard.press("Tab")
        if launcher.evaluate("el => el === document.activeElement"):
            break
    assert launcher.evaluate("el => el === document.activeElement"), "the launcher is not reachable by Tab"
    page.keyboard.press("Enter")
    field = page.get_by_label("Votre question")
    assert field.evaluate("el => el === document.activeElement")
    assert "Ne tapez jamais de mot de passe" in bot_bubbles(page).first.inner_text()
    log = page.locator("[role=log]")
    assert log.get_attribute("aria-live") == "polite"

    page.keyboard.type("Pourquoi cette migration ?")
    answer = ask(page, lambda: page.keyboard.press("Enter"))
    assert "SMAIL2" in answer and "multipliée par 25" in answer

    # A quick reply (by keyboard too), then an answer with a clickable mailto link.
    reply = page.get_by_role("button", name="Qu'est-ce qui change ?")
    reply.focus()
    answer = ask(page, lambda: page.keyboard.press("Enter"))
    assert "Votre adresse mail administrative ne change pas" in answer
    page.get_by_label("Votre question").focus()
    page.keyboard.type("à qui m'adresser pour une question sur la migration ?")
    answer = ask(page, lambda: page.keyboard.press("Enter"))
    assert "+32 (0)2 413.3090" in answer
    mail_link = page.locator('.chat__msg--bot a[href="mailto:migrationbma@cfwb.be"]').first
    assert mail_link.is_visible()
    page.screenshot(path=str(RESULTS / "chat-desktop.png"))

    # Reload: the conversation is still there, on the same Rasa session.
    before = page.locator(".chat__msg").count()
    page.reload()
    page.locator(".chat__msg").nth(before - 1).wait_for(timeout=10000)
    assert page.locator(".chat__msg").count() == before
    session = json.loads(page.evaluate("localStorage.getItem('bma-chat-v1')"))["sessionId"]
    page.get_by_label("Votre question").fill("merci")
    assert "Je vous en prie" in ask(page, lambda: page.get_by_label("Votre question").press("Enter"))
    assert json.loads(page.evaluate("localStorage.getItem('bma-chat-v1')"))["sessionId"] == session

    # Escape closes and gives the focus back to the launcher; "Nouvelle conversation" starts afresh.
    page.keyboard.press("Escape")
    assert launcher.evaluate("el => el === document.activeElement")
    page.keyboard.press("Enter")
    page.get_by_role("button", name="Nouvelle conversation").click()
    assert page.locator(".chat__msg").count() == 1
    context.close()


def test_no_html_injection(site, browser):
    context = browser.new_context()
    page = context.new_page()
    page.goto(site)
    page.get_by_role("button", name="Poser une question à l'assistant").click()
    page.get_by_label("Votre question").fill('<img src=x onerror="window.pwned=1"><b>gras</b>')
    page.get_by_label("Votre question").press("Enter")
    page.wait_for_function("document.querySelectorAll('.chat__msg--bot').length >= 2", timeout=30000)
    assert page.evaluate("window.pwned") is None
    assert page.locator(".chat__log img, .chat__log b").count() == 0
    # Shown as text, as the server sent it back: the markup as typed, the attributes (which look like
    # a password and its neighbours: bma.secrets) masked.
    page.locator(".chat__msg--user .chat__bubble").first.filter(has_text="[secret masqué]").wait_for(timeout=10000)
    shown = page.locator(".chat__msg--user").first.inner_text()
    assert "<img " in shown and "window.pwned" not in shown, shown
    context.close()


def test_accessibility_and_small_screens(site, browser):
    context = browser.new_context(viewport={"width": 360, "height": 740})
    page = context.new_page()
    page.goto(site)
    page.get_by_role("button", name="Poser une question à l'assistant").click()
    page.get_by_label("Votre question").fill("bonjour")
    page.get_by_label("Votre question").press("Enter")
    page.wait_for_function("document.querySelectorAll('.chat__reply').length >= 2", timeout=30000)
    # Nothing overflows a 360 px screen.
    assert page.evaluate("document.documentElement.scrollWidth") <= 360
    page.screenshot(path=str(RESULTS / "chat-360px.png"))
    page.add_script_tag(path=str(AXE))
    results = page.evaluate("axe.run(document, {runOnly: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa']})")
    serious = [v for v in results["violations"] if v["impact"] in ("serious", "critical")]
    assert not serious, [(v["id"], v["help"], [n["target"] for n in v["nodes"]]) for v in serious]
    # 200 % zoom: the widget stays usable (the input and the send button are visible).
    page.set_viewport_size({"width": 640, "height": 450})
    page.evaluate("document.body.style.zoom = '200%'")
    assert page.get_by_role("button", name="Envoyer").is_visible()
    context.close()


def test_each_answer_shows_its_source_linked_to_the_faq_question(site, browser):
    context = browser.new_context(viewport={"width": 1280, "height": 900}, locale="fr-BE")
    page = context.new_page()
    page.goto(site)
    page.get_by_role("button", name="Poser une question à l'assistant").click()
    page.get_by_label("Votre question").fill("Que faire si j'ai perdu le nouveau mot de passe ?")
    ask(page, lambda: page.get_by_label("Votre question").press("Enter"))
    page.get_by_label("Votre question").fill("non")
    ask(page, lambda: page.get_by_label("Votre question").press("Enter"))
    source = page.locator(".chat__msg--bot .chat__source").last
    assert source.inner_text().split("\n")[-1].startswith("Source : FAQ BMA (octobre 2024), §6")
    # Shown under the answer, outside its bubbles, and smaller than the answer.
    bubble = page.locator(".chat__msg--bot .chat__bubble").last
    assert "Source :" not in bubble.inner_text() and "ETNIC" in bubble.inner_text()
    size = lambda locator: float(locator.evaluate("el => parseFloat(getComputedStyle(el).fontSize)"))  # noqa: E731
    assert size(source) < size(bubble)
    link = source.get_by_role("link", name="question 6 de la FAQ")
    assert link.get_attribute("href") == "#faq-6"
    assert "perdu le nouveau mot de passe" in page.locator("#faq-6").inner_text()
    context.close()


def test_the_page_says_when_the_registry_holds_demo_data(tmp_path, browser):
    demo_db = f"sqlite:///{tmp_path / 'demo.sqlite3'}"
    loaded = subprocess.run([sys.executable, "-m", "bma.registry", "demo"], cwd=ROOT, capture_output=True, text=True,
                            env={**Servers(tmp_path, {}, None).env, "BMA_DB_URL": demo_db}, timeout=120)
    assert loaded.returncode == 0, loaded.stderr
    pages = {}
    for name, db_url in (("demo", demo_db), ("empty", f"sqlite:///{tmp_path / 'empty.sqlite3'}")):
        port = free_port()
        log = tmp_path / f"web-{name}.log"
        web = subprocess.Popen([sys.executable, "-m", "web.app", "--port", str(port)], cwd=ROOT,
                               env={**Servers(tmp_path, {}, None).env, "BMA_DB_URL": db_url},
                               stdout=log.open("w"), stderr=subprocess.STDOUT)
        try:
            wait_until_up(f"http://127.0.0.1:{port}/health", web, 60, log)
            page = browser.new_page()
            page.goto(f"http://127.0.0.1:{port}/")
            pages[name] = page.locator(".demo-banner").count(), page.locator("main").inner_text()
            page.close()
        finally:
            web.terminate()
            web.wait(10)
    assert pages["demo"][0] == 1 and "données de démonstration" in pages["demo"][1]
    assert pages["empty"][0] == 0 and "démonstration" not in pages["empty"][1]


@pytest.mark.parametrize("typed, secret", [
    ("mon mot de passe est Ecole2024! et il est refusé", "Ecole2024!"),
    ("mon mot de passe est bonjour", "bonjour"),
    ("Mon code c'est 4821, ça ne passe pas", "4821"),
])
def test_the_browser_never_keeps_a_typed_password(site, browser, typed, secret):
    """What was typed is stored in the browser only as the server sent it back, masked; read back
    from localStorage and sessionStorage after a reload."""
    context = browser.new_context(viewport={"width": 1280, "height": 900}, locale="fr-BE")
    page = context.new_page()
    page.goto(site)
    page.get_by_role("button", name="Poser une question à l'assistant").click()
    page.get_by_label("Votre question").fill(typed)
    page.get_by_label("Votre question").press("Enter")
    # The warning comes at once (a message that is only a password gets nothing else).
    page.locator(".chat__msg--bot .chat__bubble").filter(has_text="Je l'ai masqué").first.wait_for(timeout=30000)
    shown = page.locator(".chat__msg--user .chat__bubble").last
    shown.filter(has_text="[secret masqué]").wait_for(timeout=10000)  # the bubble is replaced once masked
    assert secret not in shown.inner_text()
    page.reload()
    page.locator(".chat__msg--user").last.wait_for(timeout=10000)
    stored = page.evaluate("JSON.stringify([Object.assign({}, localStorage), Object.assign({}, sessionStorage)])")
    assert secret not in stored and "[secret masqué]" in stored
    assert secret not in page.locator(".chat__log, [role=log]").first.inner_text()
    context.close()
