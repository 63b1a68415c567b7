"""Builds the Microsoft Teams app package of the BMA assistant: var/teams/bma-assistant-teams.zip.

    TEAMS_APP_ID=<Azure Bot Microsoft App ID> .venv/bin/python -m scripts.teams_package

1. fills teams/manifest.json from the environment:
     TEAMS_APP_ID        required, a GUID: the Azure Bot's Microsoft App ID (bots[0].botId);
                         the same variable channels/teams.py reads
     TEAMS_MANIFEST_ID   the Teams app's own id (GUID), default DEFAULT_MANIFEST_ID; keep it stable
                         from one version to the next, or Teams sees a different app
     TEAMS_APP_VERSION   default 1.0.0 (x.y.z); raise it for every new upload of the package
     TEAMS_WEBSITE_URL   default https://www.enseignement.be
     TEAMS_PRIVACY_URL, TEAMS_TERMS_URL
                         https URLs; while unset, documented placeholders are used (a warning
                         says so, and --strict refuses them)
2. validates the result against Microsoft's JSON schema for its manifestVersion, read from
   node_modules/@microsoft/app-manifest (installed by `npm ci`; nothing is fetched from the
   network: a $ref that is not local to the schema is an error), plus our own rules (semver
   version, botId = TEAMS_APP_ID, no files);
3. checks the icons: PNG, color.png 192x192, outline.png 32x32 with only opaque white
   (255, 255, 255) or fully transparent pixels;
4. writes the zip with manifest.json, color.png and outline.png at its root (and, to read,
   var/teams/manifest.json).

Exit codes: 0 done, 2 bad or missing configuration (environment), 1 any other error.
Messages are in French, like the rest of the operators' messages.
"""
from __future__ import annotations

import argparse
import io
import json
import os
import re
import sys
import zipfile
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
TEAMS_DIR = ROOT / "teams"
TEMPLATE = TEAMS_DIR / "manifest.json"
SCHEMA_ROOT = ROOT / "node_modules" / "@microsoft" / "app-manifest" / "build" / "json-schemas" / "teams"
DEFAULT_OUT = ROOT / "var" / "teams" / "bma-assistant-teams.zip"

DEFAULT_MANIFEST_ID = "d578a432-d632-4b7c-ab04-58d4e94987c1"
DEFAULT_VERSION = "1.0.0"
DEFAULT_WEBSITE_URL = "https://www.enseignement.be"
# Placeholders: valid https URLs on the Federation's education portal, marked "a-remplacer" so that
# nobody takes them for the real pages. Replace them (TEAMS_PRIVACY_URL, TEAMS_TERMS_URL) before
# publishing the app to users; --strict refuses to build with them.
PLACEHOLDER_PRIVACY_URL = "https://www.enseignement.be/?a-remplacer=politique-de-confidentialite-assistant-bma"
PLACEHOLDER_TERMS_URL = "https://www.enseignement.be/?a-remplacer=conditions-utilisation-assistant-bma"

GUID_RE = re.compile(r"^[0-9a-fA-F]{8}-([0-9a-fA-F]{4}-){3}[0-9a-fA-F]{12}$")
# The "semver" definition of Microsoft's schema (not enforced by "version" in v1.30 itself).
SEMVER_RE = re.compile(r"^([0-9]|[1-9]+[0-9]*)\.([0-9]|[1-9]+[0-9]*)\.([0-9]|[1-9]+[0-9]*)$")
PLACEHOLDER_RE = re.compile(r"\$\{([A-Z0-9_]+)\}")
ICONS = {"color": ("color.png", (192, 192)), "outline": ("outline.png", (32, 32))}
ZIP_DATE = (2024, 10, 1, 0, 0, 0)  # fixed: the same inputs give the same zip, byte for byte


class PackageError(Exception):
    """Something is wrong with the package (exit 1)."""


class ConfigError(PackageError):
    """The environment is missing or wrong (exit 2)."""


# --- configuration -------------------------------------------------------------------------------

