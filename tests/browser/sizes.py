"""The two sizes the page is tested at, and what a person does at each."""

from __future__ import annotations

SIZES = {
    "desktop": {"viewport": {"width": 1400, "height": 900}},
    "phone": {"viewport": {"width": 390, "height": 844}, "has_touch": True, "is_mobile": True},
}


def press(page, size: str, selector: str) -> None:
    """A click on a desktop, a tap on the phone."""
    if size == "phone":
        page.locator(selector).tap()
    else:
        page.locator(selector).click()
