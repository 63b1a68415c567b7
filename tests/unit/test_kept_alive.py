"""rasa_patches.kept_alive: Rasa's endpoint calls reuse their connections, with Rasa's session settings.

A real HTTP server on 127.0.0.1 records the client port of every request: one port for several
calls means one kept-alive connection."""
import asyncio
import inspect
import math

import pytest
import rasa.core.run
from aiohttp import web
from hypothesis import given, settings
from hypothesis import strategies as st
from rasa.utils.endpoints import EndpointConfig

from rasa_patches import kept_alive

kept_alive.install()


async def serve(ports: list[int], bodies: list[bytes] | None = None):
    """A webhook on 127.0.0.1 recording each request's client port (and its body, when asked)."""
    async def webhook(request: web.Request) -> web.Response:
        ports.append(request.transport.get_extra_info("peername")[1])
        if bodies is not None:
            bodies.append(await request.read())
        return web.json_response({"events": [], "responses": [], "seen": await request.json()})

    app = web.Application()
    app.router.add_post("/webhook", webhook)
    runner = web.AppRunner(app, keepalive_timeout=5)  # Sanic's default
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    port = site._server.sockets[0].getsockname()[1]
    return runner, EndpointConfig(url=f"http://127.0.0.1:{port}/webhook", headers={"X-Bma": "1"})


def test_calls_to_an_endpoint_share_one_connection_and_get_their_answers():
    async def scenario():
        ports: list[int] = []
        runner, endpoint = await serve(ports)
        try:
            answers = [await endpoint.request(json={"call": n}) for n in range(5)]
            await asyncio.gather(*(endpoint.request(json={"call": n}) for n in range(5, 8)))  # concurrent: new ones
        finally:
            await kept_alive.close_shared_connector()
            await runner.cleanup()
        return ports, answers

    ports, answers = asyncio.run(scenario())
    assert [answer["seen"]["call"] for answer in answers] == [0, 1, 2, 3, 4]
    assert len(set(ports[:5])) == 1  # one after the other: one connection (Rasa's own session opened five)
    assert len(ports) == 8 and len(set(ports)) <= 3


def test_an_idle_connection_is_closed_by_the_client_before_the_server_would(monkeypatch):
    monkeypatch.setattr(kept_alive, "KEEPALIVE_SECONDS", 0.2)

    async def scenario():
        ports: list[int] = []
        runner, endpoint = await serve(ports)
        try:
            await endpoint.request(json={})
            await asyncio.sleep(0.6)
            await endpoint.request(json={})
            await endpoint.request(json={})
        finally:
            await kept_alive.close_shared_connector()
            await runner.cleanup()
        return ports

    ports = asyncio.run(scenario())
    assert ports[0] != ports[1] and ports[1] == ports[2]
    assert kept_alive.KEEPALIVE_SECONDS < 5  # under Sanic's KEEP_ALIVE_TIMEOUT (the action server)


def test_a_closed_connector_is_replaced_and_each_loop_has_its_own():
    async def scenario():
        ports: list[int] = []
        runner, endpoint = await serve(ports)
        try:
            await endpoint.request(json={})
            first = kept_alive.shared_connector()
            await kept_alive.close_shared_connector()
            await endpoint.request(json={})  # the server stopped and started again in the same process
            second = kept_alive.shared_connector()
        finally:
            await kept_alive.close_shared_connector()
            await runner.cleanup()
        return first, second

    first, second = asyncio.run(scenario())
    assert first.closed and first is not second
    other_loop = asyncio.run(scenario())
    assert other_loop[0] is not first


def test_the_session_has_rasas_headers_auth_and_timeout():
    endpoint = EndpointConfig(url="http://127.0.0.1:1/", headers={"X-Bma": "1"},
                              basic_auth={"username": "u", "password": "p"})

    async def both():
        ours = endpoint.session()
        rasas = kept_alive.rasa_session(endpoint)
        try:
            return ((dict(ours.headers), ours.auth, ours.timeout, ours.connector is kept_alive.shared_connector()),
                    (dict(rasas.headers), rasas.auth, rasas.timeout))
        finally:
            await ours.close()
            await rasas.close()
            await kept_alive.close_shared_connector()

    ours, rasas = asyncio.run(both())
    assert ours[:3] == rasas and ours[3]


def test_rasa_enters_the_session_per_request_and_serves_the_app_configure_app_returns():
    assert "async with self.session() as session:" in inspect.getsource(EndpointConfig.request)
    assert "app = configure_app(" in inspect.getsource(rasa.core.run.serve_application)
    app = rasa.core.run.configure_app(enable_api=False)
    at_shutdown = [route.handler.keywords.get("listener") for route in app.signal_router.routes
                   if route.path.startswith("server.shutdown.")]
    assert kept_alive.close_shared_connector in at_shutdown


def test_a_body_goes_out_encoded_by_ujson_and_decodes_to_what_json_dumps_sends():
    import json

    body = {"tracker": {"sender_id": "é/\u2028", "events": [{"event": "user", "text": "mdp perdu \ud83d ?", "confidence": 0.1 + 0.2,
                                                              "timestamp": 1733500000.123456, "n": 2 ** 70}]},
            "next_action": "action_faq", "nan": float("nan")}

    async def scenario():
        bodies: list[bytes] = []
        runner, endpoint = await serve([], bodies)
        try:
            await endpoint.request(json=body)
        finally:
            await kept_alive.close_shared_connector()
            await runner.cleanup()
        return bodies[0]

    sent = asyncio.run(scenario()).decode()
    assert sent == kept_alive.request_json(body) and sent != json.dumps(body)  # ujson's text, not json's
    decoded, expected = json.loads(sent), json.loads(json.dumps(body))
    assert math.isnan(decoded.pop("nan")) and math.isnan(expected.pop("nan"))  # NaN ≠ NaN: compared apart
    assert decoded["tracker"]["events"][0]["text"] == "mdp perdu \ud83d ?"  # a lone surrogate (half an emoji) goes out
    assert decoded == expected


@settings(max_examples=300, deadline=None)
@given(st.recursive(st.one_of(st.none(), st.booleans(), st.integers(), st.floats(allow_nan=False),
                              st.text(st.characters(blacklist_categories=()))),  # surrogates included
                    lambda inner: st.one_of(st.lists(inner, max_size=4), st.dictionaries(st.text(), inner, max_size=4)),
                    max_leaves=12))
def test_request_json_decodes_to_the_same_values_as_json_dumps(value):
    import json

    text = kept_alive.request_json(value)
    text.encode("utf-8")  # what aiohttp sends
    assert json.loads(text) == json.loads(json.dumps(value))


def test_what_cannot_be_encoded_raises_as_json_dumps_does():
    import json

    for value in ({"text": b"bytes"}, {"n": 1j}):
        with pytest.raises(TypeError):
            json.dumps(value)
        with pytest.raises(TypeError):
            kept_alive.request_json(value)
