"""The project's exceptions. The CLI maps each to a one-line message with a hint."""

from __future__ import annotations


class GazetteError(Exception):
    """Base class for every error this project raises on purpose."""

    hint: str = ""

    def __init__(self, message: str, *, path: str | None = None, hint: str | None = None):
        super().__init__(message)
        self.path = path
        if hint is not None:
            self.hint = hint

    def __reduce__(self):  # keep path and hint across process boundaries
        return (_rebuild, (type(self), self.args[0] if self.args else "", self.path, self.hint))

    def __str__(self) -> str:
        msg = super().__str__()
        return f"{self.path}: {msg}" if self.path else msg


def _rebuild(cls, message, path, hint):
    return cls(message, path=path, hint=hint)


class InputError(GazetteError):
    """A file that cannot be parsed as a gazette (not a PDF, corrupt, encrypted, scanned...)."""

    hint = "check the file; it is skipped and the rest of the batch goes on"


class NotAPdfError(InputError):
    pass


class EmptyFileError(InputError):
    pass


class CorruptPdfError(InputError):
    pass


class EncryptedPdfError(InputError):
    hint = "remove the password (e.g. qpdf --decrypt) and ingest the decrypted copy"


class NoTextLayerError(InputError):
    hint = "the file is scanned: run OCR on it (e.g. ocrmypdf -l chi_sim) and ingest the result"


class NoDocumentsError(InputError):
    hint = "the file has text but no recognizable official documents (文号 lines or titles)"


class IndexMissingError(GazetteError):
    hint = "run `gazette ingest raw/` first (or pass --home to the folder holding index/)"


class IndexLockedError(GazetteError):
    hint = "another ingest is writing the index; wait for it to finish and retry"


class TooSlowError(InputError):
    hint = "the file takes too long to read (a damaged or hostile PDF?); --file-timeout raises the limit"


class TooLargeError(InputError):
    hint = "the file needs too much memory to read (a damaged or hostile PDF?); --max-memory raises the limit"


class QueryError(GazetteError):
    hint = "simplify the query: fewer nested parentheses or operators"


class IndexCorruptError(GazetteError):
    hint = "run `gazette reindex`: it rebuilds the index from parsed/ whatever state index/ is in"


def os_error_message(exc: OSError, path: str | None = None) -> str:
    """One line for a failed file operation: what failed, where, and what to do."""
    import errno

    where = path or exc.filename or ""
    where = f" ({where})" if where else ""
    if exc.errno == errno.ENOSPC:
        return f"disk full{where}: free some space and run the same command again; nothing was half-written"
    if exc.errno in (errno.EACCES, errno.EPERM, errno.EROFS):
        return f"permission denied{where}: choose a writable --home, or fix the folder's permissions"
    if exc.errno == errno.ENAMETOOLONG:
        return f"file name too long{where}"
    return f"{exc.strerror or type(exc).__name__}{where}"


class BackendUnavailableError(GazetteError):
    """A search server (the typesense backend) that does not answer, or refuses the request."""

    hint = ("check --backend-url (or GAZETTE_BACKEND_URL) and TYPESENSE_API_KEY, and that the server runs; "
            "nothing local was changed")


class NotFoundError(GazetteError):
    hint = "check the number, or search with `gazette search --number ...`"