def settings_from_env(env: Mapping[str, str], strict: bool = False) -> dict[str, str]:
    """The template's values, checked. Raises ConfigError with every problem found."""
    problems: list[str] = []
    app_id = (env.get("TEAMS_APP_ID") or "").strip()
    if not app_id:
        problems.append(
            "TEAMS_APP_ID est manquant : indiquez l'identifiant d'application Microsoft (Microsoft App ID) "
            "du bot Azure, par exemple TEAMS_APP_ID=00000000-0000-0000-0000-000000000000 make teams-package."
        )
    elif not GUID_RE.match(app_id):
        problems.append(
            f"TEAMS_APP_ID n'est pas un GUID ({app_id!r}) : copiez le « Microsoft App ID » de la page "
            "Configuration du bot Azure (format xxxxxxxx-xxxx-xxxx-xxxx-xxxxxxxxxxxx)."
        )
    manifest_id = (env.get("TEAMS_MANIFEST_ID") or DEFAULT_MANIFEST_ID).strip()
    if not GUID_RE.match(manifest_id):
        problems.append(f"TEAMS_MANIFEST_ID n'est pas un GUID ({manifest_id!r}).")
    version = (env.get("TEAMS_APP_VERSION") or DEFAULT_VERSION).strip()
    if not SEMVER_RE.match(version):
        problems.append(f"TEAMS_APP_VERSION doit être de la forme x.y.z, par exemple 1.0.1 ({version!r}).")
    urls = {
        "TEAMS_WEBSITE_URL": (env.get("TEAMS_WEBSITE_URL") or DEFAULT_WEBSITE_URL).strip(),
        "TEAMS_PRIVACY_URL": (env.get("TEAMS_PRIVACY_URL") or PLACEHOLDER_PRIVACY_URL).strip(),
        "TEAMS_TERMS_URL": (env.get("TEAMS_TERMS_URL") or PLACEHOLDER_TERMS_URL).strip(),
    }
    for name, url in urls.items():
        if not re.match(r"^https://[^\s/?#]+\.[^\s/?#]+(/\S*)?$", url) or len(url) > 2048:
            problems.append(f"{name} doit être une adresse https:// valide ({url!r}).")
    if strict:
        for name, placeholder in (("TEAMS_PRIVACY_URL", PLACEHOLDER_PRIVACY_URL), ("TEAMS_TERMS_URL", PLACEHOLDER_TERMS_URL)):
            if urls[name] == placeholder:
                problems.append(f"{name} n'est pas défini (--strict refuse l'adresse provisoire).")
    if problems:
        raise ConfigError("\n".join(problems))
    return {"TEAMS_APP_ID": app_id.lower(), "TEAMS_MANIFEST_ID": manifest_id.lower(),
            "TEAMS_APP_VERSION": version, **urls}


def placeholders_in_use(settings: Mapping[str, str]) -> list[str]:
    return [name for name, placeholder in (("TEAMS_PRIVACY_URL", PLACEHOLDER_PRIVACY_URL),
                                            ("TEAMS_TERMS_URL", PLACEHOLDER_TERMS_URL))
            if settings.get(name) == placeholder]


def fill(template: Any, values: Mapping[str, str]) -> Any:
    """Replaces ${NAME} inside the template's strings (after parsing: no JSON injection)."""
    if isinstance(template, dict):
        return {key: fill(value, values) for key, value in template.items()}
    if isinstance(template, list):
        return [fill(value, values) for value in template]
    if isinstance(template, str):
        def replace(match: re.Match[str]) -> str:
            name = match.group(1)
            if name not in values:
                raise PackageError(f"le modèle utilise ${{{name}}}, qui n'a pas de valeur.")
            return values[name]
        return PLACEHOLDER_RE.sub(replace, template)
    return template


def load_template(path: Path = TEMPLATE) -> dict[str, Any]:
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError as error:
        raise PackageError(f"modèle de manifeste introuvable : {path}") from error
    except ValueError as error:
        raise PackageError(f"{path} n'est pas du JSON valide : {error}") from error


# --- schema validation ---------------------------------------------------------------------------

def schema_path(manifest_version: str, schema_root: Path = SCHEMA_ROOT) -> Path:
    return schema_root / f"v{manifest_version}" / "MicrosoftTeams.schema.json"


