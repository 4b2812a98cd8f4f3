"""Describing a crash for the logs without the text that caused it.

An exception's message often quotes its input (``ValueError(f"cannot parse
{text!r}")``), and an actor's input is a user's message. Logs at INFO and above
get the exception's type and where it was raised; the message itself goes to
DEBUG only, like the message that crashed the actor.
"""

from __future__ import annotations

import traceback

_MAX_CHAIN = 5
"""How many causes (``raise ... from``) and contexts to follow."""


def outline(error: BaseException) -> str:
    """The exception's type and traceback frames, and those of its causes; never its message.

    The result reads like Python's own traceback, innermost call last, with
    each chained exception first, as Python prints them.
    """
    chain: list[tuple[BaseException, str]] = []
    seen: set[int] = set()
    current: BaseException | None = error
    link = ""
    while current is not None and id(current) not in seen and len(chain) <= _MAX_CHAIN:
        seen.add(id(current))
        chain.append((current, link))
        if current.__cause__ is not None:
            current, link = current.__cause__, "The above exception was the direct cause of the following one:"
        elif current.__context__ is not None and not current.__suppress_context__:
            current, link = current.__context__, "During handling of the above exception, another one occurred:"
        else:
            current = None
    parts: list[str] = []
    for exc, link_to_next in reversed(chain):
        frames = "".join(traceback.format_list(traceback.extract_tb(exc.__traceback__)))
        parts.append(f"Traceback (most recent call last):\n{frames}{_type_name(exc)} (message withheld)")
        if link_to_next:
            parts.append(link_to_next)
    return "\n\n".join(parts)


def _type_name(error: BaseException) -> str:
    cls = type(error)
    return cls.__qualname__ if cls.__module__ == "builtins" else f"{cls.__module__}.{cls.__qualname__}"
