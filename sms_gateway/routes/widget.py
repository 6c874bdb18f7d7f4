"""The embeddable web chat widget (widget.js and its stylesheet) and a demo council page.

A council allows the widget in its own content security policy with the service's origin
in script-src, style-src and connect-src (docs/webchat.md). The demo page is served with
exactly that policy, so it proves the widget needs nothing more.
"""

from __future__ import annotations

import html
from functools import cache
from pathlib import Path
from string import Template

from fastapi import APIRouter, HTTPException, Request, status
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from sms_gateway.councils import UnknownCouncil

router = APIRouter(tags=["web chat widget"])

ASSETS = Path(__file__).resolve().parent.parent / "widget"
# What the demo page allows: only its own origin (the service) for scripts, styles and calls.
DEMO_POLICY = (
    "default-src 'none'; script-src 'self'; style-src 'self'; connect-src 'self'; "
    "img-src 'self'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'"
)
# Widget files are fetched by every page view of a council site: cache briefly, so a
# new release reaches everyone within minutes.
ASSET_HEADERS = {
    "Cache-Control": "public, max-age=300",
    "Cross-Origin-Resource-Policy": "cross-origin",
    "X-Content-Type-Options": "nosniff",
}
DEMO_PAGES = {
    "": (
        "Leaving care",
        """    <p>If you have been in care, the council keeps helping you after you leave: with
      money, a place to live, education, work and your health. Your Personal Adviser is
      there for you until you are 25.</p>
    <p>Not sure what you can get? Ask the chat in the corner of this page. It answers
      straight away, shows where each answer comes from, and can get you a call back from
      your Personal Adviser or a person from the team.</p>
    <h2>Other pages</h2>
    <p>Open <a href="/demo/$council_id/housing">Housing help</a>: the chat carries on where
      you left it.</p>
""",
    ),
    "housing": (
        "Housing help",
        """    <p>Leaving care and worried about where you will live? You might be able to stay
      with your foster carers, get help with rent, or get help setting up your first home.</p>
    <p>Use the chat to ask about your own situation, for example "can I stay with my foster
      carers after 18".</p>
""",
    ),
}


@cache
def _asset(name: str) -> bytes:
    return (ASSETS / name).read_bytes()


@router.get("/widget.js", include_in_schema=False)
def widget_js() -> Response:
    return Response(_asset("widget.js"), media_type="text/javascript", headers=ASSET_HEADERS)


@router.get("/widget.css", include_in_schema=False)
def widget_css() -> Response:
    return Response(_asset("widget.css"), media_type="text/css", headers=ASSET_HEADERS)


@router.get("/demo/demo.css", include_in_schema=False)
def demo_css() -> Response:
    return Response(_asset("demo.css"), media_type="text/css", headers=ASSET_HEADERS)


@router.get("/favicon.ico", include_in_schema=False)
def no_favicon() -> Response:
    # Browsers ask for it on the demo page; say there is none rather than 404.
    return Response(status_code=status.HTTP_204_NO_CONTENT)


@router.get("/", include_in_schema=False)
@router.get("/demo", include_in_schema=False)
def demo_index(request: Request) -> RedirectResponse:
    default = request.app.state.councils.default_id
    return RedirectResponse(f"/demo/{default}", status_code=status.HTTP_307_TEMPORARY_REDIRECT)


@router.get("/demo/{council_id}", include_in_schema=False)
@router.get("/demo/{council_id}/{page}", include_in_schema=False)
def demo_page(council_id: str, request: Request, page: str = "") -> HTMLResponse:
    """A council-like page with the widget embedded by its one script tag."""
    try:
        council = request.app.state.councils.get(council_id)
    except UnknownCouncil:
        raise HTTPException(status.HTTP_404_NOT_FOUND, "unknown council") from None
    if page not in DEMO_PAGES:
        raise HTTPException(status.HTTP_404_NOT_FOUND, "no such demo page")
    page_title, body = DEMO_PAGES[page]
    here = ' aria-current="page"'
    text = Template(_asset("demo.html").decode()).substitute(
        council_id=html.escape(council.id),
        council_name=html.escape(council.name),
        page_title=html.escape(page_title),
        body=Template(body).substitute(council_id=html.escape(council.id)),
        here_home=here if page == "" else "",
        here_housing=here if page == "housing" else "",
        service=html.escape(request.app.state.settings.public_base_url),
    )
    return HTMLResponse(
        text,
        headers={
            "Content-Security-Policy": DEMO_POLICY,
            "Referrer-Policy": "no-referrer",
            "X-Content-Type-Options": "nosniff",
        },
    )
