"""What the local API prints: one line per event, never a character that a client chose to break it with.

A request's path (decoded: %0a is a line break, %1b an escape), its method and the addresses users sign up with come
from clients. Printed as they are, they forge log lines and drive the terminal (colours, cursor moves, a cleared
screen). `printable` escapes backslashes and every character Python does not call printable (control characters,
line and paragraph separators, bidirectional and other format characters) as \\xNN, \\uNNNN or \\UNNNNNNNN.
"""

from __future__ import annotations


def _escape(char: str) -> str:
    code = ord(char)
    if char == "\\":
        return "\\\\"
    if code < 0x100:
        return f"\\x{code:02x}"
    return f"\\u{code:04x}" if code < 0x10000 else f"\\U{code:08x}"


def printable(text: str) -> str:
    return "".join(char if char.isprintable() and char != "\\" else _escape(char) for char in text)
