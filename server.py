"""The web server: Streamlit's app (``app.py``) plus the two routes that keep the sign-in cookie
where page scripts cannot reach it.

``make run`` serves this file (``streamlit run server.py``); any ASGI server can too
(``uvicorn server:app``). After the login form opens a session, the page fetches
``/_auth/session?ticket=…``: the one-time ticket is exchanged for an HttpOnly, SameSite=Strict
cookie, so no script in the page can read or copy the token. ``/_auth/logout`` ends the
browser's session and deletes the cookie.
"""

import streamlit as st
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from models.db import session_scope
from services import sessions, settings
from ui.auth import LOGOUT_ROUTE, SESSION_COOKIE, SESSION_ROUTE

NO_STORE = {"Cache-Control": "no-store"}


def _secure(request: Request) -> bool:
    # Behind a TLS-terminating proxy the scheme arrives in X-Forwarded-Proto.
    proto = request.headers.get("x-forwarded-proto", request.url.scheme)
    return proto.split(",")[0].strip() == "https"


def _redeem(ticket: str) -> str | None:
    with session_scope() as session:
        return sessions.redeem_ticket(session, ticket)


def _end(token: str | None) -> None:
    with session_scope() as session:
        sessions.end_session(session, token)


async def exchange_ticket(request: Request) -> Response:
    token = await run_in_threadpool(_redeem, request.query_params.get("ticket", ""))
    response = Response(status_code=204, headers=NO_STORE)
    if token:
        response.set_cookie(
            SESSION_COOKIE,
            token,
            max_age=int(settings.cookie_expiry_days() * 86400),
            path="/",
            httponly=True,
            samesite="strict",
            secure=_secure(request),
        )
    return response


async def logout(request: Request) -> Response:
    await run_in_threadpool(_end, request.cookies.get(SESSION_COOKIE))
    response = Response(status_code=204, headers=NO_STORE)
    response.delete_cookie(
        SESSION_COOKIE, path="/", httponly=True, samesite="strict", secure=_secure(request)
    )
    return response


app = st.App(
    "app.py",
    routes=[
        Route(SESSION_ROUTE, exchange_ticket, methods=["GET"]),
        Route(LOGOUT_ROUTE, logout, methods=["GET"]),
    ],
)
