import re

import pytest

from texts.messaging import split_html


def plain(html: str) -> str:
    return re.sub(r"<[^>]*>", "", html)


def balanced(html: str) -> bool:
    stack: list[str] = []
    for closing, name in re.findall(r"<(/?)([a-z]+)[^>]*>", html):
        if closing:
            if not stack or stack.pop() != name:
                return False
        else:
            stack.append(name)
    return not stack


def test_short_text_is_one_part() -> None:
    assert split_html("hello <b>world</b>") == ["hello <b>world</b>"]


def test_long_text_splits_at_line_breaks_within_the_limit() -> None:
    text = "".join(f"第{i}行 <b>粗体</b> &amp; 文本\n" for i in range(2000))
    parts = split_html(text)
    assert len(parts) > 1
    assert all(len(p) <= 4096 for p in parts)
    assert all(p.endswith("\n") for p in parts[:-1])
    assert "".join(parts) == text


@pytest.mark.parametrize("limit", [64, 100, 500])
def test_tags_across_a_cut_are_closed_and_reopened(limit: int) -> None:
    text = '<b>bold <a href="https://e.x">' + "x" * 300 + "</a> tail</b> after &amp; end"
    parts = split_html(text, limit)
    assert all(len(p) <= limit for p in parts)
    assert all(balanced(p) for p in parts)
    assert plain("".join(parts)) == plain(text)
    assert all("&am" not in p or "&amp;" in p for p in parts)


def test_a_single_huge_line_is_cut_hard() -> None:
    parts = split_html("y" * 9000)
    assert [len(p) for p in parts] == [4096, 4096, 808]


def test_a_limit_below_the_tag_nesting_is_an_error_not_a_hang() -> None:
    with pytest.raises(ValueError, match="nested deeper"):
        split_html('<b><a href="https://example.org">' + "z" * 100 + "</a></b>", 20)


@pytest.mark.parametrize(
    ("text", "limit"),
    [
        ("<b>head\n" + "b" * 4088 + "</b>", 4096),
        ("intro\n" + "y" * 4085 + '<a href="https://example.org/a">z</a>', 4096),
        ("<b>a\nbbbbbbb</b>c", 14),
        ("x" * 4090 + "&amp;&lt;&gt;" + "z" * 10, 4096),
    ],
)
def test_tags_and_entities_are_never_cut(text: str, limit: int) -> None:
    parts = split_html(text, limit)
    tag_or_entity = re.compile(r"<[^<>]*>|&[#\w]+;")
    for part in parts:
        assert len(part) <= limit
        assert balanced(part)
        leftover = tag_or_entity.sub("", part)
        assert "<" not in leftover
        assert ">" not in leftover
        assert "&" not in leftover
    assert plain("".join(parts)) == plain(text)
