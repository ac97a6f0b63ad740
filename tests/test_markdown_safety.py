"""People's words in Markdown: nothing they type can format, link, embed or run."""

import pytest

from coach.markdown_text import escape_markdown, escape_markdown_except_code


@pytest.mark.parametrize(
    ("typed", "shown"),
    [
        ("<b>bold</b>", r"\<b\>bold\<\/b\>"),
        ("**strong** _em_ ~~gone~~", r"\*\*strong\*\* \_em\_ \~\~gone\~\~"),
        ("[site](http://evil.example.org)", "`[site](http://evil.example.org)`"),
        ("![x](http://evil.example.org/x.png)", "`![x](http://evil.example.org/x.png)`"),
        ("see www.evil.example.org now", r"see `www.evil.example.org` now"),
        ("mail sam@students.example.edu", "mail `sam@students.example.edu`"),
        ("a`b`@c", "``a`b`@c``"),
        ("$x^2$ :smile: :red[red] # heading", r"\$x\^2\$ \:smile\: \:red\[red\] \# heading"),
        ("line one\nline two", "line one  \nline two"),
        (":material/home: icon", r"\:material\/home\: icon"),
        ("Kim\u202etxt.exe \u2067x\u2069", r"Kimtxt\.exe x"),  # bidi controls dropped
        ("\u200bwww.evil.example", "`\u200bwww.evil.example`"),  # zero-width kept, still no link
    ],
)
def test_escape_markdown(typed: str, shown: str) -> None:
    assert escape_markdown(typed) == shown


@pytest.mark.parametrize(
    ("written", "shown"),
    [
        ("has the intent `ask_email` (type, *confirm*)", r"has the intent `ask_email` \(type\, \*confirm\*\)"),
        ("`expect.route`: costs $5 or $10", r"`expect.route`\: costs \$5 or \$10"),
        ('types "sam@students.example.edu" in', 'types `"sam@students.example.edu"` in'),
        ("one `a`\n\ntwo [x](http://e.example)", "one `a`\n\ntwo `[x](http://e.example)`"),
        ("an unclosed ` tick", r"an unclosed \` tick"),
    ],
)
def test_escape_markdown_except_code(written: str, shown: str) -> None:
    assert escape_markdown_except_code(written) == shown
