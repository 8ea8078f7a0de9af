"""Errors the user can act on; the CLI prints their message as one line and exits non-zero."""


class PapersError(Exception):
    """Base class: the message is complete and user-facing."""


class IndexMissingError(PapersError):
    pass


class EmptyIndexError(PapersError):
    pass


class ModelMismatchError(PapersError):
    pass


class IndexFormatError(PapersError):
    pass


class BadQueryError(PapersError):
    pass


class IndexLockedError(PapersError):
    pass


class IndexChangedError(PapersError):
    """Another process wrote to an embedded index while this one read it (reads retry once on it)."""


class IndexReadOnlyError(PapersError):
    """The index cannot be written by this user (embedded Chroma must write even to search)."""


class DiskFullError(PapersError):
    """A write failed with the device holding the index (nearly) full; a rerun resumes."""


class UnavailableError(PapersError):
    """A service the engine needs (a Chroma server, a model) cannot be reached or loaded."""
