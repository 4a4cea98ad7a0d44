"""Attachments in real browsers: a customer attaches a photo in the widget and the agent sees it
on the desk; the agent replies with a PDF the customer sees; a refused file says why, in the
visitor's language. Screenshots at desktop and phone sizes under var/screens/."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from django.conf import settings

from assistant.chat.models import Attachment
from assistant.demo import load_demo_data
from tests import attachment_files as files
from tests.browser.conftest import in_thread
from tests.browser.test_desk import sign_in
from tests.browser.test_widget import open_widget

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

SCREENS = settings.BASE_DIR / "var" / "screens"
SCREENS.mkdir(parents=True, exist_ok=True)
DESKTOP = {"width": 1280, "height": 860}
PHONE = {"width": 390, "height": 844}


def written(tmp_path: Path, name: str, data: bytes) -> str:
    path = tmp_path / name
    path.write_bytes(data)
    return str(path)


def image_shown(locator: Any) -> None:
    """Until the image has loaded its pixels (not only its element)."""
    locator.wait_for()
    locator.page.wait_for_function(
        "(el) => el.complete && el.naturalWidth > 0", arg=locator.element_handle()
    )


def attach_and_send(widget: Any, path: str, text: str) -> None:
    widget.get_by_test_id("file-input").set_input_files(path)
    chip = widget.get_by_test_id("attachment-chip")
    widget.wait_for_selector("[data-testid=attachment-chip][data-state=ready]")
    assert chip.count() == 1 and "Ready to send" in chip.inner_text()
    widget.get_by_test_id("input").fill(text)
    widget.screenshot(path=str(SCREENS / "widget-tray-ready-1280.png"))
    widget.get_by_test_id("send").click()


def test_a_photo_from_the_widget_reaches_the_desk_and_a_pdf_comes_back(
    browser: Any, web_server: Any, tmp_path: Path
) -> None:
    load_demo_data(port=web_server.port)
    photo = written(tmp_path, "bent-wheel.jpg", files.photo_with_gps(size=(640, 480)))
    label = written(tmp_path, "return-label.pdf", files.PDF)
    customer = browser.new_context(viewport=DESKTOP)
    agent = browser.new_context(viewport={"width": 1400, "height": 900})
    widget, desk = customer.new_page(), agent.new_page()
    try:
        open_widget(widget, web_server)
        attach_and_send(widget, photo, "My front wheel arrived bent")

        mine = widget.locator("[data-testid=message][data-author=customer][data-seq]").first
        mine.wait_for()
        image_shown(mine.get_by_test_id("attachment-image").locator("img"))
        assert widget.get_by_text("My front wheel arrived bent").count() == 1
        assert widget.get_by_test_id("attachment-chip").count() == 0  # the tray emptied
        stored = in_thread(lambda: Attachment.objects.select_related("message").get())
        assert stored.message is not None and stored.name == "bent-wheel.jpg"
        assert (stored.width, stored.height) == (640, 480)
        widget.screenshot(path=str(SCREENS / "widget-photo-sent-1280.png"))

        widget.get_by_test_id("handoff").click()
        sign_in(desk, web_server, "agent")
        desk.goto(f"{web_server.url}/desk/c/{stored.message.conversation_id}/")
        desk.wait_for_selector("body[data-socket=open]")
        thumb = desk.locator("[data-testid=transcript-message] .att-thumb img")
        image_shown(thumb)
        assert thumb.count() == 1 and thumb.get_attribute("alt") == "bent-wheel.jpg"
        desk.screenshot(path=str(SCREENS / "desk-transcript-photo-1400.png"))

        desk.get_by_test_id("takeover").click()
        desk.wait_for_selector("[data-testid=state]:has-text('With an agent')")
        desk.wait_for_selector("body[data-socket=open]")
        desk.get_by_test_id("reply-files").set_input_files(label)
        assert "return-label.pdf" in desk.locator("[data-reply-chosen]").inner_text()
        desk.get_by_test_id("reply-text").fill("Here is your return label")
        desk.get_by_test_id("send-reply").click()
        # The agent's own reply arrives live in the transcript, with its file chip.
        chip = desk.locator("[data-testid=transcript-message][data-author=agent] .att-chip")
        chip.wait_for()
        assert "return-label.pdf" in chip.inner_text()

        from_agent = widget.locator("[data-testid=message][data-author=agent]").last
        from_agent.get_by_test_id("attachment-file").wait_for()
        assert "return-label.pdf" in from_agent.get_by_test_id("attachment-file").inner_text()
        assert "Here is your return label" in from_agent.inner_text()
        widget.screenshot(path=str(SCREENS / "widget-agent-pdf-1280.png"))
        # The customer saves the PDF (fetched with the session token, never opened inline).
        with widget.expect_download() as download:
            from_agent.get_by_test_id("attachment-file").click()
        assert download.value.suggested_filename == "return-label.pdf"
        assert Path(download.value.path()).read_bytes() == files.PDF

        widget.set_viewport_size(PHONE)
        widget.wait_for_timeout(300)
        widget.screenshot(path=str(SCREENS / "widget-attachments-390.png"))
        desk.set_viewport_size(PHONE)
        desk.reload()
        thumb = desk.locator("[data-testid=transcript-message] .att-thumb img")
        image_shown(thumb)
        thumb.scroll_into_view_if_needed()
        desk.screenshot(path=str(SCREENS / "desk-transcript-photo-390.png"))
        chip.scroll_into_view_if_needed()
        desk.screenshot(path=str(SCREENS / "desk-transcript-pdf-390.png"))
    finally:
        customer.close()
        agent.close()


def test_a_refused_file_says_why_in_the_visitors_language(
    browser: Any, web_server: Any, tmp_path: Path
) -> None:
    load_demo_data(port=web_server.port)
    disguised = written(tmp_path, "urlaub.jpg", files.ELF)
    context = browser.new_context(locale="de-DE", viewport=PHONE, has_touch=True, is_mobile=True)
    widget = context.new_page()
    try:
        open_widget(widget, web_server)
        widget.get_by_test_id("file-input").set_input_files(disguised)
        widget.wait_for_selector("[data-testid=attachment-chip][data-state=error]")
        refusal = "Diese Art von Datei kann nicht gesendet werden."
        assert widget.get_by_text(refusal).count() == 1
        # Nothing to send: the only file was refused and the box is empty.
        assert widget.get_by_test_id("send").is_disabled()
        assert widget.get_by_test_id("attach").get_attribute("aria-label") == (
            "Foto oder PDF anhängen"
        )
        # On a phone the camera opens directly from its own button; the paperclip keeps the
        # gallery and files (no `capture` there).
        camera = widget.get_by_test_id("camera")
        assert camera.is_visible() and camera.get_attribute("aria-label") == "Foto aufnehmen"
        assert widget.get_by_test_id("file-input").get_attribute("capture") is None
        widget.screenshot(path=str(SCREENS / "widget-refused-390.png"))
        widget.get_by_test_id("attachment-remove").click()
        assert widget.get_by_test_id("attachment-chip").count() == 0
        assert not in_thread(Attachment.objects.exists)
    finally:
        context.close()


def test_a_pasted_screenshot_is_attached(page: Any, web_server: Any) -> None:
    load_demo_data(port=web_server.port)
    page.set_viewport_size(DESKTOP)
    open_widget(page, web_server)
    # A real paste event carrying a PNG, as a browser fires it for a copied screenshot.
    page.evaluate(
        """(bytes) => {
            const host = document.querySelector('assistant-widget');
            const input = host.shadowRoot.querySelector('[data-testid=input]');
            const data = new DataTransfer();
            const png = new File([new Uint8Array(bytes)], 'screenshot.png', {type: 'image/png'});
            data.items.add(png);
            input.dispatchEvent(new ClipboardEvent('paste', {clipboardData: data, bubbles: true,
                                                           cancelable: true}));
        }""",
        list(files.png((120, 80))),
    )
    page.wait_for_selector("[data-testid=attachment-chip][data-state=ready]")
    page.get_by_test_id("send").click()
    mine = page.locator("[data-testid=message][data-author=customer][data-seq]").first
    image_shown(mine.get_by_test_id("attachment-image").locator("img"))
    stored = in_thread(lambda: Attachment.objects.select_related("message").get())
    assert stored.name == "screenshot.png" and stored.message.text == ""


def test_a_pdf_dropped_onto_the_chat_is_attached(page: Any, web_server: Any) -> None:
    load_demo_data(port=web_server.port)
    page.set_viewport_size(DESKTOP)
    open_widget(page, web_server)
    panel = page.get_by_test_id("panel")
    # The drag events a browser fires when a file from the desktop is dragged over the chat.
    transfer = page.evaluate_handle(
        """(bytes) => {
            const data = new DataTransfer();
            data.items.add(new File([new Uint8Array(bytes)], 'invoice.pdf',
                                    {type: 'application/pdf'}));
            return data;
        }""",
        list(files.PDF),
    )
    panel.dispatch_event("dragenter", {"dataTransfer": transfer})
    drop_zone = page.get_by_test_id("drop-zone")
    assert drop_zone.inner_text() == "Drop photos or PDFs here"
    page.screenshot(path=str(SCREENS / "widget-drop-zone-1280.png"))
    panel.dispatch_event("drop", {"dataTransfer": transfer})
    assert drop_zone.count() == 0
    page.wait_for_selector("[data-testid=attachment-chip][data-state=ready]")
    page.get_by_test_id("send").click()
    mine = page.locator("[data-testid=message][data-author=customer][data-seq]").first
    mine.get_by_test_id("attachment-file").wait_for()
    assert "invoice.pdf" in mine.get_by_test_id("attachment-file").inner_text()
    stored = in_thread(lambda: Attachment.objects.select_related("message").get())
    assert stored.content_type == "application/pdf" and stored.message is not None
