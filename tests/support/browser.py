"""Debian's Chromium driven by Playwright, for the tests that need a real browser.

`watch(page)` records what a security test must never see: a dialog (every hostile payload
in the fixtures calls alert or msgbox), a page error, and the console's reports of Content
Security Policy violations.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field

from playwright.sync_api import Browser, Page, sync_playwright

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-dev-shm-usage",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--dns-prefetch-disable",
]


@contextmanager
def chromium() -> Iterator[Browser]:
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        try:
            yield browser
        finally:
            browser.close()


@dataclass
class Watch:
    dialogs: list[str] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    csp_reports: list[str] = field(default_factory=list)


def watch(page: Page) -> Watch:
    seen = Watch()

    def on_dialog(dialog) -> None:  # noqa: ANN001 - playwright's Dialog
        seen.dialogs.append(dialog.message)
        dialog.dismiss()

    def on_console(message) -> None:  # noqa: ANN001 - playwright's ConsoleMessage
        if "Content Security Policy" in message.text:
            seen.csp_reports.append(message.text)
        elif message.type == "error":
            seen.errors.append(message.text)

    page.on("dialog", on_dialog)
    page.on("console", on_console)
    page.on("pageerror", lambda exc: seen.errors.append(str(exc)))
    return seen
