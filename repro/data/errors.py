class DataError(RuntimeError):
    """A dataset is missing, damaged or malformed; the message names the file and the fix."""


class DatasetUnavailable(DataError):
    """The dataset itself cannot be had here (not downloadable now, its folder missing or damaged): the same for
    every experiment that uses it, so a caller running several experiments reports it once and does not retry.
    A DataError that is not one of these belongs to one experiment's settings (a split that does not fit).

    `summary`: what went wrong in a few words, for a table row (default: the message's first sentence)."""

    def __init__(self, message: str, summary: str | None = None):
        super().__init__(message)
        self.summary = summary or message.split(". ")[0]
