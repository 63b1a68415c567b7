"""The Microsoft Teams app package (scripts/teams_package.py, teams/).

Microsoft's manifest schema comes from node_modules (npm package @microsoft/app-manifest, pinned
in package.json, installed by `npm ci` / `make web-vendor`): without it these tests fail, they do
not skip.
"""
from __future__ import annotations

import copy
import importlib.util
import io
import json
import os
import re
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest
from jsonschema import Draft4Validator
from PIL import Image, ImageChops

ROOT = Path(__file__).resolve().parents[2]
SCRIPT = ROOT / "scripts" / "teams_package.py"
TEMPLATE = ROOT / "teams" / "manifest.json"
NPM_PACKAGE = ROOT / "node_modules" / "@microsoft" / "app-manifest"
TEST_APP_ID = "0f1e2d3c-4b5a-4978-8695-a4b3c2d1e0f9"
FILES = {"manifest.json", "color.png", "outline.png"}


def load_script():
    spec = importlib.util.spec_from_file_location("teams_package", SCRIPT)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


tp = load_script()


def clean_env(**values: str) -> dict:
    """This process's environment without any TEAMS_* variable, plus the given ones."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("TEAMS_")}
    env.update(values)
    return env


def run_script(*args: str, **env: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, str(SCRIPT), *args], env=clean_env(**env), cwd=ROOT,
                          capture_output=True, text=True, timeout=120)


def schema_versions() -> list:
    return sorted((p.name[1:] for p in tp.SCHEMA_ROOT.glob("v[0-9]*") if re.fullmatch(r"v\d+\.\d+", p.name)),
                  key=lambda v: tuple(int(n) for n in v.split(".")))


@pytest.fixture(scope="module")
def npm_schema_installed():
    if not tp.SCHEMA_ROOT.is_dir():
        pytest.fail(f"{tp.SCHEMA_ROOT} is missing: run `npm ci` (make web-vendor) before the tests; "
                    "the Teams manifest schema comes from the npm package @microsoft/app-manifest.")
    return tp.SCHEMA_ROOT


@pytest.fixture(scope="module")
def package(npm_schema_installed, tmp_path_factory):
    out = tmp_path_factory.mktemp("teams") / "bma-assistant-teams.zip"
    result = run_script("--out", str(out), TEAMS_APP_ID=TEST_APP_ID)
    assert result.returncode == 0, result.stderr
    assert "Paquet Teams écrit" in result.stdout
    with zipfile.ZipFile(out) as archive:
        files = {name: archive.read(name) for name in archive.namelist()}
    return out, files, result


@pytest.fixture(scope="module")
def manifest(package):
    return json.loads(package[1]["manifest.json"].decode("utf-8"))


@pytest.fixture(scope="module")
def schema(manifest, npm_schema_installed):
    path = tp.schema_path(manifest["manifestVersion"])
    assert path.is_file(), f"no schema for manifestVersion {manifest['manifestVersion']} in {npm_schema_installed}"
    return json.loads(path.read_text(encoding="utf-8"))


# --- the package -----------------------------------------------------------------------------------

def test_zip_holds_manifest_and_icons_at_its_root(package):
    out, files, _ = package
    assert set(files) == FILES
    assert out.name == "bma-assistant-teams.zip"


def test_manifest_is_valid_against_microsofts_schema(manifest, schema):
    assert schema["$schema"].startswith("http://json-schema.org/draft-04/schema")
    # Independent of the script's validator: plain draft-04 jsonschema, and the `const` by hand.
    errors = [e.message for e in Draft4Validator(schema).iter_errors(manifest)]
    assert errors == []
    assert manifest["manifestVersion"] == schema["properties"]["manifestVersion"]["const"]
    # And the script's validator, which also applies const / \p{L} patterns like Microsoft's tooling.
    assert tp.validate_manifest(manifest, schema, TEST_APP_ID) == []


def test_manifest_uses_the_latest_schema_of_the_pinned_npm_package(manifest):
    latest = schema_versions()[-1]
    assert manifest["manifestVersion"] == latest, f"the npm package ships v{latest}: update teams/manifest.json"
    assert manifest["$schema"] == f"https://developer.microsoft.com/json-schemas/teams/v{latest}/MicrosoftTeams.schema.json"


def test_npm_package_is_pinned_and_installed_at_that_version(npm_schema_installed):
    wanted = json.loads((ROOT / "package.json").read_text())["devDependencies"]["@microsoft/app-manifest"]
    assert re.fullmatch(r"\d+\.\d+\.\d+", wanted), "pin an exact version"
    lock = json.loads((ROOT / "package-lock.json").read_text())
    assert lock["packages"]["node_modules/@microsoft/app-manifest"]["version"] == wanted
    installed = json.loads((NPM_PACKAGE / "package.json").read_text())["version"]
    assert installed == wanted, "node_modules is stale: run npm ci"


def test_single_tenant_bot_from_the_environment(manifest):
    assert manifest["id"] == tp.DEFAULT_MANIFEST_ID
    assert manifest["version"] == "1.0.0"
    [bot] = manifest["bots"]
    assert bot["botId"] == TEST_APP_ID
    assert bot["supportsFiles"] is False
    assert bot["isNotificationOnly"] is False
    assert set(bot["scopes"]) == {"personal", "team", "groupChat"}
    assert manifest["defaultInstallScope"] == "personal"
    assert manifest["icons"] == {"color": "color.png", "outline": "outline.png"}


def test_french_texts_public_administration(manifest):
    assert manifest["localizationInfo"]["defaultLanguageTag"] == "fr-BE"
    assert manifest["name"]["short"] == "Assistant BMA"
    assert manifest["developer"]["name"] == "Fédération Wallonie-Bruxelles"
    assert "boîte mail administrative" in manifest["description"]["short"]
    full = manifest["description"]["full"]
    for words in ("assistant automatique", "ce n'est pas une personne", "FAQ officielle",
                  "ne vous demandera jamais de mot de passe", "où en est sa migration"):
        assert words in full
    texts = " ".join([manifest["name"]["full"], manifest["description"]["short"], full]
                     + [c["title"] + " " + c["description"] for c in manifest["bots"][0]["commandLists"][0]["commands"]])
    assert re.search(r"\b(vous|votre|vos)\b", texts)
    assert not re.search(r"\b(tu|te|toi|ton|ta|tes)\b", texts, re.I), "vouvoiement only"
    assert not re.search(r"\b(the|your|you|with)\b", texts, re.I), "no English in user-facing texts"
    assert [c["title"] for c in manifest["bots"][0]["commandLists"][0]["commands"]] == [
        "Où en est ma boîte ?", "Que dois-je faire ?", "Parler à une personne"]


def test_developer_urls_are_https(manifest):
    developer = manifest["developer"]
    assert developer["websiteUrl"] == "https://www.enseignement.be"
    for key in ("websiteUrl", "privacyUrl", "termsOfUseUrl"):
        assert developer[key].startswith("https://")
    assert "a-remplacer" in developer["privacyUrl"] and "a-remplacer" in developer["termsOfUseUrl"]
    assert manifest["validDomains"] == ["www.enseignement.be"]


def test_placeholders_are_announced_on_stderr(package):
    stderr = package[2].stderr
    assert "TEAMS_PRIVACY_URL n'est pas défini" in stderr and "TEAMS_TERMS_URL n'est pas défini" in stderr


def test_color_icon(package):
    image = Image.open(io.BytesIO(package[1]["color.png"]))
    assert image.format == "PNG"
    assert image.size == (192, 192)
    rgb = image.convert("RGB")
    corners = {rgb.getpixel(p) for p in [(0, 0), (191, 0), (0, 191), (191, 191)]}
    assert corners == {(0x00, 0x50, 0x7A)}, "solid square background, not rounded"
    # The symbol stays inside the central 96x96 area (48 px of padding) and uses it.
    background = Image.new("RGB", (192, 192), (0x00, 0x50, 0x7A))
    symbol = ImageChops.difference(rgb, background).getbbox()
    assert symbol is not None
    left, top, right, bottom = symbol
    assert left >= 48 and top >= 48 and right <= 144 and bottom <= 144, symbol
    assert right - left >= 80, "symbol too small"


def test_outline_icon_is_white_on_transparent(package):
    image = Image.open(io.BytesIO(package[1]["outline.png"]))
    assert image.format == "PNG"
    assert image.size == (32, 32)
    assert image.mode == "RGBA"
    raw = image.tobytes()
    pixels = [tuple(raw[i:i + 4]) for i in range(0, len(raw), 4)]
    assert {a for *_, a in pixels} == {0, 255}
    assert {(r, g, b) for r, g, b, a in pixels if a} == {(255, 255, 255)}
    # No padding: the symbol spans the full width.
    assert image.getbbox()[0] == 0 and image.getbbox()[2] == 32


def test_same_inputs_same_zip(package, tmp_path):
    again = tmp_path / "again.zip"
    assert run_script("--out", str(again), TEAMS_APP_ID=TEST_APP_ID).returncode == 0
    assert again.read_bytes() == package[0].read_bytes()


def test_environment_fills_the_template(npm_schema_installed, tmp_path):
    out = tmp_path / "p.zip"
    result = run_script("--out", str(out), "--strict", TEAMS_APP_ID=TEST_APP_ID.upper(),
                        TEAMS_MANIFEST_ID="11111111-2222-4333-8444-555555555555", TEAMS_APP_VERSION="1.2.3",
                        TEAMS_PRIVACY_URL="https://www.example.be/vie-privee",
                        TEAMS_TERMS_URL="https://www.example.be/conditions")
    assert result.returncode == 0, result.stderr
    assert "Attention" not in result.stderr
    manifest = json.loads(zipfile.ZipFile(out).read("manifest.json"))
    assert manifest["bots"][0]["botId"] == TEST_APP_ID
    assert manifest["id"] == "11111111-2222-4333-8444-555555555555"
    assert manifest["version"] == "1.2.3"
    assert manifest["developer"]["privacyUrl"] == "https://www.example.be/vie-privee"
    assert manifest["developer"]["termsOfUseUrl"] == "https://www.example.be/conditions"


def test_template_keeps_the_ids_as_placeholders():
    template = json.loads(TEMPLATE.read_text(encoding="utf-8"))
    assert template["bots"][0]["botId"] == "${TEAMS_APP_ID}"
    assert template["id"] == "${TEAMS_MANIFEST_ID}"


# --- configuration errors: exit 2, French message, nothing written -----------------------------------

def test_missing_app_id_exits_2_in_french(tmp_path):
    out = tmp_path / "p.zip"
    result = run_script("--out", str(out))
    assert result.returncode == 2
    assert "TEAMS_APP_ID est manquant" in result.stderr
    assert "identifiant d'application Microsoft" in result.stderr
    assert not out.exists()


@pytest.mark.parametrize("value", ["pas-un-guid", "12345678-1234-1234-1234-12345678", "{12345678-1234-1234-1234-123456789abc}"])
def test_app_id_that_is_not_a_guid_exits_2(tmp_path, value):
    out = tmp_path / "p.zip"
    result = run_script("--out", str(out), TEAMS_APP_ID=value)
    assert result.returncode == 2
    assert "TEAMS_APP_ID n'est pas un GUID" in result.stderr
    assert not out.exists()


@pytest.mark.parametrize("name,value,message", [
    ("TEAMS_MANIFEST_ID", "abc", "TEAMS_MANIFEST_ID n'est pas un GUID"),
    ("TEAMS_APP_VERSION", "1.0", "TEAMS_APP_VERSION doit être de la forme x.y.z"),
    ("TEAMS_PRIVACY_URL", "http://www.enseignement.be/vie-privee", "TEAMS_PRIVACY_URL doit être une adresse https://"),
    ("TEAMS_TERMS_URL", "https://", "TEAMS_TERMS_URL doit être une adresse https://"),
])
def test_other_bad_settings_exit_2(tmp_path, name, value, message):
    result = run_script("--out", str(tmp_path / "p.zip"), TEAMS_APP_ID=TEST_APP_ID, **{name: value})
    assert result.returncode == 2
    assert message in result.stderr


def test_strict_refuses_placeholder_urls(tmp_path):
    result = run_script("--out", str(tmp_path / "p.zip"), "--strict", TEAMS_APP_ID=TEST_APP_ID)
    assert result.returncode == 2
    assert "--strict refuse l'adresse provisoire" in result.stderr


# --- the validator rejects what Teams would reject ----------------------------------------------------

def broken(manifest, change):
    copied = copy.deepcopy(manifest)
    change(copied)
    return copied


@pytest.mark.parametrize("label,change,expected", [
    ("no bot id", lambda m: m["bots"][0].pop("botId"), "'botId' is a required property"),
    ("bot id not a GUID", lambda m: m["bots"][0].update(botId="bma-bot"), "does not match"),
    ("other manifestVersion", lambda m: m.update(manifestVersion="1.3"), "'1.30' was expected"),
    ("no app id", lambda m: m.pop("id"), "'id' is a required property"),
    ("app id not a GUID", lambda m: m.update(id="assistant-bma"), "does not match"),
    ("short description too long", lambda m: m["description"].update(short="x" * 81), "is too long"),
    ("short name too long", lambda m: m["name"].update(short="Assistant BMA de la Fédération W-B"), "is too long"),
    ("unknown property", lambda m: m.update(botName="x"), "Additional properties are not allowed"),
    ("bad accent colour", lambda m: m.update(accentColor="blue"), "does not match"),
    ("website not a URL", lambda m: m["developer"].update(websiteUrl="www.enseignement.be"), "does not match"),
    ("unknown bot scope", lambda m: m["bots"][0].update(scopes=["everyone"]), "is not one of"),
    ("no developer", lambda m: m.pop("developer"), "'developer' is a required property"),
])
def test_schema_rejects_invalid_manifests(manifest, schema, label, change, expected):
    errors = tp.validate_manifest(broken(manifest, change), schema, TEST_APP_ID)
    assert any(expected in line for line in errors), (label, errors)


@pytest.mark.parametrize("label,change,expected", [
    ("version not semver", lambda m: m.update(version="v1"), "n'est pas de la forme x.y.z"),
    ("two-part version", lambda m: m.update(version="1.0"), "n'est pas de la forme x.y.z"),
    ("other bot", lambda m: m["bots"][0].update(botId="99999999-9999-4999-8999-999999999999"), "différent de TEAMS_APP_ID"),
    ("files", lambda m: m["bots"][0].update(supportsFiles=True), "supportsFiles"),
    ("plain http privacy page", lambda m: m["developer"].update(privacyUrl="http://www.enseignement.be"), "https://"),
    ("schema of another version", lambda m: m.update({"$schema": "https://developer.microsoft.com/json-schemas/teams/v1.17/MicrosoftTeams.schema.json"}), "$schema"),
])
def test_project_rules_reject_invalid_manifests(manifest, schema, label, change, expected):
    errors = tp.validate_manifest(broken(manifest, change), schema, TEST_APP_ID)
    assert any(expected in line for line in errors), (label, errors)


def test_schema_without_node_modules_is_a_clear_error(tmp_path):
    with pytest.raises(tp.PackageError, match="npm ci"):
        tp.load_schema("1.30", tmp_path / "node_modules" / "nothing")


def test_remote_refs_are_refused(tmp_path):
    (tmp_path / "v9.9").mkdir()
    (tmp_path / "v9.9" / "MicrosoftTeams.schema.json").write_text(json.dumps({
        "$schema": "http://json-schema.org/draft-04/schema#",
        "properties": {"x": {"$ref": "https://example.com/other.json"}}}))
    with pytest.raises(tp.PackageError, match="références non locales"):
        tp.load_schema("9.9", tmp_path)
    # The validator itself never goes to the network either.
    schema = {"$schema": "http://json-schema.org/draft-04/schema#",
              "properties": {"x": {"$ref": "https://example.com/other.json"}}}
    with pytest.raises(tp.PackageError, match="pas de réseau"):
        tp.schema_errors({"x": 1}, schema)


# --- icons ----------------------------------------------------------------------------------------

def png(image: Image.Image, fmt: str = "PNG") -> bytes:
    buffer = io.BytesIO()
    image.save(buffer, format=fmt)
    return buffer.getvalue()


def outline_with(pixel) -> Image.Image:
    image = Image.open(ROOT / "teams" / "outline.png").convert("RGBA")
    image.putpixel((10, 20), pixel)
    return image


def test_committed_icons_pass_the_checks():
    assert tp.icon_errors("color", (ROOT / "teams" / "color.png").read_bytes()) == []
    assert tp.icon_errors("outline", (ROOT / "teams" / "outline.png").read_bytes()) == []


@pytest.mark.parametrize("kind,data,expected", [
    ("outline", png(outline_with((255, 0, 0, 255))), "pas blancs"),
    ("outline", png(outline_with((255, 255, 255, 128))), "semi-transparents"),
    ("outline", png(Image.new("RGB", (32, 32), (255, 255, 255))), "pas de canal de transparence"),
    ("outline", png(Image.new("RGBA", (32, 32), (255, 255, 255, 255))), "aucun pixel transparent"),
    ("outline", png(Image.new("RGBA", (32, 32), (255, 255, 255, 0))), "entièrement transparente"),
    ("outline", png(Image.new("RGBA", (48, 48), (255, 255, 255, 0))), "32x32 attendus"),
    ("color", png(Image.new("RGB", (96, 96), (0, 80, 122))), "192x192 attendus"),
    ("color", png(Image.new("RGB", (192, 192), (0, 80, 122)), "JPEG"), "PNG attendu"),
    ("color", b"not an image", "image illisible"),
])
def test_icon_checks_reject_bad_icons(kind, data, expected):
    assert any(expected in line for line in tp.icon_errors(kind, data))


def test_bad_icon_stops_the_build(tmp_path, npm_schema_installed):
    teams = tmp_path / "teams"
    teams.mkdir()
    (teams / "manifest.json").write_bytes(TEMPLATE.read_bytes())
    (teams / "color.png").write_bytes((ROOT / "teams" / "color.png").read_bytes())
    (teams / "outline.png").write_bytes(png(outline_with((0, 0, 0, 255))))
    out = tmp_path / "p.zip"
    with pytest.raises(tp.PackageError, match="outline.png"):
        tp.build({"TEAMS_APP_ID": TEST_APP_ID}, out=out, teams_dir=teams)
    assert not out.exists()


def test_docs_and_makefile_document_the_package():
    # The operators' Teams page (moved out of the README, issue #23); the README links to it.
    notes = (ROOT / "docs" / "teams.md").read_text(encoding="utf-8")
    assert "docs/teams.md" in (ROOT / "README.md").read_text(encoding="utf-8")
    assert tp.DEFAULT_MANIFEST_ID in notes and "make teams-package" in notes
    assert "teams-package:" in (ROOT / "Makefile").read_text() and "scripts/teams_package.py" in notes
    for variable in ("TEAMS_APP_ID", "TEAMS_APP_PASSWORD", "TEAMS_TENANT_ID", "/webhooks/teams/webhook"):
        assert variable in notes
