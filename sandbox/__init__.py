"""The local stand-in for the vendor APIs: a shop generator and twin HTTP servers."""