def _refs(node: Any) -> Iterator[str]:
    if isinstance(node, dict):
        for key, value in node.items():
            if key == "$ref" and isinstance(value, str):
                yield value
            else:
                yield from _refs(value)
    elif isinstance(node, list):
        for value in node:
            yield from _refs(value)


def load_schema(manifest_version: str, schema_root: Path = SCHEMA_ROOT) -> dict[str, Any]:
    """Microsoft's schema for this manifest version, from node_modules (never from the network)."""
    path = schema_path(manifest_version, schema_root)
    if not path.is_file():
        if not schema_root.is_dir():
            raise PackageError(
                f"schéma du manifeste Teams introuvable ({schema_root}) : le paquet npm "
                "@microsoft/app-manifest n'est pas installé ; lancez « npm ci » (ou « make web-vendor ») à la racine du projet."
            )
        known = sorted(p.name for p in schema_root.iterdir() if p.is_dir())
        raise PackageError(
            f"le paquet @microsoft/app-manifest installé ne contient pas le schéma v{manifest_version} "
            f"({path}) ; versions disponibles : {', '.join(known)}."
        )
    try:
        schema = json.loads(path.read_text(encoding="utf-8"))
    except ValueError as error:
        raise PackageError(f"{path} n'est pas du JSON valide : {error}") from error
    if not isinstance(schema, dict):
        raise PackageError(f"{path} n'est pas un schéma JSON (objet attendu).")
    if schema.get("$schema", "").rstrip("#") != "http://json-schema.org/draft-04/schema":
        raise PackageError(f"{path} : brouillon JSON Schema inattendu ({schema.get('$schema')!r}), draft-04 attendu.")
    remote = sorted({ref for ref in _refs(schema) if not ref.startswith("#")})
    if remote:
        raise PackageError(f"{path} : références non locales, qui demanderaient le réseau : {', '.join(remote)}")
    return schema


def _validator_class():
    """Draft-04 validation as Microsoft's own tooling (Ajv) applies the schema.

    - Microsoft's patterns use \\p{L}, which Python's re does not know: patterns are run with the
      `regex` module (a pinned dependency of Rasa).
    - The schema says draft-04 but uses `const` (manifestVersion) and `if`/`then`, which a strict
      draft-04 validator ignores: they are enforced here, with draft-07's semantics."""
    import regex
    from jsonschema import Draft4Validator, Draft7Validator, FormatChecker, validators
    from jsonschema.exceptions import ValidationError

    format_checker = FormatChecker(formats=())
    for name, check in Draft4Validator.FORMAT_CHECKER.checkers.items():
        if name != "regex":
            format_checker.checkers[name] = check

    @format_checker.checks("regex", raises=regex.error)
    def is_regex(value: Any) -> bool:
        if isinstance(value, str):
            regex.compile(value)
        return True

    def pattern(validator, patrn, instance, schema):
        if validator.is_type(instance, "string") and not regex.search(patrn, instance):
            yield ValidationError(f"{instance!r} does not match {patrn!r}")

    extra = {"pattern": pattern, "const": Draft7Validator.VALIDATORS["const"], "if": Draft7Validator.VALIDATORS["if"]}
    cls = validators.extend(Draft4Validator, extra, format_checker=format_checker)
    return cls, format_checker


def schema_errors(manifest: Any, schema: dict[str, Any]) -> list[str]:
    """Every way the manifest breaks Microsoft's schema, as readable lines (empty: valid)."""
    from jsonschema import Draft4Validator, RefResolver
    from jsonschema.exceptions import RefResolutionError

    cls, format_checker = _validator_class()
    meta_errors = list(Draft4Validator(Draft4Validator.META_SCHEMA, format_checker=format_checker).iter_errors(schema))
    if meta_errors:
        raise PackageError(f"le schéma de Microsoft n'est pas un schéma draft-04 valide : {meta_errors[0].message}")

    def refuse(uri: str):
        raise PackageError(f"référence distante refusée (pas de réseau) : {uri}")

    resolver = RefResolver.from_schema(schema, handlers={"http": refuse, "https": refuse, "file": refuse})
    validator = cls(schema, resolver=resolver, format_checker=format_checker)
    try:
        errors = sorted(validator.iter_errors(manifest), key=lambda e: list(map(str, e.absolute_path)))
    except RefResolutionError as error:
        raise PackageError(f"référence du schéma non résolue : {error}") from error
    lines = []
    for error in errors:
        where = "/".join(str(part) for part in error.absolute_path) or "(racine)"
        lines.append(f"{where} : {error.message}")
    return lines


