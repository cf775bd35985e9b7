"""The coding rules medcode.validate applies; each is a small function ctx -> iterable of Finding."""
from __future__ import annotations

from medcode.rules import cm, mce, procedures

RULES: list = [*cm.RULES, *mce.RULES, *procedures.RULES]
