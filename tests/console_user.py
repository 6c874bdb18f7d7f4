"""A member of staff using the adviser console through its forms, as a browser would: their own
cookie jar and the CSRF token from the page. Works over a TestClient or a real httpx.Client."""

from __future__ import annotations

import re

import httpx

PASSWORD = "correct horse battery"


class ConsoleUser:
    """One person's browser on the console: their own cookies and CSRF token."""

    def __init__(self, client: httpx.Client, account_id: str) -> None:
        self.client = client
        self.account_id = account_id
        self.csrf = ""

    def log_in(self, email: str) -> ConsoleUser:
        form = self.client.get("/console/login").text
        token = re.search(r'name="csrf" value="([^"]+)"', form).group(1)
        response = self.client.post(
            "/console/login",
            data={"email": email, "password": PASSWORD, "csrf": token},
            follow_redirects=False,
        )
        assert response.status_code == 303
        inbox = self.client.get("/console/")
        self.csrf = re.search(r'name="csrf" value="([^"]+)"', inbox.text).group(1)
        return self

    def get(self, path: str, **kwargs):
        return self.client.get(path, **kwargs)

    def post(self, path: str, data: dict[str, str] | None = None, csrf: str | None = None):
        form = {"csrf": self.csrf if csrf is None else csrf, **(data or {})}
        return self.client.post(path, data=form, follow_redirects=False)
