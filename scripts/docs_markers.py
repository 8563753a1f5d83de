"""Replaces the text between two markers of a docs file, atomically (the scripts that
regenerate numbers in docs/ write through this)."""
import os
import sys


def write_between(path, begin, end, body, who):
    """Puts `body` between the lines `begin` and `end` of `path`; exits naming `who` if they are missing."""
    with open(path) as f:
        text = f.read()
    if begin not in text or end not in text:
        sys.exit(f"{who}: {path} lacks the markers {begin} ... {end}")
    head, rest = text.split(begin, 1)
    _, tail = rest.split(end, 1)
    with open(path + ".tmp", "w") as f:
        f.write(head + begin + "\n" + body + "\n" + end + tail)
    os.replace(path + ".tmp", path)
