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
