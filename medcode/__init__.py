"""Chart to Claim's coding library: code sets, search, lookup and rules."""
from medcode.lookup import lookup
from medcode.model import Code, Hit, Note, StoreMissing, UnknownCode
from medcode.search import search
from medcode.store import fiscal_year

__all__ = ["Code", "Hit", "Note", "StoreMissing", "UnknownCode", "fiscal_year", "lookup", "search"]
