"""HTML articles become Markdown (markdownify) without anything active surviving."""

from __future__ import annotations

import pytest

from assistant.knowledge.htmltext import html_to_markdown
from assistant.knowledge.rendering import render_markdown


def test_structure_survives_as_markdown() -> None:
    body, title = html_to_markdown(
        "<h1>Sizes</h1><p>Pick <b>your</b> <em>size</em>:</p>"
        "<table><tr><th>Size</th><th>Height</th></tr><tr><td>M</td><td>170-180 cm</td></tr></table>"
        "<ol><li>Measure<ul><li>barefoot</li></ul></li><li>Compare</li></ol>"
        "<pre><code>order_id = 42\n  indented</code></pre>"
    )
    assert title == "Sizes"
    assert body.startswith("# Sizes\n\nPick **your** *size*:")
    assert "| Size | Height |\n| --- | --- |\n| M | 170-180 cm |" in body
    assert "1. Measure\n   - barefoot\n2. Compare" in body
    assert "```\norder_id = 42\n  indented\n```" in body


def test_the_title_element_wins_over_the_first_heading() -> None:
    body, title = html_to_markdown("<html><head><title>Lights</title></head><h1>Bike</h1></html>")
    assert (body, title) == ("# Bike", "Lights")


@pytest.mark.parametrize(
    "target",
    [
        "javascript:alert(1)",
        " JavaScript:alert(1)",
        "vbscript:msgbox(1)",
        "data:text/html;base64,PHNjcmlwdD4=",
        "file:///etc/passwd",
    ],
)
def test_unsafe_link_targets_are_dropped_and_their_words_kept(target: str) -> None:
    body, _title = html_to_markdown(f'<p>Open <a href="{target}">the form</a> now.</p>')
    assert body == "Open the form now."


def test_safe_link_targets_are_kept() -> None:
    body, _title = html_to_markdown(
        '<a href="https://example.com/a">a</a> <a href="/help/returns policy">b</a> '
        '<a href="mailto:care@example.com">c</a> <a href="#top">d</a>'
    )
    assert body == (
        "[a](https://example.com/a) [b](/help/returns%20policy) "
        "[c](mailto:care@example.com) [d](#top)"
    )


def test_scripts_frames_forms_and_media_leave_nothing_active() -> None:
    body, _title = html_to_markdown(
        "<p>Before</p><script>steal()</script><style>p{}</style><iframe src='https://x'>f</iframe>"
        "<noscript>ns</noscript><svg><script>svg()</script></svg><object data='x'>obj</object>"
        "<form action='https://evil'><input name=q><button>Send</button></form>"
        '<p><img src="https://evil.example.net/p.gif?d=1" alt="chart"> '
        '<video src="https://evil.example.net/v.mp4">clip</video></p><!-- note --><p>After</p>'
    )
    assert body == "Before\n\nchart clip\n\nAfter"
    html = render_markdown(body)
    assert "<script" not in html and "<img" not in html and "evil" not in html


def test_line_breaks_of_the_source_do_not_become_markdown_structure() -> None:
    body, _title = html_to_markdown(
        "<p>Call us\n- or write\n# to us\n1. anytime<br>or later</p><ul><li>a\nb</li></ul>"
    )
    assert body == "Call us - or write # to us 1. anytime  \nor later\n\n- a b"