def project_errors(manifest: Any, app_id: str | None = None) -> list[str]:
    """Our own rules, on top of Microsoft's schema."""
    if not isinstance(manifest, dict):
        return ["le manifeste doit être un objet JSON."]
    lines = []
    version = manifest.get("version")
    if not isinstance(version, str) or not SEMVER_RE.match(version):
        lines.append(f"version : {version!r} n'est pas de la forme x.y.z (semver).")
    expected = f"/v{manifest.get('manifestVersion')}/MicrosoftTeams.schema.json"
    if not str(manifest.get("$schema", "")).endswith(expected):
        lines.append(f"$schema : doit se terminer par {expected} (même version que manifestVersion).")
    bots = manifest.get("bots")
    if not isinstance(bots, list) or len(bots) != 1 or not isinstance(bots[0], dict):
        lines.append("bots : un et un seul bot attendu.")
    else:
        bot = bots[0]
        if not isinstance(bot.get("botId"), str) or not GUID_RE.match(bot["botId"]):
            lines.append("bots/0/botId : manquant ou pas un GUID.")
        elif app_id is not None and bot["botId"].lower() != app_id.lower():
            lines.append("bots/0/botId : différent de TEAMS_APP_ID.")
        if bot.get("supportsFiles") is not False:
            lines.append("bots/0/supportsFiles : doit valoir false (le bot ne traite pas de fichiers).")
        if "personal" not in (bot.get("scopes") or []):
            lines.append("bots/0/scopes : la portée « personal » est attendue.")
    for key, url in (manifest.get("developer") or {}).items():
        if key.endswith("Url") and not str(url).startswith("https://"):
            lines.append(f"developer/{key} : adresse https:// attendue ({url!r}).")
    icons = manifest.get("icons") or {}
    for kind, (name, _) in ICONS.items():
        if icons.get(kind) != name:
            lines.append(f"icons/{kind} : {name!r} attendu.")
    return lines


def validate_manifest(manifest: Any, schema: dict[str, Any], app_id: str | None = None) -> list[str]:
    return schema_errors(manifest, schema) + project_errors(manifest, app_id)


# --- icons ---------------------------------------------------------------------------------------

def icon_errors(kind: str, data: bytes) -> list[str]:
    """Microsoft's icon rules: PNG, exact size; outline = white (255,255,255) on alpha 0 only."""
    from PIL import Image

    name, size = ICONS[kind]
    try:
        image = Image.open(io.BytesIO(data))
        image.load()
    except Exception as error:  # Pillow raises many types for a broken file
        return [f"{name} : image illisible ({type(error).__name__})."]
    lines = []
    if image.format != "PNG":
        lines.append(f"{name} : format {image.format}, PNG attendu.")
    if image.size != size:
        lines.append(f"{name} : {image.size[0]}x{image.size[1]} pixels, {size[0]}x{size[1]} attendus.")
    if kind == "outline":
        has_alpha = image.mode in ("RGBA", "LA", "PA") or (image.mode == "P" and "transparency" in image.info)
        if not has_alpha:
            lines.append(f"{name} : pas de canal de transparence (mode {image.mode}).")
        else:
            raw = image.convert("RGBA").tobytes()
            pixels = [tuple(raw[i:i + 4]) for i in range(0, len(raw), 4)]
            coloured = sum(1 for r, g, b, a in pixels if a > 0 and (r, g, b) != (255, 255, 255))
            partial = sum(1 for *_, a in pixels if 0 < a < 255)
            transparent = sum(1 for *_, a in pixels if a == 0)
            if coloured:
                lines.append(f"{name} : {coloured} pixel(s) visibles qui ne sont pas blancs (255, 255, 255).")
            if partial:
                lines.append(f"{name} : {partial} pixel(s) semi-transparents ; seuls le blanc opaque et la transparence totale sont admis.")
            if not transparent:
                lines.append(f"{name} : aucun pixel transparent ; le fond doit être transparent.")
            if transparent == len(pixels):
                lines.append(f"{name} : l'icône est entièrement transparente.")
    else:
        rgba = image.convert("RGBA")
        if rgba.getextrema()[3][1] == 0:
            lines.append(f"{name} : l'icône est entièrement transparente.")
    return lines


