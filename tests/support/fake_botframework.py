"""A fake Microsoft Bot Framework on 127.0.0.1, speaking the real protocol: OpenID metadata,
JWKS, the tenant token endpoint, and the connector's /v3/conversations/{id}/activities.

    python tests/fake_botframework.py PORT JWKS_FILE APP_ID APP_PASSWORD TENANT_ID

GET /_received lists the activities the bot sent (for the tests).
"""
import json
import sys

from sanic import Sanic, response

port, jwks_file, app_id, app_password, tenant_id = sys.argv[1], sys.argv[2], sys.argv[3], sys.argv[4], sys.argv[5]
base = f"http://127.0.0.1:{port}"
app = Sanic("fake_botframework")
received = []
tokens_issued = []


@app.get("/v1/.well-known/openidconfiguration")
async def openid(request):
    return response.json({"issuer": "https://api.botframework.com", "jwks_uri": f"{base}/v1/.well-known/keys",
                          "id_token_signing_alg_values_supported": ["RS256"]})


@app.get("/v1/.well-known/keys")
async def keys(request):
    with open(jwks_file) as handle:
        return response.json(json.load(handle))


@app.post(f"/{tenant_id}/oauth2/v2.0/token")
async def token(request):
    form = request.form
    if (form.get("grant_type"), form.get("client_id"), form.get("client_secret"), form.get("scope")) != (
            "client_credentials", app_id, app_password, "https://api.botframework.com/.default"):
        return response.json({"error": "invalid_client"}, status=401)
    tokens_issued.append(1)
    return response.json({"token_type": "Bearer", "expires_in": 3600, "access_token": "fake-outgoing-token"})


@app.post("/v3/conversations/<conversation_id>/activities")
async def activities(request, conversation_id):
    if request.headers.get("Authorization") != "Bearer fake-outgoing-token":
        return response.json({"error": "unauthorized"}, status=401)
    received.append({"conversation_id": conversation_id, "activity": request.json})
    return response.json({"id": f"reply-{len(received)}"})


@app.get("/_received")
async def list_received(request):
    return response.json({"received": received, "tokens_issued": len(tokens_issued)})


@app.get("/health")
async def health(request):
    return response.json({"status": "ok"})


if __name__ == "__main__":
    app.run(host="127.0.0.1", port=int(port), access_log=False, workers=1)
