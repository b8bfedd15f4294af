"""``parse_mode`` as Telegram applies it: plain text plus entities, or a parse error.

HTML and MarkdownV2 are parsed strictly enough to refuse what Telegram refuses (an
unsupported or unclosed tag, an unescaped reserved character), which is where bots
usually break when user input reaches a formatted message.  Legacy Markdown is parsed
leniently.  Offsets and lengths of entities are in UTF-16 code units, as Telegram's.
"""

from __future__ import annotations

import re
from typing import Any

from bot.sandbox.standin.errors import ApiError, bad_request

JSON = dict[str, Any]

_HTML_TAGS = {
    "b": "bold",
    "strong": "bold",
    "i": "italic",
    "em": "italic",
    "u": "underline",
    "ins": "underline",
    "s": "strikethrough",
    "strike": "strikethrough",
    "del": "strikethrough",
    "tg-spoiler": "spoiler",
    "span": "spoiler",
    "a": "text_link",
    "code": "code",
    "pre": "pre",
    "blockquote": "blockquote",
    "tg-emoji": "custom_emoji",
}
_HTML_NAMED = {"lt": "<", "gt": ">", "amp": "&", "quot": '"'}
_HTML_SPECIAL = re.compile(r"[<&]")
_HTML_CHAR_REF = re.compile(r"&(#x[0-9a-fA-F]+|#[0-9]+|[a-zA-Z]+);")
_ATTRIBUTE = re.compile(r"""([\w-]+)(?:\s*=\s*(?:"([^"]*)"|'([^']*)'|([^\s"']+)))?""")
_V2_RESERVED = frozenset("_*[]()~`>#+-=|{}.!")
_ENTITY_NAMES = {
    "bold": "Bold",
    "italic": "Italic",
    "underline": "Underline",
    "strikethrough": "Strikethrough",
    "spoiler": "Spoiler",
    "code": "Code",
    "pre": "Pre",
    "text_link": "TextUrl",
    "blockquote": "BlockQuote",
}


def utf16_length(text: str) -> int:
    """Telegram measures entity offsets and lengths in UTF-16 code units."""
    return len(text.encode("utf-16-le")) // 2


def render(
    text: str, parse_mode: str | None, entities: list[JSON] | None
) -> tuple[str, list[JSON]]:
    """The text a person reads and its entities; explicit entities win over parse_mode."""
    if entities is not None or not parse_mode:
        return text, list(entities or [])
    mode = parse_mode.lower()
    if mode == "html":
        return _Html(text).parse()
    if mode in {"markdownv2", "markdown"}:
        return _Markdown(text, v2=mode == "markdownv2").parse()
    raise bad_request("unsupported parse_mode")


def _cannot_parse(reason: str) -> ApiError:
    return bad_request(f"can't parse entities: {reason}")


class _Output:
    """Plain text being built, with its entities."""

    def __init__(self, source: str) -> None:
        self.source = source
        self.parts: list[str] = []
        self.offset = 0
        self.entities: list[JSON] = []

    def add(self, text: str) -> None:
        self.parts.append(text)
        self.offset += utf16_length(text)

    def entity(self, kind: str, start: int, **extra: Any) -> None:
        if self.offset > start:
            entity = {"type": kind, "offset": start, "length": self.offset - start}
            self.entities.append(entity | {k: v for k, v in extra.items() if v is not None})

    def byte_offset(self, index: int) -> int:
        return len(self.source[:index].encode("utf-8"))

    def result(self) -> tuple[str, list[JSON]]:
        entities = sorted(self.entities, key=lambda e: (e["offset"], -e["length"]))
        return "".join(self.parts), entities


class _Html(_Output):
    def parse(self) -> tuple[str, list[JSON]]:
        text, i = self.source, 0
        stack: list[tuple[str, int, dict[str, str]]] = []
        while i < len(text):
            if text[i] == "<":
                end = text.find(">", i)
                if end < 0:
                    raise _cannot_parse(f"Unclosed start tag at byte offset {self.byte_offset(i)}")
                self._tag(text[i + 1 : end].strip(), stack, self.byte_offset(i))
                i = end + 1
            elif match := _HTML_CHAR_REF.match(text, i):
                self.add(_char_reference(match.group(1)) or match.group())
                i = match.end()
            else:
                special = _HTML_SPECIAL.search(text, i + 1)
                stop = special.start() if special else len(text)
                self.add(text[i:stop])
                i = stop
        if stack:
            name = stack[-1][0]
            raise _cannot_parse(f'Can\'t find end tag corresponding to start tag "{name}"')
        return self.result()

    def _tag(self, inner: str, stack: list[tuple[str, int, dict[str, str]]], at: int) -> None:
        if inner.startswith("/"):
            name = inner[1:].strip().lower()
            if not stack:
                raise _cannot_parse(f"Unexpected end tag at byte offset {at}")
            opened, start, attributes = stack.pop()
            if name and name != opened:
                raise _cannot_parse(
                    f'Unmatched end tag at byte offset {at}, expected "</{opened}>", '
                    f'found "</{name}>"'
                )
            self._close(opened, start, attributes)
            return
        name, _, rest = inner.partition(" ")
        name = name.lower()
        if name not in _HTML_TAGS:
            raise _cannot_parse(f'Unsupported start tag "{name}" at byte offset {at}')
        attributes = {
            m.group(1).lower(): m.group(2) or m.group(3) or m.group(4) or ""
            for m in _ATTRIBUTE.finditer(rest)
        }
        if name == "span" and attributes.get("class") != "tg-spoiler":
            raise _cannot_parse(f'Tag "span" must have class "tg-spoiler" at byte offset {at}')
        stack.append((name, self.offset, attributes))

    def _close(self, name: str, start: int, attributes: dict[str, str]) -> None:
        kind = _HTML_TAGS[name]
        if kind == "blockquote" and "expandable" in attributes:
            kind = "expandable_blockquote"
        self.entity(
            kind,
            start,
            url=attributes.get("href") if kind == "text_link" else None,
            custom_emoji_id=attributes.get("emoji-id") if kind == "custom_emoji" else None,
        )