# --- package -------------------------------------------------------------------------------------

def manifest_bytes(manifest: dict[str, Any]) -> bytes:
    return (json.dumps(manifest, ensure_ascii=False, indent=2) + "\n").encode("utf-8")


def build(env: Mapping[str, str], out: Path = DEFAULT_OUT, teams_dir: Path = TEAMS_DIR,
          schema_root: Path = SCHEMA_ROOT, strict: bool = False) -> tuple[dict[str, Any], dict[str, str]]:
    """Checks everything, then writes the zip (and var/teams/manifest.json beside it)."""
    settings = settings_from_env(env, strict=strict)
    manifest = fill(load_template(teams_dir / "manifest.json"), settings)
    version = str(manifest.get("manifestVersion", ""))
    schema = load_schema(version, schema_root)
    problems = validate_manifest(manifest, schema, settings["TEAMS_APP_ID"])
    icons = {}
    for kind, (name, _) in ICONS.items():
        path = teams_dir / name
        if not path.is_file():
            problems.append(f"{name} : fichier introuvable ({path}) ; voir scripts/teams_icons.py.")
            continue
        icons[name] = path.read_bytes()
        problems += icon_errors(kind, icons[name])
    if problems:
        raise PackageError("le paquet Teams n'est pas valide :\n  - " + "\n  - ".join(problems))

    out.parent.mkdir(parents=True, exist_ok=True)
    partial = out.with_name(out.name + ".partial")
    with zipfile.ZipFile(partial, "w", compression=zipfile.ZIP_DEFLATED) as package:
        for name, data in [("manifest.json", manifest_bytes(manifest)), *icons.items()]:
            info = zipfile.ZipInfo(name, date_time=ZIP_DATE)
            info.compress_type = zipfile.ZIP_DEFLATED
            info.external_attr = 0o644 << 16
            package.writestr(info, data)
    os.replace(partial, out)
    (out.parent / "manifest.json").write_bytes(manifest_bytes(manifest))
    return manifest, settings


def main(argv: list[str] | None = None, env: Mapping[str, str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Construit le paquet d'application Microsoft Teams de l'Assistant BMA.")
    parser.add_argument("--out", type=Path, default=DEFAULT_OUT, help=f"fichier zip à écrire (défaut {DEFAULT_OUT.relative_to(ROOT)})")
    parser.add_argument("--strict", action="store_true",
                        help="refuse les adresses provisoires de confidentialité et de conditions d'utilisation")
    args = parser.parse_args(argv)
    env = os.environ if env is None else env
    try:
        manifest, settings = build(env, out=args.out, strict=args.strict)
    except ConfigError as error:
        print(f"Erreur de configuration :\n{error}", file=sys.stderr)
        return 2
    except PackageError as error:
        print(f"Erreur : {error}", file=sys.stderr)
        return 1
    except OSError as error:
        print(f"Erreur : lecture ou écriture impossible ({error}).", file=sys.stderr)
        return 1
    for name in placeholders_in_use(settings):
        print(f"Attention : {name} n'est pas défini ; adresse provisoire utilisée ({settings[name]}). "
              "Remplacez-la avant de diffuser l'application.", file=sys.stderr)
    print(f"Paquet Teams écrit : {args.out} (manifeste v{manifest['manifestVersion']}, version {manifest['version']}, "
          f"bot {manifest['bots'][0]['botId']}, id {manifest['id']})")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
