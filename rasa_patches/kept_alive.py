"""Calls to the action server over kept-alive connections (a speed patch, found with py-spy under `make bench`).

Rasa 3.6 builds a new aiohttp ``ClientSession`` for every call to an endpoint
(``EndpointConfig.session``, used by ``EndpointConfig.request``): each custom action of each message
opened a TCP connection to the action server and closed it, on both sides (under saturation, 2.6 % of
the Rasa process in ``connect`` alone, py-spy). Here the sessions of one event loop share one
connector, so that connections are reused; each session is still Rasa's (headers, basic auth, the
same total timeout). Idle connections are closed by this side after ``KEEPALIVE_SECONDS``, before a
Sanic server would close them (its ``KEEP_ALIVE_TIMEOUT`` is 5 s): a request never goes out on a
connection the server is closing. The connector is closed when the server stops.

The body of each call (the whole tracker) is encoded with ujson, which Sanic already brings, instead
of ``json.dumps``: 4.2 % of a message under load went into encoding it (py-spy, `make profile`). What
ujson refuses is encoded by ``json.dumps`` as before.
"""
from __future__ import annotations

import asyncio
import json
import weakref
from typing import Any

import aiohttp
import ujson

KEEPALIVE_SECONDS = 2.0
_connectors: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, aiohttp.TCPConnector] = weakref.WeakKeyDictionary()
_installed = False
rasa_session = None  # Rasa's EndpointConfig.session, once installed


def request_json(value: Any) -> str:
    """The JSON text of a call's body: the same values as ``json.dumps(value)`` once decoded."""
    try:
        # ASCII, as json.dumps writes it: a lone surrogate (a client cutting an emoji in two) stays an
        # escape, where raw it could not be encoded in UTF-8 and every later call would fail.
        return ujson.dumps(value, escape_forward_slashes=False)
    except (OverflowError, TypeError, ValueError):
        return json.dumps(value)


def shared_connector() -> aiohttp.TCPConnector:
    """The running loop's connector (a new one when it has none or it was closed)."""
    loop = asyncio.get_running_loop()
    connector = _connectors.get(loop)
    if connector is None or connector.closed:
        connector = aiohttp.TCPConnector(keepalive_timeout=KEEPALIVE_SECONDS)
        _connectors[loop] = connector
    return connector


async def close_shared_connector(*_args) -> None:
    """Close the running loop's connector (a Sanic ``after_server_stop`` listener)."""
    connector = _connectors.pop(asyncio.get_running_loop(), None)
    if connector is not None:
        await connector.close()


def install() -> None:
    """Idempotent: ``EndpointConfig.session`` on the shared connector; the server closes it at stop."""
    global _installed, rasa_session
    if _installed:
        return
    import rasa.core.run as core_run
    from rasa.utils.endpoints import DEFAULT_REQUEST_TIMEOUT, EndpointConfig

    original_session = rasa_session = EndpointConfig.session

    def session(self: EndpointConfig) -> aiohttp.ClientSession:
        connector = shared_connector()  # in a running loop, as Rasa's own session needs
        auth = (aiohttp.BasicAuth(self.basic_auth["username"], self.basic_auth["password"])
                if self.basic_auth else None)
        return aiohttp.ClientSession(headers=self.headers, auth=auth,
                                     timeout=aiohttp.ClientTimeout(total=DEFAULT_REQUEST_TIMEOUT),
                                     connector=connector, connector_owner=False, json_serialize=request_json)

    original_configure_app = core_run.configure_app

    def configure_app(*args, **kwargs):
        app = original_configure_app(*args, **kwargs)
        app.register_listener(close_shared_connector, "after_server_stop")
        return app

    session.__doc__ = original_session.__doc__
    configure_app.__doc__ = original_configure_app.__doc__
    EndpointConfig.session = session
    core_run.configure_app = configure_app
    _installed = True
