"""Code every destination folder shares: the blueprint format's common parts, its messages,
the editor's common sections and the transform's dispatch. Not a destination itself: it has
no entry and is not in the registry, and it imports no destination folder."""
