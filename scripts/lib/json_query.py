"""The scripts' one reader of JSON (the clusters' REST answers), from stdin; common.sh wraps it.

    json_query.py get FIELD...
        the top-level object's FIELDs on one line, space-separated; 0 for a field it lacks
    json_query.py rows LIST FIELD...
        one line per item of the top-level LIST, its FIELDs space-separated
    json_query.py newest LIST FIELD VALUE ORDER PRINT [NOT_BEFORE]
        PRINT of the item of LIST whose FIELD is VALUE and whose ORDER is highest (and at least
        NOT_BEFORE), or an empty line when there is none

Input that is not JSON of that shape: a line on stderr and exit 1, for the caller's own message.
"""
import json
import sys


def main(argv):
    if len(argv) < 2:
        raise ValueError(__doc__)
    query, args = argv[1], argv[2:]
    document = json.load(sys.stdin)
    if query == "get" and args:
        return " ".join(str(document.get(field, 0)) for field in args)
    if query == "rows" and len(args) >= 2:
        return "\n".join(" ".join(str(item[field]) for field in args[1:]) for item in document.get(args[0], []))
    if query == "newest" and len(args) in (5, 6):
        items, field, value, order, show = args[:5]
        not_before = float(args[5]) if len(args) == 6 else float("-inf")
        matches = [i for i in document.get(items, []) if str(i[field]) == value and i[order] >= not_before]
        return str(max(matches, key=lambda i: i[order])[show]) if matches else ""
    raise ValueError(f"unknown query {' '.join(argv[1:])!r}; see scripts/lib/json_query.py")


if __name__ == "__main__":
    try:
        print(main(sys.argv))
    except (ValueError, KeyError, TypeError, AttributeError) as problem:
        print(f"json_query.py: {problem}", file=sys.stderr)
        sys.exit(1)
