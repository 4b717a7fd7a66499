#!/usr/bin/env python3
"""Checks the relative links of the README and docs/: every linked file exists, and every
#anchor names a heading of its file (as GitHub makes anchors). Prints each broken link, then one
error line, and exits 1 if any; run by .ci/run.

    scripts/check-links.py [FILE.md ...]   (default: README.md and docs/*.md)
"""
import re
import sys
from functools import lru_cache
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
LINK = re.compile(r"\]\(([^)\s]+)\)")
HEADING = re.compile(r"#{1,6}\s+(.*?)\s*#*\s*$")


def outside_code(text):
    """The file's lines, fenced code blocks blanked (line numbers stay) and inline code removed."""
    lines, fenced = [], False
    for line in text.splitlines():
        if line.startswith("```"):
            fenced = not fenced
            lines.append("")
        else:
            lines.append("" if fenced else re.sub(r"`[^`\n]*`", "", line))
    return lines


@lru_cache(maxsize=None)
def anchors(path):
    """GitHub's anchors for a Markdown file's headings (code spans keep their text there); read
    once per file, however many links point into it."""
    seen, found, fenced = {}, set(), False
    for line in path.read_text(encoding="utf-8").splitlines():
        if line.startswith("```"):
            fenced = not fenced
        heading = None if fenced else HEADING.match(line)
        if heading:
            title = re.sub(r"\[([^\]]*)\]\([^)]*\)", r"\1", heading.group(1))
            slug = re.sub(r"[^\w\- ]", "", title.lower()).replace(" ", "-")
            count = seen.get(slug, 0)
            seen[slug] = count + 1
            found.add(slug if count == 0 else f"{slug}-{count}")
    return found


def broken_links(path):
    broken = []
    for number, line in enumerate(outside_code(path.read_text(encoding="utf-8")), start=1):
        for target in LINK.findall(line):
            if re.match(r"[a-z]+:", target):
                continue  # http:, https:, mailto:
            file_part, _, anchor = target.partition("#")
            linked = (path.parent / file_part).resolve() if file_part else path
            where = f"{path.relative_to(ROOT)}:{number}: {target}"
            if not linked.exists():
                broken.append(f"{where}: no such file")
            elif anchor and linked.suffix == ".md" and anchor not in anchors(linked):
                broken.append(f"{where}: no heading #{anchor} in {linked.relative_to(ROOT)}")
    return broken


def main(args):
    files = [Path(a).resolve() for a in args] or [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))]
    broken = [problem for f in files for problem in broken_links(f)]
    for problem in broken:
        print(problem, file=sys.stderr)
    if broken:
        print(f"error: {len(broken)} broken link(s); fix the paths or anchors above", file=sys.stderr)
        return 1
    print(f"links: {len(files)} files checked, none broken")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
