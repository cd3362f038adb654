"""Profile versions as ETags, and If-Match as an expected version."""

from __future__ import annotations

import re

from fastapi import Response

from persona_memory.core.profiles import PreconditionFailed, Profile


def etag(version: int) -> str:
    return f'"v{version}"'


def with_etag(response: Response, profile: Profile) -> Profile:
    response.headers["ETag"] = etag(profile.version)
    return profile


def expected_version(if_match: str | None) -> int | None:
    """None (last write wins) without If-Match or with '*'; else the version it names.

    A header that names no version of ours can never match: 412.
    """
    if if_match is None or if_match.strip() == "*":
        return None
    tag = if_match.strip().removeprefix("W/").strip('"')
    if _TAG.fullmatch(tag):
        return int(tag[1:])
    raise PreconditionFailed(if_match[:40])


# ASCII digits only ("v²" is a digit to str.isdigit), and few enough for an int.
_TAG = re.compile(r"v[0-9]{1,18}")
