"""Bot Framework authentication for the Teams channel (channels/teams.py): incoming tokens checked
against the signing keys of the OpenID metadata (RS256 only, audience, issuer, channel endorsement,
``serviceUrl``), outgoing tokens from the tenant's endpoint (client credentials, never logged)."""
from __future__ import annotations

import asyncio
import time
from collections.abc import Callable

import aiohttp
import jwt

DEFAULT_ISSUER = "https://api.botframework.com"
BOT_FRAMEWORK_SCOPE = "https://api.botframework.com/.default"


class AuthError(Exception):
    """The request is not a valid Bot Framework call (answered 401)."""


class KeyStore:
    """Bot Framework signing keys from the OpenID metadata: fetched lazily, cached,
    refreshed when a token names an unknown ``kid`` (at most once per ``min_refresh_s``)."""

    def __init__(self, metadata_url: str, session_factory: Callable[[], aiohttp.ClientSession],
                 cache_seconds: float = 24 * 3600, min_refresh_s: float = 30):
        self.metadata_url = metadata_url
        self._session_factory = session_factory
        self._keys: dict[str, dict] = {}
        self._fetched_at = 0.0
        self._cache_seconds = cache_seconds
        self._min_refresh_s = min_refresh_s
        self._lock = asyncio.Lock()

    async def _refresh(self) -> None:
        session = self._session_factory()
        async with session.get(self.metadata_url) as reply:
            if not 200 <= reply.status < 300:
                raise AuthError(f"OpenID metadata unavailable ({reply.status})")
            metadata = await reply.json(content_type=None)
        async with session.get(metadata["jwks_uri"]) as reply:
            if not 200 <= reply.status < 300:
                raise AuthError(f"signing keys unavailable ({reply.status})")
            jwks = await reply.json(content_type=None)
        self._keys = {key["kid"]: key for key in jwks.get("keys", []) if "kid" in key}
        self._fetched_at = time.monotonic()

    async def get(self, kid: str) -> dict:
        async with self._lock:
            age = time.monotonic() - self._fetched_at
            stale = not self._keys or age > self._cache_seconds
            unknown = kid not in self._keys and age > self._min_refresh_s
            if stale or unknown:
                try:
                    await self._refresh()
                except (aiohttp.ClientError, asyncio.TimeoutError, KeyError, ValueError) as error:
                    raise AuthError(f"cannot fetch signing keys ({type(error).__name__})") from error
        if kid not in self._keys:
            raise AuthError("unknown signing key")
        return self._keys[kid]


class TokenValidator:
    def __init__(self, app_id: str, keys: KeyStore, issuer: str = DEFAULT_ISSUER, leeway_seconds: int = 300):
        self.app_id = app_id
        self.keys = keys
        self.issuer = issuer
        self.leeway = leeway_seconds

    async def validate(self, authorization: str | None, activity: dict) -> dict:
        if not authorization or not authorization.startswith("Bearer "):
            raise AuthError("missing bearer token")
        token = authorization[len("Bearer "):].strip()
        try:
            header = jwt.get_unverified_header(token)
        except jwt.PyJWTError as error:
            raise AuthError("malformed token") from error
        if header.get("alg") != "RS256":  # never let the token choose (none, HS256…)
            raise AuthError("algorithm not allowed")
        jwk = await self.keys.get(str(header.get("kid", "")))
        endorsements = jwk.get("endorsements")
        channel_id = activity.get("channelId")
        if endorsements is not None and channel_id and channel_id not in endorsements:
            raise AuthError("key not endorsed for this channel")
        try:
            key = jwt.PyJWK(jwk, algorithm="RS256").key
            claims = jwt.decode(
                token, key, algorithms=["RS256"], audience=self.app_id, issuer=self.issuer,
                leeway=self.leeway, options={"require": ["exp", "iss", "aud"]},
            )
        except jwt.PyJWTError as error:
            raise AuthError(f"invalid token ({type(error).__name__})") from error
        if claims.get("serviceUrl") != activity.get("serviceUrl"):
            raise AuthError("serviceUrl claim does not match the activity")
        return claims


class TokenClient:
    """Outgoing token from the tenant's endpoint (client credentials), cached until expiry."""

    def __init__(self, token_url: str, app_id: str, app_password: str,
                 session_factory: Callable[[], aiohttp.ClientSession]):
        self.token_url = token_url
        self.app_id = app_id
        self._app_password = app_password
        self._session_factory = session_factory
        self._token: str | None = None
        self._expires_at = 0.0
        self._lock = asyncio.Lock()

    async def get(self) -> str:
        async with self._lock:
            if self._token and time.monotonic() < self._expires_at - 300:
                return self._token
            form = {"grant_type": "client_credentials", "client_id": self.app_id,
                    "client_secret": self._app_password, "scope": BOT_FRAMEWORK_SCOPE}
            async with self._session_factory().post(self.token_url, data=form) as reply:
                if not 200 <= reply.status < 300:
                    raise RuntimeError(f"token endpoint answered {reply.status}")
                body = await reply.json(content_type=None)
            self._token = body["access_token"]
            self._expires_at = time.monotonic() + float(body.get("expires_in", 3600))
            return self._token
