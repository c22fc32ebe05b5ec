"""Every failure kg reports on purpose. The CLI turns these into exit codes in one place."""


class KgError(Exception):
    """A problem with the user's input or tree; the message says what, where, and how to fix it."""

    exit_code = 2
    status = 400  # over HTTP


def one_line(error: object, limit: int = 300) -> str:
    """An error's text on one line, at most `limit` characters: for a message of kg's own."""
    return " ".join(str(error).split())[:limit]


class RootError(KgError):
    """The kg root folder is missing or lacks the expected layout."""


class DataSyntaxError(KgError):
    """A data or ontology file does not parse; the message starts with file:line."""


class NotFoundError(KgError):
    """A name, term or statement asked for is not in the graph, or names more than one thing."""

    status = 404


class SearchError(KgError):
    """A search text kg cannot search for: no word in it, or too many."""


class PictureError(KgError):
    """A picture (kg timeline, kg network) cannot be drawn: a program or library it needs, such
    as Graphviz's dot or the cairo library, is missing or fails."""


class RevisionError(KgError):
    """A side of `kg diff` is neither a kg tree's folder nor a revision of its git repository."""


class Interrupted(BaseException):
    """SIGTERM (or SIGINT) while kg runs: unwinds like Ctrl-C, so temporary files are removed.

    A BaseException, so that `except Exception` never swallows it. Exit code 128 + the signal.
    """

    def __init__(self, signal_number: int) -> None:
        super().__init__(signal_number)
        self.exit_code = 128 + signal_number


# The signals raise_interrupted has seen. CPython can lose the exception a handler raises inside
# C code (seen while an import compiles a module), so points of no return check this as well.
SIGNALS_RECEIVED: list[int] = []


def raise_interrupted(signal_number: int, frame) -> None:
    """A signal handler: SIGINT or SIGTERM unwinds kg as Interrupted."""
    SIGNALS_RECEIVED.append(signal_number)
    raise Interrupted(signal_number)


def raise_if_interrupted() -> None:
    """Raise Interrupted if a signal arrived, even one whose exception was lost on the way."""
    if SIGNALS_RECEIVED:
        raise Interrupted(SIGNALS_RECEIVED[0])
