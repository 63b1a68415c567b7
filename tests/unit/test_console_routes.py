"""The console's app as its Blueprints build it (console/routes/): every route of
``app.router.routes`` names its role (console.web ``page``/``data``) or says why it is public, the
menu and the routes agree, every form POST checks the CSRF token, and the packages around it keep
their direction (console and retraining never import scripts)."""
import pytest
from sanic import Sanic

from console import accounts
from console.web import NAV
from tests.unit.test_layers import modules, takes

PUBLIC = {("GET", "/connexion"), ("POST", "/connexion"), ("GET", "/metrics"), ("GET", "/static/<name:path>")}
BLUEPRINTS = {"comptes", "tableau_de_bord", "boite_de_reception", "conversations", "tickets", "journal", "modeles",
              "metriques"}


@pytest.fixture(scope="module")
def routes(tmp_path_factory):
    """(method, path, route) of the app; Sanic wants one app per name, so it is dropped after."""
    monkeypatch = pytest.MonkeyPatch()
    monkeypatch.setenv("BMA_DB_URL", f"sqlite:///{tmp_path_factory.mktemp('console') / 'c.sqlite3'}")
    from console.app import create_app

    Sanic._app_registry.pop("bma_console", None)
    try:
        app = create_app()
        yield [(method, "/" + route.path, route) for route in app.router.routes for method in route.methods - {"HEAD"}]
    finally:
        Sanic._app_registry.pop("bma_console", None)
        monkeypatch.undo()


def test_every_route_has_a_role_check_or_a_reason_to_be_public(routes):
    public = set()
    for method, path, route in routes:
        handler = route.handler
        assert hasattr(handler, "role"), f"{method} {path}: no page(...)/data(...)/public(...)"
        if handler.role is None:
            assert handler.public, (method, path)
            public.add((method, path))
        else:
            assert handler.role in accounts.ROLES, (method, path, handler.role)
    assert public == PUBLIC


def test_every_post_checks_the_csrf_token_and_exports_are_get_only(routes):
    for method, path, route in routes:
        if route.handler.role is None:
            continue
        if method == "POST":
            assert route.handler.csrf, path
        if path.endswith(".csv"):
            assert method == "GET" and route.handler.csrf is False, path


def test_each_page_group_is_a_blueprint(routes):
    groups = {route.name.split(".")[1] for _, path, route in routes if not path.startswith("/static/")}
    assert groups == BLUEPRINTS
    assert all(len(route.name.split(".")) == 3 for _, path, route in routes if not path.startswith("/static/"))


def test_the_menu_and_the_routes_ask_the_same_role(routes):
    roles = {(method, path): route.handler.role for method, path, route in routes}
    for path, _label, role in NAV:
        assert roles[("GET", path)] == role, path
    assert roles[("GET", "/comptes")] == roles[("POST", "/modeles/reentrainer")] == "admin"
    assert roles[("POST", "/boite-de-reception")] == roles[("POST", "/tickets")] == "support"


@pytest.mark.parametrize("path", modules("console", "retraining", "evaluation"), ids=str)
def test_console_retraining_and_evaluation_never_import_scripts(path):
    assert takes(path, "scripts") == [], path


@pytest.mark.parametrize("path", modules("retraining", "evaluation"), ids=str)
def test_retraining_and_evaluation_know_no_console_page(path):
    assert takes(path, "console.app") == [] and takes(path, "console.routes") == [] and takes(path, "sanic") == []
    if path.parent.name == "evaluation":  # shared by the gates: no console, no retraining
        assert takes(path, "console") == [] and takes(path, "retraining") == [], path