def _char_reference(name: str) -> str | None:
    if name.startswith("#x"):
        return chr(int(name[2:], 16))
    if name.startswith("#"):
        return chr(int(name[1:]))
    return _HTML_NAMED.get(name)


class _Markdown(_Output):
    def __init__(self, source: str, *, v2: bool) -> None:
        super().__init__(source)
        self.v2 = v2
        self.open: dict[str, tuple[int, int]] = {}  # kind -> (start offset, byte offset)
        self.pre_language: str | None = None

    def parse(self) -> tuple[str, list[JSON]]:
        text, i = self.source, 0
        while i < len(text):
            i = self._step(text, i)
        if "blockquote" in self.open:
            self._toggle("blockquote", 0)
        if self.open:
            kind, (_, at) = next(iter(self.open.items()))
            if self.v2:
                raise _cannot_parse(
                    f"Can't find end of {_ENTITY_NAMES[kind]} entity at byte offset {at}"
                )
            raise _cannot_parse(f"Can't find end of the entity starting at byte offset {at}")
        return self.result()

    def _step(self, text: str, i: int) -> int:  # noqa: PLR0911, PLR0912 -- one branch per marker
        char = text[i]
        escapable = self.v2 or (i + 1 < len(text) and text[i + 1] in "_*`[")
        if char == "\\" and i + 1 < len(text) and escapable:
            self.add(text[i + 1])
            return i + 2
        in_code = "code" in self.open or "pre" in self.open
        if in_code and char != "`":
            self.add(char)
            return i + 1
        if text.startswith("```", i):
            return self._pre(text, i)
        if char == "`":
            self._toggle("code", i)
        elif char == "*":
            self._toggle("bold", i)
        elif self.v2 and text.startswith("__", i):
            self._toggle("underline", i)
            return i + 2
        elif char == "_":
            self._toggle("italic", i)
        elif self.v2 and char == "~":
            self._toggle("strikethrough", i)
        elif self.v2 and text.startswith("||", i):
            self._toggle("spoiler", i)
            return i + 2
        elif char == "[" and "text_link" not in self.open:
            self._toggle("text_link", i)
        elif char == "]" and "text_link" in self.open:
            return self._link_end(text, i)
        elif self.v2 and char == ">" and (i == 0 or text[i - 1] == "\n"):
            self._toggle("blockquote", i)
        elif char == "\n" and "blockquote" in self.open:
            self._toggle("blockquote", i)
            self.add(char)
        elif self.v2 and char in _V2_RESERVED:
            raise _cannot_parse(
                f"Character '{char}' is reserved and must be escaped with the preceding '\\'"
            )
        else:
            self.add(char)
        return i + 1

    def _toggle(self, kind: str, i: int, **extra: Any) -> None:
        if kind in self.open:
            start, _ = self.open.pop(kind)
            self.entity(kind, start, **extra)
        else:
            self.open[kind] = (self.offset, self.byte_offset(i))

    def _pre(self, text: str, i: int) -> int:
        if "pre" in self.open:
            self._toggle("pre", i, language=self.pre_language)
            return i + 3
        self._toggle("pre", i)
        line_end = text.find("\n", i + 3)
        language = text[i + 3 : line_end] if line_end >= 0 else ""
        self.pre_language = language if re.fullmatch(r"[\w+#-]+", language) else None
        return line_end + 1 if self.pre_language else i + 3

    def _link_end(self, text: str, i: int) -> int:
        if not text.startswith("(", i + 1):
            del self.open["text_link"]  # "[text]" without a URL stays plain text
            return i + 1
        end = text.find(")", i + 2)
        if end < 0:
            raise _cannot_parse(f"Can't find end of a URL at byte offset {self.byte_offset(i)}")
        url = text[i + 2 : end].replace("\\)", ")").replace("\\\\", "\\")
        self._toggle("text_link", i, url=url)
        return end + 1
