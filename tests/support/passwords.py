"""Hypothesis strategies for passwords, rich in what breaks naive password rules: Basic Latin and other letters, other
scripts' digits, every special character Cognito lists, spaces and other whitespace, line breaks, emoji, control and
format characters, at lengths around the policy's minimum and around Cognito's maximum of 256."""

from __future__ import annotations

from hypothesis import strategies as st

UPPER = "ABMZ"
LOWER = "abmz"
DIGITS = "0159"
SYMBOLS = "^$*.[]{}()?\"!@#%&/\\,><':;|_~`=+-"
OTHER_LETTERS = "ÄÖÜäöüßéÉøΩωЖжİıﬁǅ"  # Latin-1 and other scripts, a ligature, a titlecase letter
OTHER_DIGITS = "٣५９𝟘¹½"  # Arabic-Indic, Devanagari, fullwidth, mathematical, superscript, a fraction
SPACES = " \t\x0b\f\xa0\u2003\u3000"  # Java's \s is only the first four and \n, \r
LINE_BREAKS = "\n\r\x85\u2028\u2029"  # what Java's `.` does not match
CONTROL_AND_FORMAT = "\x00\x1c\x1f\x7f\u200b\u202e\ufeff"  # Python's isspace() says yes to \x1c-\x1f; Java's \s no
EMOJI = ("😀", "👍🏽", "👨\u200d👩\u200d👧", "🇩🇪", "❤️")

CHARACTERS = UPPER + LOWER + DIGITS + SYMBOLS + OTHER_LETTERS + OTHER_DIGITS + SPACES + LINE_BREAKS + CONTROL_AND_FORMAT
PIECES = (*CHARACTERS, *EMOJI, "Aa1", "Passw0rd", " ")

MAX_LENGTH = 256

# Half of the pieces are plain Basic Latin, so that many passwords meet the policy and the rest break it narrowly.
piece = st.one_of(st.sampled_from((*UPPER, *LOWER, *DIGITS, "Aa1")), st.sampled_from(PIECES))
character = st.one_of(st.sampled_from(UPPER + LOWER + DIGITS), st.sampled_from(CHARACTERS))


def _fit(parts: list[str], filler: str, length: int) -> str:
    """`parts` joined, padded with `filler` in the middle (or cut) to exactly `length` characters."""
    text = "".join(parts)
    if len(text) >= length:
        return text[:length]
    middle = len(text) // 2
    return text[:middle] + filler * (length - len(text)) + text[middle:]


def sized(length: st.SearchStrategy[int]) -> st.SearchStrategy[str]:
    return st.builds(_fit, st.lists(piece, max_size=12), character, length)


def passwords(minimum_length: int = 8) -> st.SearchStrategy[str]:
    """Free-form, around the policy's minimum length, and around 256."""
    return st.one_of(
        st.lists(piece, max_size=16).map("".join),
        sized(st.integers(max(0, minimum_length - 2), minimum_length + 2)),
        sized(st.integers(MAX_LENGTH - 2, MAX_LENGTH + 2)),
    )
